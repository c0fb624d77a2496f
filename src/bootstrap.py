"""Bootstrap confidence intervals of a head's macro-F1 and accuracy that resample whole documents (or sentences).

Why documents: the sentences of one article share its author, topic and framing, so they are not independent
draws; a bootstrap over sentences treats them as if they were and gives intervals that are too narrow (Dror et al.
2018, "The Hitchhiker's Guide to Testing Statistical Significance in NLP"). Resampling whole documents (a cluster
bootstrap) keeps each article's sentences together. ``eval.bootstrap.unit=sentence`` gives the classic per-sentence
bootstrap.

How :func:`scipy.stats.bootstrap` does the clustered resampling: its data are the *unit indices*
``0 .. n_units - 1`` and its statistic pools the sentences of the units drawn. Pooling is exact and cheap because
both metrics are functions of counts that add up over sentences (sufficient statistics): a single-label head's
confusion matrix, a multi-label head's per-label true positives, false positives and false negatives plus its
exact-match count. Each unit is summarized once by its count vector; the counts of every resample at once are one
matrix product (how often each unit was drawn, times the units' counts), so the statistic is ``vectorized`` and
1,000 resamples of a split take milliseconds. Macro-F1 and accuracy are computed from the pooled counts exactly as
:func:`src.evaluate.macro_f1` computes them (the statistic of the original sample equals evaluate()'s figures; a
test checks it).

The default method is the percentile interval: the one NLP papers report (Koehn 2004; Berg-Kirkpatrick et al.
2012), defined for any number of units and never degenerate; ``eval.bootstrap.method=bca`` or ``basic`` choose
scipy's other methods. Both metrics of a head are resampled with the same seed, hence the same resamples.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from src.config import BootstrapConfig, BootstrapUnit
from src.errors import ConfigError
from src.tasks import Head

# Metrics with an interval, in the order :func:`scores_from_counts` returns them.
INTERVAL_METRICS = ("macro_f1", "accuracy")
# scipy 1.15 renamed random_state to rng.
_SEED_ARGUMENT = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def check_bootstrap(settings: BootstrapConfig) -> None:
    """Values the schema's types cannot check.

    Raises:
        ConfigError: ``eval.bootstrap.resamples`` below 1 or ``eval.bootstrap.confidence`` outside (0, 1).
    """
    if settings.resamples < 1:
        raise ConfigError(f"eval.bootstrap.resamples: must be at least 1, got {settings.resamples}")
    if not 0 < settings.confidence < 1:
        raise ConfigError(f"eval.bootstrap.confidence: must be in (0, 1), got {settings.confidence}")


def sentence_counts(gold: Sequence[Any], pred: Sequence[Any], head: Head) -> np.ndarray:
    """Per sentence, the counts macro-F1 and accuracy are functions of.

    Args:
        gold: Gold labels (strings, or label lists for multi-label heads).
        pred: Predicted labels in the same form.
        head: The head.

    Returns:
        Shape ``(n_sentences, m)``. Single-label: the one-hot cell ``(gold, predicted)`` of the flattened
        ``K x K`` confusion matrix. Multi-label: per label TP, FP and FN indicators (``3 L`` columns), then
        whether every label is right, then 1 (the sentence count).
    """
    labels = list(head.labels)
    if head.multilabel:
        y_true = np.array([[lab in row for lab in labels] for row in gold], dtype=bool).reshape(
            -1, len(labels)
        )
        y_pred = np.array([[lab in row for lab in labels] for row in pred], dtype=bool).reshape(
            -1, len(labels)
        )
        return np.hstack(
            [
                y_true & y_pred,
                ~y_true & y_pred,
                y_true & ~y_pred,
                (y_true == y_pred).all(axis=1, keepdims=True),
                np.ones((len(y_true), 1), dtype=bool),
            ]
        ).astype(float)
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    cells = np.array([index[g] * k + index[p] for g, p in zip(gold, pred, strict=True)], dtype=np.intp)
    counts = np.zeros((len(cells), k * k))
    counts[np.arange(len(cells)), cells] = 1.0
    return counts


def scores_from_counts(counts: np.ndarray, head: Head) -> np.ndarray:
    """Macro-F1 and accuracy of pooled counts (see :func:`sentence_counts`), over any leading axes.

    Single-label macro-F1 averages the F1 of the labels occurring in gold or predictions, multi-label macro-F1
    every label column (an empty one scores 0), as :func:`src.evaluate.macro_f1` does.

    Returns:
        Shape ``(2, *counts.shape[:-1])``: macro-F1, then accuracy (subset accuracy for multi-label heads).
    """
    k = len(head.labels)
    if head.multilabel:
        tp, fp, fn = counts[..., :k], counts[..., k : 2 * k], counts[..., 2 * k : 3 * k]
        exact, total = counts[..., 3 * k], counts[..., 3 * k + 1]
        denominator = 2 * tp + fp + fn
        f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
        return np.stack([f1.mean(axis=-1), exact / total])
    matrix = counts.reshape(*counts.shape[:-1], k, k)
    tp = np.diagonal(matrix, axis1=-2, axis2=-1)
    denominator = matrix.sum(axis=-1) + matrix.sum(axis=-2)  # 2 TP + FP + FN; > 0 where the label occurs
    f1 = np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)
    occurring = (denominator > 0).sum(axis=-1)
    return np.stack([f1.sum(axis=-1) / occurring, tp.sum(axis=-1) / matrix.sum(axis=(-2, -1))])


def pool(counts: np.ndarray, groups: Sequence[Any]) -> np.ndarray:
    """Sum the sentences' counts per group (document); one row per group, in sorted group order."""
    names, inverse = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    pooled = np.zeros((len(names), counts.shape[1]))
    np.add.at(pooled, inverse.ravel(), counts)
    return pooled


