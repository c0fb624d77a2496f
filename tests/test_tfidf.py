"""The TF-IDF family: one feature union shared by every head, defaults from the schema, saving and loading."""

from __future__ import annotations

import json

import numpy as np
import pytest

from src.config import TfidfConfig
from src.errors import ConfigError, ModelError
from src.models import load_model
from src.models.base import Examples
from src.models.tfidf import TfidfModel
from src.models.tfidf_features import join_context, union_transform
from src.tasks import Head
from tests.conftest import FIXTURE_CORPUS

ROWS = [json.loads(line) for line in (FIXTURE_CORPUS / "sentences.jsonl").read_text().splitlines()]
TEXTS = [r["text"] for r in ROWS]
HEADS = [Head(name, name, sorted({r[name] for r in ROWS})) for name in ("primary_stance", "speaker_role")]
TRAIN = Examples(texts=TEXTS, labels={h.name: [r[h.name] for r in ROWS] for h in HEADS})


def test_multitask_heads_share_one_feature_union():
    model = TfidfModel(heads=HEADS).fit(TRAIN)
    assert set(model.classifiers_) == {h.name for h in HEADS}
    shared = model.predict_proba(TEXTS)
    features = model.features_.transform(join_context(TEXTS, None))
    for head in HEADS:  # each head's classifier on the union's own transform gives the same probabilities
        clf = model.classifiers_[head.name]
        columns = [head.labels.index(label) for label in clf.classes_]
        np.testing.assert_array_equal(shared[head.name][:, columns], clf.predict_proba(features))


def test_defaults_are_the_schemas():
    params = TfidfModel(heads=HEADS).get_params()
    schema = TfidfConfig()
    assert params["word_ngram_range"] == schema.word_ngram_range
    assert params["char_ngram_range"] == schema.char_ngram_range
    assert {k: params[k] for k in ("min_df", "max_features", "sublinear_tf", "lowercase")} == {
        k: getattr(schema, k) for k in ("min_df", "max_features", "sublinear_tf", "lowercase")
    }
    # A partial classifier mapping from Python takes the schema's other classifier settings.
    model = TfidfModel(heads=HEADS, classifier={"C": 0.5})
    clf = model._classifier(multilabel=False)
    assert (clf.C, clf.class_weight, clf.max_iter) == (0.5, "balanced", schema.classifier.max_iter)


def test_plain_string_choices_work_from_python_and_bad_ones_name_the_setting():
    model = TfidfModel(heads=HEADS, classifier={"name": "linear_svm", "class_weight": None}).fit(TRAIN)
    assert type(model.classifiers_[HEADS[0].name]).__name__ == "LinearSVC"
    assert model.get_params()["classifier"] == {"name": "linear_svm", "class_weight": None}
    with pytest.raises(
        ConfigError, match=r"model\.classifier\.name: 'lgreg' is not one of logreg, linear_svm"
    ):
        TfidfModel(heads=HEADS, classifier={"name": "lgreg"}).fit(TRAIN)


def test_round_trip_and_models_saved_with_a_pipeline_per_head(tmp_path):
    from sklearn.pipeline import Pipeline

    from src.models.persistence import dump_skops

    contexts = [""] + TEXTS[:-1]
    model = TfidfModel(heads=HEADS).fit(Examples(texts=TEXTS, contexts=contexts, labels=TRAIN.labels))
    before = model.predict_proba(TEXTS, contexts)
    model.save(tmp_path / "model")
    assert {p.name for p in (tmp_path / "model").iterdir()} == {
        "model_meta.json",
        "tfidf_features.skops",
        "primary_stance.skops",
        "speaker_role.skops",
    }
    loaded = load_model(tmp_path / "model")
    for head in HEADS:
        np.testing.assert_array_equal(loaded.predict_proba(TEXTS, contexts)[head.name], before[head.name])

    # The earlier layout: <head>.skops, each a Pipeline of its own copy of the features and its classifier.
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "model_meta.json").write_text((tmp_path / "model" / "model_meta.json").read_text())
    for head in HEADS:
        pipeline = Pipeline([("features", model.features_), ("classifier", model.classifiers_[head.name])])
        dump_skops(pipeline, legacy / f"{head.name}.skops")
    old = load_model(legacy)
    for head in HEADS:
        np.testing.assert_array_equal(old.predict_proba(TEXTS, contexts)[head.name], before[head.name])

    (tmp_path / "model" / "tfidf_features.skops").unlink()
    with pytest.raises(ModelError, match=r"tfidf_features\.skops: missing"):
        load_model(tmp_path / "model")


def test_features_are_computed_once_per_batch(monkeypatch):
    import src.models.tfidf as tfidf

    model = TfidfModel(heads=HEADS).fit(TRAIN)
    calls = []

    def counting(union, inputs):
        calls.append(len(inputs))
        return union_transform(union, inputs)

    monkeypatch.setattr(tfidf, "union_transform", counting)
    model.predict_proba(TEXTS)
    assert calls == [len(TEXTS)]
