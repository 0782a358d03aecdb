"""CSV exports that a spreadsheet opens safely: the one writer for every CSV the project writes.

A cell that starts with = + - @ (or a tab/carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets; an attacker can put one in a contact's name, a category or a
header. OWASP's CSV-injection guidance: prefix such a cell with a single quote, and look past
leading whitespace and quote characters, which some spreadsheets skip before deciding that a
cell is a formula. Numbers stay numbers: only text cells are escaped, so a negative amount is
not mangled.

Rows end in CRLF (RFC 4180), which also makes the csv module quote any cell holding a CR or a
LF: with pandas' default LF ending a bare CR went out unquoted, and a spreadsheet read it as a
row break, so `"\\r=1+1"` became a new row starting with a live formula.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pandas as pd

_FORMULA_START = frozenset("=+-@\t\r")
_QUOTES = frozenset("'\"\ufeff")  # skipped, with whitespace, before the formula check
_LINE_END = "\r\n"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (OWASP's trigger characters)."""
    for char in text:
        if char in _FORMULA_START:
            return True
        if not (char.isspace() or char in _QUOTES):
            return False
    return False


def escape_cell(value: object) -> object:
    """Neutralise a text cell a spreadsheet would execute; leave other values alone."""
    if isinstance(value, str) and is_formula_like(value):
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
    safe_frame(df).to_csv(buf, index=False, lineterminator=_LINE_END)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write `csv_bytes(df)` to a file."""
    path = Path(path)
    path.write_bytes(csv_bytes(df))
    return path
