"""Speakers end to end: a role that comes from a turn, a mention or the issuer beats the role head, the role head
answers only for the rest, and every record says where its role came from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from src.labelling import load_labeller
from src.labelling.ingest import ingest_article
from src.speakers import speaker_records
from src.speakers.officeholders import load_officeholders
from tests.conftest import train_run

PRESS_CONFERENCE = """Joint Press Availability with Japanese Foreign Minister Rina Kaneshiro

Remarks
Ann Holt, Secretary of State
Tokyo, Japan
March 3, 2023

MODERATOR: Good afternoon. We will take two questions.

SECRETARY HOLT: Thank you. It is good to be back in Tokyo.

Our alliance has never been stronger.

FOREIGN MINISTER KANESHIRO: Thank you, Ann. Japan will stand with the United States.

NHK, Yamamoto: A question for both ministers. What did you agree on?

Q: Will you visit Beijing?

A: We have no plans to announce.
"""

WIRE_STORY = """Tokyo and Manila sign access pact

By Jo Reyes | Wire | 2023-03-03

Japan and the Philippines signed a reciprocal access agreement on Friday. Japanese Foreign Minister Rina \
Kaneshiro called it historic. "This is a new chapter," she said. A Chinese foreign ministry spokesperson said \
Beijing opposed bloc confrontation. Analysts in Manila said the deal would deter coercion.
"""

STATEMENT = """Statement on the Anniversary of the Maritime Accord

Press Statement
Ann Holt, Secretary of State
June 1, 2023

The United States marks the anniversary of the accord. We remain committed to freedom of navigation.
"""


def roles(raw: str) -> list[tuple[str, str | None, str | None]]:
    records = speaker_records(ingest_article(raw), officeholders=load_officeholders())
    return [(r["speaker"], r["speaker_role"], r["role_source"]) for r in records]


def test_transcript_turns_give_speaker_and_role() -> None:
    got = roles(PRESS_CONFERENCE)
    assert got[0] == ("Ann Holt", "us_government", "issuer")  # the title: the issuer's
    assert got[1] == ("moderator", "us_government", "turn")  # a moderator of an official event
    assert got[3] == ("Ann Holt", "us_government", "turn")  # "SECRETARY HOLT", full name from the header
    assert got[5] == ("Ann Holt", "us_government", "turn")  # the turn runs over paragraphs
    assert got[6] == ("Rina Kaneshiro", "japan_government", "turn")  # role from the title's "Japanese"
    assert got[8] == ("Yamamoto", "other", "turn")  # an outlet-named question
    assert got[10] == ("unidentified reporter", "other", "turn")  # A10: a labelled reporter asked too
    assert got[11] == ("Ann Holt", "us_government", "turn")  # "A:" is the official the header names


def test_news_mentions_pronouns_and_narrator() -> None:
    got = roles(WIRE_STORY)
    assert got[0] == ("narrator", "narrator", "issuer")  # a bylined story speaks in the narrator's voice
    assert got[1] == ("narrator", "narrator", "issuer")
    assert got[2] == ("Rina Kaneshiro", "japan_government", "mention")
    assert got[3] == ("Rina Kaneshiro", "japan_government", "mention")  # "she"
    assert got[4][1:] == ("china_government", "mention")
    assert got[5][1:] == ("other", "mention")  # analysts are not a government


def test_statement_under_a_named_official_is_theirs() -> None:
    got = roles(STATEMENT)
    assert got[0] == ("Ann Holt", "us_government", "issuer")
    assert got[2] == (
        "Ann Holt",
        "us_government",
        "issuer",
    )  # "We remain committed ..." is the issuer's voice


def test_user_officeholders_resolve_bare_names(tmp_path: Path) -> None:
    table = tmp_path / "people.csv"
    table.write_text(
        "name,aliases,office,country,role,start,end,shared\n"
        "Lea Morand,,Foreign Minister,France,other_government,2022-01-01,,false\n",
        encoding="utf-8",
    )
    raw = "Paris weighs in\n\nBy Jo Reyes\n\nLea Morand said the accord was welcome.\n"
    records = speaker_records(ingest_article(raw), officeholders=load_officeholders([table]))
    assert records[1]["speaker"] == "Lea Morand"
    assert (records[1]["speaker_role"], records[1]["role_source"]) == ("other_government", "mention")
    without = speaker_records(ingest_article(raw), officeholders=load_officeholders())
    assert without[1]["speaker_role"] is None and without[1]["role_source"] is None


@pytest.fixture(scope="module")
def role_run(tmp_path_factory) -> Path:
    """A TF-IDF multitask run whose role head sees the speaker cue, trained on the fixture corpus."""
    return train_run(
        tmp_path_factory.mktemp("speakers"), "data=fixture", "task=multitask", "data.context=speaker"
    )


def test_resolved_roles_beat_a_role_head_that_disagrees(role_run: Path, monkeypatch) -> None:
    labeller = load_labeller(role_run, workers=1)
    model = labeller.model
    role_head = next(h for h in model.heads if h.field == "speaker_role")
    real = model.predict_proba

    def china_everywhere(texts, contexts=None):
        proba = real(texts, contexts)
        forced = np.zeros_like(proba[role_head.name])
        forced[:, role_head.labels.index("china_government")] = 1.0
        return {**proba, role_head.name: forced}

    monkeypatch.setattr(model, "predict_proba", china_everywhere)
    records = labeller.predict_article(PRESS_CONFERENCE)
    assert records[3]["speaker_role"] == "us_government" and records[3]["role_source"] == "turn"
    assert records[3]["speaker_role_probabilities"]["china_government"] == 1.0  # the head disagreed
    unsourced = labeller.predict_article("Talks resume\n\nThe talks resumed on Monday.\n")
    # No source line, no issuer: the head answers, and the record says so.
    assert unsourced[1]["role_source"] == "classifier" and unsourced[1]["speaker_role"] == "china_government"
    assert unsourced[1]["speaker"] == "unidentified issuer"


def test_role_head_fills_in_only_where_the_rules_cannot(role_run: Path) -> None:
    labeller = load_labeller(role_run, workers=1)
    assert labeller.model.context_ == "speaker"
    records = labeller.predict_article(WIRE_STORY)
    assert [r["role_source"] for r in records] == [
        "issuer",
        "issuer",
        "mention",
        "mention",
        "mention",
        "mention",
    ]
    plain = labeller.predict_article("Talks resume\n\nThe talks resumed on Monday.\n")
    assert plain[1]["role_source"] == "classifier"
    assert plain[1]["speaker_role"] in labeller.model.heads[1].labels


def test_answers_belong_to_the_official_the_opening_names() -> None:
    raw = (
        "Interview on the Maritime Accord\n\nEmbassy of Japan in the Philippines\nMarch 3, 2023\n\n"
        "Japanese Ambassador Rina Kaneshiro answered questions from reporters.\n\n"
        "Q: What does the accord change?\n\nA: It deepens our cooperation.\n"
    )
    got = roles(raw)
    assert got[-1] == ("Rina Kaneshiro", "japan_government", "turn")
    assert got[-2] == ("reporter", "other", "turn")


READOUT_WITH_POSSESSIVE_TITLE = """Readout of Secretary of Defense Ann Holt's Meeting With Japanese Minister of Defense Rina Kaneshiro

