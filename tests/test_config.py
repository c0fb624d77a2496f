"""The real config tree composes for every option, and typos fail at composition time."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from omegaconf.errors import ConfigKeyError, ValidationError

from src.config import CONFIG_DIR

TASKS = sorted(p.stem for p in (CONFIG_DIR / "task").glob("*.yaml"))
MODELS = sorted(p.stem for p in (CONFIG_DIR / "model").glob("*.yaml"))


def test_every_task_and_model_option_composes(compose_cfg):
    assert {"stance", "stance_multilabel", "speaker_role", "multitask"} <= set(TASKS)
    for task in TASKS:
        for model in MODELS:
            cfg = compose_cfg(f"task={task}", f"model={model}")
            assert cfg.task.name == task
            assert cfg.model._target_.startswith("src.models.")
            assert cfg.task.optimized_metric.startswith("dev/")


def test_override_from_issue_composes(compose_cfg):
    cfg = compose_cfg("task=speaker_role", "model.classifier.C=0.5", "seed=3")
    assert cfg.model.classifier.C == 0.5 and cfg.seed == 3 and cfg.task.name == "speaker_role"


@pytest.mark.parametrize(
    "override",
    [
        "model.classifier.CC=0.5",
        "seed=three",
        "data.split_seed=x",
        "task=stanse",
        "model.word_ngram_range=abc",
    ],
)
def test_typos_fail_at_composition(compose_cfg, override):
    with pytest.raises((ConfigCompositionException, ConfigKeyError, ValidationError)):
        compose_cfg(override)
