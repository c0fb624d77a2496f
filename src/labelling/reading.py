"""Reading raw articles: bytes to text with clear errors, and text or HTML to lines.

A line is ``(text, is_heading_element, block)``: plain text gives one line per non-blank line, blocks separated by
blank lines; HTML gives one line per heading or paragraph element.
"""

from __future__ import annotations

import re
from pathlib import Path

from src.errors import DataError


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


def html_lines(raw: str) -> list[tuple[str, bool, int]]:
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


def text_lines(raw: str) -> list[tuple[str, bool, int]]:
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
