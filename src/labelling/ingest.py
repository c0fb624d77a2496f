"""Raw article text (plain or HTML) -> clean body sentences, with transcript turn labels.

The data flow is ``read_article`` (bytes -> text, with clear errors) -> ``ingest`` (text -> sentences):

1. HTML is flattened to one line per heading or paragraph (BeautifulSoup, ``html.parser``).
2. Page furniture lines are dropped: navigation, date-only lines, bylines, captions, video blocks (title, running
   time, player message), agency tags, "Advertisement" / "Share this article" / "Read more: ..." lines.
3. A line starting with a transcript turn label (``Moderator: ...``) records the label; the label is not text.
4. Headlines and cross-heads (lines without final punctuation) are sentences of their own; other lines are split
   into sentences. Sentences never span lines.

Sentence splitting is rule-based: a candidate boundary is terminal punctuation (plus closing quotes or brackets)
followed by whitespace and anything but a lower-case letter; a candidate is vetoed after a non-terminal
abbreviation ("Gen. Sato", "Jan. 6", "No. 4", "the U.S. Navy", "e.g.") and inside a quotation embedded in the
sentence that closes later on the same line, so ``He said "We will go. We must go." Then...`` keeps the quoted
passage in one sentence. A quotation that opens the sentence and holds whole sentences (``"We have a list.
Assurances are not enough," said X.``) is split at its inner sentence ends, as the corpus annotates it (hard tag
quote_spans_sentences, and attribution's continued quotes).

Why no library splitter: measured on the corpus raw files on this 2-core machine, pysbd keeps quotations whole
but runs at about 3,000 sentences/s, far below the pipeline's 20,000 sentences/s target. blingfire runs at about
70,000 sentences/s on the same lines but misses boundaries in sentences holding an abbreviation ("met Prof. Kim.
Done." stays one piece) and splits embedded quotations; with the repairs above applied to its output, its
candidates changed no boundary in the corpus while costing most of the ingest time, so the rules run alone.

Evaluate against the annotated corpus with ``python -m src.labelling.ingest --evaluate``; ingest one file with
``python -m src.labelling.ingest path/to/article.txt``.
"""

from __future__ import annotations

import argparse
import bisect
import functools
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.data.corpus import read_records
from src.errors import DataError, DiplostanceError

__all__ = [
    "IngestedSentence",
    "ingest",
    "read_article",
    "looks_like_html",
    "looks_like_heading",
    "load_annotations",
    "evaluate_ingest",
    "main",
]

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "corpus"

# Furniture checks other than captions only look at lines this short: real furniture is short, and skipping long
# lines keeps a pathological 1 MB line away from every pattern that is not a plain substring test.
_SHORT_LINE = 300
# A line without final punctuation counts as a cross-head only up to this many words; a longer one is a body
# sentence that lost its period (the seed article has one).
_MAX_HEADING_WORDS = 14
# A metadata header after the headline ("Office of the Spokesperson" / "April 27, 2015") is at most this long.
_MAX_FRONT_MATTER_LINES = 5


