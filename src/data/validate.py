"""Check the bundled corpus against the codebook (``data/CODEBOOK.md``) and print its count tables.

Run from the repository root::

    python -m src.data.validate                      # data/corpus/{sentences,documents}.jsonl + data/corpus/raw/
    python -m src.data.validate --split-file splits.jsonl --markdown

Every problem is collected (not just the first) and printed as ``file:line: field: problem`` on stderr; the
exit status is then 1. A clean corpus prints its count tables and the balance targets on stdout (exit 0, or 1
with ``--require-targets`` when a target is missed). Missing merged files or a broken task config exit 2.

Checks (the codebook's "Validation" section lists them for annotators):

* schema: every sentence and document field present, of the right type, and no unknown fields;
* labels: ``stance``, ``primary_stance`` and ``speaker_role`` against the label sets of ``conf/task/*.yaml``
  (the ones training uses), ``hard`` against :data:`HARD_TAGS`, ``genre`` against :data:`GENRES`;
* consistency: ``primary_stance`` is ``none`` exactly when ``stance`` is empty, else one of ``stance``;
  ``speaker == "narrator"`` exactly when ``speaker_role == "narrator"``; ``speaker_mention`` is null or an exact
  substring of ``text``;
* the id rule of the bundled corpus (switch off with ``id_rule=False`` / ``--no-id-rule`` for other corpora):
  ``id == f"{doc_id}-s{sent_idx:03d}"``, authored documents are ``auth-<letter><two digits>``, seed documents
  ``seed-<three digits>``;
* order: each document's sentences are contiguous and numbered ``sent_idx`` 0..n-1 in file order;
* alignment: each sentence text occurs verbatim, in order, in ``raw/<doc_id>.txt``; an authored document's first
  raw line is its headline (sentence 0);
* uniqueness: duplicate sentence ids, duplicate sentence texts, duplicate document ids;
* coverage: sentences of unknown documents, documents without sentences or without a raw file;
* splits: the default split (``make_splits`` with ``conf/data/corpus.yaml``) and, if given, a split file keep
  every document in one split, and seed documents are exactly the ``seed_test`` split.

Codebook lints that are judgment calls (a hard tag that contradicts the labels, a title that differs from the
headline, a raw file no document uses) are reported as warnings and do not fail the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from src.config import CONFIG_DIR, PROJECT_ROOT
from src.data.corpus import Corpus, read_records
from src.data.splits import SPLITS, check_disjoint, make_splits, read_split_file
from src.errors import ConfigError, DataError

SENTENCE_FIELDS = (
    "id",
    "doc_id",
    "sent_idx",
    "text",
    "stance",
    "primary_stance",
    "speaker",
    "speaker_mention",
    "speaker_role",
    "hard",
)
DOCUMENT_FIELDS = ("doc_id", "title", "date", "genre", "publisher", "source")
GENRES = ("news", "readout", "joint_statement", "transcript", "spokesperson", "editorial", "commentary")
SOURCES = ("authored", "seed")
HARD_TAGS = (
    "rights_denial",
    "china_frames_allies",
    "alarming_procedural",
    "rival_cooperation",
    "pronoun_speaker",
    "previous_sentence_speaker",
    "quote_spans_sentences",
    "anonymous_source",
    "irony",
    "generic_security_phrase",
    "factual_launch_report",
    "nested_attribution",
    "mixed_stance",
    "transcript_turn",
    "implicit_actor",
)
# The corpus covers a decade of coverage; a date outside it is a typo, not a finding.
DATE_MIN, DATE_MAX = dt.date(2015, 1, 1), dt.date(2025, 12, 31)
NARRATOR = "narrator"
NONE_LABEL = "none"
# Genres whose raw text is organised in speaker turns ("Moderator: ..."), where transcript_turn can apply.
TURN_GENRES = ("transcript", "spokesperson")
DOC_ID_PATTERNS = {"authored": re.compile(r"auth-[a-z]\d{2}"), "seed": re.compile(r"seed-\d{3}")}
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")

DEFAULT_SENTENCES = PROJECT_ROOT / "data" / "corpus" / "sentences.jsonl"
DEFAULT_DOCUMENTS = PROJECT_ROOT / "data" / "corpus" / "documents.jsonl"
DEFAULT_RAW_DIR = PROJECT_ROOT / "data" / "corpus" / "raw"
DEFAULT_TASK_DIR = CONFIG_DIR / "task"
DEFAULT_DATA_CONFIG = CONFIG_DIR / "data" / "corpus.yaml"


@dataclass(frozen=True)
class LabelSets:
    """The label sets a corpus must use, as training sees them.

    Attributes:
        stance: Labels of the multi-label ``stance`` list (without ``none``).
        primary_stance: Labels of ``primary_stance`` (the stance labels plus ``none``).
        speaker_role: Labels of ``speaker_role``.
    """

    stance: tuple[str, ...]
    primary_stance: tuple[str, ...]
    speaker_role: tuple[str, ...]


@dataclass(frozen=True)
class SplitSettings:
    """How the default split is made (``conf/data/corpus.yaml``)."""

    seed: int
    ratios: dict[str, float]
    seed_source: str


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
    """A titled table of counts, rendered as aligned text or Markdown."""

    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass
class Report:
    """Everything :func:`validate_corpus` found.

    Attributes:
        problems: Violations of the format or the codebook's hard rules; any problem fails validation.
        warnings: Codebook lints that may be judgment calls; they never fail validation.
        counts: Named counters over the schema-valid sentences and documents (keys as in :func:`_count`).
        targets: The balance targets, measured.
        labels: The label sets the corpus was checked against.
    """

    problems: list[DataError] = field(default_factory=list)
    warnings: list[DataError] = field(default_factory=list)
    counts: dict[str, Counter] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    labels: LabelSets | None = None

    @property
    def ok(self) -> bool:
        """True when there are no problems (warnings and missed targets do not count)."""
        return not self.problems

    def tables(self) -> list[Table]:
        """The count tables, in the order the command prints them."""
        return _tables(self)


def load_label_sets(task_dir: str | Path = DEFAULT_TASK_DIR) -> LabelSets:
    """Collect the label set of each corpus field from the task configs, as training composes them.

    Args:
        task_dir: Folder of task YAML files (each with a ``heads`` list of ``field`` and ``labels``).

    Returns:
        The label sets of ``stance``, ``primary_stance`` and ``speaker_role``.

    Raises:
        ConfigError: Two task files disagree on a field's labels, a field is missing, or ``primary_stance`` is not
            the stance labels plus ``none``.
    """
    found: dict[str, tuple[tuple[str, ...], Path]] = {}
    for path in sorted(Path(task_dir).glob("*.yaml")):
        for head in OmegaConf.load(path).get("heads") or []:
            name, labels = str(head["field"]), tuple(str(label) for label in head["labels"])
            if name in found and set(found[name][0]) != set(labels):
                # Two tasks training on one column with different label sets would make the corpus valid for one only.
                raise ConfigError(
                    f"{path}: heads: labels of field {name!r} {list(labels)} differ from "
                    f"{found[name][1]}'s {list(found[name][0])}"
                )
            found.setdefault(name, (labels, path))
    missing = [name for name in ("stance", "primary_stance", "speaker_role") if name not in found]
    if missing:
        raise ConfigError(f"{task_dir}: no task config defines a head for field(s) {', '.join(missing)}")
    sets = LabelSets(found["stance"][0], found["primary_stance"][0], found["speaker_role"][0])
    if NONE_LABEL in sets.stance or set(sets.primary_stance) != {*sets.stance, NONE_LABEL}:
        raise ConfigError(
            f"{task_dir}: primary_stance labels {list(sets.primary_stance)} must be the stance labels "
            f"{list(sets.stance)} plus {NONE_LABEL!r}"
        )
    return sets


def load_split_settings(path: str | Path = DEFAULT_DATA_CONFIG) -> SplitSettings:
    """Read the default split's seed, ratios and seed source from the data config training uses."""
    cfg = OmegaConf.load(path)
    return SplitSettings(
        seed=int(cfg.split_seed),
        ratios={str(k): float(v) for k, v in cfg.ratios.items()},
        seed_source=str(cfg.seed_source),
    )


