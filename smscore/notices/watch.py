"""The balance watch: read the balance, claim the notice it calls for, send what is due.

One check is three short units of work around two slow parts that hold no unit: the balance is
read from Twilio (the sandbox borrows its own unit), then one unit claims the notice and writes
its deliveries (smscore.notices.state), then each delivery is sent outside any unit (SMTP, a
webhook, an SMS) and its outcome recorded with an audit row. The console's watch thread and
`smscore balance --notify` run this same function; whichever claims first tells the crossing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import duckdb

from smscore.access.audit import Actor, record
from smscore.clock import utcnow
from smscore.money import Money
from smscore.notices import channels, state
from smscore.notices.mail import SmtpConfig
from smscore.notices.message import Facts, NextBatch, notice_language, word
from smscore.notices.options import (
    WEBHOOK_SECRET_ENV,
    NoticeOptions,
    email_recipients,
    load_options,
    shown_url,
)
from smscore.store import lender
from smscore.store.settings import Settings, load_settings
from smscore.store.writes import write
from smscore.twilio import usage
from smscore.twilio.gateway import Gateway, GatewayError
from smscore.twilio.sandbox import SANDBOX_SENDER
from smscore.twilio.webhooks import WebhookConfigError, public_url

USAGE_ACTOR = Actor("twilio:usage-trigger", "console")


@dataclass(frozen=True)
class Outcome:
    """One delivery's outcome: None when sent, else why not."""

    channel: str
    target: str
    error: str | None


@dataclass
class CheckResult:
    """What one check saw and did (the CLI prints it; tests read it)."""

    balance: Money | None = None
    threshold: Decimal | None = None
    notice: str | None = None  # 'low', 'reminder' or None: nothing new to tell
    notice_id: int | None = None
    problem: str | None = None  # the balance could not be read
    outcomes: list[Outcome] = field(default_factory=list)
    spend_alerts: list[int] = field(default_factory=list)  # sandbox usage triggers fired now


@dataclass(frozen=True)
class Wiring:
    """What a check needs from outside the workspace: the environment, mail and the sender."""

    config: Mapping[str, str]  # environment (overlaid with secrets in the console)
    smtp: SmtpConfig | None
    sender: str | None  # the SMS notice's sender: Settings' sender, else the gateway's
    smtp_problem: str | None = None  # SMTP is set but cannot be used: each e-mail fails saying why

    @classmethod
    def from_config(
        cls, config: Mapping[str, str], smtp_secrets: Mapping[str, object] | None, sender: str | None
    ) -> Wiring:
        try:
            return cls(dict(config), SmtpConfig.from_sources(config, smtp_secrets), sender)
        except ValueError as exc:
            return cls(dict(config), None, sender, f"the e-mail settings cannot be used: {exc}")


def check(
    source: object,
    gateway: Gateway | None,
    wiring: Wiring,
    *,
    by: str,
    actor: Actor,
    now: Callable[[], datetime] = utcnow,
) -> CheckResult:
    """Read the balance, claim and write the notice it calls for, then send every delivery due.

    `source` is a store.Workspace (borrowed per unit) or a connection. Never raises for a
    Twilio or channel failure: the result and the workspace say what happened.
    """
    units = lender(source)
    result = CheckResult()
    with units() as con:
        settings = load_settings(con)
    result.threshold = settings.low_balance_threshold
    balance: Money | None = None
    try:
        if gateway is None:
            raise GatewayError("Twilio is not configured correctly", sent=False)
        balance = gateway.balance()
        if balance is None:
            result.problem = "the account has no balance of its own (a subaccount); nothing to watch"
    except GatewayError as exc:
        result.problem = f"the balance could not be read: {exc}"
    except Exception as exc:  # noqa: BLE001 - a network or SDK failure is a problem to show, not a crash
        result.problem = f"the balance could not be read: {type(exc).__name__}"
    result.balance = balance
    read_at = now()  # the claim compares it with other checks' readings
    with units() as con:
        if result.problem is not None or balance is None:
            state.record_problem(con, result.problem or "no balance", by, read_at)
        else:
            kind, notice_id = _claim(con, balance, wiring, gateway, by, actor, read_at)
            result.notice, result.notice_id = kind, notice_id
    if getattr(gateway, "mode", None) == "sandbox":
        with units() as con:
            result.spend_alerts = fire_sandbox(con, wiring, now=now())
    result.outcomes = deliver_due(source, gateway, wiring, actor=actor, now=now)
    return result


