"""The send ledger: one frozen batch, one row per recipient, and the only truth about what went out.

Twilio's Messages API has no idempotency key, so exactly-once is ours to keep. Every recipient is
a row keyed by (batch_id, phone) that moves queued -> claimed -> sent | failed | unknown. A row is
claimed, and the claim committed, before its request is made; a claim whose answer never came back
becomes `unknown` and is looked up in Twilio (no sooner than RECONCILE_SETTLE after its claim)
before anything is resent. The batch id is derived from what is sent, so pressing Send twice (a
rerun, a double click, a reload) finds the same batch and resumes it instead of starting another.
A batch and its rows are frozen in one transaction; a batch whose rows do not add up to its
recipients (left by older versions) is reported `damaged`, never sent and never `done`.

Functions take a DuckDB connection or cursor; the sender gives each thread its own cursor.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from smscore import crashpoints
from smscore.clock import naive_utc, utcnow  # noqa: F401 - ledger.utcnow is the sender's default clock
from smscore.twilio.gateway import MessageResult
from smscore.money import Money
from smscore.problems import Problem, recognise
from smscore.store.writes import retrying

# Ledger states of one recipient.
QUEUED, CLAIMED, SENT, FAILED, UNKNOWN = "queued", "claimed", "sent", "failed", "unknown"
STATES = (QUEUED, CLAIMED, SENT, FAILED, UNKNOWN)

# Batch statuses.
FROZEN = "frozen"  # stored, nothing sent yet
SENDING = "sending"
PAUSED = "paused"  # balance, throttling or the operator; resumable as is
STOPPED_AUTH = "stopped: auth"  # Twilio refused the credentials; fix them, then resume
NEEDS_RECONCILE = "needs reconcile"  # nothing queued, but some outcomes are unknown
DONE = "done"
# Derived, never stored: the batch has fewer (or more) message rows than recipients, which only
# a freeze interrupted between its two commits (before freezing became one transaction) leaves.
DAMAGED = "damaged"

# An unknown row is looked up in Twilio only this long after its claim: a request still in
# flight could otherwise be missed by the lookup and sent a second time.
RECONCILE_SETTLE = timedelta(seconds=60)

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


def batch_key(body: str, phones: Iterable[str], day: date,
              send_at: datetime | None = None) -> str:
    """The batch id: the same body to the same recipients on the same UTC day is the same batch.

    A scheduled batch is also keyed by its time, so scheduling it again for another time (after
    a cancel, say) is a new batch rather than the cancelled one.
    """
    digest = hashlib.sha256()
    digest.update(body.encode("utf-8"))
    digest.update(b"\x00")
    digest.update("\n".join(sorted(set(phones))).encode("ascii"))
    digest.update(b"\x00" + day.isoformat().encode("ascii"))
    if send_at is not None:
        digest.update(b"\x00" + send_at.isoformat().encode("ascii"))
    return "b-" + digest.hexdigest()[:24]


def quote_key(quote: Any, send_at: datetime | None = None, day: date | None = None) -> str:
    """The id `freeze_batch` would give `quote` today (or on `day`): a refusal can name it."""
    phones = quote.recipients.drop_duplicates(subset="phone")["phone"]
    return batch_key(quote.body, phones, day or utcnow().date(), send_at)


def with_retry(fn: Callable[[], T]) -> T:
    """Run a write that shapes its own transaction, retrying DuckDB's conflicts (writes.retrying).

    Two runs of one batch (two threads, two browser tabs) may claim overlapping rows; DuckDB
    refuses the second writer with a TransactionException instead of letting both win, so the
    loser simply tries again and sees the rows already claimed.
    """
    result = retrying(fn)
    crashpoints.committed()
    return result


# -- freezing ----------------------------------------------------------------------------------

def freeze_batch(con: Cursor, quote: Any, *, sender: str, mode: str,
                 now: datetime | None = None, send_at: datetime | None = None,
                 name: str | None = None) -> str:
    """Store a quote as a batch and its recipients as queued ledger rows; return the batch id.

    The batch row and its message rows are written in one transaction: a crash while freezing
    leaves either no batch or the whole batch, never a batch that looks finished with its rows
    missing. Freezing the same batch again (same body, recipients and day) adds only the rows
    it lacks and returns the same id, which is what makes a second press of Send a resume and
    what repairs a batch damaged by an older version that committed the two apart.

    `send_at` (naive UTC) schedules the whole batch; a `send_at` column in the quote's
    recipients (sending hours) schedules each message, and wins.
    """
    now = now or utcnow()
    con = con.cursor()  # its own cursor: register() refuses a connection with a pending result
    recipients = quote.recipients.drop_duplicates(subset="phone", keep="first")
    if recipients.empty:
        raise ValueError("a batch needs at least one recipient; the quote has none")
    batch_id = batch_key(quote.body, recipients["phone"], now.date(), send_at)
    batch_row = [batch_id, now, quote.body, json.dumps(_selection_dict(quote.selection)), sender,
                 mode, FROZEN, quote.currency.upper(), len(recipients),
                 int(recipients["segments"].sum()), quote.total_min, quote.total_max,
                 quote.price_list_id, send_at, clean_name(name)]
    rows = _arrow_rows(recipients, send_at)
    con.register("_frozen_rows", rows)
    try:
        with_retry(lambda: _freeze_or_yield(con, batch_id, batch_row, len(recipients), now))
    finally:
        con.unregister("_frozen_rows")
    return batch_id


_INSERT_ROWS = """INSERT INTO messages (batch_id, seq, phone, contact_id, country, category, body,
                                        encoding, segments, price_min, price_max, state,
                                        updated_at, send_at)
                  SELECT ?, seq, phone, contact_id, country, category, body, encoding, segments,
                         cost_min, cost_max, 'queued', ?, send_at
                  FROM _frozen_rows"""


def _freeze_or_yield(con: Cursor, batch_id: str, batch_row: list[Any], n: int,
                     now: datetime) -> None:
    """Freeze; when a concurrent freeze of the same batch inserted its rows first, skip them.

    The fast plain INSERT then hits their keys; the ON CONFLICT path leaves them as they are
    (and a row breaking another constraint fails there again, with its own message).
    """
    try:
        _freeze(con, batch_id, batch_row, n, now, skip_existing=False)
    except duckdb.ConstraintException:
        _freeze(con, batch_id, batch_row, n, now, skip_existing=True)


def _freeze(con: Cursor, batch_id: str, batch_row: list[Any], n: int, now: datetime, *,
            skip_existing: bool) -> None:
    """One transaction: the batch row, then every message row it does not have yet.

    A batch with no rows takes a plain INSERT, twice as fast on a million rows; one that has
    some (a repeat, a repair, or a race with another freeze) takes ON CONFLICT DO NOTHING.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            """INSERT INTO batches (id, created_at, body, selection, sender, mode, status,
                                    currency, recipients, segments, estimate_min, estimate_max,
                                    price_list_id, send_at, name)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            batch_row)
        stored = con.execute("SELECT count(*) FROM messages WHERE batch_id = ?",
                             [batch_id]).fetchall()[0][0]
        if stored == 0 and not skip_existing:
            con.execute(_INSERT_ROWS, [batch_id, now])
        elif stored < n:
            con.execute(_INSERT_ROWS + " ON CONFLICT DO NOTHING", [batch_id, now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _selection_dict(selection: Any) -> dict[str, Any]:
    if selection is None:
        return {}
    fields = ("everyone", "categories", "contact_ids")
    return {name: _plain(getattr(selection, name)) for name in fields if hasattr(selection, name)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _arrow_rows(recipients: pd.DataFrame, send_at: datetime | None = None) -> pa.Table:
    """The quote's recipients as Arrow with exact DECIMAL(18, 6) prices, for one bulk INSERT."""
    n = len(recipients)
    if "send_at" not in recipients:
        recipients = recipients.assign(send_at=pd.Series([send_at] * n, dtype="datetime64[us]",
                                                         index=recipients.index))
    money = pa.decimal128(18, 6)
    types = {"phone": pa.string(), "contact_id": pa.int64(), "country": pa.string(),
             "category": pa.string(), "body": pa.string(), "encoding": pa.string(),
             "segments": pa.int32(), "cost_min": money, "cost_max": money,
             "send_at": pa.timestamp("us")}
    columns = {"seq": pa.array(range(1, n + 1), type=pa.int64())}
    for name, kind in types.items():
        if name not in recipients:
            columns[name] = pa.nulls(n, kind)
            continue
        try:
            columns[name] = pa.array(recipients[name], from_pandas=True).cast(kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ValueError(f"quote column {name!r} cannot be stored as {kind}: {exc}") from exc
    return pa.table(columns)


# -- claiming and recording --------------------------------------------------------------------

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


def claim(cur: Cursor, batch_id: str, token: str, *, after_seq: int, limit: int,
          now: datetime | None = None) -> list[Claim]:
    """Claim up to `limit` queued rows with seq > after_seq, in seq order.

    The UPDATE only touches rows still `queued`, and RETURNING lists exactly the rows this
    statement changed, so a row claimed by anyone else is never returned here.
    """
    return settle_and_claim(cur, batch_id, token, [], after_seq=after_seq, limit=limit, now=now)


def _claim(cur: Cursor, batch_id: str, token: str, after_seq: int, limit: int,
           now: datetime, due_by: datetime | None = None) -> list[Claim]:
    due = "" if due_by is None else "AND (send_at IS NULL OR send_at <= ?)"
    rows = cur.execute(
        f"""UPDATE messages SET state = 'claimed', claim_token = ?, claimed_at = ?, updated_at = ?
           WHERE batch_id = ? AND state = 'queued' AND seq IN (
               SELECT seq FROM messages WHERE batch_id = ? AND state = 'queued' AND seq > ?
               {due} ORDER BY seq LIMIT ?)
           RETURNING seq, phone, body, segments, send_at""",
        [token, now, now, batch_id, batch_id, after_seq,
         *([due_by] if due_by is not None else []), limit]).fetchall()
    return sorted((Claim(int(s), p, b, int(n), at) for s, p, b, n, at in rows),
                  key=lambda c: c.seq)


def settle_and_claim(cur: Cursor, batch_id: str, token: str, settlements: Sequence[Settlement],
                     *, after_seq: int, limit: int, now: datetime | None = None,
                     due_by: datetime | None = None) -> list[Claim]:
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
            claims = (_claim(cur, batch_id, token, after_seq, limit, now, due_by)
                      if limit > 0 else [])
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
        return cls(phone, SENT, attempts, sid=result.sid, twilio_status=result.status,
                   price=result.price, price_unit=result.price_unit)


def settle(cur: Cursor, batch_id: str, token: str, settlements: Sequence[Settlement],
           now: datetime | None = None) -> None:
    """Write how claims ended, all in one statement.

    Only the claim's holder may settle it: the token check makes a late or repeated settlement
    a no-op rather than an overwrite.
    """
    if settlements:
        with_retry(lambda: _settle(cur, batch_id, token, settlements, now or utcnow()))


def _settle(cur: Cursor, batch_id: str, token: str, settlements: Sequence[Settlement],
            now: datetime) -> None:
    if not settlements:
        return
    values = ", ".join("(?, ?, ?, ?, ?, ?::DECIMAL(18, 6), ?, ?::INTEGER, ?)" for _ in settlements)
    params: list[Any] = []
    for s in settlements:
        params += [s.phone, s.state, s.attempts, s.sid, s.twilio_status, s.price, s.price_unit,
                   s.error_code, s.error_message]
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
        [now, now, *params, batch_id, token])


