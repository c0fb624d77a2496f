"""The format suite: frozen, and scored end to end on a TF-IDF model trained here on the bundled corpus."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from src.speakers.evaluate import SETS, evaluate_set, labeller_function
from tests.conftest import train_run

SUITE = SETS["format_suite"]


@pytest.mark.parametrize("suite", ["format_suite", "holdout_suite"])
def test_the_suite_is_frozen(suite: str) -> None:
    """Every file is as the manifest recorded it when the suite was written (before the rules changed)."""
    directory = SETS[suite]
    listed = {}
    for line in (directory / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {
        str(p.relative_to(directory))
        for p in directory.rglob("*")
        if p.is_file() and p.name not in ("MANIFEST.sha256", "README.md")
    }
    assert present == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest, name


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> Path:
    """A TF-IDF multitask run on the bundled corpus whose role head sees the speaker cue."""
    return train_run(tmp_path_factory.mktemp("suite"), "task=multitask", "data.context=speaker")


def test_format_suite_scores_with_a_tfidf_role_head(corpus_run: Path) -> None:
    extra = sorted(SUITE.glob("*officeholders.csv"))
    with labeller_function(str(corpus_run), extra) as label:
        scores = evaluate_set(SUITE, label, metadata=False, slice_by="format")
    overall = scores["all"]
    assert overall["n"] == 1035 and len(scores) == 10  # nine formats and the whole set
    # Floors a little under the recorded figures (README), so a regression in the rules fails here.
    assert overall["role_macro_f1"] >= 0.90
    assert overall["resolved_role_accuracy"] >= 0.95
    assert overall["name"] >= 0.76
    assert sum(
        overall["sources"].get(s, 0) for s in ("turn", "mention", "issuer", "classifier")
    ) == pytest.approx(1.0)


def test_the_agreement_study_reads_and_scores_both_golds() -> None:
    from src.speakers.evaluate import annotator_agreement, read_set

    agreement = annotator_agreement(SUITE)
    name, lenient, mention, role = agreement["all"]["original"]
    assert agreement["all"]["n"] == 1035
    assert name == pytest.approx(0.893, abs=0.001) and role == pytest.approx(0.995, abs=0.001)
    assert agreement["all"]["adjudicated"][0] > name  # the adjudicator often took the second annotation
    original, _ = read_set(SUITE)
    adjudicated, _ = read_set(SUITE, "adjudicated")
    changed = sum(a != o for doc in original for a, o in zip(adjudicated[doc], original[doc], strict=True))
    assert changed == 77  # the decisions that took the second annotation's fields


def test_a_bad_adjudication_line_names_file_line_and_field(tmp_path: Path) -> None:
    from src.errors import DataError
    from src.speakers.evaluate import read_speaker_labels

    path = tmp_path / "adjudication.jsonl"
    path.write_text(
        '{"id": "x-s000", "speaker": "A", "speaker_mention": null, "speaker_role": "other"}\n{"id": "x-s001"}\n'
    )
    with pytest.raises(DataError, match=r"adjudication.jsonl:2.*speaker"):
        read_speaker_labels(path, {"x-s000", "x-s001"})
    path.write_text('{"id": "nope", "speaker": "A", "speaker_mention": null, "speaker_role": "other"}\n')
    with pytest.raises(DataError, match=r"adjudication.jsonl:1.*unknown sentence 'nope'"):
        read_speaker_labels(path, {"x-s000"})
