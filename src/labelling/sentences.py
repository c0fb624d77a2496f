"""Sentence boundaries within one line of an article (sentences never span lines).

A candidate boundary is terminal punctuation (plus closing quotes or brackets) followed by whitespace and anything
but a lower-case letter; a candidate is vetoed after a non-terminal abbreviation ("Gen. Sato", "Jan. 6", "No. 4",
"the U.S. Navy", "e.g.") and inside a quotation embedded in the sentence that closes later on the same line.
"""

from __future__ import annotations

import bisect
import functools
import re


def _words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string."""
    return frozenset(text.split())


# Candidate boundary: terminal punctuation, optional closers, whitespace, then something that can start a
# sentence (checked in code: anything but a lower-case letter, so accented capitals and CJK qualify).
# The lookbehind and possessive quantifiers keep a long run of dots or quotes linear: a match can only start at
# the beginning of a punctuation run and never backtracks into it. The lookbehind is placed after the first
# punctuation character (it looks back over it at the character before), so that the pattern starts with what it
# looks for: the regex engine then skips ahead to punctuation instead of trying the lookbehind at every position.
_CANDIDATE_REST = r"(?<![.?!…].)[.?!…]*+[\"'”’)\]»]*+(?=\s++[\"'“‘(\[«]*+([^\W_]))"
_CANDIDATE = re.compile(r"[.?!…]" + _CANDIDATE_REST)
# The same for lines whose only terminal punctuation is the period (most lines): a single literal first character
# lets the engine find it with a fast character search instead of a character-class test per position.
_PERIOD_CANDIDATE = re.compile(r"\." + _CANDIDATE_REST)
# Capitalized titles that precede a name: never the end of a sentence.
_TITLES = _words(
    "Mr Mrs Ms Dr Prof Gen Lt Col Maj Capt Cmdr Cdr Adm Brig Sgt Cpl Pvt Sen Sens Rep Reps Gov Amb Pres "
    "Supt Insp Det Fr Rev Hon Rt St Mt Ft Messrs Mme Mlle Dept Univ Assn"
)
# Prefixes of a number ("No. 4", "Art. 9", "Jan. 6"): not an end when a digit follows.
_NUMBER_PREFIXES = _words(
    "No Nos no nos Art Vol Vols Fig Figs pp p Sec Ch Para Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
)
# Lower-case abbreviations that never end a sentence in news prose.
_INNER_ABBREVIATIONS = _words("vs cf approx ca viz e.g i.e")
# Abbreviations that may end a sentence ("...ties with the U.S. The talks...", "...Hanwha Ltd. The deal"):
# a boundary only when the next word typically opens a sentence.
_SOFT_ABBREVIATIONS = _words("Inc Ltd Corp Co Jr Sr Bros")
_SENTENCE_OPENERS = _words(
    "the a an he she it they we i you this that these those there their his her its our my but and yet "
    "so in on at as after before when while during since despite however meanwhile still also officials "
    "both some many no not what why how who where if although though for with by from"
)
# Quote marks for ``_quoted_regions`` (``''`` starts with a straight single quote). Quote marks are searched with
# ``str.find``, a fast native scan: a regex character class holding curly quotes tests each character of the line
# in turn, several times slower.
_QUOTE_MARKS = "\"'“”‘’"
_CLOSERS = "\"'”’)]»"
_OPENERS = "\"'“‘([«"


def _quoted_regions(line: str) -> list[tuple[int, int]]:
    """Sorted, non-overlapping spans ``(open, close)`` of quotations that open and close on this line.

    Straight double quotes toggle; curly ones open and close; ``''`` counts as a double quote (the seed article
    closes a quotation with it). A single quote opens only at a word start and is otherwise an apostrophe.
    A quotation left open at the end of the line (it continues in the next paragraph) gives no span, so it
    cannot swallow the rest of the line.
    """
    positions = []
    for mark in _QUOTE_MARKS:
        pos = line.find(mark)
        while pos >= 0:
            positions.append(pos)
            pos = line.find(mark, pos + 1)
    positions.sort()
    regions: list[tuple[int, int]] = []
    double_open = single_open = -1
    pair_second = -1  # position of the second quote of a '' pair, already handled with the first
    for pos in positions:
        if pos == pair_second:
            continue
        char = line[pos]
        if char == "'" and line.startswith("'", pos + 1):
            char, pair_second = "''", pos + 1
        if char == '"' or char == "''":
            if double_open < 0:
                double_open = pos
            else:
                regions.append((double_open, pos))
                double_open = -1
        elif char == "“":
            if double_open < 0:
                double_open = pos
        elif char == "”":
            if double_open >= 0:
                regions.append((double_open, pos))
                double_open = -1
        else:  # ' ‘ ’
            before = line[pos - 1] if pos else " "
            after = line[pos + 1] if pos + 1 < len(line) else " "
            if single_open < 0:
                if char != "’" and (before.isspace() or before in '([{—–-"“') and after.isalnum():
                    single_open = pos
            elif char != "‘" and not after.isalnum() and not before.isspace():
                regions.append((single_open, pos))
                single_open = -1
    regions.sort()
    merged: list[tuple[int, int]] = []
    for start, end in regions:  # a single quote nested in a double one: keep the outer span
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _has_opening_quote(line: str, start: int, end: int) -> bool:
    """Whether ``line[start:end]`` holds a quote mark that can open a quotation (’ and ” only close one)."""
    return (  # spelled out: a generator over the marks would cost more than the four searches
        line.find('"', start, end) >= 0
        or line.find("'", start, end) >= 0
        or line.find("“", start, end) >= 0
        or line.find("‘", start, end) >= 0
    )


def _last_closing_quote(line: str) -> int:
    """Position of the last quote mark on ``line`` that can close a quotation (“ and ‘ only open one), or -1."""
    return max(line.rfind('"'), line.rfind("'"), line.rfind("”"), line.rfind("’"))


def _first_char(line: str, begin: int) -> int:
    """Position of the first non-space character at or after ``begin``."""
    while begin < len(line) and line[begin].isspace():
        begin += 1
    return begin


def _keep_boundary(line: str, end: int) -> bool:
    """Abbreviation check for a candidate boundary ending at ``end`` (after punctuation and closers)."""
    stop = end
    while line[stop - 1] in _CLOSERS:
        stop -= 1
    if line[stop - 1] != "." or line[stop - 2 : stop] == "..":
        return True  # ? ! and ellipses always end a sentence here
    # The token before the period: "Gen", "U.S", "e.g" ("(Gen." and '"U.S.' lose their opening bracket/quote).
    token = line[line.rfind(" ", 0, stop) + 1 : stop - 1].lstrip(_OPENERS)
    # Tokens are words, so the rule is cached per token; a long one (a line without spaces) bypasses the cache.
    rule = _period_rule(token) if len(token) <= _MAX_CACHED_TOKEN else _period_rule.__wrapped__(token)
    if rule is _BEFORE_NON_DIGIT:
        return not _next_word(line, end)[:1].isdigit()
    if rule is _BEFORE_OPENER:
        return _next_word(line, end).lower() in _SENTENCE_OPENERS
    return rule


# Rules of ``_period_rule`` that depend on the next word; the others are the answer itself (True: a boundary).
_BEFORE_NON_DIGIT = "a boundary unless a digit follows"
_BEFORE_OPENER = "a boundary if a sentence-opening word follows"
_MAX_CACHED_TOKEN = 40


@functools.lru_cache(maxsize=8192)
def _period_rule(token: str) -> bool | str:
    """Whether a period after ``token`` ends a sentence: ``True``, ``False``, or a rule on the next word."""
    if not token or not token[-1].isalpha():
        return True  # "in 2019." or "3.5."
    if token in _TITLES or token in _INNER_ABBREVIATIONS or token.lower() in _INNER_ABBREVIATIONS:
        return False
    if token in _NUMBER_PREFIXES:
        return _BEFORE_NON_DIGIT
    if "." in token or token in _SOFT_ABBREVIATIONS:  # U.S, D.C, a.m, Ltd
        return _BEFORE_OPENER
    if len(token) == 1:  # an initial: "John F. Kennedy"; a lower-case letter ends a sentence ("plan b.")
        return not token.isupper()
    return True


def _next_word(line: str, end: int) -> str:
    """The word after a candidate boundary at ``end``, without opening quotes or brackets ("" when none)."""
    following = line[end : end + 40].split(None, 1)
    return following[0].lstrip(_OPENERS) if following else ""


def split_sentences(line: str) -> list[str]:
    """Split one body line into sentences (see the module docstring for the method)."""
    # Pick the cheapest candidate pattern that can find every boundary of this line; a line without terminal
    # punctuation has none to find.
    if "?" in line or "!" in line or "…" in line:
        candidates = _CANDIDATE.finditer(line)
    elif "." in line:
        candidates = _PERIOD_CANDIDATE.finditer(line)
    else:
        whole = line.strip()
        return [whole] if whole else []
    last_closing_quote = _last_closing_quote(line)
    pieces: list[str] = []
    begin = 0
    regions: list[tuple[int, int]] | None = None  # computed when a candidate may lie inside a quotation
    for match in candidates:
        end = match.end()
        # A lower-case word after the punctuation continues the sentence. The slice test is the rule (only spaces,
        # tabs and no-break spaces, then openers, within 8 characters); the letter the pattern captured after the
        # space and openers must be lower-case for it to hold, so most candidates skip the slice.
        if match.group(1).islower() and line[end : end + 8].lstrip(" \t\u00a0\"'“‘([«")[:1].islower():
            continue
        if not _keep_boundary(line, end):
            continue
        # A quotation embedded in the sentence opens after the sentence's first character and closes after the
        # candidate, so the line's quotations are worked out only for a candidate with a quote mark before it
        # (within the sentence) that could open one and a quote mark after it that could close one.
        if regions is None and end < last_closing_quote and _has_opening_quote(line, begin + 1, end):
            regions = _quoted_regions(line)
            starts = [start for start, _ in regions]
        if regions:
            i = bisect.bisect_left(starts, end) - 1
            if i >= 0 and end < regions[i][1] and regions[i][0] > _first_char(line, begin):
                continue  # inside a quotation embedded in the sentence, closing later on this line
        piece = line[begin:end].strip()
        if piece:
            pieces.append(piece)
        begin = end
    last = line[begin:].strip()
    if last:
        pieces.append(last)
    return pieces
