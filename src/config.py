"""Typed schemas for the config tree, registered in Hydra's ConfigStore.

Each YAML option lists its schema first in its defaults list, so a misspelt key or a value of the wrong type
fails at composition time with Hydra's own message (for example ``model.classifier.CC=0.5``).
Importing this module also registers the ``project_root`` resolver used by ``conf/paths``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = PROJECT_ROOT / "conf"

if not OmegaConf.has_resolver("project_root"):
    OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT))


@dataclass
class PathsConfig:
    root_dir: str = MISSING
    data_dir: str = MISSING
    log_dir: str = MISSING
    output_dir: str = MISSING
    runs_table: str = MISSING


@dataclass
class DataConfig:
    sentences: str = MISSING
    documents: Optional[str] = None
    split_file: Optional[str] = None
    split_seed: int = 0
    ratios: dict[str, float] = field(default_factory=lambda: {"train": 0.7, "dev": 0.15, "test": 0.15})
    seed_source: str = "seed"
    train_on_seed: bool = False
    context: str = "none"


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


@dataclass
class ClassifierConfig:
    name: str = "logreg"
    C: float = 1.0
    class_weight: Optional[str] = "balanced"
    max_iter: int = 2000


@dataclass
class TfidfConfig:
    _target_: str = "src.models.tfidf.TfidfModel"
    word_ngram_range: list[int] = field(default_factory=lambda: [1, 2])
    char_ngram_range: Optional[list[int]] = field(default_factory=lambda: [2, 5])
    min_df: int = 1
    max_features: Optional[int] = None
    sublinear_tf: bool = True
    lowercase: bool = True
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)


@dataclass
class LoggerConfig:
    runs_table: bool = True
    mlflow_tracking_uri: Optional[str] = None
    mlflow_experiment: str = "diplostance"


# --- model family schemas added by later families go below this line ---


@dataclass
class TransformerConfig:
    _target_: str = "src.models.transformer.TransformerModel"
    pretrained: str = "default"
    num_layers: Optional[int] = None
    learning_rate: float = 1e-4
    num_epochs: int = 6
    batch_size: int = 16
    eval_batch_size: int = 64
    max_length: int = 128
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    early_stopping_patience: Optional[int] = 2
    class_weight: Optional[str] = None
    pooling: str = "mean"
    group_by_length: bool = True
    device: str = "auto"


@dataclass
class EmbeddingLogregConfig:
    _target_: str = "src.models.embedding.EmbeddingLogregModel"
    pretrained: str = "default"
    max_length: int = 128
    batch_size: int = 64
    pooling: str = "mean"
    normalize: bool = True
    C: float = 3.0
    class_weight: Optional[str] = "balanced"
    max_iter: int = 2000
    device: str = "auto"


@dataclass
class PredictConfig:
    model_dir: str = MISSING
    input: str = "-"
    output: Optional[str] = None
    format: str = "table"
    profile: bool = True
    quantize: bool = False
    batch_size: int = 2048
    workers: Optional[int] = None
    html: Optional[bool] = None
    genre: Optional[str] = None
    author: Optional[str] = None
    officeholders: list[str] = field(default_factory=list)


@dataclass
class TrainConfig:
    data: DataConfig = MISSING
    task: TaskConfig = MISSING
    model: Any = MISSING
    logger: LoggerConfig = MISSING
    paths: PathsConfig = MISSING
    seed: int = 0
    save_model: bool = True
    tags: list[str] = field(default_factory=list)
    experiment_name: Optional[str] = None


def register_configs() -> None:
    """Register every schema (idempotent; called on import)."""
    cs = ConfigStore.instance()
    cs.store(name="train_schema", node=TrainConfig)
    cs.store(name="predict_schema", node=PredictConfig)
    cs.store(group="paths", name="paths_schema", node=PathsConfig)
    cs.store(group="data", name="data_schema", node=DataConfig)
    cs.store(group="task", name="task_schema", node=TaskConfig)
    cs.store(group="logger", name="logger_schema", node=LoggerConfig)
    cs.store(group="model", name="tfidf_schema", node=TfidfConfig)
    for name, node in MODEL_SCHEMAS.items():
        cs.store(group="model", name=name, node=node)


# Schema name -> dataclass for model families beyond TF-IDF (filled in below by later families).
MODEL_SCHEMAS: dict[str, type] = {}
MODEL_SCHEMAS["transformer_schema"] = TransformerConfig
MODEL_SCHEMAS["embedding_logreg_schema"] = EmbeddingLogregConfig

register_configs()
