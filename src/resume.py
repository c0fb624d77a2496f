"""Where a run starts: a new run, an interrupted run resumed (``resume=RUN_DIR``), or a job of a rerun sweep
(``sweep.resume=SWEEP_DIR``) that is skipped when finished and resumed or restarted when not.

A run directory is finished once it holds ``metrics.json``; its ``config.yaml`` (written before training) is the
resolved config it was started with. Resuming is refused for a finished run, a directory that is not a run, a run
whose config differs from the one given now (naming the keys), or, for ``resume=``, a run without a complete
checkpoint (:mod:`src.models.checkpoints`). Settings that say where or how a run executes, not what it computes
(:data:`RUNTIME_KEYS`), may differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from src.errors import ConfigError, DiplostanceError
from src.models.checkpoints import CHECKPOINTS_DIR, last_checkpoint

# Keys left out when a resumed run's config is compared with the one it was started with: where it writes and
# records (paths, loggers), how many threads it uses, and the resume settings themselves.
RUNTIME_KEYS = ("resume", "sweep", "keep_checkpoints", "threads", "paths", "logger")


class Start(StrEnum):
    """How :func:`plan_run` says a run starts."""

    new = "new"
    # Continue from the last complete checkpoint in the run directory.
    resume = "resume"
    # An interrupted run without checkpoints (or one that failed) trains again in its own directory.
    restart = "restart"
    # A finished job of a rerun sweep: nothing to do, its recorded metrics stand.
    skip = "skip"


@dataclass
class RunPlan:
    """Where and how a run starts.

    Attributes:
        run_dir: The run directory.
        start: New, resumed, restarted or skipped.
        metrics: The recorded flat metrics of a skipped (finished) run.
    """

    run_dir: Path
    start: Start
    metrics: dict[str, float] = field(default_factory=dict)


def flat_config(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """A config as ``{"model.learning_rate": 1e-4, ...}``, resolved, values as YAML writes them (enums as names)."""
    if isinstance(cfg, DictConfig):
        cfg = cfg.copy()
        # Where this process writes is no part of what it computes (and outside Hydra it does not resolve).
        OmegaConf.update(cfg, "paths.output_dir", "", force_add=True)
        plain = OmegaConf.create(OmegaConf.to_yaml(cfg, resolve=True))
    else:
        plain = OmegaConf.create(cfg)
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and node:
            for key, value in node.items():
                walk(value, f"{prefix}.{key}" if prefix else str(key))
        else:
            out[prefix] = node

    walk(OmegaConf.to_container(plain), "")
    return out


def config_differences(
    saved: dict[str, Any], current: dict[str, Any], ignore: tuple[str, ...] = RUNTIME_KEYS
) -> list[str]:
    """Keys whose values differ between two flat configs, ``ignore`` (and everything below it) left out."""

    def kept(key: str) -> bool:
        return not any(key == skip or key.startswith(f"{skip}.") for skip in ignore)

    keys = sorted(k for k in set(saved) | set(current) if kept(k))
    return [k for k in keys if saved.get(k, "<absent>") != current.get(k, "<absent>")]


def _differences_message(
    run_dir: Path, keys: list[str], saved: dict[str, Any], current: dict[str, Any]
) -> str:
    shown = ", ".join(
        f"{k} (run: {saved.get(k, '<absent>')!r}, now: {current.get(k, '<absent>')!r})" for k in keys[:6]
    )
    more = f" and {len(keys) - 6} more" if len(keys) > 6 else ""
    overrides = run_dir / ".hydra" / "overrides.yaml"
    hint = ""
    if overrides.is_file():
        given = OmegaConf.to_container(OmegaConf.load(overrides))
        hint = f"; the run was started with: {' '.join(map(str, given or [])) or '(no overrides)'}"  # type: ignore[arg-type]
    return f"{run_dir}: its config differs from this one in {shown}{more}{hint}"


def check_same_config(run_dir: Path, cfg: DictConfig) -> None:
    """Refuse to continue ``run_dir`` under a config other than the one it was started with.

    Raises:
        ConfigError: Naming the keys that differ, with both values, and the run's own overrides.
    """
    saved = flat_config(OmegaConf.to_container(OmegaConf.load(run_dir / "config.yaml")))  # type: ignore[arg-type]
    current = flat_config(cfg)
    keys = config_differences(saved, current)
    if keys:
        raise ConfigError(_differences_message(run_dir, keys, saved, current))


def recorded_metrics(run_dir: Path) -> dict[str, float]:
    """The flat metrics a finished run recorded (``metrics.json``'s ``metrics``)."""
    return dict(json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")).get("metrics", {}))


def plan_run(cfg: DictConfig) -> RunPlan:
    """Decide where ``cfg``'s run goes and whether it starts, resumes, restarts or is skipped.

    Raises:
        ConfigError: ``resume=`` names no run, a finished run, a run of another config or one without checkpoints;
            or a rerun sweep's job directory holds a run of another config.
        DiplostanceError: A new run's directory already holds a finished run.
    """
    if cfg.get("resume"):
        run_dir = Path(str(cfg.resume))
        if not run_dir.is_dir():
            raise ConfigError(f"resume: {run_dir} is not a directory")
        if (run_dir / "metrics.json").exists():
            raise ConfigError(
                f"resume: {run_dir} is a finished run (it holds metrics.json); runs are never overwritten"
            )
        if not (run_dir / "config.yaml").is_file():
            raise ConfigError(f"resume: {run_dir} is not a run directory (no config.yaml)")
        check_same_config(run_dir, cfg)
        if last_checkpoint(run_dir / CHECKPOINTS_DIR) is None:
            raise ConfigError(
                f"resume: {run_dir} holds no complete checkpoint ({CHECKPOINTS_DIR}/); only families that train in "
                "epochs checkpoint, and a run killed in its first epoch has none: start it again"
            )
        return RunPlan(run_dir, Start.resume)

    run_dir = Path(cfg.paths.output_dir)
    finished = (run_dir / "metrics.json").exists()
    if cfg.get("sweep") is not None and cfg.sweep.resume:
        if finished:
            check_same_config(run_dir, cfg)
            return RunPlan(run_dir, Start.skip, recorded_metrics(run_dir))
        if (run_dir / "config.yaml").is_file():
            check_same_config(run_dir, cfg)
            if last_checkpoint(run_dir / CHECKPOINTS_DIR) is not None:
                return RunPlan(run_dir, Start.resume)
            return RunPlan(run_dir, Start.restart)
        return RunPlan(run_dir, Start.new)
    if finished:
        raise DiplostanceError(f"{run_dir} already holds a finished run; runs are never overwritten")
    return RunPlan(run_dir, Start.new)
