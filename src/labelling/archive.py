"""Label a whole archive into an output directory: one file per input partition, a manifest, resumable.

    python -m src.predict model_dir=RUN input='archive/*.parquet' output=labels/ format=parquet
    python -m src.predict model_dir=RUN input=briefings.jsonl output=labels/ engine=dask dask.address=tcp://...

The output directory holds ``manifest.json`` (the package version, the model directory and a fingerprint of its
files, each input's SHA-256, the settings that shape the records, and per finished partition its counts and
skipped rows) and one ``<partition>.parquet`` or ``.jsonl`` per input partition, each written atomically. A
rerun of the same command skips the partitions the manifest lists as finished (and whose file is still there) and
labels the others; a different model, input or setting is refused instead of being mixed into the old output.

Partitions are labelled by an engine: ``local`` (this process and, for TF-IDF, one forked process per core) or
``dask`` (:mod:`src.labelling.dask_engine`). Both call :func:`label_partition`, so the files are the same record
for record whichever engine wrote them.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src import __version__
from src.errors import ConfigError, DataError
from src.labelling.tables import (
    LISTED_SKIPS,
    METADATA_FIELDS,
    SPEAKER_OPTIONS,
    Partition,
    TableReader,
    file_partitions,
    is_table,
    table_partitions,
)
from src.tracking import atomic_write_json, atomic_write_jsonl, sha256_file

# Underscore-prefixed names are skipped by Arrow, pandas and Spark when they read the directory as one dataset.
MANIFEST = "_manifest.json"
MANIFEST_VERSION = 1
# The speaker fields every record carries (src.speakers.speaker_fields), after the model's heads.
SPEAKER_FIELDS = ("speaker", "speaker_mention", "speaker_role", "role_source")
ROLE_FIELD = "speaker_role"


@dataclass(frozen=True)
class LabellerSpec:
    """How to load the labeller: picklable, so that each Dask worker loads the model itself, once."""

    model_dir: str
    quantize: str | None = None
    batch_size: int = 2048
    officeholders: tuple[str, ...] = ()

    def load(self, workers: int | None) -> Any:
        from src.labelling.labeller import load_labeller

        return load_labeller(
            self.model_dir,
            quantize=self.quantize,
            batch_size=self.batch_size,
            workers=workers,
            officeholders=list(self.officeholders),
        )


@dataclass(frozen=True)
class PartitionJob:
    """What labelling a partition needs besides the labeller: where and how to write, and the ingest options."""

    out_dir: str
    format: str
    html: bool | None = None
    genre: str | None = None
    author: str | None = None


# ----------------------------------------------------------------------------------------------------------------
# One partition
# ----------------------------------------------------------------------------------------------------------------


def output_schema(heads: Sequence[Any]) -> Any:
    """The Parquet schema of the records: fixed, so that every partition file has the same columns and types."""
    import pyarrow as pa

    def probabilities(head: Any) -> Any:
        return pa.struct([(label, pa.float64()) for label in head.labels])

    fields: list[tuple[str, Any]] = [("article", pa.string())]
    fields += [(name, pa.string()) for name in METADATA_FIELDS]
    fields += [("index", pa.int64()), ("text", pa.string()), ("turn", pa.string())]
    role_head = None
    for head in heads:
        if head.field == ROLE_FIELD:
            role_head = head
            continue
        fields.append((head.name, pa.list_(pa.string()) if head.multilabel else pa.string()))
        fields.append((f"{head.name}_probabilities", probabilities(head)))
    fields += [(name, pa.string()) for name in SPEAKER_FIELDS]
    if role_head is not None:
        fields.append((f"{ROLE_FIELD}_probabilities", probabilities(role_head)))
    return pa.schema(fields)


def write_partition(path: Path, rows: list[dict[str, Any]], fmt: str, heads: Sequence[Any]) -> None:
    """Write one partition's records atomically (a temporary sibling renamed into place)."""
    if fmt == "jsonl":
        atomic_write_jsonl(path, rows)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=output_schema(heads))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def label_partition(labeller: Any, partition: Partition, job: PartitionJob) -> dict[str, Any]:
    """Label one partition's articles and write its file; returns the partition's manifest entry.

    An article with no body sentences is skipped and listed like a bad row, so one empty page in an archive does
    not stop the run.
    """
    documents = [
        {option: article[key] for key, option in SPEAKER_OPTIONS.items() if article.get(key)}
        for article in partition.articles
    ]
    labelled = labeller.predict_articles(
        partition.texts, html=job.html, genre=job.genre, author=job.author, documents=documents
    )
    rows: list[dict[str, Any]] = []
    skipped = list(partition.skipped)
    articles = 0
    for article, row, records in zip(partition.articles, partition.rows, labelled, strict=True):
        if not records:
            skipped.append((row if row is not None else article["article"], "no body sentences found"))
            continue
        articles += 1
        carried = {"article": article["article"], **{name: article.get(name) for name in METADATA_FIELDS}}
        rows.extend({**carried, **record} for record in records)
    path = Path(job.out_dir) / f"{partition.name}.{job.format}"
    write_partition(path, rows, job.format, labeller.model.heads)
    return {
        "name": partition.name,
        "file": path.name,
        "input": partition.source,
        "articles": articles,
        "sentences": len(rows),
        "skipped": len(skipped),
        "skipped_rows": [{"row": where, "reason": reason} for where, reason in skipped[:LISTED_SKIPS]],
        "bytes": path.stat().st_size,
    }


