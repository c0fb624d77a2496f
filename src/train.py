"""Train one model on one task and write a self-contained run directory.

    python -m src.train task=speaker_role model.classifier.C=0.5 seed=3
    python -m src.train -m model=tfidf,transformer          # a sweep; ends with a side-by-side table
    python -m src.train model=transformer resume=RUN_DIR    # continue a killed run from its last checkpoint
    python -m src.train -m model=tfidf,transformer sweep.resume=SWEEP_DIR   # rerun: skip the finished jobs

The run directory holds: config.yaml (resolved), splits.json, metrics.json, predictions.jsonl, model/,
provenance.json, reliability.png, training_log.csv and training_curve.png (families that train in epochs),
train.log. metrics.json is written last: a directory without it is not a finished run (a failed one holds
FAILED.txt).

Every run reports, per split and head, bootstrap intervals of macro-F1 and accuracy that resample whole documents
(``eval.bootstrap``), and calibration: ECE, Brier score, reliability bins and diagram, and with
``eval.calibrate=temperature`` the same after temperature scaling fitted on dev (reported only: the saved model
and predictions.jsonl keep the model's own probabilities).
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hydra
import numpy as np
from omegaconf import DictConfig, OmegaConf

from src.calibration import fit_temperatures
from src.config import CONFIG_DIR, PROJECT_ROOT, Calibration, EvalConfig
from src.crossval import cross_validate, is_cross_validation
from src.data.corpus import load_corpus, to_examples
from src.data.splits import check_disjoint, make_splits, read_split_file, split_summary, subsample_training
from src.errors import ConfigError, DataError, DiplostanceError
from src.evaluate import Evaluation, check_settings, evaluate
from src.labelling.records import per_sentence
from src.models.base import Examples, StanceModel
from src.models.checkpoints import CHECKPOINTS_DIR
from src.report import run_summary
from src.resume import Start, plan_run
from src.tasks import Head, Task, task_from_config
from src.threads import job_threads, limit_threads
from src.tracking import (
    FinishedRun,
    RunLogger,
    atomic_write_json,
    atomic_write_jsonl,
    atomic_write_text,
    provenance,
    write_history,
    write_reliability_diagram,
)

EVAL_SPLITS = ("dev", "test", "seed_test")
# Rule data read by speaker attribution (data.context=speaker), recorded in provenance.json with the corpus files.
RULE_DATA_DIRS = (PROJECT_ROOT / "data" / "speakers", PROJECT_ROOT / "data" / "labelling")


def prediction_rows(
    split: str, examples: Examples, model: StanceModel, proba: dict[str, np.ndarray] | None = None
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """Predict one split; returns the prediction-file rows and the predicted labels per head.

    Args:
        split: Split name written into each row.
        examples: The split's sentences.
        model: The fitted model.
        proba: The model's probabilities for ``examples``, where already computed.
    """
    if proba is None:
        proba = model.predict_proba(examples.texts, examples.contexts)
    labels, probabilities = per_sentence(model, proba, 6)
    predicted = {h.name: [row[h.name] for row in labels] for h in model.heads}
    rows = [
        {
            "id": sentence_id,
            "split": split,
            "text": examples.texts[i],
            "gold": {h.name: examples.labels[h.name][i] for h in model.heads} if examples.labels else None,
            "pred": labels[i],
            "proba": probabilities[i],
        }
        for i, sentence_id in enumerate(examples.ids or range(len(examples)))
    ]
    return rows, predicted


def _choice(group: str, fallback: str) -> str:
    """The config option chosen for a group (``model=transformer`` -> ``transformer``), outside Hydra too."""
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return str(HydraConfig.get().runtime.choices.get(group, fallback))
    return fallback


def _overrides() -> list[str]:
    from hydra.core.hydra_config import HydraConfig

    return list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []


def check_trainable(train: Examples, heads: Sequence[Head], path: str | Path) -> None:
    """Every single-label head needs at least two classes among the training sentences.

    Raises:
        DataError: Naming the sentences file and the head's field, instead of a classifier's traceback.
    """
    for head in heads:
        if head.multilabel or train.labels is None:
            continue
        classes = sorted(set(train.labels[head.name]))
        if len(classes) < 2:
            raise DataError(
                path,
                None,
                head.field,
                f"every sentence of the training split has the label {classes[0]!r}; "
                "a classifier needs at least two classes to learn from",
            )


def train(cfg: DictConfig, splits: dict[str, list[str]] | None = None) -> dict[str, float]:
    """Load data, split, train, evaluate, save and record one run (or, with ``eval.cv_folds`` or
    ``eval.group_by=genre``, one run per cross-validation fold and their pooled summary: :mod:`src.crossval`).

    Args:
        cfg: The composed ``train`` config (``conf/train.yaml``).
        splits: Split name to document ids, instead of the split the config describes (one fold's).

    Returns:
        The flat metrics (``"<split>/<head>/<metric>"``), including the task's optimized metric; pooled over the
        folds for a cross-validation.
    """
    started = time.perf_counter()
    plan = plan_run(cfg)
    run_dir = plan.run_dir
    if plan.start == Start.skip:
        print(f"[diplostance] {run_dir} is finished; skipped (sweep.resume)", flush=True)
        return plan.metrics
    threads = job_threads(cfg.get("threads"))
    limit_threads(threads)
    settings: EvalConfig = OmegaConf.to_object(cfg.eval)  # type: ignore[assignment]
    check_settings(settings)
    if splits is None and is_cross_validation(settings):
        return cross_validate(cfg, settings, train)
    run_dir.mkdir(parents=True, exist_ok=True)
    if plan.start in (Start.resume, Start.restart):
        print(f"[diplostance] {plan.start.value} {run_dir}", flush=True)
        # What an unfinished attempt left after training (its error, a saved model) is no result: it is redone.
        (run_dir / "FAILED.txt").unlink(missing_ok=True)
        shutil.rmtree(run_dir / "model", ignore_errors=True)
    task: Task = task_from_config(OmegaConf.to_container(cfg.task, resolve=True))  # type: ignore[arg-type]
    context = str(cfg.data.context)  # a ContextMode, checked when the config was composed
    # Loggers are built up front (from their `_target_`), like the data and the model; they write at the end.
    loggers: list[RunLogger] = [
        hydra.utils.instantiate(node) for node in cfg.logger.values() if node is not None
    ]

    # Data: validate everything before any artifact that looks like a result is written.
    corpus = load_corpus(cfg.data.sentences, task.heads, cfg.data.documents)
    if splits is None and cfg.data.split_file:
        splits = read_split_file(cfg.data.split_file, corpus)
        corpus.files.append(Path(cfg.data.split_file))
    elif splits is None:
        ratios = OmegaConf.to_container(cfg.data.ratios, resolve=True)
        splits = make_splits(
            corpus, cfg.data.split_seed, ratios, cfg.data.seed_source, cfg.data.train_on_seed
        )  # type: ignore[arg-type]
    if cfg.data.train_documents is not None:
        splits = subsample_training(splits, cfg.data.train_documents, cfg.seed)
    check_disjoint(splits)
    if not splits["train"]:
        raise ConfigError("data: the split leaves no training documents")
    examples = {name: to_examples(corpus, docs, task.heads, context) for name, docs in splits.items() if docs}
    check_trainable(examples["train"], task.heads, cfg.data.sentences)
    split_record = {
        "split_seed": cfg.data.split_seed,
        "split_file": cfg.data.split_file,
        "summary": split_summary(corpus, splits),
        "documents": splits,
    }
    if plan.start == Start.resume:
        # The config is the same (plan_run checked); the data must be too, or the checkpoint trained on other text.
        check_same_split(run_dir, split_record, cfg.data.sentences)
    else:
        atomic_write_text(run_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
        atomic_write_json(run_dir / "splits.json", split_record)

    # Model: built from its config node alone (it never sees the whole config).
    # Partial first: kwargs given to instantiate() would be merged into the config and lose their types.
    build = hydra.utils.instantiate(cfg.model, _partial_=True, _convert_="all")
    model: StanceModel = build(heads=task.heads, seed=cfg.seed)
    model_name = _choice("model", model.family)
    # Families that train in epochs checkpoint each one, so that a killed run resumes (resume=RUN_DIR).
    if model.supports_checkpoints:
        model.checkpoint_into(run_dir / CHECKPOINTS_DIR)
    print(
        f"[diplostance] training {model_name} on task {task.name}: "
        + ", ".join(f"{name} {len(ex)}" for name, ex in examples.items())
        + " sentences",
        flush=True,
    )
    fit_started = time.perf_counter()
    model.fit(examples["train"], examples.get("dev"))
    fit_seconds = time.perf_counter() - fit_started

    probabilities = {
        split: model.predict_proba(examples[split].texts, examples[split].contexts)
        for split in EVAL_SPLITS
        if split in examples
    }
    temperatures = calibrate(settings, examples, probabilities, task.heads)
    doc_of = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    evaluation, rows = Evaluation(), []
    for split, proba in probabilities.items():
        split_rows, predicted = prediction_rows(split, examples[split], model, proba)
        rows.extend(split_rows)
        evaluation.update(
            evaluate(
                examples[split].labels,  # type: ignore[arg-type]
                predicted,
                task.heads,
                split,
                proba,
                None if examples[split].ids is None else [doc_of[i] for i in examples[split].ids],
                settings,
                temperatures,
            )
        )
    for key, note in evaluation.notes().items():
        print(f"[diplostance] note: {key} bootstrap: {note}", flush=True)
    atomic_write_jsonl(run_dir / "predictions.jsonl", rows)
    write_history(model.training_history(), run_dir)
    write_reliability_diagram(evaluation.reliability, run_dir, evaluation.reliability_scaled)
    if cfg.save_model:
        model.save(run_dir / "model")
    data_files = list(corpus.files)
    # Attribution's word lists and tables shape the speaker context: data that a rerun must match too.
    if context == "speaker":
        data_files += sorted(p for d in RULE_DATA_DIRS for p in d.rglob("*") if p.is_file())
    record_of_origin = provenance(data_files, cfg.seed, _overrides())
    atomic_write_json(run_dir / "provenance.json", record_of_origin)

    duration = time.perf_counter() - started
    metrics = evaluation.scalars
    record = {
        "task": task.name,
        "model": model_name,
        "overrides": _overrides(),
        "family": model.family,
        "experiment": cfg.experiment_name,
        "seed": cfg.seed,
        "optimized_metric": task.optimized_metric,
        "optimized_value": metrics.get(task.optimized_metric),
        "duration_s": round(duration, 3),
        "fit_s": round(fit_seconds, 3),
        "threads": threads,
        "resumed": plan.start == Start.resume,
        "thresholds": model.thresholds_,
        **({"temperature": temperatures} if settings.calibrate else {}),
        **evaluation.to_dict(),
    }
    atomic_write_json(run_dir / "metrics.json", record)  # last: marks the run as finished
    if not cfg.get("keep_checkpoints", False):
        shutil.rmtree(run_dir / CHECKPOINTS_DIR, ignore_errors=True)

    finished = FinishedRun(
        run_dir=run_dir,
        experiment=cfg.experiment_name,
        task=task.name,
        model=model_name,
        heads=[head.name for head in task.heads],
        seed=cfg.seed,
        split_seed=cfg.data.split_seed,
        context=context,
        metrics=metrics,
        model_params=model.get_params(),
        train_sentences=len(examples["train"]),
        duration_s=duration,
        git=record_of_origin["git"],
        intervals=evaluation.intervals,
        temperatures=temperatures,
    )
    for logger in loggers:
        logger.log_run(finished)

    print(
        f"\n{model_name} on {task.name} ({duration:.1f} s) -> {run_dir}\n{run_summary(metrics)}"
        f"\n{interval_summary(evaluation)}"
        + "".join(f"\n{head} temperature {t:.3f} (fitted on dev)" for head, t in temperatures.items()),
        flush=True,
    )
    return metrics


def check_same_split(run_dir: Path, split_record: dict[str, Any], sentences: str) -> None:
    """A resumed run must split its data as it did when it started (the data files may have changed since).

    Raises:
        DataError: Naming the sentences file and the splits that now hold other documents.
    """
    saved = json.loads((run_dir / "splits.json").read_text(encoding="utf-8"))
    changed = [
        name
        for name in sorted(set(saved["documents"]) | set(split_record["documents"]))
        if sorted(saved["documents"].get(name, [])) != sorted(split_record["documents"].get(name, []))
    ]
    if changed or saved.get("summary") != json.loads(json.dumps(split_record["summary"])):
        raise DataError(
            sentences,
            None,
            None,
            f"the data changed since {run_dir} started (splits {', '.join(changed) or 'with other sentence counts'} "
            "differ from its splits.json); its checkpoint cannot be resumed on these data",
        )


def calibrate(
    settings: EvalConfig,
    examples: dict[str, Examples],
    probabilities: dict[str, dict[str, np.ndarray]],
    heads: Sequence[Head],
) -> dict[str, float]:
    """Temperatures fitted on dev for ``eval.calibrate=temperature`` (none otherwise, or without a dev split)."""
    if settings.calibrate != Calibration.temperature:
        return {}
    if "dev" not in probabilities or not examples["dev"].labels:
        print("[diplostance] note: eval.calibrate=temperature needs a dev split; none fitted", flush=True)
        return {}
    return fit_temperatures(examples["dev"].labels, probabilities["dev"], heads)


def interval_summary(evaluation: Evaluation) -> str:
    """One line per split and head: its macro-F1 interval and what was resampled."""
    lines = []
    for key, how in evaluation.bootstrap.items():
        bounds = evaluation.intervals.get(f"{key}/macro_f1_ci")
        if bounds:
            lines.append(
                f"{key} macro_f1 {how['confidence']:.0%} interval [{bounds[0]:.3f}, {bounds[1]:.3f}] "
                f"({how['units']} {how['unit']}s resampled)"
            )
    return "\n".join(lines)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="train")
def main(cfg: DictConfig) -> float | None:
    """Hydra entry point: run :func:`train`; return the optimized metric for sweepers."""
    try:
        metrics = train(cfg)
    except DiplostanceError as exc:
        _mark_failed(cfg, exc)
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    except BaseException as exc:
        _mark_failed(cfg, exc)
        raise
    return metrics.get(str(cfg.task.optimized_metric))


def _mark_failed(cfg: DictConfig, exc: BaseException) -> None:
    try:
        run_dir = Path(cfg.paths.output_dir)
        if run_dir.is_dir() and not (run_dir / "metrics.json").exists():
            atomic_write_text(run_dir / "FAILED.txt", f"{type(exc).__name__}: {exc}\n")
    except Exception:  # never mask the original error while recording it
        pass


if __name__ == "__main__":
    main()
