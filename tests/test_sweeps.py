"""Sweeps through Hydra's launchers end with a side-by-side comparison of their runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from src.config import PROJECT_ROOT


def _sweep_command(tmp_path, launcher: str, *overrides: str) -> list[str]:
    """A two-job TF-IDF sweep on the fixture corpus with the basic or joblib launcher."""
    extra = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"] if launcher == "joblib" else []
    return [
        sys.executable,
        "-m",
        "src.train",
        "-m",
        "data=fixture",
        "task=stance,speaker_role",
        *overrides,
        f"paths.log_dir={tmp_path}",
        *extra,
    ]


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_multirun_writes_one_run_per_job_and_a_comparison(tmp_path, launcher):
    done = subprocess.run(
        _sweep_command(tmp_path, launcher, f"hydra.sweep.dir={tmp_path}/sweep"),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    runs = sorted(p for p in (tmp_path / "sweep").iterdir() if p.is_dir())
    # Named from their overrides (paths.log_dir left out), so a rerun finds the same directories.
    assert [p.name for p in runs] == ["data=fixture,task=speaker_role", "data=fixture,task=stance"]
    for run in runs:
        assert json.loads((run / "metrics.json").read_text())["task"] in {"stance", "speaker_role"}
    comparison = (tmp_path / "sweep" / "comparison.txt").read_text()
    assert "tfidf/stance" in comparison and "tfidf/speaker_role" in comparison
    assert "Comparison of 2 run(s)" in done.stdout
    assert len((tmp_path / "runs.csv").read_text().splitlines()) == 3  # header + one row per run


def test_run_names_show_nested_model_keys_but_not_paths():
    from src.report import run_name

    run = {
        "model": "transformer",
        "task": "stance",
        "overrides": [
            "model=transformer",
            "model.num_layers=2",
            "seed=1",
            "paths.output_dir=/tmp/x",
            "hydra.job=1",
        ],
    }
    assert run_name(run) == "transformer/stance model.num_layers=2 seed=1"


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_rerun_sweep_skips_finished_jobs_and_completes_interrupted_ones(tmp_path, launcher):
    command = _sweep_command(tmp_path, launcher, "eval.bootstrap.resamples=20")
    sweep = tmp_path / "sweep"
    first = subprocess.run(
        [*command, f"hydra.sweep.dir={sweep}"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr[-2000:]
    named = "data=fixture,eval.bootstrap.resamples=20,task="
    finished, interrupted = sweep / f"{named}stance", sweep / f"{named}speaker_role"
    # Interrupted before its metrics were written (what a kill leaves of a run without checkpoints).
    (interrupted / "metrics.json").unlink()
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in finished.rglob("*") if p.is_file()}

    rerun = subprocess.run(
        [*command, f"sweep.resume={sweep}"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"{finished} is finished; skipped" in rerun.stdout
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in finished.rglob("*") if p.is_file()}
    assert after == before  # the finished job's directory is untouched, .hydra/ included
    assert json.loads((interrupted / "metrics.json").read_text())["task"] == "speaker_role"
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir()) == [interrupted.name, finished.name]
    # Three runs finished in all: two in the first launch, the completed one in the rerun.
    assert len((tmp_path / "runs.csv").read_text().splitlines()) == 1 + 3
