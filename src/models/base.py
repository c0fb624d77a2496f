"""The one interface every model family implements (TF-IDF, transformer, embeddings + logistic regression).

Training, evaluation and prediction only talk to :class:`StanceModel`; they never branch on the family.
A family implements ``_fit``, ``predict_proba``, ``_save_weights`` and ``_load_weights``; this base class owns
the shared parts: constructor parameters (``get_params``), declared capabilities (``supports_int8``,
``training_history``), multi-label decision thresholds tuned on dev, label decoding, the registry of families
(:data:`FAMILIES`) and the model directory's metadata file, so that every family's saved directory is read the
same way.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
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

# The one registry of model families: family name -> the class implementing it, as an import path. Only the
# module of the family being built or loaded is imported, so the TF-IDF path never imports torch.
FAMILIES: dict[str, str] = {
    "tfidf": "src.models.tfidf.TfidfModel",
    "transformer": "src.models.transformer.TransformerModel",
    "embedding_logreg": "src.models.embedding.EmbeddingLogregModel",
}


def family_class(family: str) -> type[StanceModel]:
    """The class of a registered family, importing its module (and only its module).

    Raises:
        KeyError: ``family`` is not in :data:`FAMILIES`.
    """
    module, _, name = FAMILIES[family].rpartition(".")
    return getattr(importlib.import_module(module), name)


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

    Subclasses store their hyperparameters in ``__init__`` without validating them, each as an attribute named
    like its parameter (scikit-learn's contract, which :meth:`get_params` relies on); learned state lives in
    attributes ending in ``_``. Their parameter defaults come from the family's config schema in
    :mod:`src.config`, where every default lives once.
    """

    # The family's name in FAMILIES and in saved model directories.
    family: ClassVar[str]
    # True for families whose prediction already spreads over every core (torch intra-op threads): labelling
    # them in several processes would only oversubscribe the cores.
    multithreaded: ClassVar[bool] = False
    # True for families whose quantize() gives an int8 model for faster CPU prediction.
    supports_int8: ClassVar[bool] = False
    # True for families that train in epochs and checkpoint each one (checkpoint_into), so that an interrupted run
    # resumes instead of starting again.
    supports_checkpoints: ClassVar[bool] = False
    # True where the same config, data and seed give identical metrics on any machine (no multi-threaded floating
    # point in training); otherwise identical only on the same machine and thread count (src.reproduce then
    # accepts the experiment's `reproduce.tolerance`).
    deterministic: ClassVar[bool] = False

    def __init__(self, heads: Sequence[Head], seed: int = 0) -> None:
        self.heads = tuple(heads)
        self.seed = seed
        self.thresholds_: dict[str, float] = {}
        self.uses_context_: bool = False
        self.context_: str = "none"
        self._checkpoint_dir: Path | None = None

    # ----------------------------------------------------------------- parameters and capabilities
    @classmethod
    def param_names(cls) -> list[str]:
        """Constructor parameters other than ``heads`` and ``seed``, in signature order."""
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name not in ("self", "heads", "seed") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters other than heads and seed, as JSON values; saved with the model.

        Read from the attributes named like the parameters, so a family never lists them a second time.
        """
        return {name: _plain(getattr(self, name)) for name in self.param_names()}

    def training_history(self) -> list[dict[str, float]]:
        """Per-epoch rows (``epoch``, losses, dev metrics) of the last ``fit``; empty for families without epochs."""
        return []

    def checkpoint_into(self, directory: str | os.PathLike[str]) -> StanceModel:
        """Checkpoint every epoch of the next ``fit`` into ``directory``, resuming from the last complete checkpoint
        already there (see :mod:`src.models.checkpoints`); returns ``self``.

        Raises:
            ModelError: The family does not train in epochs (``supports_checkpoints`` is false).
        """
        if not self.supports_checkpoints:
            raise ModelError(f"the {self.family} family does not train in epochs and keeps no checkpoints")
        self._checkpoint_dir = Path(directory)
        return self

    def quantize(self, directory: str | os.PathLike[str] | None = None) -> StanceModel:
        """Predict with an int8 model on the CPU (families with ``supports_int8``); returns ``self``.

        Args:
            directory: The model directory this model was loaded from, where a family may keep what it derives
                for int8 prediction (the transformer's ONNX export); ``None`` for a model never saved.

        Raises:
            ModelError: The family has no int8 mode.
        """
        raise ModelError(f"quantize: the {self.family} family has no int8 mode")

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

    def _tune_thresholds(self, dev: Examples) -> dict[str, float]:
        """Pick, per multi-label head, the decision threshold that maximizes dev macro-F1 (recorded in the model)."""
        from src.evaluate import macro_f1

        multilabel_heads = [h for h in self.heads if h.multilabel]
        if not multilabel_heads or dev.labels is None:
            return {}
        proba = self.predict_proba(dev.texts, dev.contexts)
        thresholds = {}
        for head in multilabel_heads:
            gold = np.array([[lab in row for lab in head.labels] for row in dev.labels[head.name]], dtype=int)
            grid = np.round(np.arange(0.05, 0.96, 0.05), 2)
            scores = [macro_f1(gold, (proba[head.name] >= t).astype(int)) for t in grid]
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
        if meta["family"] not in FAMILIES:
            raise ModelError(f"{directory / META_FILE}: family: unknown model family {meta['family']!r}")
        family_cls = family_class(meta["family"])
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

    @abstractmethod
    def _save_weights(self, directory: Path) -> None:
        """Write the family's learned state into ``directory`` (safe formats only: skops, safetensors, JSON)."""

    @abstractmethod
    def _load_weights(self, directory: Path) -> None:
        """Read the family's learned state from ``directory``."""


def _plain(value: Any) -> Any:
    """A parameter value as JSON has it: enum members as their values, tuples as lists, paths as strings."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


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
