"""Rule-based speaker attribution: who makes the statement in each sentence of a document.

``attribute`` reads a document's sentences in order and returns one :class:`Attribution` per sentence:
the canonical speaker (a person's fullest name in the document, an institution, an anonymous source such as
"anonymous diplomats", the transcript speaker, the issuing author of an official document, or "narrator"), the
exact substring of the sentence that names the source (``mention``), and the rule that decided (``method``).

The rules, in order of precedence for one sentence:

1. Transcript turn: a sentence spoken in a turn (``Moderator: ...``) belongs to the turn's speaker, even when it
   reports what someone else said (the corpus annotates the speaking person).
2. Explicit source named in the sentence: "according to X" (the outer source of a nested report); "X was cited
   (by Y) as saying"; a subject followed by a speech verb ("X said", "X has repeatedly warned", "X, a researcher,
   told"), the first one in the sentence winning so that "X said Y had told him" goes to X; the inversion after
   a quotation ('"...," said X' and '"...," X said'); "what X called".
3. Continued quotation: a sentence inside a quotation that spans sentences, with no source of its own, keeps the
   previous sentence's speaker; a quotation that opens without attribution and closes in the next sentence with
   one takes that speaker.
4. Fallback: the document's issuing author for official documents (readout, joint statement, spokesperson), else
   "narrator".

Mentions are canonicalized within the document: titles are stripped ("Defense Minister Nobuo Kishi" -> "Nobuo
Kishi"); a later surname or title ("Blinken", "Secretary Blinken", "the Secretary") maps to the fullest name seen
in the document; pronouns ("He also said") and back-references ("the ministry", "The statement", "the official")
go to the previous matching speaker; group references ("The two powers", "Both sides", "The ministers") go to the
pair of parties last named together, or to the author of a joint statement.

Run ``python -m src.speakers.attribution`` to score the rules against the annotated corpus.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from src.errors import DiplostanceError
from src.labelling.ingest import (
    DEFAULT_CORPUS_DIR,
    IngestedSentence,
    ingest,
    load_annotations,
    looks_like_heading,
    read_article,
)

__all__ = [
    "Attribution",
    "attribute",
    "document_author",
    "normalize_speaker",
    "lenient_speaker",
    "evaluate_attribution",
    "main",
]

NARRATOR = "narrator"
OFFICIAL_GENRES = frozenset({"readout", "joint_statement", "spokesperson"})


def _words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string."""
    return frozenset(text.split())


def _word_alternation(words: Iterable[str]) -> str:
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


# ----------------------------------------------------------------------------------------------------------------
# Vocabularies
# ----------------------------------------------------------------------------------------------------------------

