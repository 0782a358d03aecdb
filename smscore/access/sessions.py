"""Console sign-in sessions that last across reloads and tabs, and end on the server.

A Streamlit session lives as long as one browser tab's websocket: a reload, a second tab or a
typed URL starts a new one. So a signed-in person is remembered by a random token the browser
keeps in an HttpOnly cookie (set by the console's own server, ui/shell/session_routes.py) and sends
with every new session. The token is 256 random bits; the table keeps only its SHA-256, so a
copy of the workspace file signs nobody in. A session ends at sign-out, after the idle limit or
the absolute limit, and is revoked for every session of a person whose role changes, who is
disabled or whose password is reset: the next page run finds it ended (OWASP ASVS V3).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from smscore.access import audit
from smscore.access.audit import Actor
from smscore.clock import utcnow
from smscore.store.writes import write

COOKIE = "smsconsole_session"
ABSOLUTE = timedelta(hours=12)  # a working day: then sign in again, however active
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most this often per session


@dataclass(frozen=True)
class Session:
    """A valid session: whose it is, how they signed in, and their role as of now."""

    email: str
    via: str
    role: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(con: duckdb.DuckDBPyConnection, email: str, via: str, now: datetime | None = None) -> str:
    """A new session for `email`; returns the token for the cookie (never stored as such)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    write(
        con,
        lambda c: c.execute(
            "INSERT INTO sessions (id, email, via, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
            [_digest(token), email, via, now, now],
        ),
    )
    return token


def resume(
    con: duckdb.DuckDBPyConnection, token: str | None, idle: timedelta, now: datetime | None = None
) -> Session | None:
    """The session a token names, if it is still valid; None otherwise (and it is ended)."""
    if not token:
        return None
    now = now or utcnow()
    rows = con.execute(
        "SELECT s.email, s.via, s.created_at, s.last_seen, s.ended_at, u.role, u.disabled "
        "FROM sessions s LEFT JOIN users u ON u.email = s.email WHERE s.id = ?",
        [_digest(token)],
    ).fetchall()
    if not rows:
        return None
    email, via, created, last_seen, ended, role, disabled = rows[0]
    if ended is not None:
        return None
    why = _expired(created, last_seen, now, idle) or ("disabled" if role is None or disabled else None)
    if why is not None:
        write(con, lambda c: _expire(c, token, email, via, why, now))
        return None
    if now - last_seen >= min(TOUCH_EVERY, idle / 4):
        write(
            con,
            lambda c: c.execute(
                "UPDATE sessions SET last_seen = ? WHERE id = ? AND ended_at IS NULL", [now, _digest(token)]
            ),
        )
    return Session(email, via, role)


def _expire(
    con: duckdb.DuckDBPyConnection, token: str, email: str, via: str, why: str, now: datetime
) -> None:
    """End a session found past its limits, and say so in the audit trail (once)."""
    if end(con, token, why, now) is not None:
        audit.record(con, Actor(email, via), f"sign-out.{why}", email, at=now)


def _expired(created: datetime, last_seen: datetime, now: datetime, idle: timedelta) -> str | None:
    if now - created > ABSOLUTE:
        return "expired"
    if now - last_seen > idle:
        return "idle"
    return None


def end(con: duckdb.DuckDBPyConnection, token: str, reason: str, now: datetime | None = None) -> str | None:
    """End one session (sign-out, idle); whose it was, or None when it had already ended."""
    rows = write(
        con,
        lambda c: c.execute(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL "
            "RETURNING email",
            [now or utcnow(), reason, _digest(token)],
        ).fetchall(),
    )
    return rows[0][0] if rows else None


def revoke_all(con: duckdb.DuckDBPyConnection, email: str, reason: str, now: datetime | None = None) -> int:
    """End every session of `email` (role change, disabled, password reset); how many ended."""
    rows = write(
        con,
        lambda c: c.execute(
            "UPDATE sessions SET ended_at = ?, end_reason = ? WHERE email = ? AND ended_at IS NULL "
            "RETURNING id",
            [now or utcnow(), reason, email],
        ).fetchall(),
    )
    return len(rows)


def set_language(con: duckdb.DuckDBPyConnection, token: str, lang: str | None) -> None:
    """Remember the language this session chose, so a reload or a second tab keeps it (None:
    forget it, and follow the workspace's again)."""
    write(
        con,
        lambda c: c.execute(
            "UPDATE sessions SET language = ? WHERE id = ? AND ended_at IS NULL", [lang, _digest(token)]
        ),
    )


def language_of(con: duckdb.DuckDBPyConnection, token: str) -> str | None:
    """The language this session chose, if it chose one (None: it follows the workspace)."""
    rows = con.execute(
        "SELECT language FROM sessions WHERE id = ? AND ended_at IS NULL", [_digest(token)]
    ).fetchall()
    return rows[0][0] if rows else None