def _words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string (compact, and diff-friendly enough for word lists)."""
    return frozenset(text.split())


# ----------------------------------------------------------------------------------------------------------------
# Page furniture
# ----------------------------------------------------------------------------------------------------------------

# Whole lines (compared case-insensitively, after list numbering and trailing ":" or "." are removed).
_FURNITURE_LINES = frozenset(
    """
    advertisement|advertisement - scroll to continue|scroll to continue with content|share this article|share
    |share this page|share this|print|email|e-mail|copy link|link copied|facebook|twitter|whatsapp|linkedin|reddit
    |telegram|send|menu|search|close|home|skip to content|skip to main menu|skip to more dw sites|related topics
    |related content|related stories|related articles|explore more|more stories from dw|dw's top story
    |top stories|top story|most read|most popular|recommended|recommended stories|comments|newsletter|sign up
    |subscribe|follow us|listen to this article|watch video|play video|photo gallery|back to top|sponsored
    |sponsored content|continue reading|editor's picks|in pictures|more on this topic|you might also like
    """.replace("\n", "")
    .replace("    ", "")
    .split("|")
)
# Line prefixes (case-insensitive) that mark navigation, promotion or credits.
_FURNITURE_PREFIX = re.compile(
    r"(?:skip (?:to|next|over|navigation)\b|read more\s*:|read also\s*:|also read\s*:|see also\s*:|related\s*:"
    r"|more on this\s*:|watch\s*:|listen\s*:|follow (?:us|dw)\b|sign up for\b|subscribe to\b|click here\b"
    r"|send us your feedback|share on\b|copyright\b|©|\(c\) \d{4}|reporting by\b|additional reporting by\b"
    r"|editing by\b|compiled by\b|written by\b|the following is attributable to\b)",
    re.IGNORECASE,
)
_LIST_NUMBER = re.compile(r"(?:\d{1,3}[.)]|[*•·\-–])\s+")
_SKIP_SECTION = re.compile(r"skip next section\s+(.{1,120})", re.IGNORECASE)
# DW-style breadcrumbs glue section names together: "PoliticsJapan", "ConflictsUSA".
_BREADCRUMB = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+|[A-Z]{2,}){1,4}")

_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?"
    r"|Sep(?:tember|t\.|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_WEEKDAY = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day|\.)?"
_DATE = (
    rf"(?:{_WEEKDAY},?\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
    rf"|{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}})"
)
_DATE_LINE = re.compile(
    rf"(?:(?:Updated|Published|Posted|Last updated|Date)(?: on)?:?\s*)?{_DATE}"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,5}(?:[+-]\d{1,2})?)?)?"
    r"(?:\s*\([A-Za-z .]{1,20}\))?\.?",
    re.IGNORECASE,
)
# A dateline: "New York, September 21, 2017". Only after the headline: a headline may end with a date
# ("Department Press Briefing, November 18, 2022").
_DATELINE = re.compile(rf"[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){{0,3}},\s+{_DATE}\.?")
_HAS_DATE = re.compile(_DATE, re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NAME = r"[A-Z][\w'’.\-]*(?:\s+(?:[A-Z][\w'’.\-]*|de|da|van|von|der|bin|al|le|la|du)){0,4}"
# "By Mira Castellan", "By A. Sato and B. Ito, Tokyo correspondent". A byline never ends like a sentence.
_BYLINE = re.compile(
    rf"By\s+{_NAME}(?:\s*(?:,|and|&)\s*{_NAME}){{0,3}}(?:\s*[,|–—-]\s*[^.?!]{{0,80}}|\s+in\s+{_NAME})?"
)
# Captions carry a credit ("...virtuallyImage: State Department /AP Photo"), or describe a still from a video.
_CAPTION = re.compile(
    r"(?:Image|Photo|Picture)(?: credit)?:\s*\S|^Image from video\b|^(?:Photo|Picture|Image)s? by\b"
)
_RUNNING_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
# A time-of-day line in a briefing's header: "1:42 p.m. EST".
_TIME_LINE = re.compile(r"\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,5})?", re.IGNORECASE)
_PLAYER_MESSAGE = re.compile(
    r"(?:This|Your) browser does not support the (?:video|audio) element", re.IGNORECASE
)
# Agency tags end DW/AP-style reports: "rc/fb (AP, dpa, Reuters)", "kt/rm (AFP, Reuters)", or a bare "(AFP)".
_AGENCY = r"(?:AP|AFP|dpa|Reuters|KNA|epd|EFE|Kyodo|Yonhap|Xinhua|ANSA|Lusa|AAP|PTI|ANI|IANS|TASS|Interfax|Bloomberg|DW)"
_AGENCY_TAG = re.compile(
    r"[a-z]{1,4}(?:/[a-z]{1,4}){0,4}\s*\([A-Za-z][A-Za-z.&' \-]{0,30}(?:,\s*[A-Za-z][A-Za-z.&' \-]{0,30}){0,7}\)"
    rf"|\({_AGENCY}(?:,\s*{_AGENCY}){{0,7}}\)"
)

# ----------------------------------------------------------------------------------------------------------------
# Transcript turns
# ----------------------------------------------------------------------------------------------------------------

# LABEL is 1-5 words of letters, spaces, periods, hyphens and parentheses, then ": " and the spoken text.
_TURN = re.compile(r"([A-Za-z][A-Za-z.\- ()]{0,80}?)\s*:\s+(?=\S)")
# Lower-case words a speaker label may hold ("Foreign Ministry spokesperson Wen Jiale:"). Any other lower-case
# word outside parentheses means the colon introduces something else: "Dangerous territory: Is Taiwan next?" is a
# video title, 'Austin said: "We..."' is a sentence.
_LABEL_LOWER_WORDS = _words(
    "of the and for to de da van von der du al bin le la spokesperson spokesman spokeswoman minister "
    "secretary official officials reporter reporters correspondent moderator host ambassador envoy "
    "president chair chairman chairwoman press deputy foreign defense defence general chief senior "
    "director question answer q a unidentified participant audience member speaker interviewer journalist"
)
# Labels that introduce furniture or headline kickers, not a person speaking.
_NON_SPEAKER_LABELS = _words(
    "note update correction image photo source sources watch listen related breaking exclusive analysis "
    "opinion background context caption credit date location video audio explainer live timeline summary"
)
_LABEL_CHARS = re.compile(r"[A-Za-z][A-Za-z.\- ()]*")
_PARENTHESES = re.compile(r"\([^()]{0,80}\)")

# ----------------------------------------------------------------------------------------------------------------
# Sentence boundaries
# ----------------------------------------------------------------------------------------------------------------

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


@dataclass(frozen=True, slots=True)
class IngestedSentence:
    """One body sentence of an article.

    Attributes:
        text: The sentence, verbatim from the source line (stripped; inner characters such as non-breaking spaces
            are kept so that the text matches the raw article exactly).
        index: 0-based position among the article's body sentences (0 is the headline).
        turn: The transcript turn label in force ("Moderator", "Spokesperson Wen Jiale"), or ``None``.
        paragraph: 0-based index of the body line (plain text) or block element (HTML) the sentence comes from.
        is_heading: The headline or a cross-head (a short line without final punctuation), never split.
    """

    text: str
    index: int
    turn: str | None
    paragraph: int
    is_heading: bool


# ----------------------------------------------------------------------------------------------------------------
# Reading files
# ----------------------------------------------------------------------------------------------------------------


def read_article(path: str | Path) -> str:
    """Read a raw article as text.

    Args:
        path: A UTF-8 text or HTML file.

    Returns:
        The file's text (a UTF-8 byte-order mark removed).

    Raises:
        DataError: The file is missing, empty, binary (holds NUL bytes) or not valid UTF-8 (the line is named).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            path, None, None, "article file does not exist" if not path.exists() else "not a file"
        )
    data = path.read_bytes()
    if not data.strip():
        raise DataError(path, None, None, "empty file: an article needs at least a headline")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DataError(
            path, None, None, f"binary file (NUL byte at offset {nul}); expected UTF-8 text or HTML"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            path,
            line,
            None,
            f"not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); re-save as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


# ----------------------------------------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------------------------------------

_HTML_START = re.compile(
    r"\s*<(?:!doctype\s+html|html|head|body|article|main|section|div|p|h[1-6])\b", re.IGNORECASE
)
_HTML_CLOSE = re.compile(r"</(?:p|div|html|body|article|h[1-6])\s*>", re.IGNORECASE)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "footer",
    "figure",
    "figcaption",
    "aside",
    "iframe",
    "svg",
    "form",
    "button",
)
_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "dt", "dd", "td", "th")
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_BREAK = "\u2029"  # marks <br> through get_text(); HTML source newlines are plain whitespace
_HTML_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def looks_like_html(raw: str) -> bool:
    """Whether ``raw`` is an HTML document or fragment rather than plain text."""
    if "<" not in raw:  # both patterns need a tag; plain text rarely has a "<" at all
        return False
    return bool(_HTML_START.match(raw[:2048]) or _HTML_CLOSE.search(raw[:65536]))


