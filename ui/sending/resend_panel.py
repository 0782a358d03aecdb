"""A finished batch on the Send page: its outcome, why messages failed, and 'send again'.

'Send again to the failed' only fills the composer (same template, the contacts whose failure
was transient, smscore.sending.resend); the quote, the balance gate and the confirm dialog below then
treat it like any other batch.
"""

from __future__ import annotations

import duckdb
import streamlit as st

from smscore.sending import ledger, outcome, resend
from smscore.twilio import errors
from ui.words import outcomes
from ui.words.i18n import t


def show_finished(con: duckdb.DuckDBPyConnection, batch_id: str, p: ledger.Progress) -> None:
    undelivered, scheduled = con.execute(
        """SELECT count(*) FILTER (WHERE twilio_status IN ('failed', 'undelivered', 'canceled')),
                  count(*) FILTER (WHERE twilio_status = 'scheduled')
           FROM messages WHERE batch_id = ? AND state = 'sent'""",
        [batch_id],
    ).fetchone()
    result = outcome.judge(
        p.status,
        sent=p.sent,
        failed=p.failed,
        unknown=p.unknown,
        pending=p.queued + p.claimed,
        undelivered=int(undelivered),
        scheduled=int(scheduled),
    )
    outcomes.show(result, p.cost_so_far)
    if not result.failures or result.kind == outcome.CANCELLED:
        return
    outcomes.show_reasons(con, batch_id)
    plan = resend.plan(con, batch_id)
    if plan.left_out:
        st.caption(
            t(
                "outcome.again_left_out",
                opted=plan.left_out.get(errors.OPTED_OUT, 0),
                permanent=plan.left_out.get(errors.PERMANENT, 0),
                missing=plan.left_out.get("no contact", 0),
            )
        )
    if not plan.empty:
        st.button(
            t("outcome.again", n=len(plan.contact_ids)),
            key="send_again",
            help=t("outcome.again_help"),
            on_click=_prepare,
            args=(plan,),
        )


def _prepare(plan: resend.ResendPlan) -> None:
    """Fill the composer with the batch's template and the contacts to try again."""
    from ui.shell.setup import cursor  # noqa: PLC0415 - the callback's own run's handle

    ids = list(plan.contact_ids)
    rows = (
        cursor().execute("SELECT id, name, phone FROM contacts WHERE list_contains(?, id)", [ids]).fetchall()
    )
    labels = st.session_state.setdefault("pick_labels", {})
    labels.update({int(i): f"{n or '—'} ({p})" for i, n, p in rows})
    values = {"body": plan.body, "audience": "picked", "picked_ids": ids}
    for key, value in values.items():
        st.session_state[key] = value
        st.session_state[f"_kept_{key}"] = value
    st.session_state.job = None
