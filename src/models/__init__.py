"""Model families behind one interface (:class:`src.models.base.StanceModel`).

Family modules are imported lazily so that the TF-IDF path never imports torch or transformers.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from src.models.base import Examples, StanceModel, read_meta

# family name -> module defining it. Loading a directory only ever imports one of these modules.
FAMILY_MODULES = {
    "tfidf": "src.models.tfidf",
    "transformer": "src.models.transformer",
    "embedding_logreg": "src.models.embedding",
}


def load_model(directory: str | os.PathLike[str]) -> StanceModel:
    """Load any saved model directory, importing only the module of its family."""
    from src.errors import ModelError

    meta = read_meta(Path(directory))
    module = FAMILY_MODULES.get(meta["family"])
    if module is None:
        raise ModelError(
            f"{Path(directory) / 'model_meta.json'}: family: unknown model family {meta['family']!r}"
        )
    importlib.import_module(module)
    return StanceModel.load(directory)


__all__ = ["Examples", "StanceModel", "load_model", "FAMILY_MODULES"]