def _html_lines(raw: str) -> list[tuple[str, bool, int]]:
    """Flatten HTML to ``(line, is_heading_element, block)`` triples, one per heading or paragraph."""
    from bs4 import BeautifulSoup  # only HTML input pays for the import

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    # The article's <h1> often sits inside its <header>: keep the headline, drop the rest of the header.
    for header in soup.find_all("header"):
        h1 = header.find("h1")
        if h1 is not None:
            header.replace_with(h1.extract())
        else:
            header.decompose()
    for br in soup.find_all("br"):
        br.replace_with(_BREAK)
    lines: list[tuple[str, bool, int]] = []
    blocks = [el for el in soup.find_all(_BLOCK_TAGS) if el.find(_BLOCK_TAGS) is None]
    if not blocks:  # a bare fragment without paragraphs: fall back to its text lines
        for part in soup.get_text("\n").replace(_BREAK, "\n").splitlines():
            part = _HTML_SPACE.sub(" ", part).strip()
            if part:
                lines.append((part, False, len(lines)))
        return lines
    for number, el in enumerate(blocks):
        heading = el.name in _HEADING_TAGS
        for part in _HTML_SPACE.sub(" ", el.get_text()).split(_BREAK):
            part = part.strip()
            if part:
                lines.append((part, heading, number))
    return lines


