"""Batches in the send ledger: the batch id, freezing a quote into rows, and the batch's status.

The ledger's foundation (see `ledger`): the states a row moves through, the statuses of a
batch, the cursor type and the retrying write every ledger write goes through. Its own module
because claims, reconcile and progress all build on it, and `ledger` names them all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import duckdb
import pandas as pd
import pyarrow as pa

from smscore import crashpoints, numbertypes
from smscore.clock import utcnow
from smscore.money import Money
from smscore.problems import Problem
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

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


def batch_key(body: str, phones: Iterable[str], day: date, send_at: datetime | None = None) -> str:
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


def freeze_batch(
    con: Cursor,
    quote: Any,
    *,
    sender: str,
    mode: str,
    now: datetime | None = None,
    send_at: datetime | None = None,
    name: str | None = None,
) -> str:
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
    batch_row = [
        batch_id,
        now,
        quote.body,
        json.dumps(_selection_dict(quote.selection)),
        sender,
        mode,
        FROZEN,
        quote.currency.upper(),
        len(recipients),
        int(recipients["segments"].sum()),
        quote.total_min,
        quote.total_max,
        quote.price_list_id,
        send_at,
        clean_name(name),
    ]
    rows = _arrow_rows(recipients, send_at)
    con.register("_frozen_rows", rows)
    con.register("_frozen_left_out", _left_out_rows(quote))
    try:
        with_retry(lambda: _freeze_or_yield(con, batch_id, batch_row, len(recipients), now))
    finally:
        con.unregister("_frozen_rows")
        con.unregister("_frozen_left_out")
    return batch_id


_NO_SMS_BY_REASON = {reason: kind for kind, reason in numbertypes.NO_SMS_REASONS.items()}


def _left_out_rows(quote: Any) -> pa.Table:
    """The quote's excluded contacts whose number cannot receive SMS, kept with the batch so
    its send log says who was not sent to and why (the other exclusions are the quote's own:
    an opt-out, a missing field)."""
    excluded = getattr(quote, "excluded", None)
    if excluded is None or not len(excluded):
        excluded = pd.DataFrame(columns=["contact_id", "phone", "country", "reason"])
    kept = excluded[excluded["reason"].astype(str).isin(list(_NO_SMS_BY_REASON))]
    return pa.table(
        {
            "contact_id": pa.array(kept["contact_id"].tolist(), pa.int64()),
            "phone": pa.array(kept["phone"].astype(str).tolist(), pa.string()),
            "country": pa.array(kept["country"].tolist(), pa.string()),
            "number_type": pa.array([_NO_SMS_BY_REASON[r] for r in kept["reason"].astype(str)], pa.string()),
            "reason": pa.array(kept["reason"].astype(str).tolist(), pa.string()),
        }
    )


_INSERT_ROWS = """INSERT INTO messages (batch_id, seq, phone, contact_id, country, category, body,
                                        encoding, segments, price_min, price_max, state,
                                        updated_at, send_at)
                  SELECT ?, seq, phone, contact_id, country, category, body, encoding, segments,
                         cost_min, cost_max, 'queued', ?, send_at
                  FROM _frozen_rows"""


def _freeze_or_yield(con: Cursor, batch_id: str, batch_row: list[Any], n: int, now: datetime) -> None:
    """Freeze; when a concurrent freeze of the same batch inserted its rows first, skip them.

    The fast plain INSERT then hits their keys; the ON CONFLICT path leaves them as they are
    (and a row breaking another constraint fails there again, with its own message).
    """
    try:
        _freeze(con, batch_id, batch_row, n, now, skip_existing=False)
    except duckdb.ConstraintException:
        _freeze(con, batch_id, batch_row, n, now, skip_existing=True)


def _freeze(
    con: Cursor, batch_id: str, batch_row: list[Any], n: int, now: datetime, *, skip_existing: bool
) -> None:
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
            batch_row,
        )
        con.execute(
            """INSERT INTO batch_left_out (batch_id, contact_id, phone, country, number_type, reason)
               SELECT ?, contact_id, phone, country, number_type, reason FROM _frozen_left_out
               WHERE NOT EXISTS (SELECT 1 FROM batch_left_out WHERE batch_id = ?)""",
            [batch_id, batch_id],
        )
        stored = con.execute("SELECT count(*) FROM messages WHERE batch_id = ?", [batch_id]).fetchall()[0][0]
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
        recipients = recipients.assign(
            send_at=pd.Series([send_at] * n, dtype="datetime64[us]", index=recipients.index)
        )
    money = pa.decimal128(18, 6)
    types = {
        "phone": pa.string(),
        "contact_id": pa.int64(),
        "country": pa.string(),
        "category": pa.string(),
        "body": pa.string(),
        "encoding": pa.string(),
        "segments": pa.int32(),
        "cost_min": money,
        "cost_max": money,
        "send_at": pa.timestamp("us"),
    }
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


# -- batch status --------------------------------------------------------------------------------


def set_status(
    cur: Cursor, batch_id: str, status: str, reason: str | Problem | None = None, now: datetime | None = None
) -> None:
    """Record where a batch stands and, when it is not simply running or done, why: a Problem
    is stored as its English text with its code and parameters beside it (smscore.problems)."""
    now = now or utcnow()
    finished = now if status in (DONE, NEEDS_RECONCILE, "cancelled") else None
    text, code, params = _reason_columns(reason)
    with_retry(
        lambda: cur.execute(
            """UPDATE batches SET status = ?, status_reason = ?, status_code = ?, status_params = ?,
                  started_at = CASE WHEN ? = 'sending' THEN coalesce(started_at, ?)
                                    ELSE started_at END,
                  finished_at = ?
           WHERE id = ?""",
            [status, text, code, params, status, now, finished, batch_id],
        )
    )


def _reason_columns(reason: str | Problem | None) -> tuple[str | None, str | None, str | None]:
    """(status_reason, status_code, status_params) for a reason given as text or as a Problem."""
    if isinstance(reason, Problem):
        return reason.text, reason.code, reason.params_json()
    return reason, None, None


def counts(cur: Cursor, batch_id: str) -> dict[str, int]:
    """Rows per ledger state, every state present (0 when empty)."""
    rows = cur.execute(
        "SELECT state, count(*) FROM messages WHERE batch_id = ? GROUP BY state", [batch_id]
    ).fetchall()
    found = {state: int(n) for state, n in rows}
    return {state: found.get(state, 0) for state in STATES}


def next_held(cur: Cursor, batch_id: str) -> tuple[int, datetime | None]:
    """Queued rows waiting for their send time (sending hours), and the earliest such time."""
    n, first = cur.execute(
        """SELECT count(*), min(send_at) FROM messages
                              WHERE batch_id = ? AND state = 'queued' AND send_at IS NOT NULL""",
        [batch_id],
    ).fetchone()
    return int(n), first


def remaining_max(cur: Cursor, batch_id: str) -> Money:
    """The most the rows not yet sent can still cost (queued, claimed and unknown rows)."""
    amount, currency = cur.execute(
        """SELECT coalesce(sum(m.price_max), 0), any_value(b.currency)
           FROM batches b LEFT JOIN messages m
             ON m.batch_id = b.id AND m.state IN ('queued', 'claimed', 'unknown')
           WHERE b.id = ?""",
        [batch_id],
    ).fetchone()
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
    rows = cur.execute("SELECT count(*) FROM messages WHERE batch_id = ?", [batch_id]).fetchall()[0][0]
    return damage_reason(
        batch_id, info["recipients"], rows, info["created_at"].date(), today or utcnow().date()
    )


def damage_reason(batch_id: str, recipients: int, rows: int, frozen_on: date, today: date) -> str | None:
    """The damaged-batch sentence from the counts alone (reports compute them in bulk)."""
    if rows == recipients:
        return None
    what = (
        f"batch {batch_id} is damaged: it has {rows} of its {recipients} message rows "
        "(it was interrupted while being frozen), so it cannot be sent or resumed"
    )
    if frozen_on == today:
        return (
            f"{what}; send the same message to the same recipients again today "
            "(console Send page or `python -m smscore send`) to repair and send it"
        )
    return (
        f"{what}; it was frozen on {frozen_on.isoformat()}, so send the message again as a "
        "new batch (recipients it has no row for were sent nothing)"
    )
