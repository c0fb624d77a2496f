"""Resuming killed runs: a tiny-BERT run killed with SIGKILL after its first epoch resumes to the same metrics as an
uninterrupted run; resuming is refused for finished runs, runs of another config and runs without checkpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from src.config import CONFIG_DIR, PROJECT_ROOT
from src.errors import ConfigError, DiplostanceError
from src.models.checkpoints import CHECKPOINTS_DIR, STATE_FILE, complete_checkpoints, last_checkpoint
from src.resume import Start, config_differences, plan_run
from tests.conftest import train_run
from tests.tiny_bert import build_tiny_bert

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def tiny_transformer_args(bert: Path, log_dir: Path) -> list[str]:
    # Three epochs without early stopping: the kill lands in epoch 2 or 3, never after the run finished.
    return [
        "data=fixture",
        "model=transformer",
        f"model.pretrained={bert}",
        "model.num_epochs=3",
        "model.early_stopping_patience=null",
        "model.batch_size=8",
        "model.device=cpu",
        "eval.bootstrap.resamples=50",
        f"paths.log_dir={log_dir}",
    ]


def train_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "src.train", *args], cwd=PROJECT_ROOT, env=ENV, capture_output=True, text=True
    )


def test_run_killed_after_its_first_epoch_resumes_to_the_same_metrics(tmp_path: Path) -> None:
    bert = build_tiny_bert(tmp_path / "bert")
    args = tiny_transformer_args(bert, tmp_path)
    whole = train_process(*args, f"hydra.run.dir={tmp_path / 'whole'}")
    assert whole.returncode == 0, whole.stderr[-2000:]

    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "src.train", *args, f"hydra.run.dir={killed}"],
        cwd=PROJECT_ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while last_checkpoint(killed / CHECKPOINTS_DIR) is None:
        assert process.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (killed / "metrics.json").exists()
    saved = json.loads((last_checkpoint(killed / CHECKPOINTS_DIR) / STATE_FILE).read_text())  # type: ignore[operator]
    assert 1 <= saved["epoch"] < 3

    resumed = train_process(*args, f"resume={killed}")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming from" in resumed.stdout
    expected = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    got = json.loads((killed / "metrics.json").read_text())
    assert got["resumed"] is True
    assert got["metrics"] == expected["metrics"]
    assert got["intervals"] == expected["intervals"]
    assert (killed / "training_log.csv").read_text() == (tmp_path / "whole" / "training_log.csv").read_text()
    # Finished: the checkpoints are gone (keep_checkpoints=false), and the run is not resumable again.
    assert not (killed / CHECKPOINTS_DIR).exists()
    again = train_process(*args, f"resume={killed}")
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [
        f"error: resume: {killed} is a finished run (it holds metrics.json); runs are never overwritten"
    ]


def compose_train(*overrides: str):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose("train", overrides=["eval.bootstrap.resamples=20", *overrides])


def test_resume_refuses_what_it_cannot_continue(tmp_path: Path) -> None:
    finished = train_run(tmp_path / "a", "data=fixture", "eval.bootstrap.resamples=20")
    with pytest.raises(ConfigError, match="is a finished run"):
        plan_run(compose_train("data=fixture", f"resume={finished}"))
    with pytest.raises(ConfigError, match="is not a directory"):
        plan_run(compose_train("data=fixture", f"resume={tmp_path / 'nowhere'}"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"not a run directory \(no config.yaml\)"):
        plan_run(compose_train("data=fixture", f"resume={tmp_path / 'empty'}"))

    # An interrupted run: its config, no metrics.json.
    interrupted = tmp_path / "interrupted"
    interrupted.mkdir()
    (interrupted / "config.yaml").write_text((finished / "config.yaml").read_text())
    with pytest.raises(ConfigError, match=r"model.classifier.C \(run: 1.0, now: 0.5\)"):
        plan_run(compose_train("data=fixture", "model.classifier.C=0.5", f"resume={interrupted}"))
    with pytest.raises(ConfigError, match="holds no complete checkpoint"):
        plan_run(compose_train("data=fixture", f"resume={interrupted}"))
    # A checkpoint cut short (no state file) does not count.
    (interrupted / CHECKPOINTS_DIR / "checkpoint-4").mkdir(parents=True)
    assert complete_checkpoints(interrupted / CHECKPOINTS_DIR) == []
    (interrupted / CHECKPOINTS_DIR / "checkpoint-4" / STATE_FILE).write_text("{}")
    plan = plan_run(compose_train("data=fixture", f"resume={interrupted}"))
    assert (plan.start, plan.run_dir) == (Start.resume, interrupted)

    with pytest.raises(DiplostanceError, match="already holds a finished run"):
        plan_run(compose_train("data=fixture", f"paths.output_dir={finished}"))

    # A rerun sweep (sweep.resume) skips a finished job of the same config with its recorded metrics...
    plan = plan_run(compose_train("data=fixture", f"paths.output_dir={finished}", f"sweep.resume={tmp_path}"))
    assert plan.start == Start.skip
    assert plan.metrics == json.loads((finished / "metrics.json").read_text())["metrics"]
    # ...and refuses one of another config instead of passing its metrics off as this config's.
    with pytest.raises(ConfigError, match=r"model.classifier.C \(run: 1.0, now: 2.0\)"):
        plan_run(
            compose_train(
                "data=fixture",
                "model.classifier.C=2.0",
                f"paths.output_dir={finished}",
                f"sweep.resume={tmp_path}",
            )
        )


def test_runtime_settings_may_differ_when_resuming() -> None:
    saved = {"model.C": 1.0, "threads": None, "paths.output_dir": "/a", "sweep.resume": None, "seed": 0}
    now = {
        "model.C": 1.0,
        "threads": 2,
        "paths.output_dir": "/b",
        "sweep.resume": "/s",
        "seed": 1,
        "resume": "/a",
    }
    assert config_differences(saved, now) == ["seed"]


def test_families_that_train_in_epochs_declare_checkpoints() -> None:
    from src.models.base import family_class

    assert family_class("transformer").supports_checkpoints
    assert not family_class("tfidf").supports_checkpoints
    assert family_class("tfidf").deterministic and not family_class("transformer").deterministic


def test_rerun_sweep_resumes_jobs_with_a_checkpoint_and_restarts_the_others(tmp_path: Path) -> None:
    finished = train_run(tmp_path / "a", "data=fixture", "eval.bootstrap.resamples=20")
    job = tmp_path / "job"
    job.mkdir()
    (job / "config.yaml").write_text((finished / "config.yaml").read_text())
    cfg = compose_train("data=fixture", f"paths.output_dir={job}", f"sweep.resume={tmp_path}")
    assert plan_run(cfg).start == Start.restart  # interrupted without a checkpoint: trains again in place
    (job / CHECKPOINTS_DIR / "checkpoint-8").mkdir(parents=True)
    (job / CHECKPOINTS_DIR / "checkpoint-8" / STATE_FILE).write_text("{}")
    assert plan_run(cfg).start == Start.resume
    fresh = compose_train("data=fixture", f"paths.output_dir={tmp_path / 'new'}", f"sweep.resume={tmp_path}")
    assert plan_run(fresh).start == Start.new
