"""The word lists of rule-based speaker attribution, read from ``data/speakers/lexicon.yaml``.

The rules (``cues``, ``mentions``, ``attribution``) keep their mechanisms in code and their vocabulary in the data
file: speech verbs, titles, place and institution words, countries and their adjectives. :func:`load_lexicon`
reads the file once (cached) into a :class:`Lexicon`; the modules build their regexes from it when imported.

Each key of the file has one of three forms, fixed by the type of its :class:`Lexicon` field: a word set
(``frozenset``) is a space-separated string or a list, a phrase list (``tuple``) a list or a space-separated
string (order kept), a table (``Mapping``) a mapping of strings to strings. A missing or malformed file, a
missing, unknown or empty key, or a value of the wrong form is a :class:`~src.errors.DataError` naming the file
and the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from src.errors import DataError

__all__ = ["DEFAULT_LEXICON", "Lexicon", "load_lexicon", "word_alternation"]

DEFAULT_LEXICON = Path(__file__).resolve().parents[2] / "data" / "speakers" / "lexicon.yaml"


@dataclass(frozen=True)
class Lexicon:
    """The vocabulary of attribution; each field is the key of the same name in the data file (see there)."""

    # Speech verbs and the words around them
    speech_verbs: frozenset[str]
    headline_verbs: frozenset[str]
    ambiguous_verbs: frozenset[str]
    report_participles: tuple[str, ...]
    between_subject_and_verb: frozenset[str]
    passive_before_verb: frozenset[str]
    determiners: frozenset[str]
    clause_words: frozenset[str]
    function_end: frozenset[str]
    pronouns: frozenset[str]
    non_subject_start: frozenset[str]
    leading_connectives: tuple[str, ...]
    ly_nouns: frozenset[str]
    subject_nouns: tuple[str, ...]
    irregular_past_verbs: tuple[str, ...]
    adverbs_before_main_verb: tuple[str, ...]
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    # Sources that are not named people
    indefinite: frozenset[str]
    anonymous_heads: frozenset[str]
    anonymous_drop: frozenset[str]
    public_group_heads: frozenset[str]
    anonymous_bodies: tuple[str, ...]
    anonymous_body_members: tuple[str, ...]
    group_numbers: tuple[str, ...]
    group_qualifiers: tuple[str, ...]
    group_nouns: tuple[str, ...]
    group_phrases: tuple[str, ...]
    state_group_nouns: tuple[str, ...]
    delegate_nouns: tuple[str, ...]
    official_group_nouns: tuple[str, ...]
    official_parties: tuple[str, ...]
    back_reference_heads: tuple[str, ...]
    back_reference_phrases: tuple[str, ...]
    back_reference_to_previous: frozenset[str]
    person_heads: frozenset[str]
    # Person names
    title_words: frozenset[str]
    honorifics: frozenset[str]
    nationality_words: frozenset[str]
    place_words: frozenset[str]
    institution_words: frozenset[str]
    event_words: frozenset[str]
    outlet_words: frozenset[str]
    sentence_start_words: frozenset[str]
    # Countries
    countries: Mapping[str, str]
    capitals: frozenset[str]
    parties_with_the: frozenset[str]
    postnominals: frozenset[str]
    organization_nouns: frozenset[str]
    demonyms: Mapping[str, str]
    capital_demonyms: Mapping[str, str]
    possessive_adjectives: Mapping[str, str]
    country_adjectives: Mapping[str, str]
    aliases: Mapping[str, str]
    statement_groups: tuple[str, ...]
    statement_group_members: tuple[str, ...]
    institutional_publisher_words: tuple[str, ...]

    @cached_property
    def not_name_words(self) -> frozenset[str]:
        """Capitalized words that make a run a place, an institution, an outlet or a date rather than a name."""
        return (
            self.place_words
            | self.institution_words
            | self.event_words
            | self.outlet_words
            | self.sentence_start_words
            | frozenset(self.weekdays)
            | frozenset(self.months)
        )


def _entries(value: Any, path: Path, key: str) -> list[str]:
    """A word set or phrase list: a space-separated string, or a list of strings (which may hold spaces)."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return [" ".join(v.split()) for v in value]
    raise DataError(path, None, key, "expected a space-separated string or a list of strings")


