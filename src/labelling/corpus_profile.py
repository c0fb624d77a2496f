"""Corpus-level profile of labelled output: stance shares by speaker, role, source and month, with intervals.

    python -m src.profile labels/                # the output directory of python -m src.predict
    python -m src.profile labels/ --out my_profile --top 30 --resamples 2000

A share is the fraction of a group's sentences that carry a stance label (for a multi-label stance head, shares of
different labels may add up to more than one; a sentence without a label counts as ``none``). Its interval is a
95% percentile bootstrap over **articles**: the sentences of one article share its author, topic and framing, so
whole articles are resampled (a cluster bootstrap, as every run's metrics do, see :mod:`src.bootstrap`), with
scipy's ``stats.bootstrap`` drawing the articles and the share pooled over the sentences of the articles drawn. A
group of one article gets no interval.

Written into the profile directory: ``by_role.csv``, ``by_speaker.csv`` (the ``top`` speakers with most
sentences), ``by_source.csv``, ``by_month.csv``, ``by_role_month.csv``, ``stance_by_role_over_time.png`` and
``top_speakers.png``; the main table (by role) is printed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from src.errors import DataError
from src.reporting.plots import figure_png, pyplot

DIMENSIONS = ("role", "speaker", "source", "month", "role_month")
# The profile's folder inside an output directory (underscored: not part of the records' dataset).
PROFILE_DIR = "_profile"
UNKNOWN = "unknown"
_MONTH = re.compile(r"^(\d{4})-(\d{2})")
# Bootstrap weights held at once (resamples x articles): bounds memory for groups of many articles.
_MAX_WEIGHTS = 20_000_000


@dataclass
class Profile:
    """Share tables by dimension and the figures.

    Attributes:
        labels: Stance labels, in column order.
        tables: Dimension -> rows: ``group`` (``role``/``month`` for ``role_month``), ``sentences``, ``articles``,
            then per label ``<label>_count``, ``<label>_share``, ``<label>_low``, ``<label>_high``.
        figures: File name -> PNG bytes.
        notes: What a reader should know (an unfinished run, undated articles).
    """

    labels: list[str]
    tables: dict[str, list[dict[str, Any]]]
    figures: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _output_files(out_dir: Path) -> tuple[list[Path], dict[str, Any]]:
    from src.labelling.archive import MANIFEST

    manifest_path = out_dir / MANIFEST
    if not manifest_path.is_file():
        raise DataError(out_dir, None, None, f"not a labelled output directory (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(manifest_path, None, None, f"unreadable manifest ({exc})") from None
    files = []
    for name, entry in sorted(manifest.get("partitions", {}).items()):
        path = out_dir / entry["file"]
        if not path.is_file():
            raise DataError(path, None, None, f"partition {name} is listed in the manifest but missing")
        files.append(path)
    return files, manifest


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """The profile's fields of each record of one partition file."""
    wanted = ["article", "source", "date", "speaker", "speaker_role"]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        names = pq.read_schema(path).names
        stance = "primary_stance" if "primary_stance" in names else "stance"
        table = pq.read_table(path, columns=[c for c in [*wanted, stance] if c in names])
        for row in table.to_pylist():
            row["_stance"] = row.get(stance)
            yield row
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            row["_stance"] = row.get("primary_stance", row.get("stance"))
            yield row


def _stances(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value] or ["none"]
    return [str(value)] if value is not None else []


def month_of(value: Any) -> str | None:
    """``YYYY-MM`` of an ISO date or timestamp; None when the date is missing or not ISO."""
    match = _MONTH.match(str(value or ""))
    return f"{match.group(1)}-{match.group(2)}" if match else None


