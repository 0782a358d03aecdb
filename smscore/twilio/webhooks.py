"""Twilio's webhooks as pure steps: verify, then apply once to the ledger and the opt-out list.

Twilio posts form-encoded requests to two routes of the console's own server (ui/webhook_routes
adapts them): message status callbacks and incoming messages. Each request is trusted only if
its X-Twilio-Signature is Twilio's HMAC of the public URL it called and its parameters, keyed
by the account's auth token, so the public base URL must be configured exactly as Twilio sees
it (scheme, host, port).

The signature covers the parameters and nothing else: not the I-Twilio-Idempotency-Token
header, not the time. So a signed request can be replayed at will, with any header, and the
only thing that tells one event from another is what Twilio signed. An event is recorded under
a key made of that alone (a status callback: MessageSid and MessageStatus; an incoming message:
its MessageSid), in the same unit of work that applies it, so a retry or a replay answers like
a repeat and changes nothing: a STOP replayed after the contact's START leaves them opted in.
Callbacks also arrive out of order, so a status only moves forward (`delivered` is never
overwritten by a late `sent`) and never off a failure (`read` cannot follow `failed`).

Incoming STOP-family keywords (Twilio's defaults, the Portuguese PARAR, SAIR and CANCELAR, and
any configured) put the sender on the opt-out list at once; START, YES, UNSTOP and VOLTAR take
it off (as Twilio itself re-subscribes them); HELP is recorded. Every reply is kept for the
inbox. A keyword is the whole message, trimmed, in any case, as Twilio matches them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import duckdb
import pandas as pd
from twilio.request_validator import RequestValidator

from smscore.clock import utcnow
from smscore.store import query_df
from smscore.store.writes import write
from smscore.twilio.live import cost_of, int_of

STATUS_PATH = "/twilio/status"
INBOUND_PATH = "/twilio/inbound"
PUBLIC_URL = "SMSCONSOLE_PUBLIC_URL"  # e.g. https://sms.example.com, as Twilio reaches it
KEYWORDS_SETTING = "SMSCONSOLE_OPT_OUT_KEYWORDS"  # extra STOP words, comma-separated

STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "PARAR", "SAIR", "CANCELAR"}
)
START_WORDS = frozenset({"START", "YES", "UNSTOP", "VOLTAR"})
HELP_WORDS = frozenset({"HELP", "INFO", "AJUDA"})
STOP, START, HELP = "stop", "start", "help"

# How far along a message is; a callback may only move it to a higher rank. Final states
# share a rank so a late `failed` cannot overwrite `delivered` (nor the other way round);
# `read` comes after `delivered` (WhatsApp, RCS), but a message that failed is never read:
# nothing moves it off a failure, whatever the rank of the newcomer.
_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "partially_delivered": 4,
    "read": 5,
}
_FAILURES = frozenset({"undelivered", "failed", "canceled"})

APPLIED, REPEAT, IGNORED = "applied", "repeat", "ignored"


class WebhookConfigError(ValueError):
    """The public URL setting cannot be used to verify Twilio's signatures."""


