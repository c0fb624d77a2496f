"""Label new text with a saved run: ``load_labeller(run_or_model_dir)`` -> :class:`Labeller`.

    from src.labelling import load_labeller
    labeller = load_labeller("outputs/runs/2026-01-01_12-00-00_000000_multitask_tfidf")
    labeller.predict(["Tokyo and Washington reaffirmed their alliance."])
    labeller.predict_article(open("article.txt").read())

The stance and the speaker *role* come from the trained model; the speaker's *name* comes from rule-based
attribution (``src.speakers.attribution``), which needs no training.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from src.data.context import previous_sentences
from src.errors import ModelError
from src.labelling.records import per_sentence
from src.models import load_model as load_saved_model
from src.models.base import META_FILE, StanceModel

STANCE_HEADS = ("primary_stance", "stance")
ROLE_HEAD = "speaker_role"
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


def _start_worker(model: StanceModel, batch_size: int) -> None:
    global _WORKER_LABELLER
    _WORKER_LABELLER = Labeller(model, batch_size=batch_size, workers=1)
    # Everything inherited from the parent is long-lived: keep the garbage collector from walking it again (a
    # full collection over it cost about 100 ms, half a corpus pass) and from copying its pages on write.
    gc.freeze()


def _label_in_worker(raw_texts: list[str], options: dict[str, Any]) -> list[list[dict[str, Any]]]:
    assert _WORKER_LABELLER is not None, "worker started without its model"
    return _WORKER_LABELLER.predict_articles(raw_texts, **options)


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

    def __init__(self, model: StanceModel, batch_size: int = 2048, workers: int = 1) -> None:
        self.model = model
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
                initargs=(self.model, self.batch_size),
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
        self, raw_text: str, *, html: bool | None = None, genre: str | None = None, author: str | None = None
    ) -> list[dict[str, Any]]:
        """Ingest a raw article and label it sentence by sentence.

        Args:
            raw_text: The article as a reader sees it (plain text or HTML); page furniture is dropped.
            html: Force (True) or forbid (False) HTML parsing; detected when None.
            genre: Document genre if known (official genres attribute unsourced sentences to ``author``).
            author: Issuing author of an official document.

        Returns:
            One record per body sentence: index, text, transcript turn, stance labels and probabilities, speaker
            name and mention (attribution), speaker role (classifier, when the model has that head).
        """
        return self.predict_articles([raw_text], html=html, genre=genre, author=author)[0]

    def predict_articles(
        self,
        raw_texts: Sequence[str],
        *,
        html: bool | None = None,
        genre: str | None = None,
        author: str | None = None,
    ) -> list[list[dict[str, Any]]]:
        """Label several articles, batching their sentences through the model together (see ``predict_article``).

        With ``workers > 1`` and enough text, the articles are cut into contiguous shares labelled side by side
        in worker processes and in this one; the records come back in input order, identical to a one-process
        run.
        """
        options = {"html": html, "genre": genre, "author": author}
        shares = split_by_length(raw_texts, self.workers) if self.workers > 1 else [range(len(raw_texts))]
        if len(shares) <= 1:
            return self._label_articles(raw_texts, **options)
        pool = self._worker_pool()
        pending = [
            pool.submit(_label_in_worker, [raw_texts[i] for i in share], options) for share in shares[1:]
        ]
        labelled = self._label_articles([raw_texts[i] for i in shares[0]], **options)
        for share, future in zip(shares[1:], pending, strict=True):
            try:
                labelled.extend(future.result())
            except BrokenProcessPool:
                # A worker died (killed for memory, say): label its share here; the next call forks afresh.
                warnings.warn("a labelling worker died; labelling its share in this process", stacklevel=2)
                self.close()
                labelled.extend(self._label_articles([raw_texts[i] for i in share], **options))
        return labelled

    def _label_articles(
        self,
        raw_texts: Sequence[str],
        *,
        html: bool | None,
        genre: str | None,
        author: str | None,
    ) -> list[list[dict[str, Any]]]:
        from src.labelling.ingest import ingest
        from src.speakers.attribution import attribute

        articles = [ingest(raw, html=html) for raw in raw_texts]
        texts = [s.text for sentences in articles for s in sentences]
        contexts = None
        if self.model.uses_context_:
            owners = [i for i, sentences in enumerate(articles) for _ in sentences]
            contexts = previous_sentences(owners, texts)
        predictions = self._predictions(texts, contexts)
        return [
            self._records(sentences, attribute(sentences, author=author, genre=genre), predictions)
            for sentences in articles
        ]

    @staticmethod
    def _records(
        sentences: Sequence[Any],
        attributions: Sequence[Any],
        predictions: Iterator[tuple[dict[str, Any], dict[str, dict[str, float]]]],
    ) -> list[dict[str, Any]]:
        records = []
        for sentence, attribution in zip(sentences, attributions, strict=True):
            labels, proba = next(predictions)
            record: dict[str, Any] = {"index": sentence.index, "text": sentence.text, "turn": sentence.turn}
            for head in STANCE_HEADS:
                if head in labels:
                    record[head] = labels[head]
                    record[f"{head}_probabilities"] = proba[head]
            record["speaker"] = attribution.speaker
            record["speaker_mention"] = attribution.mention
            record[ROLE_HEAD] = labels.get(ROLE_HEAD)
            if ROLE_HEAD in proba:
                record[f"{ROLE_HEAD}_probabilities"] = proba[ROLE_HEAD]
            for head in labels:  # heads of users' own schemes pass through unchanged
                if head not in STANCE_HEADS and head != ROLE_HEAD:
                    record[head] = labels[head]
            records.append(record)
        return records


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
        if record.get(ROLE_HEAD):
            roles.setdefault(record["speaker"], Counter())[record[ROLE_HEAD]] += 1
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
    quantize: bool = False,
    batch_size: int = 2048,
    workers: int | None = None,
) -> Labeller:
    """Load a saved run (or its ``model/`` directory) for labelling.

    Args:
        run_or_model_dir: A run directory written by ``python -m src.train``, or its ``model/`` subdirectory.
        quantize: Apply int8 dynamic quantization (transformer family; faster on CPU, slightly different outputs).
        batch_size: Sentences per model call.
        workers: Labelling processes; ``None`` picks :func:`default_workers` (every core for TF-IDF, one for the
            torch families, which use every core already).

    Raises:
        ModelError: Missing files, an incompatible package version, or untrusted content.
    """
    model = load_saved_model(resolve_model_dir(run_or_model_dir))
    if quantize:
        if not model.supports_int8:
            raise ModelError(f"{run_or_model_dir}: quantize: the {model.family} family has no int8 mode")
        model = model.quantize()
    return Labeller(
        model, batch_size=batch_size, workers=default_workers(model) if workers is None else workers
    )
