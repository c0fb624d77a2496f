"""Tests of the corpus validator: each kind of problem is found with its file, line and field.

The valid base corpus is the seed article (raw text and annotations as bundled) plus one tiny authored document.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from src.config import PROJECT_ROOT
from src.data.schema import CONTRAST_KINDS, FORMATS, GENRES, HARD_TAGS, LabelSets, load_label_sets
from src.data.validate import Report, main, render, validate_corpus
from src.errors import ConfigError

CORPUS = PROJECT_ROOT / "data" / "corpus"
# The seed article's annotation as shipped in the test fixture corpus (its first document).
FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "corpus"
SEED_SENTENCES = FIXTURE / "sentences.jsonl"
SEED_DOCUMENTS = FIXTURE / "documents.jsonl"
SEED_RAW = CORPUS / "raw" / "seed-000.txt"
N_SEED = 22  # sentences of the seed article; the authored document's sentences follow on lines 23..26

AUTHORED_DOC = {
    "doc_id": "auth-z01",
    "title": "Manila and Tokyo pledge closer coast guard ties",
    "date": "2019-03-04",
    "genre": "news",
    "publisher": "Harbor Street Daily",
    "source": "authored",
}
# (text, stance, speaker, speaker_mention, speaker_role, hard)
AUTHORED_SENTENCES = [
    ("Manila and Tokyo pledge closer coast guard ties", ["cooperative"], "narrator", None, "narrator", []),
    (
        "Philippine Foreign Secretary Ramon Dizon said on Monday that Manila welcomed Japan's offer of two patrol vessels.",
        ["cooperative"],
        "Ramon Dizon",
        "Philippine Foreign Secretary Ramon Dizon",
        "other_government",
        [],
    ),
    (
        '"We are grateful to our Japanese friends," he told reporters.',
        ["cooperative"],
        "Ramon Dizon",
        "he",
        "other_government",
        ["pronoun_speaker"],
    ),
    (
        "Japanese Ambassador Kenji Morimoto called the handover a sign of trust between the two coast guards.",
        ["cooperative"],
        "Kenji Morimoto",
        "Japanese Ambassador Kenji Morimoto",
        "japan_government",
        [],
    ),
]
AUTHORED_RAW = (
    f"{AUTHORED_SENTENCES[0][0]}\n\nMarch 4, 2019\n\nBy Lena Ortiga\n\n"
    f"{AUTHORED_SENTENCES[1][0]} {AUTHORED_SENTENCES[2][0]}\n\nAdvertisement\n\n{AUTHORED_SENTENCES[3][0]}\n"
)


class Corpus:
    """A corpus in tmp_path, edited record by record before validation."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.raw = root / "raw"
        self.raw.mkdir()
        shutil.copy(SEED_RAW, self.raw / SEED_RAW.name)
        (self.raw / "auth-z01.txt").write_text(AUTHORED_RAW, encoding="utf-8")
        self.sentences = [
            row
            for row in map(json.loads, SEED_SENTENCES.read_text(encoding="utf-8").splitlines())
            if row["doc_id"] == "seed-000"
        ]
        for i, (text, stance, speaker, mention, role, hard) in enumerate(AUTHORED_SENTENCES):
            self.sentences.append(
                {
                    "id": f"auth-z01-s{i:03d}",
                    "doc_id": "auth-z01",
                    "sent_idx": i,
                    "text": text,
                    "stance": stance,
                    "primary_stance": stance[0] if stance else "none",
                    "speaker": speaker,
                    "speaker_mention": mention,
                    "speaker_role": role,
                    "hard": hard,
                }
            )
        self.documents = [
            row
            for row in map(json.loads, SEED_DOCUMENTS.read_text(encoding="utf-8").splitlines())
            if row["doc_id"] == "seed-000"
        ]
        self.documents.append(dict(AUTHORED_DOC))

    @property
    def sentences_path(self) -> Path:
        return self.root / "sentences.jsonl"

    @property
    def documents_path(self) -> Path:
        return self.root / "documents.jsonl"

    def write(self) -> None:
        for path, records in ((self.sentences_path, self.sentences), (self.documents_path, self.documents)):
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
            )

    def validate(self, **kwargs) -> Report:
        self.write()
        return validate_corpus(self.sentences_path, self.documents_path, self.raw, **kwargs)

    def cli_args(self) -> list[str]:
        self.write()
        return [
            "--sentences",
            str(self.sentences_path),
            "--documents",
            str(self.documents_path),
            "--raw-dir",
            str(self.raw),
        ]


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return Corpus(tmp_path)


