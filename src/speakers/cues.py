"""Cues that name a sentence's source, and where: speech verbs and the patterns around them.

:func:`find_source` locates the phrase that names who speaks in one sentence (quotations masked out, see
:mod:`src.speakers.quotes`), in order of precedence:

1. "according to X" (the outer source of a nested report);
2. "X was cited (by Y) as saying";
3. a subject followed by a speech verb ("X said", "X has repeatedly warned", "X, a researcher, told"), the first
   one in the sentence winning so that "X said Y had told him" goes to X; the inversion after a quotation
   ('"...," said X');
4. "what X called";
5. a main subject before a reporting participle ("X hit back, accusing ...").

:func:`official_subject` adds, for official documents, a sentence-initial group or party. Turning the phrase into
a canonical speaker is the work of :mod:`src.speakers.mentions`; this module also finds the countries a sentence
names together (:func:`last_pair_named`), the parties that a later group reference ("the two sides") stands for.

The vocabulary (verbs, adverbs, function words) comes from :mod:`src.speakers.lexicon`; the patterns built from
it are compiled once, here.
"""

from __future__ import annotations

import re
import string
from typing import NamedTuple

from src.speakers.lexicon import load_lexicon, word_alternation
from src.speakers.quotes import MASK, mask_quotes

__all__ = [
    "SPEECH_VERBS",
    "HEADLINE_VERBS",
    "VERB_PATTERN",
    "HEADLINE_VERB_PATTERN",
    "NAME_TOKEN",
    "NAME_TOKEN_RE",
    "RELATIVE_CUT",
    "Found",
    "speech_verb_spans",
    "find_source",
    "official_subject",
    "COUNTRY_PATTERN",
    "parties",
    "last_pair_named",
]

_LEXICON = load_lexicon()

# Verbs that report a statement; in a headline or cross-head only the "says"-type ones.
SPEECH_VERBS = _LEXICON.speech_verbs
HEADLINE_VERBS = _LEXICON.headline_verbs
# A whole word (no letter, apostrophe or hyphen on either side) that is one of the verbs.
VERB_PATTERN = re.compile(r"(?<![\w'’-])(?:" + word_alternation(SPEECH_VERBS) + r")(?![\w'’-])")
HEADLINE_VERB_PATTERN = re.compile(r"(?<![\w'’-])(?:" + word_alternation(HEADLINE_VERBS) + r")(?![\w'’-])")
_BETWEEN_SUBJECT_AND_VERB = _LEXICON.between_subject_and_verb
_PASSIVE = _LEXICON.passive_before_verb
_AMBIGUOUS_VERBS = _LEXICON.ambiguous_verbs
# A verb right after one of these (lower-cased) is a noun, an adjective or an infinitive, not a report.
# Words before a speech verb that make it no report: a determiner ("the estimated"), an infinitive or passive
# ("to describe", "been described"), a negation ("did not say", "never said": codebook §6.1) or a future ("will
# say more tomorrow": a statement not yet made).
_NOT_BEFORE_REPORT = _LEXICON.determiners | {"to", "be", "been", "not", "never", "will", "shall"}
_CLAUSE_WORDS_OR_RELATIVES = _LEXICON.clause_words | {"that", "which", "whose"}
_FUNCTION_END = _LEXICON.function_end
_PRONOUNS = _LEXICON.pronouns
_NON_SUBJECT_START = _LEXICON.non_subject_start
_INDEFINITE_OR_THE = _LEXICON.indefinite | {"the"}
_TITLE_WORDS = _LEXICON.title_words
_NOT_NAME_WORDS = _LEXICON.not_name_words
_THE_PARTIES = _LEXICON.parties_with_the
# Words that cannot be part of a false title ("rice farmer Jane Smith"): with one, the lower-case words before a
# name are a clause or a noun phrase of their own.
# Kinds of body written before a body's name ("the rights group Open Door Network").
ORGANIZATION_NOUNS = frozenset(_LEXICON.organization_nouns)
_NOT_IN_FALSE_TITLE = (
    _LEXICON.determiners
    | _LEXICON.indefinite
    | _LEXICON.function_end
    | _CLAUSE_WORDS_OR_RELATIVES
    | _PRONOUNS
)
_LY_NOUNS = _LEXICON.ly_nouns
_LEADING_CONNECTIVES = re.compile(
    r"^(?:(?:" + word_alternation(_LEXICON.leading_connectives) + r")\b,?\s+)+", re.IGNORECASE
)

