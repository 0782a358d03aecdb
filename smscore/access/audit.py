"""The audit trail: who did what and when, appended and never changed.

A console that spends money on behalf of a team must answer "who sent this, who let them, who
changed the settings" after the fact. This module only ever INSERTs into the `audit` table and
offers no update or delete, so the trail is append-only by construction. A detail that looks
like a secret (password, hash, token) is refused rather than stored, so a careless caller cannot
leak one into the trail, its page or its CSV.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from smscore.clock import utcnow
from smscore.store import query_df

VIAS = ("console", "cli", "oidc", "local")
_SECRET_WORDS = ("password", "hash", "token", "secret", "cookie")


@dataclass(frozen=True)
class Actor:
    """Who acts: an e-mail (console, oidc), 'local' (local mode) or 'cli:<os user>'."""

    name: str
    via: str

    @classmethod
    def cli(cls) -> Actor:
        """The CLI acts as the local OS user (it holds the database file), with admin rights."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (containers)
            user = "unknown"
        return cls(f"cli:{user}", "cli")


def record(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    action: str,
    target: str | None = None,
    detail: Mapping[str, object] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """Append one row to the trail; refuse a detail key that names a secret."""
    if actor.via not in VIAS:
        raise ValueError(f"audit via must be one of {', '.join(VIAS)}; got {actor.via!r}")
    for key in detail or {}:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"the audit trail never stores secrets; got a detail named {key!r}")
    con.execute(
        "INSERT INTO audit (occurred_at, actor, via, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [
            at or utcnow(),
            actor.name,
            actor.via,
            action,
            target,
            json.dumps(dict(detail), default=str, ensure_ascii=False) if detail else None,
        ],
    )


def trail(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 1000,
) -> pd.DataFrame:
    """The newest rows first, filtered by actor, action (prefix) and time range."""
    where, params = ["true"], []
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if action:
        where.append("starts_with(action, ?)")
        params.append(action)
    if since:
        where.append("occurred_at >= ?")
        params.append(since)
    if until:
        where.append("occurred_at < ?")
        params.append(until)
    params.append(int(limit))
    return query_df(
        con,
        f"""
        SELECT id, occurred_at AS at, actor, via, action, coalesce(target, '') AS target,
               coalesce(CAST(detail AS VARCHAR), '') AS detail
        FROM audit WHERE {" AND ".join(where)} ORDER BY id DESC LIMIT ?""",
        params,
    )


def actions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every action name present, for a filter."""
    return [r[0] for r in con.execute("SELECT DISTINCT action FROM audit ORDER BY 1").fetchall()]


def actors(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every actor present, for a filter."""
    return [r[0] for r in con.execute("SELECT DISTINCT actor FROM audit ORDER BY 1").fetchall()]


def confirm_batch(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    batch_id: str,
    recipients: int,
    maximum: object,
    currency: str,
) -> None:
    """Attribute a batch to whoever confirmed it (first confirmation wins) and record it."""
    con.execute(
        "UPDATE batches SET confirmed_by = ? WHERE id = ? AND confirmed_by IS NULL", [actor.name, batch_id]
    )
    record(
        con,
        actor,
        "batch.confirm",
        batch_id,
        {"recipients": recipients, "maximum_cost": str(maximum), "currency": currency},
    )
