"""Keeping numbers and texts of sent messages no longer than needed (LGPD art. 15-16).

With the admin setting `retention_days` (0, the default, keeps everything), `purge` applies the
erasure's anonymisation (smscore.person.anonymise) to every ledger row, reply and sandbox copy
older than that many days: costs, segments, countries, states and dates stay, so reports do
not change; numbers and texts go. Only final rows are purged (a message still queued or in
doubt is left for the sender). `smscore purge` runs it, and the console once a day
(`purge_if_due`); each run is one audit row with its counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from smscore.access.audit import Actor, record
from smscore.clock import naive_utc, utcnow
from smscore.person import anonymise
from smscore.store import get_setting, set_setting
from smscore.store.lending import Workspace, lender
from smscore.store.settings import load_settings
from smscore.store.writes import write

Source = duckdb.DuckDBPyConnection | Workspace  # a connection, or a workspace lent per unit

LAST_RUN_KEY = "retention_last_purge"  # naive UTC ISO time of the last purge
EVERY = timedelta(days=1)
_FINAL = "m.state IN ('sent', 'failed')"


@dataclass(frozen=True)
class PurgeReport:
    """What a purge anonymised, and the moment before which it did."""

    days: int
    cutoff: datetime | None
    messages: int = 0
    replies: int = 0
    sandbox: int = 0


# Ledger rows anonymised per unit of work: rewriting the ledger's key costs about 50 µs a row
# (bench/bench_person.py), so a unit holds the workspace about a second and the console and the
# CLI get their turns while a first purge works through a large ledger.
CHUNK = 20_000
_OLDER = f"""{_FINAL} AND coalesce(m.sent_at, m.updated_at, m.claimed_at,
                 (SELECT b.created_at FROM batches b WHERE b.id = m.batch_id)) < ?"""


def purge(
    source: Source, actor: Actor, *, days: int | None = None, now: datetime | None = None
) -> PurgeReport:
    """Anonymise what is older than `days` (default: the workspace's setting; 0 does nothing).

    `source` is a connection or a Workspace (lent per unit, as the console's upkeep thread
    passes it); the ledger goes CHUNK rows a unit, then the rest and the audit row in one."""
    unit = lender(source)
    with unit() as con:
        days = load_settings(con).retention_days if days is None else days
    if days < 0:
        raise ValueError(f"days to keep must be 0 (keep everything) or more; got {days}")
    moment = naive_utc(now) or utcnow()
    if days == 0:
        return PurgeReport(0, None)
    cutoff = moment - timedelta(days=days)
    messages = 0
    while True:
        with unit() as con:
            rows, _ = write(con, lambda cur: anonymise.messages(cur, _OLDER, [cutoff], limit=CHUNK))
        messages += rows
        if rows < CHUNK:
            break
    done: list[PurgeReport] = []

    def finish(cur: duckdb.DuckDBPyConnection) -> None:
        replies = anonymise.replies(cur, "i.received_at < ?", [cutoff])
        sandbox = anonymise.sandbox_copies(
            cur, "s.date_created < ? AND s.status NOT IN ('queued', 'scheduled')", [cutoff]
        )
        anonymise.left_out(cur, "(SELECT b.created_at FROM batches b WHERE b.id = l.batch_id) < ?", [cutoff])
        report = PurgeReport(days, cutoff, messages, int(replies), int(sandbox))
        set_setting(cur, LAST_RUN_KEY, moment.isoformat(timespec="seconds"))
        record(
            cur,
            actor,
            "retention.purge",
            None,
            {
                "days": days,
                "before": cutoff.isoformat(timespec="seconds"),
                "messages": messages,
                "replies": report.replies,
                "sandbox": report.sandbox,
            },
        )
        done[:] = [report]

    with unit() as con:
        write(con, finish)
    return done[0]


def purge_if_due(source: Source, actor: Actor, *, now: datetime | None = None) -> PurgeReport | None:
    """The console's daily purge: runs when retention is on and the last run is a day old."""
    with lender(source)() as con:
        on = load_settings(con).retention_days > 0
        last = get_setting(con, LAST_RUN_KEY)
    moment = naive_utc(now) or utcnow()
    if not on or (last and moment - datetime.fromisoformat(last) < EVERY):
        return None
    return purge(source, actor, now=moment)
