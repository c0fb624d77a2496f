"""Who speaks in a transcript turn, and for whom (codebook §6.6).

Ingestion finds the labels (``src.labelling.turn_labels``); this module reads them:

* a titled name ("SECRETARY HOLT:", "Foreign Minister Kaneshiro:", "Spokesperson Liu Bo:") is that person, by
  the fullest form of the name in the document; the role comes from the title's words, what the document said of
  the person, or the officeholders tables;
* a question ("Q:", "QUESTION:", "Question (NHK):"), or a turn labelled with a news outlet ("AFP:", "NHK,
  Yamamoto:") is a reporter's, role ``other``: the reporter the label names, else the outlet's reporter;
* an answer ("A:") is the official the header names, or the issuer;
* a moderator speaks for the issuer of an official document, and for themselves elsewhere (``other``);
* a country ("Japan:", at a council meeting) is that country's delegation; a chair or president is the body's
  (from the title: "Security Council President").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from src.speakers.affiliation import (
    JOINT,
    NARRATOR,
    OTHER,
    DocumentRoles,
    load_affiliation_lexicon,
    phrase_role,
    strip_titles,
    title_case,
)
from src.speakers.issuer import Issuer
from src.speakers.mentions import PARENTHETICAL, DocumentNames, person_tokens

_PARENTHESIZED = re.compile(r"^(?P<base>[^()]*?)\s*\((?P<inside>[^()]*)\)\s*$")
_CHAIRS = ("president", "the president", "chair", "the chair", "chairperson")
_BODIES = ("Security Council", "Council", "Committee")


@dataclass(frozen=True)
class TurnSpeaker:
    """The speaker of a turn: canonical name and role (``None`` when nothing tells)."""

    speaker: str
    role: str | None


_SPOKESPERSON = re.compile(r"\bSpokes(?:person|man|woman)\b", re.I)


def _reporter(outlet: str | None) -> TurnSpeaker:
    return TurnSpeaker(f"{outlet} reporter" if outlet else "reporter", OTHER)


def _full_name(name: str, doc: DocumentNames | None) -> str:
    return doc.full_name(name) if doc is not None and name else name


_QUESTIONER_NOUNS = frozenset({"journalist", "correspondent"})
_HEARING = re.compile(r"\b(?:committee|hearing|evidence|inquiry|subcommittee)\b", re.I)
_SESSION = re.compile(r"\b(?:session|plenary|panel|dialogue|forum|conference|symposium)\b", re.I)


def _unnamed_chair(label: str, doc: DocumentNames | None) -> str:
    """A moderator label without a name: a chair of a hearing is "committee chair" (codebook A10), of a
    conference session "session chair"; other labels as written ("moderator", "host")."""
    if not label.startswith("chair"):
        return label
    title = doc.title if doc is not None else ""
    if _HEARING.search(title):
        return "committee chair"
    return "session chair" if _SESSION.search(title) else "chair"


def read_turn(
    label: str,
    *,
    issuer: Issuer,
    roles: DocumentRoles,
    doc: DocumentNames | None = None,
    asks: bool = False,
    interviewer: str | None = None,
) -> TurnSpeaker:
    """Read one turn label.

    Args:
        label: The label as ingested, without its colon ("SECRETARY HOLT", "NHK, Yamamoto", "Q").
        issuer: The document's issuer (answers and moderators speak for it).
        roles: The document's role memory (a person the label places is remembered in it).
        doc: The document's names, to give a person the fullest form of their name.
        asks: Every turn under this label asks a question. A label that names no official then names the outlet
            whose reporter asks ("Thanh Nien:", "Radio New Zealand:"), though the outlet is in no list.
        interviewer: Who asks a bare "Q:" in an interview, as the document says ("Seo Min-ji", "Manila Bayline
            reporter"), or ``None``.
    """
    lexicon = load_affiliation_lexicon()
    label = label.strip().rstrip(".")
    match = _PARENTHESIZED.match(label)
    base, inside = (match.group("base").strip(), match.group("inside").strip()) if match else (label, None)
    low = base.casefold()
    first = base.split(",")[0].strip()
    if lexicon.outlet(base):
        return _reporter(lexicon.outlet(base))
    if lexicon.outlet(first) and "," in base:  # "NHK, Yamamoto": the label names the reporter
        return TurnSpeaker(_full_name(base.split(",", 1)[1].strip(), doc), OTHER)
    if low in lexicon.question_labels:
        if inside and inside.casefold() in ("audience", "floor") or low.startswith("audience"):
            return TurnSpeaker("audience member", OTHER)
        if inside and "," in inside:  # "Q (Mainichi, Sekiya)": the outlet, then the reporter's name
            return TurnSpeaker(_full_name(inside.split(",", 1)[1].strip(), doc), OTHER)
        if inside:
            return _reporter(lexicon.outlet(inside) or inside)
        if interviewer:
            return TurnSpeaker(interviewer, OTHER)
        # "CORRESPONDENT:", "Journalist:": the questioner as the label calls them (a bare "Q:" is a reporter).
        return TurnSpeaker(low, OTHER) if low in _QUESTIONER_NOUNS else _reporter(None)
    if low in lexicon.answer_labels:
        if issuer.official:
            return TurnSpeaker(_full_name(issuer.official, doc), issuer.official_role)
        role = issuer.role if issuer.role != NARRATOR else None
        if issuer.name and doc is not None and _SPOKESPERSON.search(doc.title):
            # "Embassy Spokesperson Answers Questions ...": an unnamed, on-record spokesperson (codebook A10)
            return TurnSpeaker(f"{issuer.name} spokesperson", role)
        return TurnSpeaker(issuer.name or "spokesperson", role)
    if low in _CHAIRS and doc is not None:
        body = next((b for b in _BODIES if b.lower() in doc.title.lower()), None)
        if body:
            return TurnSpeaker(f"{body} President" if "president" in low else f"{body} Chair", None)
    if base in lexicon.country_of and lexicon.country_of[base] == base:
        return TurnSpeaker(f"{base} delegation", lexicon.role_of_country(base))
    words = title_case(base).split()
    if len(words) > 1 and words[0].casefold() == "the":
        words = words[1:]  # "The Chair"
    if words and words[0].casefold() in lexicon.moderator_labels:
        named = strip_titles(" ".join(words[1:])) if len(words) > 1 else inside
        role = roles.known(named) if named else None
        if role is None:
            speaks_for_issuer = issuer.is_official and issuer.role not in (None, JOINT, NARRATOR)
            role = issuer.role if speaks_for_issuer else OTHER
        if named:
            return TurnSpeaker(_full_name(named, doc), role)
        speaker = _unnamed_chair(words[0].casefold(), doc)
        if speaker != words[0].casefold() and (issuer.name is None or issuer.name == issuer.official):
            # A hearing's or a session's chair does not speak for the official who gives evidence or a speech:
            # a conference chair is `other`; a committee's state (D9) is left to the role head.
            role = None if speaker == "committee chair" else OTHER
        return TurnSpeaker(speaker, role)
    titled = title_case(PARENTHETICAL.sub("", base).strip())
    person = person_tokens(titled)
    if person and base.isupper():
        # "PRESS SECRETARY ANN HOLT", "MR. LEE": a label in capitals says nothing of case, and title case keeps
        # short words ("ANN", "LEE", "HOU") in capitals as if they were acronyms. A name is title-cased, and a
        # surname alone takes the fullest form the document gives it.
        person = [w.title() if w.isupper() else w for w in person]
        if doc is not None:
            person = doc.full_name(" ".join(person)).split()
    name = _full_name(" ".join(person), doc) if person else strip_titles(titled)
    honorific = strip_titles(titled) != titled  # "Ms. Brisk", "Minister Kitamori": a person, not an outlet
    if (
        asks
        and not honorific
        and not lexicon.title_pattern.search(titled)
        and roles.known(name) is None
        and not (doc is not None and person and doc.knows_name(person[-1]) and len(person) > 1)
    ):
        return _reporter(title_case(base))
    role = phrase_role(titled) or roles.known(name)
    if role is None and issuer.official and name.split()[-1] == issuer.official.split()[-1]:
        role = issuer.official_role
    if role and role not in (JOINT, NARRATOR):
        roles.remember(name, role)
    return TurnSpeaker(name, role)
