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

The file follows the operator's language (smscore.filestyle): `;` and the decimal comma in
Portuguese, `,` and the point in English, dates on the operator's clock. Text cells are always
quoted and values (numbers, dates) never, so a spreadsheet told to keep quoted fields as text
(LibreOffice's "Format quoted field as text") keeps a phone's `+` and leading zeros. A phone in
E.164 (`+5511987654321`) is not prefixed: read as a formula it is only that number, and the
apostrophe showed in every cell. The workbook (smscore.workbook) is the file where text is text
in every spreadsheet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd

from smscore.filestyle import ENGLISH, NO_LABELS, FileStyle, Labels, kind, local_moment, plain_number

_FORMULA_START = frozenset("=+-@\t\r")
_QUOTES = frozenset("'\"\ufeff")  # skipped, with whitespace, before the formula check
_LINE_END = "\r\n"
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


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
    if isinstance(value, str) and is_formula_like(value) and not _E164.fullmatch(value):
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


def csv_bytes(df: pd.DataFrame, style: FileStyle = ENGLISH, labels: Labels = NO_LABELS) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents right) of a DataFrame, escaped, in `style`
    and with the caller's `labels`."""
    frame = labels.applied(df)
    lines = [_line([str(c) for c in frame.columns], style)]
    lines += [_line(row, style) for row in frame.itertuples(index=False, name=None)]
    return ("\ufeff" + "".join(lines)).encode("utf-8")


def _line(cells: Sequence[object], style: FileStyle) -> str:
    return style.delimiter.join(_field(v, style) for v in cells) + _LINE_END


def _field(value: object, style: FileStyle) -> str:
    """One cell: values bare, in the style's notation; text escaped and quoted (RFC 4180)."""
    found = kind(value)
    if found == "empty":
        return ""
    if found == "number":
        return plain_number(value, style)  # type: ignore[arg-type]
    if found == "moment":
        return local_moment(value, style.time_zone).isoformat(sep=" ")  # type: ignore[arg-type]
    if found == "day":
        return value.isoformat()  # type: ignore[attr-defined]
    text = str(escape_cell(str(value)))
    return '"' + text.replace('"', '""') + '"'


def write_csv(
    df: pd.DataFrame, path: str | Path, style: FileStyle = ENGLISH, labels: Labels = NO_LABELS
) -> Path:
    """Write `csv_bytes(df, style, labels)` to a file."""
    path = Path(path)
    path.write_bytes(csv_bytes(df, style, labels))
    return path
