"""Document-grouped train/dev/test splits, deterministic given a seed, plus the held-out ``seed_test`` split.

No document ever has sentences in two splits: a sentence's neighbours (its context) would otherwise leak.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from src.data.corpus import Corpus, read_records
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

    total = sum(ratios[s] for s in ("train", "dev", "test"))
    n_sentences = sum(sizes[d] for d in pool)
    targets = {s: ratios[s] / total * n_sentences for s in ("train", "dev", "test")}
    splits: dict[str, list[str]] = {s: [] for s in SPLITS}
    filled = dict.fromkeys(targets, 0)
    names = ["train", "dev", "test"]
    current = 0
    for doc in order:
        # Move on once a split has its share, but never leave the last split empty-handed by overfilling earlier ones.
        while current < len(names) - 1 and filled[names[current]] + sizes[doc] / 2 > targets[names[current]]:
            current += 1
        splits[names[current]].append(doc)
        filled[names[current]] += sizes[doc]
    splits["seed_test"] = held_out
    return {name: sorted(docs) for name, docs in splits.items()}


def read_split_file(path: str | Path, corpus: Corpus) -> dict[str, list[str]]:
    """Read a user-provided split assignment (JSONL or CSV).

    Rows hold ``split`` and either ``doc_id`` (whole documents) or ``id`` (single sentences). Assigning sentences of
    one document to two different splits is an error, as is leaving a document of the corpus unassigned.
    """
    path = Path(path)
    doc_of_sentence = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    assigned: dict[str, tuple[str, int]] = {}
    for line, record in read_records(path, "split file"):
        split = record.get("split")
        if split not in SPLITS:
            raise DataError(path, line, "split", f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
        if record.get("doc_id") is not None:
            doc = str(record["doc_id"])
            if doc not in set(doc_of_sentence.values()):
                raise DataError(path, line, "doc_id", f"document {doc!r} is not in the corpus")
            key_field = "doc_id"
        elif record.get("id") is not None:
            sentence = str(record["id"])
            if sentence not in doc_of_sentence:
                raise DataError(path, line, "id", f"sentence {sentence!r} is not in the corpus")
            doc, key_field = doc_of_sentence[sentence], "id"
        else:
            raise DataError(path, line, "doc_id", "each row needs a doc_id or an id column")
        if doc in assigned and assigned[doc][0] != split:
            first_split, first_line = assigned[doc]
            raise DataError(
                path,
                line,
                key_field,
                f"document {doc!r} is split across {first_split} (line {first_line}) and {split}; "
                "splits must keep each document whole",
            )
        assigned.setdefault(doc, (split, line))
    missing = sorted(set(doc_of_sentence.values()) - set(assigned))
    if missing:
        raise DataError(
            path,
            None,
            "doc_id",
            f"{len(missing)} document(s) of the corpus have no split, e.g. {missing[0]!r}",
        )
    splits: dict[str, list[str]] = {s: [] for s in SPLITS}
    for doc, (split, _) in assigned.items():
        splits[split].append(doc)
    return {name: sorted(docs) for name, docs in splits.items()}


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
