"""Rerun recorded runs from their saved configs and diff the metrics against the record.

    python -m src.reproduce experiments/speaker_context          # every run the experiment recorded
    python -m src.reproduce outputs/runs/<run>                    # one run directory (or a sweep directory)
    python -m src.reproduce --record outputs/multiruns/<sweep> --into experiments/<name>

A recorded run is the resolved ``config.yaml`` a run wrote before training, its ``metrics.json`` (and a
cross-validation's ``cv_summary.json``), ``provenance.json`` and ``splits.json``; ``--record`` copies those files of
finished runs into ``<experiment>/record/<run>/`` with ``RECORD.json`` (when, at which commit, from where).

Reproducing reruns each recorded config as saved (today's defaults play no part; paths under the recording
clone's root are mapped onto this one) into a new directory, then compares every number of the recorded results
with the new ones: exactly for deterministic families (TF-IDF), within the recorded ``reproduce.tolerance`` for the
others (the transformer, deterministic only on one machine). It prints a diff table and warns, with specifics,
where the git commit, a data file's SHA-256 or a package version differs from the recorded provenance. Exit
status: 0 when everything matches, 1 on a mismatch, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from src.config import MODEL_SCHEMAS, PROJECT_ROOT, TrainConfig
from src.errors import ConfigError, DiplostanceError
from src.models.base import FAMILIES, family_class
from src.tracking import atomic_write_json, git_state, package_versions, sha256_file

RECORD_DIR = "record"
RECORD_FILE = "RECORD.json"
# Files of a finished run that make its record; the first two are required.
RECORDED_FILES = ("config.yaml", "metrics.json", "cv_summary.json", "provenance.json", "splits.json")
# The numbers a rerun writes into its results files; those listed here measure the machine, not the model.
NOT_RESULTS = frozenset({"duration_s", "fit_s", "threads", "resumed", "seed", "folds", "split_seed"})
REPRODUCE_DIR = PROJECT_ROOT / "outputs" / "reproduce"


@dataclass
class Difference:
    """One recorded number against its rerun value."""

    key: str
    recorded: float
    now: float | None
    tolerance: float

    @property
    def delta(self) -> float | None:
        return None if self.now is None else self.now - self.recorded

    @property
    def ok(self) -> bool:
        if self.now is None:
            return False
        return (
            self.now == self.recorded
            if self.tolerance == 0
            else abs(self.now - self.recorded) <= self.tolerance
        )


@dataclass
class Reproduction:
    """The outcome of rerunning one recorded run.

    Attributes:
        name: The recorded run's name.
        run_dir: Where it was rerun.
        family: The model family.
        tolerance: 0 (exact) for deterministic families, else the recorded ``reproduce.tolerance``.
        differences: Every recorded number with its rerun value.
        warnings: Provenance that differs from the record (commit, data files, package versions).
    """

    name: str
    run_dir: Path
    family: str
    tolerance: float
    differences: list[Difference] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.differences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "run_dir": str(self.run_dir),
            "family": self.family,
            "tolerance": self.tolerance,
            "ok": self.ok,
            "warnings": self.warnings,
            "differences": [
                {"metric": d.key, "recorded": d.recorded, "now": d.now, "difference": d.delta, "ok": d.ok}
                for d in self.differences
            ],
        }


# ----------------------------------------------------------------- finding recorded runs
def is_run_dir(path: Path) -> bool:
    """A finished run directory (or a recorded run): its resolved config and its metrics."""
    return (path / "config.yaml").is_file() and (path / "metrics.json").is_file()


def recorded_runs(path: str | Path) -> list[Path]:
    """The recorded runs at ``path``: an experiment folder's ``record/`` runs, a run directory, or a sweep's runs.

    Raises:
        ConfigError: ``path`` is none of those.
    """
    path = Path(path)
    if not path.is_dir():
        raise ConfigError(f"{path}: no such directory (expected an experiment folder or a run directory)")
    if is_run_dir(path):
        return [path]
    folder = path / RECORD_DIR if (path / RECORD_DIR).is_dir() else path
    runs = sorted(p for p in folder.iterdir() if p.is_dir() and is_run_dir(p))
    if not runs:
        hint = (
            f"; record its runs with: python -m src.reproduce --record <run or sweep dir> --into {path}"
            if (path / "README.md").is_file()
            else ""
        )
        raise ConfigError(
            f"{path}: neither an experiment folder with recorded runs ({RECORD_DIR}/<run>/config.yaml and "
            f"metrics.json) nor a run directory (config.yaml and metrics.json){hint}"
        )
    return runs


def record_runs(sources: Sequence[str | Path], experiment_dir: str | Path) -> Path:
    """Copy the record of finished runs (run or sweep directories) into ``<experiment_dir>/record/``.

    An existing record is never overwritten: the record folder must not exist yet.

    Returns:
        The record folder.

    Raises:
        ConfigError: A source holds no finished run, two runs share a name, or the record exists already.
    """
    target = Path(experiment_dir) / RECORD_DIR
    if target.exists():
        raise ConfigError(f"{target} exists; a record is never overwritten (move it aside to record again)")
    runs: list[Path] = []
    for source in sources:
        source = Path(source)
        found = (
            [source]
            if is_run_dir(source)
            else sorted(p for p in source.iterdir() if p.is_dir() and is_run_dir(p))
            if source.is_dir()
            else []
        )
        if not found:
            raise ConfigError(f"{source}: no finished run (config.yaml and metrics.json) to record")
        runs.extend(found)
    names = [run.name for run in runs]
    if len(set(names)) != len(names):
        raise ConfigError(
            f"--record: two runs share a name: {sorted(n for n in names if names.count(n) > 1)[0]}"
        )
    staging = target.with_name(f".{RECORD_DIR}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    for run in runs:
        for name in RECORDED_FILES:
            source_file = run / name
            if name == "provenance.json" and not source_file.is_file():
                source_file = run / "fold_0" / name  # a cross-validation's folds share their provenance
            if source_file.is_file():
                (staging / run.name).mkdir(parents=True, exist_ok=True)
                shutil.copy2(source_file, staging / run.name / name)
    atomic_write_json(
        staging / RECORD_FILE,
        {
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": git_state(),
            "command": ["python", "-m", "src.reproduce", *sys.argv[1:]],
            "runs": {run.name: str(run) for run in runs},
        },
    )
    staging.rename(target)
    return target


# ----------------------------------------------------------------- the recorded config
def _remap_paths(node: Any, old_root: str, new_root: str) -> Any:
    """Strings under the recording clone's root, moved under this clone's root."""
    if isinstance(node, dict):
        return {k: _remap_paths(v, old_root, new_root) for k, v in node.items()}
    if isinstance(node, list):
        return [_remap_paths(v, old_root, new_root) for v in node]
    if (
        isinstance(node, str)
        and old_root
        and (node == old_root or node.startswith(old_root.rstrip("/") + "/"))
    ):
        return new_root + node[len(old_root.rstrip("/")) :]
    return node


def _model_schema(model: dict[str, Any], path: Path) -> type:
    target = model.get("_target_")
    for schema in MODEL_SCHEMAS.values():
        if schema._target_ == target:  # type: ignore[attr-defined]
            return schema
    raise ConfigError(
        f"{path}: model._target_: {target!r} is no model family's any more ({', '.join(FAMILIES)})"
    )


def recorded_config(run: Path, output_dir: Path) -> DictConfig:
    """The run's saved config, checked against today's schema, writing into ``output_dir``.

    Raises:
        ConfigError: A recorded key that the schema no longer has (renamed or removed), a value of the wrong type,
            or a key the schema now requires that the record lacks, each named.
    """
    path = run / "config.yaml"
    try:
        saved = OmegaConf.to_container(OmegaConf.load(path))
    except (OSError, OmegaConfBaseException) as exc:
        raise ConfigError(f"{path}: unreadable config ({exc})") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("model"), dict):
        raise ConfigError(f"{path}: not a run's config (no model node)")
    old_root = str((saved.get("paths") or {}).get("root_dir") or "")
    saved = _remap_paths(saved, old_root, str(PROJECT_ROOT))
    try:
        model = OmegaConf.merge(OmegaConf.structured(_model_schema(saved["model"], path)), saved["model"])
        cfg = OmegaConf.merge(
            OmegaConf.structured(TrainConfig), {k: v for k, v in saved.items() if k != "model"}
        )
        cfg.model = model
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "?"
        problem = str(exc).splitlines()[0]
        raise ConfigError(
            f"{path}: {key}: the recorded config no longer composes ({problem}); the key was renamed or removed "
            "since the run was recorded"
        ) from None
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        raise ConfigError(f"{path}: {missing[0]}: required now but absent from the recorded config")
    cfg.paths.output_dir = str(output_dir)
    cfg.resume = None
    cfg.sweep.resume = None
    cfg.keep_checkpoints = False
    return cfg  # type: ignore[return-value]


def family_of(cfg: DictConfig) -> str:
    """The family whose class the config's ``model._target_`` names."""
    target = str(cfg.model._target_)
    return next(name for name, path in FAMILIES.items() if path == target)


