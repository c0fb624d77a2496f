"""The cached TF-IDF vectorizer gives exactly scikit-learn's TfidfVectorizer output, and the model round-trips."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from src.models.tfidf import CachedTfidfVectorizer, char_wb_ngrams
from tests.conftest import FIXTURE_CORPUS, PROJECT_ROOT

TEXTS = [json.loads(line)["text"] for line in (FIXTURE_CORPUS / "sentences.jsonl").read_text().splitlines()]
UNSEEN = ["", "a", "Tokyo", "  spaced   out\u00a0words  ", "Ünïcödé wörds and U.S.-Japan ties", "x y"]


@pytest.mark.parametrize(
    ("analyzer", "ngram_range", "min_df", "lowercase", "sublinear_tf"),
    [
        ("word", (1, 2), 1, True, True),
        ("word", (2, 3), 1, False, True),
        ("word", (1, 1), 2, True, False),
        ("word", (1, 8), 1, True, True),  # 8-grams cannot be packed into an int64: the string path
        ("char_wb", (2, 5), 1, True, True),
        ("char_wb", (1, 3), 2, False, False),
    ],
)
def test_matches_scikit_learn_exactly(analyzer, ngram_range, min_df, lowercase, sublinear_tf):
    options = {
        "analyzer": analyzer,
        "ngram_range": ngram_range,
        "min_df": min_df,
        "lowercase": lowercase,
        "sublinear_tf": sublinear_tf,
    }
    reference = TfidfVectorizer(**options).fit(TEXTS[:40])
    fast = CachedTfidfVectorizer(**options).fit(TEXTS[:40])
    for batch in (TEXTS, UNSEEN, TEXTS[:1]):
        expected, got = reference.transform(batch), fast.transform(batch)
        assert got.shape == expected.shape
        assert np.abs((expected - got).toarray()).max() < 1e-12
    again = fast.transform(TEXTS)  # warm cache gives the same result
    assert np.abs((reference.transform(TEXTS) - again).toarray()).max() < 1e-12


def test_char_wb_ngrams_counts_short_words_once():
    assert char_wb_ngrams("a", 2, 5) == [" a", "a ", " a "]
    assert char_wb_ngrams("ab", 3, 3) == [" ab", "ab "]


def test_long_ngrams_use_the_string_path():
    fast = CachedTfidfVectorizer(analyzer="word", ngram_range=(1, 8)).fit(TEXTS)
    assert fast._ngram_keys() is None
    assert CachedTfidfVectorizer(analyzer="word", ngram_range=(1, 2)).fit(TEXTS)._ngram_keys() is not None


def test_word_cache_is_not_persisted():
    fast = CachedTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(TEXTS)
    fast.transform(TEXTS)
    assert "_cache" in fast.__dict__ and "_cache" not in fast.__getstate__()


def test_token_pattern_finds_scikit_learns_tokens():
    """The fast pattern drops scikit-learn's word boundaries; on every corpus sentence the tokens are the same."""
    import re

    from src.models.tfidf import TOKEN_PATTERN

    reference = re.compile(r"(?u)\b\w\w+\b")
    corpus = PROJECT_ROOT / "data" / "corpus" / "sentences.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()] + UNSEEN
    texts += ["a_b c9 _x ü 1 22 état-major d'Ivoire", "é", "__"]
    for text in texts:
        assert TOKEN_PATTERN.findall(text) == reference.findall(text), text


def test_multitask_heads_share_identical_features_and_predict_as_separate_pipelines():
    from src.models.base import Examples
    from src.models.tfidf import TfidfModel
    from src.tasks import Head

    rows = [json.loads(line) for line in (FIXTURE_CORPUS / "sentences.jsonl").read_text().splitlines()]
    heads = [Head(name, name, sorted({r[name] for r in rows})) for name in ("primary_stance", "speaker_role")]
    train = Examples(
        texts=[r["text"] for r in rows],
        labels={h.name: [r[h.name] for r in rows] for h in heads},
        contexts=None,
    )
    model = TfidfModel(heads=heads).fit(train)
    assert model._feature_sources() == {h.name: heads[0].name for h in heads}
    shared = model.predict_proba(TEXTS)
    for head in heads:  # each head's own pipeline, end to end, gives the same probabilities
        pipeline = model.pipelines_[head.name]
        alone = pipeline.named_steps["classifier"].predict_proba(
            pipeline.named_steps["features"].transform(TEXTS)
        )
        columns = [head.labels.index(label) for label in pipeline.named_steps["classifier"].classes_]
        np.testing.assert_array_equal(shared[head.name][:, columns], alone)
