"""TF-IDF features for the TF-IDF family, behind scikit-learn's transformer API.

:class:`CachedTfidfVectorizer` gives exactly :class:`~sklearn.feature_extraction.text.TfidfVectorizer`'s output
(tests/test_tfidf_features.py checks it) with a much faster ``transform``; :func:`feature_union` assembles the
word, character and context branches that all heads of a model share. No torch here, nor in anything imported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

# Context (see src/data/context.py) is joined to the sentence behind this marker; its tokens are prefixed so that
# they form features separate from the sentence's own tokens.
CONTEXT_SEPARATOR = " \x1f "
CONTEXT_PREFIX = "ctx_"


def sentence_part(texts: Sequence[str]) -> list[str]:
    """The sentence itself from ``sentence<SEP>context`` inputs."""
    return [t.split(CONTEXT_SEPARATOR, 1)[0] for t in texts]


def context_part(texts: Sequence[str]) -> list[str]:
    """The context's tokens, each prefixed, so that 'China' in the context is a different feature."""
    out = []
    for t in texts:
        context = t.split(CONTEXT_SEPARATOR, 1)[1] if CONTEXT_SEPARATOR in t else ""
        out.append(" ".join(CONTEXT_PREFIX + w for w in context.split()))
    return out


# scikit-learn's default token pattern is r"(?u)\b\w\w+\b". Without the word boundaries it finds exactly the same
# tokens (greedy \w\w+ always runs to a word's end, and a scan never resumes inside a word of two or more
# characters), 2.5x faster; a test compares the two on the corpus.
TOKEN_PATTERN = re.compile(r"\w\w+")
# Upper bound on cached words per vectorizer (bounded memory on endless input streams).
MAX_CACHED_WORDS = 200_000


def char_wb_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """Character n-grams of one space-padded word, exactly as scikit-learn's ``char_wb`` analyzer makes them."""
    padded = f" {word} "
    grams = []
    for n in range(min_n, max_n + 1):
        offset = 0
        grams.append(padded[offset : offset + n])
        while offset + n < len(padded):
            offset += 1
            grams.append(padded[offset : offset + n])
        if offset == 0:  # a word shorter than n counts once
            break
    return grams


class WordColumns:
    """Each seen word's character n-gram columns, stored end to end in one array.

    A batch's words are then looked up in one C-level dictionary pass, and its distinct words' columns come out
    with numpy gathers, ready to become one sparse matrix.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.ids: dict[str, int] = {}
        self.starts = np.zeros(1024, np.int64)
        self.lengths = np.zeros(1024, np.int64)
        self.store = np.zeros(16_384, np.int32)
        self.used = 0

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        """Each word's id, -1 where the word is not stored yet."""
        return np.fromiter(map(self.ids.get, words, repeat(-1)), np.int64, len(words))

    def add(self, word: str, columns_of: Any) -> int:
        """Store ``columns_of(word)`` unless ``word`` is stored already; returns its id."""
        known = self.ids.get(word)
        if known is not None:
            return known
        columns = columns_of(word)
        word_id = len(self.ids)
        if word_id == len(self.starts):
            self.starts = np.resize(self.starts, 2 * word_id)
            self.lengths = np.resize(self.lengths, 2 * word_id)
        while self.used + len(columns) > len(self.store):
            self.store = np.resize(self.store, 2 * len(self.store))
        self.store[self.used : self.used + len(columns)] = columns
        self.starts[word_id], self.lengths[word_id] = self.used, len(columns)
        self.used += len(columns)
        self.ids[word] = word_id
        return word_id

    def gather(self, ids: np.ndarray) -> np.ndarray:
        """The stored columns of every id in turn, concatenated."""
        lengths = self.lengths[ids]
        block_start = np.cumsum(lengths) - lengths  # where each word's block starts in the output
        return self.store[np.arange(int(lengths.sum())) + np.repeat(self.starts[ids] - block_start, lengths)]


