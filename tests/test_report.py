"""The report's statistics on toy data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from src.evaluate import macro_f1
from src.reporting.stats import (
    bootstrap_scores,
    document_of,
    mcnemar,
    paired_bootstrap,
    permutation_pvalue,
    scores,
    sentence_counts,
    unit_table,
)

LABELS = ["a", "b", "c"]


def toy(n: int = 120, accuracy_a: float = 0.9, accuracy_b: float = 0.4, seed: int = 0):
    """Gold labels and two systems' predictions: A right on ``accuracy_a`` of the sentences, B on ``accuracy_b``."""
    rng = np.random.default_rng(seed)
    gold = rng.choice(LABELS, n)

    def system(accuracy: float) -> np.ndarray:
        wrong = np.array([LABELS[(LABELS.index(g) + 1) % 3] for g in gold])
        return np.where(rng.random(n) < accuracy, gold, wrong)

    return list(gold), list(system(accuracy_a)), list(system(accuracy_b))


# ----------------------------------------------------------------------------------------------- statistics
def test_scores_from_counts_match_the_project_macro_f1():
    gold, pred, _ = toy(accuracy_a=0.6)
    pred[:5] = ["a"] * 5
    point = scores(sentence_counts(gold, pred, LABELS, False).sum(axis=0), 3, False)
    assert point[0] == pytest.approx(macro_f1(gold, pred, LABELS))
    assert point[1] == pytest.approx(np.mean(np.array(gold) == np.array(pred)))
    # A label absent from gold and predictions does not count (src.evaluate.averaged_labels).
    only_ab = ["a", "b", "a", "b"]
    counts = sentence_counts(only_ab, ["a", "a", "a", "b"], LABELS, False).sum(axis=0)
    assert scores(counts, 3, False)[0] == pytest.approx(macro_f1(only_ab, ["a", "a", "a", "b"], LABELS))
    # Multi-label: every label column, exact match as accuracy.
    gold_ml, pred_ml = [["a"], ["a", "b"], []], [["a"], ["b"], ["c"]]
    indicator = [[[lab in row for lab in LABELS] for row in rows] for rows in (gold_ml, pred_ml)]
    ml = scores(sentence_counts(gold_ml, pred_ml, LABELS, True).sum(axis=0), 3, True)
    assert ml[0] == pytest.approx(macro_f1(np.array(indicator[0]), np.array(indicator[1])))
    assert ml[1] == pytest.approx(1 / 3)


def test_units_are_documents_named_by_the_sentence_id_prefix():
    assert document_of("auth-a13-s007") == "auth-a13"
    assert document_of("seed-000-s012") == "seed-000"
    assert document_of("odd") == "odd"
    counts = np.eye(3)
    assert unit_table(counts, ["d1", "d2", "d1"]).tolist() == [[1, 0, 1], [0, 1, 0]]


def test_permutation_test_gives_one_for_identical_predictions():
    gold, pred, _ = toy()
    counts = sentence_counts(gold, pred, LABELS, False)
    assert permutation_pvalue(counts, counts, 3, False) == pytest.approx(1.0)


def test_permutation_test_gives_a_small_p_for_a_clearly_better_model():
    gold, better, worse = toy(accuracy_a=0.9, accuracy_b=0.4)
    a, b = (sentence_counts(gold, p, LABELS, False) for p in (better, worse))
    assert permutation_pvalue(a, b, 3, False) < 0.001
    # Close systems: no evidence.
    gold, one, other = toy(accuracy_a=0.7, accuracy_b=0.7, seed=3)
    a, b = (sentence_counts(gold, p, LABELS, False) for p in (one, other))
    assert permutation_pvalue(a, b, 3, False) > 0.05


def test_mcnemar_matches_hand_computed_examples():
    # b = 10 sentences only A gets right, c = 2 only B: b + c = 12 < 25, exact binomial test.
    # P(X <= 2 | n = 12, 1/2) = (1 + 12 + 66) / 4096; two-sided: twice that.
    correct_a = [True] * 10 + [False] * 2 + [True] * 5 + [False] * 3
    correct_b = [False] * 10 + [True] * 2 + [True] * 5 + [False] * 3
    exact = mcnemar(correct_a, correct_b)
    assert (exact.b, exact.c, exact.method) == (10, 2, "exact binomial")
    assert exact.pvalue == pytest.approx(2 * 79 / 4096)
    # b = 30, c = 10: chi-square with continuity correction (|30 - 10| - 1)^2 / 40 = 9.025 on 1 df,
    # whose survival function is erfc(sqrt(x / 2)).
    chi = mcnemar([True] * 30 + [False] * 10, [False] * 30 + [True] * 10)
    assert chi.statistic == pytest.approx(9.025)
    assert chi.pvalue == pytest.approx(math.erfc(math.sqrt(9.025 / 2)))
    assert chi.method.startswith("chi-square")
    same = mcnemar([True, False], [True, False])
    assert (same.b, same.c, same.pvalue) == (0, 0, 1.0)


def test_paired_bootstrap_interval_contains_the_observed_difference():
    gold, a, b = toy(n=200, accuracy_a=0.8, accuracy_b=0.6)
    docs = [f"d{i // 10}" for i in range(200)]
    table_a = unit_table(sentence_counts(gold, a, LABELS, False), docs)
    table_b = unit_table(sentence_counts(gold, b, LABELS, False), docs)
    diff = paired_bootstrap(table_a, table_b, 3, False)
    observed = macro_f1(gold, a, LABELS) - macro_f1(gold, b, LABELS)
    assert diff.point[0] == pytest.approx(observed)
    assert diff.low[0] <= observed <= diff.high[0]
    assert diff.low[0] > 0  # a 20-point gap on 200 sentences is no accident
    single = bootstrap_scores(table_a, 3, False)
    assert single.low[0] <= single.point[0] <= single.high[0]
    assert bootstrap_scores(table_a[:1], 3, False).low is None  # one unit: no interval