def mark_sent(cur: Cursor, batch_id: str, token: str, phone: str, result: MessageResult,
              attempts: int, now: datetime | None = None) -> None:
    """Settle one claim as sent."""
    settle(cur, batch_id, token, [Settlement.sent(phone, result, attempts)], now)


def mark_failed(cur: Cursor, batch_id: str, token: str, phone: str, *, code: int | None,
                message: str, attempts: int, now: datetime | None = None) -> None:
    """Twilio refused this recipient for good (21211, 21610, ...): never retried."""
    settle(cur, batch_id, token,
           [Settlement(phone, FAILED, attempts, error_code=code, error_message=message)], now)


def release(cur: Cursor, batch_id: str, token: str, phone: str, *, message: str | None,
            attempts: int, now: datetime | None = None) -> None:
    """Give a claim back unsent (throttled, out of balance, stopped): Twilio never took it."""
    settle(cur, batch_id, token, [Settlement(phone, QUEUED, attempts, error_message=message)],
           now)


def expire_claims(cur: Cursor, batch_id: str, live_tokens: Iterable[str],
                  now: datetime | None = None) -> int:
    """Turn claims held by runs that are gone (a killed process, a crashed thread) into unknown.

    DuckDB lets one process at a time open a file for writing, so a claim whose token is not a
    live run of this process cannot be in flight any more: it either reached Twilio or not.
    """
    now = now or utcnow()
    live = sorted(live_tokens) or [""]
    placeholders = ", ".join("?" for _ in live)
    rows = with_retry(lambda: cur.execute(
        f"""UPDATE messages SET state = 'unknown', claim_token = NULL, updated_at = ?,
                   error_message = 'claimed by a run that ended before the answer was recorded'
            WHERE batch_id = ? AND state = 'claimed'
              AND coalesce(claim_token, '') NOT IN ({placeholders})
            RETURNING phone""", [now, batch_id, *live]).fetchall())
    return len(rows)