class _Log:
    """Collects problems and warnings instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[DataError] = []
        self.warnings: list[DataError] = []

    def problem(self, path: object, line: int | None, name: str | None, text: str) -> None:
        self.problems.append(DataError(path, line, name, text))

    def warn(self, path: object, line: int | None, name: str | None, text: str) -> None:
        self.warnings.append(DataError(path, line, name, text))

    def read(self, path: Path, what: str) -> list[tuple[int, dict[str, Any]]]:
        """All records ``read_records`` yields; a malformed line is a problem and ends the reading of that file."""
        records: list[tuple[int, dict[str, Any]]] = []
        try:
            records.extend(read_records(path, what))
        except DataError as exc:
            # read_records is a generator that stops at a malformed line; the lines before it are still checked.
            tail = "" if exc.line is None else "; later lines of this file were not read"
            self.problems.append(DataError(exc.path, exc.line, exc.field, exc.problem + tail))
        return records


@dataclass
class _Sentence:
    line: int
    record: dict[str, Any]
    valid: bool  # every field has the right type and a known label


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_fields(log: _Log, path: Path, line: int, record: dict[str, Any], names: Sequence[str]) -> bool:
    ok = True
    for name in names:
        if name not in record:
            log.problem(path, line, name, "missing field")
            ok = False
    for name in record:
        if name not in names:
            log.problem(path, line, name, f"unknown field; the fields are {', '.join(names)}")
            ok = False
    return ok


def _check_document(log: _Log, path: Path, line: int, record: dict[str, Any], id_rule: bool) -> bool:
    ok = _check_fields(log, path, line, record, DOCUMENT_FIELDS)
    for name in ("doc_id", "title", "publisher"):
        if name in record and not _is_text(record[name]):
            log.problem(path, line, name, f"expected a non-empty string, got {record[name]!r}")
            ok = False
    date = record.get("date")
    if "date" in record:
        parsed = None
        if isinstance(date, str) and DATE_PATTERN.fullmatch(date):
            try:
                parsed = dt.date.fromisoformat(date)
            except ValueError:
                parsed = None
        if parsed is None:
            log.problem(path, line, "date", f"expected a calendar date YYYY-MM-DD, got {date!r}")
            ok = False
        elif not DATE_MIN <= parsed <= DATE_MAX:
            log.problem(path, line, "date", f"{date} is outside the corpus period {DATE_MIN}..{DATE_MAX}")
            ok = False
    if "genre" in record and record["genre"] not in GENRES:
        log.problem(path, line, "genre", f"unknown genre {record['genre']!r}; allowed: {', '.join(GENRES)}")
        ok = False
    if "source" in record and record["source"] not in SOURCES:
        log.problem(
            path, line, "source", f"unknown source {record['source']!r}; allowed: {', '.join(SOURCES)}"
        )
        ok = False
    doc_id, source = record.get("doc_id"), record.get("source")
    if (
        id_rule
        and _is_text(doc_id)
        and isinstance(source, str)
        and source in DOC_ID_PATTERNS
        and not DOC_ID_PATTERNS[source].fullmatch(doc_id)
    ):
        log.problem(
            path,
            line,
            "doc_id",
            f"{doc_id!r} does not match the {source} id pattern {DOC_ID_PATTERNS[source].pattern}",
        )
        ok = False
    return ok


def _check_labels(log: _Log, path: Path, line: int, name: str, value: Any, allowed: Sequence[str]) -> bool:
    """A list of distinct labels from ``allowed``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        log.problem(path, line, name, f"expected a list of strings, got {value!r}")
        return False
    ok = True
    for label in value:
        if label not in allowed:
            log.problem(path, line, name, f"unknown label {label!r}; allowed: {', '.join(allowed)}")
            ok = False
    if len(set(value)) != len(value):
        log.problem(path, line, name, f"a label is listed twice in {value}")
        ok = False
    return ok


