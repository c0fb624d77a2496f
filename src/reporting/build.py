"""Everything a report shows, computed from run directories: summary per configuration, paired comparisons,
per-class F1, learning curves, error analysis and figures. Rendering is :mod:`src.reporting.render`.

Design (also stated in the report's method section):

- **Pooling seeds.** A configuration's runs are pooled: every sentence counts once per run. The main table gives
  the mean ± standard deviation over runs of each run's score, and the pooled score with a 95% bootstrap interval
  that resamples the split's documents (the sentences of one document are not independent); a split with a single
  document falls back to resampling sentences, and says so.
- **Pairing.** Two configurations are compared only on the same sentences (same ids and gold labels per split).
  The difference is of pooled scores, so configurations need not share seeds: its interval comes from the same
  document resamples applied to both, its p-value from a paired approximate-randomization test that swaps each
  sentence's (pooled) outputs between the two. McNemar's test needs one right/wrong outcome per sentence and system,
  so it runs once per pair of runs: runs with the same seed are paired; without shared seeds, runs pair in seed
  order.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from src.bootstrap import scores
from src.report import SUMMARY_SPLITS
from src.reporting import errors, plots
from src.reporting.groups import Group, HeadSplit, group_runs
from src.reporting.runs import HeadSpec, Run, find_runs
from src.reporting.stats import (
    McNemarResult,
    bootstrap_scores,
    mcnemar,
    paired_bootstrap,
    permutation_pvalue,
)

# The split of the figures and the error analysis (the first split present when a run has none).
MAIN_SPLIT = "test"
# Config keys that may vary along a learning curve (prefixes): the data settings, except what the data is.
LEARNING_CURVE_VARIES = ("data.",)
LEARNING_CURVE_FIXED = ("data.sentences", "data.documents", "data.context")


@dataclass
class SummaryRow:
    group: str
    split: str
    head: str
    runs: int
    f1_mean: float
    f1_sd: float | None
    acc_mean: float
    acc_sd: float | None
    f1: float
    f1_low: float | None
    f1_high: float | None
    acc: float
    acc_low: float | None
    acc_high: float | None
    unit: str
    units: int
    ece: float | None
    per_class: list[tuple[str, float, float | None, float | None, int]] = field(default_factory=list)


@dataclass
class ComparisonRow:
    a: str
    b: str
    split: str
    head: str
    refused: str | None = None
    sentences: int = 0
    unit: str = ""
    units: int = 0
    d_f1: float | None = None
    d_f1_low: float | None = None
    d_f1_high: float | None = None
    d_acc: float | None = None
    d_acc_low: float | None = None
    d_acc_high: float | None = None
    pvalue: float | None = None
    mcnemar: list[tuple[Any, Any, McNemarResult]] = field(default_factory=list)
    seed_pairing: str = ""


@dataclass
class GroupErrors:
    group: str
    split: str
    ngrams: dict[str, dict[str, list[tuple[str, float]]]] = field(
        default_factory=dict
    )  # head -> label -> top
    confident: dict[str, list[errors.ConfidentError]] = field(default_factory=dict)  # head -> errors
    slices: dict[str, list[errors.Slice]] = field(default_factory=dict)  # head -> genre and actor slices
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    inputs: list[str]
    runs: list[Run]
    groups: list[Group]
    notes: list[str]
    summary: list[SummaryRow]
    comparisons: list[ComparisonRow]
    learning: list[
        tuple[str, str, int, int, float, float | None, float | None]
    ]  # series, head, docs, sents, f1..
    errors: list[GroupErrors]
    figures: dict[str, bytes]
    main_split: str


def _splits(groups: list[Group]) -> list[str]:
    present = list(dict.fromkeys(s for g in groups for s in g.splits))
    return [s for s in SUMMARY_SPLITS if s in present] + [s for s in present if s not in SUMMARY_SPLITS]


def _sd(values: list[float]) -> float | None:
    return statistics.stdev(values) if len(values) > 1 else None


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def summarize(group: Group, split: str, head: HeadSpec, notes: list[str]) -> SummaryRow | None:
    """The group's row of the main table for one split and head (``None`` when the split is missing)."""
    data = group.head_split(split, head)
    if isinstance(data, str):
        if split in group.splits:
            notes.append(f"{group.name}: {data}")
        return None
    per_run = [scores(c.sum(axis=0), data.n_labels, head.multilabel) for c in data.run_counts]
    unit = data.bootstrap_unit()
    table = data.table(unit)
    interval = bootstrap_scores(table, data.n_labels, head.multilabel)
    eces = [run.metric(f"{split}/{head.name}/ece") for run in group.runs]
    gold = (
        data.run_counts[0][:, 0 : data.n_labels]
        + data.run_counts[0][:, 2 * data.n_labels : 3 * data.n_labels]
    )
    support = gold.sum(axis=0).astype(int)
    low = interval.low if interval.low is not None else [None] * len(interval.point)
    high = interval.high if interval.high is not None else [None] * len(interval.point)
    return SummaryRow(
        group=group.name,
        split=split,
        head=head.name,
        runs=len(group.runs),
        f1_mean=float(np.mean([s[0] for s in per_run])),
        f1_sd=_sd([float(s[0]) for s in per_run]),
        acc_mean=float(np.mean([s[1] for s in per_run])),
        acc_sd=_sd([float(s[1]) for s in per_run]),
        f1=float(interval.point[0]),
        f1_low=_float(low[0]),
        f1_high=_float(high[0]),
        acc=float(interval.point[1]),
        acc_low=_float(low[1]),
        acc_high=_float(high[1]),
        unit=unit,
        units=len(table),
        ece=float(np.mean(eces)) if eces and all(isinstance(e, int | float) for e in eces) else None,
        per_class=[
            (label, float(interval.point[2 + i]), _float(low[2 + i]), _float(high[2 + i]), int(support[i]))
            for i, label in enumerate(head.labels)
        ],
    )


