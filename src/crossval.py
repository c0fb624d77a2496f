"""Document-grouped k-fold cross-validation through the ordinary training run.

    python -m src.train eval.cv_folds=5                 # StratifiedGroupKFold over the training pool's documents
    python -m src.train eval.group_by=genre             # leave one genre out (genres from data.documents)

Every fold is a normal, self-contained run in ``<run_dir>/fold_<k>/``: test = the fold's documents, dev = a
document-grouped slice of the rest (the share ``data.ratios.dev`` takes of train + dev), train = the remainder; the
seed article (``seed_test``) stays out of the folds and is scored in each. The run directory then gets
``cv_summary.json`` (per metric: mean, sd, min and max over folds, and the pooled figure) and, last, its own
``metrics.json`` holding the pooled evaluation: the test predictions of all folds together, which test every
document of the pool exactly once; dev and seed_test are pooled the same way (their documents recur across folds,
so their bootstrap resamples a document of one fold as its own unit).
"""

from __future__ import annotations

import copy
import json
import statistics
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from sklearn.model_selection import LeaveOneGroupOut, StratifiedGroupKFold

from src.config import CvGroup, EvalConfig
from src.data.corpus import Corpus, load_corpus
from src.data.splits import SPLITS, fill_splits, make_splits
from src.errors import ConfigError, DataError
from src.evaluate import Evaluation, evaluate
from src.tasks import Head, Task, task_from_config
from src.tracking import atomic_write_json, atomic_write_text

POOLED_SPLITS = ("dev", "test", "seed_test")


def is_cross_validation(settings: EvalConfig) -> bool:
    """Whether ``eval`` asks for folds instead of one train/dev/test split."""
    return settings.cv_folds is not None or settings.group_by == CvGroup.genre


def document_label(labels: Sequence[Any], head: Head) -> str:
    """A document's stratum: the majority label of its sentences (for a multi-label head the most frequent
    label, ``"none"`` when no sentence has one); ties go to the label first in the head's order."""
    counts = Counter(lab for row in labels for lab in row) if head.multilabel else Counter(labels)
    if not counts:
        return "none"
    return max(head.labels, key=lambda lab: (counts[lab], -head.labels.index(lab)))


