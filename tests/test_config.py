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


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml")))
def test_every_experiment_composes_with_each_of_its_sweep_values(compose_cfg, experiment):
    """Each curated experiment composes, and so does every job of its sweep (a typo there fails here)."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        swept = compose("train", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    params = swept.hydra.sweeper.params or {}
    jobs = (
        [[]]
        if not params
        else [[f"{key}={value}"] for key, values in params.items() for value in values.split(",")]
    )
    for job in jobs:
        cfg = compose_cfg(f"experiment={experiment}", *job)
        assert cfg.experiment_name == experiment
