"""Audit (admin): who did what and when, filtered, and as spreadsheet-safe CSV."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from smscore import audit, export
from ui import auth, setup

ctx = setup.page("nav.audit")  # admins only: setup.page refuses every other role
st.title("Audit trail")
st.caption("Every sign-in, import, send confirmation, approval, setting and user change, "
           "newest first. Rows are only ever added.")

left, middle, right = st.columns(3)
actor = left.selectbox("Who", [None, *audit.actors(ctx.con)], key="audit_actor",
                       format_func=lambda v: "everyone" if v is None else v)
action = middle.selectbox("Action", [None, *audit.actions(ctx.con)], key="audit_action",
                          format_func=lambda v: "every action" if v is None else v)
days = right.date_input("Between", value=(), key="audit_days")
since = until = None
if isinstance(days, tuple) and len(days) == 2:
    since = datetime.combine(days[0], time.min)
    until = datetime.combine(days[1], time.min) + timedelta(days=1)

frame = audit.trail(ctx.con, actor=actor, action=action, since=since, until=until, limit=5000)
st.dataframe(frame, hide_index=True, width="stretch",
             column_config={c: st.column_config.TextColumn(c) for c in
                            ("actor", "via", "action", "target", "detail")})
st.caption(f"{len(frame)} rows shown (at most 5000); times are UTC.")


def _exported() -> None:
    if auth.permit("audit"):
        audit.record(setup.cursor(), ctx.principal.actor, "export", "audit.csv",
                     {"rows": len(frame)})


st.download_button("Download CSV", export.csv_bytes(frame), "audit.csv", "text/csv",
                   key="export_audit", on_click=_exported)
