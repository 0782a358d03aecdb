"""Cost reports from the send ledger: per batch, country, category and day, estimate vs actual.

Every report is a DataFrame with exact Decimal amounts and a currency column, so the console,
the CLI and a notebook show the same figures. "Estimate" is what the quote priced for the
messages that went out (the maximum of the range, the figure the gate used); "actual" is what
Twilio charged, once it has filled the price in (it can take hours), so `priced` says how many
messages already have an actual price.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

from smscore.batchid import short_id
from smscore.clock import utcnow
from smscore.sending.ledger import DAMAGED, RECONCILE_SETTLE, UNDECIDED_PREFIX, UnknownWait, damage_reason
from smscore.sending.outcome import judge
from smscore.store import query_df
from smscore.store.settings import load_settings

GROUPINGS = ("batch", "country", "category", "day", "operator")

_SENT = "m.state = 'sent'"
_MEASURES = f"""
    count(*) AS messages,
    count(*) FILTER (WHERE {_SENT}) AS sent,
    count(*) FILTER (WHERE m.state = 'failed') AS failed,
    count(*) FILTER (WHERE m.state = 'unknown') AS unknown,
    count(*) FILTER (WHERE m.state IN ('queued', 'claimed')) AS pending,
    coalesce(sum(m.segments) FILTER (WHERE {_SENT}), 0)::BIGINT AS segments,
    coalesce(sum(m.price_min) FILTER (WHERE {_SENT}), 0)::DECIMAL(18, 6) AS estimate_min,
    coalesce(sum(m.price_max) FILTER (WHERE {_SENT}), 0)::DECIMAL(18, 6) AS estimate_max,
    count(m.actual_price) AS priced,
    coalesce(sum(m.actual_price), 0)::DECIMAL(18, 6) AS actual,
    any_value(b.currency) AS currency