def _table(value: Any, path: Path, key: str) -> Mapping[str, str]:
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return MappingProxyType(dict(value))
    raise DataError(path, None, key, "expected a mapping of strings to strings")


def _parse(data: Any, path: Path) -> Lexicon:
    if not isinstance(data, dict):
        raise DataError(path, None, None, "expected a mapping of lexicon keys to word lists")
    known = {f.name: f.type for f in fields(Lexicon)}
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        close = difflib.get_close_matches(unknown[0], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (the shipped lexicon lists every key)"
        raise DataError(path, None, unknown[0], "unknown key" + hint)
    values: dict[str, Any] = {}
    for name, kind in known.items():
        if name not in data:
            raise DataError(path, None, name, "missing")
        value = data[name]
        if kind.startswith("Mapping"):
            values[name] = _table(value, path, name)
        elif kind.startswith("tuple"):
            values[name] = tuple(_entries(value, path, name))
        else:
            values[name] = frozenset(_entries(value, path, name))
        if not values[name]:
            raise DataError(path, None, name, "empty")
    countries = values["countries"]
    for inner in countries:
        for outer in countries:
            # cues._names_two_countries relies on this ("US" inside "USA" names the same country).
            if inner in outer and countries[inner] != countries[outer]:
                raise DataError(
                    path, None, "countries", f"{inner!r} is inside {outer!r} but names another country"
                )
    # Every country word's possessive ("Taiwan's Ministry of National Defense" -> "Taiwanese ...") and every
    # capital's adjective follow from the country adjectives; entries written in the file take precedence.
    adjectives = values["country_adjectives"]
    possessives = {
        (f"{word}{mark}" if word.endswith("s") else f"{word}{mark}s"): adjectives[country]
        for word, country in countries.items()
        if country in adjectives
        for mark in ("'", "’")
    }
    values["possessive_adjectives"] = {**possessives, **values["possessive_adjectives"]}
    capitals = {w: adjectives[countries[w]] for w in values["capitals"] if countries.get(w) in adjectives}
    values["capital_demonyms"] = {**capitals, **values["capital_demonyms"]}
    return Lexicon(**values)


@lru_cache(maxsize=8)
def _load(path: Path) -> Lexicon:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(path, None, None, f"cannot read the lexicon ({exc.strerror or exc})") from None
    try:
        # The safe loader, in its C implementation where PyYAML has one (four times faster than the Python one).
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        raise DataError(path, line, None, f"not valid YAML: {problem}") from None
    return _parse(data, path)


def load_lexicon(path: str | Path | None = None) -> Lexicon:
    """The lexicon in ``path`` (default: the shipped ``data/speakers/lexicon.yaml``), read once per path.

    Raises:
        DataError: The file is missing or not YAML, or a key is missing, unknown, empty or of the wrong form.
    """
    return _load(Path(path).resolve() if path is not None else DEFAULT_LEXICON)


def without_postnominals(words: list[str]) -> list[str]:
    """A name's words without the letters after it ("Penelope Marchbank MP" -> "Penelope Marchbank"); two words
    always stay."""
    postnominals = load_lexicon().postnominals
    while len(words) > 2 and words[-1].rstrip(",").upper() in postnominals:
        words = words[:-1]
    return words


def word_alternation(words: Iterable[str]) -> str:
    """A regex alternation matching exactly ``words``, factored by common prefixes ("sa(?:id|y(?:s)?)").

    Python's ``re`` tries the branches of a flat alternation one after another at every position; the factored
    form rejects most positions after one character, more than twice as fast for long word lists.
    """
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def branch(node: dict[str, dict]) -> str:
        ends_here = "" in node
        children = [re.escape(char) + branch(child) for char, child in sorted(node.items()) if char]
        if not children:
            return ""
        body = children[0] if len(children) == 1 and not ends_here else "(?:" + "|".join(children) + ")"
        return body + "?" if ends_here else body

    return branch(trie)
