"""Training cost of the transformer family against a plain reference fine-tune of the same encoder.

    python -m bench.bench_transformer [--epochs 3] [--limit N] [--task stance] [--lr 1e-4] [--batch-size 16]

(from the repository root, or as ``python bench/bench_transformer.py`` where the package is installed).

Both runs fine-tune the default encoder (all-MiniLM-L6-v2, packaged) on the same train/dev split of the bundled
corpus with the same epochs, learning rate, batch size, warmup and seed:

- ours: ``TransformerModel`` as configured in ``conf/model/transformer.yaml`` (dynamic padding, length-grouped
  batches, best-dev-epoch restore, early stopping when ``--patience`` is given);
- reference: written the way users usually write it: ``AutoModelForSequenceClassification`` + ``Trainer``,
  every sentence padded to 128 tokens, evaluation every epoch, no early stopping.

Each run gets a fresh child process (started in turn by this one), so its peak RSS is its own. Prints seconds
per epoch per 1,000 training sentences, peak RSS, dev macro-F1 and the time ratio ours / reference.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REFERENCE_MAX_LENGTH = 128
# Single-head tasks only: the reference model has one classification head.
TASKS = ("stance", "speaker_role", "stance_multilabel")


def load_data(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """Task heads and the train/dev examples of the split that ``src.train`` would use."""
    from hydra import compose, initialize_config_dir

    from src.config import CONFIG_DIR
    from src.data.corpus import load_corpus, to_examples
    from src.data.splits import make_splits
    from src.tasks import task_from_config

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[f"task={args.task}", "data=corpus"])
    task = task_from_config(cfg.task)
    sentences = Path(args.sentences or cfg.data.sentences)
    documents = Path(args.documents or cfg.data.documents)
    if not sentences.is_file():
        sys.exit(f"error: {sentences} does not exist; pass --sentences/--documents to benchmark other data")
    corpus = load_corpus(sentences, task.heads, documents if documents.is_file() else None)
    splits = make_splits(corpus, cfg.data.split_seed, dict(cfg.data.ratios), cfg.data.seed_source)
    train = plain(to_examples(corpus, splits["train"], task.heads), args.limit or None)
    dev = plain(to_examples(corpus, splits["dev"], task.heads), None)
    return task.heads, train, dev


def plain(examples: Any, limit: int | None) -> Any:
    """Examples with plain Python lists (``datasets`` columns are lazy views), cut to ``limit`` sentences."""
    examples.texts = list(examples.texts)[:limit]
    examples.labels = {k: list(v)[:limit] for k, v in examples.labels.items()}
    return examples


def dev_macro_f1(heads: Any, gold: dict[str, list[Any]], predicted: dict[str, list[Any]]) -> float:
    """Mean over heads of the dev macro-F1 computed by the project's own ``evaluate``."""
    from src.evaluate import evaluate_head

    scores = [
        evaluate_head(gold[h.name], predicted[h.name], h, "dev").scalars[f"dev/{h.name}/macro_f1"]
        for h in heads
    ]
    return sum(scores) / len(scores)


def run_ours(args: argparse.Namespace) -> dict[str, float]:
    from src.models.transformer import TransformerModel

    heads, train, dev = load_data(args)
    model = TransformerModel(
        heads=heads,
        seed=args.seed,
        learning_rate=args.lr,
        num_epochs=args.epochs,
        batch_size=args.batch_size,
        early_stopping_patience=args.patience,
        device=args.device,
    )
    started = time.perf_counter()
    model.fit(train, dev)
    seconds = time.perf_counter() - started
    epochs = len(model.training_history()) or args.epochs
    f1 = dev_macro_f1(heads, dev.labels, model.predict(dev.texts))
    return {"n_train": len(train), "epochs": epochs, "fit_s": seconds, "dev_f1": f1}


