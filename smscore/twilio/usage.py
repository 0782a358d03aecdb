"""Spend alerts as Twilio Usage Triggers: Twilio itself calls the console when the account's
total spend in a day or a month reaches a limit, whoever spent it (this console, the marketing
platform's own SMS app on the same account, anyone).

Each limit is one trigger (`UsageCategory=totalprice`, `TriggerBy=price`, `Recurring=daily` or
`monthly`, `CallbackUrl` = the console's /twilio/usage, POST), remembered in the workspace's
`usage_triggers` table by its period. Twilio does not let a trigger's value change, so a changed
limit is a new trigger and the old one is deleted; a limit set to nothing deletes it. In sandbox
mode the sandbox keeps the trigger itself and fires it from its own messages (`sandbox_due`), once
per day or month, as Twilio does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

from smscore.clock import utcnow
from smscore.money import Money
from smscore.store.writes import write
from smscore.twilio.gateway import GatewayError
from smscore.twilio.webhooks import public_url

USAGE_PATH = "/twilio/usage"
RECURRINGS = ("daily", "monthly")
NAME = "smsconsole {recurring} spend limit"
_NOT_FOUND = 20404


class UsageConfigError(ValueError):
    """A limit cannot be turned into a trigger (no public URL for Twilio to call)."""


@dataclass(frozen=True)
class Trigger:
    recurring: str
    sid: str
    mode: str
    value: Money
    callback_url: str | None
    fired_for: str | None = None


def callback_url(config: Mapping[str, str]) -> str | None:
    base = public_url(config)
    return None if base is None else base + USAGE_PATH


def stored(con: duckdb.DuckDBPyConnection) -> list[Trigger]:
    """The triggers the console made, by period (daily first)."""
    rows = con.execute(
        "SELECT recurring, sid, mode, trigger_value, currency, callback_url, fired_for FROM usage_triggers "
        "ORDER BY recurring"
    ).fetchall()
    return [Trigger(r[0], r[1], r[2], Money(r[3], r[4]), r[5], r[6]) for r in rows]


def apply_limits(
    units: object,
    gateway: object,
    limits: Mapping[str, Decimal],
    currency: str,
    callback: str | None,
) -> list[Trigger]:
    """Make Twilio's triggers (or the sandbox's) match the limits: create, replace, delete.

    `units` lends units of work (smscore.store.lender); the Twilio calls hold none. Raises
    UsageConfigError when a live trigger has no public URL to call, GatewayError when Twilio
    refuses; what was done before the failure stays recorded.
    """
    mode = getattr(gateway, "mode", "sandbox")
    for recurring in RECURRINGS:
        want = limits.get(recurring) or Decimal(0)
        with units() as con:  # type: ignore[operator]
            row = next((t for t in stored(con) if t.recurring == recurring), None)
        wanted_url = callback if mode == "live" else None
        if row is not None and want and row.mode == mode and row.value == Money(want, currency):
            if row.callback_url == wanted_url:
                continue
        if row is not None:
            if row.mode == "live" and mode == "live":
                _delete_live(gateway, row.sid)
            with units() as con:  # type: ignore[operator]
                write(con, _deleter(recurring))
        if not want:
            continue
        if mode == "live":
            if not wanted_url:
                raise UsageConfigError(
                    "a spend limit needs SMSCONSOLE_PUBLIC_URL: Twilio calls the console at its /twilio/usage"
                )
            record = gateway.create_usage_trigger(  # type: ignore[attr-defined]
                recurring, want, wanted_url, NAME.format(recurring=recurring)
            )
            sid = str(record.sid)
        else:
            sid = "UT" + uuid.uuid4().hex
        trigger = Trigger(recurring, sid, mode, Money(want, currency), wanted_url)
        with units() as con:  # type: ignore[operator]
            write(con, _inserter(trigger))
    with units() as con:  # type: ignore[operator]
        return stored(con)


def _deleter(recurring: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def delete(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("DELETE FROM usage_triggers WHERE recurring = ?", [recurring])

    return delete


def _inserter(t: Trigger) -> Callable[[duckdb.DuckDBPyConnection], None]:
    return lambda con: _insert(con, t)


def _insert(con: duckdb.DuckDBPyConnection, t: Trigger) -> None:
    con.execute(
        "INSERT INTO usage_triggers (recurring, sid, mode, trigger_value, currency, callback_url, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [t.recurring, t.sid, t.mode, t.value.amount, t.value.currency, t.callback_url, utcnow()],
    )


def _delete_live(gateway: object, sid: str) -> None:
    try:
        gateway.delete_usage_trigger(sid)  # type: ignore[attr-defined]
    except GatewayError as exc:
        if exc.code != _NOT_FOUND and exc.status != 404:  # already gone at Twilio: fine
            raise


def at_twilio(gateway: object) -> list[dict[str, str | None]]:
    """The triggers Twilio holds on total price, as Settings lists them (live mode)."""
    return [
        {
            "sid": r.sid,
            "recurring": r.recurring,
            "trigger_value": r.trigger_value,
            "current_value": r.current_value,
            "callback_url": r.callback_url,
            "friendly_name": r.friendly_name,
        }
        for r in gateway.usage_triggers()  # type: ignore[attr-defined]
    ]


def period_key(recurring: str, now: datetime) -> str:
    """The day or month a trigger fires for (UTC, as Twilio's usage records count)."""
    return now.strftime("%Y-%m-%d") if recurring == "daily" else now.strftime("%Y-%m")


def sandbox_due(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> list[tuple[Trigger, Money]]:
    """Fire the sandbox's triggers whose period's spend reached their value, once per period.

    Claimed in one unit by a conditional UPDATE of `fired_for`, so two checks never fire one
    trigger twice. Returns each trigger fired with the spend that fired it.
    """
    now = now or utcnow()

    def fire(c: duckdb.DuckDBPyConnection) -> list[tuple[Trigger, Money]]:
        fired = []
        for trigger in stored(c):
            if trigger.mode != "sandbox":
                continue
            key = period_key(trigger.recurring, now)
            start = now.strftime("%Y-%m-%d") if trigger.recurring == "daily" else now.strftime("%Y-%m-01")
            spent = c.execute(
                "SELECT coalesce(sum(price), 0) FROM sandbox_messages WHERE date_created >= CAST(? AS DATE) "
                "AND date_created <= ? AND price_unit = ? AND status NOT IN ('scheduled', 'canceled')",
                [start, now, trigger.value.currency],
            ).fetchall()[0][0]
            if Decimal(spent) < trigger.value.amount:
                continue
            won = c.execute(
                "UPDATE usage_triggers SET fired_for = ? WHERE recurring = ? AND fired_for IS DISTINCT FROM ? "
                "RETURNING sid",
                [key, trigger.recurring, key],
            ).fetchall()
            if won:
                fired.append((trigger, Money(Decimal(spent), trigger.value.currency)))
        return fired

    return write(con, fire)
