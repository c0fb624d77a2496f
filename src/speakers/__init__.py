"""Who speaks each sentence, and for whom."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from src.speakers.attribution import attribute, document_author


@dataclass(frozen=True)
class SentenceSpeaker:
    speaker: str
    mention: str | None
    cue: str


def attribute_sentences(
    texts: Sequence[str], *, genre: str | None = None, publisher: str | None = None
) -> list[SentenceSpeaker]:
    author = document_author(genre, texts[0] if texts else None, publisher)
    out = []
    for a in attribute(list(texts), author=author, genre=genre):
        out.append(SentenceSpeaker(a.speaker, a.mention, a.mention or a.speaker))
    return out
