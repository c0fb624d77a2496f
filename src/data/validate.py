"""Check a corpus against the codebook (``data/CODEBOOK.md`` §10) and print its count tables.

Run from the repository root::

    python -m src.data.validate                      # data/corpus/{sentences,documents}.jsonl + data/corpus/raw/
    python -m src.data.validate --split-file splits.jsonl --markdown

Every problem is collected (not just the first) and printed as ``file:line: field: problem`` on stderr; the
exit status is then 1. A clean corpus prints its count tables and the balance targets on stdout (exit 0, or 1
with ``--require-targets`` when a target is missed). Missing merged files or a broken task config exit 2.

Each record is checked by the one record schema, :mod:`src.data.schema`, under the codebook's rules: fields, types,
labels (from ``conf/task/*.yaml``), hard tags, genres, sources, dates, and the per-record consistency and id rules.
This module adds the checks that need more than one record (:mod:`src.data.checks`):

* order: each document's sentences are contiguous and numbered ``sent_idx`` 0..n-1 in file order;
* alignment: each sentence text occurs verbatim, in order, in ``raw/<doc_id>.txt``; an authored document's first
  raw line is its headline (sentence 0);
* uniqueness: duplicate sentence ids, duplicate sentence texts, duplicate document ids;
* coverage: sentences of unknown documents, documents without sentences or without a raw file;
* contrast sets: each minimal pair (``pair_id``) has at least two members;
* change log (``CHANGELOG.jsonl`` next to the sentences): each entry names an existing sentence and a label field,
  and the last change of a field is the value the sentence carries now;
* splits: the default split (``make_splits`` with ``conf/data/corpus.yaml``) and, if given, a split file (read by
  :func:`src.data.splits.parse_split_file`, as training reads it) keep every document in one split, and seed
  documents are exactly the ``seed_test`` split;
* balance targets and count tables (:mod:`src.data.counts`).

Codebook lints that are judgment calls (a hard tag that contradicts the labels, a title that differs from the
headline, a raw file no document uses) are reported as warnings and do not fail the run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.config import CONFIG_DIR, PROJECT_ROOT
from src.data.checks import (
    Log,
    SentenceRow,
    check_alignment,
    check_changelog,
    check_order,
    check_pairs,
    check_split_assignment,
    check_split_file,
    check_unique,
    is_text,
    lint_sentence,
)
from src.data.corpus import Corpus
from src.data.counts import Table, Target, balance_targets, count_corpus, count_tables
from src.data.counts import render as render_tables
from src.data.schema import (
    LabelSets,
    RecordSchema,
    compose_options,
    document_schema,
    load_label_sets,
    sentence_schema,
)
from src.data.splits import make_splits
from src.errors import ConfigError, DataError

DEFAULT_SENTENCES = PROJECT_ROOT / "data" / "corpus" / "sentences.jsonl"
DEFAULT_DOCUMENTS = PROJECT_ROOT / "data" / "corpus" / "documents.jsonl"
DEFAULT_RAW_DIR = PROJECT_ROOT / "data" / "corpus" / "raw"
# Every re-labelled gold sentence: id, field, old, new, rule (data/corpus/CHANGELOG.jsonl).
CHANGELOG_NAME = "CHANGELOG.jsonl"


@dataclass(frozen=True)
class SplitSettings:
    """How the default split is made (``conf/data/corpus.yaml``)."""

    seed: int
    ratios: dict[str, float]
    seed_source: str


@dataclass
class Report:
    """Everything :func:`validate_corpus` found.

    Attributes:
        problems: Violations of the format or the codebook's hard rules; any problem fails validation.
        warnings: Codebook lints that may be judgment calls; they never fail validation.
        counts: Named counters over the valid sentences and documents (see :func:`src.data.counts.count_corpus`).
        targets: The balance targets, measured.
        labels: The label sets the corpus was checked against.
    """

    problems: list[DataError] = field(default_factory=list)
    warnings: list[DataError] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    labels: LabelSets = field(default_factory=LabelSets)

    @property
    def ok(self) -> bool:
        """True when there are no problems (warnings and missed targets do not count)."""
        return not self.problems

    def tables(self) -> list[Table]:
        """The count tables, in the order the command prints them."""
        return count_tables(self.counts, self.targets, self.labels)


def render(report: Report, markdown: bool = False) -> str:
    """The count tables as aligned plain text, or as Markdown (for the datasheet)."""
    return render_tables(report.tables(), report.counts["totals"], markdown)


def load_split_settings(config_dir: str | Path = CONFIG_DIR, option: str = "corpus") -> SplitSettings:
    """The default split's seed, ratios and seed source, from the data config training composes."""
    cfg = compose_options("data", config_dir, names=[option])[option]
    return SplitSettings(
        seed=int(cfg.split_seed),
        ratios={str(k): float(v) for k, v in cfg.ratios.items()},
        seed_source=str(cfg.seed_source),
    )