def _claim(
    con: duckdb.DuckDBPyConnection,
    balance: Money,
    wiring: Wiring,
    gateway: Gateway | None,
    by: str,
    actor: Actor,
    at: datetime,
) -> tuple[str | None, int | None]:
    def unit(c: duckdb.DuckDBPyConnection) -> tuple[str | None, int | None]:
        settings, options = load_settings(c), load_options(c)  # as they are now, in this unit
        reminder = timedelta(hours=options.reminder_hours) if options.reminder_hours else None
        kind, before = state.claim(
            c, balance, settings.low_balance_threshold, by=by, reminder=reminder, now=at
        )
        if kind is None:
            return None, None
        since = before.notified_at if kind == state.REMINDER else None
        facts = Facts(
            kind,
            balance,
            settings.low_balance_threshold,
            next_batch(c, at),
            topup_url(wiring.config),
            getattr(gateway, "mode", "sandbox"),
            settings.time_zone,
            since=since,
        )
        notice_id = create_notice(c, facts, settings, options, wiring, at)
        record(
            c,
            actor,
            f"notice.{kind}",
            str(notice_id),
            {"balance": str(balance), "targets": _count(c, notice_id)},
        )
        return kind, notice_id

    return write(con, unit)


def _count(con: duckdb.DuckDBPyConnection, notice_id: int) -> int:
    return int(
        con.execute("SELECT count(*) FROM notice_deliveries WHERE notice_id = ?", [notice_id]).fetchall()[0][
            0
        ]
    )


def create_notice(
    con: duckdb.DuckDBPyConnection,
    facts: Facts,
    settings: Settings,
    options: NoticeOptions,
    wiring: Wiring,
    at: datetime,
) -> int:
    """The notice in the workspace's language with a pending delivery per channel and recipient."""
    lang = notice_language(settings.language, settings.default_country)
    wording = word(facts, lang)
    targets: list[tuple[str, str]] = []
    if options.email and (wiring.smtp is not None or wiring.smtp_problem):  # unset SMTP: no e-mail
        targets += [(channels.EMAIL, address) for address in email_recipients(con, options, wiring.config)]
    if options.sms:
        targets += [(channels.SMS, number) for number in options.sms_list()]
    if options.webhook and options.webhook_url:
        targets.append((channels.WEBHOOK, options.webhook_url))
    body = {"email": wording.body, "sms": wording.sms}
    return state.add_notice(
        con,
        facts.kind,
        lang,
        wording.subject,
        body["email"],
        {**facts.as_json(), "sms": body["sms"]},
        targets,
        at,
    )


def deliver_due(
    source: object,
    gateway: Gateway | None,
    wiring: Wiring,
    *,
    actor: Actor,
    now: Callable[[], datetime] = utcnow,
) -> list[Outcome]:
    """Send every delivery still due (new ones and retries of failed ones), each claimed first."""
    units = lender(source)
    with units() as con:
        due = state.claim_deliveries(con, now())
    outcomes = []
    for delivery in due:
        error = _send(delivery, gateway, wiring)
        outcomes.append(Outcome(delivery.channel, _shown_target(delivery), error))
        with units() as con:

            def settle(
                c: duckdb.DuckDBPyConnection, delivery: state.Delivery = delivery, error: str | None = error
            ) -> None:
                if state.settle(c, delivery, error, now()):
                    detail = {"channel": delivery.channel, "to": _shown_target(delivery)}
                    if error:
                        detail["error"] = error
                    record(
                        c, actor, "notice.failed" if error else "notice.sent", str(delivery.notice_id), detail
                    )

            write(con, settle)
    return outcomes


def _shown_target(delivery: state.Delivery) -> str:
    return shown_url(delivery.target) if delivery.channel == channels.WEBHOOK else delivery.target