def found(report: Report, file: str, line: int | None, field: str | None, words: str = "") -> list[str]:
    """Problems reported at ``file:line`` for ``field`` whose text contains ``words``."""
    return [
        str(p)
        for p in report.problems
        if Path(p.path).name == file and p.line == line and p.field == field and words in p.problem
    ]


def test_base_corpus_is_clean(corpus: Corpus) -> None:
    report = corpus.validate()
    assert report.ok, report.problems
    assert report.warnings == []
    assert report.counts["totals"]["sentences"] == N_SEED + len(AUTHORED_SENTENCES)
    assert report.counts["totals"]["authored_sentences"] == len(AUTHORED_SENTENCES)
    assert report.counts["source_documents"] == {"seed": 1, "authored": 1}


def test_misaligned_text(corpus: Corpus) -> None:
    corpus.sentences[5]["text"] = "Two new deals to be signed soon"
    hits = found(corpus.validate(), "sentences.jsonl", 6, "text", "not found verbatim")
    assert hits and "seed-000.txt" in hits[0]
    assert hits[0].startswith(f"{corpus.sentences_path}:6: text: ")


def test_text_out_of_order(corpus: Corpus) -> None:
    corpus.sentences[10]["text"], corpus.sentences[11]["text"] = (
        corpus.sentences[11]["text"],
        corpus.sentences[10]["text"],
    )
    assert found(corpus.validate(), "sentences.jsonl", 12, "text", "only before the previous sentence")


def test_authored_headline_must_open_the_raw_file(corpus: Corpus) -> None:
    (corpus.raw / "auth-z01.txt").write_text("Advertisement\n" + AUTHORED_RAW, encoding="utf-8")
    assert found(corpus.validate(), "sentences.jsonl", N_SEED + 1, "text", "must be line 1")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("stance", ["cooperative", "friendly"], "unknown label 'friendly'"),
        ("stance", "cooperative", "expected a list"),
        ("stance", ["cooperative", "cooperative"], "listed twice"),
        ("primary_stance", "hostile", "unknown label 'hostile'"),
        ("speaker_role", "ngo", "unknown label 'ngo'"),
    ],
)
def test_bad_label(corpus: Corpus, field: str, value: object, words: str) -> None:
    corpus.sentences[2][field] = value
    assert found(corpus.validate(), "sentences.jsonl", 3, field, words)


def test_labels_come_from_the_task_configs() -> None:
    labels = load_label_sets()
    # In the order the task configs (by name) first name the fields: multitask, ..., stance_multilabel.
    assert labels.names == ("primary_stance", "speaker_role", "stance")
    assert labels["stance"].labels == ("cooperative", "threat_framing", "human_rights_concern")
    assert labels["stance"].multilabel and not labels["primary_stance"].multilabel
    assert labels["primary_stance"].labels == (*labels["stance"].labels, "none")
    assert "joint" in labels["speaker_role"].labels and len(labels["speaker_role"].labels) == 7


def _task_configs(root: Path, heads: dict[str, str]) -> Path:
    """A config folder whose ``task/`` holds one task per entry (name -> head lines)."""
    (root / "task").mkdir(parents=True)
    for name, head in heads.items():
        (root / "task" / f"{name}.yaml").write_text(f"name: {name}\nheads:\n{head}", encoding="utf-8")
    return root


def test_conflicting_task_configs_are_a_config_error(tmp_path: Path) -> None:
    heads = {
        name: f"  - name: h\n    field: speaker_role\n    labels: {labels}\n"
        for name, labels in (("a", ["x", "y"]), ("b", ["x", "z"]))
    }
    with pytest.raises(ConfigError, match="differ"):
        load_label_sets(_task_configs(tmp_path, heads))


def test_a_new_task_needs_only_its_yaml(corpus: Corpus, tmp_path: Path) -> None:
    # A task on a new field: the validator requires the field, checks its labels and counts it.
    tone = {"tone": "  - name: tone\n    field: tone\n    labels: [calm, heated]\n"}
    labels = LabelSets(
        load_label_sets().fields + load_label_sets(_task_configs(tmp_path / "conf", tone)).fields
    )
    for i, row in enumerate(corpus.sentences):
        row["tone"] = "heated" if i % 2 else "calm"
    corpus.sentences[4]["tone"] = "angry"
    del corpus.sentences[5]["tone"]
    report = corpus.validate(labels=labels)
    assert found(report, "sentences.jsonl", 5, "tone", "unknown label 'angry'; allowed labels: calm, heated")
    assert found(report, "sentences.jsonl", 6, "tone", "missing required field")
    corpus.sentences[4]["tone"], corpus.sentences[5]["tone"] = "calm", "heated"
    report = corpus.validate(labels=labels)
    assert report.ok, report.problems
    table = "#### Tone\n\n| tone | sentences | % |\n| --- | ---: | ---: |\n| calm | 13 | 50.0 |\n| heated | 13 | 50.0 |"
    assert table in render(report, markdown=True)