# One word of a person's name: "Blinken", "O'Neill", "Jae-in", "J.".
# Latin letters with accents count ("José", "Đặng"): names of many countries are written with them.
UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
LETTER = r"[^\W\d_]"  # any letter: not a non-word character, a digit or an underscore
_NAME_CHAR = rf"(?:{LETTER}|['’])"
NAME_TOKEN = rf"(?:[{UPPER}]{_NAME_CHAR}+(?:-{LETTER}{_NAME_CHAR}*)*|[{UPPER}]\.)"
NAME_TOKEN_RE = re.compile(NAME_TOKEN)
# A relative or participle clause that ends a noun phrase ("diplomats who asked not to be named").
RELATIVE_CUT = re.compile(r"\s+(?:that|which|who|whom|whose|on condition|speaking|because)\b.*$")

# Letters of a word, Latin letters with accents included ("Dufresne-Aubé said", "Ijūin said").
_ASCII_LETTERS = string.ascii_letters + "".join(chr(c) for c in range(0xC0, 0x250) if c not in (0xD7, 0xF7))
_WORD = re.compile(rf"{LETTER}(?:{LETTER}|['’\-])*")
_ACCORDING_TO = re.compile(r"\b[Aa]ccording to\s+([^,;:\x00]{2,160}?)(?=\s*[,;:.]\s|\s*[.;]?$|\s*\x00)")
_BY_ENTITY = re.compile(rf"\bby\s+((?:the\s+)?{NAME_TOKEN}(?:\s+(?:of\s+|for\s+|and\s+)?{NAME_TOKEN})*)")
_ACCORDING_TO_CUT = re.compile(r"\s+(?:that|which|who|whose|after|on|last|earlier|this)\b")
_CITED = re.compile(r"\b(?:was|were)\s+(?:cited|quoted)\b")
_BY_NEXT = re.compile(r"\s+by\b")
_WHAT_CALLED = re.compile(
    r"\bwhat\s+((?:the\s+)?[A-Za-z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){0,5})\s+"
    r"(?:called|calls|described as|describes as|termed|terms|dubbed)\b"
)
# A report by participle after the main clause: "China's Foreign Ministry hit back, accusing London of ...".
_PARTICIPLE = re.compile(r",\s+(?:" + word_alternation(_LEXICON.report_participles) + r")\b")
# The main subject: words up to the first verb-like lower-case word (a past tense or a common irregular verb).
# The first word may also be "on" or "in".
_SUBJECT_WORD = r"[A-Z][\w'’.\-]*|the|of|and|for|" + word_alternation(_LEXICON.subject_nouns)
_TRAILING_WHEN = re.compile(
    r"\s+(?:on|last|this|late|early)\s+(?:"
    + word_alternation(_LEXICON.weekdays)
    + r"|week|month|year|night)$"
)
# A wire dateline: "WASHINGTON/BEIJING, Dec 2 (Pacific Ledger Wire) - ", "TOKYO (Wire) — ".
_DATELINE = re.compile(
    r"[A-Z][A-Z/ .'\-]{1,40}(?:,\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?(?:\s+\([^()\x00]{1,40}\))?\s+(?:--|[-–—])\s+"
)
# "As the minister said yesterday, ...", "As Ann Holt told me, ...": the relayed source opens the sentence.
_AS_SOURCE_SAID = re.compile(
    r"\s*As\s+(?P<source>[^,\x00]{2,80}?(?:,\s+[^,\x00]{2,60}?,)?)\s+(?:has\s+|have\s+|had\s+|just\s+|rightly\s+)?"
    r"(?:said|says|told|noted|stressed|pointed out|made clear|reminded|put it|wrote|warned|argued)\b[^,\x00]*,"
)
# The first past-tense verb of a sentence ("backed", "went"): where a main clause's subject ends.
_FIRST_PAST_VERB = re.compile(rf"(?<=\s)(?:[a-z]+ed|{word_alternation(_LEXICON.irregular_past_verbs)})\b")
_MAIN_SUBJECT = re.compile(
    rf"((?:{_SUBJECT_WORD}|on|in)(?:\s+(?:{_SUBJECT_WORD})){{0,11}})\s+"
    rf"(?:(?:{word_alternation(_LEXICON.adverbs_before_main_verb)})\s+)?"
    rf"(?:[a-z]+ed|{word_alternation(_LEXICON.irregular_past_verbs)})\b"
)


