"""The sending commands: `send` a batch and `send-again` to the recipients of a batch whose
failure was transient; each priced, checked against the balance and the spending limits, and
confirmed by the person named with --as."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC
from typing import TYPE_CHECKING

import duckdb

from smscore import store
from smscore.cli.acting import acting, configure_as
from smscore.cli.common import (
    CliError,
    Commands,
    configure_batch_id,
    find_batch,
    gateway_for,
    open_gateway,
)
from smscore.cli.cost import configure_quote, print_quote, quote_from_args
from smscore.cli.running import configure_pacing, send_batch
from smscore.cost.quote import Quote
from smscore.cost.segments import check_body
from smscore.money import format_money

if TYPE_CHECKING:
    from smscore.access.audit import Actor

COMMANDS = Commands()
command = COMMANDS.command


# --- send -------------------------------------------------------------------------------------


def _configure_send(p: argparse.ArgumentParser) -> None:
    configure_quote(p)
    p.add_argument(
        "--from",
        dest="sender",
        metavar="SENDER",
        help="phone number or Messaging Service SID (default: TWILIO_FROM / "
        "TWILIO_MESSAGING_SERVICE_SID, or the sandbox's number)",
    )
    p.add_argument("--yes", action="store_true", help="send without asking to confirm")
    _configure_confirmer(p)
    p.add_argument(
        "--send-at",
        metavar="TIME",
        help="schedule with Twilio's scheduler for this time (ISO 8601, e.g. "
        "2026-12-24T09:00-03:00; UTC if no offset): needs a Messaging Service "
        "sender, 5 minutes to 35 days ahead",
    )
    p.add_argument(
        "--hours",
        metavar="HH:MM-HH:MM",
        help="sending hours in each recipient's local time, e.g. 09:00-20:00: "
        "the others wait for their next opening",
    )
    p.add_argument(
        "--days",
        default="mon-sun",
        metavar="DAYS",
        help="days of the sending hours, e.g. mon-fri (default: every day)",
    )
    configure_pacing(p)


def _configure_confirmer(p: argparse.ArgumentParser) -> None:
    configure_as(
        p,
        "the account confirming the batch, an operator or admin (required once the "
        "workspace has accounts): its password is asked for on a terminal, or read "
        "as the first line of stdin",
    )


@command("send", "price, confirm and send a batch (resumes it if already started today)", _configure_send)
def run_send(args: argparse.Namespace, ws: store.Workspace) -> int:
    check_body(args.body)  # before a password or Twilio is asked: the body is wrong whatever
    actor = _confirmer(ws, args, "send --body TEXT")
    with ws.unit() as con:
        priced = _price(args, con, actor)
    if isinstance(priced, int):
        return priced
    quote, sender, mode = priced
    return _confirm_and_send(ws, quote, sender, mode, args, actor)


def _confirmer(ws: store.Workspace, args: argparse.Namespace, example: str) -> Actor:
    """Who confirms the batch: the per-day limits and the two-person rule count that person."""
    return acting(ws, args.acting_as, "who confirms the batch", example, _sign_in_to_send)


def _sign_in_to_send(con: duckdb.DuckDBPyConnection, email: str, password: str) -> Actor:
    from smscore.access import accounts

    try:
        return accounts.sign_in_to(
            con, email, password, "send", action="batch.confirm", doing="send a batch"
        ).actor
    except accounts.Refused as exc:
        raise accounts.Refused(f"{exc}; nothing was sent") from None


def _price(
    args: argparse.Namespace, con: duckdb.DuckDBPyConnection, actor: Actor
) -> tuple[Quote, str, str] | int:
    """The quote, sender and mode to send with, or the exit code when nothing is to be sent."""
    gateway, default_sender = open_gateway(con)
    sender = args.sender or default_sender
    if not sender:
        raise CliError("no sender: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, or pass --from")
    account = gateway.account()
    verified = None
    if account.is_trial:
        from smscore.twilio.balance import TRIAL_PREFIX

        verified = gateway.verified_numbers()
        print(
            f"trial account: Twilio adds {TRIAL_PREFIX.strip()!r} to every message (counted) "
            f"and sends only to its {len(verified)} verified number(s)"
        )
        args.trial = True
    quote = quote_from_args(args, con, only_to=verified)
    if args.send_at:
        args.send_at = _send_time(args.send_at, sender)
    if args.hours:
        quote = _with_hours(quote, args.hours, args.days, sender)
    refused = _gate(quote, gateway, con, actor)
    return refused if refused is not None else (quote, sender, gateway.mode)


def _with_hours(quote: Quote, hours: str, days: str, sender: str) -> Quote:
    """The quote timed by sending hours, saying how many go now and when the rest go."""
    from smscore.clock import utcnow
    from smscore.sending.sendhours import parse_window, with_hours

    window = parse_window(hours, days)
    timed, result = with_hours(quote, window, utcnow())
    how = "scheduled at Twilio" if sender.startswith("MG") else "held by the sender"
    print(
        f"sending hours {window.describe()} (each recipient's local time): "
        f"{result.now} now"
        + "".join(f"; {n} at {at:%Y-%m-%d %H:%M} UTC" for at, n in result.later())
        + f" ({how})"
    )
    return timed


def _send_time(text: str, sender: str):  # noqa: ANN202 - naive UTC datetime
    """The --send-at time, checked against Twilio's scheduling rules."""
    from datetime import datetime

    from smscore.sending.schedule import check

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(
            f"--send-at takes an ISO 8601 time like 2026-12-24T09:00-03:00; got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return check(moment, sender)


def _gate(quote: Quote, gateway: object, con: duckdb.DuckDBPyConnection, actor: Actor) -> int | None:
    """Show the quote, the balance and the spending limits; refuse what cannot go: too long,
    nobody, or a short balance (a limit refuses at the confirmation, where it is recorded)."""
    from smscore.access import approvals
    from smscore.money import Money
    from smscore.twilio.balance import check_balance

    print_quote(quote)
    if refusal := quote.length_check().refusal():
        raise CliError(refusal)
    if quote.n_recipients == 0:
        raise CliError("nobody to send to: the selection has no sendable contacts")
    maximum = Money(quote.total_max, quote.currency)
    check = check_balance(gateway, maximum)
    print(f"balance ({gateway.mode}): {check.message}")
    print(f"spending limits ({actor.name}): {limits_text(approvals.verdict(con, actor.name, maximum))}")
    if not check.ok:
        print(f"error: sending refused: {check.message}", file=sys.stderr)
        return 1
    return None


def limits_text(verdict: object) -> str:
    """An approvals.Verdict in one line: the limits, today's total, and what they make of it."""
    limits, cur = verdict.limits, verdict.limits.currency
    parts = []
    if limits.per_batch is not None:
        parts.append(f"per batch {format_money(limits.per_batch, cur)}")
    if limits.per_day is not None:
        parts.append(
            f"per day {format_money(limits.per_day, cur)} "
            f"({format_money(verdict.spent_today, cur)} confirmed today, "
            f"{format_money(verdict.with_batch, cur)} with this batch)"
        )
    if limits.approval_over is not None:
        parts.append(f"approval needed over {format_money(limits.approval_over, cur)}")
    said = "; ".join(parts) if parts else "none set"
    if verdict.refusal is not None:
        return f"{said}; refused: {verdict.refusal.text}"
    if verdict.needs_approval:
        return f"{said}; needs approval: once confirmed, it waits until another admin approves it"
    return f"{said}; within them" if parts else said


def _confirm_and_send(
    ws: store.Workspace, quote: Quote, sender: str, mode: str, args: argparse.Namespace, actor: Actor
) -> int:
    """Confirm (outside any unit of work), freeze, hold for approval if needed, and send."""
    from smscore.access import accounts, approvals, audit
    from smscore.batchid import short_id
    from smscore.money import Money
    from smscore.sending import ledger

    send_at = getattr(args, "send_at", None)
    when = f" at {send_at:%Y-%m-%d %H:%M} UTC (Twilio charges when it sends)" if send_at else ""
    maximum = Money(quote.total_max, quote.currency)
    named = {"batch": ledger.quote_key(quote, send_at), "recipients": quote.n_recipients}
    with ws.unit() as con:  # a batch over a limit is refused (and recorded) before asking
        approvals.check_limits(con, actor, maximum, **named)
    # Asked outside any unit of work: the console must not wait on the operator's answer.
    if not args.yes and input(
        f"send {quote.n_recipients} messages from {sender}{when}? [y/N] "
    ).strip().lower() not in ("y", "yes"):
        print("not sent")
        return 1
    with ws.unit() as con:  # again at the action: another batch may have been confirmed since
        approvals.check_limits(con, actor, maximum, **named)
        batch_id = ledger.freeze_batch(con, quote, sender=sender, mode=mode, send_at=send_at)
        audit.confirm_batch(con, actor, batch_id, quote.n_recipients, quote.total_max, quote.currency)
        held = approvals.hold_if_needed(con, batch_id, maximum)
        as_hint = " --as EMAIL" if accounts.any_accounts(con) else ""
    print(f"batch {batch_id} (confirmed by {actor.name})" + (f", scheduled{when}" if when else ""))
    if held:
        print(
            f"awaiting approval: the maximum cost {maximum} is over the approval threshold; "
            f"another admin approves it on the console or with `python -m smscore approve "
            f"{short_id(batch_id)}{as_hint}`"
        )
        return 0
    return send_batch(ws, gateway_for(ws), batch_id, args)


# --- send-again -------------------------------------------------------------------------------


def _configure_send_again(p: argparse.ArgumentParser) -> None:
    configure_batch_id(p)
    p.add_argument(
        "--from",
        dest="sender",
        metavar="SENDER",
        help="phone number or Messaging Service SID (default: the first batch's)",
    )
    p.add_argument("--yes", action="store_true", help="send without asking to confirm")
    _configure_confirmer(p)
    configure_pacing(p)


@command(
    "send-again",
    "a new batch to the recipients of a batch whose failure was transient "
    "(never opt-outs or permanent failures), priced and confirmed",
    _configure_send_again,
)
def run_send_again(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.sending import ledger, resend

    with ws.unit() as con:  # a wrong id or nothing to send again costs no password
        batch_id = find_batch(con, args.batch)
        plan = resend.plan(con, batch_id)
        if plan.left_out:
            print(f"left out: {resend.describe_left_out(plan.left_out)}")
        quote = resend.quote(con, plan)
    actor = _confirmer(ws, args, f"send-again {args.batch}")
    with ws.unit() as con:
        gateway, default_sender = open_gateway(con)
        sender = args.sender or ledger.batch_info(con, batch_id)["sender"] or default_sender
        refused = _gate(quote, gateway, con, actor)
        mode = gateway.mode
    if refused is not None:
        return refused
    return _confirm_and_send(ws, quote, sender, mode, args, actor)