class CachedTfidfVectorizer(TransformerMixin, BaseEstimator):
    """TF-IDF with scikit-learn's exact vocabulary and weights, but a much faster ``transform``.

    ``fit`` delegates to :class:`~sklearn.feature_extraction.text.TfidfVectorizer`. ``transform`` maps each word
    to its feature columns once and caches them: character n-grams (``char_wb``) never cross word boundaries, so a
    sentence's features are the concatenation of its words' cached columns. This removes the per-n-gram Python
    work that makes character n-grams the bottleneck of prediction (about 6x faster on the bundled corpus), with
    identical output.

    Args:
        analyzer: ``"word"`` or ``"char_wb"``.
        ngram_range: (min, max) n-gram sizes.
        min_df, max_features, sublinear_tf, lowercase: As in ``TfidfVectorizer``.
    """

    def __init__(
        self,
        analyzer: str = "word",
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 1,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        lowercase: bool = True,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase

    def fit(self, texts: Sequence[str], y: Any = None) -> CachedTfidfVectorizer:
        """Learn the vocabulary and idf weights with ``TfidfVectorizer``; returns ``self``."""
        reference = TfidfVectorizer(
            analyzer=self.analyzer,
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
            lowercase=self.lowercase,
        ).fit(texts)
        # Terms in column order, joined by newlines (no term can hold one: terms come from whitespace-split
        # text). One string saves in milliseconds; skops writes a dict of 90,000 terms node by node (20 s).
        self.terms_ = "\n".join(str(t) for t in reference.get_feature_names_out())
        self.idf_ = np.asarray(reference.idf_, dtype=np.float64)
        for derived in ("_vocabulary", "_cache", "_ngram_table"):
            self.__dict__.pop(derived, None)
        return self

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Term -> column, rebuilt from ``terms_`` once per process."""
        vocabulary = self.__dict__.get("_vocabulary")
        if vocabulary is None:
            vocabulary = {term: i for i, term in enumerate(self.terms_.split("\n"))} if self.terms_ else {}
            self.__dict__["_vocabulary"] = vocabulary
        return vocabulary

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The terms in column order (an object array of strings, as scikit-learn's vectorizers return them)."""
        return np.asarray(self.terms_.split("\n") if self.terms_ else [], dtype=object)

    def __getstate__(self) -> dict[str, Any]:
        # The vocabulary dict and the word cache are derived state: never persisted, rebuilt lazily after loading.
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_vocabulary", "_ngram_table")}

    def _char_columns(self, word: str) -> list[int]:
        vocabulary, (lo, hi) = self.vocabulary_, self.ngram_range
        return [vocabulary[g] for g in char_wb_ngrams(word, lo, hi) if g in vocabulary]

    def _char_counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Character n-gram counts per row: (sentence x word occurrences) @ (word x n-gram counts).

        Character n-grams never cross word boundaries, so a sentence's counts are the sum of its words' counts.
        The sparse product sums them in C with a dense accumulator per row: no per-occurrence Python work and no
        sorting (1.4x faster than collecting every occurrence and summing duplicates).
        """
        cache: WordColumns = self.__dict__.setdefault("_cache", WordColumns())
        words_per_text = [text.split() for text in texts]
        words = list(chain.from_iterable(words_per_text))
        ids = cache.lookup(words)
        missing = np.flatnonzero(ids < 0)
        if len(cache) + len(missing) > MAX_CACHED_WORDS:  # bounded memory on endless streams: start afresh
            cache.clear()
            ids[:], missing = -1, np.arange(len(words))
        for i in missing:
            ids[i] = cache.add(words[i], self._char_columns)
        distinct, position = np.unique(ids, return_inverse=True)
        lengths = cache.lengths[distinct]
        word_ngrams = sparse.csr_matrix(
            (np.ones(int(lengths.sum())), cache.gather(distinct), np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(distinct), len(self.idf_)),
        )
        row_words = np.fromiter(map(len, words_per_text), np.int64, len(texts))
        occurrences = sparse.csr_matrix(
            (np.ones(len(words)), position.ravel(), np.concatenate([[0], np.cumsum(row_words)])),
            shape=(len(texts), len(distinct)),
        )
        return occurrences @ word_ngrams

    def _ngram_keys(self) -> tuple[dict[str, int], int, dict[int, tuple[np.ndarray, np.ndarray]]] | None:
        """The vocabulary's word n-grams as integers: token ids packed into one int64 per n-gram.

        Returns ``(token ids, bits per token, {n: (sorted keys, their columns)})``, or ``None`` when n-grams
        this long cannot be packed into 63 bits (the string path handles those). Built once per process.
        """
        if "_ngram_table" not in self.__dict__:
            terms = self.terms_.split("\n") if self.terms_ else []
            token_ids: dict[str, int] = {}
            parts_of_terms = [term.split(" ") for term in terms]  # scikit-learn joins n-grams with one space
            for parts in parts_of_terms:
                for token in parts:
                    token_ids.setdefault(token, len(token_ids))
            bits = max(1, len(token_ids).bit_length())
            packed = None
            if self.ngram_range[1] * bits <= 63:
                by_n: dict[int, tuple[list[int], list[int]]] = {}
                for column, parts in enumerate(parts_of_terms):
                    key = 0
                    for token in parts:
                        key = (key << bits) | token_ids[token]
                    keys, columns = by_n.setdefault(len(parts), ([], []))
                    keys.append(key)
                    columns.append(column)
                tables = {}
                for n, (keys, columns) in by_n.items():
                    order = np.argsort(keys)
                    tables[n] = (np.asarray(keys, np.int64)[order], np.asarray(columns, np.int64)[order])
                packed = (token_ids, bits, tables)
            self.__dict__["_ngram_table"] = packed
        return self.__dict__["_ngram_table"]

    def _word_entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per-row counts and columns of every word n-gram occurrence, looked up for the whole batch at C speed."""
        tokens = [TOKEN_PATTERN.findall(text) for text in texts]
        row_of_token = np.repeat(np.arange(len(texts)), np.fromiter(map(len, tokens), np.int64, len(tokens)))
        flat = list(chain.from_iterable(tokens))
        packed = self._ngram_keys()
        if packed is not None:
            token_ids, bits, tables = packed
            ids = np.fromiter(map(token_ids.get, flat, repeat(-1)), np.int64, len(flat))
        lo, hi = self.ngram_range
        rows, cols = [], []
        for n in range(lo, hi + 1):
            count = len(flat) - n + 1
            if count <= 0:
                continue
            if packed is None:
                # n-grams joined as scikit-learn joins them ("a b").
                grams = flat if n == 1 else map(" ".join, zip(*(flat[i:] for i in range(n)), strict=False))
                found = np.fromiter(map(self.vocabulary_.get, grams, repeat(-1)), np.int64, count)
                keep = found >= 0
            else:
                # An n-gram is in the vocabulary only if each of its tokens is, and its packed key is listed.
                keys, columns = tables.get(n, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
                known, key = np.ones(count, bool), np.zeros(count, np.int64)
                for i in range(n):
                    part = ids[i : i + count]
                    known &= part >= 0
                    key = (key << bits) | np.maximum(part, 0)
                at = np.minimum(np.searchsorted(keys, key), max(len(keys) - 1, 0))
                keep = known & (keys[at] == key) if len(keys) else np.zeros(count, bool)
                found = columns[at] if len(keys) else np.zeros(count, np.int64)
            if n > 1:  # n-grams spanning two sentences are masked out
                keep &= row_of_token[:count] == row_of_token[n - 1 :]
            rows.append(row_of_token[:count][keep])
            cols.append(found[keep])
        if not rows:
            return np.zeros(len(texts), np.int64), np.zeros(0, np.int64)
        row, col = np.concatenate(rows), np.concatenate(cols)
        return np.bincount(row, minlength=len(texts)), col[np.argsort(row, kind="stable")]

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """TF-IDF rows of ``texts``, L2-normalized: exactly ``TfidfVectorizer.transform``'s values."""
        if self.lowercase:
            texts = [text.lower() for text in texts]
        if self.analyzer == "char_wb":
            counts = self._char_counts(texts)
        else:
            per_row, cols = self._word_entries(texts)
            indptr = np.concatenate([[0], np.cumsum(per_row)])
            counts = sparse.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(texts), len(self.idf_)))
            counts.sum_duplicates()
        weights = self.idf_[counts.indices]
        if self.sublinear_tf:
            # 1 + log(tf), computed only where tf > 1: most n-grams occur once in a sentence, and 1 + log(1) is
            # exactly 1, so skipping them changes nothing and saves most of the logarithms.
            repeated = np.flatnonzero(counts.data > 1.0)
            weights[repeated] *= 1.0 + np.log(counts.data[repeated])
        else:
            weights *= counts.data
        counts.data = weights
        return _l2_normalize_rows(counts)


