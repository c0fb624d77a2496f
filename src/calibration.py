"""How far a head's probabilities can be taken at their word: reliability bins, expected calibration error (ECE),
the Brier score, and temperature scaling.

What is binned:

* Single-label heads: top-label calibration (Guo et al. 2017). A sentence's confidence is the probability of its
  predicted (argmax) label; its outcome is whether that label is the gold one, so a bin's "accuracy" is the share of
  its sentences labelled right.
* Multi-label heads: every (sentence, label) probability is a forecast of its own that the label applies, as in
  scikit-learn's ``calibration_curve``; a bin's "accuracy" is the share of its forecasts whose label is gold.

Bins: ``n_bins`` equal-width bins over [0, 1] (15 by default, ``eval.calibration_bins``), each ``[low, high)`` and
the last closed, counted and averaged by :func:`scipy.stats.binned_statistic`. The ECE is the bins' mean gap between
accuracy and confidence weighted by their share of forecasts, ``sum_b n_b / N * |accuracy_b - confidence_b|``
(Naeini et al. 2015): 0 when every bin's accuracy equals its mean confidence, at most 1.

Brier score: single-label heads use Brier's (1950) multi-class score, the mean over sentences of
``sum_k (p_k - y_k)**2`` in [0, 2] (scikit-learn >= 1.7's ``brier_score_loss(..., scale_by_half=False)``; computed
as scikit-learn's per-class ``mean_squared_error`` summed over the classes, which every supported scikit-learn has);
multi-label heads the mean of ``(p - y)**2`` over sentences and labels, in [0, 1]. Lower is better for both.

Temperature scaling (Guo et al. 2017) divides a single-label head's logits by one scalar ``T`` fitted on dev by
minimising the log-loss with :func:`scipy.optimize.minimize_scalar`. Families return probabilities, not logits;
``log p`` differs from the logits by a constant per sentence, which a softmax ignores, so ``softmax(log p / T)`` is
exactly the scaled softmax of every family's logits. One scalar never changes the argmax: labels, and every label
metric, stay as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import optimize, stats
from sklearn.metrics import log_loss, mean_squared_error

from src.tasks import Head

# Probabilities are clipped here before taking logs (a probability of exactly 0 would give an infinite loss).
EPSILON = 1e-12
# Temperatures searched (log scale): from 20 times sharper to 20 times softer than the model.
LOG_TEMPERATURE_BOUNDS = (-3.0, 3.0)


def indicator(gold: Sequence[Any], head: Head) -> np.ndarray:
    """Gold labels as a 0/1 matrix of shape ``(n_sentences, n_labels)``, columns in ``head.labels`` order."""
    labels = list(head.labels)
    if head.multilabel:
        rows = [[lab in row for lab in labels] for row in gold]
    else:
        rows = [[lab == row for lab in labels] for row in gold]
    return np.array(rows, dtype=float).reshape(-1, len(labels))


def forecasts(proba: np.ndarray, truth: np.ndarray, multilabel: bool) -> tuple[np.ndarray, np.ndarray]:
    """The confidences and 0/1 outcomes that are binned (see the module docstring).

    Args:
        proba: Probabilities, shape ``(n_sentences, n_labels)``.
        truth: :func:`indicator` of the gold labels.
        multilabel: Whether every column is an independent forecast.
    """
    if multilabel:
        return proba.ravel(), truth.ravel()
    top = proba.argmax(axis=1)
    return proba[np.arange(len(proba)), top], truth[np.arange(len(truth)), top]


def reliability_bins(confidence: np.ndarray, outcome: np.ndarray, n_bins: int) -> dict[str, list[Any]]:
    """The reliability diagram's bins.

    Returns:
        ``edges`` (``n_bins + 1`` floats), and per bin ``count``, mean ``confidence`` and ``accuracy`` (the mean
        outcome); both means are ``None`` for an empty bin.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    if len(confidence) == 0:
        return {"edges": edges.tolist(), "count": [0] * n_bins, "confidence": [None] * n_bins,
                "accuracy": [None] * n_bins}  # fmt: skip
    means = stats.binned_statistic(confidence, [confidence, outcome], statistic="mean", bins=edges)
    counts = stats.binned_statistic(confidence, confidence, statistic="count", bins=edges).statistic

    def plain(values: np.ndarray) -> list[float | None]:
        return [None if np.isnan(v) else float(v) for v in values]

    return {
        "edges": edges.tolist(),
        "count": [int(c) for c in counts],
        "confidence": plain(means.statistic[0]),
        "accuracy": plain(means.statistic[1]),
    }