# ----------------------------------------------------------------- comparison
def numbers(node: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a results file, keyed by its path (``metrics/test/primary_stance/macro_f1``)."""
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return
    if isinstance(node, int | float):
        yield prefix, float(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in NOT_RESULTS:
                yield from numbers(value, f"{prefix}/{key}" if prefix else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from numbers(value, f"{prefix}[{i}]")


# Compared within a tolerance: rates (scores and their intervals). Counts (confusion matrices, supports, reliability
# bins) move by whole sentences when one prediction flips, so they are compared only when exactness is expected.
RATE_SECTIONS = ("metrics/", "intervals/")


def compare_results(recorded: dict[str, Any], now: dict[str, Any], tolerance: float) -> list[Difference]:
    """Recorded numbers against the same keys now (``None`` where the rerun lacks one): every number when
    ``tolerance`` is 0, the rates (:data:`RATE_SECTIONS`) otherwise."""
    current = dict(numbers(now))
    return [
        Difference(key, value, current.get(key), tolerance)
        for key, value in numbers(recorded)
        if tolerance == 0 or key.startswith(RATE_SECTIONS)
    ]


def provenance_warnings(recorded: dict[str, Any], rerun: dict[str, Any], old_root: str) -> list[str]:
    """Where the rerun's code, data or environment differs from the record, in words."""
    warnings = []
    was, now = recorded.get("git") or {}, rerun.get("git") or {}
    if was.get("commit") != now.get("commit") or was.get("dirty") != now.get("dirty"):

        def state(git: dict[str, Any]) -> str:
            return f"{str(git.get('commit'))[:10]} ({'uncommitted changes' if git.get('dirty') else 'clean'})"

        warnings.append(f"git commit: recorded {state(was)}, now {state(now)}")
    rerun_files = rerun.get("data_files") or {}
    for file, digest in (recorded.get("data_files") or {}).items():
        local = _remap_paths(file, old_root, str(PROJECT_ROOT))
        if not Path(local).is_file():
            warnings.append(f"data file {local}: recorded SHA-256 {digest[:12]}, now missing")
            continue
        current = rerun_files.get(local) or sha256_file(local)
        if current != digest:
            warnings.append(f"data file {local}: SHA-256 recorded {digest[:12]}, now {current[:12]}")
    packages = package_versions()
    for name, version in sorted((recorded.get("packages") or {}).items()):
        if packages.get(name) != version:
            warnings.append(f"package {name}: recorded {version}, now {packages.get(name, 'not installed')}")
    if recorded.get("python") and recorded.get("python") != rerun.get("python"):
        warnings.append(f"python: recorded {recorded.get('python')}, now {rerun.get('python')}")
    return warnings


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable ({exc})") from None


def reproduce_run(run: Path, output_dir: Path) -> Reproduction:
    """Rerun one recorded run into ``output_dir`` and compare its results with the record."""
    from src.train import train

    cfg = recorded_config(run, output_dir)
    family = family_of(cfg)
    tolerance = 0.0 if family_class(family).deterministic else float(cfg.reproduce.tolerance)
    if tolerance < 0:
        raise ConfigError(f"{run / 'config.yaml'}: reproduce.tolerance: must be at least 0, got {tolerance}")
    train(cfg)
    outcome = Reproduction(run.name, output_dir, family, tolerance)
    for name in ("metrics.json", "cv_summary.json"):
        if (run / name).is_file():
            now = _read_json(output_dir / name) if (output_dir / name).is_file() else {}
            outcome.differences += [
                Difference(
                    f"{name}:{d.key}" if name != "metrics.json" else d.key, d.recorded, d.now, d.tolerance
                )
                for d in compare_results(_read_json(run / name), now, tolerance)
            ]
    rerun_provenance = output_dir / "provenance.json"
    if not rerun_provenance.is_file():
        rerun_provenance = output_dir / "fold_0" / "provenance.json"
    if (run / "provenance.json").is_file() and rerun_provenance.is_file():
        saved = OmegaConf.to_container(OmegaConf.load(run / "config.yaml"))
        old_root = str((saved.get("paths") or {}).get("root_dir") or "")  # type: ignore[union-attr]
        outcome.warnings = provenance_warnings(
            _read_json(run / "provenance.json"), _read_json(rerun_provenance), old_root
        )
    else:
        outcome.warnings = ["no recorded provenance to compare with"]
    atomic_write_json(output_dir / "reproduction.json", outcome.to_dict())
    return outcome


def reproduce(path: str | Path, out: str | Path | None = None) -> list[Reproduction]:
    """Rerun every recorded run at ``path`` into ``out`` (a new directory) and compare.

    Raises:
        ConfigError: ``path`` holds no recorded run, ``out`` is not empty, or a recorded config no longer composes.
    """
    runs = recorded_runs(path)
    out = Path(out) if out else REPRODUCE_DIR / datetime.now().strftime("%Y-%m-%d_%H-%M-%S_%f")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out: {out} exists and is not empty; earlier runs are never overwritten")
    # Every config is checked before the first run starts: a bad record fails at once, not after an hour.
    for run in runs:
        recorded_config(run, out / run.name)
    return [reproduce_run(run, out / run.name) for run in runs]


# ----------------------------------------------------------------- printing
def diff_table(outcome: Reproduction, everything: bool = False) -> str:
    """The headline metrics (``metrics/...``) and every mismatch, as a table."""
    rows = [d for d in outcome.differences if everything or not d.ok or d.key.startswith("metrics/")]
    header = ("metric", "recorded", "now", "difference", "ok")
    cells = [
        (
            d.key,
            f"{d.recorded:.6g}",
            "absent" if d.now is None else f"{d.now:.6g}",
            "-" if d.delta is None else f"{d.delta:+.3g}",
            "yes" if d.ok else "NO",
        )
        for d in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in [header, *cells]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(outcome: Reproduction) -> str:
    compared = len(outcome.differences)
    wrong = sum(not d.ok for d in outcome.differences)
    how = "exactly" if outcome.tolerance == 0 else f"within {outcome.tolerance:g}"
    verdict = "reproduced" if outcome.ok else f"NOT reproduced: {wrong} of {compared} numbers differ"
    return f"{outcome.name} ({outcome.family}, compared {how}): {verdict} ({compared} numbers) -> {outcome.run_dir}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m src.reproduce", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("path", nargs="*", help="an experiment folder, a run directory or a sweep directory")
    parser.add_argument(
        "--out", help="where the reruns go (a new directory; default outputs/reproduce/<time>)"
    )
    parser.add_argument(
        "--all", action="store_true", help="print every compared number, not only the headline"
    )
    parser.add_argument(
        "--record", nargs="+", metavar="RUN_OR_SWEEP", help="record these finished runs instead"
    )
    parser.add_argument("--into", help="the experiment folder that --record writes record/ into")
    args = parser.parse_args(argv)
    try:
        if args.record:
            if not args.into or args.path:
                raise ConfigError("--record RUN_OR_SWEEP... needs --into EXPERIMENT_DIR and no other path")
            target = record_runs(args.record, args.into)
            print(f"recorded {sum(1 for p in target.iterdir() if p.is_dir())} run(s) into {target}")
            return 0
        if len(args.path) != 1:
            raise ConfigError("give one experiment folder or run directory to reproduce")
        outcomes = reproduce(args.path[0], args.out)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    for outcome in outcomes:
        print(f"\n{diff_table(outcome, args.all)}")
        for warning in outcome.warnings:
            print(f"warning: {outcome.name}: {warning}")
        print(summary(outcome), flush=True)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
