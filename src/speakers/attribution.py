"""Rule-based speaker attribution: who makes the statement in each sentence of a document.

``attribute`` reads a document's sentences in order and returns one :class:`Attribution` per sentence:
the canonical speaker (a person's fullest name in the document, an institution, an anonymous source such as
"anonymous diplomats", the transcript speaker, the issuing author of an official document, or "narrator"), the
exact substring of the sentence that names the source (``mention``), and the rule that decided (``method``).

The rules, in order of precedence for one sentence:

1. Transcript turn: a sentence spoken in a turn (``Moderator: ...``) belongs to the turn's speaker, even when it
   reports what someone else said (the corpus annotates the speaking person).
2. Explicit source named in the sentence (:func:`src.speakers.cues.find_source`): "according to X", "X was cited
   as saying", "X said", '"...," said X', "what X called"; in official documents also a sentence-initial group
   ("The leaders remained concerned"). The mention becomes a canonical speaker with what the document said
   before (:func:`src.speakers.mentions.resolve_mention`).
3. Continued quotation: a sentence inside a quotation that spans sentences, with no source of its own, keeps the
   previous sentence's speaker; a quotation that opens without attribution and closes in the next sentence with
   one takes that speaker.
4. Fallback: the document's issuing author for official documents (readout, joint statement, spokesperson), else
   "narrator".

The modules: :mod:`~src.speakers.lexicon` (the word lists, from ``data/speakers/lexicon.yaml``),
:mod:`~src.speakers.quotes` (quotation masking), :mod:`~src.speakers.cues` (where a sentence names its source),
:mod:`~src.speakers.mentions` (the document's names and canonical speakers), and this one (the order of the rules,
transcript turns, document authors, evaluation).

Run ``python -m src.speakers.attribution`` to score the rules against the annotated corpus.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.errors import DiplostanceError
from src.labelling.ingest import (
    DEFAULT_CORPUS_DIR,
    IngestedSentence,
    ingest,
    load_annotations,
    looks_like_heading,
    read_article,
)
from src.speakers.cues import COUNTRY_PATTERN, NAME_TOKEN, SPEECH_VERBS, find_source, official_subject
from src.speakers.lexicon import load_lexicon
from src.speakers.mentions import (
    NARRATOR,
    OFFICIAL_GENRES,
    PARENTHETICAL,
    DocumentNames,
    alias,
    lenient_speaker,
    normalize_speaker,
    person_tokens,
    resolve_mention,
)
from src.speakers.quotes import QUOTE_OPEN_CHARS, quote_balance

__all__ = [
    "Attribution",
    "SPEECH_VERBS",
    "attribute",
    "document_author",
    "normalize_speaker",
    "lenient_speaker",
    "evaluate_attribution",
    "main",
]

_LEXICON = load_lexicon()
_COUNTRY_CANONICAL = _LEXICON.countries
_COUNTRY_ADJECTIVE = _LEXICON.country_adjectives
_THE_PARTIES = _LEXICON.parties_with_the
_SELF_INTRODUCTION = re.compile(rf"\b(?:I am|I'm|my name is)\s+({NAME_TOKEN}(?:\s+{NAME_TOKEN}){{1,3}})")
_PARENTHESIZED = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True, slots=True)
class Attribution:
    """The source of one sentence.

    Attributes:
        speaker: Canonical speaker ("Antony Blinken", "Pentagon", "anonymous diplomats", "narrator").
        mention: The exact substring of the sentence that names the source ("US Secretary of State Antony
            Blinken", "He", "a joint statement"), or ``None`` when the sentence names none.
        method: The rule that decided: ``turn``, ``according_to``, ``cited_as_saying``, ``subject_verb``,
            ``quote_inversion``, ``what_x_called``, ``participle``, ``official_subject``, ``continued_quote``,
            ``author`` or ``narrator``.
    """

    speaker: str
    mention: str | None
    method: str


def _may_introduce_self(text: str) -> bool:
    """Cheap test implied by a ``_SELF_INTRODUCTION`` match (its literal alternatives), run before the regex."""
    return "I am" in text or "I'm" in text or "my name is" in text


# ----------------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------------


def attribute(
    sentences: Sequence[IngestedSentence] | Sequence[str],
    *,
    turns: Sequence[str | None] | None = None,
    author: str | None = None,
    genre: str | None = None,
) -> list[Attribution]:
    """Attribute every sentence of one document to its speaker.

    Args:
        sentences: The document's sentences in order (sentence 0 is the headline), as
            :class:`~src.labelling.ingest.IngestedSentence` (their ``turn`` labels are used) or plain strings.
        turns: Transcript turn label per sentence (``None`` outside turns); overrides the sentences' own labels.
        author: The issuing author of an official document ("US State Department", "United States and Japan
            (joint statement)"); see :func:`document_author`.
        genre: The document genre (news, readout, joint_statement, transcript, spokesperson, editorial,
            commentary). Official genres fall back to ``author``; news and opinion fall back to "narrator".

    Returns:
        One :class:`Attribution` per sentence.
    """
    texts = [s if isinstance(s, str) else s.text for s in sentences]
    headings = [
        i == 0 or (s.is_heading if isinstance(s, IngestedSentence) else looks_like_heading(s))
        for i, s in enumerate(sentences)
    ]
    if turns is None:
        turns = [None if isinstance(s, str) else s.turn for s in sentences]
    if len(turns) != len(texts):
        raise ValueError(f"got {len(turns)} turn labels for {len(texts)} sentences")
    doc = DocumentNames(genre=genre, author=author, title=texts[0] if texts else "")
    # Names come from every sentence and turn label; they are recorded on the first lookup (see DocumentNames).
    doc.unregistered = [*texts, *dict.fromkeys(t for t in turns if t)]
    fallback_author = author if (genre in OFFICIAL_GENRES or genre == "transcript") else None
    has_turns = any(turns)
    # Quotation balance per sentence, computed once: the quote rules here and in _forward_quotes both need it.
    balances = [quote_balance(text) for text in texts]
    out: list[Attribution] = []
    quote_open = False
    for i, (text, turn) in enumerate(zip(texts, turns, strict=True)):
        opens, closes = balances[i]
        result: Attribution | None = None
        if turn:
            speaker = _turn_speaker(turn, doc)
            intro = _SELF_INTRODUCTION.search(text) if _may_introduce_self(text) else None
            if intro and turn not in doc.turn_names and person_tokens(turn) is None:
                speaker = doc.turn_names.setdefault(turn, intro.group(1))
            result = Attribution(speaker, None, "turn")
        else:
            found = find_source(text, heading=headings[i], closes_unopened=closes)
            if found is None and genre in OFFICIAL_GENRES:
                found = official_subject(text)
            if found is not None:
                mention = text[found.start : found.end].strip()
                speaker = resolve_mention(mention, doc)
                if speaker and speaker == author and doc.single_author:
                    # "China solemnly declares ..." in China's own statement: the author's voice, no mention.
                    result = Attribution(speaker, None, "author")
                elif speaker:
                    result = Attribution(speaker, mention, found.method)
            if result is None and (quote_open or (text.lstrip()[:1] in QUOTE_OPEN_CHARS and i)):
                previous = out[-1] if out else None
                if previous is not None and previous.method not in ("author", "narrator"):
                    result = Attribution(previous.speaker, None, "continued_quote")
        if result is None:
            if fallback_author and (i == 0 or genre != "transcript" or not has_turns):
                result = Attribution(fallback_author, None, "author")
            else:
                result = Attribution(NARRATOR, None, "narrator")
        doc.read(text, result.speaker if result.method not in ("author", "narrator", "turn") else None)
        out.append(result)
        quote_open = (quote_open and not closes) or opens
    _forward_quotes(balances, out)
    return out


def _forward_quotes(balances: Sequence[tuple[bool, bool]], out: list[Attribution]) -> None:
    """A quotation that opens without attribution and closes, attributed, in the next sentence takes that speaker.

    ``balances`` holds each sentence's :func:`quote_balance`.
    """
    for i in range(len(balances) - 1):
        opens = balances[i][0]
        closes = balances[i + 1][1]
        if opens and closes:  # (rare: tested first)
            unattributed = out[i].method in ("author", "narrator", "continued_quote")
            if unattributed and out[i + 1].mention is not None:
                out[i] = Attribution(out[i + 1].speaker, None, "continued_quote")


# ----------------------------------------------------------------------------------------------------------------
# Transcript turns
# ----------------------------------------------------------------------------------------------------------------


def _turn_speaker(label: str, doc: DocumentNames) -> str:
    """Speaker named by a transcript turn label ("Spokesperson Wen Jiale" -> "Wen Jiale")."""
    if label in doc.turn_names:
        return doc.turn_names[label]
    # A label recurs on every sentence of its turns; what it names depends only on the label, the title and the
    # registered names, all fixed once attribution starts, so it is worked out once per document.
    speaker = doc.label_speakers.get(label)
    if speaker is None:
        speaker = doc.label_speakers[label] = _speaker_named_by_label(label, doc)
    return speaker


def _speaker_named_by_label(label: str, doc: DocumentNames) -> str:
    paren = _PARENTHESIZED.search(label)
    bare = PARENTHETICAL.sub("", label).strip()
    head = bare.lower()
    if head in ("question", "q", "reporter", "journalist"):
        if paren and paren.group(1).strip().lower() in ("audience", "floor"):
            return "audience member"
        return f"{paren.group(1).strip()} reporter" if paren else "reporter"
    if head in ("audience member", "audience", "participant"):
        return "audience member"
    if head in ("president", "the president", "chair", "the chair", "chairperson"):
        for body in ("Security Council", "Council", "Committee"):
            if body.lower() in doc.title.lower():
                return f"{body} President" if "president" in head else f"{body} Chair"
        return bare
    if bare in _COUNTRY_CANONICAL or bare in _COUNTRY_CANONICAL.values():
        return f"{bare} delegation"
    person = person_tokens(bare)
    if person:
        return doc.full_name(" ".join(person))
    return bare


# ----------------------------------------------------------------------------------------------------------------
# Author of official documents (from title and publisher, never from annotations)
# ----------------------------------------------------------------------------------------------------------------

# "G7 Leaders' Statement", "Quad Foreign Ministers' Joint Statement": the group and its members.
_GROUP_STATEMENT = re.compile(
    r"\b("
    + "|".join(map(re.escape, _LEXICON.statement_groups))
    + r")\s+((?:[A-Z][a-z]+\s+(?:and\s+)?){0,4}?(?:"
    + "|".join(map(re.escape, _LEXICON.statement_group_members))
    + r"))'?"
)
_MINISTRY_OF = re.compile(r"^(Ministry of [A-Z][\w ]*?) of (?:the )?(.+)$")
_INSTITUTIONAL = re.compile(
    r"\b(?:" + "|".join(map(re.escape, _LEXICON.institutional_publisher_words)) + r")\b"
)


def _canonical_publisher(publisher: str) -> str:
    """ "Ministry of Foreign Affairs of Japan" -> "Japanese Ministry of Foreign Affairs", aliases applied."""
    publisher = publisher.strip()
    match = _MINISTRY_OF.match(publisher)
    if match:
        adjective = _COUNTRY_ADJECTIVE.get(match.group(2).strip())
        if adjective:
            publisher = f"{adjective} {match.group(1)}"
    return alias(publisher)


def _joint_parties(text: str) -> str | None:
    names = [_COUNTRY_CANONICAL[m.group(1)] for m in COUNTRY_PATTERN.finditer(text)]
    names = [n for n in dict.fromkeys(names) if n != "ASEAN"] or list(dict.fromkeys(names))
    if len(names) < 2:
        return None
    # Annotators write "Australia, Japan and the United States": "the" before a later-listed United States,
    # United Kingdom or European Union (the corpus is split on this; this form is the more frequent).
    shown = [names[0]] + [f"the {n}" if n in _THE_PARTIES else n for n in names[1:]]
    return " and ".join(shown) if len(shown) == 2 else ", ".join(shown[:-1]) + " and " + shown[-1]


def document_author(genre: str | None, title: str | None, publisher: str | None) -> str | None:
    """The issuing author of an official document, derived from its title and publisher only.

    Joint statements name their parties from the title ("Joint Statement of the U.S.-Japan ..." -> "United States
    and Japan (joint statement)", "G7 Leaders' ..." -> "G7 leaders (joint statement)") or the publisher; readouts and spokesperson
    statements name their publisher ("Ministry of Foreign Affairs of Japan" -> "Japanese Ministry of Foreign
    Affairs"); transcripts name an institutional publisher. Annotated speakers are never consulted.

    Returns:
        The author, or ``None`` for news, editorials, commentary and non-institutional transcripts.
    """
    title, publisher = title or "", publisher or ""
    if genre == "joint_statement":
        group = _GROUP_STATEMENT.search(title)
        if group:
            return f"{group.group(1)} {group.group(2).strip().lower()} (joint statement)"
        parties = _joint_parties(title) or _joint_parties(publisher)
        return f"{parties} (joint statement)" if parties else (_canonical_publisher(publisher) or None)
    if genre in ("readout", "spokesperson"):
        return _canonical_publisher(publisher) or None
    if genre == "transcript" and _INSTITUTIONAL.search(publisher):
        return _canonical_publisher(publisher)
    return None


# ----------------------------------------------------------------------------------------------------------------
# Evaluation against the annotated corpus
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """Correct counts for one slice of the corpus."""

    speaker: int = 0
    lenient: int = 0
    mention: int = 0
    total: int = 0

    def add(self, speaker_ok: bool, lenient_ok: bool, mention_ok: bool) -> None:
        self.speaker += speaker_ok
        self.lenient += lenient_ok
        self.mention += mention_ok
        self.total += 1

    def row(self, name: str) -> str:
        n = max(self.total, 1)
        return (
            f"  {name:<28} n={self.total:<5} speaker {self.speaker / n:6.1%}  (lenient {self.lenient / n:6.1%})"
            f"   mention {self.mention / n:6.1%}"
        )


def evaluate_attribution(corpus_dir: str | Path = DEFAULT_CORPUS_DIR) -> dict[str, Any]:
    """Attribute every annotated document and compare with its ``speaker`` and ``speaker_mention`` fields.

    Sentences come from the annotations (not from ingestion) so that attribution is scored on its own; turn labels
    come from ingesting the raw file and are matched to annotated sentences by text. The author of official
    documents comes from :func:`document_author` (title and publisher), never from the annotations.

    Returns:
        ``{"overall": _Tally, "genre": {...}, "hard": {...}, "method": {...}, "errors": [...],
        "sentences_per_s": float}``.
    """
    corpus_dir = Path(corpus_dir)
    by_doc, documents = load_annotations(corpus_dir)
    overall = _Tally()
    per_genre: dict[str, _Tally] = defaultdict(_Tally)
    per_hard: dict[str, _Tally] = defaultdict(_Tally)
    per_method: dict[str, _Tally] = defaultdict(_Tally)
    errors: list[dict[str, Any]] = []
    elapsed = 0.0
    for doc_id, rows in by_doc.items():
        meta = documents.get(doc_id, {})
        genre = meta.get("genre")
        raw_path = corpus_dir / "raw" / f"{doc_id}.txt"
        turn_of: Mapping[str, str | None] = {}
        if raw_path.is_file():
            turn_of = {s.text: s.turn for s in ingest(read_article(raw_path))}
        texts = [str(r["text"]) for r in rows]
        author = document_author(genre, meta.get("title"), meta.get("publisher"))
        start = time.perf_counter()
        predicted = attribute(texts, turns=[turn_of.get(t) for t in texts], author=author, genre=genre)
        elapsed += time.perf_counter() - start
        for row, guess in zip(rows, predicted, strict=True):
            speaker_ok = normalize_speaker(guess.speaker) == normalize_speaker(row.get("speaker"))
            lenient_ok = lenient_speaker(guess.speaker) == lenient_speaker(row.get("speaker"))
            mention_ok = guess.mention == row.get("speaker_mention")
            overall.add(speaker_ok, lenient_ok, mention_ok)
            per_genre[str(genre)].add(speaker_ok, lenient_ok, mention_ok)
            per_method[guess.method].add(speaker_ok, lenient_ok, mention_ok)
            for tag in row.get("hard") or ["(none)"]:
                per_hard[tag].add(speaker_ok, lenient_ok, mention_ok)
            if not (speaker_ok and mention_ok):
                errors.append(
                    {
                        "id": row.get("id"),
                        "text": row["text"],
                        "gold": (row.get("speaker"), row.get("speaker_mention")),
                        "predicted": (guess.speaker, guess.mention),
                        "method": guess.method,
                    }
                )
    return {
        "overall": overall,
        "genre": dict(per_genre),
        "hard": dict(per_hard),
        "method": dict(per_method),
        "errors": errors,
        "sentences_per_s": overall.total / elapsed if elapsed else float("inf"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: score attribution against the annotated corpus."""
    parser = argparse.ArgumentParser(
        prog="python -m src.speakers.attribution", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--corpus-dir", default=str(DEFAULT_CORPUS_DIR), help="folder with raw/ and annotations"
    )
    parser.add_argument("--show", type=int, default=12, help="error examples to print")
    args = parser.parse_args(argv)
    try:
        report = evaluate_attribution(args.corpus_dir)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    overall: _Tally = report["overall"]
    print("speaker: exact after normalizing case and a leading 'the' (lenient: see lenient_speaker);")
    print("mention: exact string (null == null)")
    print(overall.row("overall"))
    print(f"  attribution throughput: {report['sentences_per_s']:,.0f} sentences/s")
    for title, key in (("by genre", "genre"), ("by hard tag", "hard"), ("by method", "method")):
        print(f"\n{title}:")
        for name, tally in sorted(report[key].items(), key=lambda kv: -kv[1].total):
            print(tally.row(name))
    counts = Counter(e["method"] for e in report["errors"])
    print(f"\n{len(report['errors'])} sentences with an error ({dict(counts)}); first {args.show}:")
    for error in report["errors"][: args.show]:
        print(f"- {error['id']} [{error['method']}] {error['text'][:150]}")
        print(f"    gold {error['gold']}  predicted {error['predicted']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
