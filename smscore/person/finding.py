"""Every row the workspace holds about one phone number, in any table, with dates.

A hand list of "where phones live" goes stale the day someone adds a column, and numbers hide
in places no list names: a CSV's extra column kept in `contacts.fields`, a Twilio error text,
an audit detail, a message body that quotes a number. So the search reads the schema itself
(information_schema: every VARCHAR and JSON column of every table) and looks in each for the
number in any way it may be written: E.164 (`+5511987654321`), with `00` or without `+`, or
nationally with any spaces, dots, dashes or brackets (`(11) 98765-4321`), never as part of a
longer run of digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb
import pandas as pd
import phonenumbers

from smscore.contacts import phones

# Characters people put between digits: spaces, dots, dashes, brackets, slashes.
_SEP = r"[\s().\-/]{0,3}"
# A table's column that dates its rows, most telling first.
_DATE_COLUMNS = (
    "sent_at",
    "received_at",
    "occurred_at",
    "date_created",
    "created_at",
    "claimed_at",
    "seen_at",
    "updated_at",
)
SHOWN_CHARS = 120  # of a matching value, in `find`


@dataclass(frozen=True)
class Subject:
    """The person, known by their number: E.164, its country and how it may be written."""

    e164: str
    country: str | None
    national: str  # the national significant number's digits
    country_code: str  # the calling code's digits

    def pattern(self) -> str:
        """A regular expression (RE2 and Python alike) matching the number however written,
        bounded so it is never the middle of a longer number; group 1 is the number."""
        cc = _SEP.join(self.country_code)
        nsn = _SEP.join(self.national)
        return rf"(?:^|[^0-9])((?:(?:\+|00){_SEP})?(?:{cc}{_SEP})?(?:0{_SEP})?{nsn})(?:[^0-9]|$)"

    def python_pattern(self) -> re.Pattern[str]:
        """The same number as a Python pattern that consumes nothing around it, for replacing."""
        cc = _SEP.join(self.country_code)
        nsn = _SEP.join(self.national)
        return re.compile(rf"(?<![0-9])(?:(?:\+|00){_SEP})?(?:{cc}{_SEP})?(?:0{_SEP})?{nsn}(?![0-9])")


def subject_of(raw: str, default_country: str = "BR") -> Subject:
    """The subject of a number written any way (`(11) 98765-4321` with default country BR).

    Raises smscore.contacts.phones.InvalidPhone naming the text for a number that is not one.
    """
    phone = phones.normalise(raw, default_country)
    parsed = phonenumbers.parse(phone.e164, None)
    return Subject(
        e164=phone.e164,
        country=phone.country,
        national=phonenumbers.national_significant_number(parsed),
        country_code=str(parsed.country_code),
    )


@dataclass(frozen=True)
class TextColumn:
    """One VARCHAR or JSON column of a table, and the column dating its rows (if any)."""

    table: str
    column: str
    is_json: bool
    dated_by: str | None


def text_columns(con: duckdb.DuckDBPyConnection) -> list[TextColumn]:
    """Every VARCHAR and JSON column of every table of the workspace (not temp tables)."""
    rows = con.execute(
        """SELECT c.table_name, c.column_name, c.data_type
           FROM information_schema.columns c
           JOIN information_schema.tables t
             ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema
            AND t.table_name = c.table_name
           WHERE t.table_type = 'BASE TABLE' AND c.table_schema = 'main'
             AND c.table_catalog = current_database()
           ORDER BY c.table_name, c.ordinal_position"""
    ).fetchall()
    by_table: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        by_table.setdefault(table, []).append((column, kind))
    found: list[TextColumn] = []
    for table, columns in by_table.items():
        names = {name for name, _ in columns}
        dated_by = next((d for d in _DATE_COLUMNS if d in names), None)
        for column, kind in columns:
            if kind == "VARCHAR" or kind == "JSON":
                found.append(TextColumn(table, column, kind == "JSON", dated_by))
    return found


def quoted(name: str) -> str:
    """An identifier from the schema, quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


def matches(con: duckdb.DuckDBPyConnection, subject: Subject, column: TextColumn) -> list[tuple]:
    """(rowid, date, value) of the rows of one column that hold the number."""
    date = f"{quoted(column.dated_by)}" if column.dated_by else "NULL"
    return con.execute(
        f"""SELECT rowid, {date}, CAST({quoted(column.column)} AS VARCHAR)
            FROM {quoted(column.table)}
            WHERE regexp_matches(CAST({quoted(column.column)} AS VARCHAR), ?)""",
        [subject.pattern()],
    ).fetchall()


def find(con: duckdb.DuckDBPyConnection, subject: Subject) -> pd.DataFrame:
    """Every row holding the number: table, column, row (its rowid), at (the row's date, when
    the table dates its rows) and value (the first SHOWN_CHARS characters), by table and date."""
    found = [
        (column.table, column.column, rowid, at, _shown(value))
        for column in text_columns(con)
        for rowid, at, value in matches(con, subject, column)
    ]
    frame = pd.DataFrame(found, columns=["table", "column", "row", "at", "value"])
    return frame.sort_values(["table", "at", "row"], na_position="first", kind="stable").reset_index(
        drop=True
    )


def _shown(value: str | None) -> str:
    text = value or ""
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
