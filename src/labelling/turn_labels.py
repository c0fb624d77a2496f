"""Transcript turn labels: ``LABEL: text`` at the start of a paragraph ("MODERATOR:", "Q:", "NHK, Yamamoto:").

Only the label's form is judged here (a few capitalized or role words, then a colon); who the label names, and
for whom that person speaks, is the speaker package's business (``src.speakers.turns``).
"""

from __future__ import annotations

import functools
import re

from src.labelling.furniture import ends_like_sentence


def _words(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string."""
    return frozenset(text.split())


# LABEL is 1-5 words of letters, spaces, periods, hyphens, apostrophes, ampersands and parentheses, with at most
# one comma ("NHK, Yamamoto:", the outlet before the reporter), then ": " and the spoken text.
# Letters include Latin letters with accents ("SECRETARY VILLASEÑOR:", "MINISTRE LE DRIAN:").
_L = "A-Za-zÀ-ÖØ-öø-ɏ"
_TURN = re.compile(rf"([{_L}][{_L}.\-'’& ()]{{0,80}}?(?:,[{_L}.\-'’& ()]{{1,40}}?)?)\s*:\s+(?=\S)")
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
_LABEL_CHARS = re.compile(rf"[{_L}][{_L}.\-'’& ()]*(?:,[{_L}.\-'’& ()]+)?")
_PARENTHESES = re.compile(r"\([^()]{0,80}\)")


def split_turn(line: str) -> tuple[str | None, str]:
    """Split ``LABEL: text`` into label and text; ``(None, line)`` when the line is not a speaker turn."""
    match = _TURN.match(line) if ":" in line else None
    if match is None:
        return None, line
    label = match.group(1).strip()
    rest = line[match.end() :]
    if not ends_like_sentence(rest) or not is_label(label):
        return None, line
    return label, rest


def is_label(label: str) -> bool:
    """Whether ``label`` reads as a speaker: 1-5 words, capitalized or role words outside parentheses."""
    label = label.strip()
    return bool(label) and len(label) <= 80 and _is_short_label(label)


@functools.lru_cache(maxsize=4096)
def _is_short_label(label: str) -> bool:
    """``is_label`` for a stripped label of 1-80 characters; cached because a transcript repeats its labels."""
    if label.lower() in _NON_SPEAKER_LABELS or _LABEL_CHARS.fullmatch(label) is None:
        return False
    outside = _PARENTHESES.sub(" ", label)
    if "(" in outside or ")" in outside:
        return False
    words = outside.split()
    if not words or not 1 <= len(label.split()) <= 5:
        return False
    return all(word[0].isupper() or word.lower() in _LABEL_LOWER_WORDS for word in words)
