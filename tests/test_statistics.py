"""Statistics of every run: bootstrap intervals (src.bootstrap), calibration (src.calibration), MCC and the
multi-label figures of evaluate(), each against a known or hand-computed answer."""

from __future__ import annotations

import numpy as np
import pytest

from src.bootstrap import bootstrap_intervals, scores, sentence_counts, unit_table
from src.calibration import (
    brier_score,
    calibration,
    expected_calibration_error,
    fit_temperature,
    indicator,
    negative_log_likelihood,
    reliability_bins,
    scale,
)
from src.config import BootstrapConfig, BootstrapUnit, EvalConfig
from src.evaluate import evaluate, macro_f1
from src.tasks import Head

STANCE = Head("stance", "stance", ("a", "b", "c"))
BINARY = Head("binary", "binary", ("yes", "no"))
MULTI = Head("topics", "topics", ("x", "y", "z"), multilabel=True)


def toy_split(n_docs: int, per_doc: int = 5, seed: int = 0, clustered: bool = False):
    """Gold and predicted labels of ``n_docs`` documents, about 70% right.

    ``clustered``: a document's sentences are all right or all wrong (errors cluster by document), otherwise
    each sentence is right or wrong on its own.
    """
    rng = np.random.default_rng(seed)
    gold, pred, groups = [], [], []
    for d in range(n_docs):
        doc_right = rng.random() < 0.7
        for _ in range(per_doc):
            label = STANCE.labels[rng.integers(3)]
            right = doc_right if clustered else rng.random() < 0.7
            gold.append(label)
            pred.append(label if right else STANCE.labels[(STANCE.labels.index(label) + 1) % 3])
            groups.append(f"doc{d}")
    return gold, pred, groups


def settings(unit: str = "document", **changes) -> BootstrapConfig:
    return BootstrapConfig(unit=BootstrapUnit(unit), **changes)


def width(bounds: list[float]) -> float:
    return bounds[1] - bounds[0]


# ----------------------------------------------------------------- bootstrap intervals
def test_the_pooled_statistic_is_evaluates_macro_f1_and_accuracy():
    gold, pred, groups = toy_split(12)
    counts = sentence_counts(gold, pred, STANCE.labels, STANCE.multilabel)
    f1, accuracy = scores(counts.sum(axis=0), len(STANCE.labels), STANCE.multilabel)[:2]
    assert f1 == pytest.approx(macro_f1(gold, pred, STANCE.labels))
    assert accuracy == pytest.approx(np.mean(np.array(gold) == np.array(pred)))

    # A resample with repeated documents: pooling their counts scores the concatenated sentences.
    docs = list(dict.fromkeys(groups))  # unit_table's order: first seen
    drawn = [docs[0], docs[3], docs[3], docs[7]]
    rows = [i for d in drawn for i in range(len(gold)) if groups[i] == d]
    pooled = unit_table(counts, groups)
    weights = np.array([drawn.count(d) for d in docs], dtype=float)
    f1, accuracy = scores(weights @ pooled, len(STANCE.labels), STANCE.multilabel)[:2]
    assert f1 == pytest.approx(macro_f1([gold[i] for i in rows], [pred[i] for i in rows], STANCE.labels))
    assert accuracy == pytest.approx(np.mean([gold[i] == pred[i] for i in rows]))


def test_the_pooled_statistic_of_a_multilabel_head():
    gold = [["x"], [], ["x", "y"], ["z"], ["y"]]
    pred = [["x"], ["y"], ["x", "y"], [], ["y", "z"]]
    counts = sentence_counts(gold, pred, MULTI.labels, MULTI.multilabel)
    f1, subset = scores(counts.sum(axis=0), len(MULTI.labels), MULTI.multilabel)[:2]
    scalars = evaluate({"topics": gold}, {"topics": pred}, [MULTI], "test").scalars
    assert f1 == pytest.approx(scalars["test/topics/macro_f1"])
    assert subset == pytest.approx(scalars["test/topics/subset_accuracy"]) == pytest.approx(2 / 5)


