"""Label maps saved next to encoder weights: each head's label order, which is the order of its output columns.

Shared by the families that save an encoder (transformer, embedding + logistic regression); torch-free.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from src.errors import ModelError
from src.tasks import Head

LABELS_FILE = "labels.json"


def label_maps(heads: Sequence[Head]) -> list[dict[str, Any]]:
    """Each head's name, labels in column order, and whether it is multi-label."""
    return [{"name": h.name, "labels": list(h.labels), "multilabel": h.multilabel} for h in heads]


def write_label_maps(directory: Path, heads: Sequence[Head], pooling: str) -> None:
    """Write ``labels.json``: each head's label order (the order of its output columns) and the pooling."""
    payload = {"pooling": str(pooling), "heads": label_maps(heads)}
    (directory / LABELS_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def check_label_maps(directory: Path, heads: Sequence[Head]) -> None:
    """Make sure ``labels.json`` agrees with the heads in the model metadata (same names, labels and order).

    Raises:
        ModelError: The file is missing, unreadable, or disagrees with the heads.
    """
    path = directory / LABELS_FILE
    if not path.is_file():
        raise ModelError(f"{path}: missing; the model directory is incomplete")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["heads"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: not a valid label map ({exc})") from None
    if saved != label_maps(heads):
        raise ModelError(f"{path}: label maps disagree with the heads in model_meta.json")
