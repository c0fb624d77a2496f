"""Whole archives: article tables in (JSONL, CSV, Parquet), partitioned resumable output, the Dask engine."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from src.config import CONFIG_DIR, PROJECT_ROOT
from src.errors import ConfigError, DataError
from src.labelling import load_labeller
from src.labelling.cli import predict
from tests.conftest import train_run

RAW = sorted((PROJECT_ROOT / "data" / "corpus" / "raw").glob("*.txt"))[:5]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A TF-IDF multitask run (stance + speaker role) trained on the fixture corpus."""
    return train_run(tmp_path_factory.mktemp("archive"), "data=fixture", "task=multitask")


def _rows() -> list[dict]:
    """Five real articles with metadata, an empty text and a number where the text should be."""
    rows = [
        {
            "id": f"a{i}",
            "text": path.read_text(encoding="utf-8"),
            "source": "Ministry of Foreign Affairs of Japan" if i % 2 else "DW",
            "date": f"2023-0{i + 1}-15",
            "url": f"https://example.org/{i}",
        }
        for i, path in enumerate(RAW)
    ]
    rows.insert(2, {"id": "blank", "text": "  ", "source": "DW", "date": "2023-01-01", "url": ""})
    rows.append({"id": "number", "text": 7, "source": "DW", "date": "2023-01-01", "url": ""})
    return rows


