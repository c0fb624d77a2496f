"""``python -m src.reproduce``: a recorded TF-IDF run reproduces exactly; a changed data file fails with a diff and a
warning naming the file; bad input is one line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from src.reproduce import RECORD_DIR, RECORD_FILE, Difference, compare_results, main, record_runs
from tests.conftest import FIXTURE_CORPUS, train_run


@pytest.fixture
def recorded_experiment(tmp_path: Path) -> Path:
    """A TF-IDF run on a private copy of the fixture corpus, recorded into an experiment folder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    run = train_run(
        tmp_path / "first",
        "data=fixture",
        f"data.sentences={corpus / 'sentences.jsonl'}",
        f"data.documents={corpus / 'documents.jsonl'}",
        "eval.bootstrap.resamples=50",
    )
    experiment = tmp_path / "experiments" / "tiny"
    record_runs([run], experiment)
    return experiment


def test_unchanged_tfidf_run_reproduces_exactly(recorded_experiment: Path, tmp_path: Path, capsys) -> None:
    record = recorded_experiment / RECORD_DIR
    assert sorted(p.name for p in record.iterdir()) == [RECORD_FILE, "run"]
    assert sorted(p.name for p in (record / "run").iterdir()) == [
        "config.yaml",
        "metrics.json",
        "provenance.json",
        "splits.json",
    ]
    assert "recorded_at" in json.loads((record / RECORD_FILE).read_text())

    assert main([str(recorded_experiment), "--out", str(tmp_path / "again")]) == 0
    out = capsys.readouterr().out
    assert "run (tfidf, compared exactly): reproduced" in out
    assert "metrics/test/primary_stance/macro_f1" in out
    assert "data file" not in out
    outcome = json.loads((tmp_path / "again" / "run" / "reproduction.json").read_text())
    assert outcome["ok"] and len(outcome["differences"]) > 50
    assert all(row["difference"] == 0 for row in outcome["differences"])
    # The rerun is a run of its own, in a new directory; the recorded run is untouched.
    assert (tmp_path / "again" / "run" / "metrics.json").is_file()
    assert main([str(recorded_experiment), "--out", str(tmp_path / "again")]) == 2
    assert "exists and is not empty" in capsys.readouterr().err


def test_changed_data_file_fails_with_a_diff_and_names_the_file(
    recorded_experiment: Path, tmp_path: Path, capsys
) -> None:
    sentences = tmp_path / "corpus" / "sentences.jsonl"
    rows = [json.loads(line) for line in sentences.read_text().splitlines()]
    for row in rows:  # every cooperative sentence relabelled: the model and its scores change
        if row["primary_stance"] == "cooperative":
            row["primary_stance"] = "threat_framing"
    sentences.write_text("".join(json.dumps(row) + "\n" for row in rows))

    assert main([str(recorded_experiment), "--out", str(tmp_path / "again")]) == 1
    out = capsys.readouterr().out
    assert f"warning: run: data file {sentences}: SHA-256 recorded" in out
    assert "NOT reproduced" in out
    failing = [line for line in out.splitlines() if line.rstrip().endswith("NO")]
    assert any(line.startswith("metrics/") and "macro_f1" in line for line in failing)


def test_transformer_figures_compare_within_the_tolerance() -> None:
    recorded = {
        "metrics": {"test/h/macro_f1": 0.75, "dev/h/macro_f1": 0.70},
        "duration_s": 100.0,
        "confusion_matrices": {"test/h": [[5, 1], [0, 4]]},
    }
    now = {
        "metrics": {"test/h/macro_f1": 0.755, "dev/h/macro_f1": 0.72},
        "duration_s": 250.0,
        "confusion_matrices": {"test/h": [[4, 2], [0, 4]]},
    }
    exact = {d.key: d.ok for d in compare_results(recorded, now, tolerance=0.0)}
    assert exact["confusion_matrices/test/h[0][0]"] is False and "duration_s" not in exact
    rows = {d.key: d.ok for d in compare_results(recorded, now, tolerance=0.01)}
    assert rows == {
        "metrics/test/h/macro_f1": True,
        "metrics/dev/h/macro_f1": False,
    }  # timing is not a result
    assert not Difference("x", 0.75, 0.75 + 1e-12, 0.0).ok  # exact means exact
    assert not Difference("x", 0.75, None, 0.5).ok  # a metric the rerun lacks is a mismatch


def test_bad_input_is_one_line(recorded_experiment: Path, tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "corpus")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path / 'corpus'}: neither an experiment folder")

    config = recorded_experiment / RECORD_DIR / "run" / "config.yaml"
    config.write_text(config.read_text().replace("  min_df:", "  min_document_frequency:"))
    assert main([str(recorded_experiment), "--out", str(tmp_path / "again")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "min_document_frequency" in err[0] and "renamed or removed" in err[0]
    assert not (tmp_path / "again").exists()  # checked before anything ran

    text = config.read_text().replace("  min_document_frequency:", "  min_df:")
    config.write_text("".join(line for line in text.splitlines(True) if not line.startswith("  sentences:")))
    assert main([str(recorded_experiment), "--out", str(tmp_path / "again")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {config}: data.sentences: required now but absent from the recorded config"]

    assert main(["--record", str(tmp_path / "corpus"), "--into", str(tmp_path / "x")]) == 2
    assert "no finished run" in capsys.readouterr().err
    assert (
        main(["--record", str(recorded_experiment / RECORD_DIR / "run"), "--into", str(recorded_experiment)])
        == 2
    )
    assert "a record is never overwritten" in capsys.readouterr().err


def test_provenance_warnings_name_the_commit_and_package_versions() -> None:
    from src.reproduce import provenance_warnings

    recorded = {"git": {"commit": "a" * 40, "dirty": False}, "packages": {"numpy": "0.0.1"}, "data_files": {}}
    warnings = provenance_warnings(recorded, {"git": {"commit": "b" * 40, "dirty": True}}, "")
    assert "git commit: recorded aaaaaaaaaa (clean), now bbbbbbbbbb (uncommitted changes)" in warnings
    assert any(w.startswith("package numpy: recorded 0.0.1, now ") for w in warnings)


def test_speaker_context_runs_record_the_rule_data_they_read(tmp_path: Path) -> None:
    run = train_run(tmp_path, "data=fixture", "data.context=speaker", "eval.bootstrap.resamples=20")
    files = json.loads((run / "provenance.json").read_text())["data_files"]
    assert any(name.endswith("data/speakers/lexicon.yaml") for name in files)
    assert any(name.endswith("tests/fixtures/corpus/sentences.jsonl") for name in files)
