"""Inter-annotator agreement: draw a blind sample for a second annotation pass, then score it.

    python -m src.data.agreement sample     # writes data/corpus/agreement/sample.jsonl (no labels in it)
    python -m src.data.agreement score      # Cohen's kappa of the second pass against the corpus labels

    # a later study in its own folder, drawn stratum by stratum (documents whose id matches a pattern)
    python -m src.data.agreement sample --study v3 --share 0.15 --seed 2026 --stratum old --docs '^(seed|auth-[a-e])'
    python -m src.data.agreement score --study v3

The sample lists sentence ids, texts and their documents only; the second annotator labels them from the codebook
and each document's raw text, without seeing the first labels.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from src.config import PROJECT_ROOT
from src.data.corpus import read_annotated_corpus, read_records
from src.data.schema import LabelSets, load_label_sets
from src.report import format_table
from src.tracking import atomic_write_text

CORPUS = PROJECT_ROOT / "data" / "corpus"
AGREEMENT_DIR = CORPUS / "agreement"
SAMPLE_SEED = 2022
SAMPLE_SHARE = 0.10
HEADER = ["field", "sentences", "observed agreement", "Cohen's kappa"]


def draw_sample(
    sentences: list[dict[str, Any]],
    documents: dict[str, dict[str, Any]],
    share: float = SAMPLE_SHARE,
    seed: int = SAMPLE_SEED,
) -> list[dict[str, Any]]:
    """A simple random sample of sentences (without labels), in corpus order.

    A stratified study calls this once per stratum, with the stratum's sentences only.
    """
    rng = np.random.default_rng(seed)
    size = round(share * len(sentences))
    chosen = sorted(rng.choice(len(sentences), size=size, replace=False).tolist())
    return [
        {
            "id": sentences[i]["id"],
            "doc_id": sentences[i]["doc_id"],
            "sent_idx": sentences[i]["sent_idx"],
            "genre": documents[sentences[i]["doc_id"]]["genre"],
            "title": documents[sentences[i]["doc_id"]]["title"],
            "raw_file": f"data/corpus/raw/{sentences[i]['doc_id']}.txt",
            "text": sentences[i]["text"],
        }
        for i in chosen
    ]


def kappa_table(
    first: list[dict[str, Any]], second: list[dict[str, Any]], labels: LabelSets | None = None
) -> tuple[list[list[Any]], dict[str, Any]]:
    """Agreement figures of two annotation passes over the same sentences.

    Args:
        first: The corpus's sentence records.
        second: The second pass's records (``id`` and the label fields it annotated).
        labels: The label fields to compare; ``None`` reads them from the task configs. Single-label fields get
            Cohen's kappa (figures keyed by the field); multi-label fields one kappa per label, of "the list
            contains this label" (keyed ``field:label``). Fields the second pass lacks are left out.

    Returns:
        Table rows (``HEADER``) and the figures by key, with ``sentences``, the number of sentences compared.
    """
    from sklearn.metrics import cohen_kappa_score

    labels = labels or load_label_sets()
    by_id = {row["id"]: row for row in first}
    pairs = [(by_id[row["id"]], row) for row in second if row["id"] in by_id]
    fields = [f for f in labels if pairs and all(f.name in p[1] for p in pairs)]
    rows, figures = [], {"sentences": len(pairs)}
    for entry in (f for f in fields if not f.multilabel):
        a, b = [p[0][entry.name] for p in pairs], [p[1][entry.name] for p in pairs]
        kappa, observed = cohen_kappa_score(a, b), float(np.mean([x == y for x, y in zip(a, b, strict=True)]))
        disagreements = Counter(f"{x} -> {y}" for x, y in zip(a, b, strict=True) if x != y).most_common(8)
        figures[entry.name] = {"kappa": kappa, "agreement": observed, "disagreements": disagreements}
        rows.append([entry.name, len(a), observed, kappa])
    for entry in (f for f in fields if f.multilabel):
        for label in entry.labels:
            a = [label in p[0][entry.name] for p in pairs]
            b = [label in p[1][entry.name] for p in pairs]
            kappa = cohen_kappa_score(a, b)
            figures[f"{entry.name}:{label}"] = {"kappa": kappa}
            observed = float(np.mean([x == y for x, y in zip(a, b, strict=True)]))
            rows.append([f"{entry.name} has {label}", len(a), observed, kappa])
    same_speaker = [_norm(p[0]["speaker"]) == _norm(p[1]["speaker"]) for p in pairs]
    rows.append(["speaker (name, exact)", len(pairs), float(np.mean(same_speaker)), None])
    return rows, figures


def _norm(name: str) -> str:
    name = name.strip().lower()
    return name[4:] if name.startswith("the ") else name


CODEBOOK = PROJECT_ROOT / "data" / "CODEBOOK.md"
_QUOTED_AUTHORED = re.compile(r"(?<![\w-])([a-z]\d{2}-s\d{3})(?![\w-])")
_QUOTED_SEED = re.compile(r"seed (s\d{3}(?:(?:, | and |/| or )s\d{3})*)")


def codebook_quoted_ids(codebook: str) -> set[str]:
    """Sentence ids the codebook cites ("a08-s005" for auth-a08-s005, "seed s002, s006" for the seed's)."""
    ids = {f"auth-{short}" for short in _QUOTED_AUTHORED.findall(codebook)}
    for run in _QUOTED_SEED.findall(codebook):
        ids.update(f"seed-000-{s}" for s in re.findall(r"s\d{3}", run))
    return ids


def study_files(study_dir: Path, pattern: str) -> list[Path]:
    """A study's files of one kind (``sample`` or ``second_pass``): the unstratified file, or one per stratum."""
    return sorted(study_dir.glob(f"{pattern}.jsonl")) + sorted(study_dir.glob(f"{pattern}_*.jsonl"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("sample", "score"))
    parser.add_argument(
        "--study", default=None, help="a study folder under data/corpus/agreement/ (default: v2's)"
    )
    parser.add_argument("--share", type=float, default=SAMPLE_SHARE, help="share of sentences to sample")
    parser.add_argument("--seed", type=int, default=SAMPLE_SEED, help="sampling seed")
    parser.add_argument(
        "--stratum", default=None, help="name of the stratum drawn (writes sample_<stratum>.jsonl)"
    )
    parser.add_argument(
        "--docs", default=None, help="regular expression: sample only documents whose id matches"
    )
    parser.add_argument("--second", type=Path, default=None, help="second-pass file (default: the study's)")
    args = parser.parse_args(argv)
    study_dir = AGREEMENT_DIR / args.study if args.study else AGREEMENT_DIR
    by_doc, documents = read_annotated_corpus(CORPUS)
    sentences = [row for rows in by_doc.values() for row in rows]
    if args.command == "sample":
        if args.docs:
            sentences = [row for row in sentences if re.search(args.docs, row["doc_id"])]
        sample = draw_sample(sentences, documents, share=args.share, seed=args.seed)
        out = study_dir / (f"sample_{args.stratum}.jsonl" if args.stratum else "sample.jsonl")
        if out.exists():
            print(
                f"{out} exists: a drawn sample is the record of its study and is not redrawn", file=sys.stderr
            )
            return 1
        study_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample))
        print(f"{len(sample)} sentences from {len({r['doc_id'] for r in sample})} documents -> {out}")
        return 0
    second_files = [args.second] if args.second else study_files(study_dir, "second_pass")
    second = [r for path in second_files for _, r in read_records(path, "second-pass file")]
    args.second = second_files[0] if len(second_files) == 1 else study_dir
    rows, figures = kappa_table(sentences, second)
    print(
        f"Agreement of the second pass ({args.second.name}) with the corpus labels, {figures['sentences']} sentences"
    )
    print(format_table(rows, HEADER))
    if args.study:
        # The codebook quotes some corpus sentences with their labels (§11): a blind annotator who read it saw those.
        quoted = codebook_quoted_ids(CODEBOOK.read_text(encoding="utf-8"))
        unseen = [row for row in second if row["id"] not in quoted]
        rows, _ = kappa_table(sentences, unseen)
        print(f"\nWithout the {len(second) - len(unseen)} sampled sentences the codebook quotes by id:")
        print(format_table(rows, HEADER))
    for field, figure in figures.items():
        if isinstance(figure, dict) and "disagreements" in figure:
            print(f"\nmost frequent {field} disagreements (corpus -> second pass):")
            for pair, count in figure["disagreements"]:
                print(f"  {count:3d}  {pair}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
