"""The one interface every model family implements (TF-IDF, transformer, embeddings + logistic regression).

Training, evaluation and prediction only talk to :class:`StanceModel`; they never branch on the family.
A family implements ``_fit``, ``predict_proba``, ``_save_weights`` and ``_load_weights``; this base class owns
the shared parts: multi-label decision thresholds tuned on dev, label decoding, and the model directory's
metadata file, so that every family's saved directory is read the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from src import __version__
from src.errors import ModelError
from src.tasks import Head, heads_from_dicts

META_FILE = "model_meta.json"
# Saved model directories are readable by any package version with the same format number.
FORMAT_VERSION = 1
DEFAULT_THRESHOLD = 0.5


@dataclass
class Examples:
    """Sentences with optional context and gold labels: the unit models train and predict on.

    Args:
        texts: Sentence texts.
        contexts: Per sentence, the context text (see :mod:`src.data.context`: the previous sentence of its
            document, or the speaker that attribution finds); ``None`` when the run uses no context.
        context: The context mode that built ``contexts`` (``none``, ``previous`` or ``speaker``); a fitted model
            remembers it so that labelling builds the same context.
        labels: Head name to gold labels: a label string per sentence, or a list of labels for multi-label heads.
        ids: Sentence ids, used in prediction files.
    """

    texts: list[str]
    contexts: list[str] | None = None
    context: str = "none"
    labels: dict[str, list[Any]] | None = None
    ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self.texts)


class StanceModel(ABC):
    """Base class of every model family.

    Subclasses store their hyperparameters in ``__init__`` without validating them (scikit-learn's contract);
    learned state lives in attributes ending in ``_``.
    """

    family: ClassVar[str]
    # True for families whose prediction already spreads over every core (torch intra-op threads): labelling
    # them in several processes would only oversubscribe the cores.
    multithreaded: ClassVar[bool] = False
    # Families registered here are the only classes ``load_model`` will construct from a directory.
    registry: ClassVar[dict[str, type[StanceModel]]] = {}

    def __init__(self, heads: Sequence[Head], seed: int = 0) -> None:
        self.heads = tuple(heads)
        self.seed = seed
        self.thresholds_: dict[str, float] = {}
        self.uses_context_: bool = False
        self.context_: str = "none"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "family" in cls.__dict__:
            StanceModel.registry[cls.family] = cls

    # ----------------------------------------------------------------- training
    def fit(self, train: Examples, dev: Examples | None = None) -> StanceModel:
        """Train on ``train``; ``dev`` drives early stopping (where a family has it) and multi-label thresholds.

        Returns:
            ``self``, fitted.
        """
        if train.labels is None:
            raise ValueError("fit() needs gold labels")
        self.uses_context_ = train.contexts is not None
        self.context_ = train.context if self.uses_context_ else "none"
        self._fit(train, dev)
        self.thresholds_ = self._tune_thresholds(dev) if dev is not None and len(dev) else {}
        return self

    @abstractmethod
    def _fit(self, train: Examples, dev: Examples | None) -> None:
        """Family-specific training."""

    # ----------------------------------------------------------------- prediction
    @abstractmethod
    def predict_proba(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Probabilities per head: an array of shape (n_sentences, n_labels), columns in ``head.labels`` order.

        Single-label heads' rows sum to 1; multi-label heads hold one independent probability per label.
        """

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> dict[str, list[Any]]:
        """Labels per head: a label per sentence, or a list of labels per sentence for multi-label heads."""
        return self.decode(self.predict_proba(texts, contexts))

    def decode(self, proba: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        """Turn probabilities into labels (argmax, or the head's tuned threshold for multi-label heads)."""
        out: dict[str, list[Any]] = {}
        for head in self.heads:
            p = proba[head.name]
            if head.multilabel:
                threshold = self.thresholds_.get(head.name, DEFAULT_THRESHOLD)
                out[head.name] = [
                    [lab for lab, v in zip(head.labels, row, strict=True) if v >= threshold] for row in p
                ]
            else:
                out[head.name] = [head.labels[i] for i in p.argmax(axis=1)]
        return out

    def per_sentence(
        self, proba: dict[str, np.ndarray], digits: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, dict[str, float]]]]:
        """Per sentence, ``{head: label}`` and ``{head: {label: probability rounded to digits}}``.

        Rounding and conversion to Python floats happen per head in one numpy call: building the dictionaries
        float by float cost as much as the TF-IDF model's whole prediction.
        """
        labels = self.decode(proba)
        rows = {h.name: np.round(proba[h.name], digits).tolist() for h in self.heads}
        n = len(next(iter(rows.values()), []))
        return (
            [{h.name: labels[h.name][i] for h in self.heads} for i in range(n)],
            [
                {h.name: dict(zip(h.labels, rows[h.name][i], strict=True)) for h in self.heads}
                for i in range(n)
            ],
        )

    def _tune_thresholds(self, dev: Examples) -> dict[str, float]:
        """Pick, per multi-label head, the decision threshold that maximizes dev macro-F1 (recorded in the model)."""
        from sklearn.metrics import f1_score

        multilabel_heads = [h for h in self.heads if h.multilabel]
        if not multilabel_heads or dev.labels is None:
            return {}
        proba = self.predict_proba(dev.texts, dev.contexts)
        thresholds = {}
        for head in multilabel_heads:
            gold = np.array([[lab in row for lab in head.labels] for row in dev.labels[head.name]], dtype=int)
            grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
            scores = [
                f1_score(gold, (proba[head.name] >= t).astype(int), average="macro", zero_division=0)
                for t in grid
            ]
            # Ties go to the threshold closest to 0.5, so a flat dev curve does not push the cut to an extreme.
            best = max(range(len(grid)), key=lambda i: (round(scores[i], 12), -abs(grid[i] - 0.5)))
            thresholds[head.name] = float(grid[best])
        return thresholds

    # ----------------------------------------------------------------- persistence
    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write the model to ``directory`` atomically: a temporary sibling folder renamed into place.

        Raises:
            FileExistsError: ``directory`` exists already (saved models are never overwritten).
        """
        target = Path(directory)
        if target.exists():
            raise FileExistsError(f"{target} exists; a saved model is never overwritten")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        try:
            self._save_weights(tmp)
            meta = {
                "format_version": FORMAT_VERSION,
                "package_version": __version__,
                "family": self.family,
                "heads": [h.to_dict() for h in self.heads],
                "thresholds": self.thresholds_,
                "uses_context": self.uses_context_,
                "context": self.context_,
                "seed": self.seed,
                "params": self.get_params(),
            }
            (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> StanceModel:
        """Load a model saved by :meth:`save`, whatever its family (the metadata names it)."""
        directory = Path(directory)
        meta = read_meta(directory)
        family_cls = StanceModel.registry.get(meta["family"])
        if family_cls is None:
            raise ModelError(f"{directory / META_FILE}: family: unknown model family {meta['family']!r}")
        if cls is not StanceModel and not issubclass(family_cls, cls):
            raise ModelError(f"{directory}: holds a {meta['family']!r} model, not {cls.family!r}")
        model = family_cls(
            heads=heads_from_dicts(meta["heads"]), seed=meta.get("seed", 0), **meta.get("params", {})
        )
        model.thresholds_ = {k: float(v) for k, v in meta.get("thresholds", {}).items()}
        model.uses_context_ = bool(meta.get("uses_context", False))
        # Models saved before context modes were recorded had only the previous sentence as context.
        model.context_ = str(meta.get("context", "previous" if model.uses_context_ else "none"))
        model._load_weights(directory)
        return model

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters other than heads and seed (JSON-serializable), saved with the model."""
        return {}

    @abstractmethod
    def _save_weights(self, directory: Path) -> None:
        """Write the family's learned state into ``directory`` (safe formats only: skops, safetensors, JSON)."""

    @abstractmethod
    def _load_weights(self, directory: Path) -> None:
        """Read the family's learned state from ``directory``."""


def read_meta(directory: Path) -> dict[str, Any]:
    """Read and check a model directory's metadata file."""
    path = directory / META_FILE
    if not directory.is_dir():
        raise ModelError(f"{directory}: model directory does not exist")
    if not path.is_file():
        raise ModelError(f"{path}: missing; {directory} is not a saved diplostance model directory")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: format_version: written by diplostance {meta.get('package_version', '?')} in model format "
            f"{meta.get('format_version')!r}; this is diplostance {__version__}, which reads format {FORMAT_VERSION}"
        )
    for key in ("family", "heads"):
        if key not in meta:
            raise ModelError(f"{path}: {key}: missing")
    return meta