def _either_case(word: str) -> str:
    """A pattern for ``word`` with its first letter in either case ("[Ll]eaders")."""
    return f"[{word[0].upper()}{word[0].lower()}]{re.escape(word[1:])}"


# A sentence-initial group or party of an official document ("They", "Both sides", "The two leaders", "The EU"),
# not the start of a longer noun phrase ("The leaders of ..."), before a lower-case verb.
_OFFICIAL_SUBJECT = re.compile(
    r"^((?:They|(?:"
    + "|".join(w.capitalize() for w in _LEXICON.official_group_nouns)
    + r")|Both (?:"
    + "|".join(map(_either_case, _LEXICON.official_group_nouns))
    + r")|The (?:(?:"
    + word_alternation(_LEXICON.group_numbers)
    + r") )?(?:"
    + "|".join(map(_either_case, _LEXICON.official_group_nouns))
    + r")|"
    + "|".join("The " + re.escape(party) for party in _LEXICON.official_parties)
    + r"|The two)"
    + r")(?!\s+(?:and|of|or)\b)(?=\s+(?:also\s+|further\s+|strongly\s+)?[a-z])"
)
_SUBORDINATE_CUT = re.compile(r"\s+(?:because|as|since|after|for fear)\b")
_COUNTRY_CANONICAL = _LEXICON.countries
# The longest country word that is not followed by a word character (the factored alternation tries longer
# words first, as a longest-first list would).
COUNTRY_PATTERN = re.compile(r"(?<![\w.])(" + word_alternation(_COUNTRY_CANONICAL) + r")(?![\w])")
_UP_TO_PUNCTUATION = re.compile(r"[^,.;:\x00]+")
# What may follow a closing ", X said": a time or place, then the end of the sentence.
_SENTENCE_END_AFTER_VERB = re.compile(
    r"(?:\s+(?:on|in|at|late|early|last|this|earlier|later)\b[^,;:\x00]{0,40})?\s*[.!?]?[\s\x00]*"
)
# The end of an inverted mention ('"...," said X in a statement on Monday' -> X).
_AFTER_INVERTED_MENTION = re.compile(
    r"\s+(?:in a statement|in an interview|at a|on (?:"
    + "|".join(_LEXICON.weekdays)
    + r")|during|before|after|told|adding)\b.*$"
)


# A body whose name goes on after a comma ("Ministry of Economy, Trade and Industry").
_BODY_NAME_WITH_COMMAS = re.compile(
    r"\b(?:Ministry|Department|Office|Agency|Commission|Committee|Council|Bureau)\s+of\s+[A-Z][\w'’\-]*$"
)
_CAPITALIZED_SERIES = re.compile(r"[A-Z][\w'’\-]*(?:\s+(?:and\s+)?[A-Z][\w'’\-]*)*")
_NON_RESTRICTIVE = re.compile(r"(?:which|who|whose)\s")


