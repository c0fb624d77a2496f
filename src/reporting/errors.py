"""Error analysis of a report: a TF-IDF model's top n-grams per class, the most confident errors, and macro-F1
on slices of the sentences (per genre of their document, per actor they mention)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from src.bootstrap import scores
from src.errors import DataError
from src.reporting.groups import HeadSplit
from src.reporting.runs import HeadSpec
from src.reporting.stats import bootstrap_scores

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
ACTORS_FILE = DATA_DIR / "reporting" / "actors.yaml"
# The one list of country names and capitals, and the adjectives and metonyms added to it (see ACTORS_FILE).
COUNTRY_NAMES = (DATA_DIR / "speakers" / "lexicon.yaml", "countries")
COUNTRY_WORDS = (DATA_DIR / "speakers" / "affiliation.yaml", "country_words")
# How the TF-IDF feature branches (src.models.tfidf_features.feature_union) are shown: word n-grams bare.
BRANCH_FORMAT = {"word": "{}", "char": "[{}]", "context_word": "ctx:{}"}
NO_ACTOR = "(none of these)"


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(path, None, None, f"cannot read it ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(path, None, None, "must be a mapping")
    return data


@lru_cache(maxsize=4)
def load_actors(path: str | Path = ACTORS_FILE) -> dict[str, re.Pattern[str]]:
    """Each actor of ``path`` with a pattern matching any of its words as a whole word (case-sensitive).

    Raises:
        DataError: A file is unreadable, or an actor has no words.
    """
    path = Path(path)
    actors = _yaml(path).get("actors")
    if not isinstance(actors, dict) or not actors:
        raise DataError(path, None, "actors", "must map each actor to a list of extra words (possibly empty)")
    names_file, names_key = COUNTRY_NAMES
    words_file, words_key = COUNTRY_WORDS
    words: dict[str, set[str]] = {str(actor): set(extra or []) for actor, extra in actors.items()}
    for word, country in (_yaml(names_file).get(names_key) or {}).items():
        if country in words:
            words[country].add(str(word))
    for country, adjectives in (_yaml(words_file).get(words_key) or {}).items():
        if country in words:
            words[country].update(str(w) for w in adjectives or [])
    patterns = {}
    for actor, found in words.items():
        if not found:
            raise DataError(
                path, None, actor, f"no words: not in {names_file.name} `{names_key}`, none listed"
            )
        alternation = "|".join(re.escape(w) for w in sorted(found, key=len, reverse=True))
        patterns[actor] = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    return patterns


@lru_cache(maxsize=8)
def document_genres(path: str) -> dict[str, str]:
    """``doc_id`` -> genre from a corpus documents file (JSONL or CSV)."""
    from src.data.corpus import read_records

    return {str(r.get("doc_id")): str(r.get("genre") or "?") for _, r in read_records(path, "documents file")}


def feature_names(model: Any) -> list[str]:
    """A TF-IDF model's feature names in column order, shown by branch (:data:`BRANCH_FORMAT`)."""
    return [
        BRANCH_FORMAT.get(branch, branch + ":{}").format(term)
        for branch, pipeline in model.features_.transformer_list
        for term in pipeline.named_steps["tfidf"].get_feature_names_out()
    ]


def top_ngrams(model: Any, head: HeadSpec, k: int = 10) -> dict[str, list[tuple[str, float]]]:
    """The ``k`` n-grams with the largest weights towards each label in a TF-IDF model's classifier.

    Args:
        model: A loaded :class:`~src.models.tfidf.TfidfModel` (``src.models.load_model``).
        head: The head whose classifier is read.
        k: N-grams per label.

    Returns:
        Label -> ``[(n-gram, weight), ...]``, n-grams shown by branch (:data:`BRANCH_FORMAT`).
    """
    from sklearn.multiclass import OneVsRestClassifier

    names = feature_names(model)
    clf = model.classifiers_[head.name]
    if isinstance(clf, OneVsRestClassifier):
        rows = {
            head.labels[int(c)]: np.ravel(est.coef_)
            for c, est in zip(clf.classes_, clf.estimators_, strict=True)
            if hasattr(est, "coef_")  # a label never positive in training gets a constant predictor
        }
    else:
        coef, classes = np.atleast_2d(clf.coef_), [str(c) for c in clf.classes_]
        rows = (
            {classes[1]: coef[0], classes[0]: -coef[0]}
            if len(coef) == 1
            else dict(zip(classes, coef, strict=True))
        )
    out = {}
    for label in head.labels:
        if label in rows:
            weights = rows[label]
            best = np.argsort(-weights, kind="stable")[:k]
            out[label] = [(names[i], float(weights[i])) for i in best]
    return out


