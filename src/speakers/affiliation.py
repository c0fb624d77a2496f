"""For whom a speaker speaks (codebook §7): the role, from the words that name the speaker.

Three sources of evidence, all general knowledge and none taken from the bundled corpus:

* the words of the mention or label itself: titles and offices ("Secretary of State", "Chief Cabinet
  Secretary"), institutions ("the Pentagon", "the PLA"), country names, adjectives and capitals with a
  government head noun ("a senior Japanese defense official", "China's foreign ministry", "Beijing"),
  non-government heads ("a Chinese analyst" is ``other``) and joint forms ("the two ministers" is ``joint``);
* what the document said earlier about the same person ("Japanese Foreign Minister Rina Kaneshiro ..." makes a
  later "Kaneshiro said" Japanese);
* tables of officeholders (:mod:`src.speakers.officeholders`), by name on the document's date.

The word lists live in ``data/speakers/affiliation.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from src.errors import DataError
from src.speakers.lexicon import load_lexicon, without_postnominals, word_alternation
from src.speakers.officeholders import Officeholders

AFFILIATION_FILE = Path(__file__).resolve().parents[2] / "data" / "speakers" / "affiliation.yaml"
NARRATOR = "narrator"
JOINT = "joint"
OTHER = "other"
OTHER_GOVERNMENT = "other_government"

_NAME = r"[A-Z][\w'’\-]*\.?"
_LEADING_DETERMINER = re.compile(r"^(?:the|a|an|both|all|some|several|two|three)\s+", re.IGNORECASE)


def _alternation(phrases: Iterable[str]) -> str:
    """A regex alternation of ``phrases``, each a whole-word match, the longest winning at a position (factored
    by common prefixes: see :func:`src.speakers.lexicon.word_alternation`)."""
    return r"(?<![\w.])(?:" + word_alternation(set(phrases)) + r")(?![\w])"


@dataclass(frozen=True)
class AffiliationLexicon:
    """The affiliation word lists, with the patterns built from them."""

    country_roles: Mapping[str, str]
    country_of: Mapping[str, str]
    institution_of: Mapping[str, str]
    other_bodies: frozenset[str]
    government_heads: frozenset[str]
    non_government_heads: frozenset[str]
    joint_forms: frozenset[str]
    news_outlets: Mapping[str, str]
    question_labels: frozenset[str]
    answer_labels: frozenset[str]
    moderator_labels: frozenset[str]
    family_name_first: frozenset[str]
    country_pattern: re.Pattern[str]
    institution_pattern: re.Pattern[str]
    title_pattern: re.Pattern[str]
    head_pattern: re.Pattern[str]
    non_government_pattern: re.Pattern[str]
    titled_name_pattern: re.Pattern[str]
    appositive_pattern: re.Pattern[str]

    def role_of_country(self, country: str) -> str:
        """``us_government`` for the United States, ...; ``other`` for the UN; any other state's government."""
        if country in self.country_roles:
            return self.country_roles[country]
        return OTHER if country in self.other_bodies else OTHER_GOVERNMENT

    def outlet(self, text: str) -> str | None:
        """The news outlet ``text`` names as a whole ("AFP", "Nikkei Asia"), spelled as the lexicon does."""
        return self.news_outlets.get(text.strip().casefold())