Readout
March 3, 2023

Secretary of Defense Ann Holt hosted Japanese Minister of Defense Rina Kaneshiro at the Pentagon today.
The two leaders agreed to deepen cooperation on missile defense.
"""


def test_readout_participants_keep_the_order_the_title_names_them() -> None:
    # "Ann Holt's Meeting With ... Rina Kaneshiro": the possessive ends the first name; order of mention (§6.2).
    records = speaker_records(
        ingest_article(READOUT_WITH_POSSESSIVE_TITLE), officeholders=load_officeholders()
    )
    assert records[-1]["speaker"] == "Ann Holt and Rina Kaneshiro"
    assert records[-1]["speaker_role"] == "joint"


def test_a_statement_issued_under_a_name_stays_theirs_when_the_publisher_is_given() -> None:
    # An article table's source column names the department; the header names the official who issued it.
    records = speaker_records(
        ingest_article(STATEMENT),
        officeholders=load_officeholders(),
        genre="spokesperson",
        publisher="US Department of State",
    )
    assert [r["speaker"] for r in records] == ["Ann Holt"] * len(records)


BRIEFING_WITH_BARE_QUESTIONS = """Regular Press Conference

Ministry of Foreign Affairs of Japan
June 1, 2023

PRESS SECRETARY ANN HOLT: Good afternoon.

NHK: Will the minister travel to Manila?

PRESS SECRETARY ANN HOLT: The schedule is not fixed.

Question: Is a summit planned?

