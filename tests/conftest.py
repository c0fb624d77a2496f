"""Shared test fixtures: the real config composed with Hydra's Compose API, tiny data, temporary run dirs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

# Nothing may be downloaded from a model hub during tests.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from hydra import compose, initialize_config_dir  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from src.config import CONFIG_DIR, PROJECT_ROOT  # noqa: E402

FIXTURE_CORPUS = PROJECT_ROOT / "tests" / "fixtures" / "corpus"


@pytest.fixture
def compose_cfg(tmp_path: Path) -> Callable[..., DictConfig]:
    """Compose ``conf/train.yaml`` with overrides, writing runs and the runs table under ``tmp_path``."""

    def _compose(*overrides: str, run_name: str = "run") -> DictConfig:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose(
                config_name="train",
                overrides=[
                    "data=fixture",
                    f"paths.output_dir={tmp_path / run_name}",
                    f"paths.log_dir={tmp_path / 'outputs'}",
                    *overrides,
                ],
            )

    return _compose


def train_run(root: Path, *overrides: str) -> Path:
    """Train one run of the real config with ``overrides`` into ``root / "run"`` (runs table in ``root``)."""
    from src.train import train

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(
            "train", overrides=[*overrides, f"paths.output_dir={root / 'run'}", f"paths.log_dir={root}"]
        )
    train(cfg)
    return root / "run"