def test_intervals_contain_the_point_estimate_and_narrow_as_the_test_set_grows():
    widths = []
    for n_docs in (10, 40, 160):
        gold, pred, groups = toy_split(n_docs, seed=n_docs)
        result = evaluate({"stance": gold}, {"stance": pred}, [STANCE], "test", groups=groups)
        for metric in ("macro_f1", "accuracy"):
            low, high = result.intervals[f"test/stance/{metric}_ci"]
            assert low <= result.scalars[f"test/stance/{metric}"] <= high, (n_docs, metric)
        widths.append(width(result.intervals["test/stance/macro_f1_ci"]))
        assert result.bootstrap["test/stance"]["unit"] == "document"
        assert result.bootstrap["test/stance"]["units"] == n_docs
    assert widths[0] > widths[1] > widths[2]


def test_the_document_bootstrap_is_wider_than_the_sentence_bootstrap_on_clustered_data():
    gold, pred, groups = toy_split(30, per_doc=8, clustered=True)
    by_document, _ = bootstrap_intervals(gold, pred, STANCE, groups, settings("document"))
    by_sentence, how = bootstrap_intervals(gold, pred, STANCE, groups, settings("sentence"))
    assert how == {"unit": "sentence", "units": 240}
    for metric in ("macro_f1", "accuracy"):
        assert width(by_document[metric]) > 1.5 * width(by_sentence[metric]), metric


def test_intervals_are_seeded():
    gold, pred, groups = toy_split(20)
    first, _ = bootstrap_intervals(gold, pred, STANCE, groups, settings(seed=1))
    assert bootstrap_intervals(gold, pred, STANCE, groups, settings(seed=1))[0] == first
    assert bootstrap_intervals(gold, pred, STANCE, groups, settings(seed=2))[0] != first


@pytest.mark.parametrize("method", ["percentile", "basic", "bca"])
def test_every_method_gives_an_interval(method):
    from src.config import BootstrapMethod

    gold, pred, groups = toy_split(25)
    intervals, _ = bootstrap_intervals(
        gold, pred, STANCE, groups, settings(method=BootstrapMethod(method), resamples=500)
    )
    assert set(intervals) == {"macro_f1", "accuracy"}
    assert all(0 <= low < high <= 1 for low, high in intervals.values())


def test_a_split_with_one_document_resamples_its_sentences_and_says_so():
    gold, pred, _ = toy_split(1, per_doc=20)
    intervals, how = bootstrap_intervals(gold, pred, STANCE, ["doc"] * 20, settings("document"))
    assert how["unit"] == "sentence" and how["units"] == 20
    assert "one document" in how["note"]
    assert width(intervals["macro_f1"]) > 0

    # One sentence: nothing to resample, no interval, and a note that says why.
    intervals, how = bootstrap_intervals(["a"], ["a"], STANCE, ["doc"], settings("document"))
    assert intervals == {} and "no interval" in how["note"]
    result = evaluate({"stance": ["a"]}, {"stance": ["a"]}, [STANCE], "seed_test", groups=["doc"])
    assert result.intervals == {} and "seed_test/stance" in result.notes()


def test_bootstrap_settings_are_checked():
    from src.errors import ConfigError
    from src.evaluate import check_settings

    check_settings(EvalConfig())
    with pytest.raises(ConfigError, match=r"eval.bootstrap.resamples: must be at least 1"):
        check_settings(EvalConfig(bootstrap=settings(resamples=0)))
    with pytest.raises(ConfigError, match=r"eval.bootstrap.confidence: must be in \(0, 1\)"):
        check_settings(EvalConfig(bootstrap=settings(confidence=95.0)))
    with pytest.raises(ConfigError, match=r"eval.calibration_bins"):
        check_settings(EvalConfig(calibration_bins=0))