def _resampled_statistic(unit_counts: np.ndarray, score: Callable[[np.ndarray], np.ndarray]):
    """scipy's vectorized statistic: rows of drawn unit indices -> the score of their pooled counts."""
    n_units = len(unit_counts)

    def statistic(indices: np.ndarray, axis: int = -1) -> np.ndarray:
        indices = np.moveaxis(np.asarray(indices, dtype=np.intp), axis, -1)
        rows = indices.reshape(-1, indices.shape[-1])
        # How often each unit was drawn in each resample (row); offsets give every row its own bincount range.
        offsets = n_units * np.arange(len(rows))[:, None]
        weights = np.bincount((rows + offsets).ravel(), minlength=len(rows) * n_units)
        pooled = weights.reshape(len(rows), n_units).astype(float) @ unit_counts
        return score(pooled).reshape(indices.shape[:-1])

    return statistic


def bootstrap_intervals(
    gold: Sequence[Any],
    pred: Sequence[Any],
    head: Head,
    groups: Sequence[Any],
    settings: BootstrapConfig,
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Bootstrap intervals of macro-F1 and accuracy for one head on one split.

    A split whose sentences come from a single document cannot be resampled by document (every resample would be
    that document, a zero-width interval that claims certainty the data cannot give): its interval resamples
    sentences instead, and the returned description says so in ``note``. A split of fewer than two sentences gets
    no interval.

    Args:
        gold: Gold labels.
        pred: Predicted labels.
        head: The head.
        groups: The document id of each sentence.
        settings: ``eval.bootstrap``.

    Returns:
        ``{"macro_f1": [low, high], "accuracy": [low, high]}`` (empty when no interval can be computed), and how
        the split was resampled: ``unit``, ``units`` (how many), and ``note`` where it differs from ``settings``.
    """
    counts = sentence_counts(gold, pred, head)
    unit = BootstrapUnit(settings.unit)
    description: dict[str, Any] = {"unit": unit.value}
    if unit == BootstrapUnit.document:
        unit_counts = pool(counts, groups)
        if len(unit_counts) == 1:
            unit_counts, description["unit"] = counts, BootstrapUnit.sentence.value
            description["note"] = (
                "one document: the interval resamples its sentences, so it says nothing about other documents"
            )
    else:
        unit_counts = counts
    description["units"] = len(unit_counts)
    if len(unit_counts) < 2:
        description["note"] = f"{len(unit_counts)} sentence(s): no interval"
        return {}, description

    intervals = {}
    for i, metric in enumerate(INTERVAL_METRICS):
        result = stats.bootstrap(
            (np.arange(len(unit_counts)),),
            _resampled_statistic(unit_counts, lambda pooled, i=i: scores_from_counts(pooled, head)[i]),
            n_resamples=settings.resamples,
            confidence_level=settings.confidence,
            method=str(settings.method),
            vectorized=True,
            **{_SEED_ARGUMENT: np.random.default_rng(settings.seed)},
        )
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if np.isfinite(low) and np.isfinite(high):
            intervals[metric] = [low, high]
        else:  # BCa on a degenerate bootstrap distribution
            description["note"] = f"{metric}: the {settings.method} interval is undefined on this split"
    return intervals, description
