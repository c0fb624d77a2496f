"""Tests for raw article ingestion: furniture, sentence boundaries, turns, HTML, bad files, evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from src.data.corpus import read_annotated_corpus
from src.errors import DataError
from src.labelling.ingest import (
    DEFAULT_CORPUS_DIR,
    IngestedSentence,
    evaluate_ingest,
    ingest,
    ingest_article,
    looks_like_html,
    main,
    read_article,
)

SEED_RAW = DEFAULT_CORPUS_DIR / "raw" / "seed-000.txt"


def texts(raw: str, **kwargs: object) -> list[str]:
    return [s.text for s in ingest(raw, **kwargs)]


# ----------------------------------------------------------------------------------------------------------------
# The seed article (a real DW page with its furniture)
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED_RAW.is_file(), reason="seed article not in the corpus")
def test_seed_article_matches_annotation_exactly() -> None:
    got = texts(read_article(SEED_RAW))
    by_doc, _ = read_annotated_corpus(DEFAULT_CORPUS_DIR)
    if "seed-000" in by_doc:
        assert got == [row["text"] for row in by_doc["seed-000"]]
    # Independent of the annotation: headline first, furniture out, the tricky lines in.
    assert got[0] == "US and Japan seek new security cooperation"
    assert len(got) == 22
    joined = "\n".join(got)
    for furniture in (
        "Skip",
        "PoliticsJapan",
        "January 7, 2022",
        "Image",
        "26:01",
        "browser",
        "rc/fb",
        "Dangerous territory",
        "Biden says",
        "DW's Top Story",
    ):
        assert furniture not in joined
    assert "'More important than ever'" in got  # a cross-head in quotes
    assert (
        got[-1]
        == "The statement also underscored the importance of peace and stability in the Taiwan Strait."
    )
    # Two sentences separated by a non-breaking space and a space, and text kept verbatim (inner NBSP).
    assert any(t.endswith("rules-based order.") for t in got)
    assert "The comments were thought to refer to China and North Korea." in got
    assert any("two\xa0countries" in t for t in got)


def test_seed_structure_flags() -> None:
    if not SEED_RAW.is_file():
        pytest.skip("seed article not in the corpus")
    sentences = ingest(read_article(SEED_RAW))
    assert [s.index for s in sentences] == list(range(len(sentences)))
    headings = [s.text for s in sentences if s.is_heading]
    assert headings == [
        "US and Japan seek new security cooperation",
        "Two new deals to be signed",
        "'More important than ever'",
        "Joint statement highlights concerns",
    ]
    # A body line that lost its final period is still a sentence, not a cross-head (it is long).
    hong_kong = next(s for s in sentences if s.text.startswith("They voiced"))
    assert not hong_kong.is_heading
    assert all(s.turn is None for s in sentences)


# ----------------------------------------------------------------------------------------------------------------
# Furniture
# ----------------------------------------------------------------------------------------------------------------

ARTICLE_WITH_FURNITURE = """\
1. Skip to content
2. Skip to main menu
PoliticsAsia

Tokyo and Manila sign defense pact

Office of the Press Secretary
March 4, 2019

By Mira Castellan

Japan and the Philippines signed a reciprocal access agreement on Monday. The deal lets troops train together.

Advertisement

Share this article

Ministers shake hands in Manila Image: Kanto Photo Service

Read more: Manila weighs new coast guard deal

Why the pact matters

Officials said the agreement had taken two years to negotiate.

Warships off the Philippine coast: what happens next?
03:12
This browser does not support the video element.

The pact still needs ratification.

