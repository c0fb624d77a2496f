"""Tables of officeholders: who held which office, for which side, and when.

The shipped table (``data/speakers/officeholders.csv``) lists real heads of state and government, foreign and
defence ministers and spokespeople as public facts (name, aliases, office, country, role, term). Users add their
own rows with files of the same columns (``officeholders=[my_officials.csv]``); their rows are consulted before
the shipped ones, so a user's table can also describe a world that differs from ours.

Columns: ``name, aliases, office, country, role, start, end, shared``:

* ``aliases``: other written forms joined by ``|`` (the bare surname is derived, never listed);
* ``role``: the ``speaker_role`` the person speaks for (``us_government``, ``japan_government``,
  ``china_government``, ``other_government`` or ``other``);
* ``start`` / ``end``: the term as ``YYYY-MM-DD`` (``YYYY`` or ``YYYY-MM`` also accepted); an empty ``end`` means
  still in office;
* ``shared``: ``true`` for offices with several holders at once (a ministry's pool of spokespeople); only terms
  of unshared offices must not overlap.

Every problem is a :class:`~src.errors.DataError` naming the file, row and column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from src.errors import DataError

DEFAULT_OFFICEHOLDERS = Path(__file__).resolve().parents[2] / "data" / "speakers" / "officeholders.csv"
COLUMNS = ("name", "aliases", "office", "country", "role", "start", "end", "shared")
ROLES = ("us_government", "japan_government", "china_government", "other_government", "other")


@dataclass(frozen=True)
class Officeholder:
    """One term of one person in one office."""

    name: str
    aliases: tuple[str, ...]
    office: str
    country: str
    role: str
    start: date
    end: date | None
    shared: bool = False

    def in_office(self, on: date | None) -> bool:
        """Whether the term covers ``on`` (any term does when the date is unknown)."""
        return on is None or (self.start <= on and (self.end is None or on <= self.end))

    @property
    def surname(self) -> str:
        return self.name.split()[-1]


def _parse_date(text: str, path: Path, row: int, column: str) -> date:
    parts = text.strip().split("-")
    try:
        numbers = [int(p) for p in parts]
        if not 1 <= len(numbers) <= 3 or len(parts[0]) != 4:
            raise ValueError
        return date(numbers[0], *(numbers[1:] + [1, 1])[:2])
    except ValueError:
        raise DataError(path, row, column, f"{text!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)") from None


def _parse_row(record: dict[str, str | None], path: Path, row: int) -> Officeholder:
    values = {k: (v or "").strip() for k, v in record.items() if k is not None}
    for column in ("name", "office", "country", "role", "start"):
        if not values.get(column):
            raise DataError(path, row, column, "missing")
    if values["role"] not in ROLES:
        raise DataError(path, row, "role", f"unknown role {values['role']!r}; allowed: {', '.join(ROLES)}")
    shared = values.get("shared", "").lower()
    if shared not in ("", "true", "false"):
        raise DataError(path, row, "shared", f"{shared!r} is not true or false")
    start = _parse_date(values["start"], path, row, "start")
    end = _parse_date(values["end"], path, row, "end") if values.get("end") else None
    if end is not None and end < start:
        raise DataError(path, row, "end", f"the term ends ({end}) before it starts ({start})")
    aliases = tuple(a.strip() for a in values.get("aliases", "").split("|") if a.strip())
    return Officeholder(
        values["name"],
        aliases,
        values["office"],
        values["country"],
        values["role"],
        start,
        end,
        shared == "true",
    )


def read_officeholders(path: str | Path) -> list[Officeholder]:
    """Read and check one officeholders file.

    Raises:
        DataError: A missing file or column, an empty required field, an unknown role, a bad date, overlapping
            terms of one unshared office, or an alias that names two people.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, None, None, "officeholders file does not exist")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(path, None, None, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or []) and c != "shared"]
    if missing:
        raise DataError(path, 1, missing[0], f"missing column; the header needs {', '.join(COLUMNS)}")
    people = [(row, _parse_row(record, path, row)) for row, record in enumerate(reader, start=2)]
    _check_overlaps(people, path)
    _check_aliases(people, path)
    return [person for _, person in people]


def _check_overlaps(people: Sequence[tuple[int, Officeholder]], path: Path) -> None:
    by_office: dict[tuple[str, str], list[tuple[int, Officeholder]]] = {}
    for row, person in people:
        if not person.shared:
            by_office.setdefault((person.office.lower(), person.country.lower()), []).append((row, person))
    for terms in by_office.values():
        terms.sort(key=lambda item: item[1].start)
        for (_, before), (row, after) in zip(terms, terms[1:], strict=False):
            if before.end is None or after.start < before.end:
                raise DataError(
                    path,
                    row,
                    "start",
                    f"{after.name}'s term as {after.office} ({after.country}) overlaps {before.name}'s "
                    f"({before.start} to {before.end or 'open'}); mark the office shared=true if it has "
                    "several holders at once",
                )


def _check_aliases(people: Sequence[tuple[int, Officeholder]], path: Path) -> None:
    owner: dict[str, str] = {}
    for row, person in people:
        for alias in (person.name, *person.aliases):
            key = alias.casefold()
            if owner.setdefault(key, person.name) != person.name:
                column = "name" if alias == person.name else "aliases"
                raise DataError(path, row, column, f"{alias!r} already names {owner[key]}")


class Officeholders:
    """Officeholders looked up by name or alias, on a date; earlier tables win over later ones."""

    def __init__(self, tables: Iterable[Sequence[Officeholder]]) -> None:
        self._by_name: dict[str, list[Officeholder]] = {}
        self._by_surname: dict[str, list[Officeholder]] = {}
        for table in tables:
            table_names: dict[str, list[Officeholder]] = {}
            for person in table:
                for form in (person.name, *person.aliases):
                    table_names.setdefault(form.casefold(), []).append(person)
            for key, terms in table_names.items():
                self._by_name.setdefault(key, terms)  # an earlier table's person keeps the name
            for person in table:
                self._by_surname.setdefault(person.surname.casefold(), []).append(person)

    def lookup(self, name: str, on: date | None = None) -> Officeholder | None:
        """The person a full name or alias denotes, preferring the term that covers ``on``."""
        terms = self._by_name.get(name.strip().casefold())
        if not terms:
            return None
        return next((t for t in terms if t.in_office(on)), terms[-1])

    def lookup_surname(self, surname: str, on: date | None) -> Officeholder | None:
        """The one person with this surname in office on ``on`` (``None`` when none or several are)."""
        terms = [t for t in self._by_surname.get(surname.strip().casefold(), []) if t.in_office(on)]
        return terms[0] if len({t.name for t in terms}) == 1 else None


@lru_cache(maxsize=8)
def _cached_table(path: str, mtime: float) -> tuple[Officeholder, ...]:
    return tuple(read_officeholders(path))


def load_officeholders(extra: Sequence[str | Path] = (), *, shipped: bool = True) -> Officeholders:
    """Users' tables (in order) followed by the shipped one; files are parsed once per change."""
    paths = [Path(p) for p in extra] + ([DEFAULT_OFFICEHOLDERS] if shipped else [])
    tables = []
    for path in paths:
        if not path.is_file():
            raise DataError(path, None, None, "officeholders file does not exist")
        tables.append(_cached_table(str(path.resolve()), path.stat().st_mtime))
    return Officeholders(tables)
