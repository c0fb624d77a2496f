"""Whole-pipeline labelling throughput: raw article -> ingestion -> model -> attribution, per model family.

    python bench/bench_inference.py                       # newest finished run of each family in outputs/runs
    python bench/bench_inference.py --run outputs/runs/<tfidf run> --run outputs/runs/<transformer run>
    python bench/bench_inference.py --repeats 5

Every raw document of the bundled corpus is labelled (--repeats times over), each family in a fresh process so
that peak memory (max RSS) is its own. Figures: sentences/s of the whole pipeline (ingestion included), first pass
(cold caches) and later passes (warm), peak RSS; for the transformer also the int8 dynamically quantized model and
its agreement with fp32 predictions. The ingestion-only rate is printed as a reference measured in the same run.
Targets on 2 cores: TF-IDF >= 20,000 sentences/s; transformer fp32 >= 400/s; int8 >= 800/s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere, installed or not
    sys.path.insert(0, str(ROOT))
RAW_DIR = ROOT / "data" / "corpus" / "raw"


def newest_runs() -> list[Path]:
    """The newest finished run (one with model/ and metrics.json) of each family."""
    newest: dict[str, Path] = {}
    for metrics in sorted((ROOT / "outputs").glob("**/metrics.json"), key=lambda p: p.stat().st_mtime):
        run = metrics.parent
        meta = run / "model" / "model_meta.json"
        if meta.is_file():
            newest[json.loads(meta.read_text())["family"]] = run
    return list(newest.values())


def worker(run: Path, repeats: int, quantize: bool) -> dict:
    from src.data.ingest import ingest
    from src.inference import load_model

    raws = [p.read_text(encoding="utf-8") for p in sorted(RAW_DIR.glob("*.txt"))]
    labeller = load_model(run, quantize=quantize)
    start = time.perf_counter()
    n_ingest = sum(len(ingest(raw)) for raw in raws)
    ingest_rate = n_ingest / (time.perf_counter() - start)
    passes, labels = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        articles = labeller.predict_articles(raws)
        seconds = time.perf_counter() - start
        passes.append(sum(len(a) for a in articles) / seconds)
        labels = [r.get("primary_stance", r.get("stance")) for a in articles for r in a]
    return {
        "family": labeller.model.family + (" int8" if quantize else ""),
        "sentences": sum(len(a) for a in articles),
        "cold": passes[0],
        "warm": max(passes[1:]) if len(passes) > 1 else passes[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ingest_only": ingest_rate,
        "labels": labels,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", type=Path, help="run directory (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--quantize", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats, args.quantize)))
        return

    runs = args.run or newest_runs()
    if not runs:
        sys.exit(
            "no finished runs found: run `python -m src.train` (and model=transformer) first, or pass --run"
        )
    results = []
    for run in runs:
        family = json.loads((run / "model" / "model_meta.json").read_text())["family"]
        for quantize in (False, True) if family == "transformer" else (False,):
            cmd = [sys.executable, __file__, "--worker", str(run), "--repeats", str(args.repeats)]
            done = subprocess.run(
                cmd + (["--quantize"] if quantize else []), cwd=ROOT, capture_output=True, text=True
            )
            if done.returncode:
                sys.exit(f"benchmark worker failed for {run}:\n{done.stderr[-2000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'family':<18}{'sentences':>10}{'cold s/s':>10}{'warm s/s':>10}{'peak RSS MB':>13}{'ingest-only s/s':>17}"
    )
    for r in results:
        print(
            f"{r['family']:<18}{r['sentences']:>10}{r['cold']:>10.0f}{r['warm']:>10.0f}{r['peak_rss_mb']:>13.0f}"
            f"{r['ingest_only']:>17.0f}"
        )
    fp32 = next((r for r in results if r["family"] == "transformer"), None)
    int8 = next((r for r in results if r["family"] == "transformer int8"), None)
    if fp32 and int8:
        agree = sum(a == b for a, b in zip(fp32["labels"], int8["labels"], strict=True)) / len(fp32["labels"])
        print(f"int8 vs fp32: {int8['warm'] / fp32['warm']:.2f}x faster, label agreement {agree:.3f}")
    print("runs: " + ", ".join(str(run) for run in runs))


if __name__ == "__main__":
    main()