def _text_lines(raw: str) -> list[tuple[str, bool, int]]:
    """Plain text as ``(line, False, block)`` triples; blocks are runs of lines between blank lines."""
    lines: list[tuple[str, bool, int]] = []
    block = 0
    for line in raw.splitlines():
        line = line.strip()
        if line:
            lines.append((line, False, block))
        else:
            block += 1
    return lines


# ----------------------------------------------------------------------------------------------------------------
# Furniture and turns
# ----------------------------------------------------------------------------------------------------------------


def _ends_like_sentence(text: str) -> bool:
    """Whether ``text`` ends with sentence punctuation, possibly followed by closing quotes or brackets."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in ".?!…:;—–-"


def _is_furniture(line: str, after_headline: bool = True) -> bool:
    """Whether a stripped, non-empty line is page furniture by itself (video titles need the next line).

    ``after_headline`` enables datelines ("Tokyo, March 16, 2021"), which before the headline could be the
    headline itself.

    Cheap tests on the first character, length or a substring guard each pattern, because every body line goes
    through here and the ingest throughput target leaves a few microseconds per line.
    """
    if line.startswith("Image from video"):
        return True
    # Only a line with a colon is searched for a caption; _has_caption_word spares most of them the search.
    if ":" in line and _has_caption_word(line) and _CAPTION.search(line):
        return True
    if len(line) > _SHORT_LINE:
        return False
    first = line[0]
    numbering = _LIST_NUMBER.match(line) if first.isdigit() or first in "*•·-–" else None
    bare = line[numbering.end() :] if numbering else line
    if bare.rstrip(":.").lower() in _FURNITURE_LINES or _FURNITURE_PREFIX.match(bare):
        return True
    if first.isdigit() and (_RUNNING_TIME.fullmatch(line) or _TIME_LINE.fullmatch(line)):
        return True
    if first in "TtYy" and _PLAYER_MESSAGE.match(line):
        return True
    if len(line) <= 80 and (
        _date_or_byline(line) or after_headline and "," in line and _DATELINE.fullmatch(line)
    ):
        return True
    if line[-1] == ")" and _AGENCY_TAG.fullmatch(line):
        return True
    return " " not in line and bool(_BREADCRUMB.fullmatch(line))


def _is_running_time(line: str) -> bool:
    """Whether ``line`` is a video's running time ("26:01"); the colon test spares most lines the regex call."""
    return ":" in line and _RUNNING_TIME.fullmatch(line) is not None


def _has_caption_word(line: str) -> bool:
    """Whether ``line`` holds a word that every ``_CAPTION`` match holds: a substring test guards the search."""
    return "Image" in line or "Photo" in line or "Picture" in line


def _date_or_byline(line: str) -> bool:
    """A date-only line, a time-only line or a byline: what marks an article's front matter."""
    if line.startswith("By "):
        return line[-1] not in ".?!" and bool(_BYLINE.fullmatch(line))
    return _DIGIT.search(line) is not None and bool(_DATE_LINE.fullmatch(line) or _TIME_LINE.fullmatch(line))


def _is_front_matter(lines: Sequence[str]) -> bool:
    """Whether the block right after the headline is a metadata header.

    Official documents and editorials put short lines such as "Office of the Spokesperson", "Editorial",
    "Karen Ashby, Deputy Spokesperson", "Washington, DC" or "This transcript has been edited for length." in the
    same block as the date or byline. The whole block is dropped when it is short, made of short lines, and holds
    a date, time or byline line.
    """
    if not 1 <= len(lines) <= _MAX_FRONT_MATTER_LINES:
        return False
    if any(line.count(" ") >= _MAX_HEADING_WORDS or len(line) > 120 for line in lines):
        return False
    # A metadata line may also carry a date amid other details: "Readout, Office of the Spokesperson, October
    # 10, 2019" or "Wednesday, November 29, 2017, 5:10 p.m., Press Conference Room, Ministry of Foreign Affairs".
    return any(
        _date_or_byline(line) or (not _ends_like_sentence(line) and _HAS_DATE.search(line)) for line in lines
    )


