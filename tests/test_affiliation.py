"""Affiliation from the words of a mention, the document's issuer, and transcript turn labels."""

from __future__ import annotations

import pytest

from src.speakers.affiliation import DocumentRoles, phrase_role, strip_titles
from src.speakers.issuer import Issuer, find_issuer, kind_in_title
from src.speakers.mentions import DocumentNames
from src.speakers.officeholders import load_officeholders
from src.speakers.turns import read_turn


@pytest.mark.parametrize(
    ("phrase", "role"),
    [
        ("US Secretary of State Ann Holt", "us_government"),
        ("a senior Japanese defense official", "japan_government"),
        ("China's foreign ministry", "china_government"),
        ("Beijing", "china_government"),
        ("the Pentagon", "us_government"),
        ("Japan's Chief Cabinet Secretary", "japan_government"),
        ("the PLA Eastern Theater Command", "china_government"),
        ("South Korea's defense ministry", "other_government"),
        ("a Chinese analyst", "other"),
        ("Tokyo-based researchers", "other"),
        ("The two ministers", "joint"),
        ("Both sides", "joint"),
        ("US and Japanese officials", "joint"),
        ("Tokyo and Manila", "joint"),
        ("the U.S. ambassador to Japan", "us_government"),
        ("China's embassy in Tokyo", "china_government"),
        # A mission abroad is its own country's; the city after it is only where it sits.
        ("U.S. Embassy Tokyo", "us_government"),
        ("Embassy of Japan, Washington, D.C.", "japan_government"),
        ("Australian Embassy, Beijing", "other_government"),
        ("United States and Japan (joint statement)", "joint"),
        ("South Korean National Security Council", "other_government"),
        ("National Security Council", "us_government"),
        ("Ann Holt", None),
        ("the ministry", None),
        ("He", None),
    ],
)
def test_phrase_role(phrase: str, role: str | None) -> None:
    assert phrase_role(phrase) == role


def test_titles_are_stripped_from_names() -> None:
    assert strip_titles("Foreign Minister Rina Kaneshiro") == "Rina Kaneshiro"
    assert strip_titles("Foreign Ministry Spokesperson Liu Bo") == "Liu Bo"
    assert strip_titles("Mr. Price") == "Price"


def test_document_remembers_roles_given_by_titles_and_appositives() -> None:
    roles = DocumentRoles()
    roles.learn("Japanese Foreign Minister Rina Kaneshiro met her counterpart on Friday.")
    roles.learn("Liu Bo, China's foreign ministry spokesperson, said the talks were useful.")
    assert roles.of("Rina Kaneshiro", "Kaneshiro") == "japan_government"
    assert roles.of("Liu Bo", "He") == "china_government"
    # The mention's own words beat the memory; two people of one government speak for it, of two for both.
    assert roles.of("Rina Kaneshiro", "a Chinese analyst") == "other"
    roles.learn("U.S. Secretary of State Ann Holt arrived in Tokyo.")
    assert roles.of("Ann Holt and Rina Kaneshiro") == "joint"
    assert roles.of("narrator") == "narrator"
    assert roles.of("Unknown Person") is None


def test_officeholders_table_gives_the_role_of_a_bare_name() -> None:
    roles = DocumentRoles(load_officeholders())
    assert roles.of("Antony Blinken", "Blinken") == "us_government"
    assert roles.of("Fumio Kishida") == "japan_government"


ISSUERS = [
    (
        "Joint Press Availability with Japanese Foreign Minister Rina Kaneshiro",
        ("Remarks", "Ann Holt, Secretary of State", "Tokyo, Japan", "March 3, 2023"),
        ("remarks", "Ann Holt", "us_government"),
    ),
    (
        "Secretary Holt's Call with Philippine Foreign Secretary Reyes",
        ("Readout", "Office of the Spokesperson", "March 3, 2023"),
        ("readout", "Office of the Spokesperson", "us_government"),
    ),
    (
        "Joint Statement of the United States and Japan on Maritime Security",
        ("March 3, 2023",),
        ("joint_statement", "United States and Japan (joint statement)", "joint"),
    ),
    (
        "Foreign Ministry Spokesperson Liu Bo's Regular Press Conference on March 3, 2023",
        ("Ministry of Foreign Affairs of the People's Republic of China",),
        (
            "press_conference",
            "Chinese Foreign Ministry",
            "china_government",
        ),
    ),
    (
        "Tokyo and Manila sign access pact",
        ("By Jo Reyes | Wire | 2023-03-03",),
        ("news", "narrator", "narrator"),
    ),
    ("The alliance must not drift", ("Editorial", "March 3, 2023"), ("opinion", "narrator", "narrator")),
    (
        "Remarks by Foreign Minister Rina Kaneshiro at a maritime forum",
        ("Ministry of Foreign Affairs of Japan", "June 2, 2023"),
        ("remarks", "Rina Kaneshiro", "japan_government"),
    ),
    ("Talks resume", (), (None, None, None)),
]


