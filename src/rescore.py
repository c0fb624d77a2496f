"""Re-score a saved run on labelled sentences with the metrics training uses.

    python -m src.rescore RUN_DIR SENTENCES [--context previous] [--json]

It joins the two flows, so it lives apart from both: it loads the run as labelling does
(:func:`src.labelling.load_labeller`) and scores with training's :func:`src.evaluate.evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from src.config import ContextMode
from src.evaluate import Evaluation, evaluate


def rescore(model_dir: str | Path, sentences: str | Path, context: str | None = None) -> Evaluation:
    """Score a saved model on a labelled sentence file (JSONL or CSV) with the same metrics as training.

    The file's labels are validated against the *model's* label sets: a label the model was not trained on is
    reported as ``file:line: field: unknown label ...; allowed labels: <the model's labels>``.

    Args:
        model_dir: A run directory or its ``model/`` folder.
        sentences: Labelled sentences (at least ``id``, ``doc_id``, ``text`` and the model's label fields).
        context: The context mode to build (``none``, ``previous``, ``speaker``); ``None`` uses the one the model
            was trained with.

    Returns:
        The evaluation under the split name ``rescore``.
    """
    from src.data.corpus import load_corpus, to_examples
    from src.labelling import load_labeller

    model = load_labeller(model_dir).model
    corpus = load_corpus(sentences, model.heads)
    examples = to_examples(
        corpus,
        list(dict.fromkeys(corpus.sentences["doc_id"])),
        model.heads,
        model.context_ if context is None else str(context),
    )
    proba = model.predict_proba(examples.texts, examples.contexts)
    # Document ids (sentence ids are "<doc_id>-sNNN" in the bundled format; any id works as its own document).
    doc_of = dict(zip(corpus.sentences["id"], corpus.sentences["doc_id"], strict=True))
    groups = [doc_of[i] for i in examples.ids or []] or None
    return evaluate(
        examples.labels,  # type: ignore[arg-type]
        model.decode(proba),
        model.heads,
        "rescore",
        proba=proba,
        groups=groups,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m src.rescore RUN_DIR SENTENCES [--context MODE]``: re-score a saved model on labelled data."""
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
        choices=[mode.value for mode in ContextMode],
        default=None,
        help="default: what the model was trained with",
    )
    parser.add_argument("--json", action="store_true", help="print all metrics as JSON")
    args = parser.parse_args(argv)
    try:
        result = rescore(args.run_dir, args.sentences, args.context)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result.to_dict(), indent=2) if args.json else run_summary(result.scalars, ("rescore",)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
