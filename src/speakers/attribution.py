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
:mod:`~src.speakers.mentions` (the document's names and canonical speakers), :mod:`~src.speakers.turns` (who a turn
label names) and this one (the order of the rules). Roles are added by :mod:`src.speakers.document`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from src.labelling.ingest import IngestedSentence, looks_like_heading
from src.speakers.affiliation import phrase_role
from src.speakers.cues import NAME_TOKEN, find_source, official_subject
from src.speakers.lexicon import load_lexicon
from src.speakers.mentions import NARRATOR, OFFICIAL_GENRES, DocumentNames, person_tokens, resolve_mention
from src.speakers.quotes import QUOTE_OPEN_CHARS, quote_balance

__all__ = ["Attribution", "attribute"]

_SELF_INTRODUCTION = re.compile(rf"\b(?:I am|I'm|my name is)\s+({NAME_TOKEN}(?:\s+{NAME_TOKEN}){{1,3}})")
# Names the speaker of a transcript turn label (see src.speakers.turns).
TurnSpeaker = Callable[[str, DocumentNames], str]


def _label_as_name(label: str, doc: DocumentNames) -> str:
    """The speaker a label names when nothing is known of the document's issuer."""
    from src.speakers.affiliation import DocumentRoles
    from src.speakers.issuer import Issuer
    from src.speakers.turns import read_turn

    return read_turn(label, issuer=Issuer(), roles=DocumentRoles(), doc=doc).speaker


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
    turn_speaker: TurnSpeaker = _label_as_name,
    names_from: Sequence[str] = (),
    own_country: str | None = None,
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
        turn_speaker: Names the speaker of a turn label (:func:`src.speakers.turns.read_turn` in labelling).
        names_from: More text whose names count as the document's (its header: "Ann Holt, Secretary of State").
        own_country: The country the author speaks for, when the author's name does not say it (an official
            issuing a statement): "The United States condemns ..." in it is the author's own voice.

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
    doc = DocumentNames(
        genre=genre,
        author=author,
        title=texts[0] if texts else "",
        own_country=own_country,
        opening=tuple(texts[1:3]),
    )
    # Names come from every sentence and turn label; they are recorded on the first lookup (see DocumentNames).
    doc.unregistered = [*texts, *dict.fromkeys(t for t in turns if t), *names_from]
    fallback_author = author if (genre in OFFICIAL_GENRES or genre == "transcript") else None
    first_turn = next((k for k, turn in enumerate(turns) if turn), len(turns))
    # Quotation balance per sentence, computed once: the quote rules here and in _forward_quotes both need it.
    balances = [quote_balance(text) for text in texts]
    out: list[Attribution] = []
    quote_open = False
    for i, (text, turn) in enumerate(zip(texts, turns, strict=True)):
        opens, closes = balances[i]
        result: Attribution | None = None
        if turn:
            speaker = doc.turn_names.get(turn) or turn_speaker(turn, doc)
            intro = _SELF_INTRODUCTION.search(text) if _may_introduce_self(text) else None
            if intro and turn not in doc.turn_names and person_tokens(turn) is None:
                speaker = doc.turn_names.setdefault(turn, intro.group(1))
            result = _source_in_turn(
                text, speaker, doc, headings[i], closes, texts[max(0, i - 3) : i]
            ) or Attribution(speaker, None, "turn")
        else:
            found = find_source(text, heading=headings[i], closes_unopened=closes)
            if found is None and genre in ("readout", "joint_statement"):
                # Participants acting together ("The leaders remained concerned"); in a statement or a speech a
                # party that is only described ("The United States is clinging to ...") is the speaker's claim.
                found = official_subject(text)
            if found is not None:
                mention = text[found.start : found.end].strip()
                speaker = resolve_mention(mention, doc, text)
                if doc.single_author and _names_own_government(mention, doc):
                    speaker = author  # A8: "The Government ..." in its own ministry's statement
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
            # In a transcript, the lines before the first turn (an editor's note, the setting) are the issuer's.
            if fallback_author and (i < first_turn or genre != "transcript"):
                result = Attribution(fallback_author, None, "author")
            else:
                result = Attribution(NARRATOR, None, "narrator")
        doc.read(text, result.speaker if result.method not in ("author", "narrator", "turn") else None)
        out.append(result)
        quote_open = (quote_open and not closes) or opens
    _forward_quotes(balances, out)
    return out


