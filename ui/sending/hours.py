"""Sending hours on the Send page: the window, and how many go now and when the rest go.

The rule is smscore.sending.sendhours'; times in the summary are UTC, since each recipient's local time
differs.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from smscore.clock import utcnow
from smscore.cost.quote import Quote
from smscore.sending import sendhours
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import t

_DAYS = list(range(7))


def apply(quote: Quote, sender: str, send_at: datetime | None) -> tuple[Quote, str | None]:
    """(the quote timed by the window if one is chosen, a problem sentence or None)."""
    if not st.checkbox(t("hours.on"), key="hours_on", help=t("hours.help")):
        return quote, None
    left, right = st.columns(2)
    hours = left.text_input(t("hours.window"), value="09:00-20:00", key="hours_window")
    days = right.multiselect(
        t("hours.days"),
        _DAYS,
        default=_DAYS,
        key="hours_days",
        format_func=lambda d: t(f"hours.day_{d}"),
        placeholder=t("common.choose_options"),
    )
    try:
        window = sendhours.Window(*_times(hours), frozenset(days))
    except ValueError as exc:
        return quote, md(problem_words.told(exc))  # it quotes what was typed
    start = send_at or utcnow()
    timed, result = sendhours.with_hours(quote, window, start)
    if send_at is not None:  # those inside the window go at the scheduled time, not now
        timed.recipients["send_at"] = timed.recipients["send_at"].fillna(pd.Timestamp(send_at))
    later = "; ".join(t("hours.later_item", n=n, at=f"{at:%Y-%m-%d %H:%M}") for at, n in result.later())
    how = t("hours.by_twilio") if sender.startswith("MG") else t("hours.by_console")
    st.info(t("hours.summary", now=result.now, later=later or "—", how=how), icon=":material/schedule:")
    if result.unplaceable:
        st.warning(t("hours.unplaceable", n=len(result.unplaceable)))
    return timed, None


def _times(text: str) -> tuple:
    window = sendhours.parse_window(text)
    return window.start, window.end
