"""Document-grouped splits: deterministic given a seed, no document in two splits, seed article held out; split files
parsed in one place for training and the validator."""

from __future__ import annotations

import json

import pytest

from src.data.corpus import load_corpus, to_examples
from src.data.splits import SplitRow, make_splits, parse_split_file, read_split_file
from src.errors import DataError
from src.tasks import Head
from tests.conftest import FIXTURE_CORPUS

HEADS = (
    Head(
        "primary_stance", "primary_stance", ("cooperative", "threat_framing", "human_rights_concern", "none")
    ),
)
RATIOS = {"train": 0.7, "dev": 0.15, "test": 0.15}


def _corpus():
    return load_corpus(FIXTURE_CORPUS / "sentences.jsonl", HEADS, FIXTURE_CORPUS / "documents.jsonl")


def test_split_is_deterministic_and_grouped():
    corpus = _corpus()
    first, again = make_splits(corpus, 0, RATIOS), make_splits(corpus, 0, RATIOS)
    assert first == again
    assert any(make_splits(corpus, s, RATIOS) != first for s in range(1, 6))
    seen = [doc for docs in first.values() for doc in docs]
    assert len(seen) == len(set(seen)) == len(set(corpus.sentences["doc_id"]))
    assert all(first[name] for name in ("train", "dev", "test"))


def test_seed_article_is_held_out_unless_asked():
    corpus = _corpus()
    splits = make_splits(corpus, 0, RATIOS)
    assert splits["seed_test"] == ["seed-000"]
    assert "seed-000" not in splits["train"] + splits["dev"] + splits["test"]
    pooled = make_splits(corpus, 0, RATIOS, train_on_seed=True)
    assert pooled["seed_test"] == [] and "seed-000" in pooled["train"] + pooled["dev"] + pooled["test"]


def test_previous_sentence_context_stays_within_document():
    corpus = _corpus()
    examples = to_examples(corpus, ["fx-01", "fx-02"], HEADS, context="previous")
    assert examples.contexts[0] == ""
    first_of_second = examples.ids.index("fx-02-s000")
    assert examples.contexts[first_of_second] == ""
    assert examples.contexts[1] == examples.texts[0]


def _doc_of_sentence(corpus) -> dict[str, str]:
    return dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))


def test_split_file_is_read_with_or_without_byte_order_mark(tmp_path):
    corpus = _corpus()
    docs = sorted(set(corpus.sentences["doc_id"]))
    text = "doc_id,split\n" + "".join(
        f"{doc},{'seed_test' if doc == 'seed-000' else 'train'}\n" for doc in docs
    )
    path = tmp_path / "split.csv"
    for prefix in (b"", b"\xef\xbb\xbf"):
        path.write_bytes(prefix + text.encode("utf-8"))
        splits = read_split_file(path, corpus)
        assert splits["seed_test"] == ["seed-000"] and len(splits["train"]) == len(docs) - 1


def test_split_file_problems_are_collected_in_one_place(tmp_path):
    corpus = _corpus()
    path = tmp_path / "split.jsonl"
    rows = [
        {"doc_id": "fx-01", "split": "train"},
        {"doc_id": "fx-01", "split": "valid"},
        {"id": "fx-01-s002", "split": "test"},
        {"doc_id": "nope", "split": "dev"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken\n", encoding="utf-8")
    assigned, problems = parse_split_file(path, _doc_of_sentence(corpus))
    assert assigned["fx-01"] == SplitRow("train", 1, "doc_id")
    assert [(p.line, p.field) for p in problems] == [(2, "split"), (3, "id"), (4, "doc_id"), (5, None)]
    assert "split across train (line 1) and test" in problems[1].problem
    assert problems[3].problem.endswith("later lines of this file were not read")
    # Training reads the same file through the same parser and stops at the first problem.
    with pytest.raises(DataError) as info:
        read_split_file(path, corpus)
    assert str(info.value) == str(problems[0])


def test_subsample_training_keeps_n_documents_per_seed_and_leaves_the_rest():
    import pytest

    from src.data.splits import subsample_training
    from src.errors import ConfigError

    splits = {"train": [f"d{i}" for i in range(10)], "dev": ["v"], "test": ["t"], "seed_test": []}
    small = subsample_training(splits, 4, seed=0)
    assert len(small["train"]) == 4 and set(small["train"]) <= set(splits["train"])
    assert small["train"] == [d for d in splits["train"] if d in small["train"]]  # order kept
    assert (small["dev"], small["test"]) == (["v"], ["t"])
    assert subsample_training(splits, 4, seed=0) == small  # the same seed draws the same documents
    assert subsample_training(splits, 10, seed=3)["train"] == splits["train"]
    for bad in (0, 11):
        with pytest.raises(ConfigError, match="data.train_documents: must be between 1 and the 10"):
            subsample_training(splits, bad, seed=0)
