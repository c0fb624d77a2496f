"""What a document says about its people and parties, and the canonical speaker a mention stands for.

:class:`DocumentNames` is attribution's memory of one document: the person names it contains (with the titles
written before them), the speakers found so far, and the parties last named together. :func:`resolve_mention`
turns the phrase that :func:`~src.speakers.cues.find_source` found into a canonical speaker with that memory:
titles are stripped ("Defense Minister Nobuo Kishi" -> "Nobuo Kishi"); a later surname or title ("Blinken",
"Secretary Blinken", "the Secretary") maps to the fullest name seen in the document; pronouns ("He also said") and
back-references ("the ministry", "The statement", "the official") go to the previous matching speaker; group
references ("The two powers", "Both sides", "The ministers") go to the pair of parties last named together, or to
the author of a joint statement; nameless sources become "anonymous ..." ("Two diplomats familiar with ..." ->
"anonymous diplomats"); institutions lose their article and take their conventional name.

The vocabulary (titles, place and institution words, countries, anonymous heads) comes from
:mod:`src.speakers.lexicon`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from src.speakers.cues import (
    LETTER,
    NAME_TOKEN,
    NAME_TOKEN_RE,
    ORGANIZATION_NOUNS,
    RELATIVE_CUT,
    UPPER,
    join_parties,
    last_pair_named,
    parties,
    party_count,
)
from src.speakers.lexicon import load_lexicon, without_postnominals, word_alternation

__all__ = [
    "NARRATOR",
    "OFFICIAL_GENRES",
    "PARENTHETICAL",
    "DocumentNames",
    "resolve_mention",
    "person_tokens",
    "institution",
    "anonymous_source",
    "alias",
    "normalize_speaker",
    "lenient_speaker",
]

NARRATOR = "narrator"
# Genres whose unattributed sentences belong to the issuing author.
OFFICIAL_GENRES = frozenset({"readout", "joint_statement", "spokesperson"})

_LEXICON = load_lexicon()
_TITLE_WORDS = _LEXICON.title_words
_TITLE_OR_HONORIFIC = _TITLE_WORDS | _LEXICON.honorifics
_NATIONALITY = _LEXICON.nationality_words
_NOT_NAME_WORDS = _LEXICON.not_name_words
_PRONOUNS = _LEXICON.pronouns
_INDEFINITE = _LEXICON.indefinite
_ANONYMOUS_HEADS = _LEXICON.anonymous_heads
_ANONYMOUS_DROP = _LEXICON.anonymous_drop
_PERSON_HEADS = _LEXICON.person_heads
_TO_PREVIOUS_SPEAKER = _LEXICON.back_reference_to_previous
_STATE_GROUP_NOUNS = _LEXICON.state_group_nouns
_COUNTRY_CANONICAL = _LEXICON.countries
_CAPITALS = _LEXICON.capitals
_DEMONYM = _LEXICON.demonyms
_CAPITAL_DEMONYM = _LEXICON.capital_demonyms
_POSSESSIVE_ADJECTIVE = _LEXICON.possessive_adjectives
_COUNTRY_ADJECTIVE = _LEXICON.country_adjectives
_ALIASES = _LEXICON.aliases

# A run of name tokens not preceded by a word character or a dot. The run's first capital is matched before the
# look-behind (which then checks the character before that capital; the rest of the first token follows): a
# pattern that starts with a character class lets `re` skip straight to capitals, twice as fast as starting
# with the look-behind. Group 1, the tokens after the first, is None for a one-word run.
_CAPITALIZED_RUN = re.compile(
    rf"[{UPPER}](?<![\w.][{UPPER}])(?:(?:{LETTER}|['’])+(?:-{LETTER}(?:{LETTER}|['’])*)*|\.)((?:\s+{NAME_TOKEN})+)?"
)
_POSSESSIVE_PATTERN = re.compile(
    r"^(" + "|".join(re.escape(k) for k in sorted(_POSSESSIVE_ADJECTIVE, key=len, reverse=True)) + r")\s+"
)
# Group references that stand for parties named together earlier ("The two powers", "Both sides").
_GROUP_REFERENCE = re.compile(
    r"(?:(?:the|both|all)\s+)?(?:(?:"
    + word_alternation([*_LEXICON.group_numbers, *_LEXICON.group_qualifiers])
    + r")\s+)*(?:"
    + word_alternation(_LEXICON.group_nouns)
    + r")(?:'\s+\w+)?\b|"
    + "|".join(map(re.escape, _LEXICON.group_phrases)),
    re.IGNORECASE,
)
_BACK_REFERENCE_DETERMINERS = ("the", "this", "that", "its", "their")
# Heads of back-references resolved to the last speaker whose name contains them ("the ministry").
_BACK_REFERENCE = re.compile(
    r"(?:the|this|that|its|their)\s+(?:[a-z\-]+\s+){0,2}("
    + word_alternation([*_LEXICON.back_reference_heads, *_LEXICON.back_reference_phrases])
    + r")$",
    re.IGNORECASE,
)
# A parenthesized note and the space before it ("Question (NHK)", "Rep. Jane Doe (D-CA)").
PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_TRAILING_OF_THE = re.compile(r"\s+of\s+the\s+[a-z].*$")
_SPOKESPERSON_FOR = re.compile(r"(?:an?|the)\s+(spokes(?:person|man|woman))\s+(?:for|of)\s+(.+)$", re.I)
# "a State Department spokesperson", "a ministry spokesman": a body, then the spokesperson.
_BODY_SPOKESPERSON = re.compile(
    r"(?:[Aa]n?|[Tt]he|[Oo]ne)\s+((?:[A-Z][\w.'’&-]*|of|the|and|foreign|defense|defence|trade|ministry|"
    r"department|embassy|mission|government|office)(?:\s+(?:[A-Z][\w.'’&-]*|of|the|and|foreign|defense|defence|"
    r"trade|ministry|department|embassy|mission|government|office))*)\s+(spokes(?:person|man|woman))"
)
_SPOKESPERSON_OR_REPRESENTATIVE_FOR = re.compile(
    r"(?:an?|the)\s+(?:spokes(?:person|man|woman)|representative)\s+for\s+(.+)$", re.I
)
_LEADING_DETERMINER = re.compile(r"^(?:the|The|an?|An?|[Ss]everal|[Ss]ome|[Mm]any|[Tt]wo|[Tt]hree)\s+")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")
_ANONYMOUS_QUALIFIER_CUT = re.compile(
    r"\s+(?:in|at|from|familiar|with|who|on|close|based|involved|present|reached|briefed|knowledgeable|"
    r"attending|responsible)\b.*$"
)
_IN_PLACE = re.compile(r"\bin\s+([A-Z]\w+)")
_PUBLIC_GROUP_HEADS = _LEXICON.public_group_heads
_FROM_QUALIFIER = re.compile(r"\s+from\s+(?:both|all|across|several|many)\b.*$")
# What makes a group's members anonymous after all: they withheld their names or spoke privately (A10).
_WITHHELD = re.compile(
    r"familiar with|not to be named|anonymity|not authori[sz]ed|privately|on background|declined to be"
)
_UNQUALIFIED_STATE_DEPARTMENT = re.compile(r"(?<!US )(?<!U\.S\. )\bState Department\b")
_ANONYMOUS_BODY_MEMBER = re.compile(
    "anonymous ("
    + word_alternation(_LEXICON.anonymous_bodies)
    + ") ("
    + word_alternation(_LEXICON.anonymous_body_members)
    + ")"
)
_DEMONYM_PAIR = re.compile(r"([\w.]+(?: Korean)?) and ([\w.]+(?: Korean)?) (\w+)")
_AND_SEPARATOR = re.compile(r"\s+and\s+")
_COUNTRYLESS_BODY = re.compile(r"(?:Ministry|Department) of [A-Z][\w ]*$")
_COUNTRY_SIDE = re.compile(r"(?:[Tt]he\s+)?(\S+)\s+side")
_SERIES_SEPARATOR = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_OF_PARTIES = re.compile(r"\bof\s+(?:the\s+)?(.+\s+and\s+.+)$")
_GROUP_OF_DELEGATES = re.compile(
    r"(?:the\s+)?(?:\w+\s+)*(?:" + word_alternation(_LEXICON.delegate_nouns) + r")\b"
)
_POSSESSIVE_GROUP = re.compile(r"(?:the|its|their)\s+(\w+)['’]s?\s+\w+$")
_NAME_OF_BODY = re.compile(r"(.*?\b[A-Z][\w'’\-]+\s+[A-Z][\w'’\-]+)\s+of\s+\S.*$")


@dataclass
class DocumentNames:
    """What attribution remembers while reading one document.

    The names (``names``, ``titles``, ``order``, ``titled``) come from every sentence of the document, recorded
    only when needed: many documents never look a name up, and most lookups (``full_name``, ``knows_name``) need
    only the sentences that contain the word looked up (see ``_names_with``).
    """

    genre: str | None
    author: str | None
    title: str
    names: dict[str, str] = field(default_factory=dict)  # name token -> fullest name containing it
    titles: dict[str, set[str]] = field(default_factory=dict)  # full name -> title words used with it
    order: list[str] = field(default_factory=list)  # full names in order of first appearance
    speakers: list[str] = field(default_factory=list)  # explicit speakers so far, in order
    # Parties last named together ("United States and Japan") before the sentences in ``unscanned``.
    last_pair: str | None = None
    unscanned: list[str] = field(default_factory=list)  # later sentences, not yet searched for such parties
    read_texts: list[str] = field(default_factory=list)  # every sentence read so far, in order
    # For each of ``speakers``, the index in ``read_texts`` of the sentence it spoke.
    spoke_at: list[int] = field(default_factory=list)
    turn_names: dict[str, str] = field(default_factory=dict)  # turn label -> speaker
    opening: tuple[str, ...] = ()  # the first sentences after the title (who met whom)
    own_country: str | None = None  # the country an official author speaks for ("Ann Holt" -> United States)
    titled: set[str] = field(default_factory=set)  # names written right after a title ("Minister Hayashi")
    unregistered: list[str] = field(default_factory=list)  # texts whose names are not recorded yet, in order
    # name token -> (fullest name with it, full names) from just the unregistered texts that contain the token
    names_by_token: dict[str, tuple[str | None, dict[str, set[str]]]] = field(default_factory=dict)

    @cached_property
    def own_countries(self) -> set[str]:
        """Countries whose name stands for a single author in its own statement."""
        return _own_country(self.author) | ({self.own_country} if self.own_country else set())

    @cached_property
    def dateline_place(self) -> str | None:
        """The place of a wire story's dateline ("HONG KONG, Dec 2 (Wire) - ..." -> "Hong Kong"), if any."""
        for text in self.opening:
            match = _DATELINE_PLACE.match(text)
            if match:
                return " ".join(w.capitalize() for w in match.group(1).split())
        return None

    @property
    def single_author(self) -> bool:
        """An official document issued by one body (whose own country's name stands for it)."""
        return (
            bool(self.author)
            and (
                self.genre in OFFICIAL_GENRES or self.genre == "transcript"
            )  # a speech: its speaker's own voice
            and "(joint statement)" not in str(self.author)
        )

    def pair(self, size: int | None = None) -> str | None:
        """Parties last acting together: the latest joint speaker, else the latest countries named together.

        With ``size`` ("the three countries"), the latest group of that many parties, else any group.
        """
        for speaker in reversed(self.speakers):
            # parties joins two or more countries with " and ": a speaker without it cannot be a pair.
            joined = " and " in speaker and "(" not in speaker and parties(speaker) == speaker
            if joined and (size is None or party_count(speaker) == size):
                return speaker
        if size is not None:
            for text in reversed(self.read_texts):
                # Named as a series, else named apart in one sentence ("Tokyo and Seoul ... with Washington").
                found = last_pair_named(text, size) or parties(text)
                if found and party_count(found) == size:
                    return found
        return self.named_pair()

    def named_pair(self) -> str | None:
        """The parties last named together in the sentences read so far (or the last joint speaker after them).

        Only group references ask for this, so sentences are searched lazily, latest first: the first one that
        names parties together decides, and earlier ones cannot change the answer.
        """
        while self.unscanned:
            pair = last_pair_named(self.unscanned.pop())
            if pair is not None:
                self.last_pair = pair
                self.unscanned.clear()
        return self.last_pair

    def read(self, text: str, speaker: str | None) -> None:
        """Note a sentence after attributing it (``speaker``: its explicit speaker, if any)."""
        if speaker is not None:
            self.speakers.append(speaker)
            self.spoke_at.append(len(self.read_texts))
            if " and " in speaker and "(" not in speaker:
                self.last_pair = speaker  # parties acting together, more recent than any earlier sentence
                self.unscanned.clear()
        self.unscanned.append(text)
        self.read_texts.append(text)

    def persons_pair(self) -> str | None:
        """The two people who met, in order of mention ("A and B" of a readout of their meeting): the first two
        people the title or, when it names fewer (a title may name only one of them: "Foreign Secretary's call
        with Minister B"), the opening sentences name ("Secretary A met today with Minister B ..."); else the
        first two named with a title anywhere."""
        self._register_queued()
        for text in (self.title, *self.opening):  # the title is the first mention when it names both
            named = sorted((text.find(name), name) for name in self.order if name in text)
            if len(named) > 2 and parties(self.title.replace("-", " and ")):
                return None  # "Secretaries A and B hosted Secretaries C and D": the sides the title names
            if len(named) == 2:
                return f"{named[0][1]} and {named[1][1]}"
        titled = [name for name in self.order if name in self.titled]
        return " and ".join(titled[:2]) if len(titled) >= 2 else None

    def _register_queued(self) -> None:
        """Record the names of the texts still waiting in ``unregistered``, in order."""
        if self.unregistered:
            queued, self.unregistered = self.unregistered, []
            for text in queued:
                self.register(text)

    def register(self, text: str) -> None:
        """Record the person names of a sentence, with the title words written before them.

        A name is the end of a run of capitalized words ("US Defense Secretary Lloyd Austin" -> "Lloyd Austin");
        the words before it in the run, and up to four words before the run, are its titles ("Secretary of
        State Antony Blinken" -> {"secretary", "of", "state"}).
        """
        for run in _CAPITALIZED_RUN.finditer(text):
            if run.lastindex is None:
                continue  # most runs are one word ("The", "Japan"), and a name has two or three
            words = run.group(0).split()
            if any(t.isupper() and len(t) > 1 for t in words) and not all(t.isupper() for t in words):
                # "Mr. HOLT Ann": a family name in capitals before the given name is written as a name.
                words = [
                    t.title() if t.isupper() and len(t) > 1 and t not in _NOT_NAME_WORDS else t for t in words
                ]  # ("ASEAN" stays an institution)
            # A possessive ends a name and starts a new run: "Secretary of Defense Lloyd Austin's Meeting With
            # Japanese Minister of Defense ..." names Lloyd Austin first.
            start = 0
            for end, word in enumerate(words, 1):
                if word.endswith(("'s", "’s")) or end == len(words):
                    before = words[:start] if start else text[max(0, run.start() - 40) : run.start()].split()
                    self._register_run(before, words[start:end])
                    start = end

    def _register_run(self, before: list[str], tokens: list[str]) -> None:
        """Record the person name that ends one run of capitalized ``tokens`` (``before``: the words before it)."""
        if len(tokens) < 2:
            return
        if tokens[-1].endswith(("'s", "’s")):
            # "Lloyd Austin's": the name is the part before "'s".
            tokens = [*tokens[:-1], tokens[-1][:-2]]
        tokens = without_postnominals(
            tokens
        )  # "the Hon. Penelope Marchbank MP": "MP" is not part of the name
        # The name is the longest tail of the run without a title, place or institution word; it needs two
        # words, so most runs ("The United States", "Foreign Minister") are rejected on their last two.
        if tokens[-1].endswith(".") or _stops_name(tokens[-1]) or _stops_name(tokens[-2]):
            return
        cut = len(tokens) - 2
        while cut and not _stops_name(tokens[cut - 1]):
            cut -= 1
        name, tokens = tokens[cut:], tokens[:cut]
        while len(name) > 2 and name[0].lower() in _LEXICON.honorifics:
            tokens, name = [*tokens, name[0]], name[1:]  # "The Hon Ann Holt": "Hon" is a style, not a name
        if len(name) > 3 or name[0].endswith("."):
            return
        full = " ".join(name)
        context = before[-4:] + tokens
        if full not in self.titles:
            self.titles[full] = set()
            self.order.append(full)
        # "Minister Hayashi", and "Foreign Minister of the Philippines Ana Cruz": a title among the words just
        # before the name (place words may stand between them).
        if any(w.lower().rstrip(".,") in _TITLE_OR_HONORIFIC for w in context[-4:]):
            self.titled.add(full)
        self.titles[full].update(
            part for w in context for part in re.split(r"[-/]", w.lower().rstrip(".,")) if part
        )
        for token in name:
            # "Ijuin" in a turn label finds "Ijūin Keiko"; "Secretary Soriano" finds "Teresa Liwanag-Soriano".
            parts = [p for p in token.split("-") if p[:1].isupper()] if "-" in token else []
            for key in {token, fold_accents(token), *parts}:
                if len(key) > 1 and len(self.names.get(key, "")) < len(full):
                    self.names[key] = full

    def _names_with(self, token: str) -> tuple[str | None, dict[str, set[str]]]:
        """The fullest registered name containing ``token`` (``names.get(token)``), and the registered full names
        (``titles``) that could contain it.

        Only a text that contains ``token`` can register a name with it, so until the whole document is registered
        these come from registering just those texts, in document order (which decides between names of equal
        length).
        """
        if not self.unregistered:
            return self.names.get(token), self.titles
        found = self.names_by_token.get(token)
        if found is None:
            part = DocumentNames(genre=self.genre, author=self.author, title=self.title)
            for text in self.unregistered:
                # "Mr. HOLT Ann" registers "Holt Ann"; "Ijuin" is "Ijūin" without its accent
                if (
                    token in text
                    or token.upper() in text
                    or (token.isascii() and token in fold_accents(text))
                ):
                    part.register(text)
            found = self.names_by_token[token] = (part.names.get(token), part.titles)
        return found

    def full_name(self, name: str) -> str:
        """The fullest registered name for ``name`` (a surname, a given name, or already full)."""
        tokens = name.split()
        if len(tokens) == 1:
            fullest, _ = self._names_with(tokens[0])
            return name if fullest is None else fullest
        fullest, registered = self._names_with(tokens[-1])
        if name in registered:
            return name
        return name if fullest is None else fullest

    def by_title(self, words: Iterable[str]) -> str | None:
        """The first person registered with all of these title words ("the Secretary", "The prime minister")."""
        self._register_queued()
        wanted = {w.lower().rstrip(".,") for w in words} - {"the", "a", "an", "of", "for", "to", "and"}
        if not wanted:
            return None
        for full in self.order:
            if wanted <= self.titles[full]:
                return full
        return None

    def knows_name(self, token: str) -> bool:
        """Whether ``token`` is a word of a registered name."""
        return self._names_with(token)[0] is not None

    def shorter_form_of(self, phrase: str) -> str | None:
        """The latest body speaker that ``phrase`` shortens: a run of its words ("Joint Chiefs" of "South Korean
        Joint Chiefs of Staff") or their initials ("JCS"); ``None`` for anything else."""
        words = phrase.split()
        acronym = len(words) == 1 and phrase.isupper() and len(phrase) >= 2
        if not acronym and (len(words) < 2 or not all(w[:1].isupper() for w in words)):
            return None
        for speaker in reversed(self.speakers):
            if speaker == phrase or person_tokens(speaker) is not None or speaker.startswith("anonymous"):
                continue
            if acronym:
                capitals = [w for w in speaker.split() if w[:1].isupper() and w not in _DEMONYM]
                initials = "".join(w[0] for w in capitals)
                if phrase in initials and len(phrase) >= 2:
                    return speaker
            elif f" {phrase} " in f" {speaker} ":
                return speaker
        return None

    def person_introduced_after_speaker(self) -> str | None:
        """The person who opens the latest sentence read ("Foreign Secretary Ann Holt spoke today with ...") when
        that sentence comes after the last explicit speaker's; ``None`` otherwise."""
        last_spoke = self.spoke_at[-1] if self.spoke_at else -1
        for index in range(len(self.read_texts) - 1, last_spoke, -1):
            opening = " ".join(self.read_texts[index].split()[:8])
            self._register_queued()
            named = [
                (opening.find(name), name)
                for name in self.order
                if name in opening and name not in _COUNTRY_CANONICAL  # "Viet Nam" is no person
            ]
            if named:
                return min(named)[1]
        return None

    def latest_body(self, head: str) -> str | None:
        """The body with ``head`` in its name that the document mentioned last: a speaker's ("the ministry" after
        "the Ministry of Commerce said ...") or one the text only named ("... after China's Ministry of Commerce
        reacted sharply. A ministry spokesperson said ...")."""
        named = self._body_named_at(head)
        for speaker, at in zip(reversed(self.speakers), reversed(self.spoke_at), strict=True):
            if speaker != NARRATOR and head.lower() in speaker.lower():
                return named[1] if named and named[0] > at else speaker
        return named[1] if named else None

    def _body_named_at(self, head: str) -> tuple[int, str] | None:
        """The body the text last named in full whose name holds ``head`` ("the council" after "South Korea's
        National Security Council met ..." -> "South Korean National Security Council"; "the group" after "the
        rights group Open Door Network ..."), as an institution, with the index of its sentence."""
        word = " ".join(w.capitalize() for w in head.split())
        for index in range(len(self.read_texts) - 1, -1, -1):
            text = self.read_texts[index]
            if word not in text and head not in text:
                continue
            head_then_name, word_in = _head_patterns(head, word)
            after = head_then_name.search(text)
            if after and head in ("group", "organization", "organisation"):
                return index, institution(after.group(1))  # "the rights group Open Door Network"
            named = [m.group(0) for m in _BODY_RUN.finditer(text) if word_in.search(m.group(0))]
            if named:
                return index, institution(named[-1])
        return None

    def previous(self, head: str | None = None) -> str | None:
        """The most recent explicit speaker, or the most recent one whose name contains ``head``."""
        for speaker in reversed(self.speakers):
            if speaker == NARRATOR:
                continue
            if head is None or head.lower() in speaker.lower():
                return speaker
        return None


