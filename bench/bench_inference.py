"""Whole-pipeline labelling throughput: raw article -> ingestion -> model -> attribution, per model family.

    python bench/bench_inference.py                       # newest finished run of each family in outputs/
    python bench/bench_inference.py --run outputs/runs/<tfidf run> --run outputs/runs/<transformer run>
    python bench/bench_inference.py --repeats 5

Every raw document of the bundled corpus is labelled (--repeats times over), each configuration in a fresh
process so that peak memory (max RSS) is its own. Figures: sentences/s of the whole pipeline (ingestion
included), first pass (cold caches, worker start-up included) and best later pass (warm), peak RSS (the largest
process; parallel labelling adds worker processes of about that size); for TF-IDF both one process and the
default (one per core); for the transformer also the int8 dynamically quantized model and its agreement with fp32
labels.

References measured in the same run: the ingestion-only rate, and for the transformer its compute ceiling: the
encoder's floating-point operations per corpus sentence (linear layers and attention at the corpus's real token
counts) against this machine's fp32 matrix-multiply rate (torch, 2048x2048), i.e. the most sentences/s any fp32
implementation of that encoder could reach here.

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


TARGETS = {"tfidf": 20_000, "transformer": 400, "transformer int8": 800}


def worker(run: Path, repeats: int, quantize: bool, workers: int | None) -> dict:
    from src.labelling import load_labeller
    from src.labelling.ingest import ingest

    raws = [p.read_text(encoding="utf-8") for p in sorted(RAW_DIR.glob("*.txt"))]
    labeller = load_labeller(run, quantize=quantize, workers=workers)
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
    model = labeller.model
    layers = getattr(model, "num_layers", None)
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    labeller.close()
    return {
        "family": model.family + (" int8" if quantize else ""),
        "setup": (f"{labeller.workers} proc" if model.family == "tfidf" else "")
        + (f"{layers} layers" if layers else ""),
        "sentences": sum(len(a) for a in articles),
        "cold": passes[0],
        "warm": max(passes[1:]) if len(passes) > 1 else passes[0],
        "peak_rss_mb": peak_kb / 1024,
        "ingest_only": ingest_rate,
        "ceiling": compute_ceiling(model) if model.family == "transformer" and not quantize else None,
        "labels": labels,
    }


def matmul_gflops(size: int = 2048, seconds: float = 2.0) -> float:
    """This machine's fp32 matrix-multiply rate through torch (all cores), best of repeated products."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    best, deadline = 0.0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        a @ b
        best = max(best, 2 * size**3 / (time.perf_counter() - start))
    return best / 1e9


def compute_ceiling(model: object) -> dict:
    """Sentences/s the encoder could reach at this machine's matmul rate: FLOPs per corpus sentence, counted."""
    from torch import nn

    from src.data.corpus import read_records

    texts = [record["text"] for _, record in read_records(ROOT / "data" / "corpus" / "sentences.jsonl")]
    lengths = [
        len(ids) for ids in model.tokenizer_(texts, truncation=True, max_length=model.max_length)["input_ids"]
    ]
    encoder = model.model_.encoder
    linear = sum(
        m.in_features * m.out_features for m in encoder.encoder.modules() if isinstance(m, nn.Linear)
    )
    hidden, layers = encoder.config.hidden_size, encoder.config.num_hidden_layers
    # Per token: 2 FLOPs per linear weight; attention scores and weighted sum: 2 * 2 * length * hidden per layer.
    flops = sum(2 * linear * n + 4 * n * n * hidden * layers for n in lengths) / len(lengths)
    gflops = matmul_gflops()
    return {
        "gflop_per_sentence": flops / 1e9,
        "mean_tokens": sum(lengths) / len(lengths),
        "matmul_gflops": gflops,
        "sentences_per_s": gflops * 1e9 / flops,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", type=Path, help="run directory (repeatable)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--quantize", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats, args.quantize, args.workers)))
        return

    runs = args.run or newest_runs()
    if not runs:
        sys.exit(
            "no finished runs found: run `python -m src.train` (and model=transformer) first, or pass --run"
        )
    results = []
    for run in runs:
        family = json.loads((run / "model" / "model_meta.json").read_text())["family"]
        # Transformer: fp32, then int8. TF-IDF: one process, then the default (one per core).
        setups = {"transformer": [[], ["--quantize"]], "tfidf": [["--workers", "1"], []]}.get(family, [[]])
        for extra in setups:
            cmd = [sys.executable, __file__, "--worker", str(run), "--repeats", str(args.repeats), *extra]
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"benchmark worker failed for {run}:\n{done.stderr[-2000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{'family':<18}{'setup':<10}{'sentences':>10}{'cold s/s':>10}{'warm s/s':>10}{'target':>8}"
        f"{'peak RSS MB':>13}{'ingest-only s/s':>17}"
    )
    for r in results:
        print(
            f"{r['family']:<18}{r['setup']:<10}{r['sentences']:>10}{r['cold']:>10.0f}{r['warm']:>10.0f}"
            f"{TARGETS.get(r['family'], 0):>8}{r['peak_rss_mb']:>13.0f}{r['ingest_only']:>17.0f}"
        )
    for r in results:
        if r["ceiling"]:
            c = r["ceiling"]
            print(
                f"{r['family']} ({r['setup'] or 'all layers'}) compute ceiling: {c['gflop_per_sentence']:.3f} GFLOP"
                f" per sentence ({c['mean_tokens']:.1f} tokens) at {c['matmul_gflops']:.0f} GFLOPS fp32 matmul"
                f" -> at most {c['sentences_per_s']:.0f} sentences/s; warm pipeline reached"
                f" {r['warm'] / c['sentences_per_s']:.0%} of it"
            )
    fp32s = [r for r in results if r["family"] == "transformer"]
    int8s = [r for r in results if r["family"] == "transformer int8"]
    for fp32, int8 in zip(fp32s, int8s, strict=True):
        agree = sum(a == b for a, b in zip(fp32["labels"], int8["labels"], strict=True)) / len(fp32["labels"])
        print(
            f"int8 vs fp32 ({fp32['setup'] or 'all layers'}): {int8['warm'] / fp32['warm']:.2f}x faster,"
            f" label agreement {agree:.3f}"
        )
    print("runs: " + ", ".join(str(run) for run in runs))


if __name__ == "__main__":
    main()
