"""``python -m src.report DIR... [--out DIR]``: the report of finished runs (see :mod:`src.reporting`)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from src.errors import DiplostanceError
from src.reporting.build import Report, build_report
from src.reporting.render import csv_tables, markdown, printed

REPORTS_DIR = Path(__file__).resolve().parents[2] / "outputs" / "reports"


def new_report_dir(parent: Path = REPORTS_DIR) -> Path:
    """A report directory name that does not exist yet (time-stamped to the microsecond)."""
    return parent / datetime.now().strftime("%Y-%m-%d_%H-%M-%S_%f")


def write_report(report: Report, out: Path) -> Path:
    """Write REPORT.md, the CSV tables and the figures into ``out`` at once.

    Everything is written into a hidden sibling folder first, then renamed to ``out``: readers see no half
    report, and an existing report is never overwritten.

    Raises:
        DiplostanceError: ``out`` exists and is not an empty directory, or cannot be written.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DiplostanceError(f"{out} already exists and is not empty; reports are never overwritten")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise DiplostanceError(f"{out}: cannot write the report ({exc.strerror or exc})") from None
    try:
        (staging / "REPORT.md").write_text(markdown(report), encoding="utf-8")
        for name, text in csv_tables(report).items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        for name, png in report.figures.items():
            (staging / name).write_bytes(png)
        os.chmod(staging, 0o755)  # mkdtemp makes it private
        if out.is_dir():
            out.rmdir()  # empty (checked above): the rename takes its place
        os.rename(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DiplostanceError(f"{out}: cannot write the report ({exc.strerror or exc})") from None
    return out


class ReportCallback(Callback):
    """Hydra callback: at the end of a sweep, write the report of its runs to ``<sweep dir>/report`` and print
    its main table (``conf/experiment/main_comparison.yaml`` ends ``make main`` with it)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        try:
            report = build_report([sweep_dir])
            print("\n" + printed(report), flush=True)
            out = write_report(report, sweep_dir / "report")
        except DiplostanceError as exc:  # a failed report must not hide the finished runs
            print(f"error: report: {exc}", file=sys.stderr, flush=True)
            return
        print(f"\nreport: {out / 'REPORT.md'}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Group runs by configuration, compare configurations on the same sentences, write the report."""
    parser = argparse.ArgumentParser(prog="python -m src.report", description=main.__doc__)
    parser.add_argument(
        "dirs", nargs="+", help="run directories, or folders holding them (multirun directories)"
    )
    parser.add_argument(
        "--out", type=Path, help=f"new report directory (default: a new one under {REPORTS_DIR})"
    )
    parser.add_argument("--no-figures", action="store_true", help="tables only (faster)")
    parser.add_argument(
        "--mlflow",
        metavar="TRACKING_URI",
        help="also log the report's files to MLflow (e.g. sqlite:///outputs/mlflow.db)",
    )
    parser.add_argument("--mlflow-experiment", default="diplostance", help="MLflow experiment of --mlflow")
    args = parser.parse_args(argv)
    out = args.out or new_report_dir()
    try:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):  # fail before the work, not after
            raise DiplostanceError(f"{out} already exists and is not empty; reports are never overwritten")
        report = build_report(args.dirs, with_figures=not args.no_figures)
        print(printed(report), flush=True)
        out = write_report(report, out)
        if args.mlflow:
            from src.tracking import log_to_mlflow

            files = sorted(p for p in out.iterdir() if p.is_file())
            run_id = log_to_mlflow(
                args.mlflow,
                args.mlflow_experiment,
                f"report {out.name}",
                {"runs": len(report.runs), "configurations": len(report.groups)},
                {},
                out,
                artifacts=files,
            )
            print(f"MLflow: report logged as run {run_id} in {args.mlflow_experiment}", flush=True)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"\nreport: {out / 'REPORT.md'}", flush=True)
    return 0
