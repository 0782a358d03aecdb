"""CSV exports that a spreadsheet opens safely.

A cell that starts with = + - @ (or a tab/carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets; an attacker can put one in a contact's name. Such cells are
prefixed with a single quote, as OWASP's CSV-injection guidance advises. Numbers stay numbers:
only text cells are escaped, so a negative amount is not mangled.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would execute; leave other values alone."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell escaped and decimals written exactly."""
    out = df.copy()
    for col in out.columns:
        out[col] = [_plain(escape_cell(v)) for v in out[col].tolist()]
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents right) of a DataFrame, escaped."""
    buf = io.StringIO()
    safe_frame(df).to_csv(buf, index=False)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write `csv_bytes(df)` to a file."""
    path = Path(path)
    path.write_bytes(csv_bytes(df))
    return path