# Verbs that report a statement. Base forms are included for "did not say"-style negations and present tense
# in editorials ("Japanese officials say").
SPEECH_VERBS = _words(
    "said say says told tell tells stated states announced announces voiced voices noted notes agreed agrees "
    "reaffirmed reaffirms warned warns added adds urged urges called calls described describes accused "
    "accuses condemned condemns insisted insists argued argues stressed stresses expressed expresses "
    "underlined underlines underscored underscores emphasized emphasised emphasizes emphasises welcomed "
    "welcomes rejected rejects dismissed dismisses denied denies pledged pledges vowed vows questioned "
    "questions wrote writes confirmed confirms acknowledged acknowledges claimed claims asserted asserts "
    "maintained maintains criticized criticised criticizes criticises complained complains declared declares "
    "explained explains reported reports estimated estimates raised thanked thanks praised praises protested "
    "protests demanded demands appealed highlighted highlights reiterated reiterates affirmed affirms "
    "committed commits promised promises responded replied suggested suggests predicted hoped hopes cautioned "
    "cautions discussed recalled recalls admitted admits observed remarked signaled signalled "
    "indicated indicates decried deplored objected countered announced shared decided exchanged sought "
    "describe warn argue insist note claim accuse urge condemn reject deny stress express welcome"
)
_HEADLINE_VERBS = _words("says say said warns tells urges vows calls accuses insists")
# A whole word (no letter, apostrophe or hyphen on either side) that is one of the verbs.
_VERB_PATTERN = re.compile(r"(?<![\w'’-])(?:" + _word_alternation(SPEECH_VERBS) + r")(?![\w'’-])")
_HEADLINE_VERB_PATTERN = re.compile(r"(?<![\w'’-])(?:" + _word_alternation(_HEADLINE_VERBS) + r")(?![\w'’-])")
# Words allowed between a subject and its speech verb ("X has also repeatedly warned").
_BETWEEN_SUBJECT_AND_VERB = _words(
    "also again later separately repeatedly privately publicly earlier previously recently has have had will "
    "would could did does do not never already further jointly strongly firmly once both then now"
)
# A verb after one of these is passive or predicative ("was cited", "remains committed"), not a report.
_PASSIVE = _words(
    "was were been be is are being remain remains remained stay stays stayed seem seems seemed appear appears "
    "appeared become becomes became get gets got feel feels felt"
)
# Verb forms that are often nouns or adjectives ("member states", "the protests", "the estimated 80,000",
# "broken promises"): a report only after a name, a pronoun or an adverb.
_AMBIGUOUS_VERBS = _words(
    "states reports claims calls notes thanks protests questions demands estimates promises highlights raises "
    "hopes shares voices commits estimated shared committed reported noted raised"
)
_DETERMINER_BEFORE = _words(
    "the a an its their his her this that these those our my your some any every each"
)
# A verb right after one of these (lower-cased) is a noun, an adjective or an infinitive, not a report.
_NOT_BEFORE_REPORT = _DETERMINER_BEFORE | {"to", "be", "been"}
# Words that cannot sit inside a subject noun phrase: auxiliaries and subordinators mean a clause.
_CLAUSE_WORDS = _words(
    "was were is are has have had will would can could should must may might as while when because since "
    "although though if after before until whereas does did"
)
_CLAUSE_WORDS_OR_RELATIVES = _CLAUSE_WORDS | {"that", "which", "whose"}
_FUNCTION_END = _words("and or but the a an of to in on at for with by from that as than into")
_PRONOUNS = _words("he she they it He She They It")
# Words a subject may not start with: a subject beginning with one is a clause fragment, not a noun phrase.
_NON_SUBJECT_START = _words(
    "in on at within after before during and but as while when with for from by of to that which who whom "
    "since despite although though if because so yet then now still also even only what where how why "
    "whether than into over under through without against between among amid including is are was were"
)
_LEADING_CONNECTIVES = re.compile(
    r"^(?:(?:but|and|yet|so|however|meanwhile|still|separately|instead)\b,?\s+)+", re.IGNORECASE
)
_INDEFINITE = _words("a an one two three four five several some many other")
_INDEFINITE_OR_THE = _INDEFINITE | {"the"}
# Nouns that make a nameless source anonymous ("Diplomats said", "A senior official said").
_ANONYMOUS_HEADS = _words(
    "official officials diplomat diplomats analyst analysts expert experts source sources executive executives "
    "volunteer volunteers adviser advisers advisor advisors person people insider insiders officer officers "
    "aide aides lawmaker lawmakers observer observers researcher researchers worker workers employee employees "
    "marine marines soldier soldiers member members wife husband relative relatives resident residents "
    "advocates activists publisher publishers journalist journalists lawyer lawyers"
)
# Adjectives dropped from anonymous sources: "A senior Japanese official" -> "anonymous Japanese official".
_ANONYMOUS_DROP = _words("senior regional top several some many other unnamed certain")
# Group references that stand for parties named together earlier ("The two powers", "Both sides").
_GROUP_REFERENCE = re.compile(
    r"(?:the|both|all)\s+(?:(?:two|three|four|both|foreign|defense|defence|trade|finance)\s+)*"
    r"(?:powers|countries|countries'\s+\w+|sides|ministers|leaders|governments|delegates|delegations|"
    r"nations|allies|partners|parties|secretaries)\b|both sides|both governments|the two|the pair|the ministers",
    re.IGNORECASE,
)
# Heads of back-references resolved to the last speaker whose name contains them ("the ministry").
_BACK_REFERENCE = re.compile(
    r"(?:the|this|that|its|their)\s+(?:[a-z\-]+\s+){0,2}"
    r"(ministry|department|embassy|agency|office|group|organization|organisation|statement|report|bloc|"
    r"official|spokesman|spokeswoman|spokesperson|student|center|centre|institute|council|commission|"
    r"government|fleet|coast guard|navy|military|army|survey|study|committee|delegation|court|diplomat|"
    r"researcher|analyst|lawyer|researchers)$",
    re.IGNORECASE,
)
# Back-reference heads that denote a person rather than a body.
_PERSON_HEADS = _words(
    "official spokesman spokeswoman spokesperson student researcher analyst diplomat lawyer"
)
# Words that are titles or descriptions, never part of a person's name.
_TITLE_WORDS = _words(
    "secretary minister president vice prime foreign defense defence deputy chief cabinet spokesperson "
    "spokesman spokeswoman ambassador envoy state general admiral commander commodore captain colonel "
    "lieutenant lt gen adm col capt sen rep senator representative governor chairman chairwoman chair "
    "director professor prof dr dr. mr mr. mrs mrs. ms ms. legislator superintendent senior assistant first "
    "under trade economy industry home affairs national security adviser advisor press counselor counsellor "
    "host moderator special high commissioner rapporteur mayor premier chancellor lawmaker leader head officer "
    "coordinator undersecretary secretary-general justice interior finance commerce environment unification "
    "environmental foreign-policy army navy air force marine police grape grower researcher analyst executive "
    "director-general lieutenant-general major-general rear vice-admiral sergeant private retired ret. former "
    "acting interim parliamentary party member official officials"
)
_HONORIFICS = _words("hon mr mrs ms dr")
_NATIONALITY = _words(
    "US U.S. American Japanese Chinese South North Korean British Australian Philippine Indian EU UN"
)
# Tokens that make a capitalized run a place or an institution rather than a person.
_NOT_NAME_WORDS = _words(
    "United States Kingdom Union European Nations Republic People's Democratic Korea Korean China Chinese Japan "
    "Japanese America American Americans US U.S. USA UK EU UN Australia Australian Britain British India Indian "
    "Russia Russian Taiwan Taiwanese Philippines Philippine Vietnam Vietnamese Canada Canadian France French "
    "Germany German Italy Italian ASEAN NATO G7 G20 Quad AUKUS Beijing Tokyo Washington Seoul Pyongyang Moscow "
    "Manila Taipei Canberra London Brussels Paris Berlin Hanoi Delhi Hong Kong Macau Xinjiang Tibet Okinawa "
    "North South East West Sea Strait Straits Island Islands Peninsula Pacific Indo-Pacific Asia Asian Europe "
    "Africa Ministry Department Council Office Agency Guard Coast Forces Force Institute Center Centre Group "
    "Committee Commission Assembly House Senate Congress Parliament Embassy Government Navy Army Police Court "
    "Party Communist National International Human Rights Watch University Times Post Daily News Service Bureau "
    "Dialogue Summit Meeting Conference Statement Treaty Alliance Foreign Affairs Defense Defence Security "
    "Pentagon State Self-Defense Fleet Administration Authority Network Foundation Fund Bank Association "
    "Organization Organisation Society Alliance Coalition Initiative Program Programme Project Review Journal "
    "Ledger Wire Dispatch Tribune Herald Standard Signal Crossroads Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday January February March April May June July August September October November December "
    "The A An In On At This That These Those It He She They We I Our Their His Her"
)
_NAME_TOKEN = r"(?:[A-Z][a-zA-Z'’]+(?:-[A-Za-z][a-zA-Z'’]*)*|[A-Z]\.)"
_NAME_TOKEN_RE = re.compile(_NAME_TOKEN)
# A run of name tokens not preceded by a word character or a dot. The run's first capital is matched before the
# look-behind (which then checks the character before that capital; the rest of the first token follows): a
# pattern that starts with a character class lets `re` skip straight to capitals, twice as fast as starting
# with the look-behind. Group 1, the tokens after the first, is None for a one-word run.
_CAPITALIZED_RUN = re.compile(
    rf"[A-Z](?<![\w.][A-Z])(?:[a-zA-Z'’]+(?:-[A-Za-z][a-zA-Z'’]*)*|\.)((?:\s+{_NAME_TOKEN})+)?"
)
# fmt: off
# Country (or capital) words for parties of joint statements and conjunctions, with their canonical names.
_COUNTRY_CANONICAL = {
    "United States": "United States", "U.S.": "United States", "US": "United States", "USA": "United States",
    "America": "United States", "Washington": "United States", "Japan": "Japan", "Tokyo": "Japan",
    "Republic of Korea": "South Korea", "South Korea": "South Korea", "ROK": "South Korea",
    "Seoul": "South Korea", "People's Republic of China": "China", "China": "China", "PRC": "China",
    "Beijing": "China", "Australia": "Australia", "Canberra": "Australia", "United Kingdom": "United Kingdom",
    "UK": "United Kingdom", "Britain": "United Kingdom", "London": "United Kingdom",
    "European Union": "European Union", "EU": "European Union", "Brussels": "European Union",
    "India": "India", "Philippines": "Philippines", "Manila": "Philippines", "Canada": "Canada",
    "New Zealand": "New Zealand", "France": "France", "Germany": "Germany", "Italy": "Italy",
    "Taiwan": "Taiwan", "Taipei": "Taiwan", "Vietnam": "Vietnam", "Russia": "Russia", "Moscow": "Russia",
    "North Korea": "North Korea", "Pyongyang": "North Korea", "ASEAN": "ASEAN",
}
# The longest country word that is not followed by a word character (the factored alternation tries longer
# words first, as a longest-first list would).
_COUNTRY_PATTERN = re.compile(r"(?<![\w.])(" + _word_alternation(_COUNTRY_CANONICAL) + r")(?![\w])")
_CAPITALS = _words("Washington Tokyo Seoul Beijing Canberra London Brussels Manila Taipei Moscow Pyongyang")
_THE_PARTIES = frozenset({"United States", "United Kingdom", "European Union", "Philippines"})
# Nationality words of joint actors ("US and Japanese officials" -> "United States and Japan").
_DEMONYM = {
    "US": "United States", "U.S.": "United States", "American": "United States", "Japanese": "Japan",
    "South Korean": "South Korea", "Chinese": "China", "Australian": "Australia", "British": "United Kingdom",
    "European": "European Union", "EU": "European Union", "Philippine": "Philippines", "Indian": "India",
}
_CAPITAL_DEMONYM = {
    "Washington": "US", "Tokyo": "Japanese", "Beijing": "Chinese", "Seoul": "South Korean",
    "Canberra": "Australian", "London": "British", "Manila": "Philippine", "Taipei": "Taiwanese",
    "Moscow": "Russian", "Brussels": "EU",
}
# Possessive places in institution names: "China's foreign ministry" -> "Chinese foreign ministry".
_POSSESSIVE_ADJECTIVE = {
    "China's": "Chinese", "Beijing's": "Chinese", "Japan's": "Japanese", "Tokyo's": "Japanese",
    "South Korea's": "South Korean", "Seoul's": "South Korean", "North Korea's": "North Korean",
    "Pyongyang's": "North Korean", "Russia's": "Russian", "Moscow's": "Russian", "Australia's": "Australian",
    "Canberra's": "Australian", "India's": "Indian", "Vietnam's": "Vietnamese", "Hong Kong's": "Hong Kong",
    "the Philippines'": "Philippine", "Philippines'": "Philippine", "Manila's": "Philippine",
}
# fmt: on
_POSSESSIVE_PATTERN = re.compile(
    r"^(" + "|".join(re.escape(k) for k in sorted(_POSSESSIVE_ADJECTIVE, key=len, reverse=True)) + r")\s+"
)
# fmt: off
_COUNTRY_ADJECTIVE = {
    "Japan": "Japanese", "China": "Chinese", "People's Republic of China": "Chinese",
    "Republic of Korea": "South Korean", "Korea": "South Korean", "United States": "US",
    "Australia": "Australian", "United Kingdom": "UK", "India": "Indian", "Philippines": "Philippine",
    "Russia": "Russian",
}
# fmt: on
# Names institutions go by in this corpus's conventions (keys compared case-insensitively).
_ALIASES = {
    "state department": "US State Department",
    "us department of state": "US State Department",
    "u.s. department of state": "U.S. State Department",
    "chinese ministry of foreign affairs": "Chinese Foreign Ministry",
    "eu": "European Union",
    "european external action service": "European Union",
    "un": "United Nations",
    "united states": "United States",
    "u.s.": "United States",
    "us": "United States",
}

