"""The corpus's count tables and balance targets, as the validator prints them and the datasheet quotes them.

Label tables follow the task configs: one table per single-label field, two per multi-label field (labels, and
labels per sentence). Plain text goes through :func:`src.report.format_table`; Markdown through
:func:`markdown_table`, for ``data/DATASHEET.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from src.data.schema import CONTRAST_KINDS, FORMATS, GENRES, HARD_TAGS, SOURCES, LabelSets
from src.report import format_table

# Balance targets of the merged corpus (codebook §10).
MIN_AUTHORED_SENTENCES = 1500
MIN_SENTENCES = 3000
MIN_DOCUMENTS = 180
MIN_HARD_SENTENCES = 150
# Real briefings and press conferences run long: at least this share of documents has LONG_DOCUMENT sentences.
LONG_DOCUMENT = 30
MIN_LONG_DOCUMENT_PCT = 25.0
# Contrast sets against actor and stock-phrase shortcuts (codebook §8.1).
MIN_CONTRAST_SENTENCES = 400
MIN_MINIMAL_PAIRS = 40
# Document lengths are counted in these bins (sentences, lower bounds).
LENGTH_BINS = (0, 15, LONG_DOCUMENT, 45)
# Every label of these fields on at least this share of sentences.
MIN_LABEL_PCT = {"primary_stance": 15.0, "speaker_role": 4.0}
# At least this share of sentences with more than one label of these multi-label fields.
MIN_MULTI_LABEL_PCT = {"stance": 10.0}


@dataclass(frozen=True)
class Target:
    """One balance target of the merged corpus.

    Attributes:
        name: What is measured, in words.
        value: The measured figure (a count, or a percentage when ``percent``).
        minimum: The figure it must reach.
        percent: Whether ``value`` and ``minimum`` are percentages.
    """

    name: str
    value: float
    minimum: float
    percent: bool = False

    @property
    def passed(self) -> bool:
        return self.value >= self.minimum


@dataclass
class Table:
    """A titled table of counts."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def _per_sentence(name: str) -> str:
    return f"{name}_per_sentence"


def _multi(name: str) -> str:
    return f"multi_{name}"


def count_corpus(
    sentences: Iterable[Mapping[str, Any]], documents: Mapping[str, Mapping[str, Any]], labels: LabelSets
) -> dict[str, Counter]:
    """Counters over valid sentence records of valid documents.

    Returns:
        ``genre_``/``source_``/``year_`` + ``documents``/``sentences``, ``dates``, ``hard``, ``totals``, and per
        label field its counter (plus ``<field>_per_sentence`` for a multi-label field).
    """
    counts: dict[str, Counter] = {
        name: Counter()
        for name in (
            "genre_documents",
            "genre_sentences",
            "source_documents",
            "source_sentences",
            "year_documents",
            "year_sentences",
            "dates",
            "hard",
            "totals",
            "format_documents",
            "format_sentences",
            "length_documents",
            "contrast_kind",
            "pairs",
            "actor_sentences",
            "actor_stance",
            "stance_sentences",
        )
    }
    for entry in labels:
        counts[entry.name] = Counter()
        if entry.multilabel:
            counts[_per_sentence(entry.name)] = Counter()
    totals = counts["totals"]
    for doc in documents.values():
        counts["genre_documents"][doc["genre"]] += 1
        counts["source_documents"][doc["source"]] += 1
        counts["year_documents"][doc["date"][:4]] += 1
        counts["dates"][doc["date"]] += 1
        counts["format_documents"][doc.get("format") or "(none)"] += 1
        totals["documents"] += 1
    sentences = list(sentences)
    sizes = Counter(r["doc_id"] for r in sentences)
    for doc_id in documents:
        counts["length_documents"][_length_bin(sizes[doc_id])] += 1
        totals["long_documents"] += sizes[doc_id] >= LONG_DOCUMENT
    actors = _actor_patterns()
    for r in sentences:
        doc = documents[r["doc_id"]]
        counts["format_sentences"][doc.get("format") or "(none)"] += 1
        if r.get("contrast_kind"):
            counts["contrast_kind"][r["contrast_kind"]] += 1
            totals["contrast_sentences"] += 1
        if r.get("pair_id"):
            counts["pairs"][r["pair_id"]] += 1
        if "primary_stance" in r:
            counts["stance_sentences"][r["primary_stance"]] += 1
            for actor, pattern in actors.items():
                if pattern.search(r["text"]):
                    counts["actor_sentences"][actor] += 1
                    counts["actor_stance"][(actor, r["primary_stance"])] += 1
        counts["genre_sentences"][doc["genre"]] += 1
        counts["source_sentences"][doc["source"]] += 1
        counts["year_sentences"][doc["date"][:4]] += 1
        for entry in labels:
            if entry.multilabel:
                counts[entry.name].update(r[entry.name])
                counts[_per_sentence(entry.name)][len(r[entry.name])] += 1
                totals[_multi(entry.name)] += len(r[entry.name]) > 1
            else:
                counts[entry.name][r[entry.name]] += 1
        counts["hard"].update(r["hard"])
        totals["sentences"] += 1
        totals["authored_sentences"] += doc["source"] == "authored"
        totals["hard_sentences"] += bool(r["hard"])
    return counts