kt/rm (AFP, Reuters)
"""


def test_furniture_lines_are_dropped() -> None:
    assert texts(ARTICLE_WITH_FURNITURE) == [
        "Tokyo and Manila sign defense pact",
        "Japan and the Philippines signed a reciprocal access agreement on Monday.",
        "The deal lets troops train together.",
        "Why the pact matters",
        "Officials said the agreement had taken two years to negotiate.",
        "The pact still needs ratification.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Tuesday, June 4, 2024",
        "4 June 2024",
        "2024-06-04",
        "Updated: June 4, 2024 10:31 GMT",
        "Singapore, June 3, 2023",
        "By Mira Castellan and Tom Ito, Tokyo correspondents",
        "Image from video showing the ministers",
        "Photo: Kanto Photo Service",
        "Also read: Tokyo weighs options",
        "rc (AP)",
        "(AFP, Reuters)",
        "Reporting by Mira Castellan; Editing by Tom Ito",
        "The following is attributable to Spokesperson Dana Whitlock:",
    ],
)
def test_single_furniture_line(line: str) -> None:
    assert texts(f"Headline\n\n{line}\n\nBody sentence here.") == ["Headline", "Body sentence here."]


def test_body_lines_that_resemble_furniture_are_kept() -> None:
    raw = (
        "Headline\n\nBy 2030, Japan will double its defense budget.\n\n"
        "By Friday the talks had stalled.\n\nAdvertisements for recruits ran all week.\n\n"
        "March 4, 2019 was the day the talks began."
    )
    assert texts(raw)[1:] == [
        "By 2030, Japan will double its defense budget.",
        "By Friday the talks had stalled.",
        "Advertisements for recruits ran all week.",
        "March 4, 2019 was the day the talks began.",
    ]


def test_headline_with_a_date_is_kept() -> None:
    raw = "Department Press Briefing, November 18, 2022\n\nKaren Ashby, Deputy Spokesperson\nWashington, DC\n1:42 p.m. EST\n\nThe briefing began."
    assert texts(raw) == ["Department Press Briefing, November 18, 2022", "The briefing began."]


# ----------------------------------------------------------------------------------------------------------------
# Sentence boundaries
# ----------------------------------------------------------------------------------------------------------------


def test_embedded_quotation_with_inner_periods_stays_one_sentence() -> None:
    raw = 'Headline\n\nHe said "We will go. We must go. Now." Then he left. The minister called it "a grave threat. Full stop."'
    assert texts(raw)[1:] == [
        'He said "We will go. We must go. Now."',
        "Then he left.",
        'The minister called it "a grave threat. Full stop."',
    ]


def test_quotation_opening_a_sentence_splits_like_the_corpus() -> None:
    # Annotators split a quotation that opens the sentence and holds full sentences (quote_spans_sentences).
    raw = 'Headline\n\n"We have handed over a list. General assurances are not enough," said Katrin Vollmer.'
    assert texts(raw)[1:] == [
        '"We have handed over a list.',
        'General assurances are not enough," said Katrin Vollmer.',
    ]


def test_abbreviations_do_not_end_sentences() -> None:
    raw = (
        "Headline\n\nThe U.S. Navy met Gen. Sato on Jan. 6 in Washington, D.C. to discuss Art. 9 and No. 4 items. "
        "Prof. Kim and Dr. Ito met Lt. Gen. Mori, e.g. at 3 p.m. on Tuesday. John F. Kennedy was cited. "
        "Ties with the U.S. The talks went on. Sales rose 3.5 percent. The vote was 9-3. It passed."
    )
    assert texts(raw)[1:] == [
        "The U.S. Navy met Gen. Sato on Jan. 6 in Washington, D.C. to discuss Art. 9 and No. 4 items.",
        "Prof. Kim and Dr. Ito met Lt. Gen. Mori, e.g. at 3 p.m. on Tuesday.",
        "John F. Kennedy was cited.",
        "Ties with the U.S.",
        "The talks went on.",
        "Sales rose 3.5 percent.",
        "The vote was 9-3.",
        "It passed.",
    ]


def test_question_and_exclamation_marks_and_lowercase_continuations() -> None:
    raw = 'Headline\n\nIs the consensus alive? It is! "Why now?" he asked. Prices rose... and fell.'
    assert texts(raw)[1:] == [
        "Is the consensus alive?",
        "It is!",
        '"Why now?" he asked.',
        "Prices rose... and fell.",
    ]


def test_sentences_never_cross_lines_and_paragraph_numbers() -> None:
    raw = "Headline\n\nThe first line has no period\nand this line continues.\n\nA new paragraph. Two sentences."
    sentences = ingest(raw)
    assert [s.text for s in sentences][1:] == [
        "The first line has no period",
        "and this line continues.",
        "A new paragraph.",
        "Two sentences.",
    ]
    assert [s.paragraph for s in sentences] == [0, 1, 2, 3, 3]


# ----------------------------------------------------------------------------------------------------------------
# Transcript turns
# ----------------------------------------------------------------------------------------------------------------

TRANSCRIPT = """\
Press Conference by Foreign Minister Kenji Arakawa

