"""TF-IDF baseline: word and character n-gram features shared by all heads, with a linear classifier per head.

The features (:mod:`src.models.tfidf_features`) are fitted once per model; each head then fits its own classifier
on them. Saved with skops (no pickle) and loaded with an explicit list of trusted types. This module must never
import torch or transformers: the TF-IDF path stays light enough to start in about a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from src.config import ClassifierConfig, ClassifierName, ClassWeight, TfidfConfig, choice
from src.errors import ModelError
from src.models.base import Examples, StanceModel
from src.models.persistence import dump_skops, load_skops
from src.models.tfidf_features import (
    CachedTfidfVectorizer,
    context_part,
    feature_union,
    join_context,
    sentence_part,
    union_transform,
)
from src.tasks import Head

# The fitted feature union, shared by all heads; each head's classifier is saved as <head name>.skops.
FEATURES_FILE = "tfidf_features.skops"
# Our types inside a saved feature union. Models saved before the features were shared (one Pipeline per head, in
# <head>.skops) name them under this module, where they stay importable; those heads' feature unions were
# identical, so the first one is used.
_FEATURE_TYPES = (CachedTfidfVectorizer, sentence_part, context_part)
# Every type a saved model may contain. skops refuses anything else, so a tampered or foreign file fails to load.
TRUSTED_TYPES = [
    "builtins.slice",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.str_",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.preprocessing._label.LabelBinarizer",
    "sklearn.svm._classes.LinearSVC",
    *(f"{module}.{t.__name__}" for t in _FEATURE_TYPES for module in (t.__module__, __name__)),
]
# Defaults: TfidfConfig, the schema of conf/model/tfidf.yaml, holds each once.
_DEFAULTS = TfidfConfig()


_BLAS_CONTROLLER: Any = None


def _single_threaded_blas() -> Any:
    """A context in which BLAS runs on one thread.

    The TF-IDF matrices are small: OpenBLAS's thread start-up and spin-waiting made logistic regression about
    6x slower with 2 threads on a busy 2-core machine (7.0 s vs 1.0 s on the bundled corpus).
    """
    global _BLAS_CONTROLLER
    if _BLAS_CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _BLAS_CONTROLLER = ThreadpoolController()
    return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")


class TfidfModel(StanceModel):
    """Word + character n-gram TF-IDF features shared by all heads, with a linear classifier per head.

    Args:
        heads: What to predict; each head gets its own classifier (multi-label heads: one-vs-rest).
        seed: Random state of the classifiers.
        word_ngram_range: (min, max) word n-gram sizes.
        char_ngram_range: (min, max) character n-gram sizes (within word boundaries); ``None`` drops them.
        min_df: Minimum document frequency of a feature.
        max_features: Cap on each vectorizer's vocabulary; ``None`` keeps all.
        sublinear_tf: Use 1 + log(tf).
        lowercase: Lowercase before tokenizing.
        classifier: ``{"name": "logreg" | "linear_svm", "C": float, "class_weight": "balanced" | None,
            "max_iter": int}``; missing keys (or ``None``) take :class:`~src.config.ClassifierConfig`'s defaults.
    """

    family = "tfidf"
    # Sparse features and a single-threaded solver: the same metrics on any machine.
    deterministic = True

    def __init__(
        self,
        heads: Sequence[Head],
        seed: int = 0,
        word_ngram_range: Sequence[int] = tuple(_DEFAULTS.word_ngram_range),
        char_ngram_range: Sequence[int] | None = tuple(_DEFAULTS.char_ngram_range),  # type: ignore[arg-type]
        min_df: int = _DEFAULTS.min_df,
        max_features: int | None = _DEFAULTS.max_features,
        sublinear_tf: bool = _DEFAULTS.sublinear_tf,
        lowercase: bool = _DEFAULTS.lowercase,
        classifier: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(heads, seed)
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.classifier = classifier
        self.features_: FeatureUnion | None = None
        self.classifiers_: dict[str, Any] = {}

    # ----------------------------------------------------------------- building
    def _classifier(self, multilabel: bool) -> Any:
        options = {**asdict(ClassifierConfig()), **(self.classifier or {})}
        name = choice(ClassifierName, options["name"], "model.classifier.name")
        class_weight = options["class_weight"]
        common = {
            "C": float(options["C"]),
            "class_weight": None
            if class_weight is None
            else choice(ClassWeight, class_weight, "model.classifier.class_weight").value,
            "max_iter": int(options["max_iter"]),
        }
        if name is ClassifierName.logreg:
            clf = LogisticRegression(random_state=self.seed, **common)
        else:
            clf = LinearSVC(random_state=self.seed, **common)
        return OneVsRestClassifier(clf) if multilabel else clf

    def _feature_union(self, with_context: bool) -> FeatureUnion:
        return feature_union(
            self.word_ngram_range,
            self.char_ngram_range,
            with_context,
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            lowercase=self.lowercase,
        )

    # ----------------------------------------------------------------- StanceModel
    def _fit(self, train: Examples, dev: Examples | None) -> None:
        inputs = join_context(train.texts, train.contexts)
        features = self._feature_union(train.contexts is not None)
        classifiers = {}
        with _single_threaded_blas():
            matrix = features.fit_transform(inputs)
            for head in self.heads:
                gold = train.labels[head.name]  # type: ignore[index]
                if head.multilabel:
                    target = np.array([[lab in row for lab in head.labels] for row in gold], dtype=int)
                else:
                    target = np.array(gold)
                classifiers[head.name] = self._classifier(head.multilabel).fit(matrix, target)
        self.features_, self.classifiers_ = features, classifiers

    def predict_proba(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None
    ) -> dict[str, np.ndarray]:
        if self.features_ is None:
            raise ModelError("the TF-IDF model is not fitted")
        if self.uses_context_ and contexts is None:
            contexts = [""] * len(texts)
        inputs = join_context(texts, contexts if self.uses_context_ else None)
        with _single_threaded_blas():
            return self._predict_proba(inputs)

    def _predict_proba(self, inputs: list[str]) -> dict[str, np.ndarray]:
        features = union_transform(self.features_, inputs)  # type: ignore[arg-type]
        out = {}
        for head in self.heads:
            clf = self.classifiers_[head.name]
            if head.multilabel:
                scores = (
                    clf.predict_proba(features)
                    if hasattr(clf, "predict_proba")
                    else _sigmoid(clf.decision_function(features))
                )
                out[head.name] = np.asarray(scores, dtype=float)
                continue
            scores = (
                clf.predict_proba(features)
                if hasattr(clf, "predict_proba")
                else _softmax(_margins(clf, features))
            )
            # Columns follow the head's label order, including labels never seen in training (probability 0).
            proba = np.zeros((len(inputs), len(head.labels)))
            for j, label in enumerate(clf.classes_):
                proba[:, head.labels.index(label)] = scores[:, j]
            out[head.name] = proba
        return out

    def _save_weights(self, directory: Path) -> None:
        if self.features_ is None:
            raise ModelError("the TF-IDF model is not fitted")
        if any(f"{name}.skops" == FEATURES_FILE for name in self.classifiers_):
            raise ModelError(
                f"a head may not be named {FEATURES_FILE[: -len('.skops')]!r} (its file holds the features)"
            )
        dump_skops(self.features_, directory / FEATURES_FILE)
        for name, clf in self.classifiers_.items():
            dump_skops(clf, directory / f"{name}.skops")

    def _load_weights(self, directory: Path) -> None:
        features = directory / FEATURES_FILE
        saved = {h.name: load_skops(directory / f"{h.name}.skops", TRUSTED_TYPES) for h in self.heads}
        if features.is_file():
            self.features_, self.classifiers_ = load_skops(features, TRUSTED_TYPES), saved
            return
        # The earlier layout: each <head>.skops a Pipeline of the features and the head's classifier.
        if not all(isinstance(p, Pipeline) for p in saved.values()):
            raise ModelError(f"{features}: missing; the model directory is incomplete")
        self.features_ = next(iter(saved.values())).named_steps["features"]
        self.classifiers_ = {name: p.named_steps["classifier"] for name, p in saved.items()}


def _margins(clf: Any, features: Any) -> np.ndarray:
    margins = clf.decision_function(features)
    # Binary problems give one margin column; expand to the two classes' scores.
    return np.column_stack([-margins, margins]) if margins.ndim == 1 else margins


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