def _length_bin(size: int) -> str:
    """The length bin of a document of ``size`` sentences, e.g. ``15-29`` or ``45+``."""
    lower = max(b for b in LENGTH_BINS if b <= size)
    upper = [b for b in LENGTH_BINS if b > lower]
    return f"{lower}-{upper[0] - 1}" if upper else f"{lower}+"


def _actor_patterns() -> dict[str, Any]:
    """The actors of ``data/reporting/actors.yaml`` (the report's error analysis slices by the same words)."""
    from src.reporting.errors import load_actors

    return load_actors()


def balance_targets(counts: Mapping[str, Counter], labels: LabelSets) -> list[Target]:
    """The balance targets, measured."""
    totals = counts["totals"]
    n = totals["sentences"]
    targets = [
        Target("authored sentences", totals["authored_sentences"], MIN_AUTHORED_SENTENCES),
        Target("sentences", n, MIN_SENTENCES),
        Target("documents", totals["documents"], MIN_DOCUMENTS),
        Target(
            f"documents of {LONG_DOCUMENT}+ sentences",
            _pct(totals["long_documents"], totals["documents"]),
            MIN_LONG_DOCUMENT_PCT,
            percent=True,
        ),
        Target("contrast-set sentences", totals["contrast_sentences"], MIN_CONTRAST_SENTENCES),
        Target("minimal pairs", sum(1 for k in counts["pairs"].values() if k >= 2), MIN_MINIMAL_PAIRS),
    ]
    for entry in labels:
        if not entry.multilabel and entry.name in MIN_LABEL_PCT:
            targets += [
                Target(
                    f"{entry.name} {label}",
                    _pct(counts[entry.name][label], n),
                    MIN_LABEL_PCT[entry.name],
                    percent=True,
                )
                for label in entry.labels
            ]
    for entry in labels:
        if entry.multilabel and entry.name in MIN_MULTI_LABEL_PCT:
            targets.append(
                Target(
                    f"sentences with more than one {entry.name.replace('_', ' ')}",
                    _pct(totals[_multi(entry.name)], n),
                    MIN_MULTI_LABEL_PCT[entry.name],
                    percent=True,
                )
            )
    targets.append(Target("sentences with a hard tag", totals["hard_sentences"], MIN_HARD_SENTENCES))
    return targets


def _labelled_rows(counter: Counter, keys: Iterable[Any], n: int) -> list[tuple[Any, ...]]:
    return [(key, counter[key], f"{_pct(counter[key], n):.1f}") for key in keys]


def _label_tables(counts: Mapping[str, Counter], labels: LabelSets, n: int) -> list[Table]:
    tables = []
    for entry in labels:
        title = entry.name.replace("_", " ").capitalize()
        counter = counts[entry.name]
        if not entry.multilabel:
            tables.append(
                Table(title, (entry.name, "sentences", "%"), _labelled_rows(counter, entry.labels, n))
            )
            continue
        per_sentence, multi = counts[_per_sentence(entry.name)], counts["totals"][_multi(entry.name)]
        tables.append(
            Table(
                f"{title} labels (multi-label: a sentence counts once per label)",
                (entry.name, "sentences", "% sentences"),
                _labelled_rows(counter, entry.labels, n)
                + [("(empty list)", per_sentence[0], f"{_pct(per_sentence[0], n):.1f}")],
            )
        )
        tables.append(
            Table(
                f"{title} labels per sentence",
                ("labels", "sentences", "%"),
                _labelled_rows(per_sentence, range(len(entry.labels) + 1), n)
                + [("more than one", multi, f"{_pct(multi, n):.1f}")],
            )
        )
    return tables


def _actor_table(c: Mapping[str, Counter]) -> Table:
    """Per primary stance, the share of its sentences that name each actor: the actor-shortcut check."""
    stances = sorted(c["stance_sentences"])
    actors = sorted(c["actor_sentences"], key=lambda a: -c["actor_sentences"][a])
    return Table(
        "Actors named, by primary stance (% of the stance's sentences that name the actor)",
        ("actor", *stances),
        [
            (
                actor,
                *(f"{_pct(c['actor_stance'][(actor, st)], c['stance_sentences'][st]):.1f}" for st in stances),
            )
            for actor in actors
        ],
    )


