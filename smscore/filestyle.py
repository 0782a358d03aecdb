"""How a file for people is written: the operator's separators, time zone and words.

A spreadsheet opens a CSV in its own locale. Excel and LibreOffice in Portuguese split cells on
`;` and read `0,72` as a number (`0.72` stays text there, so money could not be summed); in
English it is `,` and `0.72`. Dates are written in the operator's time zone to the second, as
ISO 8601 (`2026-12-06 12:31:05`), which both locales read as a date whatever their own order of
day and month. The words (headers, states) are the caller's: the core keeps its codes, the
console passes its catalog's words.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

import pandas as pd

Kind = Literal["empty", "number", "moment", "day", "text"]


@dataclass(frozen=True)
class FileStyle:
    """Separators, time zone and language of a file an operator opens in a spreadsheet."""

    delimiter: str = ","
    decimal: str = "."
    time_zone: str = "UTC"
    language: str = "en"

    @classmethod
    def for_language(cls, language: str, time_zone: str = "UTC") -> FileStyle:
        """`;` and the decimal comma for Portuguese, `,` and the point otherwise."""
        if language.lower().startswith("pt"):
            return cls(";", ",", time_zone, language)
        return cls(",", ".", time_zone, language)

    @property
    def portuguese(self) -> bool:
        return self.language.lower().startswith("pt")


ENGLISH = FileStyle()


@dataclass(frozen=True)
class Labels:
    """The caller's words for a file: `headers` by column, `words` by column then stored value.

    A column or value without a word keeps its code.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def applied(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A copy of `frame` with its values and headers in these words."""
        out = frame.copy()
        for column, words in self.words.items():
            if column in out.columns and words:
                out[column] = [words.get(v, v) if isinstance(v, str) else v for v in out[column].tolist()]
        return out.rename(columns={c: self.headers[c] for c in out.columns if c in self.headers})


NO_LABELS = Labels()


def kind(value: object) -> Kind:
    """What a cell holds, as a spreadsheet should see it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "empty"
    if isinstance(value, bool):
        return "text"
    if isinstance(value, numbers.Real | Decimal):
        return "empty" if value != value else "number"  # NaN is no number
    if isinstance(value, datetime):
        return "moment"
    if isinstance(value, date):
        return "day"
    return "text"


def local_moment(value: datetime, zone: str) -> datetime:
    """A stored moment (naive means UTC, as the store keeps it) on the operator's clock, naive
    and to the second: a spreadsheet has no time zones, and microseconds are noise there."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).replace(tzinfo=None, microsecond=0)


def plain_number(value: numbers.Real | Decimal, style: FileStyle) -> str:
    """A number as the locale's spreadsheet reads it: exact, no thousands separator (which
    would be ambiguous), the style's decimal mark; a whole float (an error code read with
    gaps) without `.0`."""
    if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return format(exact, "f").replace(".", style.decimal)