# ----------------------------------------------------------------------------------------------------------------
# The manifest
# ----------------------------------------------------------------------------------------------------------------


def model_fingerprint(model_dir: Path) -> str:
    """SHA-256 over the model directory's files: a retrained or edited model gets another fingerprint.

    The ONNX export and its entry in ``model_meta.json`` are left out: they are derived from the weights (and
    checked against them) and may be added to the directory after labelling began.
    """
    from src.models.base import META_FILE

    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(model_dir).as_posix()
        if path.suffix == ".onnx" or any(part.startswith(".") for part in Path(relative).parts):
            continue
        if path.name == META_FILE:
            meta = json.loads(path.read_text(encoding="utf-8"))
            meta.pop("onnx", None)
            content = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()
        else:
            content = sha256_file(path)
        digest.update(f"{relative}\0{content}\n".encode())
    return digest.hexdigest()


def input_records(paths: Sequence[str]) -> list[dict[str, Any]]:
    """Each input's path, size and SHA-256 (the input fingerprint)."""
    return [
        {"path": str(Path(p).resolve()), "bytes": os.path.getsize(p), "sha256": sha256_file(p)} for p in paths
    ]


class Manifest:
    """``manifest.json`` of an output directory: what produced it, and the partitions that are finished.

    Args:
        out_dir: The output directory.
        header: Package version, model, inputs and settings of this run.
        partitions: Finished partitions by name (their :func:`label_partition` entries).
    """

    def __init__(
        self, out_dir: Path, header: dict[str, Any], partitions: dict[str, Any] | None = None
    ) -> None:
        self.out_dir = out_dir
        self.header = header
        self.partitions: dict[str, Any] = dict(partitions or {})
        self.complete = False

    @property
    def path(self) -> Path:
        return self.out_dir / MANIFEST

    @classmethod
    def open(cls, out_dir: Path, header: dict[str, Any]) -> Manifest:
        """The manifest to continue: a new one for a new or empty directory, else the existing one if it matches.

        Raises:
            DataError: ``out_dir`` is a file, holds files but no manifest, or was written by another model, from
                other input or with other settings (named in the message).
        """
        path = out_dir / MANIFEST
        if out_dir.exists() and not out_dir.is_dir():
            raise DataError(out_dir, None, "output", "exists and is not a directory")
        if not path.is_file():
            if out_dir.is_dir() and any(not p.name.startswith(".") for p in out_dir.iterdir()):
                raise DataError(
                    out_dir, None, "output", f"holds files but no {MANIFEST}; choose a new or empty directory"
                )
            return cls(out_dir, header)
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(path, None, None, f"unreadable manifest ({exc})") from None
        if old.get("manifest_version") != MANIFEST_VERSION:
            raise DataError(
                path, None, "manifest_version", f"{old.get('manifest_version')!r} is not {MANIFEST_VERSION}"
            )
        was, now = old.get("model", {}), header["model"]
        if was.get("fingerprint") != now["fingerprint"]:
            raise DataError(
                path,
                None,
                "model",
                f"this directory holds labels from another model ({was.get('dir')}, fingerprint "
                f"{str(was.get('fingerprint'))[:12]}; now {now['dir']}, {now['fingerprint'][:12]}); "
                "use a new output directory",
            )
        if old.get("input_fingerprint") != header["input_fingerprint"]:
            changed = [item["path"] for item in header["inputs"] if item not in old.get("inputs", [])] or [
                item["path"] for item in old.get("inputs", []) if item not in header["inputs"]
            ]
            raise DataError(
                path,
                None,
                "input",
                f"this directory holds labels of other input (changed or new: {', '.join(changed[:3])}); "
                "use a new output directory",
            )
        differ = sorted(
            key
            for key in set(old.get("settings", {})) | set(header["settings"])
            if old.get("settings", {}).get(key) != header["settings"].get(key)
        )
        if differ:
            shown = ", ".join(
                f"{k}={old['settings'].get(k)!r} (now {header['settings'].get(k)!r})" for k in differ
            )
            raise DataError(
                path, None, differ[0], f"this directory was labelled with {shown}; use a new output directory"
            )
        return cls(out_dir, {**header, "created": old.get("created")}, old.get("partitions", {}))

    def finished(self, name: str) -> bool:
        """Whether ``name`` is finished: listed in the manifest, its file present with the recorded size."""
        entry = self.partitions.get(name)
        if entry is None:
            return False
        path = self.out_dir / entry["file"]
        return path.is_file() and path.stat().st_size == entry["bytes"]

    def record(self, entry: dict[str, Any]) -> None:
        self.partitions[entry["name"]] = entry
        self.save()

    def save(self) -> None:
        totals = {
            key: sum(p[key] for p in self.partitions.values()) for key in ("articles", "sentences", "skipped")
        }
        atomic_write_json(
            self.path,
            {
                **self.header,
                "created": self.header.get("created") or time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "complete": self.complete,
                "totals": totals,
                "partitions": dict(sorted(self.partitions.items())),
            },
        )