def _split_turn(line: str) -> tuple[str | None, str]:
    """Split ``LABEL: text`` into label and text; ``(None, line)`` when the line is not a speaker turn."""
    match = _TURN.match(line) if ":" in line else None
    if match is None:
        return None, line
    label = match.group(1).strip()
    rest = line[match.end() :]
    if not _ends_like_sentence(rest) or not _is_label(label):
        return None, line
    return label, rest


def _is_label(label: str) -> bool:
    """Whether ``label`` reads as a speaker: 1-5 words, capitalized or role words outside parentheses."""
    label = label.strip()
    return bool(label) and len(label) <= 80 and _is_short_label(label)


@functools.lru_cache(maxsize=4096)
def _is_short_label(label: str) -> bool:
    """``_is_label`` for a stripped label of 1-80 characters; cached because a transcript repeats its labels."""
    if label.lower() in _NON_SPEAKER_LABELS or _LABEL_CHARS.fullmatch(label) is None:
        return False
    outside = _PARENTHESES.sub(" ", label)
    if "(" in outside or ")" in outside:
        return False
    words = outside.split()
    if not words or not 1 <= len(label.split()) <= 5:
        return False
    return all(word[0].isupper() or word.lower() in _LABEL_LOWER_WORDS for word in words)


# ----------------------------------------------------------------------------------------------------------------
# Sentence splitting
# ----------------------------------------------------------------------------------------------------------------


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


def _split(line: str) -> list[str]:
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


def looks_like_heading(line: str) -> bool:
    """Whether a line reads as a headline or cross-head: short, and not ending like a sentence."""
    return not _ends_like_sentence(line) and line.count(" ") < _MAX_HEADING_WORDS


# ----------------------------------------------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------------------------------------------


def ingest(raw: str, *, html: bool | None = None) -> list[IngestedSentence]:
    """Turn a raw article into its body sentences.

    Args:
        raw: The article: plain text (headline on the first line, paragraphs on their own lines, blocks
            separated by blank lines) or HTML.
        html: ``True`` forces HTML parsing, ``False`` plain text; ``None`` detects HTML from the markup.

    Returns:
        Body sentences in order; the first is the headline. Furniture lines are dropped, transcript turn labels
        are moved from the text to ``turn``. Lines after a turn line continue that turn until the next label or
        cross-head.
    """
    if html is None:
        html = looks_like_html(raw)
    lines = _html_lines(raw) if html else _text_lines(raw)
    sentences: list[IngestedSentence] = []
    skip: set[int] = set()
    section_titles: set[str] = set()
    turn: str | None = None
    paragraph = 0
    for i, (line, heading_tag, _block) in enumerate(lines):
        if i in skip or line in section_titles:
            continue
        section = _SKIP_SECTION.match(line) if line[0] in "Ss" else None
        if section is not None:
            if sentences:
                break  # DW appends related stories after its first "Skip next section" line: the body is over
            section_titles.add(section.group(1).strip())
            continue
        if _is_furniture(line, bool(sentences)):
            continue
        # A video block: the title is the line before a running time ("Dangerous territory: ...", then "26:01").
        if i + 1 < len(lines) and len(line) <= _SHORT_LINE and _is_running_time(lines[i + 1][0]):
            continue
        if not sentences:  # the headline: whole, never a turn; what follows may be a metadata header
            sentences.append(IngestedSentence(line, 0, None, paragraph, True))
            paragraph += 1
            skip.update(_front_matter_after(lines, i))
            continue
        label, text = (None, line) if heading_tag else _split_turn(line)
        if label is not None:
            turn = label
        elif line[-1] == ":" and not heading_tag and _is_label(line[:-1]):
            turn = line[:-1].strip()  # a label alone on its line: the turn's text follows (or is empty)
            continue
        is_heading = heading_tag or (label is None and looks_like_heading(text))
        if is_heading:
            turn = None  # a cross-head ends the current turn
        for piece in [text] if is_heading else _split(text):
            sentences.append(IngestedSentence(piece, len(sentences), turn, paragraph, is_heading))
        paragraph += 1
    return sentences


