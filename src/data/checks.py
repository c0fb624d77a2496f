"""The validator's cross-record checks: order, uniqueness, alignment with the raw text, splits; and codebook lints.

Each record has passed (or failed) the record schema of :mod:`src.data.schema` before these run; they report into
a :class:`Log` that collects every problem and warning as ``file:line: field: problem``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.data.corpus import Corpus, collect_records
from src.data.schema import NARRATOR, NONE_LABEL
from src.data.splits import check_disjoint, parse_split_file
from src.errors import DataError

# Genres whose raw text is organised in speaker turns ("Moderator: ..."), where transcript_turn can apply.
TURN_GENRES = ("transcript", "spokesperson")


class Log:
    """Collects problems and warnings instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[DataError] = []
        self.warnings: list[DataError] = []

    def problem(self, path: object, line: int | None, name: str | None, text: str) -> None:
        self.problems.append(DataError(path, line, name, text))

    def warn(self, path: object, line: int | None, name: str | None, text: str) -> None:
        self.warnings.append(DataError(path, line, name, text))

    def read(self, path: Path, what: str) -> list[tuple[int, dict[str, Any]]]:
        """Every record of the file; a malformed line is a problem and ends the reading of that file."""
        records, stopped = collect_records(path, what)
        if stopped is not None:
            self.problems.append(stopped)
        return records


@dataclass
class SentenceRow:
    line: int
    record: dict[str, Any]
    valid: bool  # the record passed the schema


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def lint_sentence(log: Log, path: Path, s: SentenceRow, genre: str | None) -> None:
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


def check_alignment(
    log: Log,
    sentences_path: Path,
    raw_dir: Path,
    documents_path: Path,
    doc_line: int,
    doc: dict[str, Any],
    sentences: list[SentenceRow],
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
        if not is_text(text):
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


def check_order(log: Log, path: Path, sentences: list[SentenceRow]) -> None:
    """Each document's sentences form one block numbered 0..n-1 in file order."""
    block_end: dict[str, int] = {}
    previous_doc: str | None = None
    by_doc: dict[str, list[SentenceRow]] = {}
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


def check_unique(log: Log, path: Path, sentences: list[SentenceRow]) -> None:
    first_id: dict[str, int] = {}
    first_text: dict[str, SentenceRow] = {}
    for s in sentences:
        sid, text = s.record.get("id"), s.record.get("text")
        if isinstance(sid, str):
            if sid in first_id:
                log.problem(
                    path, s.line, "id", f"duplicate sentence id {sid!r} (first on line {first_id[sid]})"
                )
            else:
                first_id[sid] = s.line
        if is_text(text):
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


def seed_rule(doc: str, split: str, documents: dict[str, dict[str, Any]], seed_source: str) -> str | None:
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


def check_split_assignment(
    log: Log,
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
            misplaced = seed_rule(doc, name, documents, seed_source)
            if misplaced:
                log.problem(where, None, "doc_id", misplaced)


def check_split_file(log: Log, path: Path, corpus: Corpus, seed_source: str) -> None:
    """Every problem of a user's split file (parsed as training parses it), and seed documents out of place."""
    doc_of_sentence = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    assigned, problems = parse_split_file(path, doc_of_sentence)
    log.problems.extend(problems)
    for doc, row in assigned.items():
        misplaced = seed_rule(doc, row.split, corpus.documents, seed_source)
        if misplaced:
            log.problem(path, row.line, row.field, misplaced)


def check_pairs(log: Log, path: Path, sentences: list[SentenceRow]) -> None:
    """Every minimal pair of the contrast sets has at least two members (codebook §8.1)."""
    members: dict[str, list[SentenceRow]] = {}
    for s in sentences:
        pair = s.record.get("pair_id")
        if is_text(pair):
            members.setdefault(pair, []).append(s)
    for pair, rows in members.items():
        if len(rows) < 2:
            log.problem(
                path, rows[0].line, "pair_id", f"{pair!r} has no other member: a minimal pair needs two"
            )


# The fields a change-log entry may change: the labels, never the text or the ids.
CHANGEABLE_FIELDS = ("stance", "primary_stance", "speaker", "speaker_mention", "speaker_role", "hard")
CHANGE_FIELDS = ("id", "field", "old", "new", "rule")


def check_changelog(log: Log, path: Path, sentences: list[SentenceRow]) -> int:
    """Every change-log entry names an existing sentence, and the last change of a field is its value now.

    Returns:
        The number of entries read.
    """
    by_id = {s.record["id"]: s for s in sentences if is_text(s.record.get("id"))}
    last: dict[tuple[str, str], tuple[int, Any]] = {}
    entries = log.read(path, "change log")
    for line, entry in entries:
        missing = [name for name in CHANGE_FIELDS if name not in entry]
        if missing:
            log.problem(path, line, missing[0], "is missing (an entry has id, field, old, new and rule)")
            continue
        sid, name = entry["id"], entry["field"]
        if sid not in by_id:
            log.problem(path, line, "id", f"sentence {sid!r} is not in the corpus")
            continue
        if name not in CHANGEABLE_FIELDS:
            log.problem(
                path, line, "field", f"{name!r} cannot change; allowed: {', '.join(CHANGEABLE_FIELDS)}"
            )
            continue
        if entry["old"] == entry["new"]:
            log.problem(path, line, "new", f"equals old ({entry['new']!r}): not a change")
            continue
        last[(sid, name)] = (line, entry["new"])
    for (sid, name), (line, new) in last.items():
        now = by_id[sid].record.get(name)
        same = sorted(now) == sorted(new) if isinstance(now, list) and isinstance(new, list) else now == new
        if not same:
            log.problem(path, line, "new", f"is {new!r} but {sid!r} has {name} {now!r}")
    return len(entries)
