"""Claims on ledger rows and how each ended: the part of the ledger a sending run writes.

A row is claimed, and the claim committed, before its request is made; its settlement (sent,
failed, given back) is written by the claim's holder only. Later facts about a sent row (its
delivery status) and suppressions are recorded here too. Its own module, apart from freezing
and status (`batches`), because it is the exactly-once path itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from smscore.clock import utcnow
from smscore.sending.batches import FAILED, QUEUED, SENT, Cursor, with_retry
from smscore.twilio.gateway import MessageResult

# Runs in one process claim one at a time: DuckDB would refuse all but one of two claims racing
# for the same rows anyway (a TransactionException, retried), but taking turns avoids the churn.
_CLAIM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Claim:
    """A ledger row this run holds: its request may be made now, and only by this run."""

    seq: int
    phone: str
    body: str
    segments: int
    send_at: datetime | None = None  # naive UTC; None: at once


def claim(
    cur: Cursor, batch_id: str, token: str, *, after_seq: int, limit: int, now: datetime | None = None
) -> list[Claim]:
    """Claim up to `limit` queued rows with seq > after_seq, in seq order.

    The UPDATE only touches rows still `queued`, and RETURNING lists exactly the rows this
    statement changed, so a row claimed by anyone else is never returned here.
    """
    return settle_and_claim(cur, batch_id, token, [], after_seq=after_seq, limit=limit, now=now)


def _claim(
    cur: Cursor,
    batch_id: str,
    token: str,
    after_seq: int,
    limit: int,
    now: datetime,
    due_by: datetime | None = None,
) -> list[Claim]:
    due = "" if due_by is None else "AND (send_at IS NULL OR send_at <= ?)"
    rows = cur.execute(
        f"""UPDATE messages SET state = 'claimed', claim_token = ?, claimed_at = ?, updated_at = ?
           WHERE batch_id = ? AND state = 'queued' AND seq IN (
               SELECT seq FROM messages WHERE batch_id = ? AND state = 'queued' AND seq > ?
               {due} ORDER BY seq LIMIT ?)
           RETURNING seq, phone, body, segments, send_at""",
        [token, now, now, batch_id, batch_id, after_seq, *([due_by] if due_by is not None else []), limit],
    ).fetchall()
    return sorted((Claim(int(s), p, b, int(n), at) for s, p, b, n, at in rows), key=lambda c: c.seq)


def settle_and_claim(
    cur: Cursor,
    batch_id: str,
    token: str,
    settlements: Sequence[Settlement],
    *,
    after_seq: int,
    limit: int,
    now: datetime | None = None,
    due_by: datetime | None = None,
) -> list[Claim]:
    """Settle finished claims and claim the next rows in one transaction.

    With `due_by`, only rows whose `send_at` has come by then are claimed: a sender without
    Twilio's scheduler holds the others (sending hours) until a later run.

    One commit per round instead of two: on a DuckDB file each commit is a WAL flush, the
    sender's main cost. The claims are committed before this returns, so still before any of
    their requests is made.
    """
    now = now or utcnow()

    def transaction() -> list[Claim]:
        cur.execute("BEGIN TRANSACTION")
        try:
            _settle(cur, batch_id, token, settlements, now)
            claims = _claim(cur, batch_id, token, after_seq, limit, now, due_by) if limit > 0 else []
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return claims

    with _CLAIM_LOCK:
        return with_retry(transaction)


@dataclass(frozen=True)
class Settlement:
    """How one claim ended: the row's next state and what Twilio said."""

    phone: str
    state: str  # sent, failed, unknown, or queued (given back unsent)
    attempts: int
    sid: str | None = None
    twilio_status: str | None = None
    price: Decimal | None = None
    price_unit: str | None = None
    error_code: int | None = None
    error_message: str | None = None

    @classmethod
    def sent(cls, phone: str, result: MessageResult, attempts: int) -> Settlement:
        """Twilio accepted the message: keep its sid, the only handle for status and price."""
        return cls(
            phone,
            SENT,
            attempts,
            sid=result.sid,
            twilio_status=result.status,
            price=result.price,
            price_unit=result.price_unit,
        )


def settle(
    cur: Cursor, batch_id: str, token: str, settlements: Sequence[Settlement], now: datetime | None = None
) -> None:
    """Write how claims ended, all in one statement.

    Only the claim's holder may settle it: the token check makes a late or repeated settlement
    a no-op rather than an overwrite.
    """
    if settlements:
        with_retry(lambda: _settle(cur, batch_id, token, settlements, now or utcnow()))