def test_duplicate_id(corpus: Corpus) -> None:
    corpus.sentences[2]["id"] = corpus.sentences[1]["id"]
    assert found(
        corpus.validate(),
        "sentences.jsonl",
        3,
        "id",
        "duplicate sentence id 'seed-000-s001' (first on line 2)",
    )


def test_duplicate_text(corpus: Corpus) -> None:
    corpus.sentences[N_SEED + 3]["text"] = corpus.sentences[N_SEED + 1]["text"]
    hits = found(corpus.validate(), "sentences.jsonl", N_SEED + 4, "text", "duplicate sentence text")
    assert hits and "auth-z01-s001" in hits[0]


def test_primary_inconsistent_with_stance(corpus: Corpus) -> None:
    corpus.sentences[2]["primary_stance"] = "threat_framing"  # stance is ["cooperative"]
    corpus.sentences[10]["primary_stance"] = "cooperative"  # stance is []
    corpus.sentences[1]["primary_stance"] = "none"  # stance has two labels
    report = corpus.validate()
    assert found(report, "sentences.jsonl", 3, "primary_stance", "not one of the sentence's stance labels")
    assert found(report, "sentences.jsonl", 11, "primary_stance", "stance is empty")
    assert found(report, "sentences.jsonl", 2, "primary_stance", "but stance lists")


def test_mention_not_a_substring(corpus: Corpus) -> None:
    corpus.sentences[6]["speaker_mention"] = "Secretary Blinken"
    assert found(corpus.validate(), "sentences.jsonl", 7, "speaker_mention", "not an exact substring")


def test_narrator_speaker_and_role_go_together(corpus: Corpus) -> None:
    corpus.sentences[0]["speaker_role"] = "us_government"
    assert found(corpus.validate(), "sentences.jsonl", 1, "speaker_role", "narrator")


def test_doc_in_two_splits(corpus: Corpus, tmp_path: Path) -> None:
    split_file = tmp_path / "splits.jsonl"
    rows = [
        {"doc_id": "seed-000", "split": "seed_test"},
        {"doc_id": "auth-z01", "split": "train"},
        {"id": "auth-z01-s002", "split": "test"},
    ]
    split_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert found(
        corpus.validate(split_file=split_file),
        "splits.jsonl",
        3,
        "id",
        "split across train (line 2) and test",
    )


def test_seed_document_outside_seed_test(corpus: Corpus, tmp_path: Path) -> None:
    split_file = tmp_path / "splits.jsonl"
    rows = [{"doc_id": "seed-000", "split": "train"}, {"doc_id": "auth-z01", "split": "seed_test"}]
    split_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = corpus.validate(split_file=split_file)
    assert found(report, "splits.jsonl", 1, "doc_id", "a seed document must be in seed_test")
    assert found(report, "splits.jsonl", 2, "doc_id", "only seed documents belong in seed_test")


def test_clean_split_file_passes(corpus: Corpus, tmp_path: Path) -> None:
    split_file = tmp_path / "splits.csv"
    # As a spreadsheet exports it: with a byte-order mark.
    split_file.write_text("\ufeffdoc_id,split\nseed-000,seed_test\nauth-z01,dev\n", encoding="utf-8")
    assert corpus.validate(split_file=split_file).ok


def test_every_split_file_problem_is_listed(corpus: Corpus, tmp_path: Path) -> None:
    split_file = tmp_path / "splits.jsonl"
    rows = [
        {"doc_id": "seed-000", "split": "holdout"},
        {"doc_id": "auth-z99", "split": "train"},
        {"split": "dev"},
    ]
    split_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = corpus.validate(split_file=split_file)
    assert found(report, "splits.jsonl", 1, "split", "unknown split 'holdout'")
    assert found(report, "splits.jsonl", 2, "doc_id", "document 'auth-z99' is not in the corpus")
    assert found(report, "splits.jsonl", 3, "doc_id", "each row needs a doc_id or an id")
    assert found(report, "splits.jsonl", None, "doc_id", "2 document(s) of the corpus have no split")


