"""Scheduling a batch with Twilio's own scheduler, and cancelling it.

Twilio schedules a message only through a Messaging Service (error 35118 otherwise), with
`ScheduleType=fixed` (the only value, 35126 otherwise) and a `SendAt` more than 300 seconds and
at most 35 days ahead (35114/35115/35117 on its current pages; the vendored spec validates
the parameters' shapes). A scheduled message sits at Twilio with status `scheduled` until then
and can be cancelled with `Status=canceled` (30409 once it is too late). The balance gate runs
at scheduling time, like any send, though Twilio charges when it sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from smscore.clock import naive_utc, utcnow
from smscore.problems import coded
from smscore.sending import ledger
from smscore.twilio.gateway import MAX_LEAD, MIN_LEAD, Gateway, GatewayError

CANCELLED = "cancelled"  # the batch status (smscore.sending.outcome reads it)
TOO_LATE = 30409


class ScheduleError(ValueError):
    """A schedule Twilio would refuse, said in one sentence."""


def check(send_at: datetime, sender: str, now: datetime | None = None) -> datetime:
    """Return `send_at` (naive UTC) when Twilio would accept it for `sender`; else raise."""
    now = now or utcnow()
    send_at = naive_utc(send_at)
    if not sender.startswith("MG"):
        raise coded(ScheduleError, "schedule.needs_service", sender=sender or "no sender")
    if send_at <= now + MIN_LEAD:
        raise coded(ScheduleError, "schedule.too_soon", at=send_at, now=now)
    if send_at > now + MAX_LEAD:
        raise coded(ScheduleError, "schedule.too_far", at=send_at)
    return send_at


LEAD_MARGIN = timedelta(seconds=30)  # room for the request's own travel time


def schedule_now(send_at: datetime | None, now: datetime) -> datetime | None:
    """The SendAt to pass for a message created now: None (send at once) when its time has
    come; otherwise its time, pushed to just past Twilio's 5-minute minimum lead if it is
    nearer than that, so a message is never sent before its time."""
    if send_at is None or send_at <= now:
        return None
    return max(send_at, now + MIN_LEAD + LEAD_MARGIN)


@dataclass(frozen=True)
class Cancelled:
    """What a cancel did: messages cancelled at Twilio, never sent, and already gone out."""

    cancelled: int
    unsent: int
    too_late: int
    errors: int = 0


def cancel_batch(
    con: duckdb.DuckDBPyConnection, gateway: Gateway, batch_id: str, now: datetime | None = None
) -> Cancelled:
    """Cancel every message of a batch that has not gone out, at Twilio and in the ledger.

    The batch is marked cancelled first, so no run sends its queued rows; those become failed
    ('cancelled before sending'); each message still scheduled at Twilio is cancelled there.
    """
    now = now or utcnow()
    cur = con.cursor()
    ledger.batch_info(cur, batch_id)  # KeyError naming the id when there is none
    ledger.set_status(cur, batch_id, CANCELLED, "cancelled by the operator", now)
    unsent = ledger.with_retry(
        lambda: cur.execute(
            """UPDATE messages SET state = 'failed', error_message = 'cancelled before sending',
                  updated_at = ?
           WHERE batch_id = ? AND state = 'queued' RETURNING phone""",
            [now, batch_id],
        ).fetchall()
    )
    scheduled = cur.execute(
        """SELECT phone, sid FROM messages WHERE batch_id = ?
                               AND state = 'sent' AND twilio_status = 'scheduled'""",
        [batch_id],
    ).fetchall()
    done = late = failed = 0
    for phone, sid in scheduled:
        try:
            result = gateway.cancel(sid)
        except GatewayError as exc:
            if exc.code == TOO_LATE:
                late += 1
            else:
                failed += 1
            continue
        ledger.record_status(cur, batch_id, phone, result, now)
        done += 1
    return Cancelled(done, len(unsent), late, failed)
