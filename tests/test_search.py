"""Optuna search (hparams_search=tfidf): a 3-trial search runs and records its best trial; bad search spaces are
one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from src.config import PROJECT_ROOT
from src.search import SearchSpaceError, check_search_space


def search(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "src.train",
            "hparams_search=tfidf",
            "hydra.sweeper.n_trials=3",
            "data=fixture",
            "eval.bootstrap.resamples=20",
            f"paths.log_dir={tmp_path}",
            f"hydra.sweep.dir={tmp_path / 'search'}",
            *extra,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )


def test_three_trial_tfidf_search_records_its_best_trial(tmp_path: Path) -> None:
    done = search(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    sweep = tmp_path / "search"
    trials = {
        p: json.loads((p / "metrics.json").read_text())
        for p in sweep.iterdir()
        if (p / "metrics.json").is_file()
    }
    assert len(trials) == 3
    best_dir = max(trials, key=lambda p: trials[p]["optimized_value"])
    best = yaml.safe_load((sweep / "best_trial.yaml").read_text())
    assert best["optimized_metric"] == "dev/primary_stance/macro_f1"
    assert best["value"] == max(t["optimized_value"] for t in trials.values())
    assert trials[Path(best["run_dir"])]["optimized_value"] == trials[best_dir]["optimized_value"]
    assert (sweep / "best_config.yaml").read_text() == (Path(best["run_dir"]) / "config.yaml").read_text()
    # Optuna's own summary agrees, and every trial sampled the whole search space.
    optuna_result = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert optuna_result["best_value"] == best["value"]
    assert set(optuna_result["best_params"]) == {
        "model.classifier.C",
        "model.classifier.name",
        "model.min_df",
        "model.sublinear_tf",
    }
    assert "best trial: dev/primary_stance/macro_f1" in done.stdout


def test_bad_range_stops_the_search_with_one_line(tmp_path: Path) -> None:
    done = search(tmp_path, "model.classifier.C=tag(log,interval(0.0,1.0))")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: hydra.sweeper.params.model.classifier.C: tag(log,interval(0.0,1.0)): "
        "a log interval must start above 0, not at 0.0"
    ]
    assert not any((tmp_path / "search").glob("*/metrics.json"))


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("model.classifier.C", "interval(5.0, 1.0)", "the low end 5.0 is above the high end 1.0"),
        ("model.classifier.CC", "interval(0.1, 1.0)", "model.classifier.CC is not a config key"),
        ("model.min_df", "range(4, 1)", "the range holds no value"),
        ("model.min_df", "range(1,", "not a value or sweep"),
    ],
)
def test_search_space_checks_name_the_parameter(key: str, value: str, problem: str) -> None:
    config = OmegaConf.create({"model": {"classifier": {"C": 1.0}, "min_df": 1}})
    with pytest.raises(SearchSpaceError, match=f"^hydra.sweeper.params.{key}: .*{problem}"):
        check_search_space({key: value}, config)
    check_search_space(
        {"model.classifier.C": "tag(log, interval(0.05, 20.0))", "model.min_df": "range(1, 4)"}, config
    )


@pytest.mark.parametrize("family", ["tfidf", "transformer"])
def test_each_family_search_space_composes_and_passes_its_checks(family: str) -> None:
    from hydra import compose, initialize_config_dir

    from src.config import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=[f"hparams_search={family}"], return_hydra_config=True)
    assert cfg.model._target_.endswith({"tfidf": "TfidfModel", "transformer": "TransformerModel"}[family])
    assert cfg.hydra.sweeper.direction == "maximize" and cfg.hydra.sweeper.storage is None
    params = OmegaConf.to_container(cfg.hydra.sweeper.params)
    assert len(params) >= 4
    check_search_space(params, cfg)
