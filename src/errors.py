"""Errors that reach the user as one clear line instead of a traceback."""

from __future__ import annotations


class DiplostanceError(Exception):
    """Base class for every error the command-line entry points report as one line and exit 2."""


class DataError(DiplostanceError):
    """Bad input data, located by file, line (or row) and field.

    Args:
        path: The offending file.
        line: 1-based line (JSONL) or row (CSV, header is row 1) number; ``None`` for whole-file problems.
        field: The column or config key at fault; ``None`` when the whole line is at fault.
        problem: What is wrong, in words a user can act on.
    """

    def __init__(self, path: object, line: int | None, field: str | None, problem: str) -> None:
        self.path, self.line, self.field, self.problem = str(path), line, field, problem
        location = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{location}: {field}: {problem}" if field else f"{location}: {problem}")

    def __reduce__(self) -> tuple[type[DataError], tuple[str, int | None, str | None, str]]:
        # Rebuilt from its parts when it crosses a process boundary (parallel labelling).
        return (DataError, (self.path, self.line, self.field, self.problem))


class ModelError(DiplostanceError):
    """A model directory or pretrained model that cannot be used (missing files, wrong version, untrusted types)."""


class ConfigError(DiplostanceError):
    """A configuration value that composes but cannot work (for example max_length too small)."""
