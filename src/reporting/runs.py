"""Finding and reading run directories for a report.

A run directory is finished when it holds ``metrics.json`` (written last by :func:`src.train.train`); a report also
needs its ``config.yaml`` and ``predictions.jsonl``. Arguments may be run directories or any folder above them
(a multirun directory, ``outputs/``): folders are searched recursively, hidden folders (``.hydra``) and a run's
own subfolders (``model/``) excepted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from src.errors import DiplostanceError

# Files by which a folder is recognised as a run directory, finished or not.
RUN_MARKERS = ("metrics.json", "config.yaml", "FAILED.txt", "predictions.jsonl", "splits.json", "train.log")


class ReportError(DiplostanceError):
    """Input a report cannot be built from; the command line prints it as one line and exits 2."""


@dataclass(frozen=True)
class HeadSpec:
    """A head as the run's resolved config declares it."""

    name: str
    labels: tuple[str, ...]
    multilabel: bool


@dataclass
class Run:
    """One finished run: its resolved config, its ``metrics.json`` record and its prediction rows."""

    path: Path
    config: dict[str, Any]
    record: dict[str, Any]
    rows: list[dict[str, Any]] = field(repr=False)

    @property
    def seed(self) -> Any:
        return self.config.get("seed", self.record.get("seed"))

    @property
    def family(self) -> str:
        return str(self.record.get("family", "?"))

    @property
    def metrics(self) -> dict[str, Any]:
        return self.record.get("metrics", {})

    @cached_property
    def heads(self) -> list[HeadSpec]:
        return [
            HeadSpec(str(h["name"]), tuple(str(lab) for lab in h["labels"]), bool(h.get("multilabel", False)))
            for h in (self.config.get("task") or {}).get("heads", [])
        ]

    @cached_property
    def splits(self) -> dict[str, list[dict[str, Any]]]:
        """Prediction rows by split, each split sorted by sentence id."""
        by_split: dict[str, list[dict[str, Any]]] = {}
        for row in self.rows:
            by_split.setdefault(str(row.get("split")), []).append(row)
        return {name: sorted(rows, key=lambda r: str(r["id"])) for name, rows in by_split.items()}

    def metric(self, key: str) -> Any:
        """A figure of ``metrics.json`` by its flat key (``test/primary_stance/ece``), ``None`` when absent."""
        for source in (self.metrics, self.record.get("intervals") or {}, self.record):
            if key in source:
                return source[key]
        return None


def _read_run(path: Path) -> tuple[Run | None, str | None]:
    """A finished run, or ``None`` with the reason it is skipped."""
    if not (path / "metrics.json").is_file():
        failed = path / "FAILED.txt"
        why = (
            f"failed ({failed.read_text(encoding='utf-8', errors='replace').strip()[:120]})"
            if failed.is_file()
            else "unfinished (no metrics.json)"
        )
        return None, f"{path}: {why}; skipped"
    missing = [name for name in ("config.yaml", "predictions.jsonl") if not (path / name).is_file()]
    if missing:
        return None, f"{path}: finished, but without {' and '.join(missing)}; skipped"
    try:
        record = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
        config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
        lines = (path / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return None, f"{path}: unreadable ({type(exc).__name__}: {exc}); skipped"
    if not isinstance(record, dict) or not isinstance(config, dict):
        return None, f"{path}: metrics.json or config.yaml is not a mapping; skipped"
    if not all(isinstance(r, dict) and "id" in r and "split" in r and "pred" in r for r in rows):
        return None, f"{path}: predictions.jsonl rows lack id, split or pred; skipped"
    return Run(path, config, record, rows), None


def _candidates(root: Path) -> list[Path]:
    """Run-like folders at or below ``root``, in a stable order (numeric sweep prefixes in numeric order)."""

    def order(path: Path) -> tuple[Any, ...]:
        return tuple(
            (0, int(p.split("_")[0]), p) if p.split("_")[0].isdigit() else (1, 0, p) for p in path.parts
        )

    if any((root / marker).is_file() for marker in RUN_MARKERS):
        return [root]
    found = []
    for directory, subdirs, files in os.walk(root):
        if any(marker in files for marker in RUN_MARKERS):
            found.append(Path(directory))
            subdirs.clear()  # a run's own folders (model/, .hydra/) hold no runs
            continue
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
    return sorted(found, key=order)


def find_runs(directories: Sequence[str | os.PathLike[str]]) -> tuple[list[Run], list[str]]:
    """The finished runs at or below each directory, and a note per skipped run.

    Raises:
        ReportError: A directory that does not exist, or no finished run anywhere.
    """
    runs: list[Run] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for directory in directories:
        root = Path(directory)
        if not root.is_dir():
            raise ReportError(f"{root}: {'not a directory' if root.exists() else 'no such directory'}")
        for path in _candidates(root):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            run, note = _read_run(path)
            if run is not None:
                runs.append(run)
            else:
                notes.append(str(note))
    if not runs:
        where = ", ".join(str(d) for d in directories)
        detail = f" ({len(notes)} unfinished or unreadable)" if notes else ""
        raise ReportError(f"no finished runs in {where}{detail}: a finished run directory holds metrics.json")
    return runs, notes