"""

_KEYS = {
    "batch": (
        "b.id AS batch_id, any_value(b.created_at) AS created_at, any_value(b.mode) AS mode, "
        f"CASE WHEN count(*) <> any_value(b.recipients) THEN '{DAMAGED}' "
        "ELSE any_value(b.status) END AS status, any_value(b.body) AS body",
        "b.id",
        "created_at DESC",
    ),
    "country": ("coalesce(m.country, '?') AS country", "1", "estimate_max DESC, country"),
    "category": ("coalesce(m.category, '(none)') AS category", "1", "estimate_max DESC, category"),
    # the operator's day, not UTC's: a message at 01:30 UTC went out the evening before in São Paulo
    "day": (
        "CAST(timezone($zone, timezone('UTC', coalesce(m.sent_at, b.created_at))) AS DATE) AS day",
        "1",
        "day",
    ),
    # who confirmed the batch (smscore.access.audit.confirm_batch); batches from before schema 4 have none
    "operator": ("coalesce(b.confirmed_by, '(unknown)') AS operator", "1", "estimate_max DESC, operator"),
}


def cost_report(
    con: duckdb.DuckDBPyConnection, by: str = "batch", batch_id: str | None = None, zone: str | None = None
) -> pd.DataFrame:
    """Messages and money grouped `by` batch, country, category or day, optionally one batch.

    `variance` is actual minus estimate over the messages Twilio has already priced. Days are
    those of `zone` (default: the workspace's time zone, as every surface shows times).
    """
    _check_grouping(by)
    where, params = ("WHERE b.id = $batch", {"batch": batch_id}) if batch_id else ("", {})
    frame = _grouped(con, by, where, params, zone)
    if batch_id and frame.empty and not _batch_exists(con, batch_id):
        raise LookupError(f"no batch with id {batch_id!r}")
    return _with_outcome(con, frame, batch_id) if by == "batch" else frame


def cost_of_batches(con: duckdb.DuckDBPyConnection, by: str, batch_ids: Sequence[str]) -> pd.DataFrame:
    """`cost_report(by)` for each of `batch_ids`, stacked with a batch_id column.

    No batch gives no rows but every column, typed as ever (Decimal money): a new workspace's
    report is read, summed and charted by the same code as any other.
    """
    _check_grouping(by)
    if len(batch_ids) == 0:  # a Series of ids has no truth value
        empty = _grouped(con, by, "WHERE false", {})
        empty = _with_outcome(con, empty, None) if by == "batch" else empty
        return empty.assign(batch_id=pd.Series(dtype=str))
    frames = [cost_report(con, by, b).assign(batch_id=b) for b in batch_ids]
    return pd.concat(frames, ignore_index=True)


def _check_grouping(by: str) -> None:
    if by not in _KEYS:
        raise ValueError(f"report by one of {', '.join(GROUPINGS)}; got {by!r}")


def _grouped(
    con: duckdb.DuckDBPyConnection, by: str, where: str, params: dict[str, object], zone: str | None = None
) -> pd.DataFrame:
    """The ledger's messages under `where`, grouped `by`: the measures and the variance."""
    keys, group, order = _KEYS[by]
    if "$zone" in keys:
        params = {**params, "zone": zone or load_settings(con).time_zone}
    return query_df(
        con,
        f"""
        SELECT {keys}, {_MEASURES},
               (coalesce(sum(m.actual_price), 0)
                - coalesce(sum(m.price_max) FILTER (WHERE m.actual_price IS NOT NULL), 0)
               )::DECIMAL(18, 6) AS variance
        FROM messages m JOIN batches b ON b.id = m.batch_id
        {where}
        GROUP BY {group} ORDER BY {order}""",
        params,
    )


def _with_outcome(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, batch_id: str | None) -> pd.DataFrame:
    """The one word and the short id the other surfaces show, for the CSV too."""
    outcomes = (
        batches(con, batch_id=batch_id).set_index("batch_id")["outcome"]
        if len(frame)
        else pd.Series(dtype=str)
    )
    frame.insert(1, "short_id", frame["batch_id"].map(short_id))
    frame.insert(list(frame.columns).index("status") + 1, "outcome", frame["batch_id"].map(outcomes))
    return frame


def batches(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None, *, batch_id: str | None = None
) -> pd.DataFrame:
    """Every batch (or the one `batch_id`) with its quoted range, counts by state and what it
    cost so far, newest first.

    `pending` counts messages still to send (queued or claimed); `unknown` those whose outcome
    Twilio must be asked about (reconcile), which it can be from `reconcile_from` on, except the
    `undecided` ones it could not tell apart from other messages; `priced`
    those whose actual price is in; `undelivered` those Twilio accepted and later reported failed
    or undelivered; `outcome` what the operator got (smscore.sending.outcome), the word every surface
    shows; `short_id` the id as people see it (smscore.batchid). A batch whose rows do not add
    up to its recipients shows status `damaged` with what to do in `status_reason`, whatever its
    stored status says.
    """
    where, params = ("WHERE b.id = ?", [batch_id]) if batch_id else ("", [])
    frame = query_df(
        con,
        f"""
        SELECT b.id AS batch_id, b.name, b.created_at, b.mode, b.status, b.status_reason, b.recipients,
               b.segments, b.estimate_min, b.estimate_max, b.currency,
               count(m.batch_id) AS rows,
               count(*) FILTER (WHERE m.state = 'sent') AS sent,
               count(*) FILTER (WHERE m.state = 'failed') AS failed,
               count(*) FILTER (WHERE m.state = 'unknown') AS unknown,
               count(*) FILTER (WHERE m.state IN ('queued', 'claimed')) AS pending,
               count(*) FILTER (WHERE m.state = 'sent'
                                    AND m.twilio_status IN ('failed', 'undelivered', 'canceled'))
                   AS undelivered,
               count(*) FILTER (WHERE m.state = 'sent' AND m.twilio_status = 'scheduled')
                   AS scheduled,
               count(*) FILTER (WHERE m.state = 'unknown'
                                    AND starts_with(m.error_message, ?)) AS undecided,
               max(coalesce(m.claimed_at, m.updated_at)) FILTER (
                   WHERE m.state = 'unknown'
                     AND NOT coalesce(starts_with(m.error_message, ?), false))
                   AS unknown_claimed_at,
               coalesce(sum(m.actual_price), 0)::DECIMAL(18, 6) AS actual,
               count(m.actual_price) AS priced
        FROM batches b LEFT JOIN messages m ON m.batch_id = b.id {where}
        GROUP BY ALL ORDER BY b.created_at DESC, b.id""",
        [UNDECIDED_PREFIX] * 2 + params,
    )
    today = (now or utcnow()).date()
    for i, r in enumerate(frame.itertuples()):
        broken = damage_reason(r.batch_id, int(r.recipients), int(r.rows), r.created_at.date(), today)
        if broken:
            frame.loc[frame.index[i], ["status", "status_reason"]] = [DAMAGED, broken]
    frame["reconcile_from"] = frame.pop("unknown_claimed_at") + RECONCILE_SETTLE
    frame["outcome"] = pd.Series(
        [
            judge(
                r.status,
                sent=int(r.sent),
                failed=int(r.failed),
                unknown=int(r.unknown),
                pending=int(r.pending),
                undelivered=int(r.undelivered),
                scheduled=int(r.scheduled),
            ).kind
            for r in frame.itertuples()
        ],
        index=frame.index,
        dtype=str,
    )
    frame.insert(1, "short_id", frame["batch_id"].map(short_id))
    return frame


def unknown_wait_of(row: object) -> UnknownWait | None:
    """The unknown outcomes of a row of `batches()`, for the what-to-do sentence; None without any."""
    if not row.unknown:
        return None
    ready = None if pd.isna(row.reconcile_from) else row.reconcile_from.to_pydatetime()
    return UnknownWait(int(row.unknown), ready, int(row.undecided))


def _batch_exists(con: duckdb.DuckDBPyConnection, batch_id: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM batches WHERE id = ?", [batch_id]).fetchone()[0])


LOG_STATES = ("queued", "claimed", "sent", "failed", "unknown", "left out")
# The send log's rows: the batch's messages, then the contacts it left out because their number
# cannot receive SMS (state 'left out', the reason in error_message; smscore.numbertypes).
_LOG_ROWS = """(SELECT batch_id, contact_id, phone, country, category, state, twilio_status,
                       error_code, error_message, segments, price_max, actual_price, attempts,
                       sid, sent_at
                FROM messages
                UNION ALL
                SELECT batch_id, contact_id, phone, country, NULL, 'left out', NULL, NULL, reason,
                       NULL, NULL, NULL, 0, NULL, NULL
                FROM batch_left_out)"""


def send_log(
    con: duckdb.DuckDBPyConnection,
    batch_id: str,
    *,
    state: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One batch's messages, failures first: Twilio's status, error code and price per number;
    then the contacts it left out (state 'left out', the reason in error_message).

    Returns a page of at most `limit` rows and the total, so a million-message batch is
    browsed without loading it whole.
    """
    if state is not None and state not in LOG_STATES:
        raise ValueError(f"state must be one of {', '.join(LOG_STATES)}; got {state!r}")
    if not _batch_exists(con, batch_id):
        raise LookupError(f"no batch with id {batch_id!r}")
    where, params = "WHERE m.batch_id = ?", [batch_id]
    if state:
        where += " AND m.state = ?"
        params.append(state)
    total = con.execute(f"SELECT count(*) FROM {_LOG_ROWS} m {where}", params).fetchall()[0][0]
    page = query_df(
        con,
        f"""
        SELECT c.name, m.phone, m.country, m.category, m.state, m.twilio_status, m.error_code,
               m.error_message, m.segments, m.price_max AS estimate, m.actual_price AS actual,
               b.currency, m.attempts, m.sid, m.sent_at
        FROM {_LOG_ROWS} m JOIN batches b ON b.id = m.batch_id
        LEFT JOIN contacts c ON c.id = m.contact_id {where}
        ORDER BY m.state = 'left out', m.state = 'sent', m.state, m.phone
        LIMIT ? OFFSET ?""",
        [*params, int(limit), int(offset)],
    )
    return page, int(total)


def last_confirmed(con: duckdb.DuckDBPyConnection, who: str, since: datetime) -> str | None:
    """The id of the newest batch `who` confirmed since `since` (naive UTC), if any: what the
    Send page tells them about after a reload, from the ledger rather than from the session."""
    rows = con.execute(
        "SELECT id FROM batches WHERE confirmed_by = ? AND created_at >= ? "
        "ORDER BY created_at DESC, id LIMIT 1",
        [who, since],
    ).fetchall()
    return rows[0][0] if rows else None
