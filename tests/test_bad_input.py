"""Every kind of bad input gets one clear message naming the file, line and field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from src.config import PROJECT_ROOT
from src.data.corpus import load_corpus
from src.data.splits import read_split_file
from src.errors import DataError
from src.tasks import Head
from tests.conftest import FIXTURE_CORPUS

STANCE = Head(
    "primary_stance", "primary_stance", ("cooperative", "threat_framing", "human_rights_concern", "none")
)
MULTI = Head("stance", "stance", ("cooperative", "threat_framing", "human_rights_concern"), multilabel=True)


def _fixture_rows() -> list[dict]:
    return [
        json.loads(line)
        for line in (FIXTURE_CORPUS / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _error(path: Path, heads=(STANCE,), documents=None) -> str:
    with pytest.raises(DataError) as info:
        load_corpus(path, heads, documents)
    return str(info.value)


def test_missing_required_column(tmp_path):
    rows = _fixture_rows()
    del rows[3]["primary_stance"]
    assert (
        _error(_write(tmp_path / "s.jsonl", rows))
        == f"{tmp_path / 's.jsonl'}:4: primary_stance: missing required field"
    )


def test_unknown_label_lists_allowed_labels(tmp_path):
    rows = _fixture_rows()
    rows[5]["primary_stance"] = "cooperation"
    message = _error(_write(tmp_path / "s.jsonl", rows))
    assert message.startswith(f"{tmp_path / 's.jsonl'}:6: primary_stance: unknown label 'cooperation'")
    assert "allowed labels: cooperative, threat_framing, human_rights_concern, none" in message


def test_unknown_label_in_multilabel_list(tmp_path):
    rows = _fixture_rows()
    rows[2]["stance"] = ["cooperative", "threat"]
    assert ":3: stance: unknown label 'threat'" in _error(_write(tmp_path / "s.jsonl", rows), heads=(MULTI,))


@pytest.mark.parametrize("text", ["", "   \t "])
def test_empty_or_whitespace_text(tmp_path, text):
    rows = _fixture_rows()
    rows[1]["text"] = text
    assert _error(_write(tmp_path / "s.jsonl", rows)).endswith(":2: text: empty or whitespace-only text")


def test_malformed_json_line(tmp_path):
    path = tmp_path / "s.jsonl"
    lines = (FIXTURE_CORPUS / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6][:-5]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"{path}:7: malformed JSON" in _error(path)


def test_file_not_utf8(tmp_path):
    path = tmp_path / "s.jsonl"
    raw = (FIXTURE_CORPUS / "sentences.jsonl").read_bytes().split(b"\n")
    raw[9] = raw[9].replace(b"the", b"th\xe9", 1)
    path.write_bytes(b"\n".join(raw))
    assert _error(path).startswith(f"{path}:10: not valid UTF-8")


def test_duplicate_sentence_ids(tmp_path):
    rows = _fixture_rows()
    rows[8]["id"] = rows[2]["id"]
    assert _error(_write(tmp_path / "s.jsonl", rows)) == (
        f"{tmp_path / 's.jsonl'}:9: id: duplicate sentence id {rows[2]['id']!r} (first seen on line 3)"
    )


def test_data_path_that_does_not_exist(tmp_path):
    assert _error(tmp_path / "nope.jsonl") == f"{tmp_path / 'nope.jsonl'}: sentences file does not exist"


def test_csv_input_with_row_numbers(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(
        "id,doc_id,text,primary_stance\n1,d1,Hello there.,none\n2,d1,Allies met.,cooperative\n3,d2,,none\n"
    )
    assert _error(path) == f"{path}:4: text: empty or whitespace-only text"
    path.write_text("id,doc_id,text,primary_stance\n1,d1,Hello there.,none\n2,d1,Allies met.,friendly\n")
    assert _error(path).startswith(f"{path}:3: primary_stance: unknown label 'friendly'")
    path.write_text("id,doc_id,text,primary_stance\n1,d1,Hello there.,none\n2,d1,Allies met.,cooperative\n")
    corpus = load_corpus(path, (STANCE,))
    assert corpus.sentences["primary_stance"] == ["none", "cooperative"]


def test_split_file_that_splits_a_document(tmp_path):
    corpus = load_corpus(FIXTURE_CORPUS / "sentences.jsonl", (STANCE,), FIXTURE_CORPUS / "documents.jsonl")
    path = tmp_path / "split.csv"
    lines = ["id,split"] + [f"{sid},train" for sid in corpus.sentences["id"]]
    victim = lines.index("fx-02-s003,train")
    lines[victim] = "fx-02-s003,test"
    path.write_text("\n".join(lines) + "\n")
    message = str(pytest.raises(DataError, read_split_file, path, corpus).value)
    assert message.startswith(f"{path}:{victim + 1}: id: document 'fx-02' is split across train (line ")
    assert "and test" in message


def _train_cli(sentences, run_dir, log_dir) -> subprocess.CompletedProcess:
    """``python -m src.train`` on a sentences file with no documents file, as a user runs it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "src.train",
            f"data.sentences={sentences}",
            "data.documents=null",
            f"hydra.run.dir={run_dir}",
            f"paths.log_dir={log_dir}",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


def test_cli_reports_one_line_and_leaves_no_finished_run(tmp_path):
    rows = _fixture_rows()
    rows[4]["primary_stance"] = "hostile"
    bad = _write(tmp_path / "bad.jsonl", rows)
    run_dir = tmp_path / "run"
    done = _train_cli(bad, run_dir, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {bad}:5: primary_stance: unknown label 'hostile'; "
        "allowed labels: cooperative, threat_framing, human_rights_concern, none"
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert not (run_dir / "metrics.json").exists() and (run_dir / "FAILED.txt").exists()
    assert not (tmp_path / "runs.csv").exists()


def test_training_split_with_one_class_is_one_line(tmp_path):
    rows = _fixture_rows()
    for row in rows:
        row["primary_stance"] = "none"
    one_class = _write(tmp_path / "one_class.jsonl", rows)
    run_dir = tmp_path / "run"
    done = _train_cli(one_class, run_dir, tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {one_class}: primary_stance: every sentence of the training split has the label 'none'; "
        "a classifier needs at least two classes to learn from"
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert not (run_dir / "metrics.json").exists() and (run_dir / "FAILED.txt").exists()
