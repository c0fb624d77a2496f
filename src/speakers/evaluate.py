"""Score speakers end to end: raw document in, speaker name and role per sentence out, against gold labels.

    python -m src.speakers.evaluate --run outputs/runs/<multitask run>      # every set, with the role head
    python -m src.speakers.evaluate --set holdout_suite                     # rules only (no fallback)
    python -m src.speakers.evaluate --agreement                             # the format suite's two annotators

Four sets, and they mean different things:

* ``holdout_suite`` (``data/holdout_suite/``): **out-of-sample**. 24 documents in the same 9 formats, written
  from the codebook alone by two helpers who never saw the rules, and frozen before anyone scored or read them;
  no rule was written with knowledge of them.
* ``format_suite`` (``data/format_suite/``): **out-of-sample text**. 42 documents in 9 publication formats,
  written the same way before the speaker rules changed. Rounds of blind error analysis (a helper describing
  causes, never quoting the text) have since guided general rules, so its figures lean towards in-sample; its
  speaker fields were annotated a second time, blind, and adjudicated (``agreement/``, ``--gold adjudicated``).
* ``dev_suite`` (``data/dev_suite/``): **in-sample**. 20 statements, speeches, readouts, wire stories, editorials and Q&As written the same
  way, then used as development data: their errors were read while rules were written.
* ``corpus`` (``data/corpus/``): **in-sample**. The rules were developed while reading it, and the role head was
  trained on most of it. Its documents carry no source line, so their genre and publisher are given as metadata,
  as an article table would give them.

Both suites are labelled from their raw text only, as a user pastes it, with their own officeholders tables.
Per format (the corpus: per genre) it prints speaker-name accuracy (exact after light normalization, and lenient
on spelling conventions), role accuracy and macro-F1, the accuracy of roles that came from a resolved speaker,
and where roles came from (``role_source``). Gold sentences that ingestion did not reproduce count as wrong.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from src.errors import DataError, DiplostanceError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SETS = {
    "format_suite": PROJECT_ROOT / "data" / "format_suite",
    "holdout_suite": PROJECT_ROOT / "data" / "holdout_suite",
    "dev_suite": PROJECT_ROOT / "data" / "dev_suite",
    "corpus": PROJECT_ROOT / "data" / "corpus",
}
# What each set's figures mean (printed with every table).
SET_KINDS = {
    "format_suite": "OUT-OF-SAMPLE text, frozen before the rules; blind error analyses (causes only) have since "
    "guided general rules",
    "holdout_suite": "OUT-OF-SAMPLE: written and frozen by helpers who never read the rules, never analysed",
    "dev_suite": "IN-SAMPLE: written blind, then its errors were read while rules were written",
    "corpus": "IN-SAMPLE: rules developed on it",
}
ROLE_SOURCES = ("turn", "mention", "issuer", "classifier")
MISSING = "(not found)"
# Labels one document's raw text with its metadata: records with text, speaker, speaker_role, role_source.
LabelFunction = Callable[[Sequence[str], Sequence[Mapping[str, Any]]], list[list[dict[str, Any]]]]


@dataclass
class Slice:
    """Gold and predicted values for one format, genre or the whole set."""

    names: list[tuple[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    roles: list[tuple[str, str]] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    resolved: list[bool] = field(default_factory=list)
    mentions: list[bool] = field(default_factory=list)

    def add(self, gold: Mapping[str, Any], record: Mapping[str, Any] | None) -> None:
        predicted_name = MISSING if record is None else str(record.get("speaker"))
        predicted_role = MISSING if record is None else str(record.get("speaker_role"))
        self.names.append((str(gold.get("speaker")), predicted_name))
        self.mentions.append(
            record is not None and record.get("speaker_mention") == gold.get("speaker_mention")
        )
        self.roles.append((str(gold.get("speaker_role")), predicted_role))
        source = "(not found)" if record is None else str(record.get("role_source") or "none")
        self.sources[source] += 1
        if record is not None and source in ("turn", "mention", "issuer"):
            self.resolved.append(predicted_role == gold.get("speaker_role"))
        if predicted_name != gold.get("speaker") or predicted_role != gold.get("speaker_role"):
            self.errors.append(
                {
                    "id": gold.get("id"),
                    "text": gold.get("text"),
                    "gold": [gold.get("speaker"), gold.get("speaker_mention"), gold.get("speaker_role")],
                    "predicted": None
                    if record is None
                    else [record.get("speaker"), record.get("speaker_mention"), record.get("speaker_role")],
                    "role_source": source,
                    "turn": None if record is None else record.get("turn"),
                }
            )

    def scores(self) -> dict[str, Any]:
        from sklearn.metrics import f1_score

        from src.speakers.mentions import lenient_speaker, normalize_speaker

        n = max(len(self.names), 1)
        gold_roles = [g for g, _ in self.roles]
        return {
            "n": len(self.names),
            "name": sum(normalize_speaker(g) == normalize_speaker(p) for g, p in self.names) / n,
            "name_lenient": sum(lenient_speaker(g) == lenient_speaker(p) for g, p in self.names) / n,
            "mention": sum(self.mentions) / n,
            "role_accuracy": sum(g == p for g, p in self.roles) / n,
            "role_macro_f1": float(
                f1_score(
                    gold_roles, [p for _, p in self.roles], labels=sorted(set(gold_roles)), average="macro"
                )
            )
            if self.roles
            else 0.0,
            "resolved_share": len(self.resolved) / n,
            "resolved_role_accuracy": sum(self.resolved) / len(self.resolved)
            if self.resolved
            else float("nan"),
            "sources": {s: self.sources[s] / n for s in self.sources},
        }


# The format suite's agreement study (agreement/README.md): a blind second annotation of the speaker fields and an
# adjudication of every sentence where it differs from the original gold.
SECOND_ANNOTATION = Path("agreement") / "second_annotation.jsonl"
ADJUDICATION = Path("agreement") / "adjudication.jsonl"
SPEAKER_FIELDS = ("speaker", "speaker_mention", "speaker_role")
GOLDS = ("original", "adjudicated")


def read_set(
    directory: Path, gold: str = "original"
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, Any]]]:
    """Gold sentences by document (in order) and document metadata of an evaluation set.

    ``gold="adjudicated"``: the speaker fields of the sentences in the set's adjudication file replace the
    original ones (the format suite's agreement study).
    """
    from src.data.corpus import read_annotated_corpus

    by_doc, documents = read_annotated_corpus(directory)
    if gold == "adjudicated":
        decided = read_speaker_labels(directory / ADJUDICATION, {s["id"] for d in by_doc.values() for s in d})
        by_doc = {
            doc: [{**s, **decided.get(s["id"], {})} for s in sentences] for doc, sentences in by_doc.items()
        }
    return by_doc, documents


def read_speaker_labels(path: Path, known_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Speaker fields by sentence id from a JSONL file of ``{"id", "speaker", "speaker_mention", "speaker_role"}``.

    Raises:
        DataError: A missing file, a line that is not a JSON object, a missing field, or an unknown id (file,
            line and field named).
    """
    import json

    if not path.is_file():
        raise DataError(path, None, None, "not found (the set has no agreement study)")
    labels: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, number, None, f"not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DataError(path, number, None, "not a JSON object")
        for name in ("id", *SPEAKER_FIELDS):
            if name not in row:
                raise DataError(path, number, name, "missing")
        if row["id"] not in known_ids:
            raise DataError(path, number, "id", f"unknown sentence {row['id']!r}")
        labels[row["id"]] = {name: row[name] for name in SPEAKER_FIELDS}
    return labels


def annotator_agreement(directory: Path) -> dict[str, dict[str, Any]]:
    """Per format: how often the blind second annotator agrees with the original and the adjudicated gold.

    Speaker names are compared as the system's are (exact after light normalization, and lenient); mentions and
    roles exactly. The adjudicated gold agrees with the second annotation wherever the adjudicator chose it.
    """
    from src.speakers.mentions import lenient_speaker, normalize_speaker

    second = read_speaker_labels(
        directory / SECOND_ANNOTATION,
        {s["id"] for d in read_set(directory)[0].values() for s in d},
    )
    out: dict[str, dict[str, Any]] = {}
    for gold in GOLDS:
        by_doc, documents = read_set(directory, gold)
        rows: dict[str, list[tuple[bool, ...]]] = defaultdict(list)
        for doc_id, sentences in by_doc.items():
            for s in sentences:
                other = second[s["id"]]
                row = (
                    normalize_speaker(s["speaker"]) == normalize_speaker(other["speaker"]),
                    lenient_speaker(s["speaker"]) == lenient_speaker(other["speaker"]),
                    s["speaker_mention"] == other["speaker_mention"],
                    s["speaker_role"] == other["speaker_role"],
                )
                rows[str(documents[doc_id].get("format"))].append(row)
                rows["all"].append(row)
        for name in sorted(rows, key=lambda k: (k == "all", k)):
            values = rows[name]
            out.setdefault(name, {"n": len(values)})[gold] = [
                sum(v) / len(values) for v in zip(*values, strict=True)
            ]
    return out


def render_agreement(agreement: Mapping[str, Mapping[str, Any]]) -> str:
    """The agreement table: per format, name / lenient / mention / role agreement with each gold."""
    from src.report import format_table

    rows = [
        [name, str(a["n"]), *(f"{v:.1%}" for gold in GOLDS for v in a[gold])] for name, a in agreement.items()
    ]
    fields = ("name", "lenient", "mention", "role")
    return format_table(rows, ["slice", "n", *(f"{field} ({gold})" for gold in GOLDS for field in fields)])


def evaluate_set(
    directory: Path,
    label: LabelFunction,
    *,
    metadata: bool,
    slice_by: str,
    documents_matching: str | None = None,
    gold: str = "original",
) -> dict[str, dict[str, Any]]:
    """Label every document of a set from its raw text and score it per ``slice_by`` value and overall.

    Args:
        directory: The set's folder (``raw/``, ``documents.jsonl``, ``sentences.jsonl``).
        label: Labels raw texts with their metadata.
        metadata: Pass genre and publisher to the labeller (the corpus), or nothing but the text (the suite).
        slice_by: The document field to group by (``format`` or ``genre``).
        documents_matching: A regular expression: score only the documents whose id it finds (all when None).
        gold: ``original`` or ``adjudicated`` (the format suite's agreement study; see :func:`read_set`).
    """
    from src.labelling.reading import read_article

    by_doc, documents = read_set(directory, gold)
    if documents_matching is not None and not any(re.search(documents_matching, d) for d in by_doc):
        raise DataError(
            directory / "documents.jsonl", None, "doc_id", f"no document matches {documents_matching!r}"
        )
    doc_ids = [
        d
        for d in by_doc
        if (directory / "raw" / f"{d}.txt").is_file()
        and (documents_matching is None or re.search(documents_matching, d))
    ]
    raws = [read_article(directory / "raw" / f"{d}.txt") for d in doc_ids]
    metas = [
        {k: documents[d].get(k) for k in ("genre", "publisher", "date")} if metadata else {} for d in doc_ids
    ]
    labelled = label(raws, metas)
    slices: dict[str, Slice] = defaultdict(Slice)
    for doc_id, records in zip(doc_ids, labelled, strict=True):
        by_text: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            by_text[record["text"]].append(record)
        group = str(documents.get(doc_id, {}).get(slice_by))
        for gold in by_doc[doc_id]:
            matches = by_text.get(gold["text"])
            record = matches.pop(0) if matches else None
            slices[group].add(gold, record)
            slices["all"].add(gold, record)
    scores = {name: s.scores() for name, s in sorted(slices.items(), key=lambda kv: (kv[0] == "all", kv[0]))}
    scores["all"]["errors"] = slices["all"].errors
    return scores


def render(title: str, scores: Mapping[str, Mapping[str, Any]]) -> str:
    """One table: a row per format or genre, then the whole set."""
    from src.report import format_table

    rows = []
    for name, s in scores.items():
        shares = " ".join(
            f"{k} {s['sources'][k]:.0%}" for k in (*ROLE_SOURCES, "none", MISSING) if s["sources"].get(k)
        )
        rows.append(
            [
                name,
                s["n"],
                f"{s['name']:.1%}",
                f"{s['name_lenient']:.1%}",
                f"{s['mention']:.1%}",
                f"{s['role_accuracy']:.1%}",
                f"{s['role_macro_f1']:.3f}",
                f"{s['resolved_role_accuracy']:.1%}",
                shares,
            ]
        )
    headers = [
        "slice",
        "n",
        "name",
        "lenient",
        "mention",
        "role acc",
        "role F1",
        "resolved role acc",
        "role source",
    ]
    return f"{title}\n{format_table(rows, headers)}"


@contextmanager
def labeller_function(run: str | None, officeholders: Sequence[str]) -> Iterator[LabelFunction]:
    """Label with a saved run (roles fall back to its role head), or with the speaker rules alone.

    A context manager: a run's labeller holds worker processes, closed when the block ends.
    """
    if run is not None:
        from src.labelling import load_labeller

        with load_labeller(run, officeholders=officeholders) as labeller:
            yield lambda raws, metas: labeller.predict_articles(raws, documents=metas)
        return
    from src.labelling.ingest import ingest_article
    from src.speakers import speaker_records
    from src.speakers.officeholders import load_officeholders

    table = load_officeholders(officeholders)

    def rules_only(raws: Sequence[str], metas: Sequence[Mapping[str, Any]]) -> list[list[dict[str, Any]]]:
        return [
            speaker_records(ingest_article(raw), officeholders=table, **meta)
            for raw, meta in zip(raws, metas, strict=True)
        ]

    yield rules_only


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: score one or both sets."""
    parser = argparse.ArgumentParser(
        prog="python -m src.speakers.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--run", help="a run directory whose role head is the fallback (multitask or speaker_role)"
    )
    parser.add_argument(
        "--set", choices=[*SETS, "all", "both"], default="all", help='one set, or all of them ("both": all)'
    )
    parser.add_argument(
        "--errors", help="write each set's wrong sentences to ERRORS.<set>.jsonl for error analysis"
    )
    parser.add_argument("--out", help="also write the tables, with date, commit and run, to OUT/speakers.md")
    parser.add_argument(
        "--docs", metavar="REGEX", help="score only the documents whose id matches (e.g. '^auth-[hi]')"
    )
    parser.add_argument(
        "--text-only",
        action="store_true",
        help="give the corpus's documents to the labeller as text alone, as a user pastes them (no genre, publisher)",
    )
    parser.add_argument(
        "--gold",
        choices=GOLDS,
        default="original",
        help="format suite: score against the original gold or the adjudicated one (agreement/README.md)",
    )
    parser.add_argument(
        "--agreement",
        action="store_true",
        help="print how often the suite's blind second annotator agrees with each gold, and stop",
    )
    args = parser.parse_args(argv)
    chosen = list(SETS) if args.set in ("all", "both") else [args.set]
    tables = []
    try:
        if args.agreement:
            table = render_agreement(annotator_agreement(SETS["format_suite"]))
            print("format_suite: second annotator (blind) vs each gold\n" + table)
            return 0
        for name in chosen:
            directory = SETS[name]
            extra = sorted(str(p) for p in directory.glob("*officeholders.csv"))
            in_sample = name == "corpus"
            with labeller_function(args.run, extra) as label:
                scores = evaluate_set(
                    directory,
                    label,
                    metadata=in_sample and not args.text_only,
                    slice_by="format",
                    documents_matching=args.docs,
                    gold=args.gold if name == "format_suite" else "original",
                )
            kind = SET_KINDS[name]
            if args.docs:
                # A subset may have been held out from rule development (the v3 documents auth-h*, auth-i* were).
                kind += f"; only documents matching {args.docs!r}: in-sample unless they were held out"
            if args.text_only:
                kind += "; text only"
            if name == "format_suite":
                kind += f"; {args.gold} gold"
            fallback = (
                f"role head of {args.run}" if args.run else "no role head: unresolved roles count as wrong"
            )
            tables.append(render(f"{name} ({kind}; {fallback})", scores))
            print("\n" + tables[-1])
            if args.errors:
                from src.tracking import atomic_write_jsonl

                atomic_write_jsonl(f"{args.errors}.{name}.jsonl", scores["all"]["errors"])
        if args.out:
            write_record(Path(args.out), tables, args.run)
    except DiplostanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def write_record(directory: Path, tables: Sequence[str], run: str | None) -> Path:
    """Write the printed tables with when, at which commit and with which run they were made."""
    import datetime

    from src.tracking import atomic_write_text, git_state

    git = git_state()
    lines = [
        "# Speaker evaluation (written by `python -m src.speakers.evaluate --out`)",
        "",
        f"Made {datetime.date.today().isoformat()} at commit {(git.get('commit') or '?')[:7]}"
        f"{' (uncommitted changes)' if git.get('dirty') else ''}; role head: {run or 'none'}.",
        "",
        *(f"```\n{table}\n```\n" for table in tables),
    ]
    return atomic_write_text(directory / "speakers.md", "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
