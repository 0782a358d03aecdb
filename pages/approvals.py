"""Approvals (admin): batches over the approval threshold wait here for a second admin."""

from __future__ import annotations

import streamlit as st

from smscore import approvals
from smscore.money import format_money
from ui import auth, jobs, setup

ctx = setup.page("nav.approvals")  # admins only: setup.page refuses every other role
st.title("Approvals")
st.caption("A batch whose maximum cost is over the approval threshold waits here. Another admin "
           "than the one who confirmed it approves it (it then sends) or rejects it (it never "
           "sends).")
if notice := st.session_state.pop("approval_notice", None):
    st.warning(notice, icon=":material/gavel:")


def _approve(batch_id: str) -> None:
    who = auth.permit("approve")
    if who is None:
        return
    try:
        approvals.approve(setup.cursor(), batch_id, who.actor)
    except approvals.ApprovalError as exc:
        st.session_state.approval_notice = f"Not approved: {exc}."
        return
    s = ctx.settings
    jobs.start(setup.root(ctx.config), ctx.config, batch_id,
               jobs.SendOptions(concurrency=s.concurrency, rate=float(s.send_rate),
                                reserve=s.balance_reserve))
    st.session_state.approval_notice = f"Batch {batch_id[:12]} approved: sending."


def _reject(batch_id: str) -> None:
    who = auth.permit("approve")
    if who is None:
        return
    try:
        approvals.reject(setup.cursor(), batch_id, who.actor)
    except approvals.ApprovalError as exc:
        st.session_state.approval_notice = f"Not rejected: {exc}."
        return
    st.session_state.approval_notice = f"Batch {batch_id[:12]} rejected: it will not send."


waiting = approvals.pending(ctx.con)
if waiting.empty:
    st.info("No batch awaits approval.")
for row in waiting.itertuples():
    with st.container(border=True):
        st.subheader(f"Batch {row.batch_id[:12]}")
        st.text(f"Confirmed by {row.confirmed_by} at {row.created_at:%Y-%m-%d %H:%M} UTC, "
                f"{row.mode} mode: {row.recipients} recipients, {row.segments} segments, "
                f"up to {format_money(row.estimate_max, row.currency)}.")
        st.text(row.body)  # the message as typed: never rendered as Markdown
        st.dataframe(approvals.by_country(ctx.con, row.batch_id), hide_index=True)
        left, right = st.columns(2)
        left.button("Approve and send", key=f"approve_{row.batch_id}", type="primary",
                    on_click=_approve, args=(row.batch_id,))
        right.button("Reject", key=f"reject_{row.batch_id}", on_click=_reject,
                     args=(row.batch_id,))
