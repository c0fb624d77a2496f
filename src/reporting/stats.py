"""The statistics of a report: document-bootstrap intervals, the paired permutation test and McNemar's test.

Resampling and permutation come from scipy (``scipy.stats.bootstrap``, ``scipy.stats.permutation_test``,
``scipy.stats.binomtest``, ``scipy.stats.chi2``). What is ours is the bookkeeping that lets them resample whole
documents and stay vectorized, shared with every run's intervals (:mod:`src.bootstrap`): every sentence becomes a row of classification counts (per class: true positives,
false positives, false negatives; then correct, sentences), a unit (a document or a sentence) is the sum of its
rows, and a resample is a vector of unit weights, so any resample's totals are one matrix product. Macro-F1 from
the totals (:func:`scores`) matches :func:`src.evaluate.macro_f1` (tested): single-label heads average over the
labels occurring in gold or predictions, multi-label heads over every label column.

With several runs of one configuration, a sentence's counts are the mean over the runs: scores of these pooled
counts are the scores of all runs' predictions concatenated (F1 does not change when every count is scaled).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from src.bootstrap import SEED_ARGUMENT, resample, scores, unit_weights

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000
PERMUTATION_RESAMPLES = 9999
# McNemar: below this many discordant sentences the exact binomial test, from it on the chi-square approximation
# with continuity correction (the usual rule of thumb: the approximation needs b + c >= 25).
MCNEMAR_EXACT_BELOW = 25
_SENTENCE_ID = re.compile(r"^(?P<doc>.+)-s\d+$")


def document_of(sentence_id: str) -> str:
    """The document of a sentence id ``<doc_id>-sNNN``; an id of another form is its own document."""
    match = _SENTENCE_ID.match(str(sentence_id))
    return match.group("doc") if match else str(sentence_id)


@dataclass(frozen=True)
class Interval:
    """A point estimate per statistic with its percentile-bootstrap interval (``None`` bounds: no interval)."""

    point: np.ndarray
    low: np.ndarray | None
    high: np.ndarray | None


def bootstrap_scores(
    table: np.ndarray,
    n_labels: int,
    multilabel: bool,
    *,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Interval:
    """Scores of a unit table with intervals from resampling its units (``scipy.stats.bootstrap``, percentile).

    Args:
        table: One row of counts per unit (see :func:`unit_table`).
        n_labels: K.
        multilabel: As in :func:`scores`.
        n_resamples: Bootstrap resamples.
        confidence: Confidence level of the interval.
        seed: Seed of the resampling (reports are reproducible).

    Returns:
        Macro-F1, accuracy and per-label F1 (see :func:`scores`); no interval with fewer than 2 units.
    """
    point = scores(table.sum(axis=0), n_labels, multilabel)
    if len(table) < 2:
        return Interval(point, None, None)
    low, high = resample(
        len(table),
        lambda weights: scores(weights @ table, n_labels, multilabel),
        resamples=n_resamples,
        confidence=confidence,
        seed=seed,
    )
    return Interval(point, low, high)


def paired_bootstrap(
    table_a: np.ndarray,
    table_b: np.ndarray,
    n_labels: int,
    multilabel: bool,
    *,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> Interval:
    """Differences A − B of macro-F1 and accuracy, with a paired bootstrap interval.

    Each resample draws units (documents) with replacement and scores both systems on the same draw.

    Args:
        table_a: Unit table of system A.
        table_b: Unit table of system B, on the same units in the same order.
        n_labels, multilabel, n_resamples, confidence, seed: As in :func:`bootstrap_scores`.

    Returns:
        ``point``, ``low``, ``high`` of shape ``(2,)``: macro-F1 difference, accuracy difference.
    """
    if table_a.shape != table_b.shape:
        raise ValueError(f"unit tables differ in shape: {table_a.shape} vs {table_b.shape}")

    def difference(totals_a: np.ndarray, totals_b: np.ndarray) -> np.ndarray:
        return (
            scores(totals_a, n_labels, multilabel)[..., :2] - scores(totals_b, n_labels, multilabel)[..., :2]
        )

    point = difference(table_a.sum(axis=0), table_b.sum(axis=0))
    if len(table_a) < 2:
        return Interval(point, None, None)
    low, high = resample(
        len(table_a),
        lambda weights: difference(weights @ table_a, weights @ table_b),
        resamples=n_resamples,
        confidence=confidence,
        seed=seed,
    )
    return Interval(point, low, high)


def permutation_pvalue(
    table_a: np.ndarray,
    table_b: np.ndarray,
    n_labels: int,
    multilabel: bool,
    *,
    n_resamples: int = PERMUTATION_RESAMPLES,
    seed: int = 0,
) -> float:
    """Two-sided p-value of the macro-F1 difference by paired approximate randomization.

    ``scipy.stats.permutation_test`` with ``permutation_type="samples"``: under the null hypothesis that the two
    systems are interchangeable, each unit's outputs may be swapped between them; the p-value is the share of
    swaps whose |difference| reaches the observed one (exact when 2**units <= n_resamples).

    Args:
        table_a: Unit table of system A (units: sentences in a report).
        table_b: Unit table of system B on the same units.
        n_labels, multilabel: As in :func:`scores`.
        n_resamples: Random swaps.
        seed: Seed of the swaps.
    """
    if table_a.shape != table_b.shape:
        raise ValueError(f"unit tables differ in shape: {table_a.shape} vs {table_b.shape}")
    n = len(table_a)
    stacked = np.concatenate([table_a, table_b])

    both = stacked.sum(axis=0)

    def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        # x holds, per unit, index u (A's outputs) or u + n (B's, after a swap); y holds the other one, so y's
        # totals are what x leaves of both systems' totals.
        totals_x = unit_weights(np.moveaxis(x, axis, -1), 2 * n) @ stacked
        return (
            scores(totals_x, n_labels, multilabel)[..., 0]
            - scores(both - totals_x, n_labels, multilabel)[..., 0]
        )

    result = stats.permutation_test(
        (np.arange(n), np.arange(n) + n),
        statistic,
        permutation_type="samples",
        vectorized=True,
        n_resamples=n_resamples,
        alternative="two-sided",
        batch=2000,  # bounds the memory of a (batch, units) weight matrix
        **{SEED_ARGUMENT: np.random.default_rng(seed)},
    )
    return float(result.pvalue)


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test: ``b`` sentences only A gets right, ``c`` only B; ``statistic`` is None for the exact test."""

    b: int
    c: int
    statistic: float | None
    pvalue: float
    method: str


