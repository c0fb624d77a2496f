"""Model families behind one interface (:class:`src.models.base.StanceModel`).

Families are listed once, in :data:`src.models.base.FAMILIES`, and imported lazily so that the TF-IDF path never
imports torch or transformers.
"""

from __future__ import annotations

import os

from src.models.base import FAMILIES, Examples, StanceModel, family_class


def load_model(directory: str | os.PathLike[str]) -> StanceModel:
    """Load any saved model directory, importing only the module of its family."""
    return StanceModel.load(directory)


__all__ = ["FAMILIES", "Examples", "StanceModel", "family_class", "load_model"]