# ----------------------------------------------------------------- calibration
def test_ece_is_zero_for_a_perfectly_calibrated_toy():
    # Top-label confidence 0.75 on four sentences, three right; 0.5 on two, one right; 1.0 on two, both right.
    proba = np.array([[0.75, 0.25]] * 4 + [[0.5, 0.5]] * 2 + [[1.0, 0.0]] * 2)
    gold = ["yes", "yes", "yes", "no", "yes", "no", "yes", "yes"]
    scores, bins = calibration(gold, proba, BINARY, 15)
    assert scores["ece"] == 0.0
    assert bins["kind"] == "top_label" and len(bins["count"]) == 15 and len(bins["edges"]) == 16
    assert sum(bins["count"]) == 8 and bins["count"][-1] == 2  # 1.0 falls in the last, closed bin


def test_ece_matches_a_hand_computed_case():
    confidence = np.array([0.95, 0.95, 0.62, 0.55])
    outcome = np.array([1.0, 0.0, 1.0, 1.0])
    bins = reliability_bins(confidence, outcome, 15)
    # Bins of width 1/15: 0.95 in [14/15, 1], 0.62 in [9/15, 10/15), 0.55 in [8/15, 9/15).
    assert bins["count"][14] == 2 and bins["count"][9] == 1 and bins["count"][8] == 1
    assert bins["accuracy"][14] == 0.5 and bins["confidence"][14] == pytest.approx(0.95)
    assert bins["accuracy"][0] is None and bins["confidence"][0] is None  # empty bin
    hand = 2 / 4 * abs(0.5 - 0.95) + 1 / 4 * abs(1 - 0.62) + 1 / 4 * abs(1 - 0.55)
    assert expected_calibration_error(bins) == pytest.approx(hand) == pytest.approx(0.4325)


def test_reliability_bins_agree_with_scikit_learns_calibration_curve():
    from sklearn.calibration import calibration_curve

    rng = np.random.default_rng(0)
    confidence = rng.random(500)
    outcome = (rng.random(500) < confidence).astype(float)
    bins = reliability_bins(confidence, outcome, 15)
    prob_true, prob_pred = calibration_curve(outcome, confidence, n_bins=15, strategy="uniform")
    filled = [i for i, n in enumerate(bins["count"]) if n]
    np.testing.assert_allclose([bins["accuracy"][i] for i in filled], prob_true)
    np.testing.assert_allclose([bins["confidence"][i] for i in filled], prob_pred)


def test_multilabel_calibration_bins_every_label_probability():
    proba = np.array([[0.9, 0.2, 0.1], [0.8, 0.7, 0.1]])
    gold = [["x"], ["x", "y"]]
    scores, bins = calibration(gold, proba, MULTI, 10)
    assert bins["kind"] == "per_label" and sum(bins["count"]) == 6
    # Mean over the six (sentence, label) forecasts of (p - y)^2.
    hand = (0.01 + 0.04 + 0.01 + 0.04 + 0.09 + 0.01) / 6
    assert scores["brier"] == pytest.approx(hand)


def test_brier_matches_a_hand_computed_case():
    proba = np.array([[0.7, 0.2, 0.1], [0.5, 0.4, 0.1]])
    truth = indicator(["a", "b"], STANCE)
    # (0.3^2 + 0.2^2 + 0.1^2 + 0.5^2 + 0.6^2 + 0.1^2) / 2 sentences
    assert brier_score(proba, truth, multilabel=False) == pytest.approx(0.38)
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    if "scale_by_half" in sklearn_metrics.brier_score_loss.__code__.co_varnames:  # scikit-learn >= 1.7
        assert sklearn_metrics.brier_score_loss(
            [0, 1], proba, labels=[0, 1, 2], scale_by_half=False
        ) == pytest.approx(0.38)


