"""The Send page's note on the last batch: its name, its outcome and a link to its report.

Confirm empties the composer (ui.sending.recipients.clear), so a batch that has gone is no longer a
form with an enabled Send button and a stale quote, but this note, read from the ledger: a
reload or a visit to another page says the same. What can still be done with the batch stays
beside it: why messages failed and 'send again to the failed', cancelling what Twilio still holds.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from smscore import reports
from smscore.access import approvals
from smscore.batchid import short_id
from smscore.clock import utcnow
from smscore.money import Money
from smscore.sending import ledger, schedule
from smscore.words import formats
from ui.sending import resend_panel, scheduling
from ui.shell import setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t

RECENT = timedelta(hours=12)  # a working day; older batches are the Reports page's business
_FINISHED = (ledger.DONE, schedule.CANCELLED)
_WAITING = (approvals.AWAITING, approvals.REJECTED)


def batch_id(ctx: Context) -> str | None:
    """This session's batch, else the newest one the signed-in person confirmed recently."""
    if st.session_state.job:
        return st.session_state.job["batch_id"]
    return reports.last_confirmed(ctx.con, ctx.principal.actor.name, utcnow() - RECENT)


def show(ctx: Context, batch: str) -> bool:
    """The note for a batch that has finished or waits on an admin; False (nothing drawn) for
    one that still needs the progress view: sending, paused, unknown outcomes, damaged."""
    con = ctx.con
    info = ledger.batch_info(con, batch)
    p = ledger.batch_progress(con, batch)
    waiting = info["status"] in _WAITING
    if not waiting and (not p.done or p.status not in _FINISHED):  # a damaged one says so
        return False
    lang = current_language()
    st.subheader(t("send.last_title", batch=md(info.get("name") or short_id(batch))))
    if info.get("confirmed_by"):
        st.caption(
            t(
                "send.last_when",
                who=md(info["confirmed_by"]),
                when=formats.when(info["created_at"], lang, ctx.settings.time_zone),
            )
        )
    if waiting:
        _waiting(ctx, info, p)
    else:
        if note := st.session_state.pop("cancel_result", None):
            st.success(note)
        resend_panel.show_finished(con, batch, p)
        scheduling.show_cancel(con, ctx.gateway, batch)
    setup.link("reports", t("send.last_report"), ":material/bar_chart:", query_params={"batch": batch})
    return True


def _waiting(ctx: Context, info: dict, p: ledger.Progress) -> None:
    """Awaiting approval, in words for the person's role (an admin cannot approve their own
    batch); or rejected, with the admin's reason."""
    if info["status"] == approvals.REJECTED:
        st.error(
            t("send.last_rejected", reason=md(problem_words.told_reason(p.problem, p.reason))),
            icon=":material/block:",
        )
        return
    maximum = formats.cost(Money(info["estimate_max"], info["currency"]), current_language())
    admin = ctx.principal.role == "admin"
    st.warning(
        t(
            "send.awaits_approval" if admin else "send.awaits_approval_operator",
            batch=md(info.get("name") or short_id(info["id"])),
            maximum=maximum,
        ),
        icon=":material/gavel:",
    )
