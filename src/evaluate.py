"""One evaluation for training, re-scoring and reports: gold vs predicted labels -> namespaced metrics.

:func:`macro_f1` is the project's one macro-F1: evaluation, the transformer's early stopping and multi-label
threshold tuning all call it. Scalar metrics are flat ``"<split>/<head>/<metric>"`` floats (``test/primary_stance/macro_f1``); per-class
figures add the label (``test/primary_stance/f1/cooperative``). Confusion matrices are returned separately.

Given the probabilities, :func:`evaluate` adds calibration (ECE, Brier score, reliability bins; see
:mod:`src.calibration`); given each sentence's document, bootstrap intervals of macro-F1 and accuracy (see
:mod:`src.bootstrap`). Intervals and bins are kept apart from the flat scalars, so every reader of the scalars
keeps reading floats.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    matthews_corrcoef,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

from src.bootstrap import bootstrap_intervals, check_bootstrap
from src.calibration import calibration, scale
from src.config import EvalConfig
from src.errors import ConfigError
from src.tasks import Head

# Defaults of the optional statistics: EvalConfig, the schema of conf/eval/default.yaml, holds each once.
_DEFAULTS = EvalConfig()


@dataclass
class Evaluation:
    """Metrics of one or more (split, head) pairs.

    Attributes:
        scalars: ``"<split>/<head>/<metric>"`` -> float; every value in [0, 1] except ``mcc`` (in [-1, 1]) and the
            single-label ``brier`` and ``brier_scaled`` (in [0, 2]).
        confusion: ``"<split>/<head>"`` -> ``{"labels": [...], "matrix": [[...]]}`` (rows gold, columns predicted);
            for multi-label heads, ``{"labels": [...], "matrices": [[[tn, fp], [fn, tp]], ...]}`` per label.
        support: ``"<split>/<head>"`` -> number of sentences scored.
        intervals: ``"<split>/<head>/macro_f1_ci"`` and ``".../accuracy_ci"`` -> ``[low, high]``.
        bootstrap: ``"<split>/<head>"`` -> how its intervals were resampled: ``unit`` (``document`` or
            ``sentence``), ``units`` (how many), ``resamples``, ``confidence``, ``method``, ``seed``, and ``note``
            where the split could not be resampled as configured.
        reliability: ``"<split>/<head>"`` -> reliability-diagram bins (:func:`src.calibration.calibration`).
        reliability_scaled: The same after temperature scaling.
    """

    scalars: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, dict[str, Any]] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)
    intervals: dict[str, list[float]] = field(default_factory=dict)
    bootstrap: dict[str, dict[str, Any]] = field(default_factory=dict)
    reliability: dict[str, dict[str, Any]] = field(default_factory=dict)
    reliability_scaled: dict[str, dict[str, Any]] = field(default_factory=dict)

    def update(self, other: Evaluation) -> Evaluation:
        self.scalars.update(other.scalars)
        self.confusion.update(other.confusion)
        self.support.update(other.support)
        self.intervals.update(other.intervals)
        self.bootstrap.update(other.bootstrap)
        self.reliability.update(other.reliability)
        self.reliability_scaled.update(other.reliability_scaled)
        return self

    def notes(self) -> dict[str, str]:
        """``"<split>/<head>"`` -> why its intervals differ from the configured ones (a single-document split)."""
        return {key: d["note"] for key, d in self.bootstrap.items() if "note" in d}

    def to_dict(self) -> dict[str, Any]:
        """The sections of ``metrics.json``; the optional ones only where they were computed."""
        out: dict[str, Any] = {"metrics": self.scalars}
        optional = {
            "intervals": self.intervals,
            "bootstrap": self.bootstrap,
            "reliability": self.reliability,
            "reliability_scaled": self.reliability_scaled,
        }
        out.update({name: value for name, value in optional.items() if value})
        return {**out, "confusion_matrices": self.confusion, "support": self.support}


def check_settings(settings: EvalConfig) -> None:
    """Values of ``eval`` the schema's types cannot check.

    Raises:
        ConfigError: Naming the setting, for a bootstrap setting out of range or fewer than one calibration bin.
    """
    check_bootstrap(settings.bootstrap)
    if settings.calibration_bins < 1:
        raise ConfigError(f"eval.calibration_bins: must be at least 1, got {settings.calibration_bins}")


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


def evaluate_head(
    gold: Sequence[Any],
    pred: Sequence[Any],
    head: Head,
    split: str,
    proba: np.ndarray | None = None,
    groups: Sequence[Any] | None = None,
    settings: EvalConfig | None = None,
    temperature: float | None = None,
) -> Evaluation:
    """Score one head on one split.

    Args:
        gold: Gold labels (strings, or label lists for multi-label heads).
        pred: Predicted labels in the same form.
        head: The head (its label order fixes the per-class and confusion-matrix order).
        split: Split name used as the key prefix.
        proba: The head's probabilities (columns in ``head.labels`` order): adds calibration.
        groups: Each sentence's document id: adds bootstrap intervals.
        settings: The ``eval`` settings (bootstrap, calibration bins); ``None`` takes the schema's defaults.
        temperature: A single-label head's temperature (fitted on dev): adds ``ece_scaled`` and ``brier_scaled``.

    Returns:
        Accuracy (subset accuracy for multi-label), macro/weighted F1, macro precision/recall, per-class
        precision/recall/F1, the confusion matrix; single-label heads add the Matthews correlation (``mcc``),
        multi-label heads micro F1, ``subset_accuracy`` (the same as their ``accuracy``) and Hamming loss. With
        ``proba``, ``ece`` and ``brier`` and the reliability bins; with ``groups``, the intervals
        ``macro_f1_ci`` and ``accuracy_ci``.
    """
    prefix = f"{split}/{head.name}"
    result = Evaluation(support={prefix: len(gold)})
    if len(gold) == 0:
        return result
    settings = settings or _DEFAULTS
    labels = list(head.labels)
    if head.multilabel:
        y_true = np.array([[lab in row for lab in labels] for row in gold], dtype=int)
        y_pred = np.array([[lab in row for lab in labels] for row in pred], dtype=int)
        result.scalars[f"{prefix}/micro_f1"] = float(
            f1_score(y_true, y_pred, average="micro", zero_division=0)
        )
        result.scalars[f"{prefix}/hamming_loss"] = float(hamming_loss(y_true, y_pred))
        result.scalars[f"{prefix}/subset_accuracy"] = float(accuracy_score(y_true, y_pred))
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
        with warnings.catch_warnings():  # a split where gold and predictions share one label: MCC is 0
            warnings.filterwarnings("ignore", message="A single label was found", category=UserWarning)
            result.scalars[f"{prefix}/mcc"] = float(matthews_corrcoef(y_true, y_pred))
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

    if proba is not None:
        scores, result.reliability[prefix] = calibration(gold, proba, head, settings.calibration_bins)
        result.scalars.update({f"{prefix}/{name}": value for name, value in scores.items()})
        if temperature is not None and not head.multilabel:
            scaled, result.reliability_scaled[prefix] = calibration(
                gold, scale(proba, temperature), head, settings.calibration_bins
            )
            result.scalars.update({f"{prefix}/{name}_scaled": value for name, value in scaled.items()})
    if groups is not None:
        intervals, description = bootstrap_intervals(gold, pred, head, groups, settings.bootstrap)
        result.intervals.update({f"{prefix}/{name}_ci": bounds for name, bounds in intervals.items()})
        b = settings.bootstrap
        note = description.pop("note", None)
        result.bootstrap[prefix] = {
            **description,
            "resamples": b.resamples,
            "confidence": b.confidence,
            "method": str(b.method),
            "seed": b.seed,
            **({"note": note} if note else {}),
        }
    return result


def evaluate(
    gold: dict[str, Sequence[Any]],
    pred: dict[str, Sequence[Any]],
    heads: Sequence[Head],
    split: str,
    proba: dict[str, np.ndarray] | None = None,
    groups: Sequence[Any] | None = None,
    settings: EvalConfig | None = None,
    temperatures: dict[str, float] | None = None,
) -> Evaluation:
    """Score every head of a task on one split (see :func:`evaluate_head`).

    Args:
        gold: Head name -> gold labels.
        pred: Head name -> predicted labels.
        heads: The task's heads.
        split: Split name used as the key prefix.
        proba: Head name -> probabilities: adds calibration.
        groups: Each sentence's document id: adds bootstrap intervals.
        settings: The ``eval`` settings; ``None`` takes the schema's defaults.
        temperatures: Head name -> temperature fitted on dev (single-label heads): adds the scaled calibration.
    """
    result = Evaluation()
    for head in heads:
        result.update(
            evaluate_head(
                gold[head.name],
                pred[head.name],
                head,
                split,
                None if proba is None else proba[head.name],
                groups,
                settings,
                (temperatures or {}).get(head.name),
            )
        )
    return result