@pytest.mark.parametrize(("title", "header", "expected"), ISSUERS)
def test_issuer_from_title_and_header(title: str, header: tuple[str, ...], expected: tuple) -> None:
    issuer = find_issuer(title, header, roles=DocumentRoles())
    assert (issuer.kind, issuer.name, issuer.role) == expected


def test_user_genre_and_author_override_the_header() -> None:
    issuer = find_issuer("Talks resume", (), roles=DocumentRoles(), genre="readout", author="White House")
    assert (issuer.kind, issuer.name, issuer.role) == ("readout", "White House", "us_government")
    assert find_issuer("Talks resume", (), roles=DocumentRoles(), genre="editorial").name == "narrator"


@pytest.mark.parametrize(
    ("label", "speaker", "role"),
    [
        ("SECRETARY HOLT", "Ann Holt", "us_government"),
        ("FOREIGN MINISTER KANESHIRO", "Rina Kaneshiro", "japan_government"),
        ("MODERATOR", "moderator", "us_government"),
        ("NHK, Yamamoto", "Yamamoto", "other"),
        ("AFP", "AFP reporter", "other"),
        ("Q", "reporter", "other"),
        ("CORRESPONDENT", "correspondent", "other"),
        ("Question (Harbor Daily)", "Harbor Daily reporter", "other"),
        ("A", "Ann Holt", "us_government"),
        ("Moderator Aiko Fujimura", "Aiko Fujimura", "us_government"),
    ],
)
def test_turn_labels(label: str, speaker: str, role: str) -> None:
    roles = DocumentRoles()
    title = "Joint Press Availability with Japanese Foreign Minister Rina Kaneshiro"
    roles.learn(title)
    issuer = Issuer("remarks", "Ann Holt", "us_government", "Ann Holt", "us_government")
    names = DocumentNames(genre="transcript", author=None, title=title)
    names.unregistered = [title, "Ann Holt, Secretary of State"]
    turn = read_turn(label, issuer=issuer, roles=roles, doc=names)
    assert (turn.speaker, turn.role) == (speaker, role)


def test_moderator_of_a_non_official_event_speaks_for_themselves() -> None:
    issuer = Issuer("news", "narrator", "narrator")
    assert read_turn("Moderator", issuer=issuer, roles=DocumentRoles()).role == "other"


# Header and title forms of official documents (invented officials; each line as a user would paste it).
ISSUER_FORMS = [
    # embassy Q&A: the ambassador in a "NAME, OFFICE" header line; the title says only "Ambassador Surname's ..."
    (
        "Ambassador Halvorsen's Roundtable with Japanese Media on Base Costs",
        ("Ambassador Mara Halvorsen, U.S. Embassy Tokyo", "December 2, 2021"),
        ("Mara Halvorsen", "us_government"),
    ),
    # a titled person's possessive in a lower-case title, the embassy (with its city and date) in the header
    (
        "Transcript of Ambassador Devika Raman's interaction with the Japanese media",
        ("Embassy of India, Tokyo, 3 September 2020",),
        ("Devika Raman", "other_government"),
    ),
    # the office, then the person, in one capitalized run
    (
        "Chinese Embassy in Japan Spokesperson Gu Mingze Answers Questions on the Summit",
        ("2022/05/25",),
        ("Gu Mingze", "china_government"),
    ),
    # an appositive names the person after the office; "of <country>" says whose official
    (
        "Opening Remarks by the ASEAN Chair, Foreign Minister Ilham Rashid of Malaysia, at the Ministers' Meeting",
        ("Kuala Lumpur, 8 July 2025",),
        ("Ilham Rashid", "other_government"),
    ),
    # an office whose name holds commas
    (
        "Speech by Minister of Economy, Trade and Industry Shota Kirishima at a Washington forum",
        ("Washington, D.C., October 17, 2019",),
        ("Shota Kirishima", None),
    ),
    # a statement issued under a spokesperson's name and office
    (
        "Harassment at Second Thomas Shoal",
        ("Press Statement", "Dale Whitcomb, Department Spokesperson"),
        ("Dale Whitcomb", None),
    ),
    # a ministry's statement: the spokesperson's office is not the body; the country follows a comma
    (
        "Press Statement on the Nuclear Test",
        ("Press Statement", "Spokesperson's Office, Ministry of Foreign Affairs, Republic of Korea"),
        ("South Korean Ministry of Foreign Affairs", "other_government"),
    ),
    # a capital after a comma stands for its country
    (
        "Statement on the Incident at the Shoal",
        ("Press Release No. 214", "Department of Foreign Affairs, Manila", "19 June 2024"),
        ("Philippine Department of Foreign Affairs", "other_government"),
    ),
    # a body's spokesperson in the title, nothing in the header
    (
        "MOFCOM Spokesperson's Statement on Export Controls",
        ("December 3, 2024",),
        ("Chinese Ministry of Commerce", "china_government"),
    ),
]


@pytest.mark.parametrize(("title", "header", "expected"), ISSUER_FORMS)
def test_issuer_named_in_official_headers_and_titles(
    title: str, header: tuple[str, ...], expected: tuple
) -> None:
    issuer = find_issuer(title, header, roles=DocumentRoles())
    # The official answers the document's questions; without one, the body issues it.
    assert (
        issuer.official or issuer.name,
        issuer.official_role if issuer.official else issuer.role,
    ) == expected


