"""Per-epoch checkpoints of families that train in epochs, and how to find the last complete one.

A checkpoint is ``checkpoints/checkpoint-<step>/`` in the run directory: the trainer's own files (model, optimizer,
scheduler, RNG states, trainer state) plus this package's :data:`STATE_FILE` (per-epoch history and early-stopping
state) and :data:`WEIGHTS_FILE` (the best weights so far). The state file is written last, atomically: a checkpoint
without it was interrupted while being written and is ignored. No torch here: the TF-IDF path imports this module.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from src.errors import ModelError

CHECKPOINTS_DIR = "checkpoints"
STATE_FILE = "diplostance_state.json"
WEIGHTS_FILE = "best_weights.safetensors"
_NAME = re.compile(r"^checkpoint-(\d+)$")


def complete_checkpoints(directory: str | Path) -> list[Path]:
    """The complete checkpoints under ``directory``, oldest first (by training step)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match and (path / STATE_FILE).is_file():
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


def last_checkpoint(directory: str | Path) -> Path | None:
    """The newest complete checkpoint under ``directory``, or ``None``."""
    found = complete_checkpoints(directory)
    return found[-1] if found else None


def read_state(checkpoint: Path) -> dict[str, Any]:
    """The package's state saved with a checkpoint (history, early stopping, whether training had ended).

    Raises:
        ModelError: The state file cannot be read.
    """
    try:
        return json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{checkpoint / STATE_FILE}: unreadable checkpoint state ({exc})") from None


def remove_older(directory: Path, keep: Path) -> None:
    """Delete every checkpoint under ``directory`` but ``keep`` (complete or not): one checkpoint on disk."""
    for path in directory.iterdir():
        if path != keep and _NAME.match(path.name):
            shutil.rmtree(path, ignore_errors=True)
