"""The labelling command: raw articles in, one record per sentence out (``python -m src.predict``).

    python -m src.predict model_dir=outputs/runs/<run> input=article.txt
    python -m src.predict model_dir=<run> input='articles/*.txt' format=jsonl output=labels.jsonl
    cat article.txt | python -m src.predict model_dir=<run> format=csv
    python -m src.predict model_dir=<run> input='archive/*.parquet' output=labels/ format=parquet

Output is written atomically: on any error no output file is left behind. Article tables, and any output
directory, go through :mod:`src.labelling.archive` (partitioned, resumable, local or Dask).
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from src.errors import ConfigError, DataError
from src.labelling.labeller import Labeller, load_labeller, stance_profile
from src.labelling.tables import is_table
from src.report import format_table
from src.tracking import atomic_write_text

# Show a progress bar once an input has at least this many articles.
PROGRESS_MIN_ARTICLES = 20
SPEAKER_COLUMNS = ("speaker", "speaker_mention", "speaker_role", "role_source")


def csv_columns(heads: Sequence[str]) -> list[str]:
    """CSV columns: where the sentence is, its text, the model's heads (from the task config), the speaker."""
    return [
        "article",
        "index",
        "turn",
        "text",
        *(h for h in heads if h not in SPEAKER_COLUMNS),
        *SPEAKER_COLUMNS,
    ]


def input_paths(spec: str) -> list[str]:
    """Expand the ``input`` option: "-" (stdin), a file, or a glob of files."""
    if spec == "-":
        return ["-"]
    if any(ch in spec for ch in "*?["):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise DataError(spec, None, "input", "the glob matches no file")
        return matches
    return [spec]


def read_input(path: str) -> str:
    """Read one article with the checks of :func:`src.labelling.ingest.read_article` (stdin included)."""
    from src.labelling.ingest import read_article

    if path != "-":
        return read_article(path)
    import tempfile

    # stdin goes through the same checks as files: spool it to a temporary file first.
    with tempfile.NamedTemporaryFile(suffix=".txt") as spool:
        spool.write(sys.stdin.buffer.read())
        spool.flush()
        try:
            return read_article(spool.name)
        except DataError as exc:
            raise DataError("<stdin>", exc.line, exc.field, exc.problem) from None