def skip_suppressed(cur: Cursor, batch_id: str, now: datetime | None = None) -> int:
    """Fail queued rows whose number was suppressed after the batch was frozen (a STOP since)."""
    now = now or utcnow()
    rows = with_retry(lambda: cur.execute(
        """UPDATE messages SET state = 'failed', error_code = NULL, updated_at = ?,
                   error_message = 'suppressed: ' || s.reason
           FROM suppressions s
           WHERE messages.batch_id = ? AND messages.state = 'queued' AND messages.phone = s.phone
           RETURNING messages.phone""", [now, batch_id]).fetchall())
    return len(rows)


def suppress(cur: Cursor, phone: str, reason: str, source: str) -> None:
    """Add a number to the suppression list; an existing entry keeps its first reason."""
    with_retry(lambda: cur.execute(
        "INSERT OR IGNORE INTO suppressions (phone, reason, source) VALUES (?, ?, ?)",
        [phone, reason, source]))


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
        [batch_id, claimed_before]).fetchall()
    return [UnknownRow(phone, body, claimed) for phone, body, claimed in rows]


def note_unknown(cur: Cursor, batch_id: str, phone: str, reason: str,
                 now: datetime | None = None) -> None:
    """Keep a row unknown, saying why reconcile could not settle it."""
    now = now or utcnow()
    with_retry(lambda: cur.execute(
        """UPDATE messages SET error_message = ?, updated_at = ?
           WHERE batch_id = ? AND phone = ? AND state = 'unknown'""",
        [reason, now, batch_id, phone]))


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

    def notice(self, batch_id: str, now: datetime) -> str | None:
        """What the operator should do about them, in one sentence (the CLI's wording)."""
        parts = []
        if self.pending:
            command = f"`python -m smscore reconcile {batch_id}`"
            head = f"outcome unknown for {_messages(self.pending)}"
            wait = self.seconds_left(now)
            parts.append(f"{head}; they can be looked up in Twilio now: run {command}" if not wait
                         else f"{head}; they can be looked up in Twilio from "
                              f"{self.ready_at:%H:%M:%S} UTC (in {math.ceil(wait)} s): "
                              f"run {command} then")
        if self.undecided:
            parts.append(f"{_messages(self.undecided)} could not be told apart from other "
                         "messages in Twilio: check them in the Twilio Console "
                         f"(`python -m smscore log {batch_id} --state unknown` lists them)")
        return "; ".join(parts) or None


