"""Who speaks in a transcript turn, and for whom (codebook §6.6).

Ingestion finds the labels (``src.labelling.turn_labels``); this module reads them:

* a titled name ("SECRETARY HOLT:", "Foreign Minister Kaneshiro:", "MR. PRICE:") is that person, by the
  fullest form of the name in the document; the role comes from the title's words, what the document said of
  the person, or the officeholders tables;
* a question ("Q:", "QUESTION:", "Question (NHK):"), or a turn labelled with a news outlet ("AFP:", "NHK,
  Yamamoto:") is a reporter's, role ``other``: the reporter the label names, else the outlet's reporter;
* an answer ("A:") is the official the header names, or the issuer;
* a moderator speaks for the issuer of an official document, and for themselves elsewhere (``other``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
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

_PARENTHESIZED = re.compile(r"^(?P<base>[^()]*?)\s*\((?P<inside>[^()]*)\)\s*$")


@dataclass(frozen=True)
class TurnSpeaker:
    """The speaker of a turn: canonical name and role (``None`` when nothing tells)."""

    speaker: str
    role: str | None


def _reporter(outlet: str | None) -> TurnSpeaker:
    return TurnSpeaker(f"{outlet} reporter" if outlet else "reporter", OTHER)


def read_turn(
    label: str, *, issuer: Issuer, roles: DocumentRoles, full_name: Callable[[str], str] = str
) -> TurnSpeaker:
    """Read one turn label.

    Args:
        label: The label as ingested, without its colon ("SECRETARY HOLT", "NHK, Yamamoto", "Q").
        issuer: The document's issuer (answers and moderators speak for it).
        roles: The document's role memory.
        full_name: Maps a name as the label gives it to its fullest form in the document.
    """
    lexicon = load_affiliation_lexicon()
    label = label.strip().rstrip(".")
    match = _PARENTHESIZED.match(label)
    base, inside = (match.group("base"), match.group("inside").strip()) if match else (label, None)
    low = base.casefold().strip()
    first = base.split(",")[0].strip()
    if lexicon.outlet(base):
        return _reporter(lexicon.outlet(base))
    if lexicon.outlet(first) and "," in base:  # "NHK, Yamamoto": the label names the reporter
        return TurnSpeaker(full_name(base.split(",", 1)[1].strip()), OTHER)
    if low in lexicon.question_labels:
        if inside and inside.casefold() in ("audience", "floor"):
            return TurnSpeaker("audience member", OTHER)
        return _reporter(lexicon.outlet(inside) or inside if inside else None)
    if low in lexicon.answer_labels:
        if issuer.official:
            return TurnSpeaker(issuer.official, issuer.official_role)
        return TurnSpeaker(issuer.name or "spokesperson", issuer.role if issuer.role != NARRATOR else None)
    words = title_case(base).split()
    if words and words[0].casefold() in lexicon.moderator_labels:
        named = strip_titles(" ".join(words[1:])) if len(words) > 1 else inside
        role = roles.known(named) if named else None
        if role is None:
            speaks_for_issuer = issuer.is_official and issuer.role not in (None, JOINT, NARRATOR)
            role = issuer.role if speaks_for_issuer else OTHER
        return TurnSpeaker(full_name(named) if named else words[0].casefold(), role)
    titled = title_case(base)
    name = full_name(strip_titles(titled))
    role = phrase_role(titled) or roles.known(name)
    if role is None and issuer.official and name.split()[-1] == issuer.official.split()[-1]:
        role = issuer.official_role
    if role and role not in (JOINT, NARRATOR):
        roles.remember(name, role)
    return TurnSpeaker(name, role)