def write_table(rows: list[dict], path: Path) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            # CSV has no numbers: the non-string row becomes an empty text here.
            writer.writerows({**r, "text": r["text"] if isinstance(r["text"], str) else ""} for r in rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(
            [{**r, "text": r["text"] if isinstance(r["text"], str) else None} for r in rows]
        )
        pq.write_table(table, path, row_group_size=3)
    return path


def predict_cfg(run_dir: Path, *overrides: str):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("predict", overrides=[f"model_dir={run_dir}", "profile=false", *overrides])


def read_output(out: Path) -> list[dict]:
    """Every record of an output directory, partition by partition."""
    manifest = json.loads((out / "_manifest.json").read_text())
    records = []
    for entry in manifest["partitions"].values():
        path = out / entry["file"]
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            records += pq.read_table(path).to_pylist()
        else:
            records += [json.loads(line) for line in path.read_text().splitlines()]
    return records


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_each_table_format_labels_like_the_labeller_and_carries_metadata(run_dir, tmp_path, suffix):
    table = write_table(_rows(), tmp_path / f"articles{suffix}")
    out = tmp_path / "out"
    manifest = predict(
        predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl", "partition_rows=3")
    )
    assert manifest.complete and len(manifest.partitions) == 3  # 7 rows, 3 per partition
    records = read_output(out)
    expected = load_labeller(run_dir, workers=1).predict_articles(
        [p.read_text(encoding="utf-8") for p in RAW],
        documents=[{"publisher": r["source"], "date": r["date"]} for r in _rows() if r["id"].startswith("a")],
    )
    assert [{k: r[k] for k in expected[0][0]} for r in records] == [
        r for article in expected for r in article
    ]
    first = next(r for r in records if r["article"] == "a1")
    assert first["source"] == "Ministry of Foreign Affairs of Japan" and first["date"] == "2023-02-15"
    assert first["url"] == "https://example.org/1" and first["title"] is None
    assert {r["article"] for r in records} == {f"a{i}" for i in range(5)}
    skips = [s for p in manifest.partitions.values() for s in p["skipped_rows"]]
    # Rows are JSONL lines, CSV rows with the header as row 1, Parquet rows from 1.
    blank_row = {".jsonl": 3, ".csv": 4, ".parquet": 3}[suffix]
    assert manifest.partitions["0000-articles-00000"]["skipped"] == 1 and skips[0]["row"] == blank_row
    assert sum(p["skipped"] for p in manifest.partitions.values()) == 2
    assert json.loads((out / "_manifest.json").read_text())["totals"]["skipped"] == 2


def test_parquet_output_has_one_schema_across_partitions(run_dir, tmp_path):
    import pyarrow.parquet as pq

    table = write_table(_rows(), tmp_path / "articles.jsonl")
    out = tmp_path / "out"
    predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=parquet", "partition_rows=2"))
    files = sorted(out.glob("*.parquet"))
    assert len(files) == 4 and len({str(pq.read_schema(f)) for f in files}) == 1
    schema = pq.read_schema(files[0])
    assert schema.field("primary_stance_probabilities").type.num_fields == 4
    assert pq.read_table(out).num_rows == len(read_output(out)) > 0  # the directory reads as one dataset


def test_title_column_becomes_the_headline(run_dir, tmp_path):
    body = "Tokyo and Manila signed a reciprocal access agreement on Tuesday.\n\nThe deal takes effect next year."
    table = write_table([{"id": "x", "title": "Allies sign a pact", "text": body}], tmp_path / "t.jsonl")
    out = tmp_path / "out"
    predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl"))
    records = read_output(out)
    assert records[0]["text"] == "Allies sign a pact" and records[0]["title"] == "Allies sign a pact"
    assert records[1]["text"].startswith("Tokyo and Manila")


def test_rerun_skips_finished_partitions_and_redoes_a_deleted_one(run_dir, tmp_path):
    table = write_table(_rows(), tmp_path / "articles.parquet")
    out = tmp_path / "out"
    cfg = predict_cfg(run_dir, f"input={table}", f"output={out}", "format=parquet", "partition_rows=2")
    predict(cfg)
    files = sorted(out.glob("*.parquet"))
    before = {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in files}
    files[1].unlink()
    manifest = json.loads((out / "_manifest.json").read_text())
    del manifest["partitions"][files[2].stem]  # a partition whose manifest entry never got written
    (out / "_manifest.json").write_text(json.dumps(manifest))
    (out / ".0000-articles-00003.parquet.tmp").write_bytes(b"half a file")  # left by a crash
    predict(cfg)
    after = {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in sorted(out.glob("*.parquet"))}
    assert set(after) == set(before)
    assert after[files[0].name] == before[files[0].name]  # untouched
    assert after[files[1].name][0] != before[files[1].name][0]  # redone ...
    assert after[files[1].name][1] == before[files[1].name][1]  # ... to the same content
    assert after[files[2].name][0] != before[files[2].name][0]
    assert not list(out.glob(".*"))
    assert json.loads((out / "_manifest.json").read_text())["complete"] is True


def test_another_model_input_or_setting_is_refused(run_dir, tmp_path):
    table = write_table(_rows(), tmp_path / "articles.jsonl")
    out = tmp_path / "out"
    predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl"))
    other = tmp_path / "other_model"
    shutil.copytree(run_dir / "model", other)
    meta = json.loads((other / "model_meta.json").read_text())
    meta["thresholds"] = {"x": 0.3}
    (other / "model_meta.json").write_text(json.dumps(meta))
    snapshot = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    with pytest.raises(
        DataError, match="_manifest.json: model: this directory holds labels from another model"
    ):
        predict(predict_cfg(other, f"input={table}", f"output={out}", "format=jsonl"))
    with pytest.raises(
        DataError, match="partition_rows: this directory was labelled with partition_rows=1000"
    ):
        predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl", "partition_rows=2"))
    with table.open("a") as handle:
        handle.write(json.dumps({"id": "new", "text": "Allies met."}) + "\n")
    with pytest.raises(DataError, match="input: this directory holds labels of other input"):
        predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl"))
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == snapshot
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="holds files but no _manifest.json"):
        predict(predict_cfg(run_dir, f"input={table}", f"output={stranger}", "format=jsonl"))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "t.csv",
            "id,body\n1,Allies met.\n",
            r"t.csv: columns.text=text: no such column; the table has: id, body",
        ),
        (
            "t.jsonl",
            '{"id": 1, "body": "Allies met."}\n',
            r"t.jsonl: columns.text=text: no such column; the table has: id, body",
        ),
        ("t.parquet", "id,text\n1,not parquet\n", r"t.parquet: not a Parquet file"),
        ("t.jsonl", '{"id": 1, "text": "Allies met."}\n{"id": 2, "text": \n', r"t.jsonl:2: not valid JSON"),
    ],
)
def test_bad_tables_are_one_line_and_leave_nothing(run_dir, tmp_path, name, content, message):
    table = tmp_path / name
    table.write_text(content)
    out = tmp_path / "out"
    with pytest.raises(DataError, match=message):
        predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl"))
    # Whole-table problems are found before the output directory is made.
    assert not out.exists() or name == "t.jsonl" and "JSON" in message


