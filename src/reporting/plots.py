"""The report's figures, each returned as PNG bytes (the report writes them): confusion matrices side by side,
per-class F1 with intervals, reliability diagrams and learning curves."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from src.reporting.groups import HeadSplit

RELIABILITY_BINS = 10


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    pyplot().close(fig)
    return buffer.getvalue()


def confusion_matrices(panels: Sequence[tuple[str, HeadSplit]]) -> bytes:
    """One confusion matrix per configuration (rows gold, columns predicted; counts averaged over its runs,
    colour the row share)."""
    from sklearn.metrics import confusion_matrix

    plt = pyplot()
    labels = list(panels[0][1].head.labels)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels) + 0.5, 4.4), squeeze=False)
    for ax, (name, data) in zip(axes[0], panels, strict=True):
        matrix = np.mean([confusion_matrix(data.gold, p, labels=labels) for p in data.preds], axis=0)
        share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1e-12)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(
                    j,
                    i,
                    f"{matrix[i, j]:.3g}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if share[i, j] > 0.6 else "black",
                )
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set(xlabel="predicted", ylabel="gold")
        ax.set_title(_wrap(f"{name} ({len(data.preds)} run{'s' * (len(data.preds) > 1)})"), fontsize=9)
    return figure_png(fig)


def per_class_f1(
    labels: Sequence[str], bars: Sequence[tuple[str, Sequence[tuple[float, Any, Any]]]]
) -> bytes:
    """Grouped bars: per label, each configuration's pooled F1 with its interval (``(f1, low, high)`` per label)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.8 * len(labels) * max(1, len(bars)) + 2)), 4.5))
    width = 0.8 / max(1, len(bars))
    x = np.arange(len(labels))
    for i, (name, values) in enumerate(bars):
        f1 = np.array([v[0] for v in values])
        low = np.array([v[0] if v[1] is None else v[1] for v in values])
        high = np.array([v[0] if v[2] is None else v[2] for v in values])
        ax.bar(
            x + (i - (len(bars) - 1) / 2) * width,
            f1,
            width,
            yerr=[f1 - low, high - f1],
            capsize=3,
            label=_wrap(name, 60),
        )
    ax.set_xticks(x, labels, rotation=20, ha="right", fontsize=8)
    ax.set(ylabel="F1 (pooled over runs, 95% interval)", ylim=(0, 1.05))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    return figure_png(fig)


def reliability(panels: Sequence[tuple[str, HeadSplit]], n_bins: int = RELIABILITY_BINS) -> bytes | None:
    """Top-label reliability diagram: accuracy against the predicted label's probability, equal-width bins
    (``sklearn.calibration.calibration_curve``), every run's sentences pooled; ``None`` without probabilities."""
    from sklearn.calibration import calibration_curve

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    drawn = False
    for name, data in panels:
        confidence, correct = [], []
        for preds, probas in zip(data.preds, data.probas, strict=True):
            for gold, pred, proba in zip(data.gold, preds, probas, strict=True):
                if pred in proba:
                    confidence.append(min(max(float(proba[pred]), 0.0), 1.0))
                    correct.append(gold == pred)
        if not confidence:
            continue
        accuracy, mean_confidence = calibration_curve(correct, confidence, n_bins=n_bins, strategy="uniform")
        ax.plot(mean_confidence, accuracy, marker="o", label=_wrap(name, 60))
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set(xlabel="probability of the predicted label", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return figure_png(fig)


def learning_curves(series: dict[str, list[tuple[int, float, Any, Any]]], ylabel: str) -> bytes:
    """Score against training documents: per series, ``(documents, score, low, high)`` points."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, points in series.items():
        points = sorted(points)
        x = np.array([p[0] for p in points])
        y = np.array([p[1] for p in points])
        low = np.array([p[1] if p[2] is None else p[2] for p in points])
        high = np.array([p[1] if p[3] is None else p[3] for p in points])
        ax.errorbar(x, y, yerr=[y - low, high - y], marker="o", capsize=3, label=_wrap(name, 60))
    ax.set(xlabel="training documents", ylabel=ylabel, ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return figure_png(fig)


def _wrap(text: str, width: int = 40) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text