Minister Arakawa: I will begin with one announcement. North Korea launched a missile this morning.

Question (Harbor Street Daily): Will Japan respond?

The ministry has said before that it would.

Foreign Ministry spokesperson Wen Jiale: We have taken note of the reports.

Moderator:
Thank you all for coming.
"""


def test_transcript_turns() -> None:
    sentences = ingest(TRANSCRIPT)
    assert [(s.text, s.turn) for s in sentences] == [
        ("Press Conference by Foreign Minister Kenji Arakawa", None),
        ("I will begin with one announcement.", "Minister Arakawa"),
        ("North Korea launched a missile this morning.", "Minister Arakawa"),
        ("Will Japan respond?", "Question (Harbor Street Daily)"),
        ("The ministry has said before that it would.", "Question (Harbor Street Daily)"),  # the turn goes on
        ("We have taken note of the reports.", "Foreign Ministry spokesperson Wen Jiale"),
        ("Thank you all for coming.", "Moderator"),  # a label alone on its line
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Dangerous territory: Is Taiwan next on China's list?",  # lower-case word: a title, not a speaker
        'Austin said: "We are meeting against a backdrop of tension."',
        "The reaction in the region was telling: Japan lodged a protest.",
        "Taiwan: the next flashpoint",  # no sentence ending: a kicker or cross-head
    ],
)
def test_colon_lines_that_are_not_turns(line: str) -> None:
    sentences = ingest(f"Headline\n\n{line}")
    assert sentences[1].text == line
    assert sentences[1].turn is None


def test_video_title_is_furniture_even_when_it_looks_like_a_turn() -> None:
    raw = "Headline\n\nFirst sentence.\n\nCommander Reyes: What the drills mean\n\n04:10\n\nLast sentence."
    assert texts(raw) == ["Headline", "First sentence.", "Last sentence."]


# ----------------------------------------------------------------------------------------------------------------
# HTML
# ----------------------------------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html><html><head><title>T</title><style>p {color: red}</style>
<script>var x = "No. Way.";</script></head><body>
<nav><ul><li>Skip to content</li><li>Politics</li></ul></nav>
<header><div>PoliticsJapan</div><h1>US and Japan seek   new security cooperation</h1><p>By Mira Castellan</p></header>
<article><p class="date">January 7, 2022</p>
<p>Eyeing threats from China, the <a href="#">United States</a> and Japan agreed. The two powers announced deals.</p>
<figure><img src="x.jpg"><figcaption>Ministers met virtually. Image: AP</figcaption></figure>
<h2>Two new deals</h2>
<p>He said "it is late. Very late." Then he left.<br>A second line &amp; more.</p>
<p><strong>Moderator:</strong> Welcome. Let us begin.</p>
<p>Advertisement</p>
</article><footer><p>Copyright DW 2022</p></footer></body></html>"""


def test_html_is_detected_and_flattened() -> None:
    assert looks_like_html(HTML)
    sentences = ingest(HTML)
    assert [(s.text, s.is_heading, s.turn) for s in sentences] == [
        ("US and Japan seek new security cooperation", True, None),
        ("Eyeing threats from China, the United States and Japan agreed.", False, None),
        ("The two powers announced deals.", False, None),
        ("Two new deals", True, None),
        ('He said "it is late. Very late."', False, None),
        ("Then he left.", False, None),
        ("A second line & more.", False, None),
        ("Welcome.", False, "Moderator"),
        ("Let us begin.", False, "Moderator"),
    ]