def test_cli_reports_a_missing_text_column_in_one_line(run_dir, tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("id,body\n1,Allies met.\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "src.predict",
            f"model_dir={run_dir}",
            f"input={table}",
            f"output={tmp_path / 'o'}",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stderr.startswith(
        f"error: {table}: columns.text=text: no such column"
    )
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_article_files_into_an_output_directory(run_dir, tmp_path):
    for path in RAW[:3]:
        shutil.copy(path, tmp_path / path.name)
    out = tmp_path / "out"
    manifest = predict(
        predict_cfg(run_dir, f"input={tmp_path}/*.txt", f"output={out}/", "format=jsonl", "partition_rows=2")
    )
    assert sorted(manifest.partitions) == ["articles-00000", "articles-00001"]
    records = read_output(out)
    assert {r["article"] for r in records} == {str(tmp_path / p.name) for p in RAW[:3]}


def test_dask_engine_writes_the_same_records_as_the_local_engine(run_dir, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from src.labelling.archive import LabellerSpec

    loads = []
    original = LabellerSpec.load
    monkeypatch.setattr(
        LabellerSpec, "load", lambda self, workers: loads.append(workers) or original(self, workers)
    )
    table = write_table(_rows(), tmp_path / "articles.jsonl")
    common = [f"input={table}", "format=parquet", "partition_rows=2"]
    predict(predict_cfg(run_dir, *common, f"output={tmp_path / 'local'}", "engine=local"))
    manifest = predict(
        predict_cfg(
            run_dir,
            *common,
            f"output={tmp_path / 'dask'}",
            "engine=dask",
            "dask.n_workers=2",
            "dask.processes=false",
        )
    )
    assert manifest.complete and len(manifest.partitions) == 4
    # The local engine loaded the model once; each of the two Dask workers at most once, not once per partition.
    assert loads[0] is None and 1 <= len(loads[1:]) <= 2 and set(loads[1:]) == {1}
    assert read_output(tmp_path / "dask") == read_output(tmp_path / "local")
    local = json.loads((tmp_path / "local" / "_manifest.json").read_text())["partitions"]
    assert manifest.partitions == local  # same counts, skips and file sizes per partition


def test_an_unreachable_dask_scheduler_is_one_error_and_writes_nothing(run_dir, tmp_path):
    pytest.importorskip("distributed")
    table = write_table(_rows()[:2], tmp_path / "articles.jsonl")
    out = tmp_path / "out"
    cfg = predict_cfg(
        run_dir,
        f"input={table}",
        f"output={out}",
        "engine=dask",
        "dask.address=tcp://127.0.0.1:9",
        "dask.timeout=1",
    )
    with pytest.raises(
        ConfigError, match=r"dask.address: cannot reach the Dask scheduler at tcp://127.0.0.1:9"
    ):
        predict(cfg)
    assert not out.exists()


def test_a_table_needs_an_output_directory_and_a_directory_format(run_dir, tmp_path):
    table = write_table(_rows()[:1], tmp_path / "articles.jsonl")
    with pytest.raises(ConfigError, match="output: article tables and format=parquet need output=DIR"):
        predict(predict_cfg(run_dir, f"input={table}"))
    with pytest.raises(
        ConfigError, match="format: an output directory is written as parquet or jsonl, not csv"
    ):
        predict(predict_cfg(run_dir, f"input={table}", f"output={tmp_path / 'o'}", "format=csv"))


def test_html_in_a_text_column_is_parsed_as_html(run_dir, tmp_path):
    page = (
        "<html><body><nav>Home | World | Asia</nav><h1>Allies sign a pact</h1>"
        "<p>Tokyo and Manila signed an agreement on Tuesday. It takes effect next year.</p></body></html>"
    )
    table = write_table([{"id": "h", "text": page}], tmp_path / "t.csv")
    out = tmp_path / "out"
    predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "format=jsonl"))
    texts = [r["text"] for r in read_output(out)]
    assert texts == [
        "Allies sign a pact",
        "Tokyo and Manila signed an agreement on Tuesday.",
        "It takes effect next year.",
    ]


def test_a_table_that_is_not_utf8_is_one_line(run_dir, tmp_path):
    table = tmp_path / "t.csv"
    table.write_bytes(b"id,text\n1,Allies met in Tokyo.\n2,Caf\xe9 talks\n")
    with pytest.raises(DataError, match=r"t.csv: not valid UTF-8"):
        predict(predict_cfg(run_dir, f"input={table}", f"output={tmp_path / 'out'}"))
    table.write_bytes(b"id,t\xffxt\n1,Allies met.\n")
    with pytest.raises(DataError, match=r"t.csv: not valid UTF-8"):
        predict(predict_cfg(run_dir, f"input={table}", f"output={tmp_path / 'out2'}"))
    assert not (tmp_path / "out2").exists()


def test_profile_at_the_end_of_a_run_and_a_table_of_skipped_rows_only(run_dir, tmp_path, capsys):
    table = write_table(_rows(), tmp_path / "articles.jsonl")
    out = tmp_path / "out"
    predict(predict_cfg(run_dir, f"input={table}", f"output={out}", "profile=true"))
    assert "Stance share by speaker role" in capsys.readouterr().out
    assert (out / "_profile" / "by_role.csv").is_file() and list(out.glob("*.parquet"))
    empty = write_table([{"id": "e", "text": ""}], tmp_path / "empty.jsonl")
    manifest = predict(predict_cfg(run_dir, f"input={empty}", f"output={tmp_path / 'o2'}", "profile=true"))
    assert manifest.complete and json.loads((tmp_path / "o2" / "_manifest.json").read_text())["totals"] == {
        "articles": 0,
        "sentences": 0,
        "skipped": 1,
    }
    assert "no profile" in capsys.readouterr().err