def _send(delivery: state.Delivery, gateway: Gateway | None, wiring: Wiring) -> str | None:
    try:
        if delivery.channel == channels.EMAIL:
            if wiring.smtp is None and wiring.smtp_problem:
                return wiring.smtp_problem
            return channels.email(wiring.smtp, delivery.target, delivery.subject, delivery.body)
        if delivery.channel == channels.SMS:
            return channels.sms(
                gateway, wiring.sender, delivery.target, delivery.facts.get("sms") or delivery.subject
            )
        if delivery.channel == channels.WEBHOOK:
            facts = {k: v for k, v in delivery.facts.items() if k != "sms"}
            payload = channels.webhook_payload(delivery.kind, delivery.subject, delivery.body, facts)
            return channels.post_webhook(delivery.target, wiring.config.get(WEBHOOK_SECRET_ENV), payload)
    except Exception as exc:  # noqa: BLE001 - a channel never stops the others; recorded, retried
        return f"{delivery.channel} failed: {type(exc).__name__}"
    return f"unknown channel {delivery.channel!r}"


def topup_url(config: Mapping[str, str]) -> str | None:
    """The console's top-up guide as the operator reaches it, when SMSCONSOLE_PUBLIC_URL is set."""
    try:
        base = public_url(config)
    except WebhookConfigError:
        return None
    return None if base is None else base + "/topup"


def next_batch(con: duckdb.DuckDBPyConnection, now: datetime) -> NextBatch | None:
    """The next batch scheduled to go out (at Twilio's scheduler, or held by the sender) and the
    most its messages still to go may cost."""
    rows = con.execute(
        """SELECT m.batch_id, any_value(b.name), min(m.send_at), sum(m.price_max), any_value(b.currency)
           FROM messages m JOIN batches b ON b.id = m.batch_id
           WHERE m.send_at > ? AND b.status NOT IN ('cancelled', 'rejected')
             AND ((m.state = 'sent' AND m.twilio_status = 'scheduled') OR m.state IN ('queued', 'claimed'))
           GROUP BY m.batch_id ORDER BY min(m.send_at), m.batch_id LIMIT 1""",
        [now],
    ).fetchall()
    if not rows:
        return None
    batch_id, name, send_at, cost, currency = rows[0]
    return NextBatch(batch_id, name, send_at, Money(cost, currency))


def sender_for(gateway: object, setting: str) -> str | None:
    """Who the SMS notice comes from: Settings' sender, else the live account's TWILIO_FROM /
    Messaging Service, else the sandbox's test number."""
    if setting:
        return setting
    if getattr(gateway, "mode", None) == "live":
        return getattr(getattr(gateway, "credentials", None), "sender", None)
    return SANDBOX_SENDER


def usage_notice(
    con: duckdb.DuckDBPyConnection,
    recurring: str,
    spend: Money,
    limit: Money,
    wiring: Wiring,
    now: datetime,
    *,
    mode: str,
) -> int:
    """A spend alert: the period's spend reached its limit (Twilio's trigger, or the sandbox's)."""
    settings, options = load_settings(con), load_options(con)
    facts = Facts(
        "usage",
        state.read_watch(con).balance,
        settings.low_balance_threshold,
        next_batch(con, now),
        topup_url(wiring.config),
        mode,
        settings.time_zone,
        spend=spend,
        limit=limit,
        period=recurring if recurring in usage.RECURRINGS else "daily",
    )
    return create_notice(con, facts, settings, options, wiring, now)


def fire_sandbox(con: duckdb.DuckDBPyConnection, wiring: Wiring, *, now: datetime | None = None) -> list[int]:
    """The sandbox's triggers that its own spend reached, each as one notice (the sandbox
    simulates Twilio's Usage Triggers)."""
    now = now or utcnow()

    def unit(c: duckdb.DuckDBPyConnection) -> list[int]:
        made = []
        for trigger, spent in usage.sandbox_due(c, now):
            notice_id = usage_notice(c, trigger.recurring, spent, trigger.value, wiring, now, mode="sandbox")
            record(
                c, USAGE_ACTOR, "notice.usage", str(notice_id), {"trigger": trigger.sid, "spend": str(spent)}
            )
            made.append(notice_id)
        return made

    return write(con, unit)
