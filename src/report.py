"""Plain-text tables of run metrics: a run's summary, and side-by-side comparisons of several runs.

``python -m src.report DIR... [--out DIR]`` is the research report of finished runs (seeds pooled, paired
comparisons, plots, error analysis); it lives in :mod:`src.reporting`. This module keeps the small tables that
training and sweeps print.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

SUMMARY_SPLITS = ("dev", "test", "seed_test")
SUMMARY_METRICS = ("accuracy", "macro_f1", "weighted_f1")


def format_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """Align rows under a header: numbers right-aligned (floats with three decimals), text left-aligned,
    missing values as '-'."""

    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in rows) for i in range(len(header))
    ]
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(str(h))] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        padded = (
            v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
        )
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def heads_in(metrics: dict[str, float]) -> list[str]:
    """Head names present in a flat metrics dict, in first-seen order."""
    return list(dict.fromkeys(key.split("/")[1] for key in metrics if key.count("/") >= 2))


def run_summary(metrics: dict[str, float], splits: Sequence[str] = SUMMARY_SPLITS) -> str:
    """One run's table: a row per head and metric, a column per split."""
    rows = []
    for head in heads_in(metrics):
        for metric in SUMMARY_METRICS:
            rows.append([f"{head} {metric}", *(metrics.get(f"{split}/{head}/{metric}") for split in splits)])
    return format_table(rows, ["metric", *splits])


def load_run(run_dir: str | Path) -> dict[str, Any] | None:
    """A finished run's metrics and resolved choices, or None if the run did not finish."""
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def comparison_table(runs: dict[str, dict[str, Any]]) -> str:
    """Side-by-side table: a row per (run, split), a column per head metric, plus the run's training time."""
    heads = list(dict.fromkeys(h for run in runs.values() for h in heads_in(run["metrics"])))
    columns = [(head, metric) for head in heads for metric in ("macro_f1", "accuracy")]
    rows = []
    for name, run in runs.items():
        for split in SUMMARY_SPLITS:
            values = [run["metrics"].get(f"{split}/{head}/{metric}") for head, metric in columns]
            if any(v is not None for v in values):
                rows.append([name, split, *values, run.get("duration_s") if split == "dev" else None])
    header = ["run", "split", *(f"{head} {metric}" for head, metric in columns), "seconds"]
    return format_table(rows, header)


# Group choices every run name already shows (``model=transformer``); their nested keys (``model.num_layers=2``)
# do tell runs apart.
NAME_SHOWN_GROUPS = ("model", "task", "experiment")
# Overrides that say nothing about the run itself, nested keys included.
NAME_SKIPPED_ROOTS = ("hydra", "paths", "logger")


def run_name(run: dict[str, Any]) -> str:
    """``model/task`` plus the run's other command-line overrides (``seed=1 model.num_layers=2``)."""

    def shown(override: str) -> bool:
        key = override.split("=", 1)[0].lstrip("+~")
        return key not in NAME_SHOWN_GROUPS and key.split(".")[0].split("/")[0] not in NAME_SKIPPED_ROOTS

    extra = [o for o in run.get("overrides", []) if shown(o)]
    return " ".join([f"{run.get('model', '?')}/{run.get('task', '?')}", *extra])


def compare_dirs(run_dirs: Sequence[str | Path]) -> str:
    """Comparison table of finished runs, each named by its model, task and distinguishing overrides."""
    runs: dict[str, dict[str, Any]] = {}
    for run_dir in run_dirs:
        run = load_run(run_dir)
        if run is None:
            continue
        name = run_name(run)
        if name in runs:
            name = f"{name} ({Path(run_dir).name})"
        runs[name] = run
    return comparison_table(runs) if runs else "no finished runs to compare"


class CompareRunsCallback(Callback):
    """Hydra callback: at the end of a sweep, print the side-by-side table of its finished runs."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        run_dirs = sorted(
            (p for p in sweep_dir.iterdir() if (p / "metrics.json").is_file()),
            # Numbered jobs (Optuna trials) in launch order; jobs named from their overrides by name.
            key=lambda p: (int(p.name.split("_")[0]) if p.name.split("_")[0].isdigit() else 0, p.name),
        )
        table = compare_dirs(run_dirs)
        print(f"\nComparison of {len(run_dirs)} run(s) in {sweep_dir}\n{table}", flush=True)
        if run_dirs:
            (sweep_dir / "comparison.txt").write_text(table + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m src.report DIR... [--out DIR]``: the report of finished runs (:mod:`src.reporting.cli`)."""
    from src.reporting.cli import main as report_main

    return report_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