def _is_bare_name(segment: str) -> bool:
    tokens = segment.split()
    return 1 <= len(tokens) <= 5 and all(NAME_TOKEN_RE.fullmatch(t) for t in tokens)


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
    """Start of the run of letters that ends at offset ``end`` of ``text``, not before ``low``.

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
    # The last word before any trailing commas ("Jane Smith, a researcher," -> "researcher"); without a
    # trailing comma it is the word that ended the loop above.
    last_word = word
    if text.endswith(","):
        word_end = len(text)
        while word_end and (text[word_end - 1] == "," or text[word_end - 1].isspace()):
            word_end -= 1
        last_word = text[_letters_ending_at(text, word_end, max(0, len(text) - 40)) : word_end]
    if not last_word or last_word in _PASSIVE:
        return None
    start = max(text.rfind(MASK), text.rfind(":"), text.rfind(";")) + 1  # a subject never spans a colon
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
    relative = next(
        (k for k in range(len(segments) - 1, 0, -1) if _NON_RESTRICTIVE.match(segments[k][1])), None
    )
    if trailing_comma and relative is not None:
        # "The Council, which represents suppliers in Japan and the Netherlands, said": the noun before the clause.
        s, p = segments[relative - 1]
        chosen = (s, s + len(p))
    elif trailing_comma and len(segments) >= 2:
        (a_start, a), (b_start, b) = segments[-2], segments[-1]
        lead = _LEADING_CONNECTIVES.match(a)
        if lead:
            a_start, a = a_start + lead.end(), a[lead.end() :]
        if _is_bare_name(b) and not _is_bare_name(a) and not _is_intro(a):
            chosen = (a_start, b_start + len(b))  # "Japan's ambassador, Kazuyuki Yamazaki, told"
        elif _is_clause(b) or (_is_bare_name(a) and not _is_bare_name(b)):
            chosen = (a_start, a_start + len(a))  # "Jane Smith, a researcher in Seoul, said"
        else:
            chosen = (b_start, b_start + len(b))
    else:
        s, p = segments[-1]
        chosen = (s, s + len(p))
        first = len(segments) - 1
        while (
            first
            and _BODY_NAME_WITH_COMMAS.search(segments[first - 1][1])
            and _CAPITALIZED_SERIES.fullmatch(segments[first][1])
        ):
            first -= 1  # "The Ministry of Economy, Trade and Industry said": one body's name
        if first < len(segments) - 1:
            chosen = (segments[first][0], s + len(p))
        headline_series = len(segments) > 1 and _is_series_item(p) and not masked[:start].strip(MASK + " ")
        if (" and " in f" {p}" and parties(p)) or headline_series:
            # "the United States, Japan and the Philippines agreed": a series' earlier items are the subject too,
            # as in a headline's "US, India say ...".
            first = len(segments) - 1
            while first and _is_series_item(segments[first - 1][1]):
                first -= 1
            if headline_series and first:
                first = len(segments) - 1  # "In Tokyo, Japan said": an opening phrase, not a series
            chosen = (segments[first][0], s + len(p))
    s, e = chosen
    phrase = masked[s:e]
    lead = _LEADING_CONNECTIVES.match(phrase)
    if lead:
        s += lead.end()
        phrase = masked[s:e]
    words = phrase.split()
    if "who" in words[1:6] and len(words) > 14:
        # "A publisher who asked not to be named because of the risk of prosecution [said]": the noun phrase and
        # its relative clause, up to a subordinate clause.
        cut = _SUBORDINATE_CUT.search(phrase)
        if cut:
            e = s + cut.start()
            phrase = masked[s:e]
            words = phrase.split()
    if not words or len(words) > 14 or MASK in phrase:
        return None
    under_secretary = words[0] == "Under" and len(words) > 1 and words[1].startswith("Secretary")
    if (words[0].lower() in _NON_SUBJECT_START and not under_secretary) or words[-1].endswith(("'s", "’s")):
        return None  # "Under the deal, ..." opens a clause; "Under Secretary ..." is a title
    for k, (left, right) in enumerate(zip(words, words[1:], strict=False)):
        if left in ("for", "of") and k and words[k - 1][:1].isupper():
            continue  # "Under Secretary for Policy Eduardo Lacuna": an office's own words
        # "an event Beijing [described]", "the autonomy it [pledged]": a relative clause without "that".
        if left.islower() and right[:1].isupper() and _is_false_title(words, not masked[:s].strip()):
            break  # "rice farmer Jane Smith [said]": a description before a name, not a clause
        if left.endswith(","):
            continue  # an appositive boundary: "a spokeswoman, Mao Ning"
        if right in ("it", "he", "she", "they", "we", "I") or (
            left.islower()
            and left not in _COUNT_WORDS
            and right[:1].isupper()
            and left not in _TITLE_WORDS
            and left not in _FUNCTION_END
            and not left.endswith(("'s", "’s", "s'"))
        ):
            return None
    if "who" in words[1:]:
        # "A diplomat who asked not to be named ... said": keep the noun phrase and its relative clause
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
    when = _TRAILING_WHEN.search(phrase)
    if when and when.start() > 0:
        e = s + when.start()  # "The United States on Monday [said]": the time is not part of the source
    return s, e


def _is_false_title(words: list[str], sentence_start: bool) -> bool:
    """Whether lower-case words describe the name after them, as newswriting's "false titles" do ("rice farmer
    Jane Smith", "Human rights lawyer Jane Smith" at the start of a sentence): no determiner, function word or
    clause word among them, then a name of two or three words. (After a determiner, lower-case words before a
    capitalized one are a relative clause without "that": "an event Beijing [described]".)"""
    if (
        len(words) > 2
        and words[0].lower() in ("the", "a", "an")
        and any(w in ORGANIZATION_NOUNS for w in words[1:4])
    ):
        words = words[1:]  # "The Uyghur rights group Open Door Network [said]": a body named after its kind
    lower = 0
    while lower < len(words) and (
        words[lower].islower() or (lower == 0 and sentence_start and words[0][1:].islower())
    ):
        if words[lower].lower() in _NOT_IN_FALSE_TITLE:
            return False
        lower += 1
    name = words[lower:]
    return (
        lower > 0
        and 2 <= len(name) <= 4
        and all(
            NAME_TOKEN_RE.fullmatch(w)
            and (w not in _NOT_NAME_WORDS or words[lower - 1] in ORGANIZATION_NOUNS)
            and w.lower() not in _TITLE_WORDS
            for w in name
        )
    )


def _is_adverb(word: str) -> bool:
    """A lower-case "-ly" adverb between subject and verb ("China solemnly declares")."""
    return word.islower() and word.endswith("ly") and word not in _LY_NOUNS


def _is_series_item(segment: str) -> bool:
    """A country of a series before "X and Y" ("the United States", "Japan"), not an opening phrase."""
    return COUNTRY_PATTERN.fullmatch(segment.removeprefix("the ").removeprefix("The ")) is not None


def _is_intro(segment: str) -> bool:
    first = segment.split()[0] if segment.split() else ""
    return first.lower() in _NON_SUBJECT_START or first.lower() in ("asked", "speaking", "earlier", "later")


def _object_after(text: str, start: int) -> tuple[int, int] | None:
    """Span of the noun phrase after an inverted verb ('"...," said X, a researcher' -> X)."""
    rest = text[start:]
    lead = len(rest) - len(rest.lstrip())
    match = _UP_TO_PUNCTUATION.match(rest, lead)
    if match is None:
        return None
    gave = _GAVE_ONLY_NAME.match(text, start + lead)
    if gave:  # '"...," said a retired teacher who gave only her surname, Mak.': through the name
        return start + lead, gave.end()
    phrase = RELATIVE_CUT.sub("", match.group(0)).rstrip()
    phrase = _AFTER_INVERTED_MENTION.sub("", phrase)
    if not phrase or len(phrase.split()) > 12:
        return None
    s = start + lead
    if len(phrase) == len(match.group(0)) and not _is_bare_name(phrase):
        # '"...," said the group's chairman, Jane Smith.': a description and the name after it (codebook A9).
        named = _NAME_AFTER_DESCRIPTION.match(text, start + match.end())
        if named:
            return s, named.end(1)
    return s, s + len(phrase)


_GAVE_ONLY_NAME = re.compile(
    r"[^,.;:\x00]{1,80}?\s+who\s+gave\s+only\s+(?:his|her|their)\s+(?:first\s+name|surname|family\s+name|"
    r"given\s+name|name),\s+[A-Z][\w'’\-]+"
)
# The name closing an inverted mention after its description (", Jane Smith." at the end of the sentence).
_NAME_AFTER_DESCRIPTION = re.compile(r",\s+([A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){1,3})\s*[.!?]?[\s\x00]*$")


class Found(NamedTuple):
    """A source phrase found in a sentence (a named tuple: cheaper to build than a frozen dataclass)."""

    start: int
    end: int
    method: str


# For speech_verb_spans: ASCII characters that may not border a verb (all but [A-Za-z0-9_'-], the ASCII part of
# the patterns' [\w'’-]) become spaces.
_ASCII_VERB_CHARS = (string.ascii_letters + string.digits + "_'-").encode()
_ASCII_NON_VERB_TO_SPACE = bytes(c if c in _ASCII_VERB_CHARS else ord(" ") for c in range(256))
_SPEECH_VERB_BYTES = frozenset(verb.encode() for verb in SPEECH_VERBS)
_HEADLINE_VERB_BYTES = frozenset(verb.encode() for verb in HEADLINE_VERBS)


def speech_verb_spans(masked: str, heading: bool) -> list[tuple[int, int]]:
    """Spans of the speech verbs in ``masked``, in order: the matches of ``VERB_PATTERN``
    (``HEADLINE_VERB_PATTERN`` in a heading).

    ASCII text (nearly every sentence) is searched without the regex, about twice as fast: once every character
    that may not border a verb is a space, the verbs are exactly the space-separated words in the verb list.
    """
    if not masked.isascii():
        return [
            match.span() for match in (HEADLINE_VERB_PATTERN if heading else VERB_PATTERN).finditer(masked)
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


def find_source(text: str, *, heading: bool, closes_unopened: bool) -> Found | None:
    """Locate the phrase naming the sentence's source (see the module docstring for the precedence).

    In a headline or cross-head only "says"-type verbs count: "Tokyo protests Seoul court's ruling" reports an
    action, "Rights group says ..." a statement. ``closes_unopened`` is the sentence's second
    :func:`quote_balance` flag (it starts inside a quotation).
    """
    masked = mask_quotes(text, closes_unopened)
    if masked[:1] in _BULLETS:  # "○ Minister Tak welcomed ...": a list bullet is no word of the sentence
        masked = MASK + masked[1:]
    dashed = " - " in masked[:80] or " -- " in masked[:80] or "—" in masked[:80] or "–" in masked[:80]
    dateline = _DATELINE.match(masked) if dashed and masked[:1].isupper() else None
    if (
        dateline
    ):  # "WASHINGTON, Dec 2 (Wire) - The United States said ...": the subject starts after the dateline
        masked = MASK * dateline.end() + masked[dateline.end() :]
    # Each regex below runs only when the literal words it requires are present: most sentences have none.
    match = _ACCORDING_TO.search(masked) if "ccording to" in masked else None
    if match:
        s, e = match.span(1)
        phrase = masked[s:e]
        by = _BY_ENTITY.search(phrase)
        if by and by.group(1).split()[-1][0].isupper():  # "a report released by Human Rights Watch"
            return Found(s + by.start(1), s + by.end(1), "according_to")
        cut = _ACCORDING_TO_CUT.search(phrase)
        if cut:
            e = s + cut.start()
        return Found(s, e, "according_to")
    relayed = _AS_SOURCE_SAID.match(masked) if masked.lstrip().startswith("As ") else None
    if relayed and relayed.group("source").split()[0].lower() not in ("i", "we", "you"):
        end = relayed.end("source") - relayed.group("source").endswith(",")  # "As X, the minister, said"
        return Found(relayed.start("source"), end, "subject_verb")  # §6.6: "As X said, ..."
    cited = _CITED.search(masked) if "cited" in masked or "quoted" in masked else None
    if cited:  # "Blinken was cited by Kyodo as saying": the subject before "was"
        head = masked[: cited.start()].rstrip()
        start = max(head.rfind(",") + 1, head.rfind(MASK) + 1)
        lead = _LEADING_CONNECTIVES.match(head[start:].lstrip())
        s = start + len(head[start:]) - len(head[start:].lstrip()) + (lead.end() if lead else 0)
        if s < len(head):
            return Found(s, len(head), "cited_as_saying")
    spans = speech_verb_spans(masked, heading)
    trailing = _trailing_attribution(masked, spans) if len(spans) > 1 else None
    if trailing is not None:
        return trailing
    for verb_start, verb_end in spans:
        # The words in the 40 characters before the verb.
        before = _WORD.findall(masked, max(0, verb_start - 40), verb_start)
        previous_word = before[-1] if before else ""
        if previous_word.lower() in _NOT_BEFORE_REPORT or previous_word.endswith(("n't", "n’t")):
            continue  # "the estimated 80,000", "to describe", "been described", "didn't say": not a report
        verb = masked[verb_start:verb_end]
        if verb in _AMBIGUOUS_VERBS and verb.endswith("s") and not _THAT_NEXT.match(masked, verb_end):
            after_noun = previous_word[:1].islower() and previous_word not in _PRONOUNS
            if (
                after_noun
                and not _is_adverb(previous_word)
                and previous_word not in _BETWEEN_SUBJECT_AND_VERB
            ):
                continue  # "member states", "broken promises": a plural noun
        if _BY_NEXT.match(masked, verb_end):
            continue  # "a demand now shared by ...": a passive participle
        if verb in ("added", "adds", "add") and masked[verb_end : verb_end + 2].strip()[:1].isdigit():
            continue  # "Japan added 23 items to its list": an action
        prefix = masked[:verb_start]
        if not prefix.replace(MASK, "").strip(" ,;:—–-"):
            span = _object_after(masked, verb_end)  # '"...," said X'
            if span:
                return Found(span[0], span[1], "quote_inversion")
            continue
        span = _subject_before(masked, verb_start)
        if span is not None and _noun_phrase_before_verb(masked[span[0] : span[1]], verb):
            method = "quote_inversion" if MASK in prefix else "subject_verb"
            return Found(span[0], span[1], method)
    coordinated = _coordinated_subject(masked, spans)
    if coordinated is not None:
        return coordinated
    issued = _ISSUED_STATEMENTS.search(masked) if "statement" in masked else None
    if issued:  # "Australia, Canada and the EU issued separate statements ..." (A12)
        span = _subject_before(masked, issued.start())
        if span is not None:
            return Found(span[0], span[1], "subject_verb")
    called = _WHAT_CALLED.search(masked) if "what" in masked else None
    if called:
        return Found(called.start(1), called.end(1), "what_x_called")
    if not heading and _PARTICIPLE.search(masked):
        subject = _MAIN_SUBJECT.match(masked)
        if subject and _valid_subject(subject.group(1)):
            return Found(subject.start(1), subject.end(1), "participle")
        span = _main_clause_subject(masked)  # "China's envoy, Liu Jieyu, went further, saying ..."
        if span is not None:
            return Found(span[0], span[1], "participle")
    return None


def _main_clause_subject(masked: str) -> tuple[int, int] | None:
    """The subject of a sentence's first verb when it opens the sentence, appositive included ("China's envoy, Liu
    Jieyu, backed ..."), or ``None``."""
    verb = _FIRST_PAST_VERB.search(masked)
    if verb is None:
        return None
    span = _subject_before(masked, verb.start())
    if span is None or masked[: span[0]].strip(" ,") or not _valid_subject(masked[span[0] : span[1]]):
        return None  # not at the start: an opening phrase or a clause comes first
    if masked[span[0] : span[1]].split()[0].lower() in ("our", "my", "we", "i"):
        return None  # "Our three nations met ... and reaffirmed": the document's own voice
    return span