PRESS SECRETARY ANN HOLT: Nothing has been decided.
"""


def test_unlabelled_questioners_among_labelled_ones_are_unidentified() -> None:
    # Codebook A10: labelled and unlabelled reporters both ask, so the unlabelled one is "unidentified reporter".
    speakers = [r["speaker"] for r in speaker_records(ingest_article(BRIEFING_WITH_BARE_QUESTIONS))]
    assert "NHK reporter" in speakers and "unidentified reporter" in speakers and "reporter" not in speakers


SPEECH_UNDER_A_TOPIC = """Shared waters: Foreign Minister Holt's address to the maritime forum

From: Ministry of Foreign Affairs and The Hon Ann Holt MP
5 May 2024

Thank you all for coming tonight. Our region faces new pressures.
"""


def test_a_speech_title_after_a_topic_and_a_parliamentary_header_name_the_speaker() -> None:
    speakers = [r["speaker"] for r in speaker_records(ingest_article(SPEECH_UNDER_A_TOPIC))]
    assert speakers[0] == "Ministry of Foreign Affairs"  # D16: a transcript's title is its publisher's
    assert set(speakers[1:]) == {"Ann Holt"}  # "The Hon ... MP" is not part of the name; the body is hers


def test_a_transcript_title_is_its_publishers() -> None:
    # Codebook D16: the title of a press conference is the publishing body's, the turns are the speakers'.
    records = speaker_records(ingest_article(BRIEFING_WITH_BARE_QUESTIONS))
    assert records[0]["speaker"] != "Ann Holt" and "Ministry of Foreign Affairs" in records[0]["speaker"]
    assert records[0]["speaker_role"] == "japan_government" and records[0]["role_source"] == "issuer"
    assert records[1]["speaker"] == "Ann Holt"


def test_a_title_is_the_publishers_when_the_document_has_turns_whatever_its_genre() -> None:
    # A ministry's regular press conference filed under the genre `spokesperson` is still a transcript (D16).
    from src.speakers import attribute_sentences

    found = attribute_sentences(
        [
            "Foreign Ministry Spokesperson Lan Qiyu's Regular Press Conference on May 2, 2023",
            "Good afternoon.",
            "What is China's response?",
        ],
        genre="spokesperson",
        publisher="Ministry of Foreign Affairs of the People's Republic of China",
        turns=[None, "Lan Qiyu", "Reuters"],
    )
    assert found[0].speaker == "Ministry of Foreign Affairs of the People's Republic of China"
    assert (found[0].role, found[0].role_source) == ("china_government", "issuer")
    assert found[1].speaker == "Lan Qiyu"


def test_in_an_owners_interview_the_untitled_name_after_with_asks() -> None:
    from src.speakers.affiliation import DocumentRoles
    from src.speakers.issuer import find_issuer

    def official(title: str) -> str | None:
        return find_issuer(title, [], roles=DocumentRoles(None, None, texts=[title])).official

    assert (
        official("Ambassador Ann Holt's Interview with Harbor Daily") == "Ann Holt"
    )  # an outlet no list holds
    assert official("Interview with Foreign Minister Rina Kaneshiro") == "Rina Kaneshiro"
    assert official("Interview with Rina Kaneshiro") == "Rina Kaneshiro"  # no owner: the name is interviewed


READOUT_SURNAME_FIRST = """Japan-Philippines Foreign Ministers' Meeting

Readout
Ministry of Foreign Affairs of Japan
May 3, 2024

On May 3, Mr. KANESHIRO Rina, Minister for Foreign Affairs of Japan, held a meeting with Ms. Ana Reyes, \
Secretary of Foreign Affairs of the Philippines. Minister Kaneshiro said Japan would support the Philippines. \
Secretary Reyes said she was glad.
"""


def test_a_surname_first_name_in_capitals_links_later_mentions_and_gives_their_role() -> None:
    records = speaker_records(ingest_article(READOUT_SURNAME_FIRST))
    assert (records[-2]["speaker"], records[-2]["speaker_role"]) == ("Kaneshiro Rina", "japan_government")
    # An appositive office that ends the sentence places the person too.
    assert (records[-1]["speaker"], records[-1]["speaker_role"]) == ("Ana Reyes", "other_government")


BRIEFING_WITH_A_PRONOUN_ANSWER = """Regular Press Briefing

U.S. Department of State
June 1, 2023

MR. LEE: Good afternoon.

QUESTION: Did Secretary Ann Holt raise the detained journalists with Foreign Minister Rina Kaneshiro?

