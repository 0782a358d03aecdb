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
from smscore.cli.cost import configure_quote, length_refusal, print_quote, quote_from_args
from smscore.cli.running import configure_pacing, send_batch
from smscore.cli.words import N_, _, _n, code, console, count, language, money, said, said_problem, yes
from smscore.cost.quote import Quote
from smscore.cost.segments import check_body

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
        help=_(
            "phone number or Messaging Service SID (default: TWILIO_FROM / "
            "TWILIO_MESSAGING_SERVICE_SID, or the sandbox's number)"
        ),
    )
    p.add_argument("--yes", action="store_true", help=_("send without asking to confirm"))
    _configure_confirmer(p)
    p.add_argument(
        "--send-at",
        metavar="TIME",
        help=_(
            "schedule with Twilio's scheduler for this time (ISO 8601, e.g. "
            "2026-12-24T09:00-03:00; UTC if no offset): needs a Messaging Service "
            "sender, 5 minutes to 35 days ahead"
        ),
    )
    p.add_argument(
        "--hours",
        metavar="HH:MM-HH:MM",
        help=_(
            "sending hours in each recipient's local time, e.g. 09:00-20:00: "
            "the others wait for their next opening"
        ),
    )
    p.add_argument(
        "--days",
        default="mon-sun",
        metavar="DAYS",
        help=_("days of the sending hours, e.g. mon-fri (default: every day)"),
    )
    configure_pacing(p)


def _configure_confirmer(p: argparse.ArgumentParser) -> None:
    configure_as(
        p,
        N_(
            "the account confirming the batch, an operator or admin (required once the "
            "workspace has accounts): its password is asked for on a terminal, or read "
            "as the first line of stdin"
        ),
    )


@command("send", N_("price, confirm and send a batch (resumes it if already started today)"), _configure_send)
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
    return acting(ws, args.acting_as, _("who confirms the batch"), example, _sign_in_to_send)


def _sign_in_to_send(con: duckdb.DuckDBPyConnection, email: str, password: str) -> Actor:
    from smscore.access import accounts

    try:
        return accounts.sign_in_to(
            con, email, password, "send", action="batch.confirm", doing="send a batch"
        ).actor
    except accounts.Refused as exc:
        raise accounts.Refused(_("{refusal}; nothing was sent").format(refusal=said(exc))) from None