@dataclass(frozen=True)
class ConfidentError:
    gold: str
    pred: str
    confidence: float
    sentence_id: str
    text: str


def confident_errors(data: HeadSplit, run: int = 0, k: int = 3) -> list[ConfidentError]:
    """Per gold label, the ``k`` wrong predictions of run ``run`` given the highest probability (single-label)."""
    out: list[ConfidentError] = []
    for label in data.head.labels:
        wrong = [
            ConfidentError(label, str(p), float(proba.get(p, float("nan"))), i, t)
            for i, t, g, p, proba in zip(
                data.ids, data.texts, data.gold, data.preds[run], data.probas[run], strict=True
            )
            if g == label and p != g
        ]
        wrong.sort(key=lambda e: -e.confidence if e.confidence == e.confidence else 0.0)
        out.extend(wrong[:k])
    return out


@dataclass(frozen=True)
class Slice:
    """Pooled scores of the sentences of one slice (a genre, an actor)."""

    kind: str
    name: str
    sentences: int
    documents: int
    macro_f1: float
    low: float | None
    high: float | None
    accuracy: float
    unit: str  # what the interval resamples: document, or sentence when the slice has one document
    overpredicted: (
        str  # the label predicted more often than gold by the widest margin, e.g. "threat_framing +0.12"
    )


def _overpredicted(data: HeadSplit, rows: np.ndarray) -> str:
    if data.head.multilabel:
        return ""
    gold = np.array([g for g, keep in zip(data.gold, rows, strict=True) if keep], dtype=object)
    preds = [
        np.array([p for p, keep in zip(ps, rows, strict=True) if keep], dtype=object) for ps in data.preds
    ]
    excess = {
        label: float(np.mean([np.mean(p == label) for p in preds]) - np.mean(gold == label))
        for label in data.head.labels
    }
    label = max(excess, key=lambda lab: excess[lab])
    return f"{label} {excess[label]:+.2f}" if excess[label] > 0 else ""


def slice_scores(data: HeadSplit, kind: str, members: dict[str, np.ndarray], seed: int = 0) -> list[Slice]:
    """Scores per slice; ``members`` maps each slice's name to a boolean mask over the sentences."""
    out = []
    for name, rows in members.items():
        if not rows.any():
            continue
        docs = {d for d, keep in zip(data.docs, rows, strict=True) if keep}
        unit = "document" if len(docs) >= 2 else "sentence"
        interval = bootstrap_scores(data.table(unit, rows), data.n_labels, data.head.multilabel, seed=seed)
        point = scores(data.counts[rows].sum(axis=0), data.n_labels, data.head.multilabel)
        out.append(
            Slice(
                kind,
                name,
                int(rows.sum()),
                len(docs),
                float(point[0]),
                None if interval.low is None else float(interval.low[0]),
                None if interval.high is None else float(interval.high[0]),
                float(point[1]),
                unit,
                _overpredicted(data, rows),
            )
        )
    return out


def genre_slices(data: HeadSplit, documents_file: str | None) -> list[Slice]:
    """Per genre of the sentences' documents (from the run's ``data.documents``)."""
    if not documents_file or not Path(documents_file).is_file():
        return []
    genres = document_genres(str(documents_file))
    of = np.array([genres.get(d, "?") for d in data.docs], dtype=object)
    return slice_scores(data, "genre", {g: of == g for g in sorted(set(of))})


def actor_slices(data: HeadSplit, actors: dict[str, re.Pattern[str]] | None = None) -> list[Slice]:
    """Per actor mentioned (a sentence may mention several), and the sentences mentioning none."""
    actors = load_actors() if actors is None else actors
    mentions = {a: np.array([bool(p.search(t)) for t in data.texts], dtype=bool) for a, p in actors.items()}
    mentions[NO_ACTOR] = (
        ~np.any(list(mentions.values()), axis=0) if mentions else np.ones(len(data.ids), bool)
    )
    return slice_scores(data, "actor", mentions)
