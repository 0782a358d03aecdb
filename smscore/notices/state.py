"""Once per crossing: the balance watch's state and the notices' deliveries, in the workspace.

Two processes may check the balance at the same moment (the console's watch thread and
`smscore balance --notify` from cron). Both read the balance from Twilio outside any unit of
work, then each takes one unit in which a notice is *claimed* by a conditional UPDATE of the
single `balance_watch` row (`... WHERE armed` for a fall below, `... WHERE notified_at = <what
I read>` for a reminder). The workspace lets one unit in at a time and DuckDB refuses a second
writer of the same row, so exactly one of them gets the row back from RETURNING; the other sees
the notice already told. The notice and one `pending` delivery per channel and recipient are
written in the same unit, so a crash after the claim loses nothing: any later check sends what
is pending. A delivery is itself claimed (`state = 'sending'` with the check's token) before it
is sent, so a retry of a failed channel is never made twice either.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb

from smscore.clock import utcnow
from smscore.money import Money
from smscore.store.writes import write

LOW, REMINDER, USAGE = "low", "reminder", "usage"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
MAX_ATTEMPTS = 10  # then a delivery stays failed: shown on Home and in the audit trail
RETRY_FOR = timedelta(days=1)  # a notice older than this is stale; it is not retried any more
STUCK_AFTER = timedelta(minutes=10)  # a 'sending' delivery whose process died is retried after this


@dataclass(frozen=True)
class Watch:
    """The watch's row: whether the next fall below is still to be told, and the last read."""

    armed: bool
    crossing: int
    notified_at: datetime | None
    checked_at: datetime | None
    checked_by: str | None
    balance: Money | None
    threshold: Decimal | None
    problem: str | None


def read_watch(con: duckdb.DuckDBPyConnection) -> Watch:
    row = con.execute(
        "SELECT armed, crossing, notified_at, checked_at, checked_by, balance, currency, threshold, problem "
        "FROM balance_watch WHERE id = 1"
    ).fetchall()[0]
    balance = None if row[5] is None or row[6] is None else Money(row[5], row[6])
    return Watch(row[0], row[1], row[2], row[3], row[4], balance, row[7], row[8])


def record_problem(
    con: duckdb.DuckDBPyConnection, problem: str, by: str, now: datetime | None = None
) -> None:
    """The balance could not be read: say when and why (Home shows it); nothing is claimed."""
    write(
        con,
        lambda c: c.execute(
            "UPDATE balance_watch SET checked_at = ?, checked_by = ?, problem = ? WHERE id = 1",
            [now or utcnow(), by, problem],
        ),
    )


def claim(
    con: duckdb.DuckDBPyConnection,
    balance: Money,
    threshold: Decimal,
    *,
    by: str,
    reminder: timedelta | None,
    now: datetime | None = None,
) -> tuple[str | None, Watch]:
    """Record the balance read at `now` and claim the notice it calls for, if any, in one unit.

    Returns ('low' | 'reminder' | None, the watch as it was before). Call `add_notice` in the
    same unit (`write` nests) so the claim and its deliveries commit together.
    """
    now = now or utcnow()
    before = read_watch(con)
    if before.checked_at is not None and before.checked_at > now:
        # Another check read the balance after this one did (a top-up may lie between): the
        # newer reading stands, and this older one must neither re-arm nor claim.
        return None, before
    con.execute(
        "UPDATE balance_watch SET checked_at = ?, checked_by = ?, balance = ?, currency = ?, threshold = ?, "
        "problem = NULL WHERE id = 1",
        [now, by, balance.amount, balance.currency, threshold],
    )
    if balance.amount >= threshold:
        con.execute("UPDATE balance_watch SET armed = true WHERE id = 1 AND NOT armed")  # topped up
        return None, before
    won = con.execute(
        "UPDATE balance_watch SET armed = false, crossing = crossing + 1, notified_at = ? "
        "WHERE id = 1 AND armed RETURNING crossing",
        [now],
    ).fetchall()
    if won:
        return LOW, before
    if reminder is None or before.notified_at is None or now - before.notified_at < reminder:
        return None, before
    won = con.execute(
        "UPDATE balance_watch SET notified_at = ? WHERE id = 1 AND NOT armed AND notified_at = ? "
        "RETURNING crossing",
        [now, before.notified_at],
    ).fetchall()
    return (REMINDER if won else None), before