# ----------------------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------------------


def partitions(paths: Sequence[str], columns: dict[str, Any], partition_rows: int) -> Iterator[Partition]:
    """Every partition of the inputs in order: each table's own, then the article files', grouped."""
    files = [p for p in paths if not is_table(p)]
    for index, path in enumerate(paths):
        if is_table(path):
            yield from table_partitions(path, index, columns, partition_rows)
    if files:
        yield from file_partitions(files, partition_rows)


Engine = Callable[[Iterable[Partition]], Iterator[dict[str, Any]]]


def local_engine(
    spec: LabellerSpec, job: PartitionJob, workers: int | None
) -> tuple[Engine, Callable[[], None]]:
    """This machine: one labeller (with its own worker processes where the family wants them)."""
    labeller = spec.load(workers)

    def run(parts: Iterable[Partition]) -> Iterator[dict[str, Any]]:
        for partition in parts:
            yield label_partition(labeller, partition, job)

    return run, labeller.close


def label_archive(
    spec: LabellerSpec,
    job: PartitionJob,
    paths: Sequence[str],
    *,
    columns: dict[str, Any],
    partition_rows: int,
    settings: dict[str, Any],
    start_engine: Callable[[], tuple[Engine, Callable[[], None]]],
    progress: bool = True,
) -> Manifest:
    """Label every unfinished partition of ``paths`` into ``job.out_dir``; returns the completed manifest.

    Everything that can be checked is checked before the output directory is touched: the model directory, the
    tables' text columns, an existing manifest's model, input and settings, and the engine (a Dask scheduler
    that cannot be reached). A failure then leaves nothing behind.

    Args:
        spec: The labeller to load (by each engine worker).
        job: Output directory and format, ingest options.
        paths: Input files (tables and article files).
        columns: ``columns.*``.
        partition_rows: Articles per partition.
        settings: The options that shape the records (stored in, and compared with, the manifest).
        start_engine: Starts the engine: returns ``(run, close)``, ``run`` labelling partitions into entries.
        progress: Show a progress bar (articles and sentences per second) on stderr.
    """
    from tqdm import tqdm

    from src.labelling.labeller import resolve_model_dir
    from src.models.base import read_meta

    if partition_rows < 1:
        raise ConfigError(f"partition_rows: must be at least 1, got {partition_rows}")
    out_dir = Path(job.out_dir)
    model_dir = resolve_model_dir(spec.model_dir)
    read_meta(model_dir)  # a missing or foreign model directory fails here, before anything is written
    # A table without its text column fails here, before anything is written.
    readers = [TableReader(p, columns) for p in paths if is_table(p)]
    inputs = input_records(paths)
    header = {
        "manifest_version": MANIFEST_VERSION,
        "package_version": __version__,
        "model": {"dir": str(model_dir.resolve()), "fingerprint": model_fingerprint(model_dir)},
        "inputs": inputs,
        "input_fingerprint": hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest(),
        "settings": settings,
    }
    manifest = Manifest.open(out_dir, header)
    run, close = start_engine()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.glob(".*"):  # temporary files of partitions a crash interrupted
            if stale.is_file():
                stale.unlink()
        manifest.save()
        # A progress total where it is known without reading the input: Parquet row counts and article files.
        known = [r.num_rows() for r in readers]
        total = None if None in known else sum(known) + sum(not is_table(p) for p in paths)
        with tqdm(total=total, desc="articles", unit="article", disable=not progress, file=sys.stderr) as bar:
            started, sentences = time.perf_counter(), 0

            def todo() -> Iterator[Partition]:
                for partition in partitions(paths, columns, partition_rows):
                    if manifest.finished(partition.name):
                        bar.update(len(partition.articles) + len(partition.skipped))
                    else:
                        yield partition

            for entry in run(todo()):
                manifest.record(entry)
                sentences += entry["sentences"]
                bar.update(entry["articles"] + entry["skipped"])
                elapsed = max(time.perf_counter() - started, 1e-9)
                bar.set_postfix_str(f"{sentences / elapsed:,.0f} sentences/s", refresh=False)
        manifest.complete = True
        manifest.save()
    finally:
        close()
    return manifest


