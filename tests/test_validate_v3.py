"""The validator's corpus-v3 checks: contrast sets, minimal pairs, document formats and the label change log.

Each check fails on one crafted bad record of the small fixture corpus of ``test_validate`` (the seed article plus a
four-sentence authored document), and the bundled change log is checked against the bundled corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.data.checks import CHANGEABLE_FIELDS
from src.data.counts import LONG_DOCUMENT
from src.data.validate import CHANGELOG_NAME, DEFAULT_SENTENCES
from tests.test_validate import N_SEED, Corpus, found

AUTHORED_LINE = N_SEED + 2  # line of the authored document's second sentence (auth-z01-s001)


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return Corpus(tmp_path)


def _pair(corpus: Corpus, kind: str = "minimal_pair", pair: str | None = "z-p01") -> None:
    """Make the authored document's sentences 1 and 3 a minimal pair (or contrast sentences of ``kind``)."""
    for index in (N_SEED + 1, N_SEED + 3):
        record = corpus.sentences[index]
        record["hard"] = [*record["hard"], "contrast"]
        record["contrast_kind"] = kind
        if pair is not None:
            record["pair_id"] = pair


def test_a_complete_pair_is_clean_and_counted(corpus: Corpus) -> None:
    _pair(corpus)
    report = corpus.validate()
    assert report.ok, [str(p) for p in report.problems]
    assert report.counts["contrast_kind"]["minimal_pair"] == 2
    assert report.counts["totals"]["contrast_sentences"] == 2
    assert {t.name: t.value for t in report.targets}["minimal pairs"] == 1


def test_unknown_hard_tag_is_named(corpus: Corpus) -> None:
    corpus.sentences[AUTHORED_LINE - 1]["hard"] = ["contrast_set"]
    assert found(corpus.validate(), "sentences.jsonl", AUTHORED_LINE, "hard", "unknown label 'contrast_set'")


def test_contrast_tag_needs_its_kind(corpus: Corpus) -> None:
    corpus.sentences[AUTHORED_LINE - 1]["hard"] = ["contrast"]
    assert found(corpus.validate(), "sentences.jsonl", AUTHORED_LINE, "contrast_kind", "says which kind")


def test_unknown_contrast_kind_is_named(corpus: Corpus) -> None:
    corpus.sentences[AUTHORED_LINE - 1]["hard"] = ["contrast"]
    corpus.sentences[AUTHORED_LINE - 1]["contrast_kind"] = "actor_swap"
    assert found(corpus.validate(), "sentences.jsonl", AUTHORED_LINE, "contrast_kind", "'actor_swap'")


def test_contrast_kind_without_the_tag_is_a_problem(corpus: Corpus) -> None:
    corpus.sentences[AUTHORED_LINE - 1]["contrast_kind"] = "china_neutral"
    assert found(
        corpus.validate(), "sentences.jsonl", AUTHORED_LINE, "contrast_kind", "not among the hard tags"
    )


def test_minimal_pair_without_pair_id_is_named(corpus: Corpus) -> None:
    _pair(corpus, pair=None)
    assert found(corpus.validate(), "sentences.jsonl", AUTHORED_LINE, "pair_id", "names its pair")


def test_pair_id_on_an_unpaired_kind_is_a_problem(corpus: Corpus) -> None:
    _pair(corpus, kind="phrase_sense")
    assert found(
        corpus.validate(), "sentences.jsonl", AUTHORED_LINE, "pair_id", "contrast_kind is 'phrase_sense'"
    )


def test_a_pair_with_one_member_is_named(corpus: Corpus) -> None:
    _pair(corpus)
    corpus.sentences[N_SEED + 3]["pair_id"] = "z-p02"
    report = corpus.validate()
    assert found(report, "sentences.jsonl", AUTHORED_LINE, "pair_id", "'z-p01' has no other member")
    assert found(report, "sentences.jsonl", AUTHORED_LINE + 2, "pair_id", "'z-p02' has no other member")


def test_unknown_format_is_named(corpus: Corpus) -> None:
    corpus.documents[1]["format"] = "podcast"
    assert found(corpus.validate(), "documents.jsonl", 2, "format", "unknown format 'podcast'")


def test_formats_and_lengths_are_counted(corpus: Corpus) -> None:
    corpus.documents[0]["format"] = "wire_story"
    report = corpus.validate()
    assert report.counts["format_documents"]["wire_story"] == 1
    assert report.counts["format_documents"]["(none)"] == 1
    assert report.counts["length_documents"]["15-29"] == 1 and report.counts["length_documents"]["0-14"] == 1
    assert report.counts["totals"]["long_documents"] == int(N_SEED >= LONG_DOCUMENT)


def _changelog(corpus: Corpus, *entries: dict) -> None:
    (corpus.root / CHANGELOG_NAME).write_text(
        "".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8"
    )


def test_a_changelog_entry_that_matches_is_clean(corpus: Corpus) -> None:
    now = corpus.sentences[N_SEED + 1]["primary_stance"]
    _changelog(
        corpus, {"id": "auth-z01-s001", "field": "primary_stance", "old": "none", "new": now, "rule": "D13"}
    )
    assert corpus.validate().ok


def test_changelog_id_that_does_not_exist_is_named(corpus: Corpus) -> None:
    _changelog(
        corpus, {"id": "auth-z01-s099", "field": "primary_stance", "old": "none", "new": "x", "rule": "D1"}
    )
    assert found(corpus.validate(), CHANGELOG_NAME, 1, "id", "'auth-z01-s099' is not in the corpus")


def test_changelog_new_label_must_be_the_label_now(corpus: Corpus) -> None:
    _changelog(
        corpus,
        {
            "id": "auth-z01-s001",
            "field": "primary_stance",
            "old": "cooperative",
            "new": "none",
            "rule": "D13",
        },
    )
    assert found(corpus.validate(), CHANGELOG_NAME, 1, "new", "has primary_stance 'cooperative'")


def test_changelog_cannot_change_the_text(corpus: Corpus) -> None:
    _changelog(corpus, {"id": "auth-z01-s001", "field": "text", "old": "a", "new": "b", "rule": "D1"})
    assert found(corpus.validate(), CHANGELOG_NAME, 1, "field", "'text' cannot change")


def test_changelog_entry_needs_its_rule(corpus: Corpus) -> None:
    _changelog(
        corpus, {"id": "auth-z01-s001", "field": "primary_stance", "old": "none", "new": "cooperative"}
    )
    assert found(corpus.validate(), CHANGELOG_NAME, 1, "rule", "is missing")


def test_every_bundled_change_exists_and_carries_its_new_label() -> None:
    changelog = DEFAULT_SENTENCES.parent / CHANGELOG_NAME
    if not changelog.is_file():
        pytest.skip("no change log bundled")
    sentences = {
        r["id"]: r for r in map(json.loads, DEFAULT_SENTENCES.read_text(encoding="utf-8").splitlines())
    }
    last = {}
    for line in changelog.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        assert entry["id"] in sentences, entry
        assert entry["field"] in CHANGEABLE_FIELDS, entry
        last[(entry["id"], entry["field"])] = entry["new"]
    assert last
    for (sid, name), new in last.items():
        now = sentences[sid][name]
        assert (sorted(now) == sorted(new)) if isinstance(now, list) else now == new, (sid, name, now, new)