@lru_cache(maxsize=4096)
@lru_cache(maxsize=256)
def _head_patterns(head: str, word: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The head followed by a body's name ("group Open Door Network"), and the head as a capitalized word."""
    return re.compile(rf"\b{re.escape(head)}\s+({_BODY_NAME})"), re.compile(rf"\b{re.escape(word)}\b")


def fold_accents(text: str) -> str:
    """``text`` without accents ("Ijūin" -> "Ijuin", "Ibáñez" -> "Ibanez"): turn labels often drop them."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=8192)
def _stops_name(token: str) -> bool:
    """Whether a word of a capitalized run cannot be part of the person name that ends the run.

    Titles ("Secretary", "Dr."), place and institution words ("Japan", "Ministry") and possessives end the name.
    Cached: the same capitalized words recur in every document.
    """
    return (
        token.lower().rstrip(".") in _TITLE_WORDS
        or ("-" in token or "/" in token)  # "High Representative/Vice-President", "Vice-Minister"
        and all(part.lower() in _TITLE_WORDS for part in re.split(r"[-/]", token.rstrip(".")) if part)
        or token in _NOT_NAME_WORDS
        or token.endswith(("'s", "’s", "s'", "s’"))  # "Ministers' Meeting": a plural possessive too
        or token.startswith(("I'", "I’"))  # "I'm Ann Holt": the name starts after the contraction
    )


@lru_cache(maxsize=1)
def _own_country_words() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every country name and adjective of ``country_adjectives``, and the country each names."""
    words: dict[str, str] = {}
    for country, adjective in _COUNTRY_ADJECTIVE.items():
        for word in (country, adjective):
            words.setdefault(word, _COUNTRY_CANONICAL.get(country, country))
    return re.compile(r"\b(?:" + word_alternation(words) + r")\b"), words


@lru_cache(maxsize=4096)
def _own_country(author: str | None) -> frozenset[str]:
    """Country names that stand for the author in its own statement ("China" in a Chinese ministry's text)."""
    if not author:
        return frozenset()
    pattern, words = _own_country_words()
    found = {words[m.group()] for m in pattern.finditer(author)}
    if re.search(r"\bU\.?S\.?\b", author):
        found.add("United States")
    return frozenset(found)


def normalize_speaker(name: str | None) -> str:
    """Light normalization for comparing speakers: case, surrounding space, a leading "the"."""
    if name is None:
        return ""
    name = " ".join(name.split()).lower()
    return name[4:] if name.startswith("the ") else name


def alias(name: str) -> str:
    return _ALIASES.get(name.lower(), name)


def person_tokens(phrase: str) -> list[str] | None:
    """The name at the end of a phrase ("US Secretary of State Antony Blinken" -> ["Antony", "Blinken"]).

    Returns ``None`` when the phrase does not end in a person's name (an institution, a place, a description).
    """
    if "(" in phrase:
        phrase = PARENTHETICAL.sub("", phrase)
    phrase = phrase.strip().rstrip(",")
    name: list[str] = []  # the name's words, last first
    for token in reversed(phrase.split()):
        bare = token.strip(",")
        if not _may_be_in_name(bare):
            break
        if bare in _NOT_NAME_WORDS or bare.endswith(("'s", "’s")):
            if not name:
                return None
            break
        name.append(bare)
    name.reverse()
    return name or None


@lru_cache(maxsize=8192)
def _may_be_in_name(word: str) -> bool:
    """Whether a word is shaped like a name token and is not a title ("Blinken", "O'Neill", "Jae-in", "J.").

    Cached: the same words recur in every document.
    """
    return NAME_TOKEN_RE.fullmatch(word) is not None and word.lower().rstrip(".") not in _TITLE_WORDS


def institution(phrase: str) -> str:
    """Canonical institution name: no article, possessive place as adjective, corpus aliases."""
    phrase = phrase.strip().rstrip(",")
    spokes = _SPOKESPERSON_OR_REPRESENTATIVE_FOR.match(phrase)
    if spokes:
        phrase = spokes.group(1)
    phrase = _BASED_IN.sub("", _LEADING_DETERMINER.sub("", phrase))  # "Manila-based Bayside Center"
    match = _POSSESSIVE_PATTERN.match(phrase)
    if match:
        phrase = _POSSESSIVE_ADJECTIVE[match.group(1)] + " " + phrase[match.end() :]
    return alias(phrase)


def anonymous_source(phrase: str, sentence: str = "") -> str | None:
    """ "anonymous ..." for a nameless source ("Two diplomats familiar with ..." -> "anonymous diplomats").

    ``sentence``: the rest of the sentence, which may say that a group withheld its names (A10).
    """
    if _ANONYMOUS_HEADS.isdisjoint(phrase.lower().split()):
        # The cuts below only drop trailing words, so the head checked after them is one of these words.
        return None
    familiar = _PEOPLE_FAMILIAR.search(phrase)
    if familiar:  # "Two people familiar with the talks" -> "anonymous people familiar with the talks" (A10)
        return f"anonymous people {familiar.group(1)}"
    core = RELATIVE_CUT.sub("", phrase)
    core = _ANONYMOUS_QUALIFIER_CUT.sub("", core)
    words = core.split()
    if not words or words[-1].lower() not in _ANONYMOUS_HEADS:
        return None
    first = words[0].lower()
    if len(words) > 1 and first == "one" and words[1] == "of":
        return None  # "One of the activists": a member of a named group, not an anonymous source
    if not (
        first in _INDEFINITE
        or (words[-1].endswith("s") and first not in ("the", "its", "their", "his", "her"))
    ):
        return None
    # A proper name (not a nationality or an institution word) makes the source named, not anonymous.
    for word in words[1:]:
        if (
            word[0].isupper()
            and word not in _NOT_NAME_WORDS
            and word.lower() not in _TITLE_WORDS
            and not word.isupper()
        ):
            return None
    if _speaks_publicly(words, f"{phrase} {sentence}"):
        return None  # see public_group
    kept = [w for w in words if w.lower() not in _INDEFINITE and w.lower() not in _ANONYMOUS_DROP]
    place = _IN_PLACE.search(phrase)
    if place and place.group(1) in _CAPITAL_DEMONYM and len(kept) == 1:  # "Officials in Tokyo"
        kept.insert(0, _CAPITAL_DEMONYM[place.group(1)])
    kept = [_POSSESSIVE_ADJECTIVE.get(w, w) for w in kept]
    if not kept:
        return None
    text = " ".join(w if (w.isupper() or w in _NOT_NAME_WORDS) else w.lower() for w in kept)
    if "State Department" in text:
        text = _UNQUALIFIED_STATE_DEPARTMENT.sub("US State Department", text)
    return "anonymous " + text.replace("U.S.", "US")


def _unnamed_spokesperson(phrase: str, doc: DocumentNames) -> str | None:
    """An on-record spokesperson without a name is "<institution> spokesperson" (codebook A10): "A spokesperson for
    the U.S. mission" -> "U.S. mission spokesperson", "a State Department spokesman" -> "US State Department
    spokesman", "a ministry spokesman" after the Chinese foreign ministry spoke -> "Chinese foreign ministry
    spokesman"."""
    spokes = _SPOKESPERSON_FOR.match(phrase)
    if spokes and "," in spokes.group(2) and person_tokens(spokes.group(2).rsplit(",", 1)[1]):
        return (
            None  # "A spokesperson for the institute, Jane Smith": the name after the description speaks (A9)
        )
    if spokes:
        body = _resolve_single(spokes.group(2), doc)
        return f"{body} {spokes.group(1).lower()}" if body else None
    before = _BODY_SPOKESPERSON.fullmatch(phrase)
    if before is None:
        return None
    body, head = before.group(1), before.group(2).lower()
    if body.islower():  # "a ministry spokesman": the body last mentioned, if it is one
        previous = doc.latest_body(body.split()[-1])
        return f"{previous} {head}" if previous else None
    if person_tokens(body) is not None:
        return None  # "a Holt spokesman" is a person's, not a body's
    return f"{institution(body)} {head}"


def _speaks_publicly(words: list[str], phrase: str) -> bool:
    """A group speaking as such (codebook A10): a bare plural of a public group head, names not withheld."""
    first = words[0].lower()
    return (
        words[-1].lower() in _PUBLIC_GROUP_HEADS
        and first not in _INDEFINITE
        and first not in _ANONYMOUS_DROP
        and not _WITHHELD.search(phrase)
    )


def public_group(phrase: str, sentence: str = "") -> str | None:
    """Descriptive name of a group speaking publicly (A10): "US officials", "Officials in Tokyo" -> "Japanese
    officials", "Relatives of the detained lawyers" -> "relatives of the detained lawyers"; else ``None``."""
    core = RELATIVE_CUT.sub("", phrase).split(",")[0].strip()
    head = _ANONYMOUS_QUALIFIER_CUT.sub("", core).split(" of ")[0].split()
    if not head or head[-1].lower() not in _PUBLIC_GROUP_HEADS:
        return None
    if not _speaks_publicly(head, f"{phrase} {sentence}"):
        return None
    core = _LEADING_DETERMINER.sub("", core)
    if head[0].endswith(("'s", "’s")) and head[0] not in _POSSESSIVE_ADJECTIVE:
        return None  # "Smith's lawyers": a named person's or body's people
    for word in head[1:-1]:
        if (
            word[0].isupper()
            and word not in _NOT_NAME_WORDS
            and word.lower() not in _TITLE_WORDS
            and word not in _POSSESSIVE_ADJECTIVE
        ):
            return None  # "Smith's lawyers", a named body's members: not a described group
    place = _IN_PLACE.search(core)
    if place and place.group(1) in _CAPITAL_DEMONYM and len(head) == 1:  # "Officials in Tokyo"
        return f"{_CAPITAL_DEMONYM[place.group(1)]} {head[0].lower()}"
    core = _FROM_QUALIFIER.sub("", core)  # "US lawmakers from both parties" -> "US lawmakers"
    first, *rest = core.split()
    first = first if first.isupper() or first in _NOT_NAME_WORDS or "." in first else first.lower()
    return " ".join([_POSSESSIVE_ADJECTIVE.get(first, first), *rest])


def resolve_mention(mention: str, doc: DocumentNames, sentence: str = "") -> str | None:
    """Canonical speaker for a mention (``sentence``: the sentence it is in), or ``None`` when it cannot name a
    source."""
    phrase = mention.strip()
    lowered = phrase.lower()
    if lowered in ("one of them", "one of those", "another"):
        # One of the sources just quoted: the same source, one person of it ("anonymous EU diplomats" -> "anonymous
        # EU diplomat"; "anonymous people familiar with ..." stays).
        previous = doc.previous()
        if previous and previous.startswith("anonymous ") and previous.endswith("s"):
            singular = previous[:-1]
            if singular.rsplit(" ", 1)[-1].lower() in _ANONYMOUS_HEADS:
                return singular
        return previous
    if phrase in _PRONOUNS:
        previous = doc.previous()
        if lowered == "they" and (previous is None or person_tokens(previous) is not None):
            # "They agreed ..." after one person spoke: the parties acting together, not that person
            return _group(lowered, doc) or previous
        if lowered in ("he", "she"):
            # A person the narration introduced after the last speaker ("Foreign Secretary A spoke with B today.
            # ... He said ..."): the subject of that later sentence.
            return doc.person_introduced_after_speaker() or previous
        return previous
    if lowered in ("i", "we"):
        return None
    if "statement" in lowered and lowered.split()[0] in ("a", "an") and "joint" in lowered:
        pair = doc.pair()
        return f"{pair} (joint statement)" if pair else "joint statement"
    # A full match is also a match, so testing the (cheaper to fail) prefix match first changes nothing.
    group = _GROUP_REFERENCE.match(lowered)
    if group and (_GROUP_REFERENCE.fullmatch(lowered) or "of" not in lowered.split()):
        return _group(lowered, doc) or doc.previous()
    if "," in phrase:
        office, name = phrase.rsplit(",", 1)
        person = person_tokens(name.strip())
        if person and len(person) > 1 and _TITLE_IN.search(office):
            # "the EU's High Representative for Foreign Affairs and Security Policy, Ann Holt"
            return doc.full_name(" ".join(person))
    if "and" not in phrase:
        if "," in phrase:
            listed = [_LEADING_THE.sub("", item.strip()) for item in phrase.split(",")]
            if all(item in _COUNTRY_CANONICAL and item not in _CAPITALS for item in listed):
                return join_parties([_COUNTRY_CANONICAL[item] for item in listed])  # "US, India say ..."
        return _resolve_single(phrase, doc, sentence=sentence)  # no conjunction rule below can apply
    items = [_LEADING_THE.sub("", item) for item in _SERIES_SEPARATOR.split(phrase) if item]
    if len(items) > 2 and all(item in _COUNTRY_CANONICAL and item not in _CAPITALS for item in items):
        # "the United States, Japan and the Philippines": countries as a series, in order (§6.2)
        return join_parties([_COUNTRY_CANONICAL[item] for item in items])
    demonyms = _DEMONYM_PAIR.fullmatch(phrase)
    if demonyms and demonyms.group(1) in _DEMONYM and demonyms.group(2) in _DEMONYM:
        # "US and Japanese officials" -> "United States and Japan"
        return f"{_DEMONYM[demonyms.group(1)]} and {_DEMONYM[demonyms.group(2)]}"
    # "The Secretary and the Foreign Minister", "Austin and Blinken", "Seoul and Washington"
    parts = _AND_SEPARATOR.split(phrase)
    if len(parts) == 2:
        bare_parts = [_LEADING_THE.sub("", p.strip()) for p in parts]
        if all(p in _COUNTRY_CANONICAL and p not in _CAPITALS for p in bare_parts):
            # Countries as written ("Japan and the Republic of Korea"); capitals become countries below.
            return _LEADING_THE.sub("", phrase)
        lone_title = any(p.strip().lower() in _TITLE_WORDS for p in parts)  # "Trade and Industry Minister X"
        if all(p.strip() for p in parts) and not lone_title:
            resolved = [_resolve_single(p, doc, conjunct=True) for p in parts]
            if all(resolved) and resolved[0] != resolved[1]:
                return " and ".join(r for r in resolved if r)
    of_parties = _OF_PARTIES.search(phrase) if "of" in phrase else None
    if of_parties and _GROUP_OF_DELEGATES.match(lowered):
        pair = parties(of_parties.group(1))
        if pair:
            return pair
    return _resolve_single(phrase, doc, sentence=sentence)


# A body's name: capitalized words, possibly linked by "of", "for", "on" or "and" ("South Korea's National Security
# Council", "Ministry of Economy, Trade and Industry" is cut at its comma).
_BODY_NAME = r"[A-Z][\w.&\-]*(?:['’]s?)?(?:\s+(?:(?:of|for|on|and)\s+(?:the\s+)?)?[A-Z][\w.&\-]*(?:['’]s?)?)*"
_BODY_RUN = re.compile(_BODY_NAME)
_LOCAL_FORCES = frozenset({"police", "the police", "authorities", "the authorities"})
_IN_PLACE_OPENER = re.compile(r"\s*In\s+([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)?),")
_DATELINE_PLACE = re.compile(
    r"([A-Z][A-Z'\-]+(?:\s+[A-Z][A-Z'\-]+){0,2})(?:/[A-Z /]+)?(?:,\s+[A-Z]|\s+\([^()]{1,40}\)\s+(?:--|[-–—])|\s+(?:--|[-–—])\s)"
)
_PEOPLE_FAMILIAR = re.compile(r"\b[Pp]eople\s+(familiar\s+with\s+.+)$")
# A document and who wrote it ("a report published last month by X").
_DOCUMENT_BY = re.compile(
    r"(?:[Aa]n?|[Tt]he|[Ii]ts|[Tt]heir)\s+(?:[\w\-]+\s+){0,2}?(?:report|study|survey|analysis|assessment|"
    r"letter|note|briefing note|opinion)\b[^,]*?\bby\s+((?:the\s+)?[A-Z].+)$"
)
# A single name the text gives for a described person: "who gave only her surname, Mak", "his wife, Mieko".
_ONLY_NAME_GIVEN = re.compile(
    r"(?:\bgave\s+only\s+(?:his|her|their)\s+(?:first\s+name|surname|family\s+name|given\s+name|name)|"
    r"\b(?:wife|husband|widow|son|daughter|mother|father|brother|sister)),\s+([A-Z][\w'’\-]+)$"
)
# A body whose name goes on with "for", "of" or "on" ("Bayside Center for Ocean Law"): not a person's name.
_BODY_WITH_OF = re.compile(
    r"\b(?:Center|Centre|Institute|Council|Foundation|Forum|Association|Committee|Commission|Office|Ministry|"
    r"Department|Agency|Network|Society|Alliance|Coalition|Initiative|Group|Bureau|Service|Board|Court|Tribunal)"
    r"\s+(?:for|of|on)\s+(?:the\s+)?[A-Z]"
)
# "Kenneth Roth of Human Rights Watch": a person's name before the body's.
_NAME_OF_BODY_PERSON = re.compile(r"^(?:[A-Z][\w'’\-]+\s+){1,3}(?:of|from|at)\s")
_BASED_IN = re.compile(r"^[A-Z][\w.'’]*(?:\s+[A-Z][\w.'’]*)?-based\s+")
_TITLE_IN = re.compile(
    r"\b(?:" + word_alternation(w for w in _LEXICON.title_words if w.isalpha()) + r")\b", re.I
)
_KIND_THEN_NAME = re.compile(
    r"(?:[Tt]he|[Aa]n?)\s+(?:[\w\-]+\s+){0,3}?([a-z]+)\s+([A-Z][\w.&'’\-]*(?:\s+[A-Z][\w.&'’\-]*){1,3})$"
)
_GROUP_SIZE = {"both": 2, "two": 2, "three": 3, "four": 4}
_ONE_PER_PARTY_NOUNS = frozenset({"leaders", "sides", "parties", "powers", "allies", "partners"})


def _group(lowered: str, doc: DocumentNames) -> str | None:
    """The parties a group reference stands for ("The two ministers", "Both sides", "They"); a number in it
    ("the three countries") asks for a group of that many."""
    if doc.genre == "joint_statement" and doc.author:
        return doc.author
    words = re.findall(r"[a-z]+", lowered)
    # A number counts parties only with a noun of states or of one person per state ("the four principals" of a
    # two-plus-two meeting are two parties).
    counted = any(w in _STATE_GROUP_NOUNS or w in _ONE_PER_PARTY_NOUNS for w in words)
    size = next((_GROUP_SIZE[w] for w in words if w in _GROUP_SIZE), None) if counted else None
    if doc.genre == "readout":
        # The people who met, else the parties the title names ("U.S.-Philippines 2+2 Dialogue").
        people = (
            None if any(w in lowered for w in _STATE_GROUP_NOUNS) or (size or 2) > 2 else doc.persons_pair()
        )
        named = parties(doc.title.replace("-", " and "))
        own = max(doc.own_countries, key=len, default=None)  # {"South Korea", "Korea"}: one country
        one_own = own is not None and all(country in own for country in doc.own_countries)
        if named and size and party_count(named) == size - 1 and one_own and str(own) not in named:
            # "Minister Attends Trilateral Meeting with Japan and the United States": the issuer's side too
            named = join_parties([str(own), *re.split(r",\s+|\s+and\s+(?:the\s+)?", named)])
        if named and size and party_count(named) != size:
            named = None
        return people or named or doc.pair(size)
    return doc.pair(size)


def _titles_only(words: list[str]) -> bool:
    """Whether words are only titles, with a nationality ("US Secretary of State", "Foreign Minister")."""
    return any(w.lower() in _TITLE_WORDS for w in words) and all(
        w.lower() in _TITLE_OR_HONORIFIC or w.lower() in ("of", "the") or w in _DEMONYM for w in words
    )


def _resolve_single(
    phrase: str, doc: DocumentNames, *, conjunct: bool = False, sentence: str = ""
) -> str | None:
    phrase = phrase.strip()
    authored = _DOCUMENT_BY.match(phrase)
    if authored:  # "A report published this month by the Tsukuba Institute": its author speaks
        return _resolve_single(authored.group(1), doc, sentence=sentence)
    given = _ONLY_NAME_GIVEN.search(phrase)
    if (
        given
    ):  # "a retired teacher who gave only her surname, Mak"; "his wife, Mieko": the name the text gives
        return given.group(1)
    kind_then_name = _KIND_THEN_NAME.match(phrase)
    if kind_then_name and kind_then_name.group(1) in ORGANIZATION_NOUNS:
        return institution(kind_then_name.group(2))  # "The Uyghur rights group Open Door Network"
    lowered = phrase.lower()
    without_the = _LEADING_THE.sub("", phrase) if phrase.startswith(("the", "The")) else phrase
    country = _COUNTRY_CANONICAL.get(without_the)
    if country is not None:
        if doc.single_author and country in doc.own_countries and not conjunct:
            return str(doc.author)
        if conjunct:
            return country
        if without_the in _CAPITALS and without_the in _CAPITAL_DEMONYM:
            # "Beijing denies ...": a capital speaking stands for its government (the corpus's usual name)
            return f"{_CAPITAL_DEMONYM[without_the]} government"
        return alias(without_the)
    side = _COUNTRY_SIDE.fullmatch(phrase)
    if side and side.group(1) in _DEMONYM:  # "The Japanese side": Japan's delegation speaking as Japan
        country = _DEMONYM[side.group(1)]
        own = doc.single_author and country in doc.own_countries and not conjunct
        return str(doc.author) if own else country
    # A title alone: "the Secretary", "The prime minister", "The Foreign Minister".
    words = [w for w in phrase.split() if w.lower() not in ("the", "a", "an")]
    if (
        words
        and all(w.lower().rstrip(".") in _TITLE_WORDS or w in _NATIONALITY for w in words)
        and any(w.lower().rstrip(".") in _TITLE_WORDS for w in words)
    ):
        person = doc.by_title(words)
        if person:
            return person
    possessive = _POSSESSIVE_GROUP.match(lowered) if lowered.startswith(("the", "its", "their")) else None
    if possessive:  # "The group's researchers" -> the group
        previous = doc.previous(possessive.group(1))
        if previous:
            return previous
    # (``phrase`` is stripped, so a first word among the determiners is also a prefix of ``lowered``.)
    back = _BACK_REFERENCE.search(lowered) if lowered.startswith(_BACK_REFERENCE_DETERMINERS) else None
    # A generic back-reference ("the foreign ministry", not "the Foreign Ministry"): lower-case words in between.
    if (
        back
        and lowered.split()[0] in _BACK_REFERENCE_DETERMINERS
        and all(w.islower() for w in phrase.split()[1:-1])
    ):
        head = back.group(1)
        if head in _TO_PREVIOUS_SPEAKER:
            previous = doc.previous()
            if previous:
                return previous
        # "The department said" after "The Department of X summoned ...": the body last mentioned, spoken or not.
        previous = doc.previous(head) if head in _PERSON_HEADS else doc.latest_body(head)
        if previous is None and head in _PERSON_HEADS:
            previous = doc.previous()  # "the official" without an earlier official: the last person quoted
        if previous:
            return previous
    spokesperson = _unnamed_spokesperson(phrase, doc)
    if spokesperson:
        return spokesperson
    described = public_group(phrase, sentence)
    if described:
        return described
    anonymous = anonymous_source(phrase, sentence)
    if anonymous:
        generic = _ANONYMOUS_BODY_MEMBER.fullmatch(anonymous)
        previous = doc.previous(generic.group(1)) if generic else None
        if previous:  # "A ministry official" after "South Korea's Unification Ministry said"
            return f"anonymous {previous} {generic.group(2)}"
        return anonymous
    appositive = phrase.rsplit(",", 1)[-1].strip() if "," in phrase else phrase
    if "of" in appositive:
        appositive = _TRAILING_OF_THE.sub("", appositive)
    named_of = _NAME_OF_BODY.match(appositive) if "of" in appositive else None
    if named_of and person_tokens(named_of.group(1)):
        appositive = named_of.group(1)  # "Kenneth Roth of Human Rights Watch" -> "Kenneth Roth"
    shorter = doc.shorter_form_of(without_the)
    if shorter:
        return shorter  # "the Joint Chiefs", "the JCS" after "South Korea's Joint Chiefs of Staff said ..."
    # "The Manila-based Bayside Center for Ocean Law": a body's name, whose last words are no person's.
    named_body = _BODY_WITH_OF.search(phrase) is not None and not _NAME_OF_BODY_PERSON.search(phrase)
    person = None if named_body else person_tokens(appositive)
    if person and len(person) > 2 and _POSSESSIVE_PATTERN.match(_LEADING_DETERMINER.sub("", appositive)):
        person = None  # "India's Computer Emergency Response Team": a country's body, not a person
    if person and (len(person) > 1 or doc.knows_name(person[0])):
        return doc.full_name(" ".join(person))
    if person and _titles_only(appositive.split()[:-1]):
        return person[0]  # "Secretary Alderwick", never named in full: the surname (§6.2)
    body = institution(phrase)
    if _COUNTRYLESS_BODY.match(body) and len(doc.own_countries) == 1:
        # "According to the Ministry of Defense" in Tokyo's statement: Japan's ministry
        adjective = _COUNTRY_ADJECTIVE.get(next(iter(doc.own_countries)))
        if adjective:
            return f"{adjective} {body}"
    if _COUNTRYLESS_BODY.match(body) and not doc.own_countries and doc.dateline_place:
        # "according to the Ministry of Defense" in a story from Tokyo: Japan's ministry
        adjective = _COUNTRY_ADJECTIVE.get(_COUNTRY_CANONICAL.get(doc.dateline_place, ""))
        if adjective:
            return f"{adjective} {body}"
    if lowered in _LOCAL_FORCES:
        # "Police said ..." in a story from Hong Kong: that place's police (the sentence's "In X," first).
        opener = _IN_PLACE_OPENER.match(sentence)
        place = opener.group(1) if opener else doc.dateline_place
        if place:
            country = _COUNTRY_CANONICAL.get(place)
            adjective = _COUNTRY_ADJECTIVE.get(country) if country and place not in _CAPITALS else None
            return f"{adjective or place} {lowered.split()[-1]}"
    if lowered in ("a spokesperson", "a spokesman", "a spokeswoman", "the spokesperson"):
        previous = doc.previous()
        if previous and person_tokens(previous) is None and not previous.startswith("anonymous"):
            return f"{previous} {lowered.split()[-1]}"  # A10: the last body heard from, on the record
        return previous
    return body


# Spelling conventions of the same body or state, folded by lenient comparison (lower case).
_LENIENT_PHRASES = (
    ("u.s.", "us"),
    ("department of state", "state department"),
    ("ministry of foreign affairs", "foreign ministry"),
    ("ministry of national defense", "defense ministry"),
    ("ministry of defense", "defense ministry"),
    ("ministry of defence", "defense ministry"),
    ("department of defense", "defense department"),
)
_FORMAL_STATE = re.compile(
    r"\b(?:people's republic of|democratic people's republic of|republic of|kingdom of|state of)\s+"
)
_OF_PLACE = re.compile(r"^(.+?)\s+of\s+(.+)$")
_MISSION_OF_PLACE = re.compile(
    r"^(embassy|consulate(?: general)?|mission)\s+of\s+(.+?)\s+((?:in|to)\s+\S.*)$"
)


@lru_cache(maxsize=1)
def _lenient_places() -> tuple[re.Pattern[str], dict[str, str]]:
    """Country words (names, capitals, adjectives) and one lower-case key per country, longest words first."""
    places = {word.lower(): country.lower() for word, country in {**_LEXICON.countries, **_DEMONYM}.items()}
    pattern = re.compile(r"(?<![\w.])(?:" + word_alternation(places) + r")(?![\w])")
    return pattern, places


def lenient_speaker(name: str | None) -> str:
    """Looser comparison key than :func:`normalize_speaker`, for spelling conventions annotators split on.

    Drops every "the" and a state's formal style ("Republic of"), writes "U.S." as "US", "Department of State" as
    "State Department" and "Ministry of Foreign Affairs of Japan" like "Japanese Foreign Ministry", and compares
    the parties of a joint statement as a set ("Japan and the European Union" == "European Union and Japan").
    """
    key = normalize_speaker(name)
    for long, short in _LENIENT_PHRASES:
        key = key.replace(long, short)
    pattern, places = _lenient_places()
    key = re.sub(r"(?<=\w)(?<!people)['’]s?(?=\s)", "", key)  # "taiwan's ministry" -> "taiwan ministry"
    key = pattern.sub(lambda m: places[m.group()], re.sub(r"\bthe\s+", "", key))
    key = _FORMAL_STATE.sub("", key)
    moved = _OF_PLACE.match(key)
    if moved and moved.group(2) in places.values():  # "foreign ministry of japan" -> "japan foreign ministry"
        key = f"{moved.group(2)} {moved.group(1)}"
    mission = _MISSION_OF_PLACE.match(key)
    if (
        mission and mission.group(2) in places.values()
    ):  # "embassy of china in japan" -> "china embassy in japan"
        key = f"{mission.group(2)} {mission.group(1)} {mission.group(3)}"
    joint = re.fullmatch(r"(.+?)\s*\((joint [a-z]+)\)", key)
    if joint:
        parties = sorted(p.strip() for p in re.split(r",\s*|\s+and\s+", joint.group(1)) if p.strip())
        key = " | ".join(parties) + f" ({joint.group(2)})"
    return key