# ----------------------------------------------------------------------------------------------------------------
# Patterns over a sentence with its quotations masked
# ----------------------------------------------------------------------------------------------------------------

_MASK = "\x00"
_ASCII_LETTERS = string.ascii_letters
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_ACCORDING_TO = re.compile(r"\baccording to\s+([^,;:\x00]{2,160}?)(?=\s*[,;:.]\s|\s*[.;]?$|\s*\x00)")
_BY_ENTITY = re.compile(rf"\bby\s+((?:the\s+)?{_NAME_TOKEN}(?:\s+(?:of\s+|for\s+|and\s+)?{_NAME_TOKEN})*)")
_ACCORDING_TO_CUT = re.compile(r"\s+(?:that|which|who|whose|after|on|last|earlier|this)\b")
_CITED = re.compile(r"\b(?:was|were)\s+(?:cited|quoted)\b")
_BY_NEXT = re.compile(r"\s+by\b")
_WHAT_CALLED = re.compile(
    r"\bwhat\s+((?:the\s+)?[A-Za-z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,5})\s+"
    r"(?:called|calls|described as|describes as|termed|terms|dubbed)\b"
)
# A report by participle after the main clause: "China's Foreign Ministry hit back, accusing London of ...".
_PARTICIPLE = re.compile(
    r",\s+(?:accusing|saying|adding|warning|calling|voicing|noting|urging|describing|stressing|insisting|"
    r"arguing|claiming|condemning|rejecting|vowing|pledging)\b"
)
# The main subject: words up to the first verb-like lower-case word (a past tense or a common irregular verb).
_MAIN_SUBJECT = re.compile(
    r"((?:[A-Z][\w'’.\-]*|the|of|and|for|on|in|defense|defence|foreign|ministers?|officials?|leaders?|"
    r"spokes(?:man|woman|person)|ministry|government|embassy|delegation)(?:\s+(?:[A-Z][\w'’.\-]*|the|of|and|for|"
    r"defense|defence|foreign|ministers?|officials?|leaders?|spokes(?:man|woman|person)|ministry|government|"
    r"embassy|delegation)){0,11})\s+(?:also\s+|quickly\s+|later\s+)?"
    r"(?:[a-z]+ed|met|hit|held|took|made|gave|sent|began|spoke|came|went|struck|fought)\b"
)
_OFFICIAL_SUBJECT = re.compile(
    r"^((?:They|Both (?:sides|ministers|leaders|secretaries|governments|countries)|The (?:two |three |four )?"
    r"(?:[Ll]eaders|[Mm]inisters|[Ss]ides|[Pp]arties|[Ss]ecretaries|[Dd]elegations|[Pp]articipants|countries)|"
    r"The EU|The European Union|The United States))(?!\s+(?:and|of|or)\b)(?=\s+(?:also\s+|further\s+|strongly\s+)?[a-z])"
)
_SUBORDINATE_CUT = re.compile(r"\s+(?:because|as|since|after|for fear)\b")
_RELATIVE_CUT = re.compile(r"\s+(?:that|which|who|whom|whose|on condition|speaking|because)\b.*$")
_TRAILING_OF_THE = re.compile(r"\s+of\s+the\s+[a-z].*$")
_SELF_INTRODUCTION = re.compile(rf"\b(?:I am|I'm|my name is)\s+({_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,3}})")
_QUOTE_OPEN_CHARS = '"“‘'
_DOUBLE_QUOTE = re.compile(r"''|[\"“”]")
# Nouns ending in "-ly" that are not adverbs ("North Korea's main ally, said").
_LY_NOUNS = _words("ally family assembly rally supply reply anomaly monopoly belly bully jelly lily")
_PARENTHETICAL = re.compile(r"\s*\([^()]*\)")
_PARENTHESIZED = re.compile(r"\(([^()]*)\)")


def _may_introduce_self(text: str) -> bool:
    """Cheap test implied by a ``_SELF_INTRODUCTION`` match (its literal alternatives), run before the regex."""
    return "I am" in text or "I'm" in text or "my name is" in text


