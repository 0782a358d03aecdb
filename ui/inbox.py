"""The inbox on Reports: replies that reached the console's webhook, newest first.

Bodies are the senders' words: they go into table cells as text, never through Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import streamlit as st

from smscore import webhooks
from ui.i18n import t


def show(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> None:
    st.subheader(t("inbox.title"))
    try:
        base = webhooks.public_url(cfg)
    except webhooks.WebhookConfigError as exc:
        st.error(t("inbox.bad_url", problem=str(exc)))
        base = None
    if base is None:
        st.caption(t("inbox.not_configured", setting=webhooks.PUBLIC_URL))
    else:
        st.caption(t("inbox.configured", status=base + webhooks.STATUS_PATH,
                     inbound=base + webhooks.INBOUND_PATH))
    box = webhooks.inbox(con)
    if box.empty:
        st.caption(t("inbox.empty"))
        return
    st.dataframe(box, hide_index=True, width="stretch", column_config={
        "received_at": t("inbox.col_received"), "from_number": t("inbox.col_from"),
        "body": t("inbox.col_body"), "keyword": t("inbox.col_keyword"),
        "to_number": t("inbox.col_to")})
