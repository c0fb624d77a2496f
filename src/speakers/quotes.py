"""Quotations in a sentence: masking them out of the cue search, and whether a sentence opens or closes one.

Only double quotes count (straight ``"``, curly ``“ ”`` and the doubled apostrophe ``''``): single quotes are
apostrophes too often to be read as quotation marks safely.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "QUOTE_OPEN_CHARS", "mask_quotes", "quote_balance"]

# The character that replaces quoted text: no pattern over a masked sentence matches it.
MASK = "\x00"
# Characters that open a quotation at the start of a sentence.
QUOTE_OPEN_CHARS = '"“‘'
_DOUBLE_QUOTE = re.compile(r"''|[\"“”]")


def mask_quotes(text: str, closes_unopened: bool) -> str:
    """``text`` with every quotation (marks included) replaced by :data:`MASK` characters, offsets preserved.

    A quotation left open at the end masks to the end; a sentence that starts inside a quotation (it closes one
    it did not open: 'the talks went well," said X', ``closes_unopened`` from
    :func:`quote_balance`) masks from its start.

    Args:
        text: The sentence.
        closes_unopened: Whether the sentence closes a quotation it did not open.

    Returns:
        The masked sentence, as long as ``text``.
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
            pieces.append(text[done:open_at] + MASK * (mark.end() - open_at))
            done, open_at = mark.end(), -1
    if open_at >= 0:
        pieces.append(text[done:open_at] + MASK * (len(text) - open_at))
        done = len(text)
    pieces.append(text[done:])
    return "".join(pieces)


def quote_balance(text: str) -> tuple[bool, bool]:
    """Whether the sentence leaves a quotation open, and whether it closes one it did not open.

    Returns:
        ``(opens_unclosed, closes_unopened)``.
    """
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
