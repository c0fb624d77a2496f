"""Start-up and end-to-end cost of the TF-IDF path.

    python bench/bench_tfidf.py [--repeats 3] [--data corpus|fixture]

Prints, as medians over fresh processes: the bare interpreter start (the reference), the import time of everything
the TF-IDF training path imports, and the whole-process time of `python -m src.train model=tfidf`, with ratios to
the reference. Also checks that neither torch nor transformers was imported.
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
IMPORTS = (
    "import sys, time; t = time.perf_counter(); "
    "import src.train, src.models.tfidf, src.models.persistence; src.models.persistence.skops_io(); "
    "print(time.perf_counter() - t, 'torch' in sys.modules, 'transformers' in sys.modules)"
)


def timed(cmd: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default="corpus", help="data config option (corpus or fixture)")
    args = parser.parse_args()

    bare = statistics.median(timed([sys.executable, "-c", "pass"])[0] for _ in range(args.repeats))
    imports, flags = [], set()
    for _ in range(args.repeats):
        _, out = timed([sys.executable, "-c", IMPORTS])
        seconds, torch_loaded, transformers_loaded = out.split()
        imports.append(float(seconds))
        flags.add((torch_loaded, transformers_loaded))
    runs, sentences = [], ""
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            seconds, out = timed(
                [
                    sys.executable,
                    "-m",
                    "src.train",
                    f"data={args.data}",
                    "model=tfidf",
                    f"hydra.run.dir={tmp}/run{i}",
                    f"paths.log_dir={tmp}",
                ]
            )
            runs.append(seconds)
            sentences = next(
                (line for line in out.splitlines() if line.startswith("[diplostance] training")), ""
            )
    imp = statistics.median(imports)
    run = statistics.median(runs)
    print(sentences)
    print(f"{'measure':<38}{'seconds':>9}{'x bare python':>15}")
    print(f"{'bare interpreter start (reference)':<38}{bare:>9.3f}{1.0:>15.1f}")
    print(f"{'import time of the TF-IDF path':<38}{imp:>9.3f}{imp / bare:>15.1f}")
    print(f"{'whole process: python -m src.train':<38}{run:>9.3f}{run / bare:>15.1f}")
    print(f"torch imported: {sorted(flags)[0][0]}, transformers imported: {sorted(flags)[0][1]}")


if __name__ == "__main__":
    main()
