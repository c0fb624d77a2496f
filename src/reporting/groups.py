"""Runs grouped by configuration, and one group's predictions on one split for one head.

A configuration is everything in the run's resolved ``config.yaml`` except the keys under :data:`IGNORED`: the
seed (what varies within a group), where a run writes (``paths``, the loggers' files), whether the model is saved
and how a run's own intervals and calibration bins are computed. Runs of one group are its seeds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from src.bootstrap import sentence_counts, unit_table
from src.reporting.runs import HeadSpec, ReportError, Run
from src.reporting.stats import document_of

# Config keys (and the keys under them) that do not tell configurations apart: none changes what a run predicts.
IGNORED = ("seed", "paths", "logger", "save_model", "hydra", "eval.bootstrap", "eval.calibration_bins")
# At most this many distinguishing keys in a group's name (all of them are in the report's configuration table).
NAME_KEYS = 4


def flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """Dotted keys of a nested config, each value as compact JSON (lists of mappings stay whole)."""
    if isinstance(node, dict):
        out: dict[str, str] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: json.dumps(node, sort_keys=True, ensure_ascii=False)}


def configuration(run: Run) -> dict[str, str]:
    """The flattened config that identifies a run's group."""
    return {
        k: v
        for k, v in flatten(run.config).items()
        if not any(k == i or k.startswith(f"{i}.") for i in IGNORED)
    }


@dataclass
class Group:
    """Runs of one configuration (its seeds), sorted by seed."""

    name: str
    config: dict[str, str]
    runs: list[Run]
    shown: dict[str, str] = field(default_factory=dict)  # the keys that tell it apart from other groups

    @property
    def seeds(self) -> list[Any]:
        return [run.seed for run in self.runs]

    @property
    def heads(self) -> list[HeadSpec]:
        return self.runs[0].heads

    @property
    def splits(self) -> list[str]:
        return list(self.runs[0].splits)

    @cached_property
    def _cache(self) -> dict[tuple[str, str], HeadSplit | str]:
        return {}

    def head_split(self, split: str, head: HeadSpec) -> HeadSplit | str:
        """The group's predictions on ``split`` for ``head``, or why they cannot be pooled."""
        key = (split, head.name)
        if key not in self._cache:
            try:
                self._cache[key] = HeadSplit.of(self.runs, split, head)
            except ReportError as exc:
                self._cache[key] = str(exc)
        return self._cache[key]


def _label(value: str) -> str:
    text = json.loads(value) if value.startswith('"') else value
    text = str(text)
    return "/".join(Path(text).parts[-2:]) if "/" in text and Path(text).is_absolute() else text


def group_runs(runs: Sequence[Run]) -> list[Group]:
    """Groups of runs with the same configuration, in the order their first run came.

    Names are ``model/task`` plus, among groups of the same ``model/task``, the keys whose values differ
    (``tfidf/stance model.classifier.C=0.1``).
    """
    by_config: dict[tuple[tuple[str, str], ...], list[Run]] = {}
    for run in runs:
        by_config.setdefault(tuple(sorted(configuration(run).items())), []).append(run)
    groups = []
    for key, members in by_config.items():
        members = sorted(members, key=lambda r: (str(type(r.seed)), r.seed if r.seed is not None else 0))
        base = f"{members[0].record.get('model', members[0].family)}/{members[0].record.get('task', '?')}"
        groups.append(Group(base, dict(key), members))
    for base in dict.fromkeys(g.name for g in groups):
        same = [g for g in groups if g.name == base]
        keys = sorted({k for g in same for k in g.config})
        differing = [k for k in keys if len({g.config.get(k) for g in same}) > 1]
        for group in same:
            group.shown = {k: group.config.get(k, "null") for k in differing}
            shown = [f"{k}={_label(v)}" for k, v in group.shown.items()][:NAME_KEYS]
            if len(differing) > NAME_KEYS:
                shown.append("…")
            group.name = " ".join([base, *shown])
    names: dict[str, int] = {}
    for group in groups:  # still equal (only ignored or unshown keys differ): number them
        names[group.name] = names.get(group.name, 0) + 1
        if names[group.name] > 1:
            group.name = f"{group.name} #{names[group.name]}"
    return groups


