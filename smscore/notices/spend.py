"""Spend alerts: the admin's daily and monthly limits as Twilio Usage Triggers, and Twilio's
call to /twilio/usage (or the sandbox's own firing) as a notice on the same channels.

A callback is applied once: it is recorded under a key made of what Twilio signs (the trigger's
SID and the moment it fired), in the unit of work that writes the notice, so a retried or
replayed callback writes nothing new. The balance a spend alert quotes is the watch's last read:
the callback holds no network call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import duckdb

from smscore.access.audit import Actor, record
from smscore.clock import utcnow
from smscore.money import Money, to_decimal
from smscore.notices import state
from smscore.notices.options import load_options
from smscore.notices.watch import USAGE_ACTOR, Wiring, usage_notice
from smscore.store import lender
from smscore.store.writes import write
from smscore.twilio import usage
from smscore.twilio.webhooks import APPLIED, IGNORED, REPEAT, Result


def sync(source: object, gateway: object, config: Mapping[str, str], actor: Actor) -> list[usage.Trigger]:
    """Make the triggers match the saved limits, in the account's currency; audited."""
    units = lender(source)
    with units() as con:
        options = load_options(con)
    balance = gateway.balance()  # type: ignore[attr-defined]
    currency = balance.currency if balance is not None else "USD"
    limits = {"daily": options.daily_limit, "monthly": options.monthly_limit}
    triggers = usage.apply_limits(units, gateway, limits, currency, usage.callback_url(config))
    with units() as con:
        detail = {t.recurring: str(t.value) for t in triggers} or {"limits": "none"}
        write(con, lambda c: record(c, actor, "usage-triggers.sync", getattr(gateway, "mode", None), detail))
    return triggers


def handle_usage(
    con: duckdb.DuckDBPyConnection, params: Mapping[str, str], wiring: Wiring, *, now: datetime | None = None
) -> Result:
    """Twilio's Usage Trigger callback (signature already checked): one spend-alert notice."""
    sid = (params.get("UsageTriggerSid") or "").strip()
    recurring = (params.get("Recurring") or "").strip().lower()
    if not sid.startswith("UT") or params.get("UsageCategory", "totalprice") != "totalprice":
        return Result(IGNORED, "not a total-price usage trigger")
    now = now or utcnow()
    key = f"usage:{sid}:{params.get('DateFired') or params.get('IdempotencyToken') or ''}"

    def apply(c: duckdb.DuckDBPyConnection) -> Result:
        claimed = c.execute(
            "INSERT INTO webhook_events (key, kind, received_at) VALUES (?, 'usage', ?) "
            "ON CONFLICT DO NOTHING RETURNING key",
            [key, now],
        ).fetchall()
        if not claimed:
            return Result(REPEAT)
        row = c.execute("SELECT currency FROM usage_triggers WHERE sid = ?", [sid]).fetchall()
        currency = row[0][0] if row else (state.read_watch(c).balance or Money(Decimal(0), "USD")).currency
        spend = Money(to_decimal(params.get("CurrentValue") or "0"), currency)
        limit = Money(to_decimal(params.get("TriggerValue") or "0"), currency)
        notice_id = usage_notice(c, recurring, spend, limit, wiring, now, mode="live")
        record(c, USAGE_ACTOR, "notice.usage", str(notice_id), {"trigger": sid, "spend": str(spend)})
        return Result(APPLIED, f"notice {notice_id}")

    return write(con, apply)