@pytest.mark.parametrize(
    ("date", "words"),
    [
        ("2022-02-30", "calendar date"),
        ("07/01/2022", "calendar date"),
        (20220107, "calendar date"),
        ("2031-01-01", "outside"),
    ],
)
def test_bad_date(corpus: Corpus, date: object, words: str) -> None:
    corpus.documents[0]["date"] = date
    assert found(corpus.validate(), "documents.jsonl", 1, "date", words)


def test_bad_document_fields(corpus: Corpus) -> None:
    corpus.documents[1].update(genre="blog", source="scraped", title="")
    del corpus.documents[1]["publisher"]
    report = corpus.validate()
    for field, words in [
        ("genre", "unknown genre 'blog'"),
        ("source", "unknown source"),
        ("title", "non-empty"),
        ("publisher", "missing required field"),
    ]:
        assert found(report, "documents.jsonl", 2, field, words), field


def test_documents_may_carry_further_fields_and_the_format_suite_source(corpus: Corpus) -> None:
    corpus.documents[1].update(source="format_suite", format="press_statement", author="Lena Ortiga")
    report = corpus.validate()
    assert report.ok, report.problems
    assert report.counts["source_documents"] == {"seed": 1, "format_suite": 1}
    assert "| format_suite | 1 | 4 | 15.4 |" in render(report, markdown=True)


def test_unknown_hard_tag(corpus: Corpus) -> None:
    corpus.sentences[3]["hard"] = ["mixed_stance", "sarcasm"]
    assert found(corpus.validate(), "sentences.jsonl", 4, "hard", "unknown label 'sarcasm'")


def test_sentence_schema(corpus: Corpus) -> None:
    corpus.sentences[4]["sent_idx"] = "4"
    del corpus.sentences[5]["speaker"]
    corpus.sentences[6]["confidence"] = 0.9
    corpus.sentences[7]["speaker_mention"] = ""
    report = corpus.validate()
    assert found(report, "sentences.jsonl", 5, "sent_idx", "expected an integer")
    assert found(report, "sentences.jsonl", 6, "speaker", "missing required field")
    assert found(report, "sentences.jsonl", 7, "confidence", "unknown field")
    assert found(report, "sentences.jsonl", 8, "speaker_mention", "expected null or a non-empty string")


def test_type_errors_are_one_line_each(corpus: Corpus) -> None:
    corpus.sentences[4].update(sent_idx="4", stance="cooperative", speaker=7, hard=["irony", 3])
    report = corpus.validate()
    messages = [str(p) for p in report.problems if p.line == 5]
    assert messages == [
        f"{corpus.sentences_path}:5: sent_idx: expected an integer >= 0, got '4'",
        f"{corpus.sentences_path}:5: stance: expected a list of labels (strings), got 'cooperative'",
        f"{corpus.sentences_path}:5: speaker: expected a non-empty string, got 7",
        f"{corpus.sentences_path}:5: hard: expected a list of tags (strings), got ['irony', 3]",
    ]


def test_a_file_with_a_byte_order_mark_is_read(corpus: Corpus) -> None:
    corpus.write()
    for path in (corpus.sentences_path, corpus.documents_path):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = validate_corpus(corpus.sentences_path, corpus.documents_path, corpus.raw)
    assert report.ok, report.problems
    assert report.counts["totals"]["sentences"] == N_SEED + len(AUTHORED_SENTENCES)


def test_id_rule_is_a_switchable_check(corpus: Corpus) -> None:
    corpus.sentences[N_SEED]["id"] = "auth-z01-0"
    assert found(corpus.validate(), "sentences.jsonl", N_SEED + 1, "id", "should be 'auth-z01-s000'")
    assert corpus.validate(id_rule=False).ok


def test_sent_idx_and_document_order(corpus: Corpus) -> None:
    corpus.sentences[N_SEED + 2]["sent_idx"] = 5
    corpus.sentences[N_SEED + 2]["id"] = "auth-z01-s005"
    # Move one seed sentence behind the authored block: the seed document is no longer contiguous.
    corpus.sentences.append(corpus.sentences.pop(N_SEED - 1))
    report = corpus.validate()
    # After the move the authored document starts on line N_SEED, so its sentence 2 is on line N_SEED + 2.
    assert found(report, "sentences.jsonl", N_SEED + 2, "sent_idx", "is 5, expected 2")
    assert found(report, "sentences.jsonl", N_SEED + 4, "doc_id", "not contiguous")


