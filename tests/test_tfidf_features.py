"""The cached TF-IDF vectorizer gives exactly scikit-learn's TfidfVectorizer output, and the feature union."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from src.models.tfidf_features import (
    TOKEN_PATTERN,
    CachedTfidfVectorizer,
    char_wb_ngrams,
    feature_union,
    join_context,
    union_transform,
)
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
    np.testing.assert_array_equal(fast.get_feature_names_out(), reference.get_feature_names_out())
    for batch in (TEXTS, UNSEEN, TEXTS[:1]):
        expected, got = reference.transform(batch), fast.transform(batch)
        assert got.shape == expected.shape
        assert np.abs((expected - got).toarray()).max() < 1e-12
    again = fast.transform(TEXTS)  # warm cache gives the same result
    assert np.abs((reference.transform(TEXTS) - again).toarray()).max() < 1e-12
    np.testing.assert_array_equal(
        fast.fit_transform(TEXTS[:40]).toarray(),
        CachedTfidfVectorizer(**options).fit(TEXTS[:40]).transform(TEXTS[:40]).toarray(),
    )


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

    reference = re.compile(r"(?u)\b\w\w+\b")
    corpus = PROJECT_ROOT / "data" / "corpus" / "sentences.jsonl"
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()] + UNSEEN
    texts += ["a_b c9 _x ü 1 22 état-major d'Ivoire", "é", "__"]
    for text in texts:
        assert TOKEN_PATTERN.findall(text) == reference.findall(text), text


def test_feature_union_branches_and_fast_transform_match_the_union():
    inputs = join_context(TEXTS, [""] + TEXTS[:-1])
    union = feature_union((1, 2), (2, 4), with_context=True, min_df=1, max_features=None)
    fitted = union.fit_transform(inputs)
    assert [name for name, _ in union.transformer_list] == ["word", "char", "context_word"]
    fast = union_transform(union, inputs)
    assert fast.format == "csr"
    np.testing.assert_array_equal(fast.toarray(), fitted.toarray())
    np.testing.assert_array_equal(fast.toarray(), union.transform(inputs).toarray())
    # Context words are prefixed, so they never share a column with the sentence's own words.
    names = {
        name: branch.named_steps["tfidf"].get_feature_names_out() for name, branch in union.transformer_list
    }
    assert any(term.startswith("ctx_") for term in names["context_word"])
    assert not any("ctx_" in term for term in names["word"])
    assert fitted.shape[1] == sum(len(terms) for terms in names.values())
    without = feature_union((1, 2), None, with_context=False).fit(TEXTS)
    assert [name for name, _ in without.transformer_list] == ["word"]