MR. LEE: He did. He stressed that they must be released. We will keep raising it.
"""


def test_a_pronoun_in_an_answer_is_the_person_the_question_asked_about() -> None:
    # Codebook A8: "He did, and he made clear ..." in the spokesperson's turn is the Secretary's.
    got = [
        (r["speaker"], r["speaker_mention"])
        for r in speaker_records(ingest_article(BRIEFING_WITH_A_PRONOUN_ANSWER))
    ]
    assert got[1] == ("Lee", None)  # "MR. LEE": a capitalised label, the name title-cased
    assert got[4] == ("Ann Holt", "He")
    assert got[5] == ("Lee", None)  # "We" stays with the turn


READOUT_TITLE_NAMES_ONE = """Foreign Secretary's call with Japanese Foreign Minister Rina Kaneshiro

Readout
Foreign, Commonwealth and Development Office
May 3, 2024

Foreign Secretary Ann Holt spoke today with Japanese Foreign Minister Rina Kaneshiro. Secretary Holt raised the \
detentions. They agreed to keep pressing the case. The two also reviewed cyber cooperation.
"""


def test_readout_participants_come_from_the_opening_when_the_title_names_one() -> None:
    records = speaker_records(ingest_article(READOUT_TITLE_NAMES_ONE))
    # "They" after one person spoke, and "The two": the parties who met, in order of mention (§6.2, §6.7)
    assert [r["speaker"] for r in records[-2:]] == ["Ann Holt and Rina Kaneshiro"] * 2


EVENT_WITH_ACCENTED_NAMES = """A Conversation with Japan's Minister of Defense

Kestrel Institute
Transcript
October 15, 2024

DR. ANN HOLT: Good afternoon. I'm Ann Holt, and I lead this institute. Our speaker is Japan's Minister of \
Defense, Ijūin Keiko.

MINISTER IJUIN: Thank you, Ann. Japan faces a severe security environment.

DR. ANN HOLT: Thank you. Beijing says your plans are destabilizing. Commander Rogelio Ibáñez agreed. \
Dufresne-Aubé said so too.
"""


def test_names_with_accents_link_to_labels_and_mentions_without_them() -> None:
    records = speaker_records(ingest_article(EVENT_WITH_ACCENTED_NAMES))
    speakers = [r["speaker"] for r in records]
    assert speakers[1] == "Ann Holt"  # "I'm Ann Holt" is not a name
    assert speakers[5] == "Ijūin Keiko"  # "MINISTER IJUIN:" is the minister the introduction names
    assert "Rogelio Ibáñez" in speakers and "Dufresne-Aubé" in speakers


TWO_PLUS_TWO_READOUT = """Readout: U.S.-Philippines 2+2 Ministerial Dialogue

Office of the Spokesperson
U.S. Department of State
Readout
April 11, 2025

Secretary of State Ann Holt and Secretary of Defense Ben Ortiz hosted Philippine Foreign Secretary Rosa Cruz and \
Defense Secretary Luis Tan in Washington. The four principals reaffirmed the alliance. Both sides welcomed the \
first joint patrol.
"""

STATEMENT_WITH_A_COUNTRY_LINE = """Statement on the Incident at the Shoal

Department of Foreign Affairs
Republic of the Philippines
10 December 2023

The Department of Foreign Affairs strongly protests the dangerous actions of the vessels. The United States is \
a treaty ally. The Department reiterates its position.
"""


def test_a_two_plus_two_readout_names_its_sides_and_its_body_not_the_office() -> None:
    records = speaker_records(ingest_article(TWO_PLUS_TWO_READOUT))
    assert records[0]["speaker"] == "U.S. State Department"  # the body a later header line names
    assert [r["speaker"] for r in records[-2:]] == ["United States and the Philippines"] * 2


def test_a_body_takes_the_country_of_a_header_line_and_speaks_for_itself() -> None:
    records = speaker_records(ingest_article(STATEMENT_WITH_A_COUNTRY_LINE))
    speakers = {r["speaker"] for r in records}
    # "The United States is a treaty ally" in the statement describes a party: the issuer's own claim.
    assert speakers == {"Philippine Department of Foreign Affairs"}
    assert {r["speaker_role"] for r in records} == {"other_government"}


def test_a_countryless_ministry_in_an_official_statement_is_the_issuers_countrys() -> None:
    raw = (
        "Statement on the Missile Launch\n\nMinistry of Foreign Affairs of Japan\nPress Statement\nMay 3, 2024\n\n"
        "According to the Ministry of Defense, the missile flew for about 74 minutes.\n"
    )
    assert speaker_records(ingest_article(raw))[-1]["speaker"] == "Japanese Ministry of Defense"


OUTLET_INTERVIEW = """Ambassador Ann Holt's Interview with Harbor Daily

U.S. Embassy Manila
March 9, 2023

Q: Ambassador, welcome. How is the alliance today?

