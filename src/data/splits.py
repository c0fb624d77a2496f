"""Document-grouped train/dev/test splits, deterministic given a seed, plus the held-out ``seed_test`` split.

No document ever has sentences in two splits: a sentence's neighbours (its context) would otherwise leak. A
user's split file is parsed here only (:func:`parse_split_file`), for training and the validator alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from src.data.corpus import Corpus, collect_records
from src.errors import DataError

SPLITS = ("train", "dev", "test", "seed_test")


def make_splits(
    corpus: Corpus,
    seed: int,
    ratios: dict[str, float],
    seed_source: str = "seed",
    train_on_seed: bool = False,
) -> dict[str, list[str]]:
    """Assign whole documents to splits.

    Documents whose ``source`` equals ``seed_source`` form ``seed_test`` (unless ``train_on_seed``, when they join
    the random split like any other). The rest are shuffled with ``seed`` and filled into train, dev and test in
    that order until each reaches its share of sentences.

    Args:
        corpus: The validated corpus.
        seed: Seed of the document shuffle.
        ratios: Shares of sentences for ``train``, ``dev`` and ``test`` (normalized to sum to 1).
        seed_source: Document ``source`` value that marks the held-out real-world article(s).
        train_on_seed: Pool the seed documents with the others instead of holding them out.

    Returns:
        Split name to sorted document ids, for every name in :data:`SPLITS` (possibly empty lists).
    """
    sizes = Counter(corpus.sentences["doc_id"])
    doc_ids = sorted(sizes)
    held_out = (
        []
        if train_on_seed
        else [d for d in doc_ids if corpus.documents.get(d, {}).get("source") == seed_source]
    )
    pool = [d for d in doc_ids if d not in set(held_out)]
    order = [pool[i] for i in np.random.default_rng(seed).permutation(len(pool))]

    splits: dict[str, list[str]] = {s: [] for s in SPLITS}
    splits.update(fill_splits(order, sizes, {s: ratios[s] for s in ("train", "dev", "test")}))
    splits["seed_test"] = held_out
    return {name: sorted(docs) for name, docs in splits.items()}


def fill_splits(
    order: Sequence[str], sizes: Mapping[str, int], ratios: Mapping[str, float]
) -> dict[str, list[str]]:
    """Fill documents, in ``order``, into the splits of ``ratios`` (in its key order) by shares of sentences.

    Args:
        order: The documents, already shuffled.
        sizes: Sentences per document.
        ratios: Split name to share of sentences (normalized to sum to 1).

    Returns:
        Split name to its documents, in ``order``.
    """
    total = sum(ratios.values())
    n_sentences = sum(sizes[d] for d in order)
    targets = {s: share / total * n_sentences for s, share in ratios.items()}
    splits: dict[str, list[str]] = {s: [] for s in ratios}
    filled = dict.fromkeys(targets, 0)
    names = list(ratios)
    current = 0
    for doc in order:
        # Move on once a split has its share, but never leave the last split empty-handed by overfilling earlier ones.
        while current < len(names) - 1 and filled[names[current]] + sizes[doc] / 2 > targets[names[current]]:
            current += 1
        splits[names[current]].append(doc)
        filled[names[current]] += sizes[doc]
    return splits


@dataclass(frozen=True)
class SplitRow:
    """Where a split file puts a document: its split, and the line and column that first named it."""

    split: str
    line: int
    field: str


def parse_split_file(
    path: str | Path, doc_of_sentence: Mapping[str, str]
) -> tuple[dict[str, SplitRow], list[DataError]]:
    """Read a split assignment (JSONL or CSV) and collect every problem in it.

    Rows hold ``split`` and either ``doc_id`` (whole documents) or ``id`` (single sentences). Problems: an unknown
    split, document or sentence; a row naming neither; sentences of one document in two splits; a document of the
    corpus without a split.

    Args:
        path: The split file.
        doc_of_sentence: The corpus's sentence ids with their document ids.

    Returns:
        ``(rows, problems)``: each assigned document's first row, and every problem in file order.
    """
    path = Path(path)
    known_docs = set(doc_of_sentence.values())
    assigned: dict[str, SplitRow] = {}
    records, stopped = collect_records(path, "split file")
    problems: list[DataError] = []
    for line, record in records:
        split = record.get("split")
        if split not in SPLITS:
            problems.append(
                DataError(path, line, "split", f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
            )
            continue
        if record.get("doc_id") is not None:
            key, doc = "doc_id", str(record["doc_id"])
            if doc not in known_docs:
                problems.append(DataError(path, line, key, f"document {doc!r} is not in the corpus"))
                continue
        elif record.get("id") is not None:
            key, sentence = "id", str(record["id"])
            if sentence not in doc_of_sentence:
                problems.append(DataError(path, line, key, f"sentence {sentence!r} is not in the corpus"))
                continue
            doc = doc_of_sentence[sentence]
        else:
            problems.append(DataError(path, line, "doc_id", "each row needs a doc_id or an id column"))
            continue
        first = assigned.setdefault(doc, SplitRow(split, line, key))
        if first.split != split:
            problems.append(
                DataError(
                    path,
                    line,
                    key,
                    f"document {doc!r} is split across {first.split} (line {first.line}) and {split}; "
                    "splits must keep each document whole",
                )
            )
    if stopped is not None:
        problems.append(stopped)
    missing = sorted(known_docs - set(assigned))
    if missing and stopped is None:
        shown = ", ".join(repr(doc) for doc in missing[:5]) + (", ..." if len(missing) > 5 else "")
        problems.append(
            DataError(
                path, None, "doc_id", f"{len(missing)} document(s) of the corpus have no split: {shown}"
            )
        )
    return assigned, problems


def read_split_file(path: str | Path, corpus: Corpus) -> dict[str, list[str]]:
    """Read a user-provided split assignment (JSONL or CSV); see :func:`parse_split_file`.

    Returns:
        Split name to sorted document ids, for every name in :data:`SPLITS`.

    Raises:
        DataError: The first problem of the file.
    """
    doc_of_sentence = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    assigned, problems = parse_split_file(path, doc_of_sentence)
    if problems:
        raise problems[0]
    splits: dict[str, list[str]] = {s: [] for s in SPLITS}
    for doc, row in assigned.items():
        splits[row.split].append(doc)
    return {name: sorted(docs) for name, docs in splits.items()}


def subsample_training(splits: dict[str, list[str]], n_documents: int, seed: int) -> dict[str, list[str]]:
    """Keep ``n_documents`` training documents drawn at random with ``seed`` (their order kept); the rest as is.

    Raises:
        ConfigError: ``n_documents`` below 1 or above the training documents there are.
    """
    from src.errors import ConfigError

    train = splits["train"]
    if not 1 <= n_documents <= len(train):
        raise ConfigError(
            f"data.train_documents: must be between 1 and the {len(train)} training documents, got {n_documents}"
        )
    keep = set(np.random.default_rng(seed).choice(len(train), size=n_documents, replace=False).tolist())
    return {**splits, "train": [doc for i, doc in enumerate(train) if i in keep]}


def check_disjoint(splits: dict[str, list[str]]) -> None:
    """Guard: no document may sit in two splits."""
    seen: dict[str, str] = {}
    for name, docs in splits.items():
        for doc in docs:
            if doc in seen:
                raise DataError(
                    "splits", None, "doc_id", f"document {doc!r} is in both {seen[doc]} and {name}"
                )
            seen[doc] = name


def split_summary(corpus: Corpus, splits: dict[str, list[str]]) -> dict[str, Any]:
    """Documents and sentences per split, for the run directory."""
    sizes = Counter(corpus.sentences["doc_id"])
    return {
        name: {"documents": len(docs), "sentences": sum(sizes[d] for d in docs)}
        for name, docs in splits.items()
    }
