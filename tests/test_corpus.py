"""Reading a corpus through the record schema: the bundled corpus for every task, users' files (JSONL and CSV, with
or without a byte-order mark), one-line problems, and the annotated-corpus reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.config import PROJECT_ROOT
from src.data.corpus import load_corpus, read_annotated_corpus
from src.data.schema import compose_options
from src.data.splits import make_splits
from src.errors import DataError
from src.tasks import Head, task_from_config
from tests.conftest import FIXTURE_CORPUS

CORPUS = PROJECT_ROOT / "data" / "corpus"
STANCE = Head(
    "primary_stance", "primary_stance", ("cooperative", "threat_framing", "human_rights_concern", "none")
)
MULTI = Head("stance", "stance", ("cooperative", "threat_framing", "human_rights_concern"), multilabel=True)
BOM = b"\xef\xbb\xbf"


def _rows(path, doc_id):
    return [
        r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r["doc_id"] == doc_id
    ]


def _fixture_rows() -> list[dict]:
    return [json.loads(line) for line in (FIXTURE_CORPUS / "sentences.jsonl").read_text("utf-8").splitlines()]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _error(path: Path, heads=(STANCE,)) -> str:
    with pytest.raises(DataError) as info:
        load_corpus(path, heads)
    return str(info.value)


@pytest.mark.parametrize("task", ["stance", "stance_multilabel", "speaker_role", "multitask"])
def test_bundled_corpus_loads_for_every_task(task):
    heads = task_from_config(compose_options("task", names=[task])[task]).heads
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


def test_jsonl_with_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(BOM + (FIXTURE_CORPUS / "sentences.jsonl").read_bytes())
    corpus = load_corpus(path, (STANCE,))
    assert corpus.sentences["id"] == [r["id"] for r in _fixture_rows()]


def test_csv_with_byte_order_mark_is_read(tmp_path):
    # As a spreadsheet exports it: BOM, CRLF line ends, lists joined by "|".
    path = tmp_path / "s.csv"
    text = (
        "id,doc_id,text,stance\r\n1,d1,Allies met.,cooperative|threat_framing\r\n2,d1,Nothing happened.,\r\n"
    )
    path.write_bytes(BOM + text.encode("utf-8"))
    corpus = load_corpus(path, (MULTI,))
    assert corpus.sentences["id"] == ["1", "2"]
    assert corpus.sentences["stance"] == [["cooperative", "threat_framing"], []]
    assert corpus.sentences["sent_idx"] == [0, 1]


def test_users_files_need_only_ids_text_and_the_task_fields(tmp_path):
    rows = [
        {"id": 1, "doc_id": "d1", "text": "Allies met.", "primary_stance": "cooperative", "source_url": "x"},
        {"id": 2, "doc_id": "d1", "text": "Nothing else.", "primary_stance": "none", "speaker_mention": None},
    ]
    corpus = load_corpus(_write(tmp_path / "s.jsonl", rows), (STANCE,))
    assert corpus.sentences["id"] == ["1", "2"] and corpus.sentences["sent_idx"] == [0, 1]


def test_a_string_stance_is_reported_even_when_the_task_does_not_use_it(tmp_path):
    rows = _fixture_rows()
    rows[2]["stance"] = "cooperative"
    assert _error(_write(tmp_path / "s.jsonl", rows)) == (
        f"{tmp_path / 's.jsonl'}:3: stance: expected a list of labels (strings), got 'cooperative'"
    )


def test_a_type_error_is_one_line_with_file_line_and_field(tmp_path):
    rows = _fixture_rows()
    rows[6]["sent_idx"] = "seven"
    message = _error(_write(tmp_path / "s.jsonl", rows))
    assert message == f"{tmp_path / 's.jsonl'}:7: sent_idx: expected an integer >= 0, got 'seven'"
    assert "\n" not in message and "pydantic" not in message.lower()


def test_a_head_on_a_new_field_checks_its_labels(tmp_path):
    role = Head("role", "role", ("a", "b"))
    rows = [
        {"id": "1", "doc_id": "d", "text": "One.", "role": "a"},
        {"id": "2", "doc_id": "d", "text": "Two."},
    ]
    assert _error(_write(tmp_path / "s.jsonl", rows), (role,)).endswith(":2: role: missing required field")
    rows[1]["role"] = "c"
    assert _error(_write(tmp_path / "s.jsonl", rows), (role,)).endswith(
        ":2: role: unknown label 'c'; allowed labels: a, b"
    )


def test_documents_are_type_checked_and_may_carry_further_fields(tmp_path):
    documents = tmp_path / "d.jsonl"
    _write(documents, [{"doc_id": "fx-01", "source": "format_suite", "format": "press_release"}])
    rows = [r for r in _fixture_rows() if r["doc_id"] == "fx-01"]
    corpus = load_corpus(_write(tmp_path / "s.jsonl", rows), (STANCE,), documents)
    assert corpus.documents["fx-01"]["format"] == "press_release"
    _write(documents, [{"doc_id": "fx-01", "date": 20190402}])
    with pytest.raises(
        DataError, match=r"d.jsonl:1: date: expected a calendar date YYYY-MM-DD, got 20190402$"
    ):
        load_corpus(tmp_path / "s.jsonl", (STANCE,), documents)


def test_read_annotated_corpus(tmp_path):
    by_doc, documents = read_annotated_corpus(FIXTURE_CORPUS)
    assert list(documents) == [
        r["doc_id"] for r in map(json.loads, (FIXTURE_CORPUS / "documents.jsonl").open())
    ]
    assert by_doc["seed-000"] == _rows(FIXTURE_CORPUS / "sentences.jsonl", "seed-000")
    # Sentences come back sorted by sent_idx, whatever the file order.
    (tmp_path / "documents.jsonl").write_bytes((FIXTURE_CORPUS / "documents.jsonl").read_bytes())
    _write(tmp_path / "sentences.jsonl", list(reversed(_fixture_rows())))
    again, _ = read_annotated_corpus(tmp_path)
    assert again == by_doc and list(again) == list(reversed(list(by_doc)))


def test_read_annotated_corpus_applies_the_codebook(tmp_path):
    (tmp_path / "documents.jsonl").write_bytes((FIXTURE_CORPUS / "documents.jsonl").read_bytes())
    rows = _fixture_rows()
    rows[3]["primary_stance"] = "none"  # its stance list is not empty
    _write(tmp_path / "sentences.jsonl", rows)
    with pytest.raises(DataError, match=r"sentences.jsonl:4: primary_stance: is 'none' but stance lists"):
        read_annotated_corpus(tmp_path)
