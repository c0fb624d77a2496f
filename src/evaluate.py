"""One evaluation for training, re-scoring and reports: gold vs predicted labels -> namespaced metrics.

Scalar metrics are flat ``"<split>/<head>/<metric>"`` floats (``test/primary_stance/macro_f1``); per-class
figures add the label (``test/primary_stance/f1/cooperative``). Confusion matrices are returned separately.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    hamming_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)

from src.tasks import Head


@dataclass
class Evaluation:
    """Metrics of one or more (split, head) pairs.

    Attributes:
        scalars: ``"<split>/<head>/<metric>"`` -> float, every value in [0, 1].
        confusion: ``"<split>/<head>"`` -> ``{"labels": [...], "matrix": [[...]]}`` (rows gold, columns predicted);
            for multi-label heads, ``{"labels": [...], "matrices": [[[tn, fp], [fn, tp]], ...]}`` per label.
        support: ``"<split>/<head>"`` -> number of sentences scored.
    """

    scalars: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, dict[str, Any]] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)

    def update(self, other: Evaluation) -> Evaluation:
        self.scalars.update(other.scalars)
        self.confusion.update(other.confusion)
        self.support.update(other.support)
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.scalars, "confusion_matrices": self.confusion, "support": self.support}


def evaluate_head(gold: Sequence[Any], pred: Sequence[Any], head: Head, split: str) -> Evaluation:
    """Score one head on one split.

    Args:
        gold: Gold labels (strings, or label lists for multi-label heads).
        pred: Predicted labels in the same form.
        head: The head (its label order fixes the per-class and confusion-matrix order).
        split: Split name used as the key prefix.

    Returns:
        Accuracy (subset accuracy for multi-label), macro/weighted F1, macro precision/recall, per-class
        precision/recall/F1, the confusion matrix; multi-label heads add micro F1 and Hamming loss.
    """
    prefix = f"{split}/{head.name}"
    result = Evaluation(support={prefix: len(gold)})
    if len(gold) == 0:
        return result
    labels = list(head.labels)
    if head.multilabel:
        y_true = np.array([[lab in row for lab in labels] for row in gold], dtype=int)
        y_pred = np.array([[lab in row for lab in labels] for row in pred], dtype=int)
        result.scalars[f"{prefix}/micro_f1"] = float(
            f1_score(y_true, y_pred, average="micro", zero_division=0)
        )
        result.scalars[f"{prefix}/hamming_loss"] = float(hamming_loss(y_true, y_pred))
        matrices = multilabel_confusion_matrix(y_true, y_pred)
        result.confusion[prefix] = {"labels": labels, "matrices": matrices.tolist()}
        average_kwargs: dict[str, Any] = {}
        per_class_kwargs: dict[str, Any] = {}
    else:
        y_true, y_pred = np.array(gold, dtype=object), np.array(pred, dtype=object)
        matrix = confusion_matrix(y_true, y_pred, labels=labels)
        result.confusion[prefix] = {"labels": labels, "matrix": matrix.tolist()}
        # Averages run over the labels that occur in gold or predictions (as the transformer's early-stopping
        # metric does): a label absent from a small split would otherwise add a spurious zero to macro-F1.
        # Per-class figures and the confusion matrix keep every label of the head.
        occurring = set(gold) | set(pred)
        average_kwargs = {"labels": [lab for lab in labels if lab in occurring]}
        per_class_kwargs = {"labels": labels}
    result.scalars[f"{prefix}/accuracy"] = float(accuracy_score(y_true, y_pred))
    for average in ("macro", "weighted"):
        result.scalars[f"{prefix}/{average}_f1"] = float(
            f1_score(y_true, y_pred, average=average, zero_division=0, **average_kwargs)
        )
    p, r, _, _ = precision_recall_fscore_support(
        y_true, y_pred, average="macro", zero_division=0, **average_kwargs
    )
    result.scalars[f"{prefix}/macro_precision"] = float(p)
    result.scalars[f"{prefix}/macro_recall"] = float(r)
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0, **per_class_kwargs
    )
    for i, label in enumerate(labels):
        result.scalars[f"{prefix}/precision/{label}"] = float(p[i])
        result.scalars[f"{prefix}/recall/{label}"] = float(r[i])
        result.scalars[f"{prefix}/f1/{label}"] = float(f[i])
        result.scalars[f"{prefix}/support/{label}"] = float(s[i]) / len(gold)  # share of sentences, in [0, 1]
    return result


def evaluate(
    gold: dict[str, Sequence[Any]], pred: dict[str, Sequence[Any]], heads: Sequence[Head], split: str
) -> Evaluation:
    """Score every head of a task on one split (see :func:`evaluate_head`)."""
    result = Evaluation()
    for head in heads:
        result.update(evaluate_head(gold[head.name], pred[head.name], head, split))
    return result


def rescore(model_dir: str | Path, sentences: str | Path, context: str = "none") -> Evaluation:
    """Score a saved model on a labelled sentence file (JSONL or CSV) with the same metrics as training.

    The file's labels are validated against the *model's* label sets: a label the model was not trained on is
    reported as ``file:line: field: unknown label ...; allowed labels: <the model's labels>``.

    Args:
        model_dir: A run directory or its ``model/`` folder.
        sentences: Labelled sentences (at least ``id``, ``doc_id``, ``text`` and the model's label fields).
        context: ``previous`` when the model was trained with ``data.context=previous``.

    Returns:
        The evaluation under the split name ``rescore``.
    """
    from src.data.corpus import load_corpus, to_examples
    from src.labelling.labeller import load_labeller

    labeller = load_labeller(model_dir)
    heads = labeller.model.heads
    corpus = load_corpus(sentences, heads)
    examples = to_examples(corpus, list(dict.fromkeys(corpus.sentences["doc_id"])), heads, context)
    predicted = labeller.model.predict(examples.texts, examples.contexts)
    return evaluate(examples.labels, predicted, heads, "rescore")  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m src.evaluate RUN_DIR SENTENCES [--context previous]``: re-score a saved model on labelled data."""
    import argparse
    import json
    import sys

    from src.errors import DiplostanceError
    from src.report import run_summary

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("sentences", type=Path)
    parser.add_argument(
        "--context",
        choices=("none", "previous"),
        default=None,
        help="default: what the model was trained with",
    )
    parser.add_argument("--json", action="store_true", help="print all metrics as JSON")
    args = parser.parse_args(argv)
    try:
        from src.labelling.labeller import resolve_model_dir
        from src.models.base import read_meta

        context = args.context or (
            "previous" if read_meta(resolve_model_dir(args.run_dir)).get("uses_context") else "none"
        )
        result = rescore(args.run_dir, args.sentences, context)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2) if args.json else run_summary(result.scalars, ("rescore",)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