def validate_corpus(
    sentences: str | Path = DEFAULT_SENTENCES,
    documents: str | Path = DEFAULT_DOCUMENTS,
    raw_dir: str | Path = DEFAULT_RAW_DIR,
    split_file: str | Path | None = None,
    split_seed: int | None = None,
    labels: LabelSets | None = None,
    split_settings: SplitSettings | None = None,
    id_rule: bool = True,
    changelog: str | Path | None = None,
) -> Report:
    """Check a corpus in the bundled format and count its labels.

    Args:
        sentences: Sentence records (JSONL), documents in order, sentences in order.
        documents: Document records (JSONL).
        raw_dir: Folder holding ``<doc_id>.txt`` for every document.
        split_file: Optional split assignment (rows of ``split`` plus ``doc_id`` or sentence ``id``) to check.
        split_seed: Seed of the default split; ``None`` takes ``split_seed`` from ``conf/data/corpus.yaml``.
        labels: Label sets to check against; ``None`` reads them from ``conf/task/*.yaml``.
        split_settings: Ratios and seed source of the default split; ``None`` reads ``conf/data/corpus.yaml``.
        id_rule: Enforce the bundled corpus's id style (``id == f"{doc_id}-s{sent_idx:03d}"`` and the document id
            patterns); switch off for corpora with their own ids.
        changelog: The label change log to check against the sentences; ``None`` checks ``CHANGELOG.jsonl`` next
            to the sentences file when there is one.

    Returns:
        The :class:`Report`: all problems and warnings, and counts over the valid records.

    Raises:
        ConfigError: The task configs' label sets are inconsistent or miss a field of the codebook.
    """
    labels = labels or load_label_sets()
    sentence_rules = sentence_schema(labels, codebook=True, id_rule=id_rule)
    document_rules = document_schema(codebook=True, id_rule=id_rule)
    settings = split_settings or load_split_settings()
    sentences_path, documents_path, raw_dir = Path(sentences), Path(documents), Path(raw_dir)
    log = Log()

    def check(rules: RecordSchema, path: Path, line: int, record: dict[str, Any]) -> bool:
        problems = rules.check(record)[1]
        for name, text in problems:
            log.problem(path, line, name, text)
        return not problems

    documents_by_id: dict[str, tuple[int, dict[str, Any], bool]] = {}
    for line, record in log.read(documents_path, "documents file"):
        valid = check(document_rules, documents_path, line, record)
        doc_id = record.get("doc_id")
        if not isinstance(doc_id, str):
            continue
        if doc_id in documents_by_id:
            log.problem(
                documents_path,
                line,
                "doc_id",
                f"duplicate document id {doc_id!r} (first on line {documents_by_id[doc_id][0]})",
            )
            continue
        documents_by_id[doc_id] = (line, record, valid)

    sentences_read = [
        SentenceRow(line, record, check(sentence_rules, sentences_path, line, record))
        for line, record in log.read(sentences_path, "sentences file")
    ]
    for s in sentences_read:
        doc_id = s.record.get("doc_id")
        if isinstance(doc_id, str) and doc_id not in documents_by_id:
            log.problem(
                sentences_path, s.line, "doc_id", f"document {doc_id!r} is not in {documents_path.name}"
            )
            s.valid = False
    check_order(log, sentences_path, sentences_read)
    check_unique(log, sentences_path, sentences_read)
    check_pairs(log, sentences_path, sentences_read)
    changelog = sentences_path.parent / CHANGELOG_NAME if changelog is None else Path(changelog)
    if changelog.is_file():
        check_changelog(log, changelog, sentences_read)

    by_doc: dict[str, list[SentenceRow]] = {}
    for s in sentences_read:
        if isinstance(s.record.get("doc_id"), str):
            by_doc.setdefault(s.record["doc_id"], []).append(s)
    for doc_id, (line, record, _) in documents_by_id.items():
        if doc_id not in by_doc:
            log.problem(
                documents_path,
                line,
                "doc_id",
                f"document {doc_id!r} has no sentences in {sentences_path.name}",
            )
        check_alignment(log, sentences_path, raw_dir, documents_path, line, record, by_doc.get(doc_id, []))
        headline = by_doc.get(doc_id, [None])[0]
        if (
            headline is not None
            and is_text(record.get("title"))
            and record["title"] != headline.record.get("text")
        ):
            log.warn(documents_path, line, "title", "differs from the headline (sentence 0)")
    if raw_dir.is_dir():
        for orphan in sorted(set(p.stem for p in raw_dir.glob("*.txt")) - set(documents_by_id)):
            log.warn(
                raw_dir / f"{orphan}.txt",
                None,
                None,
                f"no document in {documents_path.name} uses this raw file",
            )

    valid_docs = {d: rec for d, (_, rec, ok) in documents_by_id.items() if ok}
    counted = [s for s in sentences_read if s.valid and s.record["doc_id"] in valid_docs]
    for s in counted:
        lint_sentence(log, sentences_path, s, valid_docs[s.record["doc_id"]]["genre"])

    # Splits see every sentence whose ids are readable, so that a leak is found even in an otherwise broken corpus.
    readable = [
        s.record for s in sentences_read if is_text(s.record.get("id")) and is_text(s.record.get("doc_id"))
    ]
    corpus = Corpus(
        sentences={"id": [r["id"] for r in readable], "doc_id": [r["doc_id"] for r in readable]},
        documents={d: rec for d, (_, rec, _) in documents_by_id.items()},
    )
    seed = settings.seed if split_seed is None else split_seed
    default = make_splits(corpus, seed, settings.ratios, seed_source=settings.seed_source)
    check_split_assignment(
        log, f"default split (split_seed={seed})", default, corpus.documents, settings.seed_source
    )
    if split_file is not None:
        check_split_file(log, Path(split_file), corpus, settings.seed_source)

    counts = count_corpus((s.record for s in counted), valid_docs, labels)
    return Report(
        problems=sorted(log.problems, key=_position),
        warnings=sorted(log.warnings, key=_position),
        counts=counts,
        targets=balance_targets(counts, labels),
        labels=labels,
    )


