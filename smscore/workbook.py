"""Excel workbooks (.xlsx) beside every CSV: the file where text is text in every spreadsheet.

A CSV cannot say which cell is text: Excel turns `+5511987654321` into 5,5E+12 and `=1+1` into
a formula unless the cell is escaped (smscore.export), and the escape shows. A workbook says it
per cell: every text cell is written as a string (`data_type` 's'), so no value the operator,
a contact file or Twilio wrote can run as a formula and phones keep their `+` without an
apostrophe; money is a number (summable) with its currency's format; a date is a date, on the
operator's clock. Written in openpyxl's write-only mode, so a large send log streams out.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet  # the type create_sheet returns here

from smscore.filestyle import ENGLISH, NO_LABELS, FileStyle, Labels, kind, local_moment

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_SYMBOLS = {"USD": "US$", "BRL": "R$", "EUR": "€", "GBP": "£"}
_MOMENT = {True: "dd/mm/yyyy hh:mm:ss", False: "yyyy-mm-dd hh:mm:ss"}  # by style.portuguese
_DAY = {True: "dd/mm/yyyy", False: "yyyy-mm-dd"}
_TEXT_LIMIT = 32767  # characters in one cell, Excel's limit
# Rows of data in one sheet: Excel's 1,048,576 rows less the header. A longer table (a send log
# of a big campaign) goes on in further sheets, each with its header, instead of being cut.
ROWS_PER_SHEET = 1_048_575
_BOLD = Font(bold=True)


def money_format(currency: str) -> str:
    """A currency number format: the symbol, cents always, up to six decimals (Twilio's prices
    have six) so the shown figure is the stored one."""
    symbol = _SYMBOLS.get(currency, currency)
    return f"[${symbol}] #,##0.00####;-[${symbol}] #,##0.00####"


def xlsx_bytes(
    df: pd.DataFrame, style: FileStyle = ENGLISH, labels: Labels = NO_LABELS, title: str = "data"
) -> bytes:
    """The workbook of `df`: one sheet, headers bold and frozen, in the caller's words."""
    currencies = df["currency"].tolist() if "currency" in df.columns else None
    frame = labels.applied(df)
    book = Workbook(write_only=True)
    sheet = _sheet(book, frame, style, _sheet_title(title))
    for i, row in enumerate(frame.itertuples(index=False, name=None)):
        if i and i % ROWS_PER_SHEET == 0:  # Excel's last row: go on in a sheet of its own
            sheet = _sheet(book, frame, style, _sheet_title(title, i // ROWS_PER_SHEET + 1))
        currency = currencies[i] if currencies is not None else None
        sheet.append(_row(sheet, row, style, currency if isinstance(currency, str) else None))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(
    df: pd.DataFrame, path: str | Path, style: FileStyle = ENGLISH, labels: Labels = NO_LABELS
) -> Path:
    """Write `xlsx_bytes(df, style, labels)` to a file, the sheet named after it."""
    path = Path(path)
    path.write_bytes(xlsx_bytes(df, style, labels, title=path.stem))
    return path


def _row(
    sheet: WriteOnlyWorksheet, row: Sequence[object], style: FileStyle, currency: str | None
) -> list[Cell]:
    return [_cell(sheet, v, style, currency) for v in row]


def _cell(
    sheet: WriteOnlyWorksheet, value: object, style: FileStyle, currency: str | None, *, bold: bool = False
) -> Cell:
    """A cell whose type is set by us, never guessed from its text."""
    found = kind(value)
    if found == "empty":
        return WriteOnlyCell(sheet, value=None)
    if found == "number":
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal) and currency:
            cell.number_format = money_format(currency)
        return cell
    if found == "moment":
        cell = WriteOnlyCell(sheet, value=local_moment(value, style.time_zone))  # type: ignore[arg-type]
        cell.number_format = _MOMENT[style.portuguese]
        return cell
    if found == "day":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = _DAY[style.portuguese]
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:_TEXT_LIMIT]
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; this cell is text
    if bold:
        cell.font = _BOLD
    return cell


def _widths(sheet: WriteOnlyWorksheet, frame: pd.DataFrame) -> None:
    """Columns wide enough for their header and first rows, so phones and dates show whole."""
    sample = frame.head(200)
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)), *(len(str(v)) for v in sample.iloc[:, i - 1].tolist())])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(longest, 8) + 2, 60)


def _sheet(book: Workbook, frame: pd.DataFrame, style: FileStyle, title: str) -> WriteOnlyWorksheet:
    """A new sheet with the bold, frozen header row."""
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    _widths(sheet, frame)
    sheet.append([_cell(sheet, str(c), style, None, bold=True) for c in frame.columns])
    return sheet


def _sheet_title(title: str, part: int = 1) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\; `title (2)` for the
    second sheet of a table too long for one."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'") or "data"
    suffix = f" ({part})" if part > 1 else ""
    return cleaned[: 31 - len(suffix)] + suffix