def _front_matter_after(lines: Sequence[tuple[str, bool, int]], headline: int) -> list[int]:
    """Indices of the metadata block after the headline at ``lines[headline]`` (empty when there is none)."""
    if headline + 1 >= len(lines):
        return []
    # The rest of the headline's own block if it goes on, else the next block.
    block = lines[headline + 1][2]
    indices = []
    for j in range(headline + 1, min(len(lines), headline + 2 + _MAX_FRONT_MATTER_LINES)):
        if lines[j][2] != block:
            break
        indices.append(j)
    if len(indices) > _MAX_FRONT_MATTER_LINES:
        return []
    return indices if _is_front_matter([lines[j][0] for j in indices]) else []


# ----------------------------------------------------------------------------------------------------------------
# Evaluation against the annotated corpus
# ----------------------------------------------------------------------------------------------------------------


def load_annotations(
    corpus_dir: str | Path = DEFAULT_CORPUS_DIR,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Annotated sentences by document (in order) and document metadata.

    Reads the merged ``sentences.jsonl`` + ``documents.jsonl`` when both exist, else every shard in ``shards/``.
    A shard that cannot be read (an author may be writing it right now) is skipped with a warning on stderr.

    Returns:
        ``(sentences_by_doc, documents)``; sentences keep all annotated fields.
    """
    corpus_dir = Path(corpus_dir)
    merged = corpus_dir / "sentences.jsonl", corpus_dir / "documents.jsonl"
    if merged[0].is_file() and merged[1].is_file():
        pairs = [merged]
        strict = True
    else:
        pairs = [
            (s, s.with_name(s.name.replace(".sentences.", ".documents.")))
            for s in sorted((corpus_dir / "shards").glob("*.sentences.jsonl"))
        ]
        strict = False
    by_doc: dict[str, list[dict[str, Any]]] = {}
    documents: dict[str, dict[str, Any]] = {}
    for sentences_path, documents_path in pairs:
        try:
            docs = {str(r["doc_id"]): r for _, r in read_records(documents_path, "documents file")}
            rows = [r for _, r in read_records(sentences_path, "sentences file")]
        except (DataError, KeyError) as exc:
            if strict:
                raise
            print(f"warning: skipping {sentences_path.name}: {exc}", file=sys.stderr)
            continue
        documents.update(docs)
        for row in rows:
            by_doc.setdefault(str(row["doc_id"]), []).append(row)
    for rows in by_doc.values():
        rows.sort(key=lambda r: int(r.get("sent_idx", 0)))
    return by_doc, documents


@dataclass
class _DocResult:
    doc_id: str
    predicted: list[str]
    gold: list[str]
    true_positives: int

    @property
    def exact(self) -> bool:
        return self.predicted == self.gold


def _match(predicted: Sequence[str], gold: Sequence[str]) -> int:
    """Sentences predicted exactly as annotated (multiset intersection: order problems show as mismatches)."""
    return sum((Counter(predicted) & Counter(gold)).values())


def evaluate_ingest(corpus_dir: str | Path = DEFAULT_CORPUS_DIR, *, repeats: int = 5) -> dict[str, Any]:
    """Ingest every annotated document's raw file and compare with its annotated sentences.

    Args:
        corpus_dir: Folder holding ``raw/`` and the annotations (merged files or ``shards/``).
        repeats: Passes over the raw files for the throughput figure (text already in memory).

    Returns:
        A dict with ``precision``, ``recall``, ``f1``, ``exact_docs``, ``n_docs``, ``sentences_per_s``, the seed
        documents' figures under ``seed`` and per-document results under ``docs``.
    """
    corpus_dir = Path(corpus_dir)
    by_doc, documents = load_annotations(corpus_dir)
    texts: dict[str, str] = {}
    for doc_id in by_doc:
        path = corpus_dir / "raw" / f"{doc_id}.txt"
        if path.is_file():
            texts[doc_id] = read_article(path)
        else:
            print(f"warning: no raw file for {doc_id}", file=sys.stderr)
    results = []
    for doc_id, raw in texts.items():
        predicted = [s.text for s in ingest(raw)]
        gold = [str(r["text"]) for r in by_doc[doc_id]]
        results.append(_DocResult(doc_id, predicted, gold, _match(predicted, gold)))

    def scores(items: Sequence[_DocResult]) -> dict[str, float]:
        tp = sum(r.true_positives for r in items)
        n_pred, n_gold = sum(len(r.predicted) for r in items), sum(len(r.gold) for r in items)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        exact = sum(x.exact for x in items)
        return {
            "precision": p,
            "recall": r,
            "f1": f,
            "exact_docs": exact,
            "n_docs": len(items),
            "n_gold": n_gold,
            "n_predicted": n_pred,
        }

    n_sentences, start = 0, time.perf_counter()
    for _ in range(repeats):
        for raw in texts.values():
            n_sentences += len(ingest(raw))
    elapsed = time.perf_counter() - start
    seed_ids = {d for d, meta in documents.items() if meta.get("source") == "seed"}
    return {
        **scores(results),
        "seed": scores([r for r in results if r.doc_id in seed_ids]),
        "sentences_per_s": n_sentences / elapsed if elapsed else float("inf"),
        "docs": results,
    }


def _print_mismatches(results: Sequence[_DocResult], limit: int) -> None:
    shown = 0
    for r in results:
        if r.exact or shown >= limit:
            continue
        shown += 1
        gold_set, pred_set = set(r.gold), set(r.predicted)
        print(f"\n--- {r.doc_id}: {r.true_positives}/{len(r.gold)} annotated sentences matched")
        for text in [t for t in r.gold if t not in pred_set][:4]:
            print(f"  missed   : {text!r}")
        for text in [t for t in r.predicted if t not in gold_set][:4]:
            print(f"  spurious : {text!r}")
        if not (gold_set ^ pred_set):
            print("  (same sentences, different order or duplicates)")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ingest one article, or ``--evaluate`` against the annotated corpus."""
    parser = argparse.ArgumentParser(
        prog="python -m src.labelling.ingest", description=__doc__.splitlines()[0]
    )
    parser.add_argument("path", nargs="?", help="article to ingest (prints one JSON object per sentence)")
    parser.add_argument(
        "--html",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force HTML (--html) or plain text (--no-html); detected by default",
    )
    parser.add_argument("--evaluate", action="store_true", help="compare with the annotated corpus")
    parser.add_argument(
        "--corpus-dir", default=str(DEFAULT_CORPUS_DIR), help="folder with raw/ and annotations"
    )
    parser.add_argument("--show", type=int, default=5, help="mismatching documents to list")
    args = parser.parse_args(argv)
    try:
        if args.evaluate:
            report = evaluate_ingest(args.corpus_dir)
            print(
                f"documents: {report['n_docs']}  annotated sentences: {report['n_gold']}  "
                f"predicted: {report['n_predicted']}"
            )
            print(
                f"boundary (exact sentence) P/R/F1: {report['precision']:.4f} / {report['recall']:.4f} / "
                f"{report['f1']:.4f}"
            )
            print(
                f"documents ingested exactly: {report['exact_docs']}/{report['n_docs']} "
                f"({report['exact_docs'] / max(report['n_docs'], 1):.1%})"
            )
            seed = report["seed"]
            if seed["n_docs"]:
                print(
                    f"seed article(s): P/R/F1 {seed['precision']:.4f} / {seed['recall']:.4f} / {seed['f1']:.4f}, "
                    f"exact {seed['exact_docs']}/{seed['n_docs']}"
                )
            print(f"ingest throughput: {report['sentences_per_s']:,.0f} sentences/s (rule-based splitter)")
            print("\nper document (matched/annotated, predicted):")
            for r in report["docs"]:
                mark = "exact" if r.exact else "DIFF"
                print(
                    f"  {r.doc_id:<14} {r.true_positives:>3}/{len(r.gold):<3} pred {len(r.predicted):<3} {mark}"
                )
            _print_mismatches(report["docs"], args.show)
        elif args.path:
            for s in ingest(read_article(args.path), html=args.html):
                print(
                    json.dumps(
                        {
                            "index": s.index,
                            "paragraph": s.paragraph,
                            "turn": s.turn,
                            "is_heading": s.is_heading,
                            "text": s.text,
                        },
                        ensure_ascii=False,
                    )
                )
        else:
            parser.error("give an article path or --evaluate")
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
