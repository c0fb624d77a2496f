"""Page furniture and the document header: the lines of a raw article that are not its sentences.

Furniture is dropped (navigation, date-only lines, bylines, captions, video blocks, agency tags, "Share this
article"). The header block after the headline (publisher, document type, official's name, date) is dropped from
the sentences but kept for the speaker package: it says who issued the document.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Sequence
from pathlib import Path

from src.errors import DataError

# Furniture checks other than captions only look at lines this short: real furniture is short, and skipping long
# lines keeps a pathological 1 MB line away from every pattern that is not a plain substring test.
SHORT_LINE = 300
# A line without final punctuation counts as a cross-head only up to this many words; a longer one is a body
# sentence that lost its period (the seed article has one).
MAX_HEADING_WORDS = 14
# A metadata header after the headline ("Office of the Spokesperson" / "April 27, 2015") is at most this long.
_MAX_FRONT_MATTER_LINES = 5


def _words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string."""
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
# Closing quotes and brackets that may follow a sentence's final punctuation.
_CLOSERS = "\"'”’)]»"
_LIST_NUMBER = re.compile(r"(?:\d{1,3}[.)]|[*•·\-–])\s+")
SKIP_SECTION = re.compile(r"skip next section\s+(.{1,120})", re.IGNORECASE)
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


def ends_like_sentence(text: str) -> bool:
    """Whether ``text`` ends with sentence punctuation, possibly followed by closing quotes or brackets."""
    stripped = text.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in ".?!…:;—–-"


def is_furniture(line: str, after_headline: bool = True) -> bool:
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
    if len(line) > SHORT_LINE:
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


def is_running_time(line: str) -> bool:
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


# A header may run over a few blocks ("Press Statement" / blank / "Name, Office" / blank / date).
_MAX_HEADER_BLOCKS = 4
HEADER_FILE = Path(__file__).resolve().parents[2] / "data" / "labelling" / "header.yaml"
_SEPARATORS = re.compile(r"\s*(?:[|·•]|\s[–—-]\s|,)\s*")


@functools.lru_cache(maxsize=1)
def document_kinds() -> dict[str, str]:
    """Header phrase (case-folded) -> document kind, from ``data/labelling/header.yaml``."""
    import yaml

    try:
        kinds = yaml.safe_load(HEADER_FILE.read_text(encoding="utf-8"))["document_kinds"]
        return {phrase.casefold(): kind for kind, phrases in kinds.items() for phrase in phrases}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(
            HEADER_FILE, None, "document_kinds", f"cannot read the header phrases ({exc})"
        ) from None


def document_kind_of_line(line: str) -> str | None:
    """The document kind a header line states ("Press Statement", "Remarks | White House"), or ``None``."""
    kinds = document_kinds()
    for piece in (line, *_SEPARATORS.split(line)):
        kind = kinds.get(piece.strip().rstrip(":.").strip().casefold())
        if kind:
            return kind
    return None


def _marks_header(line: str) -> bool:
    """A date, a byline or a document-kind line: what only a header holds."""
    return (
        _date_or_byline(line)
        or (not ends_like_sentence(line) and _HAS_DATE.search(line) is not None)
        or document_kind_of_line(line) is not None
    )


# Fields of one header line: "Press Statement | Ann Holt, Secretary of State | March 3, 2023", "Home > Press".
HEADER_FIELDS = re.compile(r" *(?:[|·•>]|\s[–—-]\s) *")
# A line may end in an abbreviation's period without ending a sentence: "Washington, D.C.", "Jr.".
_ABBREVIATION_END = re.compile(r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Jr|Sr|Inc|Ltd|Co|St)\.)$")


def _may_be_header(line: str) -> bool:
    """Short fields, none of them a sentence: a publisher, an office, a place, a date."""
    if len(line) > 240:  # tested first: splitting a long run of spaces into fields is quadratic
        return False
    fields = [f for f in HEADER_FIELDS.split(line) if f]
    if any(len(f) > 120 or f.count(" ") >= MAX_HEADING_WORDS for f in fields):
        return False
    ends_sentence = ends_like_sentence(line) and not _ABBREVIATION_END.search(line)
    return not ends_sentence or _date_or_byline(line) or _marks_header(line)


def header_after(lines: Sequence[tuple[str, bool, int]], headline: int) -> list[int]:
    """Indices of the header after the headline at ``lines[headline]`` (empty when there is none).

    The header is the rest of the headline's block and up to a few more short blocks, as far as the last block
    that holds a date, a byline or a document-kind line ("Press Statement", "Readout"): publisher and office
    lines ("Office of the Spokesperson", "Karen Ashby, Deputy Spokesperson") belong to it only in that company.
    """
    candidate: list[int] = []
    confirmed = 0
    j, blocks = headline + 1, 0
    while j < len(lines) and blocks < _MAX_HEADER_BLOCKS:
        members = []
        block = lines[j][2]
        while j < len(lines) and lines[j][2] == block:
            members.append(j)
            j += 1
        texts = [lines[k][0] for k in members]
        if len(members) > _MAX_FRONT_MATTER_LINES or not all(map(_may_be_header, texts)):
            break
        candidate.extend(members)
        blocks += 1
        if any(map(_marks_header, texts)):
            confirmed = len(candidate)
    return candidate[:confirmed]


def looks_like_heading(line: str) -> bool:
    """Whether a line reads as a headline or cross-head: short, and not ending like a sentence."""
    return not ends_like_sentence(line) and line.count(" ") < MAX_HEADING_WORDS


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
_DATE_PARTS = re.compile(
    r"(?P<iso>(?P<y1>\d{4})-(?P<m1>\d{2})-(?P<d1>\d{2}))"
    r"|(?P<mon2>[A-Z][a-z]{2})[a-z]*\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})"
    r"|(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon3>[A-Z][a-z]{2})[a-z]*\.?,?\s+(?P<y3>\d{4})"
)


def date_in(lines: Sequence[str]) -> datetime.date | None:
    """The first calendar date written in ``lines`` ("March 3, 2023", "3 March 2023", "2023-03-03"), or None."""
    for line in lines:
        for match in _DATE_PARTS.finditer(line):
            parts = match.groupdict()
            try:
                if parts["iso"]:
                    return datetime.date(int(parts["y1"]), int(parts["m1"]), int(parts["d1"]))
                month = _MONTHS.get((parts["mon2"] or parts["mon3"]).lower())
                if month:
                    return datetime.date(
                        int(parts["y2"] or parts["y3"]), month, int(parts["d2"] or parts["d3"])
                    )
            except ValueError:
                continue
    return None