def _settle(cur: Cursor, batch_id: str, token: str, settlements: Sequence[Settlement], now: datetime) -> None:
    if not settlements:
        return
    values = ", ".join("(?, ?, ?, ?, ?, ?::DECIMAL(18, 6), ?, ?::INTEGER, ?)" for _ in settlements)
    params: list[Any] = []
    for s in settlements:
        params += [
            s.phone,
            s.state,
            s.attempts,
            s.sid,
            s.twilio_status,
            s.price,
            s.price_unit,
            s.error_code,
            s.error_message,
        ]
    cur.execute(
        f"""UPDATE messages SET state = v.state, attempts = messages.attempts + v.attempts,
                   sid = v.sid, twilio_status = v.twilio_status, actual_price = v.price,
                   price_unit = v.price_unit, error_code = v.error_code,
                   error_message = v.error_message, claim_token = NULL, updated_at = ?,
                   sent_at = CASE WHEN v.state = 'sent' THEN ? ELSE messages.sent_at END
            FROM (VALUES {values}) AS v(phone, state, attempts, sid, twilio_status, price,
                                        price_unit, error_code, error_message)
            WHERE messages.batch_id = ? AND messages.phone = v.phone
              AND messages.state = 'claimed' AND messages.claim_token = ?""",
        [now, now, *params, batch_id, token],
    )


def mark_sent(
    cur: Cursor,
    batch_id: str,
    token: str,
    phone: str,
    result: MessageResult,
    attempts: int,
    now: datetime | None = None,
) -> None:
    """Settle one claim as sent."""
    settle(cur, batch_id, token, [Settlement.sent(phone, result, attempts)], now)


def mark_failed(
    cur: Cursor,
    batch_id: str,
    token: str,
    phone: str,
    *,
    code: int | None,
    message: str,
    attempts: int,
    now: datetime | None = None,
) -> None:
    """Twilio refused this recipient for good (21211, 21610, ...): never retried."""
    settle(
        cur,
        batch_id,
        token,
        [Settlement(phone, FAILED, attempts, error_code=code, error_message=message)],
        now,
    )


def release(
    cur: Cursor,
    batch_id: str,
    token: str,
    phone: str,
    *,
    message: str | None,
    attempts: int,
    now: datetime | None = None,
) -> None:
    """Give a claim back unsent (throttled, out of balance, stopped): Twilio never took it."""
    settle(cur, batch_id, token, [Settlement(phone, QUEUED, attempts, error_message=message)], now)


def expire_claims(cur: Cursor, batch_id: str, live_tokens: Iterable[str], now: datetime | None = None) -> int:
    """Turn claims held by runs that are gone (a killed process, a crashed thread) into unknown.

    DuckDB lets one process at a time open a file for writing, so a claim whose token is not a
    live run of this process cannot be in flight any more: it either reached Twilio or not.
    """
    now = now or utcnow()
    live = sorted(live_tokens) or [""]
    placeholders = ", ".join("?" for _ in live)
    rows = with_retry(
        lambda: cur.execute(
            f"""UPDATE messages SET state = 'unknown', claim_token = NULL, updated_at = ?,
                   error_message = 'claimed by a run that ended before the answer was recorded'
            WHERE batch_id = ? AND state = 'claimed'
              AND coalesce(claim_token, '') NOT IN ({placeholders})
            RETURNING phone""",
            [now, batch_id, *live],
        ).fetchall()
    )
    return len(rows)


def skip_suppressed(cur: Cursor, batch_id: str, now: datetime | None = None) -> int:
    """Fail queued rows whose number was suppressed after the batch was frozen (a STOP since)."""
    now = now or utcnow()
    rows = with_retry(
        lambda: cur.execute(
            """UPDATE messages SET state = 'failed', error_code = NULL, updated_at = ?,
                   error_message = 'suppressed: ' || s.reason
           FROM suppressions s
           WHERE messages.batch_id = ? AND messages.state = 'queued' AND messages.phone = s.phone
           RETURNING messages.phone""",
            [now, batch_id],
        ).fetchall()
    )
    return len(rows)


def suppress(cur: Cursor, phone: str, reason: str, source: str) -> None:
    """Add a number to the suppression list; an existing entry keeps its first reason."""
    with_retry(
        lambda: cur.execute(
            "INSERT OR IGNORE INTO suppressions (phone, reason, source) VALUES (?, ?, ?)",
            [phone, reason, source],
        )
    )


def record_status(
    cur: Cursor, batch_id: str, phone: str, result: MessageResult, now: datetime | None = None
) -> None:
    """Store a later fetch: delivery status, async error code, actual price and segments."""
    now = now or utcnow()
    with_retry(
        lambda: cur.execute(
            """UPDATE messages SET twilio_status = ?, error_code = coalesce(?, error_code),
                  error_message = coalesce(?, error_message),
                  actual_price = coalesce(?, actual_price), price_unit = coalesce(?, price_unit),
                  segments = coalesce(?, segments), updated_at = ?
           WHERE batch_id = ? AND phone = ? AND sid = ?""",
            [
                result.status,
                result.error_code,
                result.error_message,
                result.price,
                result.price_unit,
                result.num_segments,
                now,
                batch_id,
                phone,
                result.sid,
            ],
        )
    )