def test_html_flag_forces_the_parser() -> None:
    fragment = "Headline<br>Body text here."
    assert not looks_like_html(fragment)
    assert texts(fragment, html=True) == ["Headline", "Body text here."]
    assert texts("<p>Headline</p>", html=False) == ["<p>Headline</p>"]


# ----------------------------------------------------------------------------------------------------------------
# Bad files
# ----------------------------------------------------------------------------------------------------------------


def test_read_article_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b" \n\n\t\n")
    (tmp_path / "binary.txt").write_bytes(b"Headline\n\x00\x01\x02")
    (tmp_path / "latin1.txt").write_bytes("Headline\n\nCaf\u00e9 talks.".encode("latin-1"))
    with pytest.raises(DataError, match="empty file"):
        read_article(tmp_path / "empty.txt")
    with pytest.raises(DataError, match="empty file"):
        read_article(tmp_path / "blank.txt")
    with pytest.raises(DataError, match=r"binary file \(NUL byte at offset 9\)"):
        read_article(tmp_path / "binary.txt")
    with pytest.raises(DataError, match=r"latin1.txt:3: not valid UTF-8 \(byte 0xe9"):
        read_article(tmp_path / "latin1.txt")
    with pytest.raises(DataError, match="does not exist"):
        read_article(tmp_path / "missing.txt")


def test_read_article_strips_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffHeadline\r\n\r\nBody.".encode())
    assert texts(read_article(path)) == ["Headline", "Body."]


@pytest.mark.parametrize(
    "line",
    [
        "The talks ended. " * 60_000,  # one million characters, 60,000 sentences
        "." * 1_000_000,
        '"' * 1_000_000,
        "Gen. " * 200_000,
        "A" * 1_000_000 + ": text.",
        "A." + " " * 1_000_000 + "x",
    ],
)
def test_one_megabyte_line_is_ingested(tmp_path: Path, line: str) -> None:
    # Pathological lines must not send a pattern into backtracking (how fast is bench/'s business).
    path = tmp_path / "big.txt"
    path.write_text("Headline\n\n" + line, encoding="utf-8")
    sentences = ingest(read_article(path))
    assert sentences[0].text == "Headline" and len(sentences) >= 2


# ----------------------------------------------------------------------------------------------------------------
# Evaluation against a corpus
# ----------------------------------------------------------------------------------------------------------------


