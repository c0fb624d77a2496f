"""Read and validate a sentence corpus (JSONL, or CSV for users' own data) into a ``datasets.Dataset``.

Records are checked against the one schema of :mod:`src.data.schema`, fail-fast: the first problem is raised as a
:class:`~src.errors.DataError` naming the file, line (or row) and field. The bundled corpus and users' files go
through exactly the same code. A file may start with a UTF-8 byte-order mark, as spreadsheet exports do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.data.schema import LabelSets, RecordSchema, document_schema, load_label_sets, sentence_schema
from src.errors import DataError
from src.tasks import Head


@dataclass
class Corpus:
    """A validated corpus.

    Attributes:
        sentences: One row per sentence, in document order (``datasets.Dataset``).
        documents: Document metadata by ``doc_id`` (empty when no documents file was given).
        files: The data files that were read, for provenance hashes.
    """

    sentences: Any
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def read_records(path: str | Path, what: str = "data file") -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_or_row_number, record)`` from a JSONL or CSV file.

    Raises:
        DataError: The file is missing, not UTF-8, or holds a malformed line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            path, None, None, f"{what} does not exist" if not path.exists() else f"{what} is not a file"
        )
    raw = path.read_bytes()
    if path.suffix.lower() == ".csv":
        yield from _read_csv(path, raw)
    else:
        yield from _read_jsonl(path, raw)


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            path, line, None, f"not valid UTF-8 (byte {raw[exc.start]:#04x} at offset {exc.start})"
        ) from None


def _read_jsonl(path: Path, raw: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _decode(path, raw)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, number, None, f"malformed JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(record, dict):
            raise DataError(path, number, None, f"expected a JSON object, got {type(record).__name__}")
        yield number, record


def _read_csv(path: Path, raw: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    text = _decode(path, raw)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise DataError(path, 1, None, "empty CSV file (no header row)")
    row_start = 2
    for row in reader:
        if None in row:
            raise DataError(
                path,
                row_start,
                None,
                f"row has more cells than the header's {len(reader.fieldnames)} columns",
            )
        yield row_start, {k: (v if v != "" else None) for k, v in row.items()}
        row_start = reader.line_num + 1


def collect_records(
    path: str | Path, what: str = "data file"
) -> tuple[list[tuple[int, dict[str, Any]]], DataError | None]:
    """Every record :func:`read_records` yields, and the problem that stopped the reading (or ``None``).

    For readers that report every problem: the lines before a malformed one are still checked.
    """
    records: list[tuple[int, dict[str, Any]]] = []
    try:
        records.extend(read_records(path, what))
    except DataError as exc:
        tail = "" if exc.line is None else "; later lines of this file were not read"
        return records, DataError(exc.path, exc.line, exc.field, exc.problem + tail)
    return records, None


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def _check(schema: RecordSchema, path: Path, line: int, record: dict[str, Any]) -> dict[str, Any]:
    """The record with its validated values; the first problem raises."""
    values, problems = schema.check(record)
    if problems:
        name, problem = problems[0]
        raise DataError(path, line, name, problem)
    return {**record, **(values or {})}


def validate_sentences(path: str | Path, heads: Sequence[Head]) -> list[dict[str, Any]]:
    """Read and validate sentence records for the given heads (users' rules of :mod:`src.data.schema`).

    ``id``, ``doc_id``, ``text`` and the heads' fields are required; the other fields of the record are optional
    but type-checked; other columns are kept.

    Returns:
        Records in file order, with list-valued fields as lists and ``sent_idx`` filled in (file order within the
        document) when absent.

    Raises:
        DataError: The first problem, naming file, line and field.
    """
    path = Path(path)
    schema = sentence_schema(LabelSets.from_heads(heads), csv=_is_csv(path))
    rows: list[dict[str, Any]] = []
    first_line_of_id: dict[str, int] = {}
    position_in_doc: dict[str, int] = {}
    for line, raw in read_records(path, "sentences file"):
        record = _check(schema, path, line, raw)
        if record["id"] in first_line_of_id:
            raise DataError(
                path,
                line,
                "id",
                f"duplicate sentence id {record['id']!r} (first seen on line {first_line_of_id[record['id']]})",
            )
        first_line_of_id[record["id"]] = line
        if record.get("sent_idx") is None:
            record["sent_idx"] = position_in_doc.get(record["doc_id"], 0)
        position_in_doc[record["doc_id"]] = record["sent_idx"] + 1
        record["_line"] = line
        rows.append(record)
    if not rows:
        raise DataError(path, None, None, "no sentences in file")
    return rows


def validate_documents(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read document metadata (``doc_id`` required and unique; the §9.3 fields type-checked when given)."""
    path = Path(path)
    schema = document_schema(csv=_is_csv(path))
    documents: dict[str, dict[str, Any]] = {}
    for line, raw in read_records(path, "documents file"):
        record = _check(schema, path, line, raw)
        doc_id = record["doc_id"]
        if doc_id in documents:
            raise DataError(path, line, "doc_id", f"duplicate document id {doc_id!r}")
        documents[doc_id] = {**record, "_line": line}
    return documents


def read_annotated_corpus(
    corpus_dir: str | Path, labels: LabelSets | None = None
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Read an annotated corpus in the bundled format under the codebook's record rules (fail-fast).

    Args:
        corpus_dir: Folder holding ``documents.jsonl`` and ``sentences.jsonl``.
        labels: Label sets to check against; ``None`` reads them from the task configs.

    Returns:
        ``(sentences_by_doc, documents)``: each document's sentence records sorted by ``sent_idx`` (documents in
        the order the sentences file first names them), and document records by ``doc_id`` in file order.

    Raises:
        DataError: The first problem, naming file, line and field (cross-record rules are the validator's).
    """
    corpus_dir = Path(corpus_dir)
    documents_path, sentences_path = corpus_dir / "documents.jsonl", corpus_dir / "sentences.jsonl"
    document_rules = document_schema(codebook=True)
    sentence_rules = sentence_schema(labels or load_label_sets(), codebook=True)
    documents: dict[str, dict[str, Any]] = {}
    for line, record in read_records(documents_path, "documents file"):
        _check(document_rules, documents_path, line, record)
        if record["doc_id"] in documents:
            raise DataError(documents_path, line, "doc_id", f"duplicate document id {record['doc_id']!r}")
        documents[record["doc_id"]] = record
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for line, record in read_records(sentences_path, "sentences file"):
        _check(sentence_rules, sentences_path, line, record)
        if record["doc_id"] not in documents:
            raise DataError(
                sentences_path,
                line,
                "doc_id",
                f"document {record['doc_id']!r} is not in {documents_path.name}",
            )
        by_doc.setdefault(record["doc_id"], []).append(record)
    for rows in by_doc.values():
        rows.sort(key=lambda r: r["sent_idx"])
    return by_doc, documents


def load_corpus(sentences: str | Path, heads: Sequence[Head], documents: str | Path | None = None) -> Corpus:
    """Read, validate and wrap a corpus as a ``datasets.Dataset``.

    Args:
        sentences: JSONL or CSV file of sentence records.
        heads: The task's heads; their fields and label sets are validated.
        documents: Optional JSONL or CSV file of document metadata; every sentence's ``doc_id`` must be in it.

    Returns:
        The validated :class:`Corpus`.
    """
    rows = validate_sentences(sentences, heads)
    files = [Path(sentences)]
    docs: dict[str, dict[str, Any]] = {}
    if documents is not None:
        docs = validate_documents(documents)
        files.append(Path(documents))
        for row in rows:
            if row["doc_id"] not in docs:
                raise DataError(
                    sentences, row["_line"], "doc_id", f"document {row['doc_id']!r} is not in {documents}"
                )
    import datasets  # imported here: reading a corpus is the only place the training path needs it

    # Arrow needs one type per column: list-valued label columns stay lists, everything else becomes text.
    keep = {"id", "doc_id", "text", "sent_idx", *(h.field for h in heads)}
    table = [{k: v for k, v in row.items() if k in keep} for row in rows]
    return Corpus(sentences=datasets.Dataset.from_list(table), documents=docs, files=files)


def to_examples(corpus: Corpus, doc_ids: Sequence[str], heads: Sequence[Head], context: str = "none"):
    """Sentences of the given documents, in document order, as model :class:`~src.models.base.Examples`.

    Args:
        corpus: The validated corpus.
        doc_ids: Documents to include.
        heads: Heads whose gold labels to attach.
        context: A mode of :mod:`src.data.context` (``none``, ``previous`` or ``speaker``).
    """
    from src.data.context import build_contexts
    from src.models.base import Examples

    wanted = set(doc_ids)
    table = corpus.sentences
    # Plain lists: indexing a datasets column element by element is slow.
    doc_column, index_column = list(table["doc_id"]), list(table["sent_idx"])
    rank = {doc: i for i, doc in enumerate(dict.fromkeys(doc_column))}
    rows = sorted(
        (i for i, doc in enumerate(doc_column) if doc in wanted),
        key=lambda i: (rank[doc_column[i]], index_column[i]),
    )
    subset = table.select(rows)
    texts, docs = subset["text"], subset["doc_id"]
    return Examples(
        texts=texts,
        contexts=build_contexts(
            context,
            docs,
            texts,
            corpus.documents,
            raw_dir=Path(corpus.files[0]).parent / "raw" if corpus.files else None,
        ),
        context=context,
        labels={h.name: subset[h.field] for h in heads},
        ids=subset["id"],
    )
