"""Raw article text (plain or HTML) -> clean body sentences, with transcript turn labels.

The data flow is ``read_article`` (bytes -> text, with clear errors) -> ``ingest`` (text -> sentences):

1. HTML is flattened to one line per heading or paragraph (BeautifulSoup, ``html.parser``).
2. Page furniture lines are dropped: navigation, date-only lines, bylines, captions, video blocks (title, running
   time, player message), agency tags, "Advertisement" / "Share this article" / "Read more: ..." lines.
3. A line starting with a transcript turn label (``Moderator: ...``) records the label; the label is not text.
4. Headlines and cross-heads (lines without final punctuation) are sentences of their own; other lines are split
   into sentences. Sentences never span lines.

Sentence splitting is rule-based: a candidate boundary is terminal punctuation (plus closing quotes or brackets)
followed by whitespace and anything but a lower-case letter; a candidate is vetoed after a non-terminal
abbreviation ("Gen. Sato", "Jan. 6", "No. 4", "the U.S. Navy", "e.g.") and inside a quotation embedded in the
sentence that closes later on the same line, so ``He said "We will go. We must go." Then...`` keeps the quoted
passage in one sentence. A quotation that opens the sentence and holds whole sentences (``"We have a list.
Assurances are not enough," said X.``) is split at its inner sentence ends, as the corpus annotates it (hard tag
quote_spans_sentences, and attribution's continued quotes).

Why no library splitter: measured on the corpus raw files on this 2-core machine, pysbd keeps quotations whole
but runs at about 3,000 sentences/s, far below the pipeline's 20,000 sentences/s target. blingfire runs at about
70,000 sentences/s on the same lines but misses boundaries in sentences holding an abbreviation ("met Prof. Kim.
Done." stays one piece) and splits embedded quotations; with the repairs above applied to its output, its
candidates changed no boundary in the corpus while costing most of the ingest time, so the rules run alone.

Evaluate against the annotated corpus with ``python -m src.labelling.ingest --evaluate``; ingest one file with
``python -m src.labelling.ingest path/to/article.txt``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.data.corpus import read_annotated_corpus
from src.errors import DiplostanceError
from src.labelling.furniture import (
    SHORT_LINE,
    SKIP_SECTION,
    header_after,
    is_furniture,
    is_running_time,
    looks_like_heading,
)
from src.labelling.reading import html_lines, looks_like_html, read_article, text_lines
from src.labelling.sentences import split_sentences
from src.labelling.turn_labels import is_label, split_turn

__all__ = [
    "Article",
    "IngestedSentence",
    "ingest",
    "ingest_article",
    "read_article",
    "looks_like_html",
    "looks_like_heading",
    "evaluate_ingest",
    "main",
]

DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "data" / "corpus"


@dataclass(frozen=True, slots=True)
class IngestedSentence:
    """One body sentence of an article.

    Attributes:
        text: The sentence, verbatim from the source line (stripped; inner characters such as non-breaking spaces
            are kept so that the text matches the raw article exactly).
        index: 0-based position among the article's body sentences (0 is the headline).
        turn: The transcript turn label in force ("Moderator", "Spokesperson Wen Jiale"), or ``None``.
        paragraph: 0-based index of the body line (plain text) or block element (HTML) the sentence comes from.
        is_heading: The headline or a cross-head (a short line without final punctuation), never split.
    """

    text: str
    index: int
    turn: str | None
    paragraph: int
    is_heading: bool


@dataclass(frozen=True)
class Article:
    """An ingested article: its sentences and the header lines that say who issued it.

    Attributes:
        sentences: Body sentences in order; the first is the headline.
        header: The lines between the headline and the body that are not sentences: publisher, document type,
            official's name and office, byline, date, place ("Office of the Spokesperson", "Press Statement",
            "Karen Ashby, Deputy Spokesperson", "March 3, 2023"), in order.
    """

    sentences: list[IngestedSentence]
    header: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------------------------------------------


# A paragraph number before a paragraph's first sentence: "1. ", which the splitter would cut off as a sentence of
# its own. ("1)" and "(1)" stay: the sentence keeps them, as it always has.)
_PARAGRAPH_NUMBER = re.compile(r"\d{1,2}\.\s+(?=[A-Z“\"'‘])")


def ingest(raw: str, *, html: bool | None = None) -> list[IngestedSentence]:
    """The body sentences of a raw article (see :func:`ingest_article`)."""
    return ingest_article(raw, html=html).sentences


def ingest_article(raw: str, *, html: bool | None = None) -> Article:
    """Turn a raw article into its body sentences and header.

    Args:
        raw: The article: plain text (headline on the first line, paragraphs on their own lines, blocks
            separated by blank lines) or HTML.
        html: ``True`` forces HTML parsing, ``False`` plain text; ``None`` detects HTML from the markup.

    Returns:
        The :class:`Article`. Furniture lines are dropped, the header after the headline is kept apart,
        transcript turn labels are moved from the text to ``turn``. Lines after a turn line continue that turn
        until the next label or cross-head.
    """
    if html is None:
        html = looks_like_html(raw)
    lines = html_lines(raw) if html else text_lines(raw)
    sentences: list[IngestedSentence] = []
    header: list[str] = []
    skip: set[int] = set()
    section_titles: set[str] = set()
    turn: str | None = None
    paragraph = 0
    for i, (line, heading_tag, _block) in enumerate(lines):
        if i in skip or line in section_titles:
            if i in skip:
                header.append(line)
            continue
        section = SKIP_SECTION.match(line) if line[0] in "Ss" else None
        if section is not None:
            if sentences:
                break  # DW appends related stories after its first "Skip next section" line: the body is over
            section_titles.add(section.group(1).strip())
            continue
        if is_furniture(line, bool(sentences)):
            if len(sentences) == 1:  # a date or byline between headline and body is header too
                header.append(line)
            continue
        # A video block: the title is the line before a running time ("Dangerous territory: ...", then "26:01").
        if i + 1 < len(lines) and len(line) <= SHORT_LINE and is_running_time(lines[i + 1][0]):
            continue
        if not sentences:  # the headline: whole, never a turn; what follows may be a metadata header
            sentences.append(IngestedSentence(line, 0, None, paragraph, True))
            paragraph += 1
            skip.update(header_after(lines, i))
            continue
        label, text = (None, line) if heading_tag else split_turn(line)
        numbered = _PARAGRAPH_NUMBER.match(text) if text[0] in "0123456789" else None
        if numbered and numbered.end() < len(text):
            text = text[
                numbered.end() :
            ]  # "1. On May 3, ...": a readout's numbered paragraph, not a sentence "1."
        if label is not None:
            turn = label
        elif line[-1] == ":" and not heading_tag and is_label(line[:-1]):
            turn = line[:-1].strip()  # a label alone on its line: the turn's text follows (or is empty)
            continue
        is_heading = heading_tag or (label is None and looks_like_heading(text))
        if is_heading:
            turn = None  # a cross-head ends the current turn
        for piece in [text] if is_heading else split_sentences(text):
            sentences.append(IngestedSentence(piece, len(sentences), turn, paragraph, is_heading))
        paragraph += 1
    return Article(sentences, tuple(header))


# ----------------------------------------------------------------------------------------------------------------
# Evaluation against the annotated corpus
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class _DocResult:
    doc_id: str
    predicted: list[str]
    gold: list[str]
    true_positives: int

    @property
    def exact(self) -> bool:
        return self.predicted == self.gold


def _match(predicted: Sequence[str], gold: Sequence[str]) -> int:
    """Sentences predicted exactly as annotated (multiset intersection: order problems show as mismatches)."""
    return sum((Counter(predicted) & Counter(gold)).values())


def evaluate_ingest(corpus_dir: str | Path = DEFAULT_CORPUS_DIR, *, repeats: int = 5) -> dict[str, Any]:
    """Ingest every annotated document's raw file and compare with its annotated sentences.

    Args:
        corpus_dir: Folder holding ``raw/``, ``documents.jsonl`` and ``sentences.jsonl``.
        repeats: Passes over the raw files for the throughput figure (text already in memory).

    Returns:
        A dict with ``precision``, ``recall``, ``f1``, ``exact_docs``, ``n_docs``, ``sentences_per_s``, the seed
        documents' figures under ``seed`` and per-document results under ``docs``.
    """
    corpus_dir = Path(corpus_dir)
    by_doc, documents = read_annotated_corpus(corpus_dir)
    texts: dict[str, str] = {}
    for doc_id in by_doc:
        path = corpus_dir / "raw" / f"{doc_id}.txt"
        if path.is_file():
            texts[doc_id] = read_article(path)
        else:
            print(f"warning: no raw file for {doc_id}", file=sys.stderr)
    results = []
    for doc_id, raw in texts.items():
        predicted = [s.text for s in ingest(raw)]
        gold = [str(r["text"]) for r in by_doc[doc_id]]
        results.append(_DocResult(doc_id, predicted, gold, _match(predicted, gold)))

    def scores(items: Sequence[_DocResult]) -> dict[str, float]:
        tp = sum(r.true_positives for r in items)
        n_pred, n_gold = sum(len(r.predicted) for r in items), sum(len(r.gold) for r in items)
        p = tp / n_pred if n_pred else 0.0
        r = tp / n_gold if n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        exact = sum(x.exact for x in items)
        return {
            "precision": p,
            "recall": r,
            "f1": f,
            "exact_docs": exact,
            "n_docs": len(items),
            "n_gold": n_gold,
            "n_predicted": n_pred,
        }

    n_sentences, start = 0, time.perf_counter()
    for _ in range(repeats):
        for raw in texts.values():
            n_sentences += len(ingest(raw))
    elapsed = time.perf_counter() - start
    seed_ids = {d for d, meta in documents.items() if meta.get("source") == "seed"}
    return {
        **scores(results),
        "seed": scores([r for r in results if r.doc_id in seed_ids]),
        "sentences_per_s": n_sentences / elapsed if elapsed else float("inf"),
        "docs": results,
    }


def _print_mismatches(results: Sequence[_DocResult], limit: int) -> None:
    shown = 0
    for r in results:
        if r.exact or shown >= limit:
            continue
        shown += 1
        gold_set, pred_set = set(r.gold), set(r.predicted)
        print(f"\n--- {r.doc_id}: {r.true_positives}/{len(r.gold)} annotated sentences matched")
        for text in [t for t in r.gold if t not in pred_set][:4]:
            print(f"  missed   : {text!r}")
        for text in [t for t in r.predicted if t not in gold_set][:4]:
            print(f"  spurious : {text!r}")
        if not (gold_set ^ pred_set):
            print("  (same sentences, different order or duplicates)")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ingest one article, or ``--evaluate`` against the annotated corpus."""
    parser = argparse.ArgumentParser(
        prog="python -m src.labelling.ingest", description=__doc__.splitlines()[0]
    )
    parser.add_argument("path", nargs="?", help="article to ingest (prints one JSON object per sentence)")
    parser.add_argument(
        "--html",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="force HTML (--html) or plain text (--no-html); detected by default",
    )
    parser.add_argument("--evaluate", action="store_true", help="compare with the annotated corpus")
    parser.add_argument(
        "--corpus-dir", default=str(DEFAULT_CORPUS_DIR), help="folder with raw/ and annotations"
    )
    parser.add_argument("--show", type=int, default=5, help="mismatching documents to list")
    args = parser.parse_args(argv)
    try:
        if args.evaluate:
            report = evaluate_ingest(args.corpus_dir)
            print(
                f"documents: {report['n_docs']}  annotated sentences: {report['n_gold']}  "
                f"predicted: {report['n_predicted']}"
            )
            print(
                f"boundary (exact sentence) P/R/F1: {report['precision']:.4f} / {report['recall']:.4f} / "
                f"{report['f1']:.4f}"
            )
            print(
                f"documents ingested exactly: {report['exact_docs']}/{report['n_docs']} "
                f"({report['exact_docs'] / max(report['n_docs'], 1):.1%})"
            )
            seed = report["seed"]
            if seed["n_docs"]:
                print(
                    f"seed article(s): P/R/F1 {seed['precision']:.4f} / {seed['recall']:.4f} / {seed['f1']:.4f}, "
                    f"exact {seed['exact_docs']}/{seed['n_docs']}"
                )
            print(f"ingest throughput: {report['sentences_per_s']:,.0f} sentences/s (rule-based splitter)")
            print("\nper document (matched/annotated, predicted):")
            for r in report["docs"]:
                mark = "exact" if r.exact else "DIFF"
                print(
                    f"  {r.doc_id:<14} {r.true_positives:>3}/{len(r.gold):<3} pred {len(r.predicted):<3} {mark}"
                )
            _print_mismatches(report["docs"], args.show)
        elif args.path:
            for s in ingest(read_article(args.path), html=args.html):
                print(
                    json.dumps(
                        {
                            "index": s.index,
                            "paragraph": s.paragraph,
                            "turn": s.turn,
                            "is_heading": s.is_heading,
                            "text": s.text,
                        },
                        ensure_ascii=False,
                    )
                )
        else:
            parser.error("give an article path or --evaluate")
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
