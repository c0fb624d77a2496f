"""One document's speakers: who says each sentence, for whom, and where the role came from.

:func:`attribute_document` puts the package together for an ingested article:

1. the issuer from the title, the header lines and what the user gave (:mod:`~src.speakers.issuer`);
2. the roles the document gives the people it names ("Japanese Foreign Minister Rina Kaneshiro") and the
   officeholders tables on the document's date (:class:`~src.speakers.affiliation.DocumentRoles`);
3. the speaker of every sentence (:func:`~src.speakers.attribution.attribute`), transcript turns read by
   :func:`~src.speakers.turns.read_turn`;
4. the role of every sentence whose speaker is resolved, with its ``role_source``:

   * ``turn``: the turn label's person or the questioner;
   * ``mention``: the speaker the sentence names (or continues from a quotation or a pronoun);
   * ``issuer``: the document's own voice (an official document's issuer, the narrator of news and opinion);
   * ``None``: nothing tells; labelling then takes the trained role head's answer (``classifier``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import takewhile
from typing import Any

from src.labelling.furniture import date_in
from src.labelling.ingest import Article, IngestedSentence
from src.speakers.affiliation import NARRATOR, DocumentRoles
from src.speakers.attribution import attribute
from src.speakers.issuer import GENRE_KINDS, VOICE_KINDS, Issuer, find_issuer
from src.speakers.mentions import DocumentNames
from src.speakers.officeholders import Officeholders
from src.speakers.turns import TurnSpeaker, read_turn

# The corpus genre that makes attribution fall back to the issuer the way each document kind needs.
KIND_GENRES = {
    "press_statement": "spokesperson",
    "remarks": "spokesperson",
    "readout": "readout",
    "joint_statement": "joint_statement",
    "press_conference": "transcript",
    "news": "news",
    "opinion": "editorial",
}
UNIDENTIFIED_ISSUER = "unidentified issuer"


@dataclass(frozen=True)
class SentenceSpeaker:
    """Who says one sentence.

    Attributes:
        speaker: Canonical speaker (codebook §6.2), ``narrator``, or the document's issuer.
        mention: The exact substring naming the source, or ``None``.
        role: The speaker's role, or ``None`` when nothing tells (the role head decides).
        role_source: ``turn``, ``mention`` or ``issuer``; ``None`` with ``role``.
        method: The attribution rule that found the speaker.
        cue: The words that identify the speaker (the mention, the turn label, the issuer, ``narrator``):
            what the role head sees with the sentence (``data.context=speaker``).
    """

    speaker: str
    mention: str | None
    role: str | None
    role_source: str | None
    method: str
    cue: str


def attribute_document(
    article: Article,
    *,
    genre: str | None = None,
    author: str | None = None,
    publisher: str | None = None,
    date: date | str | None = None,
    officeholders: Officeholders | None = None,
) -> list[SentenceSpeaker]:
    """Speakers and roles of every sentence of an ingested article.

    Args:
        article: The ingested article (sentences and header).
        genre: The document genre, if the user knows it (codebook §9.3).
        author: The issuing author, if the user knows it.
        publisher: The publisher or source, if the user knows it (read like a header line).
        date: The document's date (``YYYY-MM-DD`` or a date); else the header's date, if any.
        officeholders: Tables for the roles of named officials.
    """
    sentences = article.sentences
    if not sentences:
        return []
    title = sentences[0].text
    texts = [s.text for s in sentences]
    roles = DocumentRoles(officeholders, _as_date(date) or date_in(article.header), texts=texts)
    issuer = find_issuer(title, article.header, roles=roles, genre=genre, author=author, publisher=publisher)
    if issuer.official is None and _has_answers(sentences):
        issuer = _answerer_from_opening(issuer, sentences, roles)
    turns: dict[str, TurnSpeaker] = {}
    askers = _askers(sentences)
    interviewer = _interviewer(title, article.header, sentences)

    def turn_speaker(label: str, doc: DocumentNames) -> str:
        if label not in turns:
            turns[label] = read_turn(
                label, issuer=issuer, roles=roles, doc=doc, asks=label in askers, interviewer=interviewer
            )
        return turns[label].speaker

    attribution_genre = genre or KIND_GENRES.get(issuer.kind or "")
    official_voice = issuer.name if issuer.name != NARRATOR else None
    attributions = attribute(
        sentences,
        author=official_voice,
        genre=attribution_genre,
        turn_speaker=turn_speaker,
        names_from=article.header,
        own_country=_country_of_role(issuer.role) or _country_named(issuer, article.header),
    )
    speaks_as_narrator = issuer.kind in VOICE_KINDS or GENRE_KINDS.get(genre or "") in VOICE_KINDS
    has_turns = any(s.turn for s in sentences)
    out: list[SentenceSpeaker] = []
    role_of: dict[str, str] = {}
    for index, (sentence, found) in enumerate(zip(sentences, attributions, strict=True)):
        role, source, cue = None, None, found.mention or found.speaker
        if index == 0 and _title_is_publishers(issuer, genre, found, has_turns):
            # Codebook D16: a transcript's title (a press conference, remarks, a speech) is its publisher's.
            out.append(
                SentenceSpeaker(
                    str(issuer.publisher),
                    None,
                    issuer.publisher_role,
                    "issuer",
                    "author",
                    str(issuer.publisher),
                )
            )
            continue
        if found.method == "turn":
            turn = turns.get(sentence.turn or "")
            role = turn.role if turn and found.speaker == turn.speaker else roles.known(found.speaker)
            source, cue = "turn", sentence.turn or found.speaker
        elif found.method == "author":
            role, source = issuer.role, "issuer"
        elif found.method == "narrator":
            role, source = (NARRATOR, "issuer") if speaks_as_narrator else (None, None)
        elif found.method == "continued_quote":
            role, source = role_of.get(found.speaker), "mention"
        else:
            # The mention's words, the document, the tables; else the role this speaker already had here.
            role = roles.of(found.speaker, found.mention) or role_of.get(found.speaker)
            if role is None and found.speaker == issuer.name:
                role = issuer.role
            source = "mention"
        if role is None:
            source = None
        else:
            role_of.setdefault(found.speaker, role)
        out.append(SentenceSpeaker(found.speaker, found.mention, role, source, found.method, cue))
    return _unidentified_reporters(out, [turns[label] for label in askers if label in turns])


def _unidentified_reporters(
    speakers: list[SentenceSpeaker], questioners: Sequence[TurnSpeaker]
) -> list[SentenceSpeaker]:
    """Codebook A10: where labelled reporters ("NHK:", "Q (Mainichi, Sekiya):") and unlabelled ones ("Q:") both
    ask, the unlabelled ones are "unidentified reporter"."""
    reporters = {t.speaker for t in questioners if t.role == "other"}
    if "reporter" not in reporters or not reporters - {"reporter", "audience member"}:
        return speakers
    return [
        replace(s, speaker="unidentified reporter") if s.method == "turn" and s.speaker == "reporter" else s
        for s in speakers
    ]


def _title_is_publishers(issuer: Issuer, genre: str | None, found: Any, has_turns: bool) -> bool:
    """Whether the title of this document belongs to its publisher rather than the person who speaks in it.

    A document with turn labels is a transcript whatever its genre says (a ministry's regular press conference
    filed as a spokesperson's document).
    """
    kind = GENRE_KINDS.get(genre) if genre else issuer.kind
    transcript = has_turns or kind in ("press_conference", "remarks")
    return (
        transcript
        and issuer.publisher is not None
        and issuer.publisher != issuer.name
        and found.method in ("author", "narrator")
    )


def _interviewer(title: str, header: Sequence[str], sentences: Sequence[IngestedSentence]) -> str | None:
    """Who asks the bare "Q:" of an interview, as the document says: the interviewer an opening line names
    ("spoke with Seo Min-ji of Hangang Broadcasting"), else the outlet's reporter when the title names the outlet
    ("Ambassador Holt's Interview with Harbor Daily") or the outlet publishes the interview under its own name."""
    if not _INTERVIEW.search(title):
        return None
    for sentence in sentences[1:3]:
        if sentence.turn is None:
            named = _SPOKE_WITH.search(sentence.text)
            if named:
                return named.group("name")
    with_outlet = _INTERVIEW_WITH_OUTLET.search(title)
    if with_outlet and not _TITLE_WORD.search(with_outlet.group("outlet")):
        return f"{with_outlet.group('outlet')} reporter"
    from src.speakers.affiliation import phrase_role

    first = header[0].strip() if header else ""
    if first and _OUTLET_NAME.fullmatch(first) and phrase_role(first) is None:
        return f"{first} reporter"  # "Manila Bayline": the outlet that publishes its own interview
    return None


_INTERVIEW = re.compile(r"\bInterview\b|\bIn Conversation\b|\bConversation with\b", re.I)
_SPOKE_WITH = re.compile(
    r"\b(?:spoke|talked|sat down|met)\s+with\s+(?P<name>[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){1,2})\s+of\s+(?:the\s+)?[A-Z]"
)
_INTERVIEW_WITH_OUTLET = re.compile(
    r"['’]s\s+(?:\w+\s+)?Interview\s+with\s+(?:the\s+)?(?P<outlet>[A-Z][^,:;]{2,60}?)\s*$"
)
_TITLE_WORD = re.compile(r"\b(?:Minister|Secretary|Ambassador|President|Spokesperson|Premier|Governor)\b")
# A header line that can be an outlet's name: two to four capitalized words, no digits.
_OUTLET_NAME = re.compile(r"(?:The\s+)?[A-Z][\w&'’\-]+(?:\s+[A-Z][\w&'’\-]+){0,3}")


def _askers(sentences: Sequence[IngestedSentence]) -> set[str]:
    """Turn labels whose every turn asks a question: questioners, whatever the label calls them ("Thanh Nien:").

    A turn is a run of consecutive sentences under one label; it asks when one of its sentences ends with "?".
    """
    asks_by_label: dict[str, list[bool]] = {}
    previous: str | None = None
    for s in sentences:
        if s.turn is not None:
            runs = asks_by_label.setdefault(s.turn, [])
            if s.turn != previous:
                runs.append(False)
            runs[-1] = runs[-1] or s.text.rstrip().endswith("?")
        previous = s.turn
    return {label for label, runs in asks_by_label.items() if all(runs)}


def _has_answers(sentences: Sequence[IngestedSentence]) -> bool:
    """Whether the document has answer turns ("A:") whose speaker only the document can name."""
    from src.speakers.affiliation import load_affiliation_lexicon

    answers = load_affiliation_lexicon().answer_labels
    return any(s.turn and s.turn.strip().rstrip(".").casefold() in answers for s in sentences)


# "A spokesperson for the Chinese Embassy, Zhou Ming, answered ...": the office first, the name in commas after it.
_OFFICE_THEN_NAME = re.compile(
    r"(?P<phrase>[^,;:]{0,80}\b(?:spokesperson|spokesman|spokeswoman|ambassador|minister|secretary|consul(?: general)?)"
    r"\b[^,;:]{0,60}),\s+(?P<name>[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){1,3}),",
    re.I,
)
# "South Korea's Ambassador to ASEAN Maeng Seul-gi" at the end of a title: an office (to a place), then a name.
_OFFICE_THEN_NAME_AT_END = re.compile(
    r"\b(?:Ambassador|Minister|Secretary|Spokesperson|Spokesman|Spokeswoman|Envoy|Consul)"
    r"(?:\s+(?:to|of|for)\s+(?:the\s+)?[A-Z][\w.'’\-]*)?"
    r"\s+(?P<name>[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){1,2})$"
)
_OFFICE_WORD = re.compile(r"\b(?:spokesperson|spokesman|spokeswoman|ambassador|minister|secretary)\b", re.I)
# Headline verbs that follow an office in titles ("Spokesperson Answers Questions"): not a name.
_TITLE_VERBS = frozenset(
    {"Answers", "Responds", "Replies", "Takes", "Speaks", "Talks", "Sits", "Holds", "Gives"}
)


def _answerer_from_opening(
    issuer: Issuer, sentences: Sequence[IngestedSentence], roles: DocumentRoles
) -> Issuer:
    """The official an interview's opening names ("Ambassador Ann Holt answered questions ..."), as the answerer."""
    from dataclasses import replace

    from src.speakers.affiliation import load_affiliation_lexicon, phrase_role, strip_titles

    lexicon = load_affiliation_lexicon()
    opening = [s.text for s in takewhile(lambda s: not s.turn, sentences[1:])]
    fallback = None
    # The opening lines first ("Spokesperson Ann Holt answered questions ..."), then the title ("Interview with
    # Ambassador Ann Holt"): a titled name whose role the words give wins; one without a role is kept as a fallback.
    patterns = (
        (lexicon.titled_name_pattern, 0),
        (lexicon.appositive_pattern, "phrase"),
        (_OFFICE_THEN_NAME, "phrase"),
    )
    for text in (*opening, sentences[0].text):
        for pattern, group in patterns:
            for match in pattern.finditer(text):
                name = strip_titles(match.group("name"))
                titled = lexicon.title_pattern.search(match.group(0)) or _OFFICE_WORD.search(match.group(0))
                if not titled or lexicon.outlet(name) or name.split()[0] in _TITLE_VERBS:
                    continue
                role = phrase_role(match.group(group)) or roles.known(name) or issuer.role
                if role not in (None, NARRATOR, "joint", "other"):
                    roles.remember(name, role)
                    return replace(issuer, official=name, official_role=role)
                fallback = fallback or name
    if fallback is None:
        # "In Conversation: South Korea's Ambassador to ASEAN Maeng Seul-gi": the office, then the name that
        # ends the title.
        from src.speakers.mentions import person_tokens

        tail = sentences[0].text.split(": ", 1)[-1]
        ending = _OFFICE_THEN_NAME_AT_END.search(tail)
        person = person_tokens(ending.group("name")) if ending else None
        if person and len(person) > 1 and not lexicon.outlet(" ".join(person)):
            name = " ".join(person)
            role = phrase_role(tail) or roles.known(name) or issuer.role
            if role not in (None, NARRATOR, "joint", "other"):
                roles.remember(name, role)
            return replace(issuer, official=name, official_role=role)
    return replace(issuer, official=fallback) if fallback else issuer


def _country_of_role(role: str | None) -> str | None:
    """The country whose government a role is ("us_government" -> "United States"), if one."""
    from src.speakers.affiliation import load_affiliation_lexicon

    return next((c for c, r in load_affiliation_lexicon().country_roles.items() if r == role), None)


def _country_named(issuer: Issuer, header: Sequence[str]) -> str | None:
    """The country an issuer of another government speaks for, as its publisher or header names it ("Prime
    Minister of Australia"): "Australia condemns ..." in its speech is the speaker's own voice (A8)."""
    if issuer.role != "other_government":
        return None
    from src.speakers.cues import COUNTRY_PATTERN, country_of

    for text in (issuer.publisher or "", issuer.name or "", *header):
        match = COUNTRY_PATTERN.search(text)
        if match:
            return country_of(match.group(1))
    return None


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def attribute_sentences(
    texts: Sequence[str],
    *,
    genre: str | None = None,
    publisher: str | None = None,
    turns: Sequence[str | None] | None = None,
    officeholders: Officeholders | None = None,
) -> list[SentenceSpeaker]:
    """:func:`attribute_document` for a document given as its sentences (title first), as a corpus gives it."""
    turns = turns or [None] * len(texts)
    sentences = [
        IngestedSentence(text, i, turn, i, i == 0)
        for i, (text, turn) in enumerate(zip(texts, turns, strict=True))
    ]
    return attribute_document(
        Article(sentences), genre=genre, publisher=publisher, officeholders=officeholders
    )


def speaker_fields(found: SentenceSpeaker) -> dict[str, Any]:
    """The output record's speaker fields (the role may still come from the role head)."""
    return {
        "speaker": found.speaker,
        "speaker_mention": found.mention,
        "speaker_role": found.role,
        "role_source": found.role_source,
    }
