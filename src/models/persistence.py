"""Safe persistence shared by the families: scikit-learn objects through skops with an explicit trust list."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from pathlib import Path
from typing import Any

from src.errors import ModelError


class _BlockTorch(MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is kept off the TF-IDF path")
        return None


@contextmanager
def _without_torch() -> Iterator[None]:
    # skops lists scikit-learn's estimators on import, which walks every sklearn module, including the array-API
    # shim that imports torch (seconds of start-up). Hiding torch while skops imports keeps the TF-IDF path light;
    # the shim's failed import is swallowed by that walk. Nothing is hidden once torch is loaded anyway.
    if "torch" in sys.modules:
        yield
        return
    blocker = _BlockTorch()
    sys.meta_path.insert(0, blocker)
    try:
        yield
    finally:
        sys.meta_path.remove(blocker)


def skops_io() -> Any:
    """``skops.io``, imported without dragging torch in."""
    with _without_torch():
        import skops.io

    return skops.io


def dump_skops(obj: Any, path: Path) -> None:
    """Write a scikit-learn object (or a dict/list of them) with skops: no pickle."""
    skops_io().dump(obj, path)


def load_skops(path: Path, trusted: Sequence[str]) -> Any:
    """Load a skops file, refusing any type outside ``trusted`` (never ``trusted=True``).

    Raises:
        ModelError: The file is missing, not a skops file, or holds an untrusted type (tampered or foreign).
    """
    sio = skops_io()
    if not path.is_file():
        raise ModelError(f"{path}: missing; the model directory is incomplete")
    try:
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in trusted]
    except Exception as exc:  # a corrupt or foreign file: skops raises zip/JSON errors of many kinds
        raise ModelError(f"{path}: not a readable skops file ({exc})") from None
    if untrusted:
        raise ModelError(f"{path}: refused to load untrusted types: {', '.join(untrusted)}")
    return sio.load(path, trusted=list(trusted))
