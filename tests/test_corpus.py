"""The bundled corpus loads for every task, and the test fixture's copy of the seed article matches it."""

from __future__ import annotations

import json

import pytest
from omegaconf import OmegaConf

from src.config import CONFIG_DIR, PROJECT_ROOT
from src.data.corpus import load_corpus
from src.data.splits import make_splits
from src.tasks import task_from_config
from tests.conftest import FIXTURE_CORPUS

CORPUS = PROJECT_ROOT / "data" / "corpus"


def _rows(path, doc_id):
    return [
        r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r["doc_id"] == doc_id
    ]


@pytest.mark.parametrize("task", ["stance", "stance_multilabel", "speaker_role", "multitask"])
def test_bundled_corpus_loads_for_every_task(task):
    spec = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "task" / f"{task}.yaml"))
    heads = task_from_config(spec).heads
    corpus = load_corpus(CORPUS / "sentences.jsonl", heads, CORPUS / "documents.jsonl")
    assert len(corpus.sentences) >= 1500
    splits = make_splits(corpus, 0, {"train": 0.7, "dev": 0.15, "test": 0.15})
    assert splits["seed_test"] == ["seed-000"]


def test_fixture_seed_article_matches_the_corpus():
    assert _rows(FIXTURE_CORPUS / "sentences.jsonl", "seed-000") == _rows(
        CORPUS / "sentences.jsonl", "seed-000"
    )
    assert (FIXTURE_CORPUS / "raw" / "seed-000.txt").read_bytes() == (
        CORPUS / "raw" / "seed-000.txt"
    ).read_bytes()
