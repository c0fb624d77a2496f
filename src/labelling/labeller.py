"""Label new text with a saved run: ``load_labeller(run_or_model_dir)`` -> :class:`Labeller`.

    from src.labelling import load_labeller
    labeller = load_labeller("outputs/runs/2026-01-01_12-00-00_000000_multitask_tfidf")
    labeller.predict(["Tokyo and Washington reaffirmed their alliance."])
    labeller.predict_article(open("article.txt").read())

The stance comes from the trained model. The speaker's name, and the role of every speaker the rules can place,
come from the speaker package (``src.speakers``), which needs no training; the model's role head (tasks
``multitask`` and ``speaker_role``) answers for the sentences whose speaker the rules cannot place.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from src.data.context import previous_sentences
from src.errors import ModelError
from src.labelling.records import per_sentence
from src.models import load_model as load_saved_model
from src.models.base import META_FILE, StanceModel

# The codebook's field for the side a speaker speaks for: the speaker rules fill it, and a head trained on it is
# the fallback for sentences the rules cannot place.
SPEAKER_ROLE = "speaker_role"
# What the caller may say about an article (see src.speakers.attribute_document).
DOCUMENT_FIELDS = ("genre", "author", "publisher", "date")
# Below this much raw text per process, starting work in a second process costs more than it saves.
MIN_CHARS_PER_WORKER = 20_000


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def default_workers(model: StanceModel) -> int:
    """Processes to label with: every core for single-threaded families, one for those torch parallelizes.

    Parallel labelling forks the loaded model into the workers, so it needs the ``fork`` start method (Linux);
    elsewhere labelling stays in one process.
    """
    if model.multithreaded or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return available_cores()


def split_by_length(texts: Sequence[str], parts: int) -> list[range]:
    """Cut ``texts`` into at most ``parts`` contiguous ranges of about equal total length (order kept)."""
    total = sum(map(len, texts))
    parts = max(1, min(parts, len(texts), total // MIN_CHARS_PER_WORKER))
    bounds, running, target = [0], 0, total / parts
    for i, text in enumerate(texts):
        running += len(text)
        if running >= target * len(bounds) and len(bounds) < parts and i + 1 < len(texts):
            bounds.append(i + 1)
    bounds.append(len(texts))
    return [range(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


_WORKER_LABELLER: Labeller | None = None


def _start_worker(model: StanceModel, batch_size: int, officeholders: Any) -> None:
    global _WORKER_LABELLER
    _WORKER_LABELLER = Labeller(model, batch_size=batch_size, workers=1, officeholders=officeholders)
    # Everything inherited from the parent is long-lived: keep the garbage collector from walking it again (a
    # full collection over it cost about 100 ms, half a corpus pass) and from copying its pages on write.
    gc.freeze()


def _label_in_worker(
    raw_texts: list[str], html: bool | None, documents: list[dict[str, Any]]
) -> list[list[dict[str, Any]]]:
    assert _WORKER_LABELLER is not None, "worker started without its model"
    return _WORKER_LABELLER._label_articles(raw_texts, html, documents)


def resolve_model_dir(path: str | os.PathLike[str]) -> Path:
    """Accept a run directory (holding ``model/``) or a model directory itself."""
    path = Path(path)
    if (path / "model" / META_FILE).is_file():
        return path / "model"
    if (path / META_FILE).is_file() or not (path / "model").is_dir():
        return path
    return path / "model"


class Labeller:
    """A loaded model plus article-level labelling.

    Args:
        model: Any fitted :class:`~src.models.base.StanceModel`.
        batch_size: Sentences per call to the model (bounds memory on long inputs).
        workers: Processes that label articles side by side (see :func:`default_workers`). Ingestion, attribution
            and the TF-IDF model are single-threaded Python, so a second core needs a second process. Workers
            are forked once, on the first large enough input, and live as long as the labeller (or until
            :meth:`close`).
    """

    def __init__(
        self, model: StanceModel, batch_size: int = 2048, workers: int = 1, officeholders: Any = None
    ) -> None:
        self.model = model
        self.officeholders = officeholders
        self.batch_size = batch_size
        self.workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        """Stop the worker processes (a later large input starts them again)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Labeller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_pool": None}

    def _worker_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers - 1,  # this process labels a share too
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(self.model, self.batch_size, self.officeholders),
            )
        return self._pool

    @property
    def heads(self) -> list[str]:
        return [h.name for h in self.model.heads]

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Labels and probabilities of every head the model was trained on, per sentence.

        Args:
            texts: Sentences.
            contexts: Previous sentences (used only by models trained with ``data.context=previous``;
                missing contexts count as empty).

        Returns:
            Per sentence ``{"labels": {head: label}, "probabilities": {head: {label: p}}}``; multi-label heads
            give a list of labels.
        """
        return [
            {"labels": labels, "probabilities": probabilities}
            for labels, probabilities in self._predictions(texts, contexts)
        ]

    def _predictions(
        self, texts: Sequence[str], contexts: Sequence[str] | None
    ) -> Iterator[tuple[dict[str, Any], dict[str, dict[str, float]]]]:
        """Per sentence ``(labels by head, probabilities by head)``, ``batch_size`` sentences per model call."""
        texts = list(texts)
        if contexts is None and self.model.uses_context_:
            contexts = [""] * len(texts)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            batch_contexts = None if contexts is None else list(contexts[start : start + self.batch_size])
            labels, probabilities = per_sentence(
                self.model, self.model.predict_proba(batch, batch_contexts), 4
            )
            yield from zip(labels, probabilities, strict=True)

    def predict_article(
        self,
        raw_text: str,
        *,
        html: bool | None = None,
        genre: str | None = None,
        author: str | None = None,
        publisher: str | None = None,
        date: str | None = None,
    ) -> list[dict[str, Any]]:
        """Ingest a raw article and label it sentence by sentence.

        Args:
            raw_text: The article as a reader sees it (plain text or HTML): title, source lines, body. Page
                furniture is dropped; the header after the title says who issued it.
            html: Force (True) or forbid (False) HTML parsing; detected when None.
            genre: Document genre if known (codebook §9.3); otherwise read from the header and title.
            author: The issuing author, if known: the speaker of the document's unsourced sentences.
            publisher: The publisher or source, if known (read like a header line).
            date: The document's date (``YYYY-MM-DD``) for the officeholders tables; else the header's date.

        Returns:
            One record per sentence: index, text, transcript turn, each head's label and probabilities, speaker
            name and mention, speaker role and where it came from (``role_source``: ``turn``, ``mention``,
            ``issuer``, or ``classifier`` when the role head decided).
        """
        document = {"genre": genre, "author": author, "publisher": publisher, "date": date}
        return self.predict_articles([raw_text], html=html, documents=[document])[0]

    def predict_articles(
        self,
        raw_texts: Sequence[str],
        *,
        html: bool | None = None,
        genre: str | None = None,
        author: str | None = None,
        documents: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[list[dict[str, Any]]]:
        """Label several articles, batching their sentences through the model together (see ``predict_article``).

        Args:
            raw_texts: The articles.
            html: Force or forbid HTML parsing; detected per article when None.
            genre: A genre for every article (one article's own ``documents`` entry wins).
            author: An issuing author for every article (likewise).
            documents: Per article, what is known of it: any of ``genre``, ``author``, ``publisher``, ``date``.

        With ``workers > 1`` and enough text, the articles are cut into contiguous shares labelled side by side
        in worker processes and in this one; the records come back in input order, identical to a one-process
        run.
        """
        documents = _document_options(len(raw_texts), genre, author, documents)
        shares = split_by_length(raw_texts, self.workers) if self.workers > 1 else [range(len(raw_texts))]
        if len(shares) <= 1:
            return self._label_articles(raw_texts, html, documents)
        pool = self._worker_pool()
        pending = [
            pool.submit(_label_in_worker, [raw_texts[i] for i in share], html, [documents[i] for i in share])
            for share in shares[1:]
        ]
        labelled = self._label_articles(
            [raw_texts[i] for i in shares[0]], html, [documents[i] for i in shares[0]]
        )
        for share, future in zip(shares[1:], pending, strict=True):
            try:
                labelled.extend(future.result())
            except BrokenProcessPool:
                # A worker died (killed for memory, say): label its share here; the next call forks afresh.
                warnings.warn("a labelling worker died; labelling its share in this process", stacklevel=2)
                self.close()
                labelled.extend(
                    self._label_articles([raw_texts[i] for i in share], html, [documents[i] for i in share])
                )
        return labelled

    def _label_articles(
        self, raw_texts: Sequence[str], html: bool | None, documents: Sequence[Mapping[str, Any]]
    ) -> list[list[dict[str, Any]]]:
        from src.labelling.ingest import ingest_article
        from src.speakers import attribute_document

        articles = [ingest_article(raw, html=html) for raw in raw_texts]
        speakers = [
            attribute_document(article, officeholders=self.officeholders, **options)
            for article, options in zip(articles, documents, strict=True)
        ]
        texts = [s.text for article in articles for s in article.sentences]
        predictions = self._predictions(texts, self._contexts(articles, speakers, texts))
        return [
            self._records(article.sentences, found, predictions)
            for article, found in zip(articles, speakers, strict=True)
        ]

    def _contexts(
        self, articles: Sequence[Any], speakers: Sequence[Sequence[Any]], texts: Sequence[str]
    ) -> list[str] | None:
        """What the model sees next to each sentence: what it saw in training (``data.context``)."""
        if self.model.context_ == "speaker":
            return [found.cue for document in speakers for found in document]
        if self.model.uses_context_:
            owners = [i for i, article in enumerate(articles) for _ in article.sentences]
            return previous_sentences(owners, texts)
        return None

    def _records(
        self,
        sentences: Sequence[Any],
        speakers: Sequence[Any],
        predictions: Iterator[tuple[dict[str, Any], dict[str, dict[str, float]]]],
    ) -> list[dict[str, Any]]:
        from src.speakers import speaker_fields
        from src.speakers.document import NARRATOR, UNIDENTIFIED_ISSUER

        records = []
        for sentence, found in zip(sentences, speakers, strict=True):
            labels, proba = next(predictions)
            record: dict[str, Any] = {"index": sentence.index, "text": sentence.text, "turn": sentence.turn}
            for head in self.model.heads:
                if head.field != SPEAKER_ROLE:
                    record[head.name] = labels[head.name]
                    record[f"{head.name}_probabilities"] = proba[head.name]
            record.update(speaker_fields(found))
            # The role of a resolved speaker comes from the speaker rules; the role head answers for the rest.
            role_head = next((h.name for h in self.model.heads if h.field == SPEAKER_ROLE), None)
            if record[SPEAKER_ROLE] is None and role_head is not None:
                record[SPEAKER_ROLE] = labels[role_head]
                record["role_source"] = "classifier"
                if found.method == "narrator" and labels[role_head] != NARRATOR:
                    record["speaker"] = UNIDENTIFIED_ISSUER  # an unsourced sentence whose issuer is unknown
            if role_head is not None:
                record[f"{SPEAKER_ROLE}_probabilities"] = proba[role_head]
            records.append(record)
        return records


def _document_options(
    n: int, genre: str | None, author: str | None, documents: Sequence[Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """Per article, the known facts for the speaker package, checked against the fields it takes."""
    if documents is not None and len(documents) != n:
        raise ValueError(f"got {len(documents)} document entries for {n} articles")
    out = []
    for entry in documents or [{}] * n:
        unknown = set(entry) - set(DOCUMENT_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown document fields {sorted(unknown)}; known: {', '.join(DOCUMENT_FIELDS)}"
            )
        options = {"genre": genre, "author": author, **{k: v for k, v in entry.items() if v is not None}}
        out.append({k: v for k, v in options.items() if v is not None})
    return out


def stance_profile(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per-article profile: stance counts overall and by speaker, and who frames whom as a threat.

    Returns:
        ``{"sentences": n, "stance": {label: n}, "by_speaker": {speaker: {"role": r, label: n}}}``.
    """

    def stances(record: dict[str, Any]) -> list[str]:
        if "stance" in record:
            return list(record["stance"]) or ["none"]
        return [record["primary_stance"]] if "primary_stance" in record else []

    overall: Counter[str] = Counter()
    by_speaker: dict[str, Counter[str]] = {}
    roles: dict[str, Counter[str]] = {}
    for record in records:
        labels = stances(record)
        overall.update(labels)
        by_speaker.setdefault(record["speaker"], Counter()).update(labels)
        if record.get(SPEAKER_ROLE):
            roles.setdefault(record["speaker"], Counter())[record[SPEAKER_ROLE]] += 1
    return {
        "sentences": len(records),
        "stance": dict(overall.most_common()),
        "by_speaker": {
            speaker: {
                "role": roles[speaker].most_common(1)[0][0] if speaker in roles else None,
                **dict(counts.most_common()),
            }
            for speaker, counts in by_speaker.items()
        },
    }


def load_labeller(
    run_or_model_dir: str | os.PathLike[str],
    *,
    quantize: str | None = None,
    batch_size: int = 2048,
    workers: int | None = None,
    officeholders: Sequence[str | os.PathLike[str]] = (),
) -> Labeller:
    """Load a saved run (or its ``model/`` directory) for labelling.

    Args:
        run_or_model_dir: A run directory written by ``python -m src.train``, or its ``model/`` subdirectory.
        quantize: ``"int8"``: predict through ONNX Runtime with int8 weights (transformer family; faster on CPU,
            slightly different outputs; exported into the model directory on first use); ``None``: full precision.
        batch_size: Sentences per model call.
        workers: Labelling processes; ``None`` picks :func:`default_workers` (every core for TF-IDF, one for the
            torch families, which use every core already).
        officeholders: Your own officeholders tables (CSV, the columns of ``data/speakers/officeholders.csv``),
            consulted before the shipped table.

    Raises:
        ModelError: Missing files, an incompatible package version, or untrusted content.
        ConfigError: ``quantize`` is not a known choice.
    """
    from src.config import Quantization, choice

    mode = None if quantize is None else choice(Quantization, quantize, "quantize")
    model_dir = resolve_model_dir(run_or_model_dir)
    model = load_saved_model(model_dir)
    if mode is Quantization.int8:
        if not model.supports_int8:
            raise ModelError(f"{run_or_model_dir}: quantize: the {model.family} family has no int8 mode")
        model = model.quantize(model_dir)
    from src.speakers.officeholders import load_officeholders

    return Labeller(
        model,
        batch_size=batch_size,
        workers=default_workers(model) if workers is None else workers,
        officeholders=load_officeholders(officeholders),
    )
