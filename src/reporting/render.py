"""A computed :class:`~src.reporting.build.Report` as text: the printed tables, REPORT.md and the CSV tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from src.report import format_table
from src.reporting.build import ComparisonRow, Report, SummaryRow
from src.reporting.stats import BOOTSTRAP_RESAMPLES, CONFIDENCE, MCNEMAR_EXACT_BELOW, PERMUTATION_RESAMPLES

_IN_SAMPLE = {
    "dev": "in-sample for choices made on dev (early stopping, thresholds, configuration choice)",
    "test": "held out",
    "seed_test": "held out; real-world documents",
}


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _mean_sd(mean: float, sd: float | None) -> str:
    return f"{mean:.3f} ± {sd:.3f}" if sd is not None else f"{mean:.3f} (1 run)"


def _interval(low: float | None, high: float | None, unit: str = "document") -> str:
    if low is None or high is None:
        return "–"
    return f"[{low:.3f}, {high:.3f}]" + (" (sentences)" if unit == "sentence" else "")


def _unit(row: SummaryRow | ComparisonRow) -> str:
    return f"{row.units} {row.unit}s" + (" (one document)" if row.unit == "sentence" else "")


def _p(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2g}" if value < 0.001 else f"{value:.3f}"


def mcnemar_summary(row: ComparisonRow) -> str:
    """One cell: the test of a single pair, or the range of p-values over several run pairs."""
    if not row.mcnemar:
        return "–"
    if len(row.mcnemar) == 1:
        _, _, m = row.mcnemar[0]
        return f"p={_p(m.pvalue)} (b={m.b}, c={m.c})"
    tests = {(m.b, m.c, m.pvalue) for _, _, m in row.mcnemar}
    if len(tests) == 1:
        b, c, p = tests.pop()
        return f"p={_p(p)} (b={b}, c={c}) in each of {len(row.mcnemar)} run pairs"
    ps = [m.pvalue for _, _, m in row.mcnemar]
    return f"p {_p(min(ps))}–{_p(max(ps))} over {len(ps)} run pairs"


def summary_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = [
        "configuration",
        "split",
        "head",
        "runs",
        "macro-F1 mean ± sd",
        "pooled macro-F1",
        "95% interval",
        "accuracy mean ± sd",
        "pooled accuracy",
        "95% interval",
        "resampled",
    ]
    with_ece = any(r.ece is not None for r in report.summary)
    if with_ece:
        header.append("ECE (mean)")
    rows = []
    for r in report.summary:
        row = [
            r.group,
            r.split,
            r.head,
            r.runs,
            _mean_sd(r.f1_mean, r.f1_sd),
            r.f1,
            _interval(r.f1_low, r.f1_high),
            _mean_sd(r.acc_mean, r.acc_sd),
            r.acc,
            _interval(r.acc_low, r.acc_high),
            _unit(r),
        ]
        rows.append([*row, r.ece] if with_ece else row)
    return header, rows


def comparison_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = [
        "A",
        "B",
        "split",
        "head",
        "Δ macro-F1 (A−B)",
        "95% interval",
        "p (permutation)",
        "Δ accuracy",
        "McNemar",
        "resampled",
    ]
    rows = [
        [
            c.a,
            c.b,
            c.split,
            c.head,
            c.d_f1,
            _interval(c.d_f1_low, c.d_f1_high),
            _p(c.pvalue),
            c.d_acc,
            mcnemar_summary(c),
            _unit(c),
        ]
        for c in report.comparisons
        if not c.refused
    ]
    return header, rows


def printed(report: Report) -> str:
    """What the command prints: the main table and the paired comparisons."""
    header, rows = summary_rows(report)
    parts = [format_table(rows, header)]
    header, rows = comparison_rows(report)
    if rows:
        parts.append(format_table(rows, header))
    parts.extend(
        f"not paired: {c.a} vs {c.b} ({c.split}/{c.head}): {c.refused}"
        for c in report.comparisons
        if c.refused
    )
    parts.extend(f"note: {n}" for n in report.notes)
    return "\n\n".join(parts)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def _figure(report: Report, name: str, caption: str) -> list[str]:
    return [f"![{caption}]({name})", ""] if name in report.figures else []


def markdown(report: Report) -> str:
    """REPORT.md."""
    split = report.main_split
    out = [
        f"# Report: {len(report.runs)} run{'s' * (len(report.runs) != 1)} in {len(report.groups)} configuration(s)",
        "",
        f"Written {datetime.now().astimezone().isoformat(timespec='seconds')} by `python -m src.report` from "
        + ", ".join(f"`{i}`" for i in report.inputs)
        + ".",
        "",
        "Splits: " + "; ".join(f"{s}: {w}" for s, w in _IN_SAMPLE.items()) + ".",
        "",
    ]
    if report.notes:
        out += ["## Notes", "", *(f"- {n}" for n in report.notes), ""]
    header, rows = summary_rows(report)
    out += ["## Main table", "", markdown_table(header, rows), ""]
    out += ["## Paired comparisons", ""]
    header, rows = comparison_rows(report)
    if rows:
        out += [markdown_table(header, rows), ""]
    refused = [c for c in report.comparisons if c.refused]
    out += [f"- Not paired: **{c.a}** vs **{c.b}** ({c.split}/{c.head}): {c.refused}." for c in refused]
    if not report.comparisons:
        out += ["A single configuration: nothing to compare."]
    paired = [c for c in report.comparisons if not c.refused]
    if paired:
        out += ["", "McNemar's test per run pair (b: only A right, c: only B right):", ""]
        out += [markdown_table(*mcnemar_rows(report)), ""]
        pairings = {(c.a, c.b): c.seed_pairing for c in paired}
        out += [f"- Runs paired for McNemar, {a} vs {b}: {how}." for (a, b), how in pairings.items()]
    out += ["", f"## Per-class F1 ({split})", "", markdown_table(*per_class_rows(report, split)), ""]
    for head in dict.fromkeys(r.head for r in report.summary):
        out += _figure(report, f"per_class_f1_{split}_{head}.png", f"per-class F1, {head}")
        out += _figure(report, f"confusion_{split}_{head}.png", f"confusion matrices, {head}")
        out += _figure(report, f"reliability_{split}_{head}.png", f"reliability diagram, {head}")
    out += ["## Learning curves", ""]
    if report.learning:
        header = [
            "series",
            "head",
            "training documents",
            "training sentences",
            f"{split} macro-F1",
            "low",
            "high",
        ]
        out += [markdown_table(header, sorted(report.learning)), ""]
        out += [
            line
            for head in dict.fromkeys(p[1] for p in report.learning)
            for line in _figure(report, f"learning_curve_{split}_{head}.png", f"learning curve, {head}")
        ]
    else:
        out += ["No configurations that differ only in their training data: no learning curve.", ""]
    out += _errors_markdown(report)
    out += ["## Configurations", ""]
    for group in report.groups:
        shown = ", ".join(f"`{k}={v}`" for k, v in group.shown.items()) or "–"
        out += [
            f"- **{group.name}**: seeds {group.seeds}; distinguishing settings: {shown}; runs: "
            + ", ".join(f"`{r.path}`" for r in group.runs)
        ]
    out += ["", METHOD]
    return "\n".join(out) + "\n"


def mcnemar_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = ["A", "B", "split", "head", "seed A", "seed B", "b", "c", "test", "statistic", "p"]
    rows = [
        [c.a, c.b, c.split, c.head, sa, sb, m.b, m.c, m.method, m.statistic, _p(m.pvalue)]
        for c in report.comparisons
        if not c.refused
        for sa, sb, m in c.mcnemar
    ]
    return header, rows


def per_class_rows(report: Report, split: str | None = None) -> tuple[list[str], list[list[Any]]]:
    header = ["configuration", "split", "head", "label", "gold sentences", "F1 (pooled)", "95% interval"]
    rows = [
        [r.group, r.split, r.head, label, support, f1, _interval(low, high)]
        for r in report.summary
        if split is None or r.split == split
        for label, f1, low, high, support in r.per_class
    ]
    return header, rows


def _errors_markdown(report: Report) -> list[str]:
    out = [f"## Error analysis ({report.main_split})", ""]
    out += [
        "N-grams: word n-grams bare, character n-grams in [brackets], context words as ctx:word. Slices are "
        "small: read their intervals before their point estimates.",
        "",
    ]
    for e in report.errors:
        out += [f"### {e.group}", ""]
        out += [f"- {n}" for n in e.notes]
        for head, top in e.ngrams.items():
            out += [f"Top n-grams of the {head} classifier (first run, weight):", ""]
            rows = [[label, ", ".join(f"{n} ({w:.2f})" for n, w in grams)] for label, grams in top.items()]
            out += [markdown_table(["label", "n-grams"], rows), ""]
        for head, found in e.confident.items():
            out += [f"Most confident errors of {head} (first run), per gold label:", ""]
            rows = [[x.gold, x.pred, x.confidence, x.sentence_id, x.text[:200]] for x in found]
            out += [
                markdown_table(["gold", "predicted", "probability", "id", "text"], rows)
                if rows
                else "No errors.",
                "",
            ]
        for head, slices in e.slices.items():
            header = [
                "slice",
                "sentences",
                "documents",
                "macro-F1",
                "95% interval",
                "accuracy",
                "over-predicted",
            ]
            rows = [
                [
                    f"{s.kind}: {s.name}",
                    s.sentences,
                    s.documents,
                    s.macro_f1,
                    _interval(s.low, s.high, s.unit),
                    s.accuracy,
                    s.overpredicted or "–",
                ]
                for s in slices
            ]
            out += [f"Per genre and per actor, {head} (runs pooled):", "", markdown_table(header, rows), ""]
    return out


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


def csv_tables(report: Report) -> dict[str, str]:
    """The CSV files by name: plain numbers (no formatting), one row per record."""
    summary_header = [
        "configuration",
        "split",
        "head",
        "runs",
        "macro_f1_mean",
        "macro_f1_sd",
        "accuracy_mean",
        "accuracy_sd",
        "pooled_macro_f1",
        "macro_f1_low",
        "macro_f1_high",
        "pooled_accuracy",
        "accuracy_low",
        "accuracy_high",
        "unit",
        "units",
        "ece_mean",
    ]
    summary = [
        [
            r.group,
            r.split,
            r.head,
            r.runs,
            r.f1_mean,
            r.f1_sd,
            r.acc_mean,
            r.acc_sd,
            r.f1,
            r.f1_low,
            r.f1_high,
            r.acc,
            r.acc_low,
            r.acc_high,
            r.unit,
            r.units,
            r.ece,
        ]
        for r in report.summary
    ]
    comparison_header = [
        "a",
        "b",
        "split",
        "head",
        "refused",
        "sentences",
        "unit",
        "units",
        "delta_macro_f1",
        "delta_macro_f1_low",
        "delta_macro_f1_high",
        "delta_accuracy",
        "delta_accuracy_low",
        "delta_accuracy_high",
        "permutation_p",
    ]
    comparisons = [
        [
            c.a,
            c.b,
            c.split,
            c.head,
            c.refused,
            c.sentences,
            c.unit,
            c.units,
            c.d_f1,
            c.d_f1_low,
            c.d_f1_high,
            c.d_acc,
            c.d_acc_low,
            c.d_acc_high,
            c.pvalue,
        ]
        for c in report.comparisons
    ]
    mcnemar_header, _ = mcnemar_rows(report)
    mcnemar = [
        [c.a, c.b, c.split, c.head, sa, sb, m.b, m.c, m.method, m.statistic, m.pvalue]
        for c in report.comparisons
        if not c.refused
        for sa, sb, m in c.mcnemar
    ]
    runs = [[g.name, r.seed, str(r.path)] for g in report.groups for r in g.runs]
    per_class_header, _ = per_class_rows(report)
    per_class = [
        [r.group, r.split, r.head, label, support, f1, low, high]
        for r in report.summary
        for label, f1, low, high, support in r.per_class
    ]
    slices_header = [
        "configuration",
        "split",
        "head",
        "slice",
        "name",
        "sentences",
        "documents",
        "macro_f1",
        "macro_f1_low",
        "macro_f1_high",
        "unit",
        "accuracy",
        "overpredicted",
    ]
    slices = [
        [
            e.group,
            e.split,
            head,
            s.kind,
            s.name,
            s.sentences,
            s.documents,
            s.macro_f1,
            s.low,
            s.high,
            s.unit,
            s.accuracy,
            s.overpredicted,
        ]
        for e in report.errors
        for head, ss in e.slices.items()
        for s in ss
    ]
    ngrams = [
        [e.group, head, label, rank, gram, weight]
        for e in report.errors
        for head, top in e.ngrams.items()
        for label, grams in top.items()
        for rank, (gram, weight) in enumerate(grams, 1)
    ]
    confident = [
        [e.group, e.split, head, x.gold, x.pred, x.confidence, x.sentence_id, x.text]
        for e in report.errors
        for head, found in e.confident.items()
        for x in found
    ]
    tables = {
        "summary.csv": csv_text(summary_header, summary),
        "comparisons.csv": csv_text(comparison_header, comparisons),
        "mcnemar.csv": csv_text(mcnemar_header, mcnemar),
        "per_class_f1.csv": csv_text([*per_class_header[:-1], "f1_low", "f1_high"], per_class),
        "slices.csv": csv_text(slices_header, slices),
        "runs.csv": csv_text(["configuration", "seed", "run_dir"], runs),
        "top_ngrams.csv": csv_text(["configuration", "head", "label", "rank", "ngram", "weight"], ngrams),
        "confident_errors.csv": csv_text(
            ["configuration", "split", "head", "gold", "predicted", "probability", "id", "text"], confident
        ),
    }
    if report.learning:
        header = ["series", "head", "train_documents", "train_sentences", "macro_f1", "low", "high"]
        tables["learning_curve.csv"] = csv_text(header, report.learning)
    return tables


METHOD = f"""## Method