def _pairing_problem(a: Group, b: Group, x: HeadSplit, y: HeadSplit) -> str | None:
    if x.ids != y.ids:
        shared = len(set(x.ids) & set(y.ids))
        reason = f"scored on different {x.split} sentences ({len(x.ids)} vs {len(y.ids)}, {shared} shared)"
        keys = sorted({k for k in (*a.config, *b.config) if k.startswith("data.")})
        differ = [
            f"{k} {a.config.get(k, 'null')} vs {b.config.get(k, 'null')}"
            for k in keys
            if a.config.get(k) != b.config.get(k)
        ]
        return reason + (f"; their data settings differ: {', '.join(differ)}" if differ else "")
    if x.gold != y.gold:
        n = sum(g != h for g, h in zip(x.gold, y.gold, strict=True))
        return f"same {x.split} sentences, but their gold labels differ on {n} (another corpus version?)"
    return None


def _seed_pairs(a: Group, b: Group) -> tuple[list[tuple[int, int]], str]:
    shared = [s for s in a.seeds if s in b.seeds]
    if shared:
        pairs = [(a.seeds.index(s), b.seeds.index(s)) for s in dict.fromkeys(shared)]
        return pairs, f"{len(pairs)} run pair(s) with the same seed"
    n = min(len(a.runs), len(b.runs))
    return [(i, i) for i in range(n)], f"no shared seed: {n} run pair(s) in seed order"


def compare(a: Group, b: Group, split: str, head: HeadSpec) -> ComparisonRow | None:
    """The paired comparison of two groups on one split and head (``None`` when either lacks them)."""
    if split not in a.splits or split not in b.splits:
        return None
    row = ComparisonRow(a.name, b.name, split, head.name)
    other = next(h for h in b.heads if h.name == head.name)
    if other != head:
        row.refused = f"the heads differ ({head} vs {other})"
        return row
    x, y = a.head_split(split, head), b.head_split(split, head)
    if isinstance(x, str) or isinstance(y, str):
        row.refused = x if isinstance(x, str) else str(y)
        return row
    row.refused = _pairing_problem(a, b, x, y)
    if row.refused:
        return row
    row.sentences = len(x.ids)
    row.unit = x.bootstrap_unit()
    diff = paired_bootstrap(x.table(row.unit), y.table(row.unit), x.n_labels, head.multilabel)
    row.units = len(x.table(row.unit))
    row.d_f1, row.d_acc = float(diff.point[0]), float(diff.point[1])
    if diff.low is not None and diff.high is not None:
        row.d_f1_low, row.d_acc_low = float(diff.low[0]), float(diff.low[1])
        row.d_f1_high, row.d_acc_high = float(diff.high[0]), float(diff.high[1])
    row.pvalue = permutation_pvalue(x.table("sentence"), y.table("sentence"), x.n_labels, head.multilabel)
    pairs, row.seed_pairing = _seed_pairs(a, b)
    row.mcnemar = [(a.seeds[i], b.seeds[j], mcnemar(x.correct(i), y.correct(j))) for i, j in pairs]
    return row