def _messages(n: int) -> str:
    return f"{n} message{'s' if n != 1 else ''}"


def unknown_wait(cur: Cursor, batch_id: str) -> UnknownWait:
    """How many rows are unknown and when `reconcile` may settle all of them."""
    n, undecided, youngest = cur.execute(
        """SELECT count(*), count(*) FILTER (WHERE starts_with(error_message, ?)),
                  max(coalesce(claimed_at, updated_at))
                      FILTER (WHERE NOT coalesce(starts_with(error_message, ?), false))
           FROM messages WHERE batch_id = ? AND state = 'unknown'""",
        [UNDECIDED_PREFIX, UNDECIDED_PREFIX, batch_id]).fetchone()
    return UnknownWait(int(n), None if youngest is None else youngest + RECONCILE_SETTLE,
                       int(undecided))


def settle_unknown(cur: Cursor, batch_id: str, phone: str, found: MessageResult | None,
                   now: datetime | None = None) -> None:
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
        params = [found.sid, found.status, found.price, found.price_unit,
                  naive_utc(found.date_created), now, now, batch_id, phone]
    with_retry(lambda: cur.execute(sql, params))


def known_sids(cur: Cursor, sids: Sequence[str]) -> set[str]:
    """Which of these sids some ledger row already owns (so a lookup cannot adopt them twice)."""
    if not sids:
        return set()
    placeholders = ", ".join("?" for _ in sids)
    rows = cur.execute(f"SELECT sid FROM messages WHERE sid IN ({placeholders})",
                       list(sids)).fetchall()
    return {sid for (sid,) in rows}


