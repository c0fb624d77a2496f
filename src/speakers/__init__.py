"""Who speaks each sentence of a document, and for whom: the speaker half of labelling.

The flow, one module each: ``cues`` and ``quotes`` find where a sentence names its source; ``mentions`` turns a
mention into a canonical speaker within the document; ``turns`` reads transcript turn labels; ``issuer`` works
out whose voice the document's unsourced sentences are; ``affiliation`` and ``officeholders`` say for whom a
speaker speaks; ``attribution`` orders the rules; ``document`` puts them together; ``evaluate`` scores them.
Word lists and officeholders are data (``data/speakers/``), not code.
"""

from __future__ import annotations

from typing import Any

from src.speakers.document import SentenceSpeaker, attribute_document, attribute_sentences, speaker_fields

__all__ = [
    "SentenceSpeaker",
    "attribute_document",
    "attribute_sentences",
    "speaker_fields",
    "speaker_records",
]


def speaker_records(article: Any, **options: Any) -> list[dict[str, Any]]:
    """Per sentence of an ingested article, its text and speaker fields (see :func:`attribute_document`)."""
    return [
        {"text": sentence.text, **speaker_fields(found)}
        for sentence, found in zip(article.sentences, attribute_document(article, **options), strict=True)
    ]