_THAT_NEXT = re.compile(r"\s+that\b")  # "the ministry estimates that ...": a verb, not a plural noun
_ISSUED_STATEMENTS = re.compile(
    r"\b(?:issued|released|put\s+out)\s+(?:(?:a|an|separate|joint|similar|their\s+own|its\s+own)\s+)?statements?\b"
)
_BULLETS = frozenset("○●•◦▪▫■□◆◇*-–")
_RELATIVE_END = frozenset({"who", "whom", "which", "that"})
# Numbers before a capitalized word ("Executives at two Korean memory makers"): no relative clause starts there.
_COUNT_WORDS = frozenset({"two", "three", "four", "five", "several", "many", "some", "both", "all"})
# Speech verbs in their bare form ("welcome", "note"): after "a" or "an" they are nouns.
_BASE_FORMS = frozenset(
    v for v in SPEECH_VERBS if not v.endswith("s") and {f"{v}s", f"{v}es", f"{v[:-1]}ies"} & SPEECH_VERBS
)


def _noun_phrase_before_verb(subject: str, verb: str) -> bool:
    """Whether a subject and the speech verb after it make a report: not "Those who [argue]" or "some of whom
    [reported]" (a relative pronoun is no source), nor "a very warm [welcome]" (an article and a bare verb form
    make a noun)."""
    words = subject.split()
    if words[-1].lower() in _RELATIVE_END:
        return False
    return not (words[0].lower() in ("a", "an") and verb in _BASE_FORMS)