def record_status(cur: Cursor, batch_id: str, phone: str, result: MessageResult,
                  now: datetime | None = None) -> None:
    """Store a later fetch: delivery status, async error code, actual price and segments."""
    now = now or utcnow()
    with_retry(lambda: cur.execute(
        """UPDATE messages SET twilio_status = ?, error_code = coalesce(?, error_code),
                  error_message = coalesce(?, error_message),
                  actual_price = coalesce(?, actual_price), price_unit = coalesce(?, price_unit),
                  segments = coalesce(?, segments), updated_at = ?
           WHERE batch_id = ? AND phone = ? AND sid = ?""",
        [result.status, result.error_code, result.error_message, result.price,
         result.price_unit, result.num_segments, now, batch_id, phone, result.sid]))


# -- batch status --------------------------------------------------------------------------------

def set_status(cur: Cursor, batch_id: str, status: str, reason: str | Problem | None = None,
               now: datetime | None = None) -> None:
    """Record where a batch stands and, when it is not simply running or done, why: a Problem
    is stored as its English text with its code and parameters beside it (smscore.problems)."""
    now = now or utcnow()
    finished = now if status in (DONE, NEEDS_RECONCILE, "cancelled") else None
    text, code, params = _reason_columns(reason)
    with_retry(lambda: cur.execute(
        """UPDATE batches SET status = ?, status_reason = ?, status_code = ?, status_params = ?,
                  started_at = CASE WHEN ? = 'sending' THEN coalesce(started_at, ?)
                                    ELSE started_at END,
                  finished_at = ?
           WHERE id = ?""", [status, text, code, params, status, now, finished, batch_id]))


def _reason_columns(reason: str | Problem | None) -> tuple[str | None, str | None, str | None]:
    """(status_reason, status_code, status_params) for a reason given as text or as a Problem."""
    if isinstance(reason, Problem):
        return reason.text, reason.code, reason.params_json()
    return reason, None, None


def counts(cur: Cursor, batch_id: str) -> dict[str, int]:
    """Rows per ledger state, every state present (0 when empty)."""
    rows = cur.execute("SELECT state, count(*) FROM messages WHERE batch_id = ? GROUP BY state",
                       [batch_id]).fetchall()
    found = {state: int(n) for state, n in rows}
    return {state: found.get(state, 0) for state in STATES}


def next_held(cur: Cursor, batch_id: str) -> tuple[int, datetime | None]:
    """Queued rows waiting for their send time (sending hours), and the earliest such time."""
    n, first = cur.execute("""SELECT count(*), min(send_at) FROM messages
                              WHERE batch_id = ? AND state = 'queued' AND send_at IS NOT NULL""",
                           [batch_id]).fetchone()
    return int(n), first


def remaining_max(cur: Cursor, batch_id: str) -> Money:
    """The most the rows not yet sent can still cost (queued, claimed and unknown rows)."""
    amount, currency = cur.execute(
        """SELECT coalesce(sum(m.price_max), 0), any_value(b.currency)
           FROM batches b LEFT JOIN messages m
             ON m.batch_id = b.id AND m.state IN ('queued', 'claimed', 'unknown')
           WHERE b.id = ?""", [batch_id]).fetchone()
    if currency is None:
        raise KeyError(f"no batch {batch_id!r} in the ledger")
    return Money(Decimal(amount), currency)


NAME_MAX = 80


def clean_name(name: str | None) -> str | None:
    """A batch name on one line, at most NAME_MAX characters; None when blank."""
    text = " ".join((name or "").split())[:NAME_MAX].strip()
    return text or None


def batch_info(cur: Cursor, batch_id: str) -> dict[str, Any]:
    """The batch row as a dict; KeyError naming the id when there is none."""
    row = cur.execute("SELECT * FROM batches WHERE id = ?", [batch_id]).fetchone()
    if row is None:
        raise KeyError(f"no batch {batch_id!r} in the ledger")
    names = [d[0] for d in cur.description]
    return dict(zip(names, row))


