"""A batch's outcome on the page: one word, one colour, and why messages failed.

The words and colours come from smscore.sending.outcome, so Send, Home and Reports say the same thing
the CLI prints. Twilio's texts (error meanings, messages from a response) are data: they go
into table cells, never through Markdown.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import streamlit as st

from smscore.money import Money
from smscore.sending import outcome
from smscore.twilio import errors
from smscore.words import formats
from ui.words.i18n import current_language, t

DOTS = {"green": "🟢", "orange": "🟠", "red": "🔴", "gray": "⚪", "blue": "🔵", "violet": "🟣"}


def label(kind: str) -> str:
    """The outcome in the session's language with its colour, for tables."""
    return f"{DOTS[outcome.COLOURS[kind]]} {t('outcome.' + kind.replace(' ', '_'))}"


def show(result: outcome.Outcome, cost: Money) -> None:
    """The outcome sentence in its colour (only numbers and our own words in it), the counts and
    the cost (to the cent, rounded up) in the operator's notation."""
    lang = current_language()
    text = t(
        "outcome.msg_" + result.kind.replace(" ", "_"),
        reached=formats.number(result.reached, lang),
        failures=formats.number(result.failures, lang),
        cost=formats.cost(cost, lang),
    )
    box = {"green": st.success, "orange": st.warning, "red": st.error}.get(result.colour, st.info)
    box(text, icon=":material/flag:")


def reasons_frame(con: duckdb.DuckDBPyConnection, batch_id: str, lang: str | None = None) -> pd.DataFrame:
    """The commonest failure causes with meaning and remedy in `lang` (session's by default)."""
    lang = lang or current_language()
    rows = []
    for reason in outcome.top_reasons(con, batch_id, limit=5):
        e = errors.explain(reason.code, lang, reason.message)
        mark = " (EN)" if lang != "en" and e.lang == "en" else ""
        rows.append(
            {
                "count": reason.count,
                "code": reason.code,
                "meaning": e.meaning + mark,
                "action": e.action + (mark if e.action else ""),
            }
        )
    return pd.DataFrame(rows, columns=["count", "code", "meaning", "action"])


def show_reasons(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    frame = reasons_frame(con, batch_id)
    if frame.empty:
        return
    st.caption(t("outcome.reasons"))
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "count": t("outcome.col_count"),
            "code": st.column_config.NumberColumn(t("outcome.col_code"), format="%d"),
            "meaning": t("outcome.col_meaning"),
            "action": t("outcome.col_action"),
        },
    )
    if current_language() != "en" and frame["meaning"].str.endswith("(EN)").any():
        st.caption(t("outcome.english_note"))


def explained(log: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A send log with each error code's meaning and what to do, beside Twilio's message."""
    lang = lang or current_language()
    meanings, actions = [], []
    for code, message in zip(log["error_code"], log["error_message"]):
        if pd.isna(code):
            meanings.append("")
            actions.append("")
            continue
        e = errors.explain(int(code), lang, None if pd.isna(message) else str(message))
        meanings.append(e.meaning)
        actions.append(e.action)
    out = log.copy()
    position = list(out.columns).index("error_message") + 1
    out.insert(position, "meaning", meanings)
    out.insert(position + 1, "action", actions)
    return out