COUNTRY_CANONICAL = load_lexicon().countries
DEMONYMS = load_lexicon().demonyms
# The issuing government or body named generically, or with a country, as the subject of its own statement.
_OWN_BODY = re.compile(
    r"(?:[Tt]he\s+)?(?:(?P<adjective>[A-Z][\w.]*)\s+)?(?:Government|government|Ministry|ministry|Department|"
    r"department|Embassy|embassy)(?:\s+of\s+(?:the\s+)?(?P<country>[A-Z][\w.' ]+))?"
)


def _names_own_government(mention: str, doc: DocumentNames) -> bool:
    """Whether ``mention`` is the issuing government itself ("The Government", "the Government of the Republic
    of Korea" in Seoul's statement, "The Department" in the State Department's), not another body."""
    bare = re.sub(r"^[Tt]he\s+", "", mention.strip())
    if doc.author and len(bare.split()) >= 2 and bare.casefold() in str(doc.author).casefold():
        return True  # "The Department of Foreign Affairs" in the Philippine Department of Foreign Affairs' own text
    match = _OWN_BODY.fullmatch(mention.strip())
    if match is None:
        return False
    named = match.group("country") or match.group("adjective")
    if named is None:
        return True
    country = COUNTRY_CANONICAL.get(named) or DEMONYMS.get(named)
    return country is not None and country in doc.own_countries


# A person named in a sentence: a title (with a name or alone, "the Secretary") or two capitalized name words.
_NAMED_PERSON = re.compile(
    r"\b(?:[Tt]he\s+)?(?:Secretary|Minister|President|Prime Minister|Premier|Ambassador|Chancellor|Spokesperson|"
    r"Foreign Minister|Defense Minister|Defence Minister|Chief Cabinet Secretary)(?:\s+of\s+[A-Z]\w+)?"
    r"(?:\s+[A-Z][\w'’\-]+){0,2}"
)


def _person_named_before(texts: Sequence[str], doc: DocumentNames, turn_speaker: str) -> str | None:
    """The first titled person of the nearest preceding sentence that names one (a question's subject: "Did the
    Secretary raise it with Minister Wang?" -> "He did" is the Secretary), other than the turn's speaker."""
    for text in reversed(texts):
        for match in _NAMED_PERSON.finditer(text):
            person = resolve_mention(match.group(0), doc)
            if person and person != turn_speaker and person_tokens(person) is not None:
                return person
    return None


_QUESTIONER = re.compile(
    r"\b(?:reporter|journalist|correspondent|questioner|audience member|moderator|chair)\b", re.I
)
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|my|our|Our|me|us)\b")
_FIRST_PERSON_SUBJECT = re.compile(r",\s+(?:and|but|so)\s+(?:I|we)\b")


def _source_in_turn(
    text: str,
    turn_speaker: str,
    doc: DocumentNames,
    heading: bool,
    closes: bool,
    before: Sequence[str] = (),
) -> Attribution | None:
    """A source a speaker's turn names with a reporting verb, which the sentence then belongs to (codebook §6.6, A8).

    "The two sides agreed that ...", "Japan and the United States share the view that ...", "Secretary Holt stressed
    that ..." in a minister's answer belong to those sources. The turn keeps: a questioner's premises (A8), a
    first-person frame ("Holt and I confirmed", "we agreed"), and the speaker's own government or the speaker.
    """
    if _QUESTIONER.search(turn_speaker):
        return None
    found = find_source(text, heading=heading, closes_unopened=closes)
    if found is None or found.method != "subject_verb":
        return None
    mention = text[found.start : found.end].strip()
    if mention in ("He", "She", "he", "she"):
        # A8: "He did, and he made clear that ..." in an answer: someone the answer or question just named (a
        # speaker never calls themself "he").
        referent = _person_named_before(before, doc, turn_speaker)
        return Attribution(referent, mention, found.method) if referent else None
    if _FIRST_PERSON.search(mention) or mention.split()[0].lower() in ("they", "it"):
        return None
    if _FIRST_PERSON_SUBJECT.search(text, found.end):
        return None  # "X and Y have agreed to ..., and we are willing to ...": the speaker's own account
    speaker = resolve_mention(mention, doc)
    if not speaker or speaker in (turn_speaker, NARRATOR) or turn_speaker in speaker:
        return None
    joint = phrase_role(mention) == "joint" or phrase_role(speaker) == "joint"
    named_person = person_tokens(speaker) is not None and speaker.split()[-1] != turn_speaker.split()[-1]
    return Attribution(speaker, mention, found.method) if joint or named_person else None


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
