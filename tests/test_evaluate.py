"""evaluate(): averages over the labels that occur; per-class figures and confusion matrices keep every label."""

from __future__ import annotations

import pytest

from src.evaluate import evaluate
from src.tasks import Head

ROLE = Head("role", "role", ("a", "b", "c"))
MULTI = Head("stance", "stance", ("x", "y"), multilabel=True)


def test_absent_label_does_not_drag_down_macro_f1():
    result = evaluate({"role": ["a", "b", "a"]}, {"role": ["a", "b", "b"]}, [ROLE], "test")
    assert result.scalars["test/role/macro_f1"] == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert result.scalars["test/role/f1/c"] == 0.0 and result.scalars["test/role/support/c"] == 0.0
    assert result.confusion["test/role"] == {
        "labels": ["a", "b", "c"],
        "matrix": [[1, 1, 0], [0, 1, 0], [0, 0, 0]],
    }
    assert result.scalars["test/role/accuracy"] == pytest.approx(2 / 3)
    # Without probabilities or documents: label metrics only, no calibration and no intervals.
    assert not result.intervals and not result.reliability
    assert set(result.to_dict()) == {"metrics", "confusion_matrices", "support"}


def test_multilabel_metrics():
    result = evaluate(
        {"stance": [["x"], [], ["x", "y"]]}, {"stance": [["x"], ["y"], ["x", "y"]]}, [MULTI], "dev"
    )
    assert result.scalars["dev/stance/accuracy"] == pytest.approx(2 / 3)  # subset accuracy
    assert result.scalars["dev/stance/subset_accuracy"] == result.scalars["dev/stance/accuracy"]
    assert result.scalars["dev/stance/hamming_loss"] == pytest.approx(1 / 6)
    assert len(result.confusion["dev/stance"]["matrices"]) == 2


def test_macro_f1_is_the_one_the_evaluation_reports():
    from src.evaluate import macro_f1

    # Hand-computed: a has F1 2/3 (1 TP, 1 FN), b has F1 2/3 (1 TP, 1 FP); c occurs nowhere and is left out.
    assert macro_f1(["a", "b", "a"], ["a", "b", "b"], ROLE.labels) == pytest.approx(2 / 3)
    # Label indices (the transformer's early stopping) average over the same occurring labels.
    assert macro_f1([0, 1, 0], [0, 1, 1]) == macro_f1(["a", "b", "a"], ["a", "b", "b"], ROLE.labels)
    # A predicted label that is never gold counts (F1 0); one that occurs nowhere does not.
    assert macro_f1(["a", "a"], ["a", "c"], ROLE.labels) == pytest.approx((2 / 3 + 0) / 2)
    # Multi-label indicator matrices: every label column counts, an all-empty column as F1 0.
    assert macro_f1([[1, 0], [1, 0]], [[1, 0], [0, 0]]) == pytest.approx((2 / 3 + 0) / 2)