def _price(
    args: argparse.Namespace, con: duckdb.DuckDBPyConnection, actor: Actor
) -> tuple[Quote, str, str] | int:
    """The quote, sender and mode to send with, or the exit code when nothing is to be sent."""
    gateway, default_sender = open_gateway(con)
    sender = args.sender or default_sender
    if not sender:
        raise CliError(_("no sender: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID, or pass --from"))
    account = gateway.account()
    verified = None
    if account.is_trial:
        from smscore.twilio.balance import TRIAL_PREFIX

        verified = gateway.verified_numbers()
        print(
            _n(
                "trial account: Twilio adds {prefix} to every message (counted) and sends only to its"
                " {n} verified number",
                "trial account: Twilio adds {prefix} to every message (counted) and sends only to its"
                " {n} verified numbers",
                len(verified),
            ).format(prefix=repr(TRIAL_PREFIX.strip()), n=count(len(verified)))
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
    how = _("scheduled at Twilio") if sender.startswith("MG") else _("held by the sender")
    later = "".join(
        _("; {n} at {at} UTC").format(n=count(n), at=f"{at:%Y-%m-%d %H:%M}") for at, n in result.later()
    )
    print(
        _("sending hours {window} (each recipient's local time): {now} now{later} ({how})").format(
            window=window.describe(), now=count(result.now), later=later, how=how
        )
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
            _("--send-at takes an ISO 8601 time like 2026-12-24T09:00-03:00; got {text}").format(
                text=repr(text)
            )
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
    if refusal := length_refusal(quote):
        raise CliError(refusal)
    if quote.n_recipients == 0:
        raise CliError(_("nobody to send to: the selection has no sendable contacts"))
    maximum = Money(quote.total_max, quote.currency)
    check = check_balance(gateway, maximum)
    verdict = said_problem(check.problem)
    print(_("balance ({mode}): {verdict}").format(mode=code("mode", gateway.mode), verdict=verdict))
    print(
        _("spending limits ({name}): {limits}").format(
            name=actor.name, limits=limits_text(approvals.verdict(con, actor.name, maximum))
        )
    )
    if not check.ok:
        print(_("error: sending refused: {verdict}").format(verdict=verdict), file=sys.stderr)
        return 1
    return None


def limits_text(verdict: object) -> str:
    """An approvals.Verdict in one line: the limits, today's total, and what they make of it."""
    limits, cur = verdict.limits, verdict.limits.currency
    parts = []
    if limits.per_batch is not None:
        parts.append(_("per batch {limit}").format(limit=money(limits.per_batch, cur)))
    if limits.per_day is not None:
        parts.append(
            _("per day {limit} ({today} confirmed today, {with_batch} with this batch)").format(
                limit=money(limits.per_day, cur),
                today=money(verdict.spent_today, cur),
                with_batch=money(verdict.with_batch, cur),
            )
        )
    if limits.approval_over is not None:
        parts.append(_("approval needed over {limit}").format(limit=money(limits.approval_over, cur)))
    listed = "; ".join(parts) if parts else _("none set")
    if verdict.refusal is not None:
        return _("{limits}; refused: {refusal}").format(limits=listed, refusal=said_problem(verdict.refusal))
    if verdict.needs_approval:
        return _("{limits}; needs approval: once confirmed, it waits until another admin approves it").format(
            limits=listed
        )
    return _("{limits}; within them").format(limits=listed) if parts else listed


def _confirm_and_send(
    ws: store.Workspace, quote: Quote, sender: str, mode: str, args: argparse.Namespace, actor: Actor
) -> int:
    """Confirm (outside any unit of work), freeze, hold for approval if needed, and send."""
    from smscore.access import accounts, approvals, audit
    from smscore.batchid import short_id
    from smscore.money import Money
    from smscore.sending import ledger

    send_at = getattr(args, "send_at", None)
    when = (
        _(" at {at} UTC (Twilio charges when it sends)").format(at=f"{send_at:%Y-%m-%d %H:%M}")
        if send_at
        else ""
    )
    maximum = Money(quote.total_max, quote.currency)
    named = {"batch": ledger.quote_key(quote, send_at), "recipients": quote.n_recipients}
    with ws.unit() as con:  # a batch over a limit is refused (and recorded) before asking
        approvals.check_limits(con, actor, maximum, **named)
    # Asked outside any unit of work: the console must not wait on the operator's answer.
    if not args.yes and not yes(
        input(
            _n(
                "send {n} message from {sender}{when}? [y/N] ",
                "send {n} messages from {sender}{when}? [y/N] ",
                quote.n_recipients,
            ).format(n=count(quote.n_recipients), sender=sender, when=when)
        )
    ):
        print(_("not sent"))
        return 1
    with ws.unit() as con:  # again at the action: another batch may have been confirmed since
        approvals.check_limits(con, actor, maximum, **named)
        batch_id = ledger.freeze_batch(con, quote, sender=sender, mode=mode, send_at=send_at)
        audit.confirm_batch(con, actor, batch_id, quote.n_recipients, quote.total_max, quote.currency)
        held = approvals.hold_if_needed(con, batch_id, maximum)
        as_hint = " --as EMAIL" if accounts.any_accounts(con) else ""
    scheduled = _(", scheduled{when}").format(when=when) if when else ""
    print(
        _("batch {batch} (confirmed by {name}){scheduled}").format(
            batch=batch_id, name=actor.name, scheduled=scheduled
        )
    )
    if held:
        print(
            _(
                "awaiting approval: the maximum cost {maximum} is over the approval threshold; another admin"
                " approves it on the console or with `smscore approve {batch}{as_hint}`"
            ).format(
                maximum=money(maximum.amount, maximum.currency), batch=short_id(batch_id), as_hint=as_hint
            )
        )
        return 0
    return send_batch(ws, gateway_for(ws), batch_id, args)


def _left_out(left_out: dict[str, int]) -> str:
    """Who a send-again leaves out: smscore's English, or the console's sentence in Portuguese."""
    from smscore.sending import resend
    from smscore.twilio import errors

    if language() == "en":
        return f"left out: {resend.describe_left_out(left_out)}"
    return console(
        "outcome.again_left_out",
        opted=count(left_out.get(errors.OPTED_OUT, 0)),
        permanent=count(left_out.get(errors.PERMANENT, 0)),
        missing=count(left_out.get("no contact", 0)),
    )


# --- send-again -------------------------------------------------------------------------------


def _configure_send_again(p: argparse.ArgumentParser) -> None:
    configure_batch_id(p)
    p.add_argument(
        "--from",
        dest="sender",
        metavar="SENDER",
        help=_("phone number or Messaging Service SID (default: the first batch's)"),
    )
    p.add_argument("--yes", action="store_true", help=_("send without asking to confirm"))
    _configure_confirmer(p)
    configure_pacing(p)


@command(
    "send-again",
    N_(
        "a new batch to the recipients of a batch whose failure was transient "
        "(never opt-outs or permanent failures), priced and confirmed"
    ),
    _configure_send_again,
)
def run_send_again(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.sending import ledger, resend

    with ws.unit() as con:  # a wrong id or nothing to send again costs no password
        batch_id = find_batch(con, args.batch)
        plan = resend.plan(con, batch_id)
        if plan.left_out:
            print(_left_out(plan.left_out))
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
