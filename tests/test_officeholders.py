"""The officeholders tables: loading, checks with one-line errors, lookups by name, surname and date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from src.errors import DataError
from src.speakers.officeholders import (
    DEFAULT_OFFICEHOLDERS,
    Officeholders,
    load_officeholders,
    read_officeholders,
)

HEADER = "name,aliases,office,country,role,start,end,shared\n"


def write(tmp_path: Path, rows: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_shipped_table_loads_and_covers_the_three_governments() -> None:
    people = read_officeholders(DEFAULT_OFFICEHOLDERS)
    roles = {p.role for p in people}
    assert {"us_government", "japan_government", "china_government", "other_government"} <= roles
    offices = {(p.country, p.office) for p in people}
    for country in ("United States", "Japan", "China"):
        assert (country, "Foreign Minister") in offices or (country, "Secretary of State") in offices


def test_lookup_by_name_alias_surname_and_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Ann Holt,Ann B. Holt,Secretary of State,United States,us_government,2021-01-20,2023-06-30,false\n"
        "Rina Kaneshiro,,Foreign Minister,Japan,japan_government,2022,,false\n"
        "Liu Bo,,Foreign Ministry Spokesperson,China,china_government,2020-01-01,,true\n"
        "Wen Jia,,Foreign Ministry Spokesperson,China,china_government,2021-01-01,,true\n",
    )
    table = load_officeholders([path], shipped=False)
    assert table.lookup("Ann B. Holt").name == "Ann Holt"
    assert table.lookup("ann holt").role == "us_government"
    assert table.lookup_surname("Kaneshiro", date(2023, 1, 1)).role == "japan_government"
    # Out of office on that date: the surname names nobody then.
    assert table.lookup_surname("Holt", date(2024, 1, 1)) is None
    assert table.lookup("Nobody Here") is None


def test_user_table_wins_over_the_shipped_one(tmp_path: Path) -> None:
    path = write(tmp_path, "Antony Blinken,,Foreign Minister,Japan,japan_government,2021-01-01,,false\n")
    assert load_officeholders([path]).lookup("Antony Blinken").role == "japan_government"
    assert load_officeholders().lookup("Antony Blinken").role == "us_government"


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        (",,Foreign Minister,Japan,japan_government,2020-01-01,,false\n", ":2: name: missing"),
        ("A B,,Foreign Minister,Japan,japanese,2020-01-01,,false\n", ":2: role: unknown role 'japanese'"),
        (
            "A B,,Foreign Minister,Japan,japan_government,2020-13-01,,false\n",
            ":2: start: '2020-13-01' is not a date",
        ),
        (
            "A B,,Foreign Minister,Japan,japan_government,2020-01-01,2019-01-01,false\n",
            ":2: end: the term ends",
        ),
        (
            "A B,,Foreign Minister,Japan,japan_government,2020-01-01,2022-01-01,false\n"
            "C D,,Foreign Minister,Japan,japan_government,2021-06-01,,false\n",
            ":3: start: C D's term as Foreign Minister (Japan) overlaps A B's",
        ),
        (
            "A B,Sam,Foreign Minister,Japan,japan_government,2020-01-01,2021-01-01,false\n"
            "C D,Sam,Defense Minister,Japan,japan_government,2020-01-01,,false\n",
            ":3: aliases: 'Sam' already names A B",
        ),
        (
            "A B,,Foreign Minister,Japan,japan_government,2020-01-01,,maybe\n",
            ":2: shared: 'maybe' is not true",
        ),
    ],
)
def test_bad_rows_get_one_line_naming_file_row_and_field(tmp_path: Path, rows: str, where: str) -> None:
    path = write(tmp_path, rows)
    with pytest.raises(DataError) as info:
        read_officeholders(path)
    message = str(info.value)
    assert message.startswith(str(path)) and where in message and "\n" not in message


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,office,role\nA B,Minister,other\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv:1: aliases: missing column"):
        read_officeholders(path)
    with pytest.raises(DataError, match="does not exist"):
        load_officeholders([tmp_path / "nope.csv"])


def test_shared_offices_may_overlap(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Liu Bo,,Foreign Ministry Spokesperson,China,china_government,2020-01-01,,true\n"
        "Wen Jia,,Foreign Ministry Spokesperson,China,china_government,2021-01-01,,true\n",
    )
    assert len(Officeholders([read_officeholders(path)]).lookup("Wen Jia").name) > 0