def _mask_quotes(text: str, closes_unopened: bool) -> str:
    """``text`` with every quotation (marks included) replaced by NUL characters, offsets preserved.

    A quotation left open at the end masks to the end; a sentence that starts inside a quotation (it closes one
    it did not open: 'General assurances are not enough," said X', ``closes_unopened`` from
    :func:`_quote_balance`) masks from its start. Double quotes only (single quotes are apostrophes too often to
    mask safely).
    """
    if '"' not in text and "“" not in text and "''" not in text:
        return text
    pieces: list[str] = []
    open_at = 0 if closes_unopened else -1  # -1: outside a quotation
    done = 0
    for mark in _DOUBLE_QUOTE.finditer(text):
        char = mark.group()
        if open_at < 0 and char != "”":
            open_at = mark.start()
        elif open_at >= 0 and char != "“":
            pieces.append(text[done:open_at] + _MASK * (mark.end() - open_at))
            done, open_at = mark.end(), -1
    if open_at >= 0:
        pieces.append(text[done:open_at] + _MASK * (len(text) - open_at))
        done = len(text)
    pieces.append(text[done:])
    return "".join(pieces)


def _quote_balance(text: str) -> tuple[bool, bool]:
    """``(opens_unclosed, closes_unopened)``: whether the sentence leaves a quotation open, or closes one."""
    if '"' not in text and "“" not in text and "”" not in text and "''" not in text:
        return (False, False)  # no quotation marks at all (most sentences): nothing opens or closes
    straight = text.count('"') + text.count("''")
    opens = text.count("“")
    closes = text.count("”")
    first = text.lstrip()[:1]
    if straight % 2 == 1:
        return (first in '"“', first not in '"“')
    if opens != closes:
        return (opens > closes, closes > opens)
    return (False, False)