def _train_documents(run: Run) -> tuple[int, int] | None:
    try:
        summary = json.loads((run.path / "splits.json").read_text(encoding="utf-8"))["summary"]["train"]
        return int(summary["documents"]), int(summary["sentences"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def learning_points(groups: list[Group], summary: list[SummaryRow], split: str) -> list[tuple[Any, ...]]:
    """Points of learning curves: configurations that differ only in their data settings, are scored on the same
    ``split`` sentences and were trained on at least two different numbers of documents."""
    series: dict[tuple[Any, ...], list[Group]] = {}
    for group in groups:
        key = tuple(
            sorted(
                (k, v)
                for k, v in group.config.items()
                if not k.startswith(LEARNING_CURVE_VARIES) or k in LEARNING_CURVE_FIXED
            )
        )
        scored_on = tuple(str(r["id"]) for r in group.runs[0].splits.get(split, []))
        series.setdefault((key, scored_on), []).append(group)
    points = []
    for members in series.values():
        sizes = {g.name: [s for s in map(_train_documents, g.runs) if s] for g in members}
        if len({round(float(np.mean([d for d, _ in s]))) for s in sizes.values() if s}) < 2:
            continue
        base = members[0].name.split(" ")[0]
        shown = [f"{k}={v}" for k, v in members[0].shown.items() if not k.startswith(LEARNING_CURVE_VARIES)]
        name = " ".join([base, *shown])
        for group in members:
            if not sizes[group.name]:
                continue
            docs = round(float(np.mean([d for d, _ in sizes[group.name]])))
            sents = round(float(np.mean([s for _, s in sizes[group.name]])))
            for row in summary:
                if row.group == group.name and row.split == split:
                    points.append((name, row.head, docs, sents, row.f1, row.f1_low, row.f1_high))
    return sorted(points, key=lambda p: (p[0], p[1], p[2]))


def analyse_errors(group: Group, split: str) -> GroupErrors:
    """Top n-grams (TF-IDF runs), most confident errors and slices of one group on ``split``."""
    out = GroupErrors(group.name, split)
    first = group.runs[0]
    documents = (first.config.get("data") or {}).get("documents")
    model = None
    if first.family == "tfidf":
        try:
            from src.models import load_model

            model = load_model(first.path / "model")
        except Exception as exc:  # an old, partial or unsaved model must not stop the report
            out.notes.append(f"top n-grams: {first.path / 'model'} cannot be loaded ({exc})")
    for head in group.heads:
        data = group.head_split(split, head)
        if isinstance(data, str):
            continue
        if model is not None:
            out.ngrams[head.name] = errors.top_ngrams(model, head)
        if not head.multilabel:
            out.confident[head.name] = errors.confident_errors(data)
        out.slices[head.name] = errors.genre_slices(data, documents) + errors.actor_slices(data)
    if first.family != "tfidf":
        out.notes.append(f"top n-grams: only for TF-IDF runs (family {first.family})")
    if documents is None or not Path(str(documents)).is_file():
        out.notes.append(f"per-genre scores: the documents file ({documents}) is not available")
    return out


def figures(
    groups: list[Group], summary: list[SummaryRow], split: str, learning: list[Any]
) -> dict[str, bytes]:
    """The PNG figures by file name."""
    out: dict[str, bytes] = {}
    heads = list(dict.fromkeys(h for g in groups for h in g.heads))
    for head in heads:
        panels = [
            (g.name, d)
            for g in groups
            if head in g.heads
            for d in [g.head_split(split, head)]
            if not isinstance(d, str)
        ]
        if not panels:
            continue
        rows = [r for r in summary if r.split == split and r.head == head.name]
        bars = [(r.group, [(f1, low, high) for _, f1, low, high, _ in r.per_class]) for r in rows]
        out[f"per_class_f1_{split}_{head.name}.png"] = plots.per_class_f1(head.labels, bars)
        if not head.multilabel:
            out[f"confusion_{split}_{head.name}.png"] = plots.confusion_matrices(panels)
            diagram = plots.reliability(panels)
            if diagram is not None:
                out[f"reliability_{split}_{head.name}.png"] = diagram
    for head in dict.fromkeys(p[1] for p in learning):
        series: dict[str, list[Any]] = {}
        for name, h, docs, _, f1, low, high in learning:
            if h == head:
                series.setdefault(name, []).append((docs, f1, low, high))
        out[f"learning_curve_{split}_{head}.png"] = plots.learning_curves(
            series, f"{split} macro-F1 (pooled)"
        )
    return out


def build_report(directories: list[str], with_figures: bool = True) -> Report:
    """Read the runs under ``directories`` and compute the whole report.

    Raises:
        ReportError: A missing directory, or no finished run.
    """
    runs, notes = find_runs(directories)
    groups = group_runs(runs)
    for group in groups:
        if len(group.runs) == 1:
            notes.append(
                f"{group.name}: a single run (seed {group.seeds[0]}): no standard deviation over seeds; "
                "its interval reflects the test sentences only, not seed variation"
            )
        elif len(set(map(str, group.seeds))) < len(group.seeds):
            notes.append(f"{group.name}: runs share a seed ({group.seeds}); each run counts once")
    splits = _splits(groups)
    summary = [row for g in groups for s in splits for h in g.heads if (row := summarize(g, s, h, notes))]
    comparisons = [
        row
        for a, b in combinations(groups, 2)
        for s in splits
        for h in a.heads
        if any(o.name == h.name for o in b.heads) and (row := compare(a, b, s, h))
    ]
    main = MAIN_SPLIT if MAIN_SPLIT in splits else splits[0]
    learning = learning_points(groups, summary, main)
    return Report(
        inputs=[str(d) for d in directories],
        runs=runs,
        groups=groups,
        notes=notes,
        summary=summary,
        comparisons=comparisons,
        learning=learning,
        errors=[analyse_errors(g, main) for g in groups],
        figures=figures(groups, summary, main, learning) if with_figures else {},
        main_split=main,
    )
