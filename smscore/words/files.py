"""The words and notation of the files the console and the CLI hand out (CSV and Excel workbook).

A file follows the operator's language like the page it came from (or the CLI's language): its headers are the page's
column titles and its codes (`sent`, `partial`) the page's words, in Portuguese with `;` and the
decimal comma. smscore.filestyle carries them to the writers, which know no catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from smscore.filestyle import FileStyle, Labels
from smscore.words import access_words, vocab
from smscore.words.i18n import keys, translate

# The key of each column's title, as the pages title it (ui/shell/tables.py, pages/reports.py);
# a column not named here takes its `col.<column>` entry, else keeps its code.
_HEADER_KEYS = {
    "batch_id": "reports.col_batch",
    "short_id": "file.col.short_id",
    "name": "col.name",
    "created_at": "reports.col_created",
    "mode": "reports.col_mode",
    "status": "file.col.status",
    "status_reason": "file.col.status_reason",
    "outcome": "reports.col_status",
    "recipients": "send.recipients",
    "rows": "file.col.rows",
    "messages": "reports.col_messages",
    "sent": "send.sent",
    "failed": "send.failed",
    "unknown": "send.unknown",
    "pending": "send.queued",
    "undelivered": "file.col.undelivered",
    "scheduled": "file.col.scheduled",
    "undecided": "file.col.undecided",
    "reconcile_from": "file.col.reconcile_from",
    "priced": "reports.col_priced",
    "currency": "prices.col_currency",
    "estimate_min": "reports.col_estimate_min",
    "estimate_max": "reports.col_estimate_max",
    "actual": "reports.col_actual",
    "variance": "reports.col_variance",
    "country": "reports.by_country",
    "category": "reports.by_category",
    "day": "reports.by_day",
    "operator": "reports.by_operator",
    "state": "reports.col_state",
    "twilio_status": "reports.col_twilio_status",
    "error_code": "reports.col_error_code",
    "error_message": "reports.col_error",
    "id": "file.col.id",
    "unit_price_min": "send.col_unit_price_min",
    "unit_price_max": "send.col_unit_price_max",
    "subtotal_min": "send.col_subtotal_min",
    "subtotal_max": "send.col_subtotal_max",
    "price_list_as_of": "file.col.price_list_as_of",
    "at": "file.col.at",  # the page says "(UTC)"; the file is on the operator's clock
}


def style(lang: str, zone: str) -> FileStyle:
    """`;` and the decimal comma for Portuguese, on the operator's clock."""
    return FileStyle.for_language(lang, zone)


def labels(frame: pd.DataFrame, lang: str, *, only: Iterable[str] | None = None) -> Labels:
    """The page's titles and words for `frame`'s columns (or just those in `only`: an import's
    rejected rows keep the file's own headers)."""
    wanted = None if only is None else set(only)
    columns = [c for c in frame.columns if wanted is None or c in wanted]
    known = set(keys())
    headers = {c: translate(k, lang) for c in columns if (k := _header_key(c)) in known}
    words = {c: _words(frame[c], fn, lang) for c in columns if (fn := _WORDS.get(c) or _code_word(c))}
    return Labels(headers, words)


def _header_key(column: str) -> str:
    return _HEADER_KEYS.get(column, f"col.{column}")


def _words(values: pd.Series, word: Callable[[str, str], str], lang: str) -> dict[str, str]:
    """Each distinct code in `values` as a word: a few states for a million rows."""
    return {v: word(v, lang) for v in pd.unique(values.dropna()) if isinstance(v, str)}


def _code_word(column: str) -> Callable[[str, str], str] | None:
    if column not in vocab.CODE_COLUMNS:
        return None
    return lambda value, lang: vocab.word(column, value, lang)


_WORDS: dict[str, Callable[[str, str], str]] = {
    "outcome": vocab.outcome,
    "reason": vocab.reason,
    "action": access_words.action,
}