def add_notice(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    language: str,
    subject: str,
    body: str,
    facts: dict[str, str | None],
    targets: list[tuple[str, str]],
    now: datetime | None = None,
) -> int:
    """The notice and a pending delivery per (channel, target); its id."""
    now = now or utcnow()
    notice_id = int(
        con.execute(
            "INSERT INTO notices (kind, created_at, language, subject, body, facts) VALUES (?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            [kind, now, language, subject, body, json.dumps(facts, ensure_ascii=False)],
        ).fetchall()[0][0]
    )
    for channel, target in dict.fromkeys(targets):
        con.execute(
            "INSERT INTO notice_deliveries (notice_id, channel, target, state, updated_at) VALUES (?, ?, ?, ?, ?)",
            [notice_id, channel, target, PENDING, now],
        )
    return notice_id


@dataclass(frozen=True)
class Delivery:
    """One channel and recipient of one notice, claimed by a check to be sent now."""

    notice_id: int
    channel: str
    target: str
    token: str
    kind: str
    subject: str
    body: str
    facts: dict[str, str | None]


def claim_deliveries(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> list[Delivery]:
    """Claim every delivery still to be made: pending, failed (a retry), or stuck in a dead check."""
    now = now or utcnow()
    token = uuid.uuid4().hex

    def take(c: duckdb.DuckDBPyConnection) -> list[Delivery]:
        c.execute(
            """UPDATE notice_deliveries SET state = 'sending', token = ?, attempts = attempts + 1,
                   updated_at = ?
               WHERE attempts < ? AND notice_id IN (SELECT id FROM notices WHERE created_at > ?)
                 AND (state IN ('pending', 'failed') OR (state = 'sending' AND updated_at < ?))""",
            [token, now, MAX_ATTEMPTS, now - RETRY_FOR, now - STUCK_AFTER],
        )
        rows = c.execute(
            """SELECT d.notice_id, d.channel, d.target, n.kind, n.subject, n.body, n.facts
               FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id
               WHERE d.token = ? AND d.state = 'sending' ORDER BY d.notice_id, d.channel, d.target""",
            [token],
        ).fetchall()
        return [Delivery(r[0], r[1], r[2], token, r[3], r[4], r[5], json.loads(r[6] or "{}")) for r in rows]

    return write(con, take)


def settle(
    con: duckdb.DuckDBPyConnection, delivery: Delivery, error: str | None, now: datetime | None = None
) -> bool:
    """Record a delivery's outcome (None: sent); False if another check took it over meanwhile."""
    done = con.execute(
        "UPDATE notice_deliveries SET state = ?, error = ?, updated_at = ? "
        "WHERE notice_id = ? AND channel = ? AND target = ? AND token = ? RETURNING notice_id",
        [
            SENT if error is None else FAILED,
            error,
            now or utcnow(),
            delivery.notice_id,
            delivery.channel,
            delivery.target,
            delivery.token,
        ],
    ).fetchall()
    return bool(done)


def last_notice(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, object], list[dict[str, object]]] | None:
    """The newest notice and its deliveries (channel, target, state, attempts, error), for Home."""
    rows = con.execute(
        "SELECT id, kind, created_at, subject FROM notices ORDER BY created_at DESC, id DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    notice_id, kind, created_at, subject = rows[0]
    deliveries = [
        {"channel": r[0], "target": r[1], "state": r[2], "attempts": r[3], "error": r[4], "updated_at": r[5]}
        for r in con.execute(
            "SELECT channel, target, state, attempts, error, updated_at FROM notice_deliveries "
            "WHERE notice_id = ? ORDER BY channel, target",
            [notice_id],
        ).fetchall()
    ]
    return {"id": notice_id, "kind": kind, "created_at": created_at, "subject": subject}, deliveries
