"""Unknown rows: claims whose answer never came back, and settling them from Twilio (reconcile).

Its own module because an unknown row has a life of its own after its run ended: it waits
RECONCILE_SETTLE, is looked up in Twilio, and is settled, requeued or noted as undecided; the
operator is told how many wait and until when (`UnknownWait`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from smscore.clock import naive_utc, utcnow
from smscore.sending.batches import Cursor, with_retry
from smscore.twilio.gateway import MessageResult

# An unknown row is looked up in Twilio only this long after its claim: a request still in
# flight could otherwise be missed by the lookup and sent a second time.
RECONCILE_SETTLE = timedelta(seconds=60)


@dataclass(frozen=True)
class UnknownRow:
    """An unknown row as reconcile needs it: what was sent to whom, and when it was claimed."""

    phone: str
    body: str
    claimed_at: datetime


def unknown_rows(cur: Cursor, batch_id: str, *, claimed_before: datetime) -> list[UnknownRow]:
    """Unknown rows old enough that any request of theirs has long been answered."""
    rows = cur.execute(
        """SELECT phone, body, coalesce(claimed_at, updated_at) FROM messages
           WHERE batch_id = ? AND state = 'unknown'
           AND coalesce(claimed_at, updated_at) <= ? ORDER BY seq""",
        [batch_id, claimed_before],
    ).fetchall()
    return [UnknownRow(phone, body, claimed) for phone, body, claimed in rows]


def note_unknown(cur: Cursor, batch_id: str, phone: str, reason: str, now: datetime | None = None) -> None:
    """Keep a row unknown, saying why reconcile could not settle it."""
    now = now or utcnow()
    with_retry(
        lambda: cur.execute(
            """UPDATE messages SET error_message = ?, updated_at = ?
           WHERE batch_id = ? AND phone = ? AND state = 'unknown'""",
            [reason, now, batch_id, phone],
        )
    )


# note_unknown's reasons start with this: reconcile looked the row up and could not decide.
UNDECIDED_PREFIX = "reconcile:"


@dataclass(frozen=True)
class UnknownWait:
    """A batch's unknown rows: how many, and when the last of them may be looked up in Twilio.

    `undecided` of them were looked up already and matched messages that could not be told
    apart from other senders' (smscore.sending.ownership); another reconcile will not settle those.
    """

    count: int
    ready_at: datetime | None  # naive UTC; None when every unknown row is undecided
    undecided: int = 0

    @property
    def pending(self) -> int:
        """Rows a reconcile can still settle, now or from `ready_at`."""
        return self.count - self.undecided

    def seconds_left(self, now: datetime) -> float:
        return 0.0 if self.ready_at is None else max(0.0, (self.ready_at - now).total_seconds())


def unknown_wait(cur: Cursor, batch_id: str) -> UnknownWait:
    """How many rows are unknown and when `reconcile` may settle all of them."""
    n, undecided, youngest = cur.execute(
        """SELECT count(*), count(*) FILTER (WHERE starts_with(error_message, ?)),
                  max(coalesce(claimed_at, updated_at))
                      FILTER (WHERE NOT coalesce(starts_with(error_message, ?), false))
           FROM messages WHERE batch_id = ? AND state = 'unknown'""",
        [UNDECIDED_PREFIX, UNDECIDED_PREFIX, batch_id],
    ).fetchone()
    return UnknownWait(int(n), None if youngest is None else youngest + RECONCILE_SETTLE, int(undecided))


def settle_unknown(
    cur: Cursor, batch_id: str, phone: str, found: MessageResult | None, now: datetime | None = None
) -> None:
    """Settle an unknown row from a Twilio lookup: sent if Twilio has it, queued again if not."""
    now = now or utcnow()
    if found is None:
        sql = """UPDATE messages SET state = 'queued', updated_at = ?,
                        error_message = 'reconciled: Twilio had no message, queued again'
                 WHERE batch_id = ? AND phone = ? AND state = 'unknown'"""
        params: list[Any] = [now, batch_id, phone]
    else:
        sql = """UPDATE messages SET state = 'sent', sid = ?, twilio_status = ?, actual_price = ?,
                        price_unit = ?, sent_at = coalesce(?, ?), updated_at = ?,
                        error_message = 'reconciled: found in Twilio'
                 WHERE batch_id = ? AND phone = ? AND state = 'unknown'"""
        params = [
            found.sid,
            found.status,
            found.price,
            found.price_unit,
            naive_utc(found.date_created),
            now,
            now,
            batch_id,
            phone,
        ]
    with_retry(lambda: cur.execute(sql, params))


def known_sids(cur: Cursor, sids: Sequence[str]) -> set[str]:
    """Which of these sids some ledger row already owns (so a lookup cannot adopt them twice)."""
    if not sids:
        return set()
    placeholders = ", ".join("?" for _ in sids)
    rows = cur.execute(f"SELECT sid FROM messages WHERE sid IN ({placeholders})", list(sids)).fetchall()
    return {sid for (sid,) in rows}
