"""Parallel sweeps on one machine: the joblib launcher with 1 job at a time against 2 (or more) at once.

    python bench/bench_sweep.py [--family transformer|tfidf] [--runs 4] [--parallel 2] [--repeats 1]

Runs the same sweep of ``--runs`` seeds with ``hydra/launcher=joblib`` three ways and prints the wall-clock time of
each against the first:

- 1 job at a time (each run may use every core: torch, BLAS and OpenMP default to one thread per core);
- ``--parallel`` jobs at once, ``threads`` left null: each job gets cores // n_jobs threads (src/threads.py);
- ``--parallel`` jobs at once with ``threads`` forced to every core: the oversubscription the default avoids.

Before the sweeps it prints a reference measured in the same run: the same pure-Python work in 2 processes against
1 process. On an idle 2-core machine that is about 2x; on a shared one it shows how much of the second core was
free, which bounds any parallel sweep's gain.

The transformer workload is the packaged encoder cut to one layer, one epoch on the bundled corpus (a
torch-bound job); the TF-IDF workload is the default baseline on the bundled corpus (single-threaded Python and
scipy). Figures vary with whatever else runs on the machine; rerun it a few times on a shared one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: the package is the repository's `src`

WORKLOADS = {
    "transformer": ["model=transformer", "model.num_layers=1", "model.num_epochs=1", "model.device=cpu"],
    "tfidf": ["model=tfidf"],
}


def sweep(
    workload: list[str], runs: int, n_jobs: int, threads: int | None, log_dir: Path
) -> tuple[float, list]:
    """Wall-clock seconds of one sweep and the threads each of its runs recorded."""
    sweep_dir = log_dir / f"sweep_{n_jobs}_{threads}_{time.time_ns()}"
    command = [
        sys.executable,
        "-m",
        "src.train",
        "-m",
        *workload,
        f"seed={','.join(str(s) for s in range(runs))}",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={n_jobs}",
        "save_model=false",
        "eval.bootstrap.resamples=100",
        f"paths.log_dir={log_dir}",
        f"hydra.sweep.dir={sweep_dir}",
        *([f"threads={threads}"] if threads else []),
    ]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    recorded = [json.loads(p.read_text()).get("threads") for p in sorted(sweep_dir.glob("*/metrics.json"))]
    return seconds, recorded


def _busy(_: int) -> int:
    total = 0
    for i in range(10_000_000):
        total += i * i
    return total


def core_reference(processes: int) -> float:
    """Speed-up of ``processes`` processes over one on the same pure-Python work (ideal: ``processes``x)."""
    import multiprocessing

    started = time.perf_counter()
    for task in range(processes):
        _busy(task)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(_busy, range(processes))
    return alone / (time.perf_counter() - started)


def main() -> None:
    from src.threads import available_cores

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=sorted(WORKLOADS), default="transformer")
    parser.add_argument("--runs", type=int, default=4, help="runs in the sweep (seeds 0..runs-1)")
    parser.add_argument("--parallel", type=int, default=2, help="jobs at once in the parallel sweeps")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many sweeps per setting")
    args = parser.parse_args()

    cores = available_cores()
    settings = [
        ("1 job at a time", 1, None),
        (f"{args.parallel} jobs, threads per job: cores // jobs (default)", args.parallel, None),
        (f"{args.parallel} jobs, {cores} threads each (oversubscribed)", args.parallel, cores),
    ]
    print(f"{args.family}: {args.runs} runs, {cores} cores, best of {args.repeats}")
    print(
        f"reference: pure-Python work in {args.parallel} processes runs {core_reference(args.parallel):.2f}x as fast "
        f"as in 1 (ideal {args.parallel:.2f}x: the rest of the cores is taken by other work)"
    )
    print(f"{'setting':<58} {'wall s':>7} {'vs 1 job':>9}  threads recorded per run")
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for label, n_jobs, threads in settings:
            results = [
                sweep(WORKLOADS[args.family], args.runs, n_jobs, threads, Path(tmp))
                for _ in range(args.repeats)
            ]
            seconds, recorded = min(results, key=lambda r: r[0])
            reference = reference or seconds
            print(f"{label:<58} {seconds:7.1f} {reference / seconds:8.2f}x  {recorded}", flush=True)


if __name__ == "__main__":
    main()
