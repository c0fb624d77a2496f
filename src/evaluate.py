"""One evaluation for training, re-scoring and reports: gold vs predicted labels -> namespaced metrics.

Scalar metrics are flat ``"<split>/<head>/<metric>"`` floats (``test/primary_stance/macro_f1``); per-class
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
        kwargs: dict[str, Any] = {}
    else:
        y_true, y_pred = np.array(gold, dtype=object), np.array(pred, dtype=object)
        matrix = confusion_matrix(y_true, y_pred, labels=labels)
        result.confusion[prefix] = {"labels": labels, "matrix": matrix.tolist()}
        kwargs = {"labels": labels}
    result.scalars[f"{prefix}/accuracy"] = float(accuracy_score(y_true, y_pred))
    for average in ("macro", "weighted"):
        result.scalars[f"{prefix}/{average}_f1"] = float(
            f1_score(y_true, y_pred, average=average, zero_division=0, **kwargs)
        )
    p, r, _, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0, **kwargs)
    result.scalars[f"{prefix}/macro_precision"] = float(p)
    result.scalars[f"{prefix}/macro_recall"] = float(r)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0, **kwargs)
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