def _coordinated_subject(masked: str, spans: list[tuple[int, int]]) -> Found | None:
    """A speech verb coordinated with the main verb ("X backed the resolution but warned that ...",
    "X met Y and said ..."): the sentence's subject is the source (codebook §6.1: the speaking actor)."""
    for verb_start, _ in spans:
        before = _WORD.findall(masked, max(0, verb_start - 20), verb_start)
        if not before or before[-1] not in ("and", "but"):
            continue
        span = _main_clause_subject(masked)
        if span is not None and span[1] < verb_start:
            return Found(span[0], span[1], "subject_verb")
    return None


def _trailing_attribution(masked: str, spans: list[tuple[int, int]]) -> Found | None:
    """ ", the ministry said." closing a sentence whose body has its own reporting verb: the outer source (D6).

    "Japan protested the launch and warned of countermeasures, the ministry said." is the ministry's report.
    """
    verb_start, verb_end = spans[-1]
    if not _SENTENCE_END_AFTER_VERB.fullmatch(masked, verb_end):
        return None
    span = _subject_before(masked, verb_start)
    if span is None or not masked[: span[0]].rstrip().endswith(","):
        return None
    return Found(span[0], span[1], "subject_verb")


def _valid_subject(phrase: str) -> bool:
    """A plausible subject noun phrase for the participle rule (short, starting like a noun phrase)."""
    words = phrase.split()
    return 1 <= len(words) <= 12 and words[0].lower() not in _NON_SUBJECT_START and MASK not in phrase