A: It has never been stronger.
"""

SPOKESPERSON_QA = """Chinese Embassy Spokesperson Answers Journalists' Questions on the Resolution

Embassy of the People's Republic of China in Japan
2022-02-02

Q: What is your comment on the resolution?

A: China firmly opposes it.
"""


def test_an_interviews_bare_q_is_the_outlets_reporter_and_a_spokespersons_a_is_on_the_record() -> None:
    interview = [r["speaker"] for r in speaker_records(ingest_article(OUTLET_INTERVIEW))]
    assert interview[1] == "Harbor Daily reporter" and interview[-1] == "Ann Holt"
    answers = [r["speaker"] for r in speaker_records(ingest_article(SPOKESPERSON_QA))]
    assert answers[-1] == "Chinese Embassy in Japan spokesperson"  # A10: "<institution> spokesperson"


def test_a_trilateral_readout_counts_the_issuers_own_country_among_the_three() -> None:
    raw = """Vice Minister Attends Trilateral Meeting with Japan and the United States

Ministry of Foreign Affairs of the Republic of Korea
Readout

Vice Foreign Minister Kim Ha-neul attended a trilateral meeting in New York on Tuesday.

The three countries agreed to strengthen coordination at the United Nations.
"""
    assert roles(raw)[-1] == ("South Korea, Japan and the United States", "joint", "mention")


def test_unnamed_chairs_are_a_committees_or_a_sessions() -> None:
    from src.speakers import attribute_sentences

    hearing = attribute_sentences(
        ["Oral evidence session: supply chains", "Welcome to this session.", "Thank you."],
        turns=[None, "The Chair", "Ms Pell"],
    )
    assert hearing[1].speaker == "committee chair"
    session = attribute_sentences(
        ["Speech by Defense Minister Ann Holt at the Harbor Dialogue, Fourth Plenary Session", "Welcome."],
        turns=[None, "CHAIR"],
    )
    assert (session[1].speaker, session[1].role) == ("session chair", "other")


def test_a_press_release_titled_by_a_meeting_is_a_readout_of_it() -> None:
    raw = """Results of the Japan-Philippines Envoys' Consultations

Ministry of Foreign Affairs of Japan
Press Release
May 2, 2024

On May 2, Ambassador Hana Oyama held consultations with Ambassador Luis Abad in Manila.

The two envoys agreed to meet again in Tokyo.
"""
    assert roles(raw)[-1] == ("Hana Oyama and Luis Abad", "joint", "mention")


def test_a_statement_by_a_minister_has_the_ministers_title() -> None:
    raw = """Statement by Foreign Minister HANADA Ren on the Sentencing of Activists in Hong Kong

Ministry of Foreign Affairs of Japan
June 1, 2024

Japan is gravely concerned by the sentences handed down today.
"""
    assert roles(raw)[0][:2] == ("HANADA Ren", "japan_government")


def test_a_body_takes_the_country_of_a_government_field_and_bullets_are_no_words() -> None:
    raw = """Minister Tak Holds Talks with Japanese Foreign Minister

Australian Government – Department of Foreign Affairs and Trade
Media release
19 October 2023

Foreign Minister Ann Quarter today hosted Japanese Foreign Minister Ren Hanada in Canberra.

○ Minister Quarter welcomed the visit.
"""
    records = roles(raw)
    assert records[0][0] == "Australian Department of Foreign Affairs and Trade"
    assert records[-1][0] == "Ann Quarter"


def test_an_interviewer_named_in_the_opening_asks_the_bare_questions() -> None:
    raw = """In Conversation: Ambassador Cora Haver on the Alliance

U.S. Embassy in the Philippines
April 22, 2024

U.S. Ambassador to the Philippines Cora Haver spoke with Teodora Sulit of the Bayside Chronicle on April 19.

Q: What message is the United States sending?

A: That the alliance is strong.
"""
    assert roles(raw)[-2][0] == "Teodora Sulit"


def test_a_missions_host_country_is_named_short_and_an_answerer_ends_the_title() -> None:
    from src.speakers.issuer import canonical_publisher

    assert canonical_publisher(
        "Embassy of the People's Republic of China in the Commonwealth of Australia"
    ) == ("Chinese Embassy in Australia")
    raw = """In Conversation: South Korea's Ambassador to ASEAN Maeng Sol-bi

Sentinel Asia Review
Interviews
14 November 2024

Q: Is ASEAN doing enough?

A: ASEAN has been consistent in condemning the launches.
"""
    assert roles(raw)[-1][:2] == ("Maeng Sol-bi", "other_government")