def label_inputs(
    labeller: Labeller,
    paths: Sequence[str],
    *,
    html: bool | None = None,
    genre: str | None = None,
    author: str | None = None,
    chunk: int = 64,
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Label every article, ``chunk`` articles per model call; returns ``(article name, records)`` pairs."""
    from tqdm import tqdm

    results = []
    with tqdm(
        total=len(paths),
        desc="articles",
        unit="article",
        disable=len(paths) < PROGRESS_MIN_ARTICLES,
        file=sys.stderr,
    ) as progress:
        for start in range(0, len(paths), chunk):
            names = paths[start : start + chunk]
            labelled = labeller.predict_articles(
                [read_input(p) for p in names], html=html, genre=genre, author=author
            )
            for path, records in zip(names, labelled, strict=True):
                name = "<stdin>" if path == "-" else path
                if not records:
                    raise DataError(name, None, None, "no body sentences found in the article")
                results.append((name, records))
            progress.update(len(names))
    return results


def render(results: Sequence[tuple[str, list[dict[str, Any]]]], fmt: str, heads: Sequence[str] = ()) -> str:
    """Render labelled articles as JSONL, CSV (one column per head) or a terminal table."""
    if fmt == "jsonl":
        return "".join(
            json.dumps({"article": name, **r}, ensure_ascii=False) + "\n"
            for name, records in results
            for r in records
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=csv_columns(heads), extrasaction="ignore")
        writer.writeheader()
        for name, records in results:
            for r in records:
                row = {"article": name, **r}
                for key, value in row.items():
                    if isinstance(value, list):  # multi-label heads, as the corpus CSV writes them
                        row[key] = "|".join(value)
                writer.writerow(row)
        return buffer.getvalue()
    label_heads = [h for h in heads if h not in SPEAKER_COLUMNS]
    blocks = []
    for name, records in results:
        rows = []
        for r in records:
            value = r.get(label_heads[0]) if label_heads else None
            stance = "|".join(value) or "none" if isinstance(value, list) else str(value)
            text = r["text"] if len(r["text"]) <= 70 else r["text"][:67] + "..."
            rows.append([r["index"], stance, r.get("speaker_role") or "-", r["speaker"], text])
        shown = label_heads[0] if label_heads else "label"
        blocks.append(f"{name}\n" + format_table(rows, ["#", shown, "role", "speaker", "text"]))
    return "\n\n".join(blocks) + "\n"


def render_profiles(results: Sequence[tuple[str, list[dict[str, Any]]]]) -> str:
    """Each article's stance-by-speaker counts as a small table."""
    blocks = []
    for name, records in results:
        profile = stance_profile(records)
        labels = list(profile["stance"])
        rows = [
            [speaker, counts.get("role") or "-", *(counts.get(label, 0) for label in labels)]
            for speaker, counts in profile["by_speaker"].items()
        ]
        blocks.append(
            f"Profile of {name} ({profile['sentences']} sentences)\n"
            + format_table(rows, ["speaker", "role", *labels])
        )
    return "\n\n".join(blocks) + "\n"


def writes_directory(cfg: DictConfig, paths: Sequence[str]) -> bool:
    """Whether the output is a partitioned directory (see :mod:`src.labelling.archive`) rather than one stream.

    It is for format=parquet, for any article table in the input, and for an ``output`` that is an existing
    directory or ends with a path separator.
    """
    output = str(cfg.output) if cfg.output else ""
    return (
        cfg.format == "parquet"
        or any(is_table(p) for p in paths)
        or (bool(output) and (Path(output).is_dir() or output.endswith(("/", os.sep))))
    )


def predict_archive(cfg: DictConfig, paths: Sequence[str]) -> Any:
    """Label into an output directory, then (``profile=true``) write and print the corpus profile."""
    from src.labelling.archive import archive_from_config, describe

    if not cfg.output:
        raise ConfigError("output: article tables and format=parquet need output=DIR")
    if cfg.format not in (None, "parquet", "jsonl"):
        raise ConfigError(f"format: an output directory is written as parquet or jsonl, not {cfg.format}")
    if "-" in paths:
        raise DataError(
            "<stdin>", None, "input", "an output directory needs input files (resuming needs them)"
        )
    manifest = archive_from_config(cfg, paths)
    print(describe(manifest), file=sys.stderr, flush=True)
    if cfg.profile and not any(p["sentences"] for p in manifest.partitions.values()):
        print("no sentences were labelled: no profile", file=sys.stderr, flush=True)
    elif cfg.profile:
        from src.labelling.corpus_profile import PROFILE_DIR, build_profile, main_table, write_profile

        profile = build_profile(manifest.out_dir)
        write_profile(profile, manifest.out_dir / PROFILE_DIR, replace=True)
        print(main_table(profile), flush=True)
    return manifest


def predict(cfg: DictConfig) -> Any:
    """Run the ``predict`` config: load the model, label the inputs, write or print the output.

    Returns:
        ``(article name, records)`` pairs, or the manifest of an output directory.
    """
    paths = input_paths(cfg.input)
    if writes_directory(cfg, paths):
        return predict_archive(cfg, paths)
    with load_labeller(
        cfg.model_dir,
        quantize=cfg.quantize,
        batch_size=cfg.batch_size,
        workers=cfg.workers,
        officeholders=list(cfg.officeholders),
    ) as labeller:
        results = label_inputs(labeller, paths, html=cfg.html, genre=cfg.genre, author=cfg.author)
        heads = labeller.heads
    fmt = str(cfg.format or "table")
    text = render(results, fmt, heads)
    if cfg.output:
        try:
            atomic_write_text(cfg.output, text)
        except OSError as exc:
            raise DataError(cfg.output, None, "output", f"cannot write the output ({exc.strerror})") from None
    else:
        sys.stdout.write(text)
    if cfg.profile:
        to_stdout = fmt == "table" and not cfg.output
        print(
            "\n" + render_profiles(results), file=sys.stdout if to_stdout else sys.stderr, end="", flush=True
        )
    return results