def official_subject(text: str) -> Found | None:
    """In an official document, a sentence-initial group or party ("They", "The leaders", "The EU") is its
    source even with a verb that is not a speech verb ("The leaders remained concerned ...")."""
    match = _OFFICIAL_SUBJECT.match(text)
    return Found(match.start(1), match.end(1), "official_subject") if match else None


# ----------------------------------------------------------------------------------------------------------------
# Countries named together ("the United States and Japan"): the parties that a group reference stands for
# ----------------------------------------------------------------------------------------------------------------


def country_of(word: str) -> str:
    """The canonical country a country word names ("U.S." -> "United States", "Manila" -> "Philippines")."""
    return _COUNTRY_CANONICAL[word]


def parties(text: str) -> str | None:
    """ "the United States and Japan" -> "United States and Japan" (countries only)."""
    found = [_COUNTRY_CANONICAL[m.group(1)] for m in COUNTRY_PATTERN.finditer(text)]
    return join_parties(list(dict.fromkeys(found)))


def join_parties(names: list[str]) -> str | None:
    """Canonical countries as one speaker, in order: "Australia, Japan and the United States" (codebook §6.2).

    A later-listed United States, United Kingdom, European Union or Philippines keeps its "the", as annotators
    write it (the corpus is split on this; this form is the more frequent); the first party's is dropped.
    """
    if len(names) < 2:
        return None
    shown = [names[0]] + [f"the {n}" if n in _THE_PARTIES else n for n in names[1:]]
    return " and ".join(shown) if len(shown) == 2 else ", ".join(shown[:-1]) + " and " + shown[-1]


