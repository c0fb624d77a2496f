"""Per-sentence records of a model's predictions: the labels and rounded probabilities that training's prediction
files and the labeller's outputs carry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from src.models.base import StanceModel


def per_sentence(
    model: StanceModel, proba: dict[str, np.ndarray], digits: int
) -> tuple[list[dict[str, Any]], list[dict[str, dict[str, float]]]]:
    """Per sentence, ``{head: label}`` and ``{head: {label: probability rounded to digits}}``.

    Args:
        model: The fitted model whose ``predict_proba`` gave ``proba`` (its heads and decision thresholds).
        proba: Probabilities per head, as ``model.predict_proba`` returns them.
        digits: Decimal digits the probabilities keep.

    Returns:
        The labels and the probabilities of each sentence, in input order.

    Rounding and conversion to Python floats happen per head in one numpy call: building the dictionaries float by
    float cost as much as the TF-IDF model's whole prediction.
    """
    labels = model.decode(proba)
    rows = {h.name: np.round(proba[h.name], digits).tolist() for h in model.heads}
    n = len(next(iter(rows.values()), []))
    return (
        [{h.name: labels[h.name][i] for h in model.heads} for i in range(n)],
        [{h.name: dict(zip(h.labels, rows[h.name][i], strict=True)) for h in model.heads} for i in range(n)],
    )