def test_temperature_scaling_lowers_the_nll_of_an_over_confident_model():
    rng = np.random.default_rng(0)
    n = 400
    predicted = rng.integers(3, size=n)
    # The model puts 0.98 on its label, which is right 60% of the time.
    proba = np.full((n, 3), 0.01)
    proba[np.arange(n), predicted] = 0.98
    right = rng.random(n) < 0.6
    gold = [STANCE.labels[p if r else (p + 1) % 3] for p, r in zip(predicted, right, strict=True)]

    temperature = fit_temperature(gold, proba, STANCE)
    scaled = scale(proba, temperature)
    assert temperature > 1  # over-confidence is softened
    assert negative_log_likelihood(gold, scaled, STANCE) < negative_log_likelihood(gold, proba, STANCE) - 0.5
    np.testing.assert_array_equal(scaled.argmax(axis=1), proba.argmax(axis=1))
    np.testing.assert_allclose(scaled.sum(axis=1), 1.0)
    before, _ = calibration(gold, proba, STANCE, 15)
    after, _ = calibration(gold, scaled, STANCE, 15)
    assert after["ece"] < 0.05 < before["ece"] and after["brier"] < before["brier"]
    assert scale(proba, 1.0) == pytest.approx(proba)

    with pytest.raises(ValueError, match="multi-label"):
        fit_temperature([["x"]], np.array([[0.5, 0.5, 0.5]]), MULTI)


def test_evaluate_reports_calibration_before_and_after_scaling():
    proba = np.array([[0.98, 0.01, 0.01], [0.01, 0.98, 0.01], [0.98, 0.01, 0.01], [0.01, 0.01, 0.98]])
    gold, pred = ["a", "b", "b", "a"], ["a", "b", "a", "c"]
    result = evaluate(
        {"stance": gold},
        {"stance": pred},
        [STANCE],
        "test",
        proba={"stance": proba},
        temperatures={"stance": 2.0},
    )
    assert {
        "test/stance/ece",
        "test/stance/brier",
        "test/stance/ece_scaled",
        "test/stance/brier_scaled",
    } <= set(result.scalars)
    assert result.scalars["test/stance/ece_scaled"] < result.scalars["test/stance/ece"]
    assert set(result.reliability) == set(result.reliability_scaled) == {"test/stance"}
    sections = result.to_dict()
    assert {"metrics", "reliability", "reliability_scaled", "confusion_matrices", "support"} <= set(sections)
    assert "intervals" not in sections  # no documents given
    assert all(isinstance(v, float) for v in sections["metrics"].values())


# ----------------------------------------------------------------- label metrics
def test_mcc_matches_a_hand_computed_case():
    # yes is positive: TP 2, FN 0, FP 1, TN 1.
    gold, pred = ["yes", "yes", "no", "no"], ["yes", "yes", "yes", "no"]
    scalars = evaluate({"binary": gold}, {"binary": pred}, [BINARY], "test").scalars
    hand = (2 * 1 - 1 * 0) / np.sqrt((2 + 1) * (2 + 0) * (1 + 1) * (1 + 0))
    assert scalars["test/binary/mcc"] == pytest.approx(hand) == pytest.approx(0.57735, abs=1e-5)
    assert "test/binary/mcc" not in evaluate({"topics": [["x"]]}, {"topics": [["x"]]}, [MULTI], "t").scalars


def test_multilabel_heads_report_micro_f1_subset_accuracy_and_hamming_loss():
    gold = [["x"], [], ["x", "y"], ["z"]]
    pred = [["x"], ["y"], ["x"], ["z"]]
    scalars = evaluate({"topics": gold}, {"topics": pred}, [MULTI], "dev").scalars
    # TP 3 (x, x, z), FP 1 (y in the second), FN 1 (y in the third): micro-F1 = 6 / (6 + 1 + 1).
    assert scalars["dev/topics/micro_f1"] == pytest.approx(0.75)
    assert scalars["dev/topics/subset_accuracy"] == scalars["dev/topics/accuracy"] == pytest.approx(0.5)
    assert scalars["dev/topics/hamming_loss"] == pytest.approx(2 / 12)
