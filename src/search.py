"""Hyperparameter search with Hydra's Optuna sweeper: a checked search space, and the best trial recorded.

    python -m src.train hparams_search=tfidf                         # conf/hparams_search/tfidf.yaml
    python -m src.train hparams_search=transformer hydra/launcher=joblib hydra.launcher.n_jobs=2 \
        hydra.sweeper.n_jobs=2

Each trial is an ordinary run; the sweeper maximizes what :func:`src.train.main` returns, the task's
``optimized_metric`` (dev macro-F1). Studies live in memory: hydra-optuna-sweeper pins optuna<3, whose SQLite
storage fails under SQLAlchemy 2 (``storage: null`` in the search configs), so a study cannot be continued after
its process ends; the runs, ``optimization_results.yaml`` and ``best_trial.yaml`` stay.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from src.errors import ConfigError
from src.tracking import atomic_write_text


class SearchSpaceError(ConfigError):
    """A search space that Optuna cannot sample."""


def check_search_space(params: dict[str, str], config: DictConfig) -> None:
    """Every parameter of the search space names a config key and a range Optuna can sample.

    Checked here, before the sweeper builds Optuna's distributions, so that a bad range is one line naming the
    parameter instead of a traceback from inside the sweeper.

    Raises:
        SearchSpaceError: Naming ``hydra.sweeper.params.<key>``, its value and what is wrong (an unknown key, an
            interval whose low end is above its high end, a log interval that starts at or below 0, an empty range
            or choice, a value the override grammar cannot parse).
    """
    parser = OverridesParser.create()
    for key, value in params.items():
        where = f"hydra.sweeper.params.{key}: {value}"
        plain_key = key.lstrip("+~")
        if not key.startswith("+") and OmegaConf.select(config, plain_key, default=_ABSENT) is _ABSENT:
            raise SearchSpaceError(f"{where}: {plain_key} is not a config key")
        try:
            (override,) = parser.parse_overrides([f"{key}={value}"])
        except Exception as exc:  # the override grammar's own error, several lines long
            raise SearchSpaceError(f"{where}: not a value or sweep ({str(exc).splitlines()[0]})") from None
        sweep = override.value()
        if override.is_interval_sweep():
            low, high = sweep.start, sweep.end  # type: ignore[union-attr]
            if low > high:
                raise SearchSpaceError(f"{where}: the low end {low} is above the high end {high}")
            if "log" in sweep.tags and low <= 0:  # type: ignore[union-attr]
                raise SearchSpaceError(f"{where}: a log interval must start above 0, not at {low}")
        elif override.is_range_sweep():
            if not list(override.sweep_iterator()):
                raise SearchSpaceError(f"{where}: the range holds no value")
        elif override.is_choice_sweep() and not list(override.sweep_iterator()):
            raise SearchSpaceError(f"{where}: the choice holds no value")


_ABSENT = object()


def best_trial(sweep_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The finished run of the sweep with the highest ``optimized_value``, and its ``metrics.json``."""
    import json

    best: tuple[Path, dict[str, Any]] | None = None
    for metrics_file in sorted(sweep_dir.glob("*/metrics.json")):
        record = json.loads(metrics_file.read_text(encoding="utf-8"))
        value = record.get("optimized_value")
        if value is not None and (best is None or value > best[1]["optimized_value"]):
            best = (metrics_file.parent, record)
    return best


class SearchCallback(Callback):
    """Hydra callback of an Optuna search: checks the search space before the first trial (one line naming the
    parameter instead of a failure in the sweeper), and at the end writes ``best_trial.yaml`` (the best run, its
    value and overrides) and ``best_config.yaml`` (its resolved config) into the sweep directory."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        params = OmegaConf.to_container(config.hydra.sweeper.get("params") or {}, resolve=False)
        space = {str(k): str(v) for k, v in params.items()}  # type: ignore[union-attr]
        # Sweeps given on the command line join the search space too.
        for override in config.hydra.overrides.task:
            key, _, value = str(override).partition("=")
            if any(f"{kind}(" in value for kind in ("interval", "range", "choice", "tag")):
                space[key] = value
        try:
            check_search_space(space, config)
        except SearchSpaceError as exc:
            # Hydra turns a callback's exception into a warning and sweeps on; a bad space must stop the sweep.
            print(f"error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        found = best_trial(sweep_dir)
        if found is None:
            print(f"[diplostance] search: no finished trial in {sweep_dir}", flush=True)
            return
        run_dir, record = found
        summary = {
            "run_dir": str(run_dir),
            "optimized_metric": record.get("optimized_metric"),
            "value": record.get("optimized_value"),
            "overrides": record.get("overrides", []),
        }
        atomic_write_text(sweep_dir / "best_trial.yaml", OmegaConf.to_yaml(OmegaConf.create(summary)))
        atomic_write_text(
            sweep_dir / "best_config.yaml", (run_dir / "config.yaml").read_text(encoding="utf-8")
        )
        print(
            f"[diplostance] best trial: {summary['optimized_metric']} {summary['value']:.4f} "
            f"({' '.join(summary['overrides'])}) -> {run_dir}",
            flush=True,
        )