def expected_calibration_error(bins: Mapping[str, Sequence[Any]]) -> float:
    """``sum_b n_b / N * |accuracy_b - confidence_b|`` over the non-empty bins of :func:`reliability_bins`."""
    total = sum(bins["count"])
    if not total:
        return 0.0
    return float(
        sum(
            n / total * abs(acc - conf)
            for n, conf, acc in zip(bins["count"], bins["confidence"], bins["accuracy"], strict=True)
            if n
        )
    )


def brier_score(proba: np.ndarray, truth: np.ndarray, multilabel: bool) -> float:
    """Multi-class Brier score (single-label) or mean per-label Brier score (multi-label); see the module docstring."""
    per_label = mean_squared_error(truth, proba, multioutput="raw_values")
    return float(per_label.mean() if multilabel else per_label.sum())


def calibration(
    gold: Sequence[Any], proba: np.ndarray, head: Head, n_bins: int
) -> tuple[dict[str, float], dict[str, Any]]:
    """ECE and Brier score of one head, and its reliability bins.

    Args:
        gold: Gold labels.
        proba: The head's probabilities, columns in ``head.labels`` order.
        head: The head.
        n_bins: Number of equal-width bins.

    Returns:
        ``{"ece": ..., "brier": ...}`` and the bins (:func:`reliability_bins`, plus ``kind``: ``top_label`` or
        ``per_label``).
    """
    proba = np.asarray(proba, dtype=float)
    truth = indicator(gold, head)
    bins = reliability_bins(*forecasts(proba, truth, head.multilabel), n_bins)
    scores = {"ece": expected_calibration_error(bins), "brier": brier_score(proba, truth, head.multilabel)}
    return scores, {"kind": "per_label" if head.multilabel else "top_label", **bins}


def scale(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Single-label probabilities after temperature scaling: ``softmax(log p / temperature)``."""
    logits = np.log(np.clip(np.asarray(proba, dtype=float), EPSILON, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(gold: Sequence[Any], proba: np.ndarray, head: Head) -> float:
    """Mean log-loss of a single-label head's probabilities (scikit-learn's ``log_loss``)."""
    index = {label: i for i, label in enumerate(head.labels)}
    return float(log_loss([index[g] for g in gold], proba, labels=list(range(len(head.labels)))))


def fit_temperature(gold: Sequence[Any], proba: np.ndarray, head: Head) -> float:
    """The temperature that minimises a single-label head's log-loss on ``gold`` (the dev split).

    Returns:
        ``T`` > 0: above 1 softens over-confident probabilities, below 1 sharpens under-confident ones.

    Raises:
        ValueError: ``head`` is multi-label (its probabilities are not a softmax).
    """
    if head.multilabel:
        raise ValueError(f"temperature scaling: {head.name} is a multi-label head")
    found = optimize.minimize_scalar(
        lambda log_t: negative_log_likelihood(gold, scale(proba, float(np.exp(log_t))), head),
        bounds=LOG_TEMPERATURE_BOUNDS,
        method="bounded",
    )
    return float(np.exp(found.x))


def fit_temperatures(
    gold: Mapping[str, Sequence[Any]], proba: Mapping[str, np.ndarray], heads: Sequence[Head]
) -> dict[str, float]:
    """:func:`fit_temperature` for every single-label head with gold labels."""
    return {
        head.name: fit_temperature(gold[head.name], proba[head.name], head)
        for head in heads
        if not head.multilabel and len(gold[head.name])
    }