def test_documents_without_sentences_or_raw_file(corpus: Corpus) -> None:
    corpus.documents.append({**AUTHORED_DOC, "doc_id": "auth-z02"})
    corpus.sentences.append(
        {
            **corpus.sentences[-1],
            "doc_id": "auth-z09",
            "id": "auth-z09-s000",
            "sent_idx": 0,
            "text": "A sentence of a document nobody listed.",
        }
    )
    report = corpus.validate()
    assert found(report, "documents.jsonl", 3, "doc_id", "has no sentences")
    assert found(report, "documents.jsonl", 3, "doc_id", "no raw text file")
    assert found(report, "sentences.jsonl", N_SEED + 5, "doc_id", "'auth-z09' is not in documents.jsonl")


def test_all_problems_are_collected(corpus: Corpus) -> None:
    corpus.sentences[1]["stance"] = ["friendly"]
    corpus.sentences[8]["hard"] = ["sarcasm"]
    corpus.sentences[20]["speaker_mention"] = "Xinjiang officials"
    corpus.documents[1]["date"] = "2019-13-01"
    report = corpus.validate()
    assert found(report, "sentences.jsonl", 2, "stance")
    assert found(report, "sentences.jsonl", 9, "hard")
    assert found(report, "sentences.jsonl", 21, "speaker_mention")
    assert found(report, "documents.jsonl", 2, "date")


def test_malformed_line_keeps_earlier_lines_checked(corpus: Corpus) -> None:
    corpus.sentences[1]["stance"] = ["friendly"]
    corpus.write()
    lines = corpus.sentences_path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5][:-1]
    corpus.sentences_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_corpus(corpus.sentences_path, corpus.documents_path, corpus.raw)
    assert found(report, "sentences.jsonl", 2, "stance")
    assert [p for p in report.problems if p.line == 6 and "malformed JSON" in p.problem]


def test_hard_tag_lints_are_warnings(corpus: Corpus) -> None:
    corpus.sentences[2]["hard"] = ["mixed_stance"]  # a single stance label
    corpus.sentences[N_SEED + 2]["hard"] = [
        "pronoun_speaker",
        "transcript_turn",
    ]  # a news article has no turns
    report = corpus.validate()
    assert report.ok
    messages = [(p.line, p.problem) for p in report.warnings]
    assert (3, "mixed_stance needs at least two stance labels") in messages
    assert any(line == N_SEED + 3 and "transcript_turn" in text for line, text in messages)


def test_tables_and_targets(corpus: Corpus) -> None:
    report = corpus.validate()
    text, markdown = render(report), render(report, markdown=True)
    assert "Balance targets" in text and "FAIL" in text  # a 26-sentence corpus misses the size targets
    assert "| primary_stance | sentences | % |" in markdown
    assert "Primary stance\nprimary_stance        sentences  %\n--------------------  ---------  ----" in text
    targets = {t.name: t for t in report.targets}
    assert not targets["authored sentences"].passed
    assert targets["speaker_role narrator"].passed


def test_cli_reports_problems_on_stderr(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    corpus.sentences[3]["hard"] = ["sarcasm"]
    assert main(corpus.cli_args()) == 1
    err = capsys.readouterr().err
    assert f"{corpus.sentences_path}:4: hard: unknown label 'sarcasm'" in err


def test_cli_prints_tables_when_clean(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*corpus.cli_args(), "--markdown"]) == 0
    assert "#### Speaker role" in capsys.readouterr().out
    assert main([*corpus.cli_args(), "--require-targets"]) == 1


def test_cli_says_when_the_merged_corpus_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "--sentences",
        str(tmp_path / "s.jsonl"),
        "--documents",
        str(tmp_path / "d.jsonl"),
        "--raw-dir",
        str(tmp_path),
    ]
    assert main(args) == 2
    assert "corpus not found" in capsys.readouterr().err


def test_codebook_names_every_label_tag_and_genre() -> None:
    codebook = (PROJECT_ROOT / "data" / "CODEBOOK.md").read_text(encoding="utf-8")
    labels: LabelSets = load_label_sets()
    for name in (
        *(label for f in labels for label in f.labels),
        *HARD_TAGS,
        *GENRES,
        *FORMATS,
        *CONTRAST_KINDS,
    ):
        assert f"`{name}`" in codebook, name


def test_bundled_corpus_is_valid() -> None:
    sentences = CORPUS / "sentences.jsonl"
    if not sentences.is_file():
        pytest.skip(f"{sentences} is not merged yet")
    report = validate_corpus(sentences, CORPUS / "documents.jsonl", CORPUS / "raw")
    assert report.problems == [], "\n".join(map(str, report.problems[:20]))
