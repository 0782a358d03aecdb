"""The inbox on Reports: replies that reached the console's webhook, newest first.

Bodies are the senders' words: they go into table cells as text, never through Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import streamlit as st

from smscore.twilio import simulate, webhooks
from smscore.words import formats
from ui.shell import tables
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t


def _simulator(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> None:
    """Sandbox only: what Twilio's webhooks would bring, through the same logic."""
    with st.expander(t("inbox.simulate"), expanded=False):
        left, right = st.columns(2)
        left.text_input(t("inbox.sim_from"), key="sim_from", placeholder="+5511987654321")
        right.text_input(t("inbox.sim_body"), key="sim_body", placeholder="STOP")
        a, b = st.columns(2)
        a.button(t("inbox.sim_reply"), key="sim_reply", on_click=_reply, args=(cfg,))
        b.button(t("inbox.sim_callbacks"), key="sim_callbacks", on_click=_callbacks)


def _reply(cfg: Mapping[str, str]) -> None:
    from ui.shell.setup import cursor  # noqa: PLC0415 - the callback's own run's handle

    try:
        result = simulate.reply(
            cursor(),
            st.session_state.sim_from or "",
            st.session_state.sim_body or "",
            webhooks.extra_stop_words(cfg),
        )
    except ValueError as exc:
        st.session_state["simulated"] = md(str(exc))  # it quotes what was typed
        return
    typed = (st.session_state.sim_body or "").strip()  # PARAR stays PARAR, not its code "stop"
    st.session_state["simulated"] = t("inbox.sim_done", what=md(typed) or result.detail)


def _callbacks() -> None:
    from ui.shell.setup import cursor  # noqa: PLC0415 - the callback's own run's handle

    st.session_state["simulated"] = t("inbox.sim_moved", n=simulate.status_callbacks(cursor()))


def show(
    con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str], *, sandbox: bool = False, zone: str | None = None
) -> None:
    st.subheader(t("inbox.title"))
    if sandbox:
        _simulator(con, cfg)
    try:
        base = webhooks.public_url(cfg)
    except webhooks.WebhookConfigError as exc:
        st.error(t("inbox.bad_url", problem=md(str(exc))))
        base = None
    if base is None:
        st.caption(t("inbox.not_configured", setting=webhooks.PUBLIC_URL))
    else:
        # The URLs as code: copied into Twilio's console exactly, never turned into links.
        st.caption(t("inbox.configured"))
        st.code(f"{base}{webhooks.STATUS_PATH}\n{base}{webhooks.INBOUND_PATH}", language=None)
    if note := st.session_state.pop("simulated", None):
        st.success(note)
    box = webhooks.inbox(con)
    if box.empty:
        st.caption(t("inbox.empty"))
        return
    shown = tables.private(box)
    if zone and "received_at" in shown:  # the operator's zone and format, as on every page
        shown["received_at"] = [formats.when(v, current_language(), zone) for v in box["received_at"]]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "received_at": t("inbox.col_received"),
            "from_number": t("inbox.col_from"),
            "body": t("inbox.col_body"),
            "keyword": t("inbox.col_keyword"),
            "to_number": t("inbox.col_to"),
        },
    )