def _strings(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(AFFILIATION_FILE, None, key, "must be a list of strings")
    return value


def _mapping_of_lists(data: Mapping[str, Any], key: str) -> dict[str, list[str]]:
    value = data.get(key)
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise DataError(AFFILIATION_FILE, None, key, "must map names to lists of strings")
    return {str(k): [str(w) for w in v] for k, v in value.items()}


@lru_cache(maxsize=4)
def load_affiliation_lexicon(path: str | Path = AFFILIATION_FILE) -> AffiliationLexicon:
    """Read ``data/speakers/affiliation.yaml`` (once) and build the patterns.

    Raises:
        DataError: The file is missing, not YAML, or a key is missing or of the wrong shape.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(path, None, None, f"cannot read the affiliation lexicon ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(path, None, None, "the affiliation lexicon must be a mapping of lists")
    institutions = _mapping_of_lists(data, "institutions")
    # Country names and capitals come from the attribution lexicon (one list); this file adds adjectives.
    country_of = dict(load_lexicon().countries)
    for country, words in _mapping_of_lists(data, "country_words").items():
        country_of.update(dict.fromkeys(words, country))
    institution_of = {word.casefold(): body for body, words in institutions.items() for word in words}
    titles = _strings(data, "government_titles")
    heads = _strings(data, "government_heads")
    non_government = _strings(data, "non_government_heads")
    country_words = _alternation(country_of)
    title_words = _alternation(titles)
    institution_words = _alternation(w for ws in institutions.values() for w in ws)
    name = rf"{_NAME}(?:\s+{_NAME}){{0,3}}"
    return AffiliationLexicon(
        country_roles={str(k): str(v) for k, v in (data.get("country_roles") or {}).items()},
        country_of=country_of,
        institution_of=institution_of,
        other_bodies=frozenset(_strings(data, "other_bodies")),
        government_heads=frozenset(h.casefold() for h in heads),
        non_government_heads=frozenset(h.casefold() for h in non_government),
        joint_forms=frozenset(f.casefold() for f in _strings(data, "joint_forms")),
        news_outlets={o.casefold(): o for o in _strings(data, "news_outlets")},
        question_labels=frozenset(q.casefold() for q in _strings(data, "question_labels")),
        answer_labels=frozenset(a.casefold() for a in _strings(data, "answer_labels")),
        moderator_labels=frozenset(m.casefold() for m in _strings(data, "moderator_labels")),
        family_name_first=frozenset(_strings(data, "family_name_first")),
        country_pattern=re.compile(country_words),
        institution_pattern=re.compile(institution_words, re.IGNORECASE),
        title_pattern=re.compile(title_words, re.IGNORECASE),
        head_pattern=re.compile(_alternation(heads), re.IGNORECASE),
        non_government_pattern=re.compile(_alternation(non_government), re.IGNORECASE),
        # "Japanese Foreign Minister Rina Kaneshiro", "China's Defense Minister Li Wen", "Secretary of State Ann
        # Holt": an optional country, a title or country-bound office, then the name.
        titled_name_pattern=re.compile(
            rf"(?:(?P<country>{country_words})(?:'s|’s)?\s+(?:(?!(?:and|of|or|with)\s)[A-Za-z\-]+\s+){{0,2}}?)?"
            rf"(?P<title>{title_words}|{institution_words})\s+(?P<name>{name})"
            rf"(?:\s+of\s+(?:the\s+)?(?P<country_after>{country_words}))?"
        ),
        # "Rina Kaneshiro, Japan's foreign minister," / "Holt, the U.S. secretary of state, said"
        appositive_pattern=re.compile(
            rf"(?P<name>{name}),\s+(?P<phrase>(?:the\s+)?[^,;:.\"“”]{{3,80}}?)(?=,|\s+said\b|\.(?:\s|$))"
        ),
    )


def is_joint_form(phrase: str) -> bool:
    """Whether ``phrase`` names the parties of a meeting or statement together ("The two ministers")."""
    lexicon = load_affiliation_lexicon()
    low = " ".join(phrase.casefold().split())
    return low in lexicon.joint_forms or _LEADING_DETERMINER.sub("the ", low) in lexicon.joint_forms


def title_case(text: str) -> str:
    """An all-capitals label or phrase in title case ("SECRETARY HOLT" -> "Secretary Holt"), acronyms kept."""
    if not text.isupper():
        return text
    lexicon = load_affiliation_lexicon()
    words = []
    for word in text.split():
        bare = word.strip(",.()")
        keep = bare in lexicon.country_of or bare.casefold() in lexicon.institution_of or lexicon.outlet(bare)
        words.append(
            word
            if keep or (len(bare) <= 3 and bare.isalpha() and bare not in ("MR", "MS", "DR"))
            else word.title()
        )
    return " ".join(words)


# A country after one of these is where an office sits or whom it is sent to, not whose it is ("the U.S.
# ambassador to Japan", "China's embassy in Tokyo").
_DESTINATION = re.compile(r"\s(?:to|in|at)\s+(?:the\s+)?$")
# A mission abroad belongs to its first-named country; a later one is only where it sits ("U.S. Embassy Tokyo",
# "Embassy of Japan, Washington, D.C.", "Australian Embassy, Beijing").
_MISSION_ABROAD = re.compile(
    r"\b(?:Embassy|Consulate|Consulate[- ]General|Permanent Mission|High Commission)\b", re.I
)


def countries_named(phrase: str) -> list[str]:
    """Countries (or bodies) a phrase names as the speaker's own, in order, through country words and
    institutions; a later country after "to", "in" or "at" is a destination and does not count."""
    lexicon = load_affiliation_lexicon()
    institutions = list(lexicon.institution_pattern.finditer(phrase))
    masked = lexicon.institution_pattern.sub(lambda m: " " * len(m.group()), phrase)
    countries = [(m.start(), lexicon.country_of[m.group()]) for m in lexicon.country_pattern.finditer(masked)]
    found: list[tuple[int, str]] = [
        (m.start(), lexicon.institution_of[m.group().casefold()])
        for m in institutions
        # "South Korean National Security Council": a country written just before a body's name is its own.
        if not any(
            m.start() - 30 <= start < m.start() and not masked[start : m.start()].count(",")
            for start, _ in countries
        )
    ]
    found += countries
    found.sort()
    own = [
        country
        for start, country in found
        if not (found and start > found[0][0] and _DESTINATION.search(phrase[:start]))
    ]
    if own and _MISSION_ABROAD.search(phrase):
        return own[:1]
    return list(dict.fromkeys(own))


def _without_places(text: str) -> str:
    """``text`` with institutions and country words blanked (so "People's Republic" is no "people")."""
    lexicon = load_affiliation_lexicon()
    text = lexicon.institution_pattern.sub(" ", text)
    return lexicon.country_pattern.sub(" ", text)


@lru_cache(maxsize=16384)
def phrase_role(phrase: str | None) -> str | None:
    """The role the words of a mention, label or name imply, or ``None`` when they do not tell.

    ``"US Secretary of State Ann Holt"`` -> ``us_government``; ``"a senior Japanese defense official"`` ->
    ``japan_government``; ``"Beijing"`` -> ``china_government``; ``"a Chinese analyst"`` -> ``other``;
    ``"The two ministers"`` -> ``joint``; ``"US and Japanese officials"`` -> ``joint``; ``"Ann Holt"`` -> ``None``.
    """
    if not phrase:
        return None
    text = title_case(phrase.strip())
    if is_joint_form(text) or text.endswith("(joint statement)"):
        return JOINT
    lexicon = load_affiliation_lexicon()
    countries = countries_named(text)
    institution = lexicon.institution_pattern.search(text) is not None
    governmental = institution or lexicon.head_pattern.search(text) or lexicon.title_pattern.search(text)
    rest = _without_places(text)
    if not institution and lexicon.non_government_pattern.search(rest):
        return OTHER
    if not countries:
        return None
    bare_places = not re.sub(r"\b(?:and|the|s)\b|[\s,'’]", "", rest)
    if not (governmental or bare_places):
        return None
    roles = list(dict.fromkeys(lexicon.role_of_country(c) for c in countries))
    return roles[0] if len(roles) == 1 else JOINT


class DocumentRoles:
    """The roles one document establishes for the people it names, plus the officeholders tables.

    Args:
        officeholders: Tables to look names up in.
        on: The document's date (picks the right term of an office), or ``None``.
        texts: The document's sentences (and header lines). They are read for titles and appositives only when
            a name is looked up that they contain: most documents look up few names, and reading every sentence
            with the title patterns cost more than the rest of attribution.
    """

    def __init__(
        self, officeholders: Officeholders | None = None, on: date | None = None, texts: Sequence[str] = ()
    ) -> None:
        self.officeholders = officeholders
        self.on = on
        self._unread = list(texts)
        self._known: dict[str, str] = {}
        # Single words of known names ("Wang", "Yi"); None where two names with different roles share one.
        self._known_words: dict[str, str | None] = {}

    def remember(self, name: str, role: str) -> None:
        """Record that ``name`` speaks for ``role`` (the first evidence wins)."""
        name = " ".join(without_postnominals(name.split()))  # "Penelope Marchbank MP"
        self._known.setdefault(name.casefold(), role)
        for word in name.casefold().split():
            if self._known_words.setdefault(word, role) != role:
                self._known_words[word] = None

    def learn(self, text: str) -> None:
        """Remember the roles a sentence gives to the people it names with a title or appositive."""
        lexicon = load_affiliation_lexicon()
        if text[1:].islower():  # no capital after the first letter: no name to learn
            return
        for match in lexicon.titled_name_pattern.finditer(text):
            role = phrase_role(match.group(0))
            if role and role != JOINT:
                self.remember(strip_titles(match.group("name")), role)
        if "," in text:
            for match in lexicon.appositive_pattern.finditer(text):
                role = phrase_role(match.group("phrase"))
                if (
                    role
                    and role not in (JOINT, OTHER)
                    and lexicon.title_pattern.search(match.group("phrase"))
                ):
                    self.remember(strip_titles(match.group("name")), role)  # "Mr. HOLT Ann, Minister ..."

    def _read_about(self, name: str) -> None:
        """Read (with :meth:`learn`) the texts not read yet that contain a word of ``name``."""
        words = [w for w in name.split() if len(w) > 1]
        if not self._unread or not words:
            return
        unread = []
        for text in self._unread:
            if any(w in text or w.upper() in text for w in words):  # "Mr. HOLT Ann, Minister ..." too
                self.learn(text)
            else:
                unread.append(text)
        self._unread = unread

    def _remembered(self, name: str) -> str | None:
        key = name.strip().casefold()
        return self._known.get(key) or (self._known_words.get(key) if " " not in key else None)

    def known(self, name: str) -> str | None:
        """The role the document or the officeholders tables give ``name``."""
        role = self._remembered(name)
        if role is None:
            self._read_about(name)
            role = self._remembered(name)
        if role:
            return role
        if self.officeholders is not None:
            person = self.officeholders.lookup(name, self.on)
            if person is None and " " not in name.strip():
                person = self.officeholders.lookup_surname(name, self.on)
            if person is not None:
                return person.role
        return None

    def of(self, speaker: str, mention: str | None = None) -> str | None:
        """The role of a resolved speaker: from its mention, the document, the tables, then its own words."""
        if speaker == NARRATOR:
            return NARRATOR
        role = phrase_role(mention)
        if role is None:
            role = self.known(speaker) or phrase_role(speaker) or self._conjoined(speaker)
        if role is not None and role != JOINT and " and " not in speaker:
            self.remember(speaker, role)
        return role

    def _conjoined(self, speaker: str) -> str | None:
        """ "Ann Holt and Rina Kaneshiro": one government's if both are its, else joint."""
        parts = [p for p in re.split(r"\s*,\s*|\s+and\s+", speaker.replace("(joint statement)", "")) if p]
        if len(parts) < 2:
            return None
        roles = {self.known(p) or phrase_role(p) for p in parts}
        if None in roles:
            return None
        return roles.pop() if len(roles) == 1 else JOINT


def strip_titles(name: str) -> str:
    """A name without leading titles or honorifics ("Foreign Minister Rina Kaneshiro" -> "Rina Kaneshiro")."""
    lexicon = load_affiliation_lexicon()
    name = name.strip()
    while True:
        match = lexicon.title_pattern.match(name) or _HONORIFIC.match(name)
        rest = name[match.end() :].strip() if match else ""
        if not rest or not rest[0].isupper():
            return name
        name = rest


_HONORIFIC = re.compile(
    r"(?:Mr|Ms|Mrs|Dr|Prof|Hon|H\.E|Amb|Sir|Dame)\.?(?=\s)|(?:His|Her) Excellency(?=\s)|The Honou?rable(?=\s)|(?:the|The)(?=\s)|(?:Deputy|Senior|Acting|Chief|Foreign|Defense|Defence)(?:\s+Ministry)?(?=\s)"
)