# ----------------------------------------------------------------------------------------------------------------
# Document state: names seen, speakers so far
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class _Document:
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
    turn_names: dict[str, str] = field(default_factory=dict)  # turn label -> speaker
    label_speakers: dict[str, str] = field(default_factory=dict)  # turn label -> speaker it names (memo)
    titled: set[str] = field(default_factory=set)  # names written right after a title ("Minister Hayashi")
    unregistered: list[str] = field(default_factory=list)  # texts whose names are not recorded yet, in order
    # name token -> (fullest name with it, full names) from just the unregistered texts that contain the token
    names_by_token: dict[str, tuple[str | None, dict[str, set[str]]]] = field(default_factory=dict)

    @cached_property
    def own_countries(self) -> set[str]:
        """Countries whose name stands for a single author in its own statement."""
        return _own_country(self.author)

    @property
    def single_author(self) -> bool:
        """An official document issued by one body (whose own country's name stands for it)."""
        return (
            bool(self.author)
            and self.genre in OFFICIAL_GENRES
            and "(joint statement)" not in str(self.author)
        )

    def pair(self) -> str | None:
        """Parties last acting together: the latest joint speaker, else the latest countries named together."""
        for speaker in reversed(self.speakers):
            # _parties joins two or more countries with " and ": a speaker without it cannot be a pair.
            if " and " in speaker and "(" not in speaker and _parties(speaker) == speaker:
                return speaker
        return self.named_pair()

    def named_pair(self) -> str | None:
        """The parties last named together in the sentences read so far (or the last joint speaker after them).

        Only group references ask for this, so sentences are searched lazily, latest first: the first one that
        names parties together decides, and earlier ones cannot change the answer.
        """
        while self.unscanned:
            pair = _last_pair_named(self.unscanned.pop())
            if pair is not None:
                self.last_pair = pair
                self.unscanned.clear()
        return self.last_pair

    def read(self, text: str, speaker: str | None) -> None:
        """Note a sentence after attributing it (``speaker``: its explicit speaker, if any)."""
        if speaker is not None:
            self.speakers.append(speaker)
            if " and " in speaker and "(" not in speaker:
                self.last_pair = speaker  # parties acting together, more recent than any earlier sentence
                self.unscanned.clear()
        self.unscanned.append(text)

    def persons_pair(self) -> str | None:
        """The first two people named with a title ("A and B" of a readout of their meeting)."""
        self._register_queued()
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
        State Daniel Whitcomb" -> {"secretary", "of", "state"}).
        """
        for run in _CAPITALIZED_RUN.finditer(text):
            if run.lastindex is None:
                continue  # most runs are one word ("The", "Japan"), and a name has two or three
            tokens = run.group(0).split()
            if tokens[-1].endswith(("'s", "’s")):
                # "Secretary of Defense Martin Hale's Meeting": the name is the part before "'s".
                tokens[-1] = tokens[-1][:-2]
            # The name is the longest tail of the run without a title, place or institution word; it needs two
            # words, so most runs ("The United States", "Foreign Minister") are rejected on their last two.
            if tokens[-1].endswith(".") or _stops_name(tokens[-1]) or _stops_name(tokens[-2]):
                continue
            cut = len(tokens) - 2
            while cut and not _stops_name(tokens[cut - 1]):
                cut -= 1
            name, tokens = tokens[cut:], tokens[:cut]
            if len(name) > 3 or name[0].endswith("."):
                continue
            full = " ".join(name)
            context = text[max(0, run.start() - 40) : run.start()].split()[-4:] + tokens
            if full not in self.titles:
                self.titles[full] = set()
                self.order.append(full)
            if context and context[-1].lower().rstrip(".,") in _TITLE_OR_HONORIFIC:
                self.titled.add(full)
            self.titles[full].update(w.lower().rstrip(".,") for w in context)
            for token in name:
                if len(token) > 2 and len(self.names.get(token, "")) < len(full):
                    self.names[token] = full

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
            part = _Document(genre=self.genre, author=self.author, title=self.title)
            for text in self.unregistered:
                if token in text:
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

    def previous(self, head: str | None = None) -> str | None:
        """The most recent explicit speaker, or the most recent one whose name contains ``head``."""
        for speaker in reversed(self.speakers):
            if speaker == NARRATOR:
                continue
            if head is None or head.lower() in speaker.lower():
                return speaker
        return None


_TITLE_OR_HONORIFIC = _TITLE_WORDS | _HONORIFICS


@lru_cache(maxsize=8192)
def _stops_name(token: str) -> bool:
    """Whether a word of a capitalized run cannot be part of the person name that ends the run.

    Titles ("Secretary", "Dr."), place and institution words ("Japan", "Ministry") and possessives end the name.
    Cached: the same capitalized words recur in every document.
    """
    return (
        token.lower().rstrip(".") in _TITLE_WORDS or token in _NOT_NAME_WORDS or token.endswith(("'s", "’s"))
    )


def _own_country(author: str | None) -> set[str]:
    """Country names that stand for the author in its own statement ("China" in a Chinese ministry's text)."""
    if not author:
        return set()
    found = set()
    for country, adjective in _COUNTRY_ADJECTIVE.items():
        if re.search(rf"\b{re.escape(adjective)}\b|\b{re.escape(country)}\b", author):
            found.add(_COUNTRY_CANONICAL.get(country, country))
    if re.search(r"\bU\.?S\.?\b", author):
        found.add("United States")
    return found


# ----------------------------------------------------------------------------------------------------------------
# Canonical names
# ----------------------------------------------------------------------------------------------------------------


def normalize_speaker(name: str | None) -> str:
    """Light normalization for comparing speakers: case, surrounding space, a leading "the"."""
    if name is None:
        return ""
    name = " ".join(name.split()).lower()
    return name[4:] if name.startswith("the ") else name


def _alias(name: str) -> str:
    return _ALIASES.get(name.lower(), name)


def _person_tokens(phrase: str) -> list[str] | None:
    """The name at the end of a phrase ("US Secretary of State Antony Blinken" -> ["Antony", "Blinken"]).

    Returns ``None`` when the phrase does not end in a person's name (an institution, a place, a description).
    """
    if "(" in phrase:
        phrase = _PARENTHETICAL.sub("", phrase)
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
    """Whether a word is shaped like a name token and is not a title ("Blinken", "O'Neill", "Tae-sik", "J.").

    Cached: the same words recur in every document.
    """
    return _NAME_TOKEN_RE.fullmatch(word) is not None and word.lower().rstrip(".") not in _TITLE_WORDS


_SPOKESPERSON_FOR = re.compile(r"(?:an?|the)\s+spokes(?:person|man|woman)\s+for\s+(.+)$", re.I)
_SPOKESPERSON_OR_REPRESENTATIVE_FOR = re.compile(
    r"(?:an?|the)\s+(?:spokes(?:person|man|woman)|representative)\s+for\s+(.+)$", re.I
)
_LEADING_DETERMINER = re.compile(r"^(?:the|The|an?|An?|[Ss]everal|[Ss]ome|[Mm]any|[Tt]wo|[Tt]hree)\s+")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")


def _institution(phrase: str) -> str:
    """Canonical institution name: no article, possessive place as adjective, corpus aliases."""
    phrase = phrase.strip().rstrip(",")
    spokes = _SPOKESPERSON_OR_REPRESENTATIVE_FOR.match(phrase)
    if spokes:
        phrase = spokes.group(1)
    phrase = _LEADING_DETERMINER.sub("", phrase)
    match = _POSSESSIVE_PATTERN.match(phrase)
    if match:
        phrase = _POSSESSIVE_ADJECTIVE[match.group(1)] + " " + phrase[match.end() :]
    return _alias(phrase)


_ANONYMOUS_QUALIFIER_CUT = re.compile(r"\s+(?:in|at|from|familiar|with|who|on|close|based)\b.*$")
_IN_PLACE = re.compile(r"\bin\s+([A-Z]\w+)")
_UNQUALIFIED_STATE_DEPARTMENT = re.compile(r"(?<!US )(?<!U\.S\. )\bState Department\b")


def _anonymous(phrase: str) -> str | None:
    """ "anonymous ..." for a nameless source ("Two diplomats familiar with ..." -> "anonymous diplomats")."""
    if _ANONYMOUS_HEADS.isdisjoint(phrase.lower().split()):
        # The cuts below only drop trailing words, so the head checked after them is one of these words.
        return None
    core = _RELATIVE_CUT.sub("", phrase)
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


# ----------------------------------------------------------------------------------------------------------------
# Finding the mention in a sentence
# ----------------------------------------------------------------------------------------------------------------


def _is_bare_name(segment: str) -> bool:
    tokens = segment.split()
    return 1 <= len(tokens) <= 5 and all(_NAME_TOKEN_RE.fullmatch(t) for t in tokens)


def _is_clause(segment: str) -> bool:
    """An appositive or relative clause after a name ("a researcher at ...", "who spoke", "67", "explaining ...")."""
    words = segment.split()
    if not words:
        return True
    first = words[0]
    return (
        first[0].islower() or first[0].isdigit() or first.lower() in ("a", "an", "the", "its", "his", "her")
    )


def _letters_ending_at(text: str, end: int, low: int) -> int:
    """Start of the run of ASCII letters that ends at offset ``end`` of ``text``, not before ``low``.

    Equals ``end`` when no letter precedes it. (A regex such as ``[A-Za-z]+$`` finds the same word, but a search
    for it tries every start position and is ten times slower.)
    """
    return low + len(text[low:end].rstrip(_ASCII_LETTERS))


def _subject_before(masked: str, end: int) -> tuple[int, int] | None:
    """Span of the subject noun phrase that ends just before offset ``end`` (the speech verb), or ``None``."""
    before = masked[:end]
    # Drop adverbs and auxiliaries between subject and verb. ``before[:stop]`` never ends in whitespace.
    stop = len(before.rstrip())
    while True:
        word_start = _letters_ending_at(before, stop, max(0, stop - 40))
        word = before[word_start:stop]
        if not word or (word.lower() not in _BETWEEN_SUBJECT_AND_VERB and not _is_adverb(word)):
            break
        stop = len(before[:word_start].rstrip())
    text = before[:stop]
    # The last word before any trailing commas ("Kenta Oshiro, a researcher," -> "researcher"); without a
    # trailing comma it is the word that ended the loop above.
    last_word = word
    if text.endswith(","):
        word_end = len(text)
        while word_end and (text[word_end - 1] == "," or text[word_end - 1].isspace()):
            word_end -= 1
        last_word = text[_letters_ending_at(text, word_end, max(0, len(text) - 40)) : word_end]
    if not last_word or last_word in _PASSIVE:
        return None
    start = text.rfind(_MASK) + 1
    trailing_comma = text.endswith(",")  # (``text`` has no trailing whitespace)
    body = text[start:].rstrip(",")
    # Comma-separated segments of the body, stripped, with their offsets in ``masked``.
    segments: list[tuple[int, str]] = []
    offset = start
    for part in body.split(","):
        stripped = part.strip()
        if stripped:
            segments.append((offset + len(part) - len(part.lstrip()), stripped))
        offset += len(part) + 1
    if not segments:
        return None
    if trailing_comma and len(segments) >= 2:
        (a_start, a), (b_start, b) = segments[-2], segments[-1]
        lead = _LEADING_CONNECTIVES.match(a)
        if lead:
            a_start, a = a_start + lead.end(), a[lead.end() :]
        if _is_bare_name(b) and not _is_bare_name(a) and not _is_intro(a):
            chosen = (a_start, b_start + len(b))  # "Japan's ambassador, Hideo Kuroiwa, told"
        elif _is_clause(b) or (_is_bare_name(a) and not _is_bare_name(b)):
            chosen = (a_start, a_start + len(a))  # "Kenta Oshiro, a researcher in Naha, said"
        else:
            chosen = (b_start, b_start + len(b))
    else:
        s, p = segments[-1]
        chosen = (s, s + len(p))
    s, e = chosen
    phrase = masked[s:e]
    lead = _LEADING_CONNECTIVES.match(phrase)
    if lead:
        s += lead.end()
        phrase = masked[s:e]
    words = phrase.split()
    if not words or len(words) > 14 or _MASK in phrase:
        return None
    if words[0].lower() in _NON_SUBJECT_START or words[-1].endswith(("'s", "’s")):
        return None
    for left, right in zip(words, words[1:], strict=False):
        # "an event Beijing [described]", "the autonomy it [pledged]": a relative clause without "that".
        if left.endswith(","):
            continue  # an appositive boundary: "a spokeswoman, Qiao Meilan"
        if right in ("it", "he", "she", "they", "we", "I") or (
            left.islower()
            and right[:1].isupper()
            and left not in _TITLE_WORDS
            and left not in _FUNCTION_END
            and not left.endswith(("'s", "’s", "s'"))
        ):
            return None
    if "who" in words[1:]:
        # "A Hong Kong publisher who asked not to be named ... said": keep the noun phrase and its relative clause
        # up to a subordinate clause, as annotators do.
        cut = _SUBORDINATE_CUT.search(phrase)
        if cut:
            e = s + cut.start()
            phrase = masked[s:e]
        return (s, e) if words[0].lower() in _INDEFINITE_OR_THE or words[0][0].isupper() else None
    if not _CLAUSE_WORDS_OR_RELATIVES.isdisjoint(words[1:]):
        return None  # a clause, not a noun phrase ("a deal that survivors' groups say", "It was ...")
    if words[-1].lower() in _FUNCTION_END:
        return None  # "The Chinese side presented its achievements and [stated]": a second verb
    if not (words[0][0].isupper() or words[0] in _PRONOUNS or words[0].islower()):
        return None
    return s, e


def _is_adverb(word: str) -> bool:
    """A lower-case "-ly" adverb between subject and verb ("China solemnly declares")."""
    return word.islower() and word.endswith("ly") and word not in _LY_NOUNS


def _is_intro(segment: str) -> bool:
    first = segment.split()[0] if segment.split() else ""
    return first.lower() in _NON_SUBJECT_START or first.lower() in ("asked", "speaking", "earlier", "later")


def _object_after(text: str, start: int) -> tuple[int, int] | None:
    """Span of the noun phrase after an inverted verb ('"...," said X, a researcher' -> X)."""
    rest = text[start:]
    lead = len(rest) - len(rest.lstrip())
    match = re.match(r"[^,.;:\x00]+", rest[lead:])
    if match is None:
        return None
    phrase = _RELATIVE_CUT.sub("", match.group(0)).rstrip()
    phrase = re.sub(
        r"\s+(?:in a statement|in an interview|at a|on (?:Monday|Tuesday|Wednesday|Thursday|Friday|"
        r"Saturday|Sunday)|during|before|after|told|adding)\b.*$",
        "",
        phrase,
    )
    if not phrase or len(phrase.split()) > 12:
        return None
    s = start + lead
    return s, s + len(phrase)


class _Found(NamedTuple):
    """A source phrase found in a sentence (a named tuple: cheaper to build than a frozen dataclass)."""

    start: int
    end: int
    method: str


# For _speech_verb_spans: ASCII characters that may not border a verb (all but [A-Za-z0-9_'-], the ASCII part of
# the patterns' [\w'’-]) become spaces.
_ASCII_VERB_CHARS = (string.ascii_letters + string.digits + "_'-").encode()
_ASCII_NON_VERB_TO_SPACE = bytes(c if c in _ASCII_VERB_CHARS else ord(" ") for c in range(256))
_SPEECH_VERB_BYTES = frozenset(verb.encode() for verb in SPEECH_VERBS)
_HEADLINE_VERB_BYTES = frozenset(verb.encode() for verb in _HEADLINE_VERBS)


def _speech_verb_spans(masked: str, heading: bool) -> list[tuple[int, int]]:
    """Spans of the speech verbs in ``masked``, in order: the matches of ``_VERB_PATTERN``
    (``_HEADLINE_VERB_PATTERN`` in a heading).

    ASCII text (nearly every sentence) is searched without the regex, about twice as fast: once every character
    that may not border a verb is a space, the verbs are exactly the space-separated words in the verb list.
    """
    if not masked.isascii():
        return [
            match.span() for match in (_HEADLINE_VERB_PATTERN if heading else _VERB_PATTERN).finditer(masked)
        ]
    words = masked.encode().translate(_ASCII_NON_VERB_TO_SPACE)
    present = (_HEADLINE_VERB_BYTES if heading else _SPEECH_VERB_BYTES).intersection(words.split())
    if not present:
        return []
    padded = b" " + words + b" "
    spans = []
    for verb in present:
        key = b" " + verb + b" "
        at = padded.find(key)
        while at >= 0:
            spans.append((at, at + len(verb)))  # ``at`` in ``padded`` is the verb's offset in ``masked``
            at = padded.find(key, at + len(verb) + 1)
    spans.sort()
    return spans


def _find_source(text: str, *, heading: bool, closes_unopened: bool) -> _Found | None:
    """Locate the phrase naming the sentence's source (see the module docstring for the precedence).

    In a headline or cross-head only "says"-type verbs count: "Tokyo protests Seoul court's ruling" reports an
    action, "Rights group says ..." a statement. ``closes_unopened`` is the sentence's second
    :func:`_quote_balance` flag (it starts inside a quotation).
    """
    masked = _mask_quotes(text, closes_unopened)
    # Each regex below runs only when the literal words it requires are present: most sentences have none.
    match = _ACCORDING_TO.search(masked) if "according to" in masked else None
    if match:
        s, e = match.span(1)
        phrase = masked[s:e]
        by = _BY_ENTITY.search(phrase)
        if by and by.group(1).split()[-1][0].isupper():  # "a report released by Open Witness Asia"
            return _Found(s + by.start(1), s + by.end(1), "according_to")
        cut = _ACCORDING_TO_CUT.search(phrase)
        if cut:
            e = s + cut.start()
        return _Found(s, e, "according_to")
    cited = _CITED.search(masked) if "cited" in masked or "quoted" in masked else None
    if cited:  # "Blinken was cited by Kyodo as saying": the subject before "was"
        head = masked[: cited.start()].rstrip()
        start = max(head.rfind(",") + 1, head.rfind(_MASK) + 1)
        lead = _LEADING_CONNECTIVES.match(head[start:].lstrip())
        s = start + len(head[start:]) - len(head[start:].lstrip()) + (lead.end() if lead else 0)
        if s < len(head):
            return _Found(s, len(head), "cited_as_saying")
    for verb_start, verb_end in _speech_verb_spans(masked, heading):
        # The words in the 40 characters before the verb.
        before = _WORD.findall(masked, max(0, verb_start - 40), verb_start)
        previous_word = before[-1] if before else ""
        if previous_word.lower() in _NOT_BEFORE_REPORT:
            continue  # "the estimated 80,000", "to describe", "been described": not a report
        verb = masked[verb_start:verb_end]
        if verb in _AMBIGUOUS_VERBS and verb.endswith("s"):
            after_noun = previous_word[:1].islower() and previous_word not in _PRONOUNS
            if (
                after_noun
                and not _is_adverb(previous_word)
                and previous_word not in _BETWEEN_SUBJECT_AND_VERB
            ):
                continue  # "member states", "broken promises": a plural noun
        if _BY_NEXT.match(masked, verb_end):
            continue  # "a demand now shared by ...": a passive participle
        prefix = masked[:verb_start]
        if not prefix.replace(_MASK, "").strip(" ,;:—–-"):
            span = _object_after(masked, verb_end)  # '"...," said X'
            if span:
                return _Found(span[0], span[1], "quote_inversion")
            continue
        span = _subject_before(masked, verb_start)
        if span is not None:
            method = "quote_inversion" if _MASK in prefix else "subject_verb"
            return _Found(span[0], span[1], method)
    called = _WHAT_CALLED.search(masked) if "what" in masked else None
    if called:
        return _Found(called.start(1), called.end(1), "what_x_called")
    if not heading and _PARTICIPLE.search(masked):
        subject = _MAIN_SUBJECT.match(masked)
        if subject and _valid_subject(subject.group(1)):
            return _Found(subject.start(1), subject.end(1), "participle")
    return None


def _valid_subject(phrase: str) -> bool:
    """A plausible subject noun phrase for the participle rule (short, starting like a noun phrase)."""
    words = phrase.split()
    return 1 <= len(words) <= 12 and words[0].lower() not in _NON_SUBJECT_START and _MASK not in phrase


def _official_subject(text: str) -> _Found | None:
    """In an official document, a sentence-initial group or party ("They", "The leaders", "The EU") is its
    source even with a verb that is not a speech verb ("The leaders remained concerned ...")."""
    match = _OFFICIAL_SUBJECT.match(text)
    return _Found(match.start(1), match.end(1), "official_subject") if match else None


# ----------------------------------------------------------------------------------------------------------------
# Resolving a mention to a canonical speaker
# ----------------------------------------------------------------------------------------------------------------


_DEMONYM_PAIR = re.compile(r"([\w.]+(?: Korean)?) and ([\w.]+(?: Korean)?) (\w+)")
_AND_SEPARATOR = re.compile(r"\s+and\s+")
_OF_PARTIES = re.compile(r"\bof\s+(?:the\s+)?(.+\s+and\s+.+)$")
_GROUP_OF_DELEGATES = re.compile(r"(?:the\s+)?(?:\w+\s+)*(?:ministers|leaders|delegates|representatives)\b")
_POSSESSIVE_GROUP = re.compile(r"(?:the|its|their)\s+(\w+)['’]s?\s+\w+$")
_BACK_REFERENCE_DETERMINERS = ("the", "this", "that", "its", "their")
_ANONYMOUS_BODY_MEMBER = re.compile(
    r"anonymous (ministry|department|embassy|agency) (official|officials|spokesperson)"
)
_NAME_OF_BODY = re.compile(r"(.*?\b[A-Z][\w'’\-]+\s+[A-Z][\w'’\-]+)\s+of\s+\S.*$")


def _resolve(mention: str, doc: _Document) -> str | None:
    """Canonical speaker for a mention, or ``None`` when it cannot name a source."""
    phrase = mention.strip()
    lowered = phrase.lower()
    if phrase in _PRONOUNS:
        return doc.previous()
    if lowered in ("i", "we"):
        return None
    if "statement" in lowered and lowered.split()[0] in ("a", "an") and "joint" in lowered:
        pair = doc.pair()
        return f"{pair} (joint statement)" if pair else "joint statement"
    # A full match is also a match, so testing the (cheaper to fail) prefix match first changes nothing.
    group = _GROUP_REFERENCE.match(lowered)
    if group and (_GROUP_REFERENCE.fullmatch(lowered) or "of" not in lowered.split()):
        if doc.genre == "joint_statement" and doc.author:
            return doc.author
        if doc.genre == "readout" and not any(w in lowered for w in ("countries", "nations", "governments")):
            return doc.persons_pair() or doc.pair() or doc.previous()
        return doc.pair() or doc.previous()
    if "and" not in phrase:
        return _resolve_single(phrase, doc)  # none of the conjunction rules below can apply
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
        pair = _parties(of_parties.group(1))
        if pair:
            return pair
    return _resolve_single(phrase, doc)


def _resolve_single(phrase: str, doc: _Document, *, conjunct: bool = False) -> str | None:
    phrase = phrase.strip()
    lowered = phrase.lower()
    without_the = _LEADING_THE.sub("", phrase) if phrase.startswith(("the", "The")) else phrase
    country = _COUNTRY_CANONICAL.get(without_the)
    if country is not None:
        if doc.single_author and country in doc.own_countries and not conjunct:
            return str(doc.author)
        if conjunct:
            return country
        return _alias(without_the)
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
        if head in ("statement", "report", "survey", "study", "bloc"):
            previous = doc.previous()
            if previous:
                return previous
        previous = doc.previous(head)
        if previous is None and head in _PERSON_HEADS:
            previous = doc.previous()  # "the official" without an earlier official: the last person quoted
        if previous:
            return previous
    spokes = _SPOKESPERSON_FOR.match(phrase)
    if spokes:
        inner = _resolve_single(spokes.group(1), doc)
        if inner:
            return inner
    anonymous = _anonymous(phrase)
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
    if named_of and _person_tokens(named_of.group(1)):
        appositive = named_of.group(1)  # "Kwon Tae-sik of Open Witness Asia" -> "Kwon Tae-sik"
    person = _person_tokens(appositive)
    if person and (len(person) > 1 or doc.knows_name(person[0])):
        return doc.full_name(" ".join(person))
    if lowered in ("a spokesperson", "a spokesman", "a spokeswoman", "the spokesperson"):
        return doc.previous()
    return _institution(phrase)


def _parties(text: str) -> str | None:
    """ "the United States and Japan" -> "United States and Japan" (countries only)."""
    found = [_COUNTRY_CANONICAL[m.group(1)] for m in _COUNTRY_PATTERN.finditer(text)]
    found = list(dict.fromkeys(found))
    if len(found) < 2:
        return None
    return " and ".join(found) if len(found) == 2 else ", ".join(found[:-1]) + " and " + found[-1]


# Two capitalized phrases joined by "and" ("the United States and Japan"). The first phrase is matched without
# a leading "the": such a match would end at the same place as the one starting at the capital after "the", and
# _parties finds the same countries in both, while a pattern starting with a capital is scanned twice as fast.
_CONJOINED_NAMES = re.compile(
    r"([A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3})\s+and\s+"
    r"((?:the\s+)?[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3})"
)
# Country words as bare substrings, without the word boundaries of _COUNTRY_PATTERN.
_COUNTRY_SUBSTRING = re.compile(
    "|".join(re.escape(k) for k in sorted(_COUNTRY_CANONICAL, key=len, reverse=True))
)
# _names_two_countries relies on this: a country word inside another one names the same country ("US", "USA").
assert all(
    _COUNTRY_CANONICAL[inner] == _COUNTRY_CANONICAL[outer]
    for inner in _COUNTRY_CANONICAL
    for outer in _COUNTRY_CANONICAL
    if inner in outer
), "a country word inside another must name the same country (see _names_two_countries)"


def _names_two_countries(text: str) -> bool:
    """Whether words of two different countries occur in ``text``, as substrings anywhere.

    A cheap test implied by :func:`_parties` finding a pair in any part of ``text`` (each country it matches is
    such a substring). Every position where a country word starts is visited; the words starting at one position
    are inside one another, so they name the same country.
    """
    first = None
    match = _COUNTRY_SUBSTRING.search(text)
    while match:
        country = _COUNTRY_CANONICAL[match.group()]
        if first is None:
            first = country
        elif country != first:
            return True
        match = _COUNTRY_SUBSTRING.search(text, match.start() + 1)
    return False


def _last_pair_named(text: str) -> str | None:
    """The last two or more countries named together in a sentence ("the United States and Japan"), if any."""
    if " and " not in text or not _names_two_countries(text):
        return None  # no pair of countries can be named here: skip the (slow) pair regex
    last = None
    for match in _CONJOINED_NAMES.finditer(text):
        pair = _parties(match.group(0))
        if pair:
            last = pair
    return last


def _turn_speaker(label: str, doc: _Document) -> str:
    """Speaker named by a transcript turn label ("Spokesperson Wen Jiale" -> "Wen Jiale")."""
    if label in doc.turn_names:
        return doc.turn_names[label]
    # A label recurs on every sentence of its turns; what it names depends only on the label, the title and the
    # registered names, all fixed once attribution starts, so it is worked out once per document.
    speaker = doc.label_speakers.get(label)
    if speaker is None:
        speaker = doc.label_speakers[label] = _speaker_named_by_label(label, doc)
    return speaker


def _speaker_named_by_label(label: str, doc: _Document) -> str:
    paren = _PARENTHESIZED.search(label)
    bare = _PARENTHETICAL.sub("", label).strip()
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
    person = _person_tokens(bare)
    if person:
        return doc.full_name(" ".join(person))
    return bare


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
    doc = _Document(genre=genre, author=author, title=texts[0] if texts else "")
    # Names come from every sentence and turn label; they are recorded on the first lookup (see _Document).
    doc.unregistered = [*texts, *dict.fromkeys(t for t in turns if t)]
    fallback_author = author if (genre in OFFICIAL_GENRES or genre == "transcript") else None
    has_turns = any(turns)
    # Quotation balance per sentence, computed once: the quote rules here and in _forward_quotes both need it.
    balances = [_quote_balance(text) for text in texts]
    out: list[Attribution] = []
    quote_open = False
    for i, (text, turn) in enumerate(zip(texts, turns, strict=True)):
        opens, closes = balances[i]
        result: Attribution | None = None
        if turn:
            speaker = _turn_speaker(turn, doc)
            intro = _SELF_INTRODUCTION.search(text) if _may_introduce_self(text) else None
            if intro and turn not in doc.turn_names and _person_tokens(turn) is None:
                speaker = doc.turn_names.setdefault(turn, intro.group(1))
            result = Attribution(speaker, None, "turn")
        else:
            found = _find_source(text, heading=headings[i], closes_unopened=closes)
            if found is None and genre in OFFICIAL_GENRES:
                found = _official_subject(text)
            if found is not None:
                mention = text[found.start : found.end].strip()
                speaker = _resolve(mention, doc)
                if speaker and speaker == author and doc.single_author:
                    # "China solemnly declares ..." in China's own statement: the author's voice, no mention.
                    result = Attribution(speaker, None, "author")
                elif speaker:
                    result = Attribution(speaker, mention, found.method)
            if result is None and (quote_open or (text.lstrip()[:1] in _QUOTE_OPEN_CHARS and i)):
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

    ``balances`` holds each sentence's :func:`_quote_balance`.
    """
    for i in range(len(balances) - 1):
        opens = balances[i][0]
        closes = balances[i + 1][1]
        if opens and closes:  # (rare: tested first)
            unattributed = out[i].method in ("author", "narrator", "continued_quote")
            if unattributed and out[i + 1].mention is not None:
                out[i] = Attribution(out[i + 1].speaker, None, "continued_quote")


# ----------------------------------------------------------------------------------------------------------------
# Author of official documents (from title and publisher, never from annotations)
# ----------------------------------------------------------------------------------------------------------------

_GROUP_STATEMENT = re.compile(
    r"\b(G7|G20|Group of Seven|Quad|ASEAN)\s+((?:[A-Z][a-z]+\s+(?:and\s+)?){0,4}?(?:Ministers|Leaders))'?"
)
_MINISTRY_OF = re.compile(r"^(Ministry of [A-Z][\w ]*?) of (?:the )?(.+)$")
_INSTITUTIONAL = re.compile(
    r"\b(?:Ministry|Department|Office|United Nations|Government|Cabinet|Commission|Council)\b"
)


def _canonical_publisher(publisher: str) -> str:
    """ "Ministry of Foreign Affairs of Japan" -> "Japanese Ministry of Foreign Affairs", aliases applied."""
    publisher = publisher.strip()
    match = _MINISTRY_OF.match(publisher)
    if match:
        adjective = _COUNTRY_ADJECTIVE.get(match.group(2).strip())
        if adjective:
            publisher = f"{adjective} {match.group(1)}"
    return _alias(publisher)


def _joint_parties(text: str) -> str | None:
    names = [_COUNTRY_CANONICAL[m.group(1)] for m in _COUNTRY_PATTERN.finditer(text)]
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


def lenient_speaker(name: str | None) -> str:
    """Looser comparison key than :func:`normalize_speaker`, for spelling conventions annotators split on.

    Drops every "the", writes "U.S." as "US" and "Department of State" as "State Department", and compares the
    parties of a joint statement as a set ("Japan and the European Union" == "European Union and Japan").
    """
    key = normalize_speaker(name).replace("u.s.", "us").replace("department of state", "state department")
    key = re.sub(r"\bthe\s+", "", key)
    joint = re.fullmatch(r"(.+?)\s*\((joint [a-z]+)\)", key)
    if joint:
        parties = sorted(p.strip() for p in re.split(r",\s*|\s+and\s+", joint.group(1)) if p.strip())
        key = " | ".join(parties) + f" ({joint.group(2)})"
    return key


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