def _check_sentence(
    log: _Log, path: Path, line: int, record: dict[str, Any], labels: LabelSets, id_rule: bool
) -> bool:
    ok = _check_fields(log, path, line, record, SENTENCE_FIELDS)
    get = record.get
    for name in ("id", "doc_id", "speaker"):
        if name in record and not _is_text(record[name]):
            log.problem(path, line, name, f"expected a non-empty string, got {record[name]!r}")
            ok = False
    if "sent_idx" in record and not (_is_int(get("sent_idx")) and get("sent_idx") >= 0):
        log.problem(path, line, "sent_idx", f"expected an integer >= 0, got {get('sent_idx')!r}")
        ok = False
    text = get("text")
    if "text" in record:
        if not _is_text(text):
            log.problem(path, line, "text", f"expected a non-empty string, got {text!r}")
            ok = False
        elif "\n" in text or "\r" in text:
            log.problem(path, line, "text", "contains a line break; a sentence never spans lines")
            ok = False
        elif text != text.strip():
            log.problem(path, line, "text", "has leading or trailing whitespace")
            ok = False
    stance_ok = "stance" in record and _check_labels(log, path, line, "stance", get("stance"), labels.stance)
    primary = get("primary_stance")
    primary_ok = isinstance(primary, str) and primary in labels.primary_stance
    if "primary_stance" in record and not primary_ok:
        log.problem(
            path,
            line,
            "primary_stance",
            f"unknown label {primary!r}; allowed: {', '.join(labels.primary_stance)}",
        )
    if stance_ok and primary_ok:
        stance = get("stance")
        if not stance and primary != NONE_LABEL:
            log.problem(
                path,
                line,
                "primary_stance",
                f"is {primary!r} but stance is empty (empty stance means {NONE_LABEL!r})",
            )
            primary_ok = False
        elif stance and primary == NONE_LABEL:
            log.problem(path, line, "primary_stance", f"is {NONE_LABEL!r} but stance lists {stance}")
            primary_ok = False
        elif stance and primary not in stance:
            log.problem(
                path,
                line,
                "primary_stance",
                f"{primary!r} is not one of the sentence's stance labels {stance}",
            )
            primary_ok = False
    role = get("speaker_role")
    role_ok = isinstance(role, str) and role in labels.speaker_role
    if "speaker_role" in record and not role_ok:
        log.problem(
            path, line, "speaker_role", f"unknown label {role!r}; allowed: {', '.join(labels.speaker_role)}"
        )
    if role_ok and _is_text(get("speaker")) and (get("speaker") == NARRATOR) != (role == NARRATOR):
        log.problem(
            path,
            line,
            "speaker_role",
            f"speaker {get('speaker')!r} with role {role!r}: speaker 'narrator' goes with role 'narrator' and only with it",
        )
        role_ok = False
    mention = get("speaker_mention")
    mention_ok = True
    if "speaker_mention" in record and mention is not None:
        if not _is_text(mention):
            log.problem(
                path, line, "speaker_mention", f"expected null or a non-empty string, got {mention!r}"
            )
            mention_ok = False
        elif _is_text(text) and mention not in text:
            log.problem(
                path, line, "speaker_mention", f"{mention!r} is not an exact substring of the sentence text"
            )
            mention_ok = False
    hard_ok = "hard" in record and _check_labels(log, path, line, "hard", get("hard"), HARD_TAGS)
    if id_rule and _is_text(get("doc_id")) and _is_int(get("sent_idx")) and _is_text(get("id")):
        expected = f"{get('doc_id')}-s{get('sent_idx'):03d}"
        if get("id") != expected:
            log.problem(
                path,
                line,
                "id",
                f"{get('id')!r} should be {expected!r} (id = doc_id + '-s' + 3-digit sent_idx)",
            )
            ok = False
    return ok and stance_ok and primary_ok and role_ok and mention_ok and hard_ok