class DamagedBatch(ValueError):
    """A batch whose message rows do not add up to its recipients: never sent, never `done`."""


def damage(cur: Cursor, batch_id: str, today: date | None = None) -> str | None:
    """Why the batch is damaged, as one sentence saying what to do; None when it is whole."""
    info = batch_info(cur, batch_id)
    rows = cur.execute("SELECT count(*) FROM messages WHERE batch_id = ?",
                       [batch_id]).fetchall()[0][0]
    return damage_reason(batch_id, info["recipients"], rows, info["created_at"].date(),
                         today or utcnow().date())


def damage_reason(batch_id: str, recipients: int, rows: int, frozen_on: date,
                  today: date) -> str | None:
    """The damaged-batch sentence from the counts alone (reports compute them in bulk)."""
    if rows == recipients:
        return None
    what = (f"batch {batch_id} is damaged: it has {rows} of its {recipients} message rows "
            "(it was interrupted while being frozen), so it cannot be sent or resumed")
    if frozen_on == today:
        return (f"{what}; send the same message to the same recipients again today "
                "(console Send page or `python -m smscore send`) to repair and send it")
    return (f"{what}; it was frozen on {frozen_on.isoformat()}, so send the message again as a "
            "new batch (recipients it has no row for were sent nothing)")


# -- progress and reports ------------------------------------------------------------------------

RATE_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Progress:
    """What the console and the CLI show while a batch sends, read from the ledger alone."""

    batch_id: str
    status: str
    reason: str | None
    total: int
    queued: int
    claimed: int
    sent: int
    failed: int
    unknown: int
    segments_sent: int
    segments_left: int
    cost_so_far: Money  # actual price where Twilio has reported it, else the estimate's max
    estimate_max: Money
    segments_per_second: float  # over the last minute of sending
    eta_seconds: float | None  # None until a rate is known
    problem: Problem | None = None  # `reason` as a code with parameters (None for older rows)

    @property
    def done(self) -> bool:
        return self.queued == 0 and self.claimed == 0

    @property
    def accounted(self) -> int:
        return self.queued + self.claimed + self.sent + self.failed + self.unknown


def batch_progress(con: Cursor, batch_id: str, now: datetime | None = None) -> Progress:
    """The batch's progress as one consistent read (safe to poll from the console)."""
    now = now or utcnow()
    cur = con.cursor()
    info = batch_info(cur, batch_id)
    by_state = counts(cur, batch_id)
    window_start = max(now - RATE_WINDOW, info["started_at"] or now)
    sent_segments, left_segments, cost, recent = cur.execute(
        """SELECT coalesce(sum(segments) FILTER (WHERE state = 'sent'), 0),
                  coalesce(sum(segments) FILTER (WHERE state IN ('queued', 'claimed')), 0),
                  coalesce(sum(coalesce(actual_price, price_max)) FILTER (
                      WHERE state = 'sent' AND twilio_status IS DISTINCT FROM 'canceled'), 0),
                  coalesce(sum(segments) FILTER (WHERE state = 'sent' AND sent_at >= ?), 0)
           FROM messages WHERE batch_id = ?""", [window_start, batch_id]).fetchone()
    elapsed = (now - window_start).total_seconds()
    rate = float(recent) / elapsed if elapsed > 0 else 0.0
    eta = (0.0 if not left_segments else float(left_segments) / rate if rate > 0 else None)
    currency = info["currency"]
    status, reason = info["status"], info["status_reason"]
    problem = (Problem.from_stored(info["status_code"], info["status_params"])
               or recognise(reason))  # a row stored before codes: read back from its text
    broken = damage_reason(batch_id, info["recipients"], sum(by_state.values()),
                           info["created_at"].date(), now.date())
    if broken:
        status, reason, problem = DAMAGED, broken, None
    return Progress(
        batch_id=batch_id, status=status, reason=reason,
        total=sum(by_state.values()), queued=by_state[QUEUED], claimed=by_state[CLAIMED],
        sent=by_state[SENT], failed=by_state[FAILED], unknown=by_state[UNKNOWN],
        segments_sent=int(sent_segments), segments_left=int(left_segments),
        cost_so_far=Money(Decimal(cost), currency),
        estimate_max=Money(Decimal(info["estimate_max"]), currency),
        segments_per_second=rate, eta_seconds=eta, problem=problem)