def settings_of(cfg: Any, officeholders: Sequence[str]) -> dict[str, Any]:
    """The config values that shape the records, as stored in the manifest (officeholders by content)."""
    return {
        "format": str(cfg.format or "parquet"),
        "partition_rows": int(cfg.partition_rows),
        "columns": {k: (None if v is None else str(v)) for k, v in dict(cfg.columns).items()},
        "quantize": None if cfg.quantize is None else str(cfg.quantize),
        "html": cfg.html,
        "genre": cfg.genre,
        "author": cfg.author,
        "officeholders": [sha256_file(p) for p in officeholders],
    }


def archive_from_config(cfg: Any, paths: Sequence[str]) -> Manifest:
    """Run the ``predict`` config's archive mode (``output`` is a directory)."""
    from omegaconf import OmegaConf

    officeholders = [str(p) for p in cfg.officeholders]
    for path in officeholders:
        if not Path(path).is_file():
            raise DataError(path, None, "officeholders", "file does not exist")
    spec = LabellerSpec(
        model_dir=str(Path(cfg.model_dir).resolve()),
        quantize=None if cfg.quantize is None else str(cfg.quantize),
        batch_size=int(cfg.batch_size),
        officeholders=tuple(str(Path(p).resolve()) for p in officeholders),
    )
    job = PartitionJob(
        out_dir=str(Path(cfg.output).resolve()),
        format=str(cfg.format or "parquet"),
        html=cfg.html,
        genre=cfg.genre,
        author=cfg.author,
    )
    columns = OmegaConf.to_container(cfg.columns) if OmegaConf.is_config(cfg.columns) else dict(cfg.columns)
    if str(cfg.engine) == "dask":
        from src.labelling.dask_engine import dask_engine

        dask_settings = (
            dict(OmegaConf.to_container(cfg.dask)) if OmegaConf.is_config(cfg.dask) else dict(cfg.dask)
        )

        def start() -> tuple[Engine, Callable[[], None]]:
            if spec.quantize is not None:
                # Export the int8 model here, once, before the workers load it: they would race to write it.
                spec.load(workers=1).close()
            return dask_engine(spec, job, **dask_settings)
    else:

        def start() -> tuple[Engine, Callable[[], None]]:
            return local_engine(spec, job, cfg.workers)

    return label_archive(
        spec,
        job,
        paths,
        columns=columns,
        partition_rows=int(cfg.partition_rows),
        settings=settings_of(cfg, officeholders),
        start_engine=start,
    )


def describe(manifest: Manifest) -> str:
    """One line for the end of a run: what was labelled and skipped, and where."""
    parts = manifest.partitions.values()
    articles = sum(p["articles"] for p in parts)
    sentences = sum(p["sentences"] for p in parts)
    skipped = sum(p["skipped"] for p in parts)
    line = f"{articles:,} articles, {sentences:,} sentences in {len(manifest.partitions)} partitions: {manifest.out_dir}"
    if skipped:
        line += f" ({skipped:,} rows skipped: listed in {manifest.path})"
    return line


__all__ = [
    "LabellerSpec",
    "Manifest",
    "PartitionJob",
    "archive_from_config",
    "describe",
    "label_archive",
    "label_partition",
    "model_fingerprint",
]