- **Scores** are the project's (`src.evaluate`): macro-F1 over the labels occurring in gold or predictions
  (multi-label heads: over every label), accuracy (multi-label: exact match).
- **Seeds.** Runs with the same resolved configuration except the seed and output paths form a configuration.
  *mean ± sd* is over its runs (sample standard deviation; none for a single run). The *pooled* score counts
  every sentence once per run, which is the score of all runs' predictions together.
- **Intervals**: {CONFIDENCE:.0%} percentile bootstrap (`scipy.stats.bootstrap`, {BOOTSTRAP_RESAMPLES} resamples,
  seeded) of the pooled score, resampling **documents** (sentence id `<doc_id>-sNNN`), because sentences of one
  document are not independent. A split with one document is resampled by sentence, and the table says so: that
  interval says nothing about other documents.
- **Paired comparison** of two configurations, only on identical sentences and gold labels (otherwise refused,
  with the reason). Δ is A − B of the pooled scores; its interval draws the same documents for both
  (paired document bootstrap). The p-value is a two-sided paired approximate-randomization test of the macro-F1
  difference (`scipy.stats.permutation_test`, `permutation_type="samples"`, {PERMUTATION_RESAMPLES} random swaps;
  exact when there are fewer distinct swaps): each sentence's pooled outputs are swapped between A and B with
  probability 1/2.
- **McNemar's test** on accuracy, per pair of runs (same seed; else in seed order): exact two-sided binomial test
  (`scipy.stats.binomtest`) when the discordant sentences b + c < {MCNEMAR_EXACT_BELOW}, else chi-square with
  continuity correction, max(|b − c| − 1, 0)² / (b + c), 1 degree of freedom.
- **Reliability diagrams**: accuracy against the predicted label's probability in equal-width bins
  (`sklearn.calibration.calibration_curve`), every run's sentences pooled; ECE is the runs' own (`metrics.json`).
- **Error analysis**: top n-grams and most confident errors from a configuration's first run; slices (genre of
  the document from the run's `data.documents`; actors from `data/reporting/actors.yaml`) pool all runs.
"""
