"""What a batch needs from the operator, said the same way on Home and Send.

Two states need words, not just a status: a damaged batch (its rows do not add up to its
recipients, so it can never be sent as is) and messages whose outcome is unknown (the console
looks them up in Twilio once RECONCILE_SETTLE has passed since their claim, never before, since
an answer may still be on its way). Only numbers, times and our own batch ids go into these
texts; nothing from a file or from Twilio.
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
import streamlit as st

from smscore.batchid import short_id
from smscore.sending import ledger
from ui.words.i18n import t


def unknown_text(wait: ledger.UnknownWait, *, running: bool, now: datetime | None = None) -> str | None:
    """The unknown-outcome sentence: when the lookup happens and who starts it."""
    now = now or ledger.utcnow()
    parts = []
    if wait.pending:
        left = math.ceil(wait.seconds_left(now))
        at = f"{wait.ready_at:%H:%M:%S}" if wait.ready_at else ""
        if running:
            key = "batch.unknown_auto" if left else "batch.unknown_auto_now"
        else:
            key = "batch.unknown_resume" if left else "batch.unknown_resume_now"
        parts.append(t(key, n=wait.pending, at=at, seconds=left))
    if wait.undecided:
        parts.append(t("batch.undecided", n=wait.undecided))
    return " ".join(parts) or None


def show_unknown(wait: ledger.UnknownWait, *, running: bool) -> None:
    text = unknown_text(wait, running=running)
    if text:
        st.warning(text, icon=":material/schedule:")


def show_damaged(batch_id: str, rows: int, recipients: int, frozen_on: object) -> None:
    same_day = pd.Timestamp(frozen_on).date() == ledger.utcnow().date()
    st.error(
        t(
            "batch.damaged_today" if same_day else "batch.damaged_old",
            batch=short_id(batch_id),
            rows=rows,
            total=recipients,
        ),
        icon=":material/report:",
    )


def show_for_row(row: object, *, running: bool) -> None:
    """Notes for one row of smscore.reports.batches(); nothing when the batch needs none."""
    if row.status == ledger.DAMAGED:
        show_damaged(row.batch_id, int(row.rows), int(row.recipients), row.created_at)
        return
    if row.unknown:
        ready = None if pd.isna(row.reconcile_from) else row.reconcile_from.to_pydatetime()
        show_unknown(ledger.UnknownWait(int(row.unknown), ready, int(row.undecided)), running=running)