# Two capitalized phrases joined by "and" ("the United States and Japan"). The first phrase is matched without
# a leading "the": such a match would end at the same place as the one starting at the capital after "the", and
# parties finds the same countries in both, while a pattern starting with a capital is scanned twice as fast.
# A series before them ("Japan, the Philippines and the United States") belongs to the same match.
_CONJOINED_NAMES = re.compile(
    r"((?:[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3},\s+(?:the\s+)?){0,6}"
    r"[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3}),?\s+and\s+"
    r"((?:the\s+)?[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,3})"
)
# Country words as bare substrings, without the word boundaries of COUNTRY_PATTERN.
_COUNTRY_SUBSTRING = re.compile(
    "|".join(re.escape(k) for k in sorted(_COUNTRY_CANONICAL, key=len, reverse=True))
)


def _names_two_countries(text: str) -> bool:
    """Whether words of two different countries occur in ``text``, as substrings anywhere.

    A cheap test implied by :func:`parties` finding a pair in any part of ``text`` (each country it matches is
    such a substring). Every position where a country word starts is visited; the words starting at one position
    are inside one another, so they name the same country (the lexicon loader checks this).
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


def last_pair_named(text: str, size: int | None = None) -> str | None:
    """The last two or more countries named together in a sentence ("the United States and Japan", "Japan, the
    Philippines and the United States"), if any; with ``size``, the last group of that many."""
    if " and " not in text or not _names_two_countries(text):
        return None  # no pair of countries can be named here: skip the (slow) pair regex
    last = None
    for match in _CONJOINED_NAMES.finditer(text):
        pair = parties(match.group(0))
        if pair and (size is None or party_count(pair) == size):
            last = pair
    return last


def party_count(speaker: str) -> int:
    """How many parties a joined speaker names ("Japan, the Philippines and the United States" -> 3)."""
    return len(re.split(r",\s+|\s+and\s+", speaker))
