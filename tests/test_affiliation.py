"""Affiliation from the words of a mention, the document's issuer, and transcript turn labels."""

from __future__ import annotations

import pytest

from src.speakers.affiliation import DocumentRoles, phrase_role, strip_titles
from src.speakers.issuer import Issuer, find_issuer
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
        ("United States and Japan (joint statement)", "joint"),
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
