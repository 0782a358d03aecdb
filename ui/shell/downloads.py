"""A table's files: the CSV and the Excel workbook, side by side, in the operator's language.

Both are built when the button is pressed (Streamlit's deferred download), not on every run: a
page with a large send log renders as fast as before, and the file carries the rows the page
loaded. The words and notation come from smscore.words.files; the writers from smscore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
import streamlit as st

from smscore import export, workbook
from smscore.words import files
from ui.words.i18n import current_language, t

CSV_MIME = "text/csv"
XLSX_MIME = workbook.MIME


def offer(
    frame: pd.DataFrame,
    stem: str,
    *,
    key: str,
    zone: str,
    csv_label: str | None = None,
    xlsx_label: str | None = None,
    only: Iterable[str] | None = None,
    on_download: Callable[[str, int], None] | None = None,
) -> None:
    """`stem`.csv and `stem`.xlsx of `frame`; `on_download(file name, rows)` runs on a click
    (the audit trail's record that the rows left the console).

    `only` names the columns to put in the console's words; the others keep their headers.
    """
    lang = current_language()
    style = files.style(lang, zone)
    labels = files.labels(frame, lang, only=only)
    rows = len(frame)
    pair = st.container(horizontal=True, gap="small")
    for suffix, label, mime, build, button_key in (
        ("csv", csv_label or t("common.download_csv"), CSV_MIME, export.csv_bytes, key),
        ("xlsx", xlsx_label or t("common.download_xlsx"), XLSX_MIME, workbook.xlsx_bytes, f"{key}_xlsx"),
    ):
        name = f"{stem}.{suffix}"
        pair.download_button(
            label,
            _deferred(build, frame, style, labels),
            name,
            mime,
            key=button_key,
            on_click=on_download or "rerun",
            args=(name, rows) if on_download else None,
        )


def _deferred(
    build: Callable[..., bytes], frame: pd.DataFrame, style: object, labels: object
) -> Callable[[], bytes]:
    """The file's bytes, made when the operator asks for them."""
    return lambda: build(frame, style, labels)