def count_tables(counts: Mapping[str, Counter], targets: Sequence[Target], labels: LabelSets) -> list[Table]:
    """The count tables, in the order the validator prints them."""
    c, totals = counts, counts["totals"]
    n, n_docs = totals["sentences"], totals["documents"]
    extra_genres = sorted(set(c["genre_documents"]) - set(GENRES))
    sources = [s for s in SOURCES if c["source_documents"][s]]
    sources += sorted(set(c["source_documents"]) - set(SOURCES))
    tables = [
        Table(
            "Documents and sentences by genre",
            ("genre", "documents", "sentences", "% sentences"),
            [
                (
                    g,
                    c["genre_documents"][g],
                    c["genre_sentences"][g],
                    f"{_pct(c['genre_sentences'][g], n):.1f}",
                )
                for g in (*GENRES, *extra_genres)
            ]
            + [("total", n_docs, n, "100.0" if n else "0.0")],
        ),
        Table(
            "Documents and sentences by source",
            ("source", "documents", "sentences", "% sentences"),
            [
                (
                    s,
                    c["source_documents"][s],
                    c["source_sentences"][s],
                    f"{_pct(c['source_sentences'][s], n):.1f}",
                )
                for s in sources
            ],
        ),
        Table(
            "Documents and sentences by format",
            ("format", "documents", "sentences", "% sentences"),
            [
                (
                    f,
                    c["format_documents"][f],
                    c["format_sentences"][f],
                    f"{_pct(c['format_sentences'][f], n):.1f}",
                )
                for f in (*FORMATS, *sorted(set(c["format_documents"]) - set(FORMATS)))
            ],
        ),
        Table(
            "Documents by length (sentences)",
            ("sentences", "documents", "% documents"),
            [
                (b, c["length_documents"][b], f"{_pct(c['length_documents'][b], n_docs):.1f}")
                for b in (_length_bin(lower) for lower in LENGTH_BINS)
            ],
        ),
        *_label_tables(c, labels, n),
        _actor_table(c),
        Table(
            "Contrast sets by kind (codebook §8.1)",
            ("contrast_kind", "sentences", "% sentences"),
            _labelled_rows(c["contrast_kind"], CONTRAST_KINDS, n)
            + [("any", totals["contrast_sentences"], f"{_pct(totals['contrast_sentences'], n):.1f}")],
        ),
        Table(
            "Hard-case tags (a sentence counts once per tag)",
            ("tag", "sentences", "% sentences"),
            _labelled_rows(c["hard"], HARD_TAGS, n)
            + [("any hard tag", totals["hard_sentences"], f"{_pct(totals['hard_sentences'], n):.1f}")],
        ),
    ]
    dates = sorted(c["dates"])
    span = f"{dates[0]} .. {dates[-1]}" if dates else "no dates"
    tables.append(
        Table(
            f"Documents and sentences by year ({span})",
            ("year", "documents", "sentences"),
            [(y, c["year_documents"][y], c["year_sentences"][y]) for y in sorted(c["year_documents"])],
        )
    )
    tables.append(
        Table(
            "Balance targets",
            ("target", "value", "required", "result"),
            [
                (
                    t.name,
                    f"{t.value:.1f}%" if t.percent else f"{t.value:.0f}",
                    f">= {t.minimum:.0f}%" if t.percent else f">= {t.minimum:.0f}",
                    "PASS" if t.passed else "FAIL",
                )
                for t in targets
            ],
        )
    )
    return tables


def markdown_table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A Markdown table: the first column left-aligned, the others right-aligned."""
    align = ["---"] + ["---:"] * (len(header) - 1)
    lines = [f"| {' | '.join(map(str, header))} |", f"| {' | '.join(align)} |"]
    return "\n".join(lines + [f"| {' | '.join(map(str, row))} |" for row in rows])


def render(tables: Sequence[Table], totals: Mapping[str, int], markdown: bool = False) -> str:
    """The corpus line and the tables, as plain text (:func:`src.report.format_table`) or as Markdown."""
    head = f"{totals['documents']} documents, {totals['sentences']} sentences ({totals['authored_sentences']} authored)"
    blocks = [f"**Corpus:** {head}" if markdown else f"Corpus: {head}"]
    for table in tables:
        if markdown:
            blocks.append(f"#### {table.title}\n\n{markdown_table(table.rows, table.header)}")
        else:
            blocks.append(f"{table.title}\n{format_table(table.rows, table.header)}")
    return "\n\n".join(blocks)
