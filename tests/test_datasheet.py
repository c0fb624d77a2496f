"""The datasheet quotes the validator and the agreement scorer verbatim.

``data/DATASHEET.md`` pastes the count tables of ``python -m src.data.validate --markdown`` and the output of
``python -m src.data.agreement score`` (the v2 study) and ``python -m src.data.agreement score --study v3`` (the v3
study, and its stored output before adjudication). These tests run the commands' entry points and fail when the
corpus or a second pass has changed and the datasheet was not updated: paste the new output into the datasheet.
"""

from __future__ import annotations

import pytest

from src.config import PROJECT_ROOT
from src.data import agreement, validate
from src.data.corpus import read_annotated_corpus, read_records
from src.data.schema import load_label_sets
from src.report import format_table

DATASHEET = PROJECT_ROOT / "data" / "DATASHEET.md"
SECOND_PASS = agreement.AGREEMENT_DIR / "second_pass.jsonl"
STUDY_V3 = agreement.AGREEMENT_DIR / "v3"
BEFORE_ADJUDICATION_V3 = STUDY_V3 / "score_before_adjudication.txt"


@pytest.fixture(scope="module")
def datasheet() -> str:
    return DATASHEET.read_text(encoding="utf-8")


def _blocks(text: str, start: str) -> list[str]:
    """Runs of consecutive lines that start with ``start`` (the rows of one Markdown table), joined by newlines."""
    blocks: list[list[str]] = []
    previous = False
    for line in text.splitlines():
        current = line.startswith(start)
        if current and not previous:
            blocks.append([])
        if current:
            blocks[-1].append(line)
        previous = current
    return ["\n".join(block) for block in blocks]


@pytest.fixture(scope="module")
def validator_markdown() -> str:
    sentences = validate.DEFAULT_SENTENCES
    if not sentences.is_file():
        pytest.skip(f"{sentences} is not merged yet")
    report = validate.validate_corpus(sentences, validate.DEFAULT_DOCUMENTS, validate.DEFAULT_RAW_DIR)
    assert report.ok, "\n".join(map(str, report.problems[:20]))
    return validate.render(report, markdown=True)


def test_every_validator_table_appears_verbatim(datasheet: str, validator_markdown: str) -> None:
    tables = _blocks(validator_markdown, "|")
    # genre, source, primary stance, stance labels, labels per sentence, speaker role, hard tags, years, targets
    assert len(tables) >= 9
    for table in tables:
        assert table in datasheet, "a validator table differs from data/DATASHEET.md:\n" + table


def test_validator_headings_and_totals_appear(datasheet: str, validator_markdown: str) -> None:
    lines = [line for line in validator_markdown.splitlines() if line.startswith(("#### ", "**Corpus:**"))]
    assert len(lines) >= 10
    for line in lines:
        assert line in datasheet.splitlines(), line


def test_validator_cli_prints_the_rendered_tables(
    validator_markdown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The datasheet says the tables come from the command line; check the command prints what render() returns.
    assert validate.main(["--markdown", "--quiet-warnings"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == validator_markdown


@pytest.fixture(scope="module")
def scorer() -> tuple[str, dict]:
    """The scorer's printed output and its figures, computed the way ``agreement score`` computes them."""
    if not SECOND_PASS.is_file():
        pytest.skip(f"{SECOND_PASS} does not exist")
    by_doc, _ = read_annotated_corpus(agreement.CORPUS)
    sentences = [row for rows in by_doc.values() for row in rows]
    second = [r for _, r in read_records(SECOND_PASS, "second-pass file")]
    rows, figures = agreement.kappa_table(sentences, second)
    table = format_table(rows, agreement.HEADER)
    return table, figures


def test_kappa_table_appears_verbatim(datasheet: str, scorer: tuple[str, dict]) -> None:
    table, _ = scorer
    assert table in datasheet, "the agreement table differs from data/DATASHEET.md:\n" + table


def test_kappa_values_appear_as_the_scorer_prints_them(datasheet: str, scorer: tuple[str, dict]) -> None:
    _, figures = scorer
    labels = load_label_sets()
    keys = [f.name for f in labels if not f.multilabel]
    keys += [f"{f.name}:{label}" for f in labels if f.multilabel for label in f.labels]
    assert keys == [k for k in figures if k != "sentences"]
    for key in keys:
        # format_table prints floats with three decimals
        assert f"{figures[key]['kappa']:.3f}" in datasheet, key
    assert f"{figures['sentences']} sentences" in datasheet


def test_scorer_cli_output_appears_verbatim(datasheet: str, capsys: pytest.CaptureFixture[str]) -> None:
    if not SECOND_PASS.is_file():
        pytest.skip(f"{SECOND_PASS} does not exist")
    assert agreement.main(["score"]) == 0
    out = capsys.readouterr().out.rstrip("\n")
    assert out in datasheet, "paste the output of `python -m src.data.agreement score` into data/DATASHEET.md"


@pytest.fixture(scope="module")
def scorer_v3() -> tuple[str, dict]:
    """The v3 study's table and figures against the current gold, computed the way ``score --study v3`` does."""
    second_files = agreement.study_files(STUDY_V3, "second_pass")
    if not second_files:
        pytest.skip(f"{STUDY_V3} has no second pass")
    by_doc, _ = read_annotated_corpus(agreement.CORPUS)
    sentences = [row for rows in by_doc.values() for row in rows]
    second = [r for path in second_files for _, r in read_records(path, "second-pass file")]
    rows, figures = agreement.kappa_table(sentences, second)
    return format_table(rows, agreement.HEADER), figures


def test_v3_kappa_table_appears_verbatim(datasheet: str, scorer_v3: tuple[str, dict]) -> None:
    table, figures = scorer_v3
    assert table in datasheet, "the v3 agreement table differs from data/DATASHEET.md:\n" + table
    for key, figure in figures.items():
        if key != "sentences":
            assert f"{figure['kappa']:.3f}" in datasheet, key
    assert f"{figures['sentences']} sentences" in datasheet


def test_v3_scorer_cli_output_appears_verbatim(datasheet: str, capsys: pytest.CaptureFixture[str]) -> None:
    if not agreement.study_files(STUDY_V3, "second_pass"):
        pytest.skip(f"{STUDY_V3} has no second pass")
    assert agreement.main(["score", "--study", "v3"]) == 0
    out = capsys.readouterr().out.rstrip("\n")
    assert out in datasheet, (
        "paste the output of `python -m src.data.agreement score --study v3` into data/DATASHEET.md"
    )


def test_v3_scores_before_adjudication_appear_verbatim(datasheet: str) -> None:
    # The stored file is the scorer's output at the pre-adjudication gold, under a comment line naming the commit.
    if not BEFORE_ADJUDICATION_V3.is_file():
        pytest.skip(f"{BEFORE_ADJUDICATION_V3} does not exist")
    lines = BEFORE_ADJUDICATION_V3.read_text(encoding="utf-8").rstrip("\n").splitlines()
    output = "\n".join(line for line in lines if not line.startswith("# "))
    assert output.startswith("Agreement of the second pass")
    assert output in datasheet, (
        f"paste {BEFORE_ADJUDICATION_V3.name} (without its comment line) into data/DATASHEET.md"
    )