def _lint_sentence(log: _Log, path: Path, s: _Sentence, genre: str | None) -> None:
    """Warnings for hard tags that contradict the labels they describe (see the codebook's hard-case tags)."""
    r, line = s.record, s.line
    tags, stance, primary, mention = r["hard"], r["stance"], r["primary_stance"], r["speaker_mention"]
    if r["speaker"] == NARRATOR and mention is not None:
        log.warn(
            path,
            line,
            "speaker_mention",
            f"narrator sentence names a source {mention!r}; narrator mentions are null",
        )
    rules = [
        ("mixed_stance", len(stance) < 2, "needs at least two stance labels"),
        (
            "rights_denial",
            "human_rights_concern" in stance,
            "a denial of rights concerns is not human_rights_concern",
        ),
        (
            "china_frames_allies",
            "threat_framing" not in stance,
            "tags China's threat framing, but stance lacks threat_framing",
        ),
        (
            "alarming_procedural",
            primary != NONE_LABEL,
            f"marks a sentence whose primary stance is {NONE_LABEL!r}",
        ),
        (
            "factual_launch_report",
            primary != NONE_LABEL,
            f"marks a plain report whose primary stance is {NONE_LABEL!r}",
        ),
        ("pronoun_speaker", mention is None, "needs the pronoun as speaker_mention"),
        (
            "previous_sentence_speaker",
            mention is not None,
            "means the sentence names no source (speaker_mention null)",
        ),
        (
            "transcript_turn",
            genre not in TURN_GENRES,
            f"used in a {genre} document, which has no speaker turns",
        ),
        (
            "transcript_turn",
            mention is not None,
            "means the speaker comes from the turn label (speaker_mention null)",
        ),
        (
            "anonymous_source",
            "anonymous" not in r["speaker"].lower(),
            "expects a speaker such as 'anonymous ... official'",
        ),
    ]
    for tag, contradicted, why in rules:
        if tag in tags and contradicted:
            log.warn(path, line, "hard", f"{tag} {why}")