def fold_splits(
    corpus: Corpus,
    head: Head,
    settings: EvalConfig,
    split_seed: int,
    ratios: dict[str, float],
    seed_source: str = "seed",
    train_on_seed: bool = False,
    documents_file: str | None = None,
) -> list[dict[str, list[str]]]:
    """The splits of every fold.

    Args:
        corpus: The validated corpus.
        head: The head whose per-document majority label stratifies the folds.
        settings: ``eval`` (``cv_folds``, ``group_by``).
        split_seed: Seed of the fold assignment and of each fold's dev slice.
        ratios: ``data.ratios``; the dev slice takes ``dev / (train + dev)`` of the remaining sentences.
        seed_source: Documents with this ``source`` form ``seed_test`` in every fold.
        train_on_seed: Pool the seed documents with the others.
        documents_file: The documents file (genres), for messages.

    Returns:
        Per fold, split name to sorted document ids, for every name in :data:`SPLITS`.

    Raises:
        ConfigError: ``cv_folds`` below 2 or above the number of documents, or set together with
            ``group_by=genre``; ``group_by=genre`` without a documents file.
        DataError: A pool document without a genre, or fewer than two genres.
    """
    held = make_splits(corpus, split_seed, ratios, seed_source, train_on_seed)["seed_test"]
    sizes = Counter(corpus.sentences["doc_id"])
    pool = sorted(d for d in sizes if d not in set(held))
    if settings.group_by == CvGroup.genre:
        if settings.cv_folds is not None:
            raise ConfigError(
                "eval.cv_folds: eval.group_by=genre makes one fold per genre; leave eval.cv_folds null"
            )
        if not documents_file:
            raise ConfigError("eval.group_by=genre: needs a documents file with genres (data.documents)")
        missing = [d for d in pool if not corpus.documents.get(d, {}).get("genre")]
        if missing:
            raise DataError(documents_file, None, "genre", f"document {missing[0]!r} has no genre")
        groups = [str(corpus.documents[d]["genre"]) for d in pool]
        if len(set(groups)) < 2:
            raise DataError(
                documents_file,
                None,
                "genre",
                f"leave-one-genre-out needs at least 2 genres among the training documents, found {sorted(set(groups))}",
            )
        folds = LeaveOneGroupOut().split(pool, groups=groups)
    else:
        k = settings.cv_folds
        if k is None or k < 2 or k > len(pool):
            raise ConfigError(
                f"eval.cv_folds: must be between 2 and the {len(pool)} training documents, got {k}"
            )
        doc_rows: dict[str, list[Any]] = {d: [] for d in pool}
        for doc, label in zip(corpus.sentences["doc_id"], corpus.sentences[head.field], strict=True):
            if doc in doc_rows:
                doc_rows[doc].append(label)
        strata = [document_label(doc_rows[d], head) for d in pool]
        with warnings.catch_warnings():
            # A stratum rarer than K documents is common in a small corpus; the folds are still grouped.
            warnings.filterwarnings("ignore", "The least populated class", UserWarning)
            splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=split_seed)
            folds = list(splitter.split(pool, strata, groups=pool))

    dev_ratios = {"train": ratios["train"], "dev": ratios["dev"]}
    result = []
    for fold, (rest_idx, test_idx) in enumerate(folds):
        rest = [pool[i] for i in rest_idx]
        order = [rest[i] for i in np.random.default_rng([split_seed, fold]).permutation(len(rest))]
        splits: dict[str, list[str]] = {s: [] for s in SPLITS}
        splits.update(fill_splits(order, sizes, dev_ratios))
        splits["test"] = [pool[i] for i in test_idx]
        splits["seed_test"] = list(held)
        result.append({name: sorted(docs) for name, docs in splits.items()})
    return result


