"""Article tables in: JSONL, CSV and Parquet files of articles, read as a stream of partitions.

A table has one article per row: its text (plain or HTML, detected per article as for files) and what is known of
it (id, title, source, date, url, genre, author) under configurable column names (``columns.*``). Rows are read
``partition_rows`` at a time and never all at once, so a table of any size labels in bounded memory. A row whose
text is missing, empty or not a string is skipped and reported (file, row, reason), never a crash; a table without
the text column, a malformed JSON line or a file that is not Parquet stops with one line.

Plain text and HTML files (one article each) are grouped into partitions the same way, so that every input gives
the same partitioned, resumable output (see :mod:`src.labelling.archive`).
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from src.errors import DataError

TABLE_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# What an article carries besides its text, in output order; `columns.<name>` names each one's column.
METADATA_FIELDS = ("title", "source", "date", "url", "genre", "author")
# Of those, what the speaker package reads (see src.speakers.attribute_document): the source is the publisher.
SPEAKER_OPTIONS = {"source": "publisher", "date": "date", "genre": "genre", "author": "author"}
# Skipped rows listed by row number in the manifest, per partition (all are counted).
LISTED_SKIPS = 20


def is_table(path: str | Path) -> bool:
    """Whether ``path`` is an article table (by its suffix) rather than one article."""
    return str(path) != "-" and Path(path).suffix.lower() in TABLE_FORMATS


@dataclass
class Partition:
    """Up to ``partition_rows`` articles of one input, with what it skipped.

    Attributes:
        name: Stable name of the partition (its output file's stem): the input's position and name, and the
            partition's position within it.
        source: The input file.
        articles: Per article: ``article`` (the id) and the metadata fields.
        texts: Per article, the raw text handed to ingestion (title first when the text lacks it).
        rows: Per article, its row in the table (None for article files).
        skipped: ``(row, reason)`` for each row not labelled.
    """

    name: str
    source: str
    articles: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    rows: list[int | None] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _plain(value: Any) -> str | None:
    """A metadata cell as text: dates in ISO form, numbers as written, missing (None, NaN, "") as None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def with_title(title: str | None, text: str) -> str:
    """The article as a reader sees it: the headline first (ingestion takes the first line as the headline)."""
    if not title or text.lstrip().startswith(title):
        return text
    from src.labelling.reading import looks_like_html

    if looks_like_html(text):
        from html import escape

        return f"<h1>{escape(title)}</h1>\n{text}"
    return f"{title}\n\n{text}"


class TableReader:
    """Rows of one article table as ``(row number, {column: value})``, checking its columns first.

    Args:
        path: A ``.jsonl``, ``.csv`` or ``.parquet`` file.
        columns: ``columns.*`` of the config: the text column and the optional metadata columns.

    Raises:
        DataError: The file is missing or unreadable, is not what its suffix says, or has no text column.
    """

    def __init__(self, path: str | Path, columns: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.kind = TABLE_FORMATS[self.path.suffix.lower()]
        self.columns = dict(columns)
        if not self.path.is_file():
            raise DataError(self.path, None, None, "input table does not exist")
        self.text_column = str(self.columns["text"])
        if self.kind == "parquet":
            self._parquet = self._open_parquet()
            found = list(self._parquet.schema_arrow.names)
        elif self.kind == "csv":
            with self._decoding():
                found = self._csv_header()
        else:
            found = None  # JSONL rows each name their own fields: the first one stands for the table
            with self._decoding():
                first = next(self._jsonl_rows(), None)
            if first is not None and self.text_column not in first[1]:
                self._missing_text(list(first[1]))
        if found is not None and self.text_column not in found:
            self._missing_text(found)
        self.found = found

    def _missing_text(self, found: Sequence[str]) -> None:
        raise DataError(
            self.path,
            None,
            f"columns.text={self.text_column}",
            f"no such column; the table has: {', '.join(found) or 'no columns'} (set columns.text=NAME)",
        )

    def _open_parquet(self) -> Any:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(self.path, None, None, f"not a Parquet file ({exc})") from None

    def _csv_header(self) -> list[str]:
        with self._open_text() as handle:
            return next(csv.reader(handle), [])

    def _open_text(self) -> Any:
        return open(self.path, encoding="utf-8-sig", newline="")

    def wanted(self) -> dict[str, str]:
        """Field -> column of the fields this table has (``article`` is the id)."""
        names = {"article": self.columns.get("id"), **{f: self.columns.get(f) for f in METADATA_FIELDS}}
        return {
            name: str(column)
            for name, column in names.items()
            if column is not None and (self.found is None or column in self.found)
        }

    def rows(self, batch_rows: int = 1000) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(row, record)``: JSONL line numbers, CSV rows counting the header as row 1, Parquet rows from 1."""
        with self._decoding():
            if self.kind == "parquet":
                yield from self._parquet_rows(batch_rows)
            elif self.kind == "csv":
                yield from self._csv_rows()
            else:
                yield from self._jsonl_rows()

    @contextlib.contextmanager
    def _decoding(self) -> Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as exc:
            raise DataError(
                self.path, None, None, f"not valid UTF-8 ({exc.reason}); re-save as UTF-8"
            ) from None

    def _jsonl_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        with open(self.path, encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(self.path, number, None, f"not valid JSON ({exc.msg})") from None
                if not isinstance(record, dict):
                    raise DataError(self.path, number, None, "expected a JSON object per line")
                yield number, record

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        # Article texts run far past the csv module's default field limit of 131,072 characters.
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        with self._open_text() as handle:
            # Rows, not lines: a quoted text may span many lines. The header is row 1.
            yield from enumerate(csv.DictReader(handle), start=2)

    def _parquet_rows(self, batch_rows: int) -> Iterator[tuple[int, dict[str, Any]]]:
        import pyarrow as pa

        needed = [self.text_column, *self.wanted().values()]
        number = 0
        try:
            # Only the needed columns, a batch at a time: memory follows the batch, not the file.
            for batch in self._parquet.iter_batches(
                batch_size=batch_rows, columns=list(dict.fromkeys(needed))
            ):
                for record in batch.to_pylist():
                    number += 1
                    yield number, record
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(self.path, number + 1, None, f"unreadable Parquet data ({exc})") from None

    def num_rows(self) -> int | None:
        """Rows in the table when the file says so without reading it (Parquet), else None."""
        return self._parquet.metadata.num_rows if self.kind == "parquet" else None


def _partition_name(input_index: int, path: str, number: int) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(path).stem)[:60] or "input"
    return f"{input_index:04d}-{stem}-{number:05d}"


def table_partitions(
    path: str | Path, input_index: int, columns: Mapping[str, Any], partition_rows: int
) -> Iterator[Partition]:
    """The partitions of one article table, in row order.

    Args:
        path: The table.
        input_index: Its position among the inputs (part of the partition names).
        columns: ``columns.*`` of the config.
        partition_rows: Rows per partition (skipped rows count: partition boundaries do not depend on content).
    """
    reader = TableReader(path, columns)
    wanted = reader.wanted()
    number, current = 0, Partition(_partition_name(input_index, str(path), 0), str(path))
    rows_in_current = 0
    for row, record in reader.rows(partition_rows):
        text = record.get(reader.text_column)
        fields = {name: _plain(record.get(column)) for name, column in wanted.items()}
        fields.setdefault("article", None)
        if not fields["article"]:
            fields["article"] = f"{Path(path).name}:{row}"
        if not isinstance(text, str):
            current.skipped.append((row, f"{reader.text_column}: missing or not a string"))
        elif not text.strip():
            current.skipped.append((row, f"{reader.text_column}: empty"))
        else:
            current.articles.append({"article": fields.pop("article"), **fields})
            current.texts.append(with_title(fields.get("title"), text))
            current.rows.append(row)
        rows_in_current += 1
        if rows_in_current == partition_rows:
            yield current
            number += 1
            current = Partition(_partition_name(input_index, str(path), number), str(path))
            rows_in_current = 0
    if rows_in_current or number == 0:
        yield current


def file_partitions(paths: Sequence[str], partition_rows: int) -> Iterator[Partition]:
    """Text or HTML files (one article each, the path as its id) grouped ``partition_rows`` files at a time."""
    from src.labelling.ingest import read_article

    for number, start in enumerate(range(0, len(paths), partition_rows)):
        partition = Partition(f"articles-{number:05d}", "articles")
        for path in paths[start : start + partition_rows]:
            partition.articles.append({"article": path})
            partition.texts.append(read_article(path))
            partition.rows.append(None)
        yield partition
