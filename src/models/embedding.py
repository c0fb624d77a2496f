"""Frozen sentence embeddings + logistic regression: a cheap middle ground between TF-IDF and fine-tuning.

The encoder (same ``model.pretrained`` resolution as the transformer family) is never trained: sentences are
mean-pooled into vectors once, and one scikit-learn logistic regression per head (one per label for multi-label
heads) is fitted on them. With context, the previous sentence is embedded on its own and concatenated.
A saved model is the encoder (safetensors + config + tokenizer) plus the classifiers in skops format.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from src.config import ClassWeight, EmbeddingLogregConfig, Pooling, choice
from src.errors import ModelError
from src.models.base import Examples, StanceModel
from src.models.encoder import (
    check_max_length,
    embed,
    load_encoder_files,
    load_pretrained,
    load_state,
    resolve_device,
    save_encoder_files,
)
from src.models.labels import check_label_maps, write_label_maps
from src.models.persistence import dump_skops, load_skops
from src.tasks import Head

CLASSIFIERS_FILE = "classifiers.skops"
# Every type the classifiers file may contain; skops refuses anything else, so a foreign file fails to load.
TRUSTED_TYPES = [
    "builtins.dict",
    "builtins.float",
    "builtins.int",
    "builtins.list",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "sklearn.linear_model._logistic.LogisticRegression",
]

# A head's classifier: a fitted LogisticRegression, or (when training showed a single class) that class's index
# for single-label heads and a constant probability per label for multi-label heads.
Classifier = LogisticRegression | int | float

# Defaults: EmbeddingLogregConfig, the schema of conf/model/embedding_logreg.yaml, holds each once.
_DEFAULTS = EmbeddingLogregConfig()


class EmbeddingLogregModel(StanceModel):
    """Logistic regression on frozen, mean-pooled sentence embeddings.

    Args:
        heads: What to predict; every head reads the same embeddings.
        seed: Random state of the classifiers.
        pretrained: ``default`` (the packaged all-MiniLM-L6-v2), a local model directory or a model id.
        max_length: Token limit per sentence (sentence and context are embedded separately).
        batch_size: Sentences per encoder forward pass.
        pooling: ``mean`` or ``cls`` sentence vector.
        normalize: Scale embeddings to unit length (how all-MiniLM vectors are meant to be compared).
        C: Inverse regularization strength of the logistic regressions.
        class_weight: ``balanced`` or ``None``.
        max_iter: Solver iterations.
        device: ``auto``, ``cpu`` or ``cuda`` for the encoder.
    """

    family: ClassVar[str] = "embedding_logreg"
    multithreaded: ClassVar[bool] = True

    def __init__(
        self,
        heads: Sequence[Head],
        seed: int = 0,
        pretrained: str = _DEFAULTS.pretrained,
        max_length: int = _DEFAULTS.max_length,
        batch_size: int = _DEFAULTS.batch_size,
        pooling: str = _DEFAULTS.pooling,
        normalize: bool = _DEFAULTS.normalize,
        C: float = _DEFAULTS.C,  # noqa: N803 - scikit-learn's name for it
        class_weight: str | None = _DEFAULTS.class_weight,
        max_iter: int = _DEFAULTS.max_iter,
        device: str = _DEFAULTS.device,
    ) -> None:
        super().__init__(heads, seed)
        self.pretrained = pretrained
        self.max_length = max_length
        self.batch_size = batch_size
        self.pooling = pooling
        self.normalize = normalize
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.device = device
        self.encoder_: torch.nn.Module | None = None
        self.tokenizer_: Any = None
        self.classifiers_: dict[str, Any] = {}

    # ----------------------------------------------------------------- features
    def embed(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Sentence vectors, with the context's vector appended when the model uses context.

        Each distinct string is embedded once: a sentence is usually also the next sentence's context.

        Returns:
            Array of shape ``(len(texts), hidden)`` or ``(len(texts), 2 x hidden)`` with context.
        """
        if self.encoder_ is None:
            raise ModelError("the embedding model is not fitted")
        if self.uses_context_ and contexts is None:
            contexts = [""] * len(texts)
        wanted = list(texts) + (list(contexts) if self.uses_context_ and contexts is not None else [])
        unique = list(dict.fromkeys(wanted))
        vectors = embed(
            self.encoder_,
            self.tokenizer_,
            unique,
            int(self.max_length),
            int(self.batch_size),
            self.pooling,
            bool(self.normalize),
        )
        row = {text: i for i, text in enumerate(unique)}
        out = vectors[[row[t] for t in texts]]
        if self.uses_context_ and contexts is not None:
            out = np.concatenate([out, vectors[[row[c] for c in contexts]]], axis=1)
        return out

    # ----------------------------------------------------------------- training
    def _classifier(self) -> LogisticRegression:
        return LogisticRegression(
            C=float(self.C),
            class_weight=None if self.class_weight is None else ClassWeight(self.class_weight).value,
            max_iter=int(self.max_iter),
            random_state=self.seed,
        )

    def _fit(self, train: Examples, dev: Examples | None) -> None:
        # Choices given as plain strings from Python get the check that composition gives config values.
        if self.class_weight is not None:
            choice(ClassWeight, self.class_weight, "model.class_weight")
        choice(Pooling, self.pooling, "model.pooling")
        device = resolve_device(self.device)
        tokenizer, encoder = load_pretrained(self.pretrained)
        check_max_length(
            tokenizer,
            train.texts,
            False,
            int(self.max_length),
            getattr(encoder.config, "max_position_embeddings", None),
        )
        self.tokenizer_, self.encoder_ = tokenizer, encoder.to(device).eval()
        features = self.embed(train.texts, train.contexts)
        labels = train.labels or {}
        self.classifiers_ = {}
        for head in self.heads:
            if head.multilabel:
                per_label: list[Classifier] = []
                for label in head.labels:
                    y = np.array([label in row for row in labels[head.name]], dtype=int)
                    per_label.append(
                        self._classifier().fit(features, y) if 0 < y.sum() < len(y) else float(y.mean())
                    )
                self.classifiers_[head.name] = per_label
            else:
                index = {label: j for j, label in enumerate(head.labels)}
                y = np.array([index[label] for label in labels[head.name]])
                self.classifiers_[head.name] = (
                    self._classifier().fit(features, y) if len(set(y)) > 1 else int(y[0])
                )

    # ----------------------------------------------------------------- prediction
    def predict_proba(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        if not self.classifiers_:
            raise ModelError("the embedding model is not fitted")
        features = self.embed(texts, contexts)
        out = {}
        for head in self.heads:
            clf = self.classifiers_[head.name]
            proba = np.zeros((len(texts), len(head.labels)))
            if head.multilabel:
                for j, label_clf in enumerate(clf):
                    proba[:, j] = (
                        label_clf if isinstance(label_clf, float) else label_clf.predict_proba(features)[:, 1]
                    )
            elif isinstance(clf, int):
                proba[:, clf] = 1.0
            else:
                # Labels never seen in training keep probability 0; the columns follow the head's label order.
                proba[:, clf.classes_] = clf.predict_proba(features)
            out[head.name] = proba
        return out

    # ----------------------------------------------------------------- persistence
    def _save_weights(self, directory: Path) -> None:
        if self.encoder_ is None:
            raise ModelError("the embedding model is not fitted")
        save_encoder_files(directory, self.encoder_.config, self.tokenizer_, self.encoder_.state_dict())
        dump_skops(self.classifiers_, directory / CLASSIFIERS_FILE)
        write_label_maps(directory, self.heads, self.pooling)

    def _load_weights(self, directory: Path) -> None:
        check_label_maps(directory, self.heads)
        path = directory / CLASSIFIERS_FILE
        classifiers = load_skops(path, TRUSTED_TYPES)
        if not isinstance(classifiers, dict) or set(classifiers) != {h.name for h in self.heads}:
            raise ModelError(f"{path}: classifiers do not match the heads in model_meta.json")
        tokenizer, encoder, state = load_encoder_files(directory)
        load_state(encoder, state, directory)
        self.tokenizer_ = tokenizer
        self.encoder_ = encoder.to(resolve_device(self.device)).eval()
        self.classifiers_ = classifiers
