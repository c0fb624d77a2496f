"""One evaluation for training, re-scoring and reports: gold vs predicted labels -> namespaced metrics.

:func:`macro_f1` is the project's one macro-F1: evaluation, the transformer's early stopping and multi-label
threshold tuning all call it. Scalar metrics are flat ``"<split>/<head>/<metric>"`` floats (``test/primary_stance/macro_f1``); per-class
figures add the label (``test/primary_stance/f1/cooperative``). Confusion matrices are returned separately.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

from src.tasks import Head


@dataclass
class Evaluation:
    """Metrics of one or more (split, head) pairs.

    Attributes:
        scalars: ``"<split>/<head>/<metric>"`` -> float, every value in [0, 1].
        confusion: ``"<split>/<head>"`` -> ``{"labels": [...], "matrix": [[...]]}`` (rows gold, columns predicted);
            for multi-label heads, ``{"labels": [...], "matrices": [[[tn, fp], [fn, tp]], ...]}`` per label.
        support: ``"<split>/<head>"`` -> number of sentences scored.
    """

    scalars: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, dict[str, Any]] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)

    def update(self, other: Evaluation) -> Evaluation:
        self.scalars.update(other.scalars)
        self.confusion.update(other.confusion)
        self.support.update(other.support)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.scalars, "confusion_matrices": self.confusion, "support": self.support}


def averaged_labels(
    y_true: Sequence[Any], y_pred: Sequence[Any], labels: Sequence[Any] | None = None
) -> list[Any] | None:
    """The labels a single-label average runs over: those occurring in gold or predictions.

    A label absent from both (common in a small split) would otherwise add a spurious zero to macro-F1.

    Args:
        y_true: Gold labels.
        y_pred: Predicted labels.
        labels: All labels, in the order to average them in; ``None`` lets scikit-learn take the occurring labels
            in sorted order (the same set).

    Returns:
        The occurring labels in ``labels`` order, or ``None`` when ``labels`` is ``None``.
    """
    if labels is None:
        return None
    occurring = set(y_true) | set(y_pred)
    return [label for label in labels if label in occurring]


def macro_f1(y_true: Any, y_pred: Any, labels: Sequence[Any] | None = None) -> float:
    """Macro-F1 as the whole project computes it.

    Args:
        y_true: Gold labels: a 1-d sequence (single-label), or a 0/1 indicator matrix (multi-label).
        y_pred: Predictions in the same form.
        labels: Single-label only: every label of the head, fixing the order of the average (see
            :func:`averaged_labels`).

    Returns:
        Single-label: the mean F1 over the labels occurring in gold or predictions. Multi-label: the mean F1 over
        every label column. Undefined F1s (no gold and no predicted positives) count as 0.
    """
    if np.ndim(y_true) == 2:
        return float(f1_score(y_true, y_pred, average="macro", zero_division=0))
    occurring = averaged_labels(y_true, y_pred, labels)
    extra = {} if occurring is None else {"labels": occurring}
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0, **extra))


def evaluate_head(gold: Sequence[Any], pred: Sequence[Any], head: Head, split: str) -> Evaluation:
    """Score one head on one split.

    Args:
        gold: Gold labels (strings, or label lists for multi-label heads).
        pred: Predicted labels in the same form.
        head: The head (its label order fixes the per-class and confusion-matrix order).
        split: Split name used as the key prefix.

    Returns:
        Accuracy (subset accuracy for multi-label), macro/weighted F1, macro precision/recall, per-class
        precision/recall/F1, the confusion matrix; multi-label heads add micro F1 and Hamming loss.
    """
    prefix = f"{split}/{head.name}"
    result = Evaluation(support={prefix: len(gold)})
    if len(gold) == 0:
        return result
    labels = list(head.labels)
    if head.multilabel:
        y_true = np.array([[lab in row for lab in labels] for row in gold], dtype=int)
        y_pred = np.array([[lab in row for lab in labels] for row in pred], dtype=int)
        result.scalars[f"{prefix}/micro_f1"] = float(
            f1_score(y_true, y_pred, average="micro", zero_division=0)
        )
        result.scalars[f"{prefix}/hamming_loss"] = float(hamming_loss(y_true, y_pred))
        matrices = multilabel_confusion_matrix(y_true, y_pred)
        result.confusion[prefix] = {"labels": labels, "matrices": matrices.tolist()}
        average_kwargs: dict[str, Any] = {}
        per_class_kwargs: dict[str, Any] = {}
    else:
        y_true, y_pred = np.array(gold, dtype=object), np.array(pred, dtype=object)
        matrix = confusion_matrix(y_true, y_pred, labels=labels)
        result.confusion[prefix] = {"labels": labels, "matrix": matrix.tolist()}
        # Averages run over the labels that occur in gold or predictions (see averaged_labels); per-class figures
        # and the confusion matrix keep every label of the head.
        average_kwargs = {"labels": averaged_labels(gold, pred, labels)}
        per_class_kwargs = {"labels": labels}
    result.scalars[f"{prefix}/accuracy"] = float(accuracy_score(y_true, y_pred))
    result.scalars[f"{prefix}/macro_f1"] = macro_f1(y_true, y_pred, None if head.multilabel else labels)
    result.scalars[f"{prefix}/weighted_f1"] = float(
        f1_score(y_true, y_pred, average="weighted", zero_division=0, **average_kwargs)
    )
    p, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, average="macro", zero_division=0, **average_kwargs
    )
    result.scalars[f"{prefix}/macro_precision"] = float(p)
    result.scalars[f"{prefix}/macro_recall"] = float(r)
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0, **per_class_kwargs
    )
    for i, label in enumerate(labels):
        result.scalars[f"{prefix}/precision/{label}"] = float(p[i])
        result.scalars[f"{prefix}/recall/{label}"] = float(r[i])
        result.scalars[f"{prefix}/f1/{label}"] = float(f[i])
        result.scalars[f"{prefix}/support/{label}"] = float(s[i]) / len(gold)  # share of sentences, in [0, 1]
    return result


def evaluate(
    gold: dict[str, Sequence[Any]], pred: dict[str, Sequence[Any]], heads: Sequence[Head], split: str
) -> Evaluation:
    """Score every head of a task on one split (see :func:`evaluate_head`)."""
    result = Evaluation()
    for head in heads:
        result.update(evaluate_head(gold[head.name], pred[head.name], head, split))
    return result
