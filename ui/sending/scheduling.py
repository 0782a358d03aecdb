"""Scheduling on the Send page: the 'send later' choice, and cancelling a scheduled batch.

The rules are smscore.sending.schedule's (a Messaging Service sender, 5 minutes to 35 days ahead);
times are entered and shown in UTC, so nobody's browser clock decides when messages go.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import duckdb
import streamlit as st

from smscore.clock import utcnow
from smscore.sending import schedule
from smscore.words import formats
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t


def choose(sender: str) -> tuple[datetime | None, str | None]:
    """(send_at, problem): the time chosen for the batch, or why it cannot be scheduled."""
    if not sender.startswith("MG"):
        st.caption(t("schedule.needs_service"))
        return None, None
    if not st.checkbox(t("schedule.later"), key="schedule_on"):
        return None, None
    # The next full hour at least an hour away: Twilio wants more than 5 minutes' notice, and
    # "the next hour" alone is under it in the last minutes of every hour.
    soon = (utcnow() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    day, clock = st.columns(2)
    chosen_day = day.date_input(
        t("schedule.day"),
        value=soon.date(),
        key="schedule_day",
        format=formats.date_input_format(current_language()),
    )
    chosen_time = clock.time_input(
        t("schedule.time"), value=time(soon.hour, 0), key="schedule_time", step=timedelta(minutes=5)
    )
    try:
        send_at = schedule.check(datetime.combine(chosen_day, chosen_time), sender)
    except schedule.ScheduleError as exc:
        return None, md(problem_words.told(exc))  # it quotes the sender setting
    st.info(t("schedule.note", at=f"{send_at:%Y-%m-%d %H:%M}"), icon=":material/schedule:")
    return send_at, None


def show_cancel(con: duckdb.DuckDBPyConnection, gateway: object, batch_id: str) -> None:
    """For a batch with messages still scheduled at Twilio: when, and a Cancel button."""
    held, first = con.execute(
        """SELECT count(*), min(send_at) FROM messages WHERE batch_id = ? AND state = 'sent'
           AND twilio_status = 'scheduled'""",
        [batch_id],
    ).fetchone()
    if not held:
        return
    st.info(
        t("schedule.held", n=held, at=f"{first:%Y-%m-%d %H:%M}" if first else "?"), icon=":material/schedule:"
    )
    if st.session_state.get("cancel_pending") == batch_id:  # destructive: asked first
        st.warning(t("schedule.cancel_confirm", n=held), icon=":material/warning:")
        with st.container(horizontal=True):
            st.button(
                t("schedule.cancel_yes"),
                type="primary",
                key="cancel_scheduled_yes",
                on_click=_cancel,
                args=(gateway, batch_id),
            )
            st.button(t("schedule.cancel_no"), key="cancel_scheduled_no", on_click=_ask, args=(None,))
        return
    st.button(t("schedule.cancel"), key="cancel_scheduled", on_click=_ask, args=(batch_id,))


def _ask(batch_id: str | None) -> None:
    st.session_state["cancel_pending"] = batch_id


def _cancel(gateway: object, batch_id: str) -> None:
    from smscore.access import audit  # noqa: PLC0415
    from ui.shell import auth  # noqa: PLC0415
    from ui.shell.setup import cursor  # noqa: PLC0415 - the callback's own run's handle

    st.session_state["cancel_pending"] = None
    who = auth.permit("send")  # checked at the action: a lowered role cannot cancel
    if who is None:
        return
    result = schedule.cancel_batch(cursor(), gateway, batch_id)
    audit.record(
        cursor(),
        who.actor,
        "batch.cancel",
        batch_id,
        {"cancelled": result.cancelled, "too_late": result.too_late},
    )
    st.session_state["cancel_result"] = t(
        "schedule.cancelled", cancelled=result.cancelled, late=result.too_late, unsent=result.unsent
    )
