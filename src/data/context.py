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
from pathlib import Path
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
    doc_ids: Sequence[str],
    texts: Sequence[str],
    documents: Mapping[str, Mapping[str, Any]] | None = None,
    raw_dir: Path | None = None,
) -> list[str]:
    """The speaker cue of every sentence, attributing each document's sentences together.

    Args:
        doc_ids: Document of each sentence.
        texts: Sentence texts (a document's first sentence is its title).
        documents: Document metadata by id (``genre``, ``publisher``, ``date``); missing metadata means the
            issuer is unknown, as for a raw article without a source line.
        raw_dir: Folder of the documents' raw texts (``<doc_id>.txt``). A raw text whose ingested sentences are
            exactly the document's is attributed as labelling will attribute it, transcript turns and header
            included; otherwise the sentences are attributed on their own.
    """
    from src.labelling.ingest import ingest_article
    from src.labelling.reading import read_article
    from src.speakers import attribute_document, attribute_sentences
    from src.speakers.officeholders import load_officeholders

    officeholders = load_officeholders()
    documents = documents or {}
    cues: list[str] = []
    position = 0
    for doc, group in groupby(doc_ids):
        n = len(list(group))
        doc_texts = texts[position : position + n]
        meta = documents.get(doc, {})
        options = {
            "genre": meta.get("genre"),
            "publisher": meta.get("publisher"),
            "officeholders": officeholders,
        }
        raw_path = raw_dir / f"{doc}.txt" if raw_dir is not None else None
        article = (
            ingest_article(read_article(raw_path)) if raw_path is not None and raw_path.is_file() else None
        )
        if article is not None and [s.text for s in article.sentences] == list(doc_texts):
            found = attribute_document(article, date=meta.get("date"), **options)
        else:
            found = attribute_sentences(doc_texts, **options)
        cues.extend(f.cue for f in found)
        position += n
    return cues


def build_contexts(
    mode: str,
    doc_ids: Sequence[str],
    texts: Sequence[str],
    documents: Mapping[str, Mapping[str, Any]] | None = None,
    raw_dir: Path | None = None,
) -> list[str] | None:
    """Contexts for ``mode`` (see the module docstring and :func:`speaker_cues`); ``None`` for ``none``."""
    if mode not in CONTEXT_MODES:
        raise ValueError(f"context must be one of {CONTEXT_MODES}, got {mode!r}")
    if mode == "previous":
        return previous_sentences(doc_ids, texts)
    if mode == "speaker":
        return speaker_cues(doc_ids, texts, documents, raw_dir)
    return None
