"""Labelling new articles with a saved run: Python API, CLI, article profile, safe loading, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from src.config import PROJECT_ROOT
from src.errors import DataError, ModelError
from src.labelling.labeller import load_labeller, stance_profile
from tests.conftest import train_run

SEED_RAW = PROJECT_ROOT / "data" / "corpus" / "raw" / "seed-000.txt"
SEED_GOLD = [
    r
    for r in map(json.loads, (PROJECT_ROOT / "data/corpus/sentences.jsonl").read_text().splitlines())
    if r["doc_id"] == "seed-000"
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A TF-IDF multitask run (stance + speaker role) trained on the fixture corpus."""
    return train_run(tmp_path_factory.mktemp("predict"), "data=fixture", "task=multitask")


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "src.predict", *args], cwd=PROJECT_ROOT, input=stdin, capture_output=True
    )


def test_api_labels_the_seed_article(run_dir):
    labeller = load_labeller(run_dir)
    records = labeller.predict_article(SEED_RAW.read_text(encoding="utf-8"))
    assert [r["text"] for r in records] == [g["text"] for g in SEED_GOLD]
    allowed_stance = {"cooperative", "threat_framing", "human_rights_concern", "none"}
    for record in records:
        assert record["primary_stance"] in allowed_stance
        assert sum(record["primary_stance_probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
        assert record["speaker_role"] in labeller.model.heads[1].labels
        assert isinstance(record["speaker"], str) and record["speaker"]
    assert records[6]["speaker"] == "Antony Blinken"
    assert records[7]["speaker"] == "Antony Blinken"  # "He also said ..." resolves to the previous speaker
    profile = stance_profile(records)
    assert profile["sentences"] == len(SEED_GOLD)
    assert sum(profile["stance"].values()) == len(SEED_GOLD)
    assert "Antony Blinken" in profile["by_speaker"]


def test_api_predict_on_sentences(run_dir):
    out = load_labeller(run_dir / "model").predict(
        ["Tokyo and Manila signed a defense pact.", "The talks ended."]
    )
    assert len(out) == 2 and set(out[0]["labels"]) == {"primary_stance", "speaker_role"}


def test_predictions_of_loaded_model_equal_the_runs_stored_predictions(run_dir):
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    predicted = load_labeller(run_dir).predict([r["text"] for r in rows])
    assert [p["labels"] for p in predicted] == [r["pred"] for r in rows]


def test_cli_jsonl_to_file_with_profile(run_dir, tmp_path):
    out = tmp_path / "labels.jsonl"
    done = _cli(f"model_dir={run_dir}", f"input={SEED_RAW}", "format=jsonl", f"output={out}")
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["text"] for r in records] == [g["text"] for g in SEED_GOLD]
    assert {"article", "primary_stance", "speaker", "speaker_mention", "speaker_role", "role_source"} <= set(
        records[0]
    )
    assert {r["role_source"] for r in records} <= {"turn", "mention", "issuer", "classifier"}
    assert b"Profile of" in done.stderr


def test_cli_glob_stdin_csv_and_table(run_dir, tmp_path):
    for name in ("a.txt", "b.txt"):
        shutil.copy(SEED_RAW, tmp_path / name)
    done = _cli(f"model_dir={run_dir}", f"input={tmp_path}/*.txt", "format=csv", "profile=false")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert lines[0].startswith("article,index,turn,text") and len(lines) == 1 + 2 * len(SEED_GOLD)
    done = _cli(f"model_dir={run_dir}", "format=table", stdin=SEED_RAW.read_bytes())
    assert done.returncode == 0 and b"<stdin>" in done.stdout and b"Profile of <stdin>" in done.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00data", "binary"),
        (b"Allies met.\nTokyo \xff\xfe said so.\n", "UTF-8"),
    ],
)
def test_cli_bad_input_files(run_dir, tmp_path, content, message):
    bad, out = tmp_path / "bad.txt", tmp_path / "out.jsonl"
    bad.write_bytes(content)
    done = _cli(f"model_dir={run_dir}", f"input={bad}", "format=jsonl", f"output={out}")
    stderr = done.stderr.decode()
    assert done.returncode == 2
    assert stderr.startswith(f"error: {bad}") and message in stderr and len(stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl*"))


def test_a_single_one_megabyte_line_is_handled(run_dir, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(("The allies met again and agreed to talk. " * 26000)[:1_000_000], encoding="utf-8")
    done = _cli(
        f"model_dir={run_dir}",
        f"input={big}",
        "format=jsonl",
        f"output={tmp_path / 'o.jsonl'}",
        "profile=false",
    )
    # A text without line breaks is all headline: one sentence, labelled like any other.
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert len(records) == 1 and len(records[0]["text"]) == 1_000_000


def test_an_output_directory_that_cannot_be_created_is_one_line(run_dir, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    done = _cli(
        f"model_dir={run_dir}", f"input={SEED_RAW}", "format=jsonl", f"output={blocker / 'sub' / 'o.jsonl'}"
    )
    stderr = done.stderr.decode()
    assert done.returncode == 2 and stderr.startswith("error: ") and "output" in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr


def test_model_dir_with_missing_files(run_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(run_dir / "model", broken)
    (broken / "speaker_role.skops").unlink()
    with pytest.raises(ModelError, match="speaker_role.skops: missing"):
        load_labeller(broken)
    done = _cli(f"model_dir={broken}", f"input={SEED_RAW}")
    assert (
        done.returncode == 2
        and b"speaker_role.skops: missing" in done.stderr
        and b"Traceback" not in done.stderr
    )


def test_model_dir_from_an_incompatible_version(run_dir, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(run_dir / "model", old)
    meta = json.loads((old / "model_meta.json").read_text())
    meta.update(format_version=99, package_version="9.0.0")
    (old / "model_meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="written by diplostance 9.0.0"):
        load_labeller(old)


def test_tampered_model_file_is_refused(run_dir, tmp_path):
    import skops.io as sio

    tampered = tmp_path / "tampered"
    shutil.copytree(run_dir / "model", tampered)
    sio.dump({"payload": Path("/etc/passwd")}, tampered / "primary_stance.skops")
    with pytest.raises(ModelError, match="untrusted types"):
        load_labeller(tampered)
    (tampered / "primary_stance.skops").write_bytes(b"not a zip file")
    with pytest.raises(ModelError, match="not a readable skops file"):
        load_labeller(tampered)


def test_missing_model_dir_and_no_input_match(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        load_labeller(tmp_path / "nothing")
    from src.labelling.cli import input_paths

    with pytest.raises(DataError, match="matches no file"):
        input_paths(str(tmp_path / "*.none"))


def test_rescore_validates_labels_against_the_saved_model(run_dir, tmp_path):
    from sklearn.metrics import accuracy_score, f1_score

    from src.rescore import rescore

    result = rescore(run_dir, PROJECT_ROOT / "tests/fixtures/corpus/sentences.jsonl")
    # The known answer: the saved model's own predictions on every fixture sentence, scored by scikit-learn.
    gold = [
        json.loads(line)
        for line in (PROJECT_ROOT / "tests/fixtures/corpus/sentences.jsonl").read_text().splitlines()
    ]
    predicted = [p["labels"] for p in load_labeller(run_dir).predict([g["text"] for g in gold])]
    stance_true, stance_pred = [g["primary_stance"] for g in gold], [p["primary_stance"] for p in predicted]
    labels = sorted(set(stance_true) | set(stance_pred))
    assert result.scalars["rescore/primary_stance/macro_f1"] == pytest.approx(
        f1_score(stance_true, stance_pred, labels=labels, average="macro")
    )
    assert result.scalars["rescore/speaker_role/accuracy"] == pytest.approx(
        accuracy_score([g["speaker_role"] for g in gold], [p["speaker_role"] for p in predicted])
    )
    rows = (PROJECT_ROOT / "tests/fixtures/corpus/sentences.jsonl").read_text().splitlines()
    rows[8] = rows[8].replace('"speaker_role": "', '"speaker_role": "journalist_', 1)
    bad = tmp_path / "relabelled.jsonl"
    bad.write_text("\n".join(rows) + "\n")
    with pytest.raises(
        DataError,
        match=r"relabelled.jsonl:9: speaker_role: unknown label 'journalist_.*allowed labels: us_gov",
    ):
        rescore(run_dir, bad)


def test_split_by_length_keeps_order_and_covers_every_text():
    from src.labelling.labeller import MIN_CHARS_PER_WORKER, split_by_length

    texts = ["x" * n for n in (30_000, 500, 12_000, 40_000, 7_000, 9_000)]
    shares = split_by_length(texts, 3)
    assert [i for share in shares for i in share] == list(range(len(texts)))
    assert 1 < len(shares) <= 3
    assert split_by_length(["short", "texts"], 4) == [range(0, 2)]  # too little text for a second process
    assert (
        len(split_by_length(["x" * MIN_CHARS_PER_WORKER] * 3, 8)) == 3
    )  # never more shares than texts allow
    assert split_by_length([], 2) == []


def test_parallel_labelling_equals_one_process(run_dir):
    """Two processes give exactly the records of one, in input order, and the worker survives repeated calls."""
    from src.labelling.labeller import MIN_CHARS_PER_WORKER

    raws = sorted((PROJECT_ROOT / "data" / "corpus" / "raw").glob("*.txt"))[:40]
    texts = [p.read_text(encoding="utf-8") for p in raws]
    assert sum(map(len, texts)) > 2 * MIN_CHARS_PER_WORKER
    expected = load_labeller(run_dir, workers=1).predict_articles(texts)
    with load_labeller(run_dir, workers=2) as labeller:
        assert labeller.predict_articles(texts) == expected
        assert labeller._pool is not None  # the work really was shared
        assert labeller.predict_articles(texts[::-1]) == expected[::-1]
    assert labeller._pool is None


def test_data_error_survives_a_process_boundary():
    import pickle

    error = pickle.loads(pickle.dumps(DataError("a.txt", 3, "text", "is empty")))
    assert str(error) == "a.txt:3: text: is empty" and error.line == 3


def test_torch_families_label_in_one_process_tfidf_in_every_core(run_dir):
    from src.labelling.labeller import available_cores, default_workers
    from src.models.transformer import TransformerModel

    assert load_labeller(run_dir).workers == available_cores()
    assert default_workers(TransformerModel(heads=[])) == 1


def _die(*args):
    os._exit(1)


def test_a_dead_worker_costs_speed_not_records(run_dir, monkeypatch):
    import src.labelling.labeller

    raws = sorted((PROJECT_ROOT / "data" / "corpus" / "raw").glob("*.txt"))[:30]
    texts = [p.read_text(encoding="utf-8") for p in raws]
    expected = load_labeller(run_dir, workers=1).predict_articles(texts)
    monkeypatch.setattr(src.labelling.labeller, "_label_in_worker", _die)
    with load_labeller(run_dir, workers=2) as labeller, pytest.warns(UserWarning, match="worker died"):
        assert labeller.predict_articles(texts) == expected