def _tiny_corpus(root: Path) -> Path:
    """A two-document corpus, one document ingested imperfectly."""
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "auth-t01.txt").write_text(
        "Talks open\n\nMarch 4, 2019\n\nThe talks opened. Both sides spoke.\n"
    )
    (root / "raw" / "seed-002.txt").write_text("Talks close\n\nThey closed on Friday and everyone left\n")
    documents = [
        {
            "doc_id": "auth-t01",
            "title": "Talks open",
            "date": "2019-03-04",
            "genre": "news",
            "publisher": "P",
            "source": "authored",
        },
        {
            "doc_id": "seed-002",
            "title": "Talks close",
            "date": "2019-03-08",
            "genre": "news",
            "publisher": "P",
            "source": "seed",
        },
    ]
    sentences = [
        ("auth-t01", 0, "Talks open"),
        ("auth-t01", 1, "The talks opened."),
        ("auth-t01", 2, "Both sides spoke."),
        ("seed-002", 0, "Talks close"),
        ("seed-002", 1, "They closed on Friday"),
        ("seed-002", 2, "and everyone left"),
    ]
    (root / "documents.jsonl").write_text("\n".join(json.dumps(d) for d in documents) + "\n")
    rows = [
        {
            "id": f"{d}-s{i:03d}",
            "doc_id": d,
            "sent_idx": i,
            "text": t,
            "stance": [],
            "primary_stance": "none",
            "speaker": "narrator",
            "speaker_mention": None,
            "speaker_role": "narrator",
            "hard": [],
        }
        for d, i, t in sentences
    ]
    (root / "sentences.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return root


def test_evaluate_ingest_on_a_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tiny_corpus(tmp_path / "corpus")
    report = evaluate_ingest(root, repeats=1)
    assert report["n_docs"] == 2 and report["n_gold"] == 6 and report["n_predicted"] == 5
    assert report["precision"] == pytest.approx(4 / 5) and report["recall"] == pytest.approx(4 / 6)
    assert report["exact_docs"] == 1
    assert report["seed"]["n_docs"] == 1 and report["seed"]["exact_docs"] == 0
    assert main(["--evaluate", "--corpus-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert "P/R/F1: 0.8000 / 0.6667 / 0.7273" in out and "missed" in out and "seed-002" in out


def test_cli_reports_bad_files_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert main([str(path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_ingested_sentence_is_a_plain_record() -> None:
    sentence = IngestedSentence("Text.", 0, None, 0, False)
    assert (sentence.text, sentence.index, sentence.turn, sentence.paragraph, sentence.is_heading) == (
        "Text.",
        0,
        None,
        0,
        False,
    )


# ----------------------------------------------------------------------------------------------------------------
# The header and the turn formats of official documents
# ----------------------------------------------------------------------------------------------------------------


def test_header_lines_are_kept_apart_from_the_sentences() -> None:
    raw = (
        "Statement on the Accord\n\nPress Statement\n\nAnn Holt, Secretary of State\n\nMarch 3, 2023\n\n"
        "The United States marks the anniversary. We remain committed.\n"
    )
    article = ingest_article(raw)
    assert article.header == ("Press Statement", "Ann Holt, Secretary of State", "March 3, 2023")
    assert [s.text for s in article.sentences] == [
        "Statement on the Accord",
        "The United States marks the anniversary.",
        "We remain committed.",
    ]


def test_a_short_line_after_the_headline_without_header_marks_stays_a_sentence() -> None:
    article = ingest_article("Talks resume\n\nA new chapter\n\nThe talks resumed on Monday.\n")
    assert article.header == ()
    assert [s.text for s in article.sentences][:2] == ["Talks resume", "A new chapter"]


def test_byline_and_date_are_header() -> None:
    article = ingest_article("Pact signed\n\nBy Jo Reyes | Wire | 2023-03-03\n\nThe pact was signed.\n")
    assert article.header == ("By Jo Reyes | Wire | 2023-03-03",)


@pytest.mark.parametrize(
    ("line", "label", "text"),
    [
        ("Q: Will you visit Beijing?", "Q", "Will you visit Beijing?"),
        ("A: We have no plans to announce.", "A", "We have no plans to announce."),
        ("NHK, Yamamoto: A question for both ministers.", "NHK, Yamamoto", "A question for both ministers."),
        ("SECRETARY HOLT: Thank you.", "SECRETARY HOLT", "Thank you."),
        ("MR. O'NEILL: Next question.", "MR. O'NEILL", "Next question."),
    ],
)
def test_turn_label_formats(line: str, label: str, text: str) -> None:
    sentences = ingest_article(f"Briefing\n\n{line}\n").sentences
    assert (sentences[1].turn, sentences[1].text) == (label, text)


def test_a_colon_in_prose_is_no_turn() -> None:
    sentences = ingest_article('Briefing\n\nHowever, he said: "We will go."\n').sentences
    assert sentences[1].turn is None


def test_numbered_paragraphs_lose_their_numbers_and_accented_turn_labels_are_turns() -> None:
    raw = (
        "Readout of the call\n\nReadout\nMinistry of Foreign Affairs of Japan\nMay 3, 2024\n\n"
        "1. On May 3, Minister Holt spoke with Secretary Cruz. The two agreed to meet.\n\n"
        "2. Minister Holt said Japan would help.\n\n10 ships took part in the drill.\n\n"
        "SECRETARY VILLASEÑOR: We welcome our friends.\n"
    )
    sentences = ingest_article(raw).sentences
    texts = [s.text for s in sentences]
    assert texts[1:5] == [
        "On May 3, Minister Holt spoke with Secretary Cruz.",
        "The two agreed to meet.",
        "Minister Holt said Japan would help.",
        "10 ships took part in the drill.",  # a number that starts a sentence stays
    ]
    assert (sentences[-1].turn, sentences[-1].text) == ("SECRETARY VILLASEÑOR", "We welcome our friends.")
