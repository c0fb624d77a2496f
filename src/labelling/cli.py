"""The labelling command: raw articles in, one record per sentence out (``python -m src.predict``).

    python -m src.predict model_dir=outputs/runs/<run> input=article.txt
    python -m src.predict model_dir=<run> input='articles/*.txt' format=jsonl output=labels.jsonl
    cat article.txt | python -m src.predict model_dir=<run> format=csv

Output is written atomically: on any error no output file is left behind.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig

from src.errors import DataError, DiplostanceError
from src.labelling.labeller import Labeller, load_labeller, stance_profile
from src.report import format_table
from src.tracking import atomic_write_text

FORMATS = ("jsonl", "csv", "table")
# Show a progress bar once an input has at least this many articles.
PROGRESS_MIN_ARTICLES = 20
CSV_COLUMNS = (
    "article",
    "index",
    "turn",
    "text",
    "primary_stance",
    "stance",
    "speaker",
    "speaker_mention",
    "speaker_role",
)


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


def render(results: Sequence[tuple[str, list[dict[str, Any]]]], fmt: str) -> str:
    """Render labelled articles as JSONL, CSV or a terminal table."""
    if fmt == "jsonl":
        return "".join(
            json.dumps({"article": name, **r}, ensure_ascii=False) + "\n"
            for name, records in results
            for r in records
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for name, records in results:
            for r in records:
                row = {"article": name, **r}
                if isinstance(row.get("stance"), list):
                    row["stance"] = "|".join(row["stance"])
                writer.writerow(row)
        return buffer.getvalue()
    blocks = []
    for name, records in results:
        rows = []
        for r in records:
            stance = r.get("primary_stance") or ("|".join(r["stance"]) if r.get("stance") else "none")
            text = r["text"] if len(r["text"]) <= 70 else r["text"][:67] + "..."
            rows.append([r["index"], stance, r.get("speaker_role") or "-", r["speaker"], text])
        blocks.append(f"{name}\n" + format_table(rows, ["#", "stance", "role", "speaker", "text"]))
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


def predict(cfg: DictConfig) -> list[tuple[str, list[dict[str, Any]]]]:
    """Run the ``predict`` config: load the model, label the inputs, write or print the output."""
    if cfg.format not in FORMATS:
        raise DiplostanceError(f"format: {cfg.format!r} is not one of {', '.join(FORMATS)}")
    with load_labeller(
        cfg.model_dir, quantize=cfg.quantize, batch_size=cfg.batch_size, workers=cfg.workers
    ) as labeller:
        results = label_inputs(
            labeller, input_paths(cfg.input), html=cfg.html, genre=cfg.genre, author=cfg.author
        )
    text = render(results, cfg.format)
    if cfg.output:
        atomic_write_text(cfg.output, text)
    else:
        sys.stdout.write(text)
    if cfg.profile:
        to_stdout = cfg.format == "table" and not cfg.output
        print(
            "\n" + render_profiles(results), file=sys.stdout if to_stdout else sys.stderr, end="", flush=True
        )
    return results
