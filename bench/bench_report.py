"""Time of the report (``python -m src.report``) on 2 configurations x 5 seeds of TF-IDF runs.

    python bench/bench_report.py [--repeats 3] [--data corpus|fixture] [--runs SWEEP_DIR]

Trains the runs first in a temporary directory (one Hydra sweep: ``model.classifier.C=1.0,0.3`` x ``seed=1..5``)
unless ``--runs`` names a sweep to reuse. Prints, as medians over fresh processes, the whole command with its
figures and with ``--no-figures``, and, in one process, the time of each part of the report.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def train_sweep(directory: Path, data: str) -> Path:
    sweep = directory / "sweep"
    subprocess.run(
        [sys.executable, "-m", "src.train", "-m", f"data={data}", "model=tfidf", "model.classifier.C=1.0,0.3",
         "seed=1,2,3,4,5", f"paths.log_dir={directory}", f"hydra.sweep.dir={sweep}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return sweep


def parts(sweep: Path) -> dict[str, float]:
    """Seconds per part of one report, in this process (imports already paid)."""
    from src.reporting import build

    seconds: dict[str, float] = {}
    start = time.perf_counter()
    runs, _ = build.find_runs([sweep])
    groups = build.group_runs(runs)
    seconds["read and group runs"] = time.perf_counter() - start
    notes: list[str] = []
    splits = build._splits(groups)
    start = time.perf_counter()
    summary = [r for g in groups for s in splits for h in g.heads if (r := build.summarize(g, s, h, notes))]
    seconds["main table (intervals)"] = time.perf_counter() - start
    start = time.perf_counter()
    for s in splits:
        for h in groups[0].heads:
            build.compare(groups[0], groups[1], s, h)
    seconds["paired comparisons"] = time.perf_counter() - start
    start = time.perf_counter()
    for g in groups:
        build.analyse_errors(g, "test")
    seconds["error analysis"] = time.perf_counter() - start
    start = time.perf_counter()
    build.figures(groups, summary, "test", [])
    seconds["figures"] = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="corpus", help="data config option (corpus or fixture)")
    parser.add_argument("--runs", type=Path, help="an existing sweep of runs to report on (skips training)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.runs:
            sweep = args.runs
        else:
            start = time.perf_counter()
            sweep = train_sweep(Path(tmp), args.data)
            print(f"trained 10 runs in {time.perf_counter() - start:.1f} s -> {sweep}")
        n_runs = len(list(sweep.glob("*/metrics.json")))
        report = [sys.executable, "-m", "src.report", str(sweep)]
        full = [timed([*report, "--out", f"{tmp}/report_{i}"]) for i in range(args.repeats)]
        tables = [timed([*report, "--out", f"{tmp}/tables_{i}", "--no-figures"]) for i in range(args.repeats)]
        bare = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(args.repeats))
        print(f"report on {n_runs} runs (median of {args.repeats} processes):")
        print(f"  python -m src.report            {statistics.median(full):6.2f} s")
        print(f"  python -m src.report --no-figures {statistics.median(tables):4.2f} s")
        print(f"  bare interpreter start          {bare:6.2f} s")
        print("parts, in one process:")
        for name, seconds in parts(sweep).items():
            print(f"  {name:<24} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
