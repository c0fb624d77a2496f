"""What a model sees next to each sentence (``data.context``).

* ``none``: the sentence alone;
* ``previous``: the previous sentence of the same document (``""`` for a document's first sentence);
* ``speaker``: who the speaker package says is speaking: the words that name the speaker (the mention, the
  transcript turn label, the document's issuer) or ``narrator``. The role head then learns from who speaks as
  well as from what is said, and training sees exactly what labelling will see, because both run the same
  attribution over the document.

Sentences are always given in document order, so a document's sentences are contiguous.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

CONTEXT_MODES = ("none", "previous", "speaker")


def previous_sentences(doc_ids: Sequence[str], texts: Sequence[str]) -> list[str]:
    """The previous sentence of the same document for each sentence (``""`` for a document's first sentence)."""
    out, last_doc, last_text = [], None, ""
    for doc, text in zip(doc_ids, texts, strict=True):
        out.append(last_text if doc == last_doc else "")
        last_doc, last_text = doc, text
    return out


def speaker_cues(
    doc_ids: Sequence[str], texts: Sequence[str], documents: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """The speaker cue of every sentence, attributing each document's sentences together.

    Args:
        doc_ids: Document of each sentence.
        texts: Sentence texts (a document's first sentence is its title).
        documents: Document metadata by id (``genre``, ``publisher``, ``title``); missing metadata means the
            issuer is unknown, as for a raw article without a source line.
    """
    from src.speakers import attribute_sentences

    documents = documents or {}
    cues: list[str] = []
    position = 0
    for doc, group in groupby(doc_ids):
        n = len(list(group))
        meta = documents.get(doc, {})
        attributions = attribute_sentences(
            texts[position : position + n], genre=meta.get("genre"), publisher=meta.get("publisher")
        )
        cues.extend(a.cue for a in attributions)
        position += n
    return cues


def build_contexts(
    mode: str,
    doc_ids: Sequence[str],
    texts: Sequence[str],
    documents: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str] | None:
    """Contexts for ``mode`` (see the module docstring); ``None`` for ``none``."""
    if mode not in CONTEXT_MODES:
        raise ValueError(f"context must be one of {CONTEXT_MODES}, got {mode!r}")
    if mode == "previous":
        return previous_sentences(doc_ids, texts)
    if mode == "speaker":
        return speaker_cues(doc_ids, texts, documents)
    return None
