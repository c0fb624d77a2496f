"""Read and validate a sentence corpus (JSONL, or CSV for users' own data) into a ``datasets.Dataset``.

Every problem is reported as one :class:`~src.errors.DataError` naming the file, line (or row) and field.
The bundled corpus and users' files go through exactly the same code.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.errors import DataError
from src.tasks import Head

REQUIRED_SENTENCE_FIELDS = ("id", "doc_id", "text")
# In CSV files a list-valued field (e.g. ``stance``) is written as labels joined by this separator.
CSV_LIST_SEPARATOR = "|"


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
        return raw.decode("utf-8")
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
    text = _decode(path, raw).lstrip("\ufeff")
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


def _as_label_list(value: Any, path: Path, line: int, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(CSV_LIST_SEPARATOR) if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise DataError(path, line, name, f"expected a list of labels, got {value!r}")


def _check_label(value: Any, head: Head, path: Path, line: int) -> Any:
    allowed = ", ".join(head.labels)
    if head.multilabel:
        labels = _as_label_list(value, path, line, head.field)
        for label in labels:
            if label not in head.labels:
                raise DataError(path, line, head.field, f"unknown label {label!r}; allowed labels: {allowed}")
        if len(set(labels)) != len(labels):
            raise DataError(path, line, head.field, f"label listed twice in {labels}")
        return labels
    if value is None or value == "":
        raise DataError(path, line, head.field, f"missing label; allowed labels: {allowed}")
    if not isinstance(value, str) or value not in head.labels:
        raise DataError(path, line, head.field, f"unknown label {value!r}; allowed labels: {allowed}")
    return value


def validate_sentences(path: str | Path, heads: Sequence[Head]) -> list[dict[str, Any]]:
    """Read and validate sentence records for the given heads.

    Only the fields the heads need are required beyond ``id``, ``doc_id`` and ``text``; other columns are kept.

    Returns:
        Records in file order, with list-valued label fields normalized to lists and ``sent_idx`` filled in
        (file order within the document) when absent.
    """
    path = Path(path)
    rows: list[dict[str, Any]] = []
    first_line_of_id: dict[str, int] = {}
    position_in_doc: dict[str, int] = {}
    for line, record in read_records(path, "sentences file"):
        for name in REQUIRED_SENTENCE_FIELDS + tuple(h.field for h in heads):
            if name not in record:
                raise DataError(path, line, name, "missing required field")
        for name in ("id", "doc_id"):
            value = record[name]
            if value is None or not str(value).strip():
                raise DataError(path, line, name, "empty value")
            record[name] = str(value)
        text = record["text"]
        if not isinstance(text, str) or not text.strip():
            raise DataError(path, line, "text", "empty or whitespace-only text")
        if record["id"] in first_line_of_id:
            raise DataError(
                path,
                line,
                "id",
                f"duplicate sentence id {record['id']!r} (first seen on line {first_line_of_id[record['id']]})",
            )
        first_line_of_id[record["id"]] = line
        for head in heads:
            record[head.field] = _check_label(record.get(head.field), head, path, line)
        index = record.get("sent_idx")
        if index is None:
            record["sent_idx"] = position_in_doc.get(record["doc_id"], 0)
        else:
            try:
                record["sent_idx"] = int(index)
            except (TypeError, ValueError):
                raise DataError(path, line, "sent_idx", f"expected an integer, got {index!r}") from None
        position_in_doc[record["doc_id"]] = record["sent_idx"] + 1
        record["_line"] = line
        rows.append(record)
    if not rows:
        raise DataError(path, None, None, "no sentences in file")
    return rows


def validate_documents(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read document metadata (``doc_id`` required and unique; ``source`` marks the seed article)."""
    path = Path(path)
    documents: dict[str, dict[str, Any]] = {}
    for line, record in read_records(path, "documents file"):
        doc_id = record.get("doc_id")
        if doc_id is None or not str(doc_id).strip():
            raise DataError(path, line, "doc_id", "missing required field")
        doc_id = str(doc_id)
        if doc_id in documents:
            raise DataError(path, line, "doc_id", f"duplicate document id {doc_id!r}")
        documents[doc_id] = {**record, "doc_id": doc_id, "_line": line}
    return documents


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
        contexts=build_contexts(context, docs, texts, corpus.documents),
        context=context,
        labels={h.name: subset[h.field] for h in heads},
        ids=subset["id"],
    )