@dataclass
class HeadSplit:
    """One group's predictions for one head on one split, sentences sorted by id.

    Attributes:
        head: The head.
        split: The split.
        ids, docs, texts: Per sentence: its id, its document (id prefix), its text.
        gold: Per sentence, the gold label (label list for multi-label heads).
        preds: Per run (seed), the predicted labels.
        probas: Per run, per sentence, the probabilities by label (empty mappings when the run has none).
    """

    head: HeadSpec
    split: str
    ids: list[str]
    docs: list[str]
    texts: list[str]
    gold: list[Any]
    preds: list[list[Any]]
    probas: list[list[dict[str, float]]]

    @classmethod
    def of(cls, runs: Sequence[Run], split: str, head: HeadSpec) -> HeadSplit:
        """Align the runs' rows of ``split`` by sentence id.

        Raises:
            ReportError: The runs were scored on different sentences, or a row lacks the head's gold label.
        """
        first = runs[0].splits.get(split, [])
        ids = [str(r["id"]) for r in first]
        preds, probas = [], []
        for run in runs:
            rows = run.splits.get(split, [])
            if [str(r["id"]) for r in rows] != ids:
                raise ReportError(
                    f"{split}: the runs of one configuration hold different sentences "
                    f"({runs[0].path.name}: {len(ids)}, {run.path.name}: {len(rows)}); not pooled"
                )
            if any(head.name not in (r.get("pred") or {}) for r in rows):
                raise ReportError(f"{split}: {run.path.name} has no {head.name} predictions")
            preds.append([r["pred"][head.name] for r in rows])
            probas.append(
                [(r.get("proba") or r.get("probabilities") or {}).get(head.name) or {} for r in rows]
            )
        if not ids:
            raise ReportError(f"{split}: no sentences")
        if any(not r.get("gold") or head.name not in r["gold"] for r in first):
            raise ReportError(f"{split}: sentences without a gold {head.name} label")
        return cls(
            head=head,
            split=split,
            ids=ids,
            docs=[document_of(i) for i in ids],
            texts=[str(r.get("text", "")) for r in first],
            gold=[r["gold"][head.name] for r in first],
            preds=preds,
            probas=probas,
        )

    @property
    def n_labels(self) -> int:
        return len(self.head.labels)

    @cached_property
    def run_counts(self) -> list[np.ndarray]:
        """Per run, one row of counts per sentence (see :func:`src.reporting.stats.sentence_counts`)."""
        try:
            return [sentence_counts(self.gold, p, self.head.labels, self.head.multilabel) for p in self.preds]
        except ValueError as exc:
            raise ReportError(f"{self.split}/{self.head.name}: {exc}") from None

    @cached_property
    def counts(self) -> np.ndarray:
        """Per sentence, the counts averaged over runs (pooled predictions)."""
        return np.mean(self.run_counts, axis=0)

    def correct(self, run: int) -> np.ndarray:
        return self.run_counts[run][:, 3 * self.n_labels].astype(bool)

    @property
    def n_documents(self) -> int:
        return len(set(self.docs))

    def table(self, unit: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Pooled counts summed per ``unit`` (``document`` or ``sentence``), optionally of some sentences only."""
        counts = self.counts if rows is None else self.counts[rows]
        if unit == "sentence":
            return counts
        docs = self.docs if rows is None else [d for d, keep in zip(self.docs, rows, strict=True) if keep]
        return unit_table(counts, docs)

    def bootstrap_unit(self) -> str:
        """Documents, unless the split has fewer than two (then sentences, and the report says so)."""
        return "document" if self.n_documents >= 2 else "sentence"