def public_url(cfg: Mapping[str, str]) -> str | None:
    """The configured public base URL without a trailing slash; None when not configured."""
    raw = (cfg.get(PUBLIC_URL) or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise WebhookConfigError(f"{PUBLIC_URL} must be a base URL like https://sms.example.com; got {raw!r}")
    return raw.rstrip("/")


def status_callback_url(cfg: Mapping[str, str]) -> str | None:
    """What the sender passes as StatusCallback on every create, when a public URL is set."""
    base = public_url(cfg)
    return None if base is None else base + STATUS_PATH


def extra_stop_words(cfg: Mapping[str, str]) -> frozenset[str]:
    return frozenset(w.strip().upper() for w in (cfg.get(KEYWORDS_SETTING) or "").split(",") if w.strip())


def verify(token: str | None, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    """True only for a request signed with `token` over exactly this URL and these params."""
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(url, dict(params), signature))


@dataclass(frozen=True)
class Result:
    """What a webhook did: applied, a repeat of one already applied, or ignored (and why)."""

    outcome: str
    detail: str = ""


def moves(old: str | None, new: str) -> bool:
    """Whether a callback saying `new` may replace `old`: forward only, never off a failure.

    A status we do not know (None, or one Twilio added since) gives way to any callback.
    """
    if old not in _RANK:
        return True
    return old not in _FAILURES and _RANK[old] < _RANK[new]


def _claim_event(con: duckdb.DuckDBPyConnection, key: str, kind: str, now: datetime) -> bool:
    """Record the event's key; False when it was recorded before (a repeat)."""
    rows = con.execute(
        """INSERT INTO webhook_events (key, kind, received_at) VALUES (?, ?, ?)
                          ON CONFLICT DO NOTHING RETURNING key""",
        [key, kind, now],
    ).fetchall()
    return bool(rows)


def _once(
    con: duckdb.DuckDBPyConnection,
    key: str,
    kind: str,
    apply: Callable[[duckdb.DuckDBPyConnection], Result],
    now: datetime,
) -> Result:
    """Apply an event in the unit of work that records it, so it is applied exactly once."""
    return write(con, lambda cur: apply(cur) if _claim_event(cur, key, kind, now) else Result(REPEAT))


def _sid(params: Mapping[str, str]) -> str:
    return params.get("MessageSid") or params.get("SmsSid") or ""


def status_key(sid: str, status: str) -> str:
    """A status callback's key, from what Twilio signed: the message and the status it reached.

    Twilio calls back once per status a message reaches, so the pair names the event. The
    ErrorCode is left out: it only describes that event, and a second signed callback for the
    same pair could not move the message anyway (a status never replaces its own rank).
    """
    return f"status:{sid}:{status}"


def inbound_key(sid: str) -> str:
    """An incoming message's key, from what Twilio signed: its MessageSid."""
    return f"inbound:{sid}"


def handle_status(
    con: duckdb.DuckDBPyConnection, params: Mapping[str, str], *, now: datetime | None = None
) -> Result:
    """A status callback: the message's status, error code and price, never moving back."""
    sid = _sid(params)
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    if not sid or status not in _RANK:
        return Result(IGNORED, f"no MessageSid or an unknown status {status!r}")
    code = int_of(params.get("ErrorCode"))
    price = cost_of(params.get("Price"))
    now = now or utcnow()
    return _once(
        con,
        status_key(sid, status),
        "status",
        lambda cur: _apply_status(cur, sid, status, code, price, params.get("PriceUnit"), now),
        now,
    )


def _apply_status(
    cur: duckdb.DuckDBPyConnection,
    sid: str,
    status: str,
    code: int | None,
    price: Decimal | None,
    unit: str | None,
    now: datetime,
) -> Result:
    standing = [old for old in _RANK if not moves(old, status)]  # what this status cannot replace
    moved = cur.execute(
        """UPDATE messages SET twilio_status = ?, error_code = coalesce(?, error_code),
                  updated_at = ?
           WHERE sid = ? AND (twilio_status IS NULL
                              OR NOT list_contains(?::VARCHAR[], twilio_status))
           RETURNING batch_id""",
        [status, code, now, sid, standing],
    ).fetchall()
    if price is not None:
        cur.execute(
            """UPDATE messages SET actual_price = ?, price_unit = coalesce(?, price_unit)
                       WHERE sid = ? AND actual_price IS NULL""",
            [price, unit, sid],
        )
    if moved:
        return Result(APPLIED, status)
    known = cur.execute("SELECT count(*) FROM messages WHERE sid = ?", [sid]).fetchone()[0]
    return Result(IGNORED, "already further along" if known else "not a message of ours")


def keyword_of(body: str, extra_stop: frozenset[str] = frozenset()) -> str | None:
    """stop, start, help or None, for a whole-message keyword in any case."""
    word = body.strip().strip(".!").strip().upper()
    if word in STOP_WORDS or word in extra_stop:
        return STOP
    if word in START_WORDS:
        return START
    return HELP if word in HELP_WORDS else None


def handle_inbound(
    con: duckdb.DuckDBPyConnection,
    params: Mapping[str, str],
    *,
    extra_stop: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> Result:
    """An incoming message: kept for the inbox; STOP opts the number out, START back in."""
    sid = _sid(params)
    sender = (params.get("From") or "").strip()
    if not sid or not sender:
        return Result(IGNORED, "no MessageSid or From")
    body = params.get("Body") or ""
    keyword = keyword_of(body, extra_stop)
    now = now or utcnow()

    def apply(cur: duckdb.DuckDBPyConnection) -> Result:
        cur.execute(
            """INSERT INTO inbound_messages (sid, from_number, to_number, body, keyword,
                                                      received_at)
                       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            [sid, sender, params.get("To"), body, keyword, now],
        )
        if keyword == STOP:
            cur.execute(
                """INSERT INTO suppressions (phone, reason, source) VALUES (?, ?, ?)
                           ON CONFLICT DO NOTHING""",
                [sender, f"replied {body.strip().upper()[:20]}", f"inbound {sid}"],
            )
        elif keyword == START:
            cur.execute("DELETE FROM suppressions WHERE phone = ?", [sender])
        return Result(APPLIED, keyword or "reply")

    return _once(con, inbound_key(sid), "inbound", apply, now)


def inbox(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """Replies, newest first, with the keyword Twilio's rules found in them."""
    return query_df(
        con,
        """SELECT received_at, from_number, body, keyword, to_number
                            FROM inbound_messages ORDER BY received_at DESC, sid LIMIT ?""",
        [int(limit)],
    )