def share_intervals(
    counts: np.ndarray, sentences: np.ndarray, *, resamples: int, confidence: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap over articles of pooled shares ``sum(counts) / sum(sentences)``.

    Args:
        counts: ``(articles, labels)`` sentences with each label, per article.
        sentences: ``(articles,)`` sentences per article (all positive).

    Returns:
        Low and high bounds per label; NaN for fewer than two articles.
    """
    from src.bootstrap import resample

    n_units, n_labels = counts.shape
    if n_units < 2:
        return np.full(n_labels, np.nan), np.full(n_labels, np.nan)

    def shares(weights: np.ndarray) -> np.ndarray:
        return (weights @ counts) / (weights @ sentences)[..., None]

    with warnings.catch_warnings():
        # A label with the same share in every resample (always 0, say) is a degenerate but correct interval.
        warnings.simplefilter("ignore")
        low, high = resample(
            n_units,
            shares,
            resamples=resamples,
            confidence=confidence,
            seed=seed,
            batch=max(1, min(resamples, _MAX_WEIGHTS // n_units)),
        )
    low, high = np.asarray(low), np.asarray(high)
    point = counts.sum(axis=0) / sentences.sum()
    # scipy gives NaN where every resample agrees; the interval is then the point itself.
    return np.where(np.isnan(low), point, low), np.where(np.isnan(high), point, high)


def build_profile(
    out_dir: str | os.PathLike[str],
    *,
    top: int = 25,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    figures: bool = True,
) -> Profile:
    """Aggregate an output directory's records into stance shares by speaker, role, source and month.

    Args:
        out_dir: An output directory of ``python -m src.predict`` (with its ``manifest.json``).
        top: Speakers in the speaker table and figure (those with most sentences).
        resamples: Bootstrap resamples per group.
        confidence: Two-sided level of the intervals.
        seed: Seed of the resampling.
        figures: Draw the PNG figures.

    Raises:
        DataError: Not an output directory, a listed partition missing, or no labelled sentence at all.
    """
    out_dir = Path(out_dir)
    if resamples < 1 or not 0 < confidence < 1 or top < 1:
        raise DataError("<profile>", None, None, "resamples and top must be >= 1, confidence in (0, 1)")
    files, manifest = _output_files(out_dir)
    # (dimension, group) -> article -> Counter of labels, and sentences per article.
    label_counts: dict[tuple[str, Any], dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    totals: dict[tuple[str, Any], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    labels: set[str] = set()
    undated = 0
    for path in files:
        for record in _records(path):
            stances = _stances(record["_stance"])
            labels.update(stances)
            unit = f"{path.stem}\0{record.get('article')}"
            role = record.get("speaker_role") or UNKNOWN
            month = month_of(record.get("date"))
            undated += month is None
            groups = [
                ("role", role),
                ("speaker", record.get("speaker") or UNKNOWN),
                ("source", record.get("source") or UNKNOWN),
            ]
            if month is not None:
                groups += [("month", month), ("role_month", (role, month))]
            for key in groups:
                totals[key][unit] += 1
                per_article = label_counts[key][unit]
                for label in stances:
                    per_article[label] = per_article.get(label, 0) + 1
    if not totals:
        raise DataError(out_dir, None, None, "no labelled sentences to profile")
    ordered = sorted(labels)
    top_speakers = {
        g
        for _, g in sorted(
            ((-sum(totals[("speaker", g)].values()), g) for d, g in totals if d == "speaker"),
        )[:top]
    }
    tables: dict[str, list[dict[str, Any]]] = {d: [] for d in DIMENSIONS}
    for dimension, group in sorted(totals, key=lambda k: (k[0], str(k[1]))):
        if dimension == "speaker" and group not in top_speakers:
            continue
        units = list(totals[(dimension, group)])
        sentences = np.array([totals[(dimension, group)][u] for u in units], dtype=float)
        counts = np.array(
            [[label_counts[(dimension, group)][u].get(label, 0) for label in ordered] for u in units],
            dtype=float,
        )
        low, high = share_intervals(counts, sentences, resamples=resamples, confidence=confidence, seed=seed)
        row: dict[str, Any] = (
            {"role": group[0], "month": group[1]} if dimension == "role_month" else {"group": group}
        )
        row.update(sentences=int(sentences.sum()), articles=len(units))
        shares = counts.sum(axis=0) / sentences.sum()
        for j, label in enumerate(ordered):
            row[f"{label}_count"] = int(counts[:, j].sum())
            row[f"{label}_share"] = round(float(shares[j]), 4)
            row[f"{label}_low"] = None if math.isnan(low[j]) else round(float(low[j]), 4)
            row[f"{label}_high"] = None if math.isnan(high[j]) else round(float(high[j]), 4)
        tables[dimension].append(row)
    tables["speaker"].sort(key=lambda r: -r["sentences"])
    for dimension in ("role", "source"):
        tables[dimension].sort(key=lambda r: -r["sentences"])
    notes = []
    if not manifest.get("complete"):
        notes.append("the labelling run is not complete: this profiles its finished partitions only")
    if undated:
        notes.append(f"{undated:,} sentences have no ISO date and are left out of the month tables")
    profile = Profile(ordered, tables, notes=notes)
    if figures:
        profile.figures = draw_figures(profile, top)
    return profile


def draw_figures(profile: Profile, top: int, roles_shown: int = 6) -> dict[str, bytes]:
    """Stance share by role over time (one panel per label, a line and band per role), top speakers by stance."""
    plt = pyplot()
    figures = {}
    by_role_month = profile.tables["role_month"]
    if by_role_month:
        roles = [r["group"] for r in profile.tables["role"][:roles_shown]]
        months = sorted({r["month"] for r in by_role_month})
        fig, axes = plt.subplots(
            1, len(profile.labels), figsize=(4 * len(profile.labels), 3.5), sharey=True, squeeze=False
        )
        for ax, label in zip(axes[0], profile.labels, strict=True):
            for role in roles:
                rows = sorted((r for r in by_role_month if r["role"] == role), key=lambda r: r["month"])
                if not rows:
                    continue
                x = [months.index(r["month"]) for r in rows]
                ax.plot(x, [r[f"{label}_share"] for r in rows], marker="o", markersize=3, label=role)
                low = [
                    r[f"{label}_low"] if r[f"{label}_low"] is not None else r[f"{label}_share"] for r in rows
                ]
                high = [
                    r[f"{label}_high"] if r[f"{label}_high"] is not None else r[f"{label}_share"]
                    for r in rows
                ]
                ax.fill_between(x, low, high, alpha=0.15)
            ax.set_title(label)
            step = max(1, len(months) // 6)
            ax.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
            ax.set_ylim(0, 1)
        axes[0][0].set_ylabel("share of the role's sentences")
        axes[0][-1].legend(fontsize=7, loc="upper right")
        figures["stance_by_role_over_time.png"] = figure_png(fig)
    speakers = profile.tables["speaker"][:top]
    if speakers:
        fig, ax = plt.subplots(figsize=(8, 0.35 * len(speakers) + 1.2))
        left = np.zeros(len(speakers))
        names = [f"{r['group']} ({r['sentences']})" for r in speakers][::-1]
        for label in profile.labels:
            values = np.array([r[f"{label}_share"] for r in speakers][::-1])
            ax.barh(names, values, left=left, label=label)
            left += values
        ax.set_xlabel("share of the speaker's sentences (sentences in brackets)")
        ax.legend(fontsize=7, loc="lower right")
        figures["top_speakers.png"] = figure_png(fig)
    return figures


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def write_profile(profile: Profile, out: str | os.PathLike[str], *, replace: bool = False) -> Path:
    """Write the CSV tables and figures into ``out`` at once (a staging folder renamed into place).

    Args:
        replace: Replace an existing profile (the profile inside an output directory is redone on every run);
            otherwise an existing non-empty ``out`` is refused.
    """
    out = Path(out)
    if out.exists() and not replace and (not out.is_dir() or any(out.iterdir())):
        raise DataError(out, None, None, "exists and is not empty; choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise DataError(out, None, None, f"cannot write the profile ({exc.strerror or exc})") from None
    try:
        for dimension, rows in profile.tables.items():
            (staging / f"by_{dimension}.csv").write_text(_csv(rows), encoding="utf-8", newline="")
        for name, png in profile.figures.items():
            (staging / name).write_bytes(png)
        os.chmod(staging, 0o755)  # mkdtemp makes it private
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(out, old)
        os.rename(staging, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DataError(out, None, None, f"cannot write the profile ({exc.strerror or exc})") from None
    return out


def main_table(profile: Profile) -> str:
    """Stance share by role with intervals, and the notes, as printed text."""
    from src.report import format_table

    rows = []
    for row in profile.tables["role"]:
        cells = [row["group"], row["sentences"], row["articles"]]
        for label in profile.labels:
            low, high = row[f"{label}_low"], row[f"{label}_high"]
            interval = "" if low is None else f" [{low:.2f}, {high:.2f}]"
            cells.append(f"{row[f'{label}_share']:.2f}{interval}")
        rows.append(cells)
    text = "Stance share by speaker role (95% bootstrap interval over articles)\n"
    text += format_table(rows, ["role", "sentences", "articles", *profile.labels])
    return text + "".join(f"\nnote: {note}" for note in profile.notes) + "\n"
