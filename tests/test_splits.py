"""Document-grouped splits: deterministic given a seed, no document in two splits, seed article held out."""

from __future__ import annotations

from src.data.corpus import load_corpus, to_examples
from src.data.splits import make_splits
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