def cross_validate(
    cfg: DictConfig, settings: EvalConfig, train_one: Callable[..., dict[str, float]]
) -> dict[str, float]:
    """Train one run per fold under ``cfg.paths.output_dir`` and pool them (see the module docstring).

    Args:
        cfg: The composed ``train`` config with ``eval.cv_folds`` or ``eval.group_by=genre``.
        settings: Its ``eval`` node as an object.
        train_one: :func:`src.train.train`, called per fold with the fold's config and splits.

    Returns:
        The pooled flat metrics, including the task's optimized metric.
    """
    run_dir = Path(cfg.paths.output_dir)
    task: Task = task_from_config(OmegaConf.to_container(cfg.task, resolve=True))  # type: ignore[arg-type]
    if cfg.data.split_file:
        raise ConfigError("eval.cv_folds: cross-validation makes its own folds; leave data.split_file null")
    corpus = load_corpus(cfg.data.sentences, task.heads, cfg.data.documents)
    folds = fold_splits(
        corpus,
        task.heads[0],
        settings,
        cfg.data.split_seed,
        OmegaConf.to_container(cfg.data.ratios, resolve=True),  # type: ignore[arg-type]
        cfg.data.seed_source,
        cfg.data.train_on_seed,
        cfg.data.documents,
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(run_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    how = "leave one genre out" if settings.group_by == CvGroup.genre else "stratified group k-fold"
    print(f"[diplostance] cross-validation: {len(folds)} folds ({how})", flush=True)

    fold_metrics, fold_dirs = [], []
    for k, splits in enumerate(folds):
        fold_cfg = copy.deepcopy(cfg)
        fold_dir = run_dir / f"fold_{k}"
        fold_cfg.paths.output_dir = str(fold_dir)
        # A fold is an ordinary single-split run; its split is in its splits.json.
        fold_cfg.eval.cv_folds = None
        fold_cfg.eval.group_by = CvGroup.document.value
        print(f"[diplostance] fold {k}: test {', '.join(splits['test'])}", flush=True)
        fold_metrics.append(train_one(fold_cfg, splits))
        fold_dirs.append(fold_dir)

    doc_of = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    pooled = pooled_evaluation(fold_dirs, task.heads, doc_of, settings)
    summary = {
        "folds": len(folds),
        "group_by": str(settings.group_by),
        "split_seed": cfg.data.split_seed,
        "fold_dirs": [p.name for p in fold_dirs],
        "test_documents": [s["test"] for s in folds],
        "genres": (
            [sorted({str(corpus.documents[d]["genre"]) for d in s["test"]}) for s in folds]
            if settings.group_by == CvGroup.genre
            else None
        ),
        "metrics": spread(fold_metrics, pooled.scalars),
    }
    atomic_write_json(run_dir / "cv_summary.json", summary)
    record = {
        "task": task.name,
        "cross_validation": {k: summary[k] for k in ("folds", "group_by", "split_seed", "fold_dirs")},
        "optimized_metric": task.optimized_metric,
        "optimized_value": pooled.scalars.get(task.optimized_metric),
        **pooled.to_dict(),
    }
    atomic_write_json(run_dir / "metrics.json", record)  # last: marks the run as finished
    print(f"\ncross-validation ({how}, {len(folds)} folds) -> {run_dir}\n{spread_table(summary['metrics'])}")
    return pooled.scalars


def pooled_evaluation(
    fold_dirs: Sequence[Path], heads: Sequence[Head], doc_of: dict[str, str], settings: EvalConfig
) -> Evaluation:
    """Score the predictions of all folds together, per split (from each fold's ``predictions.jsonl``).

    Raises:
        DataError: A document tested in two folds, or a pool document in none (a guard on the folds).
    """
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {s: [] for s in POOLED_SPLITS}
    for k, fold_dir in enumerate(fold_dirs):
        with open(fold_dir / "predictions.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows[row["split"]].append((k, row))
    tested: dict[str, int] = {}
    for k, row in rows["test"]:
        doc = doc_of[row["id"]]
        if tested.setdefault(doc, k) != k:
            raise DataError(
                "folds", None, "doc_id", f"document {doc!r} is tested in folds {tested[doc]} and {k}"
            )
    evaluation = Evaluation()
    for split, split_rows in rows.items():
        if not split_rows:
            continue
        evaluation.update(
            evaluate(
                {h.name: [r["gold"][h.name] for _, r in split_rows] for h in heads},
                {h.name: [r["pred"][h.name] for _, r in split_rows] for h in heads},
                heads,
                split,
                {
                    h.name: np.array([[r["proba"][h.name][lab] for lab in h.labels] for _, r in split_rows])
                    for h in heads
                },
                [f"{k}:{doc_of[r['id']]}" for k, r in split_rows],
                settings,
            )
        )
    return evaluation


def spread(fold_metrics: Sequence[dict[str, float]], pooled: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Per metric found in every fold: mean, sample sd, min and max over folds, each fold's value, and pooled."""
    keys = sorted(set.intersection(*(set(m) for m in fold_metrics)))
    out = {}
    for key in keys:
        values = [float(m[key]) for m in fold_metrics]
        out[key] = {
            "mean": statistics.fmean(values),
            "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
            "min": min(values),
            "max": max(values),
            "folds": values,
            "pooled": pooled.get(key),
        }
    return out


def spread_table(metrics: dict[str, dict[str, Any]], names: Sequence[str] = ("macro_f1", "accuracy")) -> str:
    """One line per split, head and metric of ``names``: mean ± sd [min, max] over folds, and pooled."""
    lines = [f"{'metric':<40} {'mean ± sd':>15} {'[min, max]':>16} {'pooled':>7}"]
    for key, s in metrics.items():
        if key.rsplit("/", 1)[-1] in names:
            pooled = "" if s["pooled"] is None else f"{s['pooled']:.3f}"
            lines.append(
                f"{key:<40} {s['mean']:>7.3f} ± {s['sd']:.3f} [{s['min']:.3f}, {s['max']:.3f}] {pooled:>7}"
            )
    return "\n".join(lines)