def mcnemar(
    correct_a: Sequence[bool], correct_b: Sequence[bool], exact_below: int = MCNEMAR_EXACT_BELOW
) -> McNemarResult:
    """McNemar's test of two systems' accuracies on the same sentences.

    With fewer than ``exact_below`` discordant sentences (b + c), the exact two-sided binomial test of b out of
    b + c at 1/2 (``scipy.stats.binomtest``); otherwise the chi-square statistic with continuity correction,
    ``max(|b − c| − 1, 0)² / (b + c)`` on 1 degree of freedom (the clip keeps b = c at p = 1). No discordant
    sentence: p = 1.

    Args:
        correct_a: Per sentence, whether system A is right.
        correct_b: The same for system B, in the same order.
        exact_below: Threshold on b + c for the exact test.
    """
    a, b_ = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    if a.shape != b_.shape:
        raise ValueError(f"McNemar needs outcomes on the same sentences: {a.shape} vs {b_.shape}")
    b, c = int((a & ~b_).sum()), int((~a & b_).sum())
    if b + c == 0:
        return McNemarResult(b, c, None, 1.0, "no discordant sentences")
    if b + c < exact_below:
        return McNemarResult(b, c, None, float(stats.binomtest(b, b + c, 0.5).pvalue), "exact binomial")
    statistic = max(abs(b - c) - 1, 0) ** 2 / (b + c)
    return McNemarResult(
        b, c, statistic, float(stats.chi2.sf(statistic, 1)), "chi-square, continuity-corrected"
    )
