"""What a model predicts: a task is one or more heads, each a label set over one corpus field.

Label sets come from the task config (``conf/task/*.yaml``) so users can bring their own scheme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Head:
    """One prediction target.

    Args:
        name: Name used in metric keys and outputs (``test/<name>/macro_f1``).
        field: Corpus column holding the gold label (a string) or labels (a list, for multi-label heads).
        labels: The allowed labels, in a fixed order that is also the order of probability columns.
        multilabel: Independent binary decisions per label (sigmoid) instead of one label (softmax).
        loss_weight: Weight of this head's loss when several heads share an encoder.
    """

    name: str
    field: str
    labels: tuple[str, ...]
    multilabel: bool = False
    loss_weight: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "labels": list(self.labels)}


@dataclass(frozen=True)
class Task:
    """A named set of heads; ``optimized_metric`` is what sweeps and early stopping maximize."""

    name: str
    heads: tuple[Head, ...]
    optimized_metric: str = field(default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "heads", tuple(self.heads))
        if not self.optimized_metric:
            object.__setattr__(self, "optimized_metric", f"dev/{self.heads[0].name}/macro_f1")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "heads": [h.to_dict() for h in self.heads],
            "optimized_metric": self.optimized_metric,
        }


def heads_from_dicts(items: Sequence[Mapping[str, Any]]) -> tuple[Head, ...]:
    """Build heads from plain mappings (config nodes or a saved model's metadata)."""
    return tuple(
        Head(
            name=str(h["name"]),
            field=str(h["field"]),
            labels=tuple(h["labels"]),
            multilabel=bool(h.get("multilabel", False)),
            loss_weight=float(h.get("loss_weight", 1.0)),
        )
        for h in items
    )


def task_from_config(cfg: Mapping[str, Any]) -> Task:
    """Build a :class:`Task` from the ``task`` config node."""
    return Task(
        name=str(cfg["name"]),
        heads=heads_from_dicts(cfg["heads"]),
        optimized_metric=str(cfg.get("optimized_metric") or ""),
    )