def test_a_place_line_is_not_the_issuer() -> None:
    issuer = find_issuer(
        "Speech by Defense Minister Ren Aoki at the Dialogue",
        ("Singapore, June 3, 2023",),
        roles=DocumentRoles(),
    )
    assert (issuer.name, issuer.role) == ("Ren Aoki", None)  # not Singapore's: the line says where, not who


def test_the_first_document_kind_in_a_title_decides() -> None:
    assert kind_in_title("Opening Remarks by the Chair at the 58th Foreign Ministers' Meeting") == "remarks"
    assert kind_in_title("Readout of the Secretary's Meeting with the Foreign Minister") == "readout"


def _turn(label: str, *, asks: bool = False, texts: tuple[str, ...] = ()) -> tuple[str, str | None]:
    title = "Ambassador Hou Jingwen's remarks at the Potomac Forum"
    names = DocumentNames(genre="transcript", author=None, title=title)
    names.unregistered = [title, *texts]
    issuer = Issuer("remarks", "Hou Jingwen", "china_government", "Hou Jingwen", "china_government")
    turn = read_turn(label, issuer=issuer, roles=DocumentRoles(), doc=names, asks=asks)
    return turn.speaker, turn.role


def test_a_short_capitalized_surname_is_the_person_the_document_names() -> None:
    assert _turn("AMBASSADOR HOU")[0] == "Hou Jingwen"


def test_questioner_labels_name_the_reporter_or_the_outlet() -> None:
    assert _turn("Q (Mainichi, Sekine)") == ("Sekine", "other")
    assert _turn("MEMBER (Tokyo Shimbun)") == ("Tokyo Shimbun reporter", "other")
    # An outlet in no list: every turn under the label asks a question, and the label names no official.
    assert _turn("Radio New Zealand", asks=True) == ("Radio New Zealand reporter", "other")
    # A person who asks keeps their name.
    assert _turn("Ms. Brisk", asks=True)[0] == "Brisk"
    assert _turn("Radio New Zealand")[0] != "Radio New Zealand reporter"


def test_answers_take_the_officials_fullest_name() -> None:
    names = DocumentNames(genre="transcript", author=None, title="Ambassador Trenholm's Roundtable")
    names.unregistered = [
        "Ambassador Trenholm's Roundtable",
        "Ambassador Leland Trenholm, U.S. Embassy Tokyo",
    ]
    issuer = Issuer("press_conference", "Trenholm", "us_government", "Trenholm", "us_government")
    assert read_turn("A", issuer=issuer, roles=DocumentRoles(), doc=names).speaker == "Leland Trenholm"


def _speakers(raw: str) -> list[tuple[str, str | None]]:
    from src.labelling.ingest import ingest_article
    from src.speakers.document import attribute_document

    article = ingest_article(raw)
    return [(a.speaker, s.turn) for s, a in zip(article.sentences, attribute_document(article), strict=True)]


def test_answers_go_to_the_official_an_opening_names_after_the_office() -> None:
    raw = (
        "Embassy Spokesperson Answers Questions on the Summit\n\n2023/05/20\n\n"
        "A spokesperson for the Chinese Embassy in the UK, Zhou Ming, answered questions from reporters.\n\n"
        "Q: How does the embassy view the communique?\n\nA: The communique smears China. We oppose it.\n"
    )
    answers = [speaker for speaker, turn in _speakers(raw) if turn == "A"]
    assert answers == ["Zhou Ming", "Zhou Ming"]


def test_a_speech_under_a_titled_surname_speaks_with_the_bylines_full_name() -> None:
    raw = (
        "Foreign Minister Okafor's speech at the Lagos Security Forum\n\n"
        "By Adaeze Okafor, Minister of Foreign Affairs of Nigeria\n\n12 May 2023\n\n"
        "Thank you for inviting me to speak today. We are concerned about piracy in the Gulf of Guinea.\n"
    )
    assert {speaker for speaker, _ in _speakers(raw)[1:]} == {"Adaeze Okafor"}


def test_a_source_named_in_an_officials_turn_speaks_but_first_person_frames_stay() -> None:
    raw = (
        "Joint Press Conference of the Foreign Ministers\n\nMarch 3, 2023\n\n"
        "MINISTER TAKADA: Thank you all for coming. Japan and the United States held talks today. "
        "The two sides agreed to expand drills. Holt and I confirmed our commitment to the region.\n\n"
        "Q (Kyodo, Imai): Beijing said the drills threaten peace. How do you respond?\n"
    )
    speakers = [speaker for speaker, _ in _speakers(raw)]
    assert speakers[2] == "Takada"  # an act, not a statement: the turn's
    assert speakers[3] not in ("Takada", "narrator")  # "The two sides agreed": the joint source (§6.6, A8)
    assert speakers[4] == "Takada"  # "Holt and I confirmed": the speaker's own first-person frame
    assert speakers[5] == "Imai"  # a questioner's premise stays the questioner's (A8)
