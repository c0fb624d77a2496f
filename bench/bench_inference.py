"""Whole-pipeline labelling throughput: raw article -> ingestion -> model -> attribution, per model family.

    python bench/bench_inference.py                       # newest finished run of each family in outputs/
    python bench/bench_inference.py --run outputs/runs/<tfidf run> --run outputs/runs/<transformer run>
    python bench/bench_inference.py --repeats 5

Every raw document of the bundled corpus is labelled (--repeats times over), each configuration in a fresh
process so that peak memory (max RSS) is its own. Figures: sentences/s of the whole pipeline (ingestion
included), first pass (cold caches, worker start-up included) and best later pass (warm), peak RSS (the largest
process; parallel labelling adds worker processes of about that size); for TF-IDF both one process and the
default (one per core); for the transformer also int8 through ONNX Runtime (``quantize=int8``; the export into
the model directory is made before timing), its speed-up over fp32, its label agreement with fp32 on the corpus,
and both models' macro-F1 on the run's test split (from the run's predictions.jsonl).

References measured in the same run: the ingestion-only rate, and for the transformer its compute ceiling: the
encoder's floating-point operations per corpus sentence (linear layers and attention at the corpus's real token
counts) against this machine's fp32 matrix-multiply rate (torch, 2048x2048), i.e. the most sentences/s any fp32
implementation of that encoder could reach here.

Targets (issue 14, measured in one run): TF-IDF median >= 15,000 sentences/s with two processes; transformer fp32
>= 85% of the printed compute ceiling; int8 >= 2.5x fp32 on a CPU with VNNI, >= 1.8x on an AVX2-only CPU, label
agreement >= 0.97 and test macro-F1 within 0.01 of fp32. The CPU and its vector features are printed first.
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


TARGETS = {"tfidf": 15_000}


def cpu_features() -> str:
    """The CPU's name and the vector features the int8 kernels depend on (Linux /proc/cpuinfo)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        import platform

        return f"{platform.processor() or platform.machine()} (features unknown)"
    name = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?"
    )
    flags = set(
        next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    )
    shown = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return f"{name}; {len(info.split('processor')) - 1} logical CPUs; {' '.join(shown) or 'no AVX2'}"


def int8_speedup_target() -> float:
    """The int8 target for this CPU: 2.5x with VNNI (int8 dot products), 1.8x on AVX2 alone."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return 1.8
    return 2.5 if ("avx512_vnni" in flags or "avx_vnni" in flags) else 1.8


def test_split_f1(labeller: object, run: Path) -> float | None:
    """Macro-F1 of the first stance head on the run's test sentences (texts and gold from predictions.jsonl)."""
    from src.evaluate import macro_f1

    rows = [json.loads(line) for line in (run / "predictions.jsonl").read_text().splitlines()]
    rows = [r for r in rows if r["split"] == "test"]
    model = labeller.model
    head = model.heads[0]
    if not rows or head.multilabel or model.context_ not in ("none", "previous"):
        return None  # speaker context needs attribution runs over the raw documents: not repeated here
    texts = [r["text"] for r in rows]
    contexts = None
    if model.context_ == "previous":
        docs = [r["id"].rsplit("-s", 1)[0] for r in rows]
        contexts = [texts[i - 1] if i and docs[i - 1] == docs[i] else "" for i in range(len(texts))]
    predicted = [p["labels"][head.name] for p in labeller.predict(texts, contexts)]
    return macro_f1([r["gold"][head.name] for r in rows], predicted)


def worker(run: Path, repeats: int, quantize: bool, workers: int | None) -> dict:
    from src.labelling import load_labeller
    from src.labelling.ingest import ingest

    raws = [p.read_text(encoding="utf-8") for p in sorted(RAW_DIR.glob("*.txt"))]
    labeller = load_labeller(run, quantize="int8" if quantize else None, workers=workers)
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
    model_only = None
    if model.family == "transformer":
        # The model alone (tokenization, batches, forward passes) on the same sentences: the pipeline's fixed costs
        # (ingestion, attribution, records) dilute a faster model's gain.
        texts = [r["text"] for a in articles for r in a]
        best = 0.0
        for _ in range(max(1, repeats - 1)):
            start = time.perf_counter()
            model.predict_proba(texts)
            best = max(best, len(texts) / (time.perf_counter() - start))
        model_only = best
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
        "model_only": model_only,
        "test_macro_f1": test_split_f1(labeller, run) if model.family == "transformer" else None,
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
    print(f"CPU: {cpu_features()}", flush=True)
    results = []
    for run in runs:
        family = json.loads((run / "model" / "model_meta.json").read_text())["family"]
        if family == "transformer":
            # The int8 export is made once into the model directory; it is not part of a labelling pass.
            from src.models.onnx_export import main as export_int8

            export_int8([str(run)])
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
            f"{TARGETS.get(r['family'], '-'):>8}{r['peak_rss_mb']:>13.0f}{r['ingest_only']:>17.0f}"
        )
    for r in results:
        if r["ceiling"]:
            c = r["ceiling"]
            print(
                f"{r['family']} ({r['setup'] or 'all layers'}) compute ceiling: {c['gflop_per_sentence']:.3f} GFLOP"
                f" per sentence ({c['mean_tokens']:.1f} tokens) at {c['matmul_gflops']:.0f} GFLOPS fp32 matmul"
                f" -> at most {c['sentences_per_s']:.0f} sentences/s; warm pipeline reached"
                f" {r['warm'] / c['sentences_per_s']:.0%} of it (target 85%)"
            )
    fp32s = [r for r in results if r["family"] == "transformer"]
    int8s = [r for r in results if r["family"] == "transformer int8"]
    for fp32, int8 in zip(fp32s, int8s, strict=True):
        agree = sum(a == b for a, b in zip(fp32["labels"], int8["labels"], strict=True)) / len(fp32["labels"])
        print(
            f"int8 (ONNX Runtime) vs fp32 ({fp32['setup'] or 'all layers'}): {int8['warm'] / fp32['warm']:.2f}x"
            f" faster (target {int8_speedup_target()}x on this CPU), label agreement {agree:.3f} (target 0.97)"
        )
        print(
            f"model alone: fp32 {fp32['model_only']:.0f}, int8 {int8['model_only']:.0f} sentences/s:"
            f" {int8['model_only'] / fp32['model_only']:.2f}x"
        )
        if fp32["test_macro_f1"] is not None:
            print(
                f"test macro-F1: fp32 {fp32['test_macro_f1']:.4f}, int8 {int8['test_macro_f1']:.4f},"
                f" difference {int8['test_macro_f1'] - fp32['test_macro_f1']:+.4f} (target within 0.01)"
            )
    print("runs: " + ", ".join(str(run) for run in runs))


if __name__ == "__main__":
    main()
