"""Archive labelling: Dask vs the local engine, and peak memory on a 1 GB article table.

    python bench/bench_archive.py                         # engine=dask (2-worker LocalCluster) vs engine=local
    python bench/bench_archive.py --megabytes 20 --repeats 2 --run outputs/runs/<tfidf run>
    python bench/bench_archive.py --memory                # label a 1 GB JSONL table, peak RSS per process
    python bench/bench_archive.py --memory --gigabytes 1 --format parquet --engine dask

Throughput: the bundled corpus's raw documents, repeated into a JSONL article table of ``--megabytes`` MB of text
(in a temporary folder), labelled into a temporary output directory by ``python -m src.predict``'s own code, once
per engine and repeat, alternating, each in a fresh process. The Dask cluster (a LocalCluster of two single-thread
worker processes) is started before timing, as an existing cluster given by ``dask.address`` would be, and its
workers are restarted before each run so that both engines pay for loading the model. Printed: sentences/s of
each engine (best run) and Dask's share of the local engine's (target >= 80%).

Memory: a JSONL (or Parquet) table of ``--gigabytes`` GB of article text is generated in a temporary folder and
labelled (partitioned Parquet output, also temporary). Printed: peak RSS of the labelling process and of each
worker process (forked labelling workers of the local engine, or the Dask workers); target < 1.5 GB each.

The default model is the newest finished TF-IDF run in outputs/ (the engines' overheads matter most for the
fastest family); ``--run`` picks another.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_inference import RAW_DIR, cpu_features, newest_runs  # noqa: E402


def write_table(path: Path, text_bytes: int, fmt: str = "jsonl") -> dict:
    """An article table of the corpus raw documents repeated until ``text_bytes`` of text; returns its size."""
    raws = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(RAW_DIR.glob("*.txt"))]
    written, rows, repeat = 0, 0, 0
    writer = None
    batch: list[dict] = []
    with open(path, "w", encoding="utf-8") as handle:
        while written < text_bytes:
            for stem, raw in raws:
                row = {"id": f"{stem}-r{repeat}", "text": raw, "source": "bench", "date": "2024-01-01"}
                if fmt == "jsonl":
                    handle.write(json.dumps(row) + "\n")
                else:
                    batch.append(row)
                written += len(raw.encode("utf-8"))
                rows += 1
                if written >= text_bytes:
                    break
            repeat += 1
            if fmt == "parquet" and (len(batch) >= 2000 or written >= text_bytes):
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = pa.Table.from_pylist(batch)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table, row_group_size=1000)
                batch = []
    if writer is not None:
        writer.close()
    return {"rows": rows, "text_mb": written / 1e6, "file_mb": path.stat().st_size / 1e6}


def child(args: argparse.Namespace) -> None:
    """One labelling run in this fresh process; prints its figures as JSON."""
    from hydra import compose, initialize_config_dir

    from src.config import CONFIG_DIR
    from src.labelling.cli import predict

    overrides = [
        f"model_dir={args.run}",
        f"input={args.table}",
        f"output={args.out}",
        f"format={args.out_format}",
        "profile=false",
        f"engine={args.engine}",
    ]
    if args.address:
        overrides.append(f"dask.address={args.address}")
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("predict", overrides=overrides)
    start = time.perf_counter()
    manifest = predict(cfg)
    seconds = time.perf_counter() - start
    sentences = sum(p["sentences"] for p in manifest.partitions.values())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "sentences": sentences,
                "articles": sum(p["articles"] for p in manifest.partitions.values()),
                "rate": sentences / seconds,
                "self_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def run_child(run: Path, table: Path, out: Path, engine: str, out_format: str, address: str | None) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--run",
        str(run),
        "--table",
        str(table),
        "--out",
        str(out),
        "--engine",
        engine,
        "--out-format",
        out_format,
    ]
    if address:
        cmd += ["--address", address]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"benchmark run failed ({engine}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker_peak_mb() -> float:
    import resource as worker_resource

    return worker_resource.getrusage(worker_resource.RUSAGE_SELF).ru_maxrss / 1024


def start_cluster(workers: int = 2) -> tuple[object, object]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return cluster, Client(cluster)


def throughput(args: argparse.Namespace, run: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-archive-") as work:
        table = Path(work) / "articles.jsonl"
        size = write_table(table, int(args.megabytes * 1e6))
        print(
            f"table: {size['rows']:,} articles, {size['text_mb']:.1f} MB of text ({size['file_mb']:.1f} MB JSONL)",
            flush=True,
        )
        cluster, client = start_cluster()
        try:
            results: dict[str, list[dict]] = {"local": [], "dask": []}
            for repeat in range(args.repeats):
                for engine in ("local", "dask"):
                    if engine == "dask":
                        client.restart()  # fresh workers: the model is loaded again, as in the local run
                    out = Path(work) / f"out-{engine}-{repeat}"
                    result = run_child(run, table, out, engine, "parquet", cluster.scheduler_address)
                    results[engine].append(result)
                    print(
                        f"  {engine:<6} run {repeat + 1}: {result['sentences']:,} sentences in"
                        f" {result['seconds']:.1f} s = {result['rate']:,.0f} sentences/s",
                        flush=True,
                    )
        finally:
            client.close()
            cluster.close()
        best = {engine: max(r["rate"] for r in runs) for engine, runs in results.items()}
        print(
            f"engine=local {best['local']:,.0f} sentences/s; engine=dask (2-worker LocalCluster)"
            f" {best['dask']:,.0f} sentences/s = {best['dask'] / best['local']:.0%} of local (target >= 80%)"
        )


def memory(args: argparse.Namespace, run: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as work:
        table = Path(work) / f"articles.{args.format}"
        size = write_table(table, int(args.gigabytes * 1e9), args.format)
        print(
            f"table: {size['rows']:,} articles, {size['text_mb'] / 1e3:.2f} GB of text,"
            f" {size['file_mb'] / 1e3:.2f} GB {args.format} file",
            flush=True,
        )
        address, cluster, client = None, None, None
        if args.engine == "dask":
            cluster, client = start_cluster()
            address = cluster.scheduler_address
        try:
            result = run_child(run, table, Path(work) / "out", args.engine, "parquet", address)
            workers = (
                list(client.run(_worker_peak_mb).values())
                if client is not None
                else [result["children_peak_mb"]]
            )
        finally:
            if client is not None:
                client.close()
                cluster.close()
    print(
        f"labelled {result['articles']:,} articles, {result['sentences']:,} sentences in {result['seconds']:.0f} s"
        f" ({result['rate']:,.0f} sentences/s), engine={args.engine}"
    )
    print(f"peak RSS: labelling process {result['self_peak_mb']:,.0f} MB", end="")
    kind = "Dask worker" if args.engine == "dask" else "largest forked labelling worker"
    print("".join(f"; {kind} {mb:,.0f} MB" for mb in workers) + " (target < 1,500 MB per process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="run directory (default: newest TF-IDF run in outputs/)")
    parser.add_argument("--megabytes", type=float, default=20.0, help="text in the throughput table")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--memory", action="store_true", help="run the memory check instead")
    parser.add_argument("--gigabytes", type=float, default=1.0, help="text in the memory check's table")
    parser.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl", help="memory check table")
    parser.add_argument("--engine", choices=("local", "dask"), default="local", help="memory check engine")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--table", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-format", default="parquet", help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    run = args.run
    if run is None:
        tfidf = [
            r
            for r in newest_runs()
            if json.loads((r / "model" / "model_meta.json").read_text())["family"] == "tfidf"
        ]
        if not tfidf:
            sys.exit("no finished TF-IDF run in outputs/: run `python -m src.train` first, or pass --run")
        run = tfidf[0]
    print(f"CPU: {cpu_features()}\nmodel: {run}", flush=True)
    if args.memory:
        memory(args, run)
    else:
        throughput(args, run)


if __name__ == "__main__":
    main()