def _l2_normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row to unit length in place, as ``sklearn.preprocessing.normalize`` does (same sums, same order).

    scikit-learn's version validates its input on every call, a fixed cost that dominated labelling a single
    article.
    """
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(rows, weights=matrix.data * matrix.data, minlength=matrix.shape[0]))
    norms[norms == 0.0] = 1.0
    matrix.data /= norms[rows]
    return matrix


def join_context(texts: Sequence[str], contexts: Sequence[str] | None) -> list[str]:
    """One input string per sentence: ``sentence<SEP>context``, or the sentence alone without contexts."""
    if contexts is None:
        return list(texts)
    return [t + CONTEXT_SEPARATOR + c for t, c in zip(texts, contexts, strict=True)]


def feature_union(
    word_ngram_range: Sequence[int],
    char_ngram_range: Sequence[int] | None,
    with_context: bool,
    **vectorizer_options: Any,
) -> FeatureUnion:
    """Word (and character) n-grams of the sentence; with context, word n-grams of the context too.

    Args:
        word_ngram_range: (min, max) word n-gram sizes.
        char_ngram_range: (min, max) character n-gram sizes; ``None`` leaves the character branch out.
        with_context: Add the context branch (inputs from :func:`join_context` with contexts).
        vectorizer_options: ``min_df``, ``max_features``, ``sublinear_tf``, ``lowercase`` of every branch.

    Returns:
        An unfitted union of ``select -> tfidf`` pipelines named ``word``, ``char`` and ``context_word``.
    """

    def branch(selector: Any, analyzer: str, ngram_range: Sequence[int]) -> Pipeline:
        vectorizer = CachedTfidfVectorizer(
            analyzer=analyzer, ngram_range=tuple(ngram_range), **vectorizer_options
        )
        return Pipeline([("select", FunctionTransformer(selector)), ("tfidf", vectorizer)])

    parts = [("word", branch(sentence_part, "word", word_ngram_range))]
    if char_ngram_range is not None:
        parts.append(("char", branch(sentence_part, "char_wb", char_ngram_range)))
    if with_context:
        # Context gets word features only: its character n-grams add noise, not signal.
        parts.append(("context_word", branch(context_part, "word", word_ngram_range)))
    return FeatureUnion(parts)


def union_transform(union: FeatureUnion, inputs: list[str]) -> sparse.csr_matrix:
    """``union.transform(inputs)`` without its per-call dispatch (joblib, output wrappers): the fitted branches'
    selectors and vectorizers applied directly, stacked side by side in the same order."""
    blocks = [
        branch.named_steps["tfidf"].transform(branch.named_steps["select"].func(inputs))
        for _, branch in union.transformer_list
    ]
    return sparse.hstack(blocks, format="csr")