def run_reference(args: argparse.Namespace) -> dict[str, float]:
    import numpy as np
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

    from src.models.encoder import resolve_pretrained

    heads, train, dev = load_data(args)
    head = heads[0]
    path = resolve_pretrained("default")
    tokenizer = AutoTokenizer.from_pretrained(path)
    problem = "multi_label_classification" if head.multilabel else "single_label_classification"
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=len(head.labels), problem_type=problem
    )

    def encode(examples: Any) -> list[dict[str, Any]]:
        enc = tokenizer(
            examples.texts, padding="max_length", truncation=True, max_length=REFERENCE_MAX_LENGTH
        )
        rows = []
        for i, gold in enumerate(examples.labels[head.name]):
            label = (
                [float(lab in gold) for lab in head.labels] if head.multilabel else head.labels.index(gold)
            )
            rows.append({k: enc[k][i] for k in enc} | {"labels": label})
        return rows

    def metrics(p: Any) -> dict[str, float]:
        from sklearn.metrics import f1_score

        if head.multilabel:
            return {"macro_f1": f1_score(p.label_ids, p.predictions > 0, average="macro", zero_division=0)}
        return {"macro_f1": f1_score(p.label_ids, p.predictions.argmax(-1), average="macro", zero_division=0)}

    out_dir = Path(args.work_dir) / "reference"
    training_args = TrainingArguments(
        output_dir=str(out_dir),
        num_train_epochs=args.epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=64,
        learning_rate=args.lr,
        weight_decay=0.01,
        warmup_steps=0.1,
        eval_strategy="epoch",
        logging_strategy="epoch",
        save_strategy="no",
        report_to="none",
        seed=args.seed,
        use_cpu=args.device == "cpu",
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=encode(train),  # type: ignore[arg-type]
        eval_dataset=encode(dev),  # type: ignore[arg-type]
        processing_class=tokenizer,
        compute_metrics=metrics,
    )
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    logits = trainer.predict(encode(dev)).predictions  # type: ignore[arg-type]
    if head.multilabel:
        predicted = [[lab for lab, v in zip(head.labels, row, strict=True) if v > 0] for row in logits]
    else:
        predicted = [head.labels[i] for i in np.asarray(logits).argmax(-1)]
    f1 = dev_macro_f1(heads, dev.labels, {head.name: predicted})
    return {"n_train": len(train), "epochs": args.epochs, "fit_s": seconds, "dev_f1": f1}


def child(which: str, args: argparse.Namespace) -> dict[str, float]:
    """Run one benchmark in this fresh process and report its figures with this process's peak RSS."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = run_ours(args) if which == "ours" else run_reference(args)
    # ru_maxrss is in kilobytes on Linux.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def measure(which: str, args: argparse.Namespace) -> dict[str, float]:
    """Run :func:`child` in a new process (errors in it are raised here)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(child, which, args).result()


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs for both runs (ours may stop early)")
    parser.add_argument(
        "--limit", type=int, default=0, help="use only the first N training sentences (0: all)"
    )
    parser.add_argument("--task", default="stance", choices=TASKS)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--patience", type=int, default=None, help="early stopping patience for ours (default off)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--sentences", default=None, help="sentences file (default: the bundled corpus)")
    parser.add_argument("--documents", default=None, help="documents file (default: the bundled corpus)")
    parser.add_argument("--skip-reference", action="store_true", help="time ours only (e.g. to tune it)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work_dir:
        args.work_dir = work_dir
        results = {"ours": measure("ours", args)}
        if not args.skip_reference:
            results["reference"] = measure("reference", args)

    n_train = results["ours"]["n_train"]
    print(
        f"\ntask {args.task}, {n_train} training sentences, lr {args.lr}, batch {args.batch_size}, "
        f"{args.epochs} epochs, device {args.device}, {os.cpu_count()} CPU cores"
    )
    header = f"{'run':<11}{'epochs':>7}{'s/epoch/1k sent':>17}{'peak RSS MB':>13}{'dev macro-F1':>14}"
    print(header)
    print("-" * len(header))
    per_epoch = {}
    for name, r in results.items():
        per_epoch[name] = r["fit_s"] / r["epochs"] * 1000 / r["n_train"]
        print(
            f"{name:<11}{r['epochs']:>7}{per_epoch[name]:>17.2f}{r['peak_rss_mb']:>13.0f}{r['dev_f1']:>14.3f}"
        )
    if "reference" in results:
        ratio = per_epoch["ours"] / per_epoch["reference"]
        gain = results["ours"]["dev_f1"] - results["reference"]["dev_f1"]
        print(
            f"time per epoch, ours / reference: {ratio:.2f}x (target <= 0.60x); dev macro-F1 difference {gain:+.3f}"
        )


if __name__ == "__main__":
    main()