def _position(error: DataError) -> tuple[str, int]:
    return error.path, error.line or 0


def _shown(path: Path) -> Path:
    """The path relative to the working directory when it lies below it, so messages stay short."""
    try:
        return Path(os.path.relpath(path)) if path.resolve().is_relative_to(Path.cwd().resolve()) else path
    except ValueError:
        return path


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m src.data.validate",
        description="Check the merged corpus against the codebook (data/CODEBOOK.md) and print its count tables.",
    )
    parser.add_argument("--sentences", type=Path, default=DEFAULT_SENTENCES, help="sentence records (JSONL)")
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS, help="document records (JSONL)")
    parser.add_argument(
        "--raw-dir", type=Path, default=DEFAULT_RAW_DIR, help="folder of <doc_id>.txt raw texts"
    )
    parser.add_argument("--split-file", type=Path, default=None, help="split assignment to check for leakage")
    parser.add_argument(
        "--split-seed",
        type=int,
        default=None,
        help="seed of the default split (default: conf/data/corpus.yaml)",
    )
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument(
        "--require-targets", action="store_true", help="exit 1 when a balance target is missed"
    )
    parser.add_argument(
        "--no-id-rule",
        dest="id_rule",
        action="store_false",
        help="do not enforce the bundled corpus's id style",
    )
    parser.add_argument("--quiet-warnings", action="store_true", help="do not print codebook lint warnings")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 clean, 1 problems, 2 missing input or bad config)."""
    args = _parse_args(argv)
    sentences, documents, raw_dir = _shown(args.sentences), _shown(args.documents), _shown(args.raw_dir)
    missing = [str(p) for p in (sentences, documents) if not p.is_file()]
    if not raw_dir.is_dir():
        missing.append(f"{raw_dir}/")
    if missing:
        print(
            f"error: corpus not found: {', '.join(missing)}. The merged corpus is built from the shards in "
            "data/corpus/shards/; until it exists, point --sentences, --documents and --raw-dir at merged files.",
            file=sys.stderr,
        )
        return 2
    try:
        report = validate_corpus(
            sentences,
            documents,
            raw_dir,
            split_file=args.split_file,
            split_seed=args.split_seed,
            id_rule=args.id_rule,
        )
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if not args.quiet_warnings:
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    if report.problems:
        print(f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s)", file=sys.stderr)
        return 1
    print(render(report, markdown=args.markdown))
    return 1 if args.require_targets and not all(t.passed for t in report.targets) else 0


if __name__ == "__main__":
    sys.exit(main())