def _locate(raw: str, text: str, start: int) -> str:
    """Explain why ``text`` is not found in ``raw`` from ``start``: out of order, or where it stops matching."""
    if raw.find(text) >= 0:
        return "occurs in the raw text only before the previous sentence (sentences must appear in order)"
    # The longest prefix that still matches is monotone in its length, so a binary search finds it.
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if raw.find(text[:mid], start) >= 0:
            low = mid
        else:
            high = mid - 1
    if low < 8:
        return "not found verbatim in the raw text"
    at = raw.find(text[:low], start)
    raw_line = raw.count("\n", 0, at) + 1
    return (
        f"not found verbatim; the first {low} of {len(text)} characters match raw line {raw_line}, then the text "
        f"has {text[low : low + 25]!r} where the raw text has {raw[at + low : at + low + 25]!r}"
    )


def _check_alignment(
    log: _Log,
    sentences_path: Path,
    raw_dir: Path,
    documents_path: Path,
    doc_line: int,
    doc: dict[str, Any],
    sentences: list[_Sentence],
) -> None:
    raw_path = raw_dir / f"{doc['doc_id']}.txt"
    if not raw_path.is_file():
        log.problem(documents_path, doc_line, "doc_id", f"no raw text file {raw_path}")
        return
    try:
        raw = raw_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        log.problem(raw_path, None, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        return
    position = 0
    for s in sentences:
        text = s.record.get("text")
        if not _is_text(text):
            continue
        found = raw.find(text, position)
        if found < 0:
            log.problem(sentences_path, s.line, "text", f"{_locate(raw, text, position)} ({raw_path.name})")
            continue
        position = found + len(text)
    if doc.get("source") == "authored" and sentences and sentences[0].record.get("sent_idx") == 0:
        # Authored raw files start with the headline (the seed keeps its page's navigation lines above it).
        first_line = raw.split("\n", 1)[0].strip()
        if first_line != sentences[0].record.get("text"):
            log.problem(
                sentences_path,
                sentences[0].line,
                "text",
                f"the headline (sentence 0) must be line 1 of {raw_path.name}",
            )


def _check_order(log: _Log, path: Path, sentences: list[_Sentence]) -> None:
    """Each document's sentences form one block numbered 0..n-1 in file order."""
    block_end: dict[str, int] = {}
    previous_doc: str | None = None
    by_doc: dict[str, list[_Sentence]] = {}
    for s in sentences:
        doc = s.record.get("doc_id")
        if not isinstance(doc, str):
            continue
        if doc != previous_doc and doc in block_end:
            log.problem(
                path,
                s.line,
                "doc_id",
                f"sentences of {doc!r} are not contiguous (its earlier block ends on line {block_end[doc]})",
            )
        block_end[doc] = s.line
        previous_doc = doc
        by_doc.setdefault(doc, []).append(s)
    for doc, items in by_doc.items():
        for expected, s in enumerate(items):
            index = s.record.get("sent_idx")
            if _is_int(index) and index != expected:
                log.problem(
                    path,
                    s.line,
                    "sent_idx",
                    f"is {index}, expected {expected} (sentences of {doc!r} are numbered 0..n-1 in file order)",
                )
                break


def _check_unique(log: _Log, path: Path, sentences: list[_Sentence]) -> None:
    first_id: dict[str, int] = {}
    first_text: dict[str, _Sentence] = {}
    for s in sentences:
        sid, text = s.record.get("id"), s.record.get("text")
        if isinstance(sid, str):
            if sid in first_id:
                log.problem(
                    path, s.line, "id", f"duplicate sentence id {sid!r} (first on line {first_id[sid]})"
                )
            else:
                first_id[sid] = s.line
        if _is_text(text):
            if text in first_text:
                first = first_text[text]
                log.problem(
                    path,
                    s.line,
                    "text",
                    f"duplicate sentence text (same as {first.record.get('id')!r} on line {first.line})",
                )
            else:
                first_text[text] = s


def _seed_rule(doc: str, split: str, documents: dict[str, dict[str, Any]], seed_source: str) -> str | None:
    """Why ``doc`` may not be in ``split``: seed documents form seed_test and nothing else does (or None)."""
    is_seed = documents.get(doc, {}).get("source") == seed_source
    if is_seed == (split == "seed_test"):
        return None
    why = (
        "a seed document must be in seed_test"
        if is_seed
        else f"only {seed_source} documents belong in seed_test"
    )
    return f"document {doc!r} is in {split}: {why}"


def _check_split_assignment(
    log: _Log,
    where: object,
    splits: dict[str, list[str]],
    documents: dict[str, dict[str, Any]],
    seed_source: str,
) -> None:
    """No document in two splits; seed documents form the seed_test split and nothing else does."""
    try:
        check_disjoint(splits)
    except DataError as exc:
        log.problem(where, None, exc.field, exc.problem)
    for name, docs in splits.items():
        for doc in docs:
            misplaced = _seed_rule(doc, name, documents, seed_source)
            if misplaced:
                log.problem(where, None, "doc_id", misplaced)


def _check_split_file(
    log: _Log, path: Path, corpus: Corpus, documents: dict[str, dict[str, Any]], seed_source: str
) -> None:
    """Every problem of a user's split file; then the reader training uses must accept it too."""
    doc_of_sentence = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    known_docs = set(doc_of_sentence.values())
    assigned: dict[str, tuple[str, int]] = {}
    before = len(log.problems)
    for line, record in log.read(path, "split file"):
        split = record.get("split")
        if split not in SPLITS:
            log.problem(path, line, "split", f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
            continue
        if record.get("doc_id") is not None:
            key, doc = "doc_id", str(record["doc_id"])
            if doc not in known_docs:
                log.problem(path, line, key, f"document {doc!r} is not in the corpus")
                continue
        elif record.get("id") is not None:
            key, sentence = "id", str(record["id"])
            if sentence not in doc_of_sentence:
                log.problem(path, line, key, f"sentence {sentence!r} is not in the corpus")
                continue
            doc = doc_of_sentence[sentence]
        else:
            log.problem(path, line, "doc_id", "each row needs a doc_id or an id")
            continue
        if doc in assigned and assigned[doc][0] != split:
            first_split, first_line = assigned[doc]
            log.problem(
                path,
                line,
                key,
                f"document {doc!r} is in {first_split} (line {first_line}) and in {split}; a document stays in one split",
            )
            continue
        assigned.setdefault(doc, (split, line))
        misplaced = _seed_rule(doc, split, documents, seed_source)
        if misplaced:
            log.problem(path, line, key, misplaced)
    missing = sorted(known_docs - set(assigned))
    if missing:
        log.problem(
            path, None, "doc_id", f"{len(missing)} document(s) have no split: {', '.join(missing[:5])}"
        )
    if len(log.problems) == before:
        # A guard against this check and training's reader drifting apart: training must accept what passes here.
        try:
            check_disjoint(read_split_file(path, corpus))
        except DataError as exc:
            log.problems.append(exc)


def _count(sentences: list[_Sentence], documents: dict[str, dict[str, Any]]) -> dict[str, Counter]:
    """Counters over valid sentences of valid documents; keys are listed in :class:`Report`'s tables."""
    counts: dict[str, Counter] = {
        name: Counter()
        for name in (
            "genre_documents",
            "genre_sentences",
            "source_documents",
            "source_sentences",
            "year_documents",
            "year_sentences",
            "primary_stance",
            "stance",
            "stances_per_sentence",
            "speaker_role",
            "hard",
            "totals",
        )
    }
    counts["dates"] = Counter()
    for doc in documents.values():
        counts["genre_documents"][doc["genre"]] += 1
        counts["source_documents"][doc["source"]] += 1
        counts["year_documents"][doc["date"][:4]] += 1
        counts["dates"][doc["date"]] += 1
        counts["totals"]["documents"] += 1
    for s in sentences:
        r = s.record
        doc = documents[r["doc_id"]]
        counts["genre_sentences"][doc["genre"]] += 1
        counts["source_sentences"][doc["source"]] += 1
        counts["year_sentences"][doc["date"][:4]] += 1
        counts["primary_stance"][r["primary_stance"]] += 1
        counts["stance"].update(r["stance"])
        counts["stances_per_sentence"][len(r["stance"])] += 1
        counts["speaker_role"][r["speaker_role"]] += 1
        counts["hard"].update(r["hard"])
        totals = counts["totals"]
        totals["sentences"] += 1
        totals["authored_sentences"] += doc["source"] == "authored"
        totals["multi_stance"] += len(r["stance"]) > 1
        totals["hard_sentences"] += bool(r["hard"])
    return counts


# Balance targets of the merged corpus (CORPUS_BRIEF.md sets stricter per-shard targets for authors).
MIN_AUTHORED_SENTENCES = 1500
MIN_DOCUMENTS = 100
MIN_PRIMARY_STANCE_PCT = 15.0
MIN_SPEAKER_ROLE_PCT = 4.0
MIN_MULTI_STANCE_PCT = 10.0
MIN_HARD_SENTENCES = 150


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def _targets(counts: dict[str, Counter], labels: LabelSets) -> list[Target]:
    totals = counts["totals"]
    n = totals["sentences"]
    targets = [
        Target("authored sentences", totals["authored_sentences"], MIN_AUTHORED_SENTENCES),
        Target("documents", totals["documents"], MIN_DOCUMENTS),
    ]
    targets += [
        Target(
            f"primary_stance {label}",
            _pct(counts["primary_stance"][label], n),
            MIN_PRIMARY_STANCE_PCT,
            percent=True,
        )
        for label in labels.primary_stance
    ]
    targets += [
        Target(
            f"speaker_role {role}", _pct(counts["speaker_role"][role], n), MIN_SPEAKER_ROLE_PCT, percent=True
        )
        for role in labels.speaker_role
    ]
    targets += [
        Target(
            "sentences with more than one stance",
            _pct(totals["multi_stance"], n),
            MIN_MULTI_STANCE_PCT,
            percent=True,
        ),
        Target("sentences with a hard tag", totals["hard_sentences"], MIN_HARD_SENTENCES),
    ]
    return targets


def validate_corpus(
    sentences: str | Path = DEFAULT_SENTENCES,
    documents: str | Path = DEFAULT_DOCUMENTS,
    raw_dir: str | Path = DEFAULT_RAW_DIR,
    split_file: str | Path | None = None,
    split_seed: int | None = None,
    labels: LabelSets | None = None,
    split_settings: SplitSettings | None = None,
    id_rule: bool = True,
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

    Returns:
        The :class:`Report`: all problems and warnings, and counts over the valid records.

    Raises:
        ConfigError: The task configs' label sets are inconsistent (only when ``labels`` is ``None``).
    """
    labels = labels or load_label_sets()
    settings = split_settings or load_split_settings()
    sentences_path, documents_path, raw_dir = Path(sentences), Path(documents), Path(raw_dir)
    log = _Log()

    documents_by_id: dict[str, tuple[int, dict[str, Any], bool]] = {}
    for line, record in log.read(documents_path, "documents file"):
        valid = _check_document(log, documents_path, line, record, id_rule)
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
        _Sentence(line, record, _check_sentence(log, sentences_path, line, record, labels, id_rule))
        for line, record in log.read(sentences_path, "sentences file")
    ]
    for s in sentences_read:
        doc_id = s.record.get("doc_id")
        if isinstance(doc_id, str) and doc_id not in documents_by_id:
            log.problem(
                sentences_path, s.line, "doc_id", f"document {doc_id!r} is not in {documents_path.name}"
            )
            s.valid = False
    _check_order(log, sentences_path, sentences_read)
    _check_unique(log, sentences_path, sentences_read)

    by_doc: dict[str, list[_Sentence]] = {}
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
        _check_alignment(log, sentences_path, raw_dir, documents_path, line, record, by_doc.get(doc_id, []))
        headline = by_doc.get(doc_id, [None])[0]
        if (
            headline is not None
            and _is_text(record.get("title"))
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
        _lint_sentence(log, sentences_path, s, valid_docs[s.record["doc_id"]]["genre"])

    # Splits see every sentence whose ids are readable, so that a leak is found even in an otherwise broken corpus.
    readable = [
        s.record for s in sentences_read if _is_text(s.record.get("id")) and _is_text(s.record.get("doc_id"))
    ]
    corpus = Corpus(
        sentences={"id": [r["id"] for r in readable], "doc_id": [r["doc_id"] for r in readable]},
        documents={d: rec for d, (_, rec, _) in documents_by_id.items()},
    )
    seed = settings.seed if split_seed is None else split_seed
    default = make_splits(corpus, seed, settings.ratios, seed_source=settings.seed_source)
    _check_split_assignment(
        log, f"default split (split_seed={seed})", default, corpus.documents, settings.seed_source
    )
    if split_file is not None:
        _check_split_file(log, Path(split_file), corpus, corpus.documents, settings.seed_source)

    counts = _count(counted, valid_docs)
    return Report(
        problems=sorted(log.problems, key=_position),
        warnings=sorted(log.warnings, key=_position),
        counts=counts,
        targets=_targets(counts, labels),
        labels=labels,
    )


def _position(error: DataError) -> tuple[str, int]:
    return error.path, error.line or 0


def _labelled_rows(counter: Counter, keys: Iterable[Any], n: int) -> list[tuple[Any, ...]]:
    return [(key, counter[key], f"{_pct(counter[key], n):.1f}") for key in keys]


def _tables(report: Report) -> list[Table]:
    c, labels = report.counts, report.labels
    assert labels is not None, "a Report from validate_corpus carries its label sets"
    totals = c["totals"]
    n, n_docs = totals["sentences"], totals["documents"]
    extra_genres = sorted(set(c["genre_documents"]) - set(GENRES))
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
                for s in SOURCES
            ],
        ),
        Table(
            "Primary stance",
            ("primary_stance", "sentences", "%"),
            _labelled_rows(c["primary_stance"], labels.primary_stance, n),
        ),
        Table(
            "Stance labels (multi-label: a sentence counts once per label)",
            ("stance", "sentences", "% sentences"),
            _labelled_rows(c["stance"], labels.stance, n)
            + [
                ("(empty list)", c["stances_per_sentence"][0], f"{_pct(c['stances_per_sentence'][0], n):.1f}")
            ],
        ),
        Table(
            "Stance labels per sentence",
            ("labels", "sentences", "%"),
            _labelled_rows(c["stances_per_sentence"], range(len(labels.stance) + 1), n)
            + [("more than one", totals["multi_stance"], f"{_pct(totals['multi_stance'], n):.1f}")],
        ),
        Table(
            "Speaker role",
            ("speaker_role", "sentences", "%"),
            _labelled_rows(c["speaker_role"], labels.speaker_role, n),
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
                for t in report.targets
            ],
        )
    )
    return tables


def render(report: Report, markdown: bool = False) -> str:
    """The count tables as aligned plain text, or as Markdown (for the datasheet)."""
    totals = report.counts["totals"]
    head = f"{totals['documents']} documents, {totals['sentences']} sentences ({totals['authored_sentences']} authored)"
    blocks = [f"**Corpus:** {head}" if markdown else f"Corpus: {head}"]
    for table in report.tables():
        cells = [tuple(str(v) for v in table.header)] + [tuple(str(v) for v in row) for row in table.rows]
        if markdown:
            align = ["---"] + ["---:"] * (len(table.header) - 1)
            lines = [f"#### {table.title}", "", f"| {' | '.join(cells[0])} |", f"| {' | '.join(align)} |"]
            lines += [f"| {' | '.join(row)} |" for row in cells[1:]]
        else:
            widths = [max(len(row[i]) for row in cells) for i in range(len(table.header))]
            lines = [table.title]
            for row in cells:
                lines.append(
                    "  "
                    + "  ".join(
                        v.ljust(w) if i == 0 else v.rjust(w)
                        for i, (v, w) in enumerate(zip(row, widths, strict=True))
                    ).rstrip()
                )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


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
