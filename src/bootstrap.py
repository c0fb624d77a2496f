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

# Metrics with an interval, in the order :func:`scores` returns them first.
INTERVAL_METRICS = ("macro_f1", "accuracy")
# scipy 1.15 renamed random_state to rng.
SEED_ARGUMENT = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def check_bootstrap(settings: BootstrapConfig) -> None:
    """Values the schema's types cannot check.

    Raises:
        ConfigError: ``eval.bootstrap.resamples`` below 1 or ``eval.bootstrap.confidence`` outside (0, 1).
    """
    if settings.resamples < 1:
        raise ConfigError(f"eval.bootstrap.resamples: must be at least 1, got {settings.resamples}")
    if not 0 < settings.confidence < 1:
        raise ConfigError(f"eval.bootstrap.confidence: must be in (0, 1), got {settings.confidence}")


def sentence_counts(
    gold: Sequence[Any], pred: Sequence[Any], labels: Sequence[str], multilabel: bool
) -> np.ndarray:
    """One row of counts per sentence: ``tp[K], fp[K], fn[K], correct, 1`` (K labels, in ``labels`` order).

    Args:
        gold: Gold labels (label lists for multi-label heads).
        pred: Predicted labels in the same form.
        labels: Every label of the head.
        multilabel: Whether the head is multi-label (``correct`` is then an exact match of the label set).

    Returns:
        A float array of shape ``(len(gold), 3 * K + 2)``.

    Raises:
        ValueError: A label outside ``labels``.
    """
    labels = list(labels)
    if multilabel:
        known = set(labels)
        for row in (*gold, *pred):
            if not set(row) <= known:
                raise ValueError(
                    f"labels {sorted(set(row) - known)} are not among the head's labels {labels}"
                )
        g = np.array([[lab in row for lab in labels] for row in gold], dtype=bool).reshape(
            len(gold), len(labels)
        )
        p = np.array([[lab in row for lab in labels] for row in pred], dtype=bool).reshape(
            len(pred), len(labels)
        )
        correct = (g == p).all(axis=1)
    else:
        index = {lab: i for i, lab in enumerate(labels)}
        unknown = sorted({str(x) for x in (*gold, *pred) if x not in index})
        if unknown:
            raise ValueError(f"labels {unknown} are not among the head's labels {labels}")
        eye = np.eye(len(labels), dtype=bool)
        gi, pi = np.array([index[x] for x in gold], dtype=int), np.array([index[x] for x in pred], dtype=int)
        g, p, correct = eye[gi], eye[pi], gi == pi
    return np.column_stack([g & p, ~g & p, g & ~p, correct, np.ones(len(g), dtype=bool)]).astype(float)


def unit_table(counts: np.ndarray, units: Sequence[str]) -> np.ndarray:
    """Sum sentence rows into one row per unit (units in first-seen order)."""
    keys = list(dict.fromkeys(units))
    index = {key: i for i, key in enumerate(keys)}
    table = np.zeros((len(keys), counts.shape[1]))
    np.add.at(table, np.array([index[u] for u in units], dtype=int), counts)
    return table


def scores(totals: np.ndarray, n_labels: int, multilabel: bool) -> np.ndarray:
    """Macro-F1, accuracy and the per-label F1s from count totals.

    Args:
        totals: Counts of shape ``(..., 3 * n_labels + 2)`` (see :func:`sentence_counts`).
        n_labels: K.
        multilabel: Average over every label (multi-label) or over the labels occurring in gold or predictions.

    Returns:
        Shape ``(..., 2 + K)``: macro-F1, accuracy, then F1 per label (0 where undefined).
    """
    k = n_labels
    tp, fp, fn = totals[..., :k], totals[..., k : 2 * k], totals[..., 2 * k : 3 * k]
    denominator = 2 * tp + fp + fn
    occurring = denominator > 0
    f1 = np.where(occurring, 2 * tp / np.where(occurring, denominator, 1.0), 0.0)
    if multilabel:
        macro = f1.mean(axis=-1)
    else:
        n_occurring = occurring.sum(axis=-1)
        macro = np.where(n_occurring > 0, f1.sum(axis=-1) / np.maximum(n_occurring, 1), 0.0)
    sentences = totals[..., 3 * k + 1]
    accuracy = np.where(sentences > 0, totals[..., 3 * k] / np.where(sentences > 0, sentences, 1.0), 0.0)
    return np.concatenate([macro[..., None], accuracy[..., None], f1], axis=-1)


def unit_weights(indices: np.ndarray, n_units: int) -> np.ndarray:
    """How often each unit occurs in each resample: ``(..., m)`` unit indices -> ``(..., n_units)`` counts."""
    indices = np.asarray(indices).astype(np.intp)
    flat = indices.reshape(-1, indices.shape[-1])
    offsets = flat + n_units * np.arange(len(flat))[:, None]
    counts = np.bincount(offsets.ravel(), minlength=n_units * len(flat)).reshape(len(flat), n_units)
    return counts.reshape(*indices.shape[:-1], n_units).astype(float)


# Resamples evaluated at once: bounds the memory of a (batch, units) weight matrix.
_BATCH = 2000


def resample(
    n_units: int,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    resamples: int,
    confidence: float,
    method: str = "percentile",
    seed: int = 0,
    batch: int = _BATCH,
) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.stats.bootstrap`` over the unit indices ``0 .. n_units - 1`` (vectorized, seeded).

    Args:
        n_units: Units (documents or sentences) to draw from.
        statistic: Unit weights ``(..., n_units)`` (how often each unit was drawn) -> statistics ``(..., s)``.
        resamples, confidence, method, seed: scipy's settings.
        batch: Resamples evaluated at once (a ``(batch, n_units)`` weight matrix); lower it for many units.

    Returns:
        The interval's low and high bounds, each of shape ``(s,)``.
    """

    def on_indices(indices: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.moveaxis(statistic(unit_weights(np.moveaxis(indices, axis, -1), n_units)), -1, 0)

    result = stats.bootstrap(
        (np.arange(n_units),),
        on_indices,
        vectorized=True,
        n_resamples=resamples,
        confidence_level=confidence,
        method=method,
        batch=batch,
        **{SEED_ARGUMENT: np.random.default_rng(seed)},
    )
    return np.asarray(result.confidence_interval.low), np.asarray(result.confidence_interval.high)


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
    counts = sentence_counts(gold, pred, head.labels, head.multilabel)
    unit = BootstrapUnit(settings.unit)
    description: dict[str, Any] = {"unit": unit.value}
    if unit == BootstrapUnit.document:
        unit_counts = unit_table(counts, [str(g) for g in groups])
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
    k = len(head.labels)
    low, high = resample(
        len(unit_counts),
        lambda weights: scores(weights @ unit_counts, k, head.multilabel)[..., : len(INTERVAL_METRICS)],
        resamples=settings.resamples,
        confidence=settings.confidence,
        method=str(settings.method),
        seed=settings.seed,
    )
    intervals = {}
    for i, metric in enumerate(INTERVAL_METRICS):
        if np.isfinite(low[i]) and np.isfinite(high[i]):
            intervals[metric] = [float(low[i]), float(high[i])]
        else:  # BCa on a degenerate bootstrap distribution
            description["note"] = f"{metric}: the {settings.method} interval is undefined on this split"
    return intervals, description
