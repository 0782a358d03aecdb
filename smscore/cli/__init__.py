"""`python -m smscore`: the command line. It parses arguments and formats what the core returns.

Each command is a `configure(parser)` plus a `run(args, con) -> int` pair registered in
COMMANDS. Errors reach the user as one sentence on stderr with a non-zero exit, never a
traceback: the core raises exceptions that name the bad value, and `main` prints them.
A command runs as one unit of work on the shared workspace (store.Workspace), so the console
and notebooks on the same file wait only while it runs; the sending commands instead take the
workspace itself and borrow it per round.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from smscore import store
from smscore.cost import prices
from smscore.money import decimal_str, format_money
from smscore.sending.outcome import SCHEDULED, SENT, SENT_WITH_FAILURES, Outcome, judge
from smscore.cost.quote import Quote, Selection, build_quote
from smscore.cost.segments import check_body, count_segments, gsm_suggestion

if TYPE_CHECKING:
    from smscore.access.audit import Actor

Runner = Callable[[argparse.Namespace, duckdb.DuckDBPyConnection], int]
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Runner]] = {}


def command(name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None]):
    """Register a subcommand; the decorated function runs it."""
    def register(run: Runner) -> Runner:
        COMMANDS[name] = (help_text, configure, run)
        return run
    return register


class CliError(Exception):
    """A problem to tell the user in one sentence (exit code 2 for usage, 1 otherwise)."""


# --- import -----------------------------------------------------------------------------------

def _configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="CSV file of contacts (, ; or tab; UTF-8, UTF-16 or Latin-1; "
                                "up to 500 MB and 1,000 columns: README, 'Import limits')")
    p.add_argument("--default-country", default="BR", metavar="ISO",
                   help="country of numbers written without +country code (default: BR)")
    p.add_argument("--category", help="put every imported contact in this category")
    p.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                   help="column for a role (phone, name, category), overriding the guess")
    p.add_argument("--update", action="store_true",
                   help="update contacts that already exist instead of rejecting them")
    p.add_argument("--rejects", metavar="OUT.csv", help="write the rejected rows to this CSV")


@command("import", "import contacts from a CSV file", _configure_import)
def run_import(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.contacts.importer import import_contacts

    mapping = _parse_mapping(args.map)
    report = import_contacts(con, Path(args.file), default_country=args.default_country.upper(),
                             category=args.category, mapping=mapping or None,
                             on_duplicate="update" if args.update else "skip")
    from smscore.access.audit import Actor, record
    from smscore.store.writes import write

    # The trail holds the counts printed here and shown on the Contacts page, by the same names.
    write(con, lambda cur: record(cur, Actor.cli(), "import", Path(args.file).name,
                                  report.counts()))
    print(f"imported {report.imported}, updated {report.updated}, already in the workspace "
          f"{report.already}, rejected {report.rejected} "
          f"(encoding {report.encoding}, delimiter {report.delimiter!r})")
    if report.categories_created:
        print("new categories: " + ", ".join(report.categories_created))
    if report.rejected:
        # A regex on the Arrow-backed column, not split(): a list object per reject is GBs
        # when a re-imported file rejects every row.
        reasons = report.rejects["reason"].str.replace(r"(?s):.*", "", regex=True).value_counts()
        for reason, n in reasons.items():
            print(f"  {n} rejected: {reason}")
    if args.rejects:
        report.write_rejects(args.rejects)
        print(f"rejected rows written to {args.rejects}")
    return 0


def _parse_mapping(items: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        role, sep, column = item.partition("=")
        if not sep or not role or not column:
            raise CliError(f"--map takes ROLE=COLUMN, e.g. phone=Celular; got {item!r}")
        mapping[role.strip().lower()] = column.strip()
    return mapping


# --- quote ------------------------------------------------------------------------------------

def _configure_quote(p: argparse.ArgumentParser) -> None:
    p.add_argument("--body", required=True, help="message text; {name} or any contact field")
    p.add_argument("--category", action="append", default=[], metavar="NAME",
                   help="only contacts in this category (repeatable); default: everyone")
    p.add_argument("--contact", action="append", default=[], type=int, metavar="ID",
                   help="also this contact id (repeatable)")
    p.add_argument("--smart-encoding", action="store_true",
                   help="count as Twilio does with Smart Encoding on")
    p.add_argument("--sender-type", default="long code", choices=prices.SENDER_TYPES)
    p.add_argument("--trial", action="store_true",
                   help="count Twilio's trial prefix ('Sent from your Twilio trial account - ')")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--csv", metavar="OUT.csv", help="write the per-country breakdown to a CSV")


def selection_from_args(args: argparse.Namespace) -> Selection:
    """Everyone unless categories or contacts are named."""
    if not args.category and not args.contact:
        return Selection(everyone=True)
    return Selection(categories=tuple(args.category), contact_ids=tuple(args.contact))


def quote_from_args(args: argparse.Namespace, con: duckdb.DuckDBPyConnection,
                    prefix: str = "", only_to: frozenset[str] | None = None) -> Quote:
    """Build the quote the arguments describe (shared by `quote` and `send`)."""
    if getattr(args, "trial", False):
        from smscore.twilio.balance import TRIAL_PREFIX
        prefix = TRIAL_PREFIX
    return build_quote(con, args.body, selection_from_args(args),
                       smart_encoding=args.smart_encoding, prefix=prefix,
                       sender_type=args.sender_type, only_to=only_to)


@command("quote", "price a message for a selection of contacts", _configure_quote)
def run_quote(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    quote = quote_from_args(args, con)
    if args.csv:
        from smscore.export import write_csv
        write_csv(quote_countries_frame(quote), args.csv)
    if args.json:
        print(json.dumps(quote_json(quote), ensure_ascii=False))
    else:
        print_quote(quote)
    if refusal := quote.length_check().refusal():
        print(f"error: {refusal}", file=sys.stderr)
        return 1
    return 0


def quote_json(quote: Quote) -> dict[str, object]:
    """The documented JSON shape of a quote: amounts as decimal strings."""
    return {
        "currency": quote.currency,
        "price_list_as_of": quote.price_list_as_of.isoformat(),
        "recipients": quote.n_recipients,
        "segments": quote.segments,
        "total_min": decimal_str(quote.total_min),
        "total_max": decimal_str(quote.total_max),
        "countries": [
            {"iso": r.iso, "recipients": int(r.recipients), "segments": int(r.segments),
             "unit_price_min": decimal_str(r.unit_price_min),
             "unit_price_max": decimal_str(r.unit_price_max),
             "subtotal_min": decimal_str(r.subtotal_min),
             "subtotal_max": decimal_str(r.subtotal_max)}
            for r in quote.by_country.itertuples()
        ],
        "excluded": [{"phone": r.phone, "reason": r.reason}
                     for r in quote.excluded.itertuples()],
    }


def quote_countries_frame(quote: Quote) -> pd.DataFrame:
    """The per-country breakdown with its currency and price-list date, for CSV."""
    frame = quote.by_country.copy()
    frame.insert(1, "currency", quote.currency)
    frame["price_list_as_of"] = quote.price_list_as_of.isoformat()
    return frame


def print_quote(quote: Quote) -> None:
    """A readable quote: per country, totals, what the encoding costs, who is left out."""
    text = quote.prefix + quote.body
    counted = count_segments(text, quote.smart_encoding)
    print(f"message: {counted.encoding}, {counted.segments} segment(s) of up to "
          f"{counted.per_segment} units before personalisation")
    if counted.ucs2_chars:
        print("  UCS-2 because of: " + " ".join(counted.ucs2_chars))
        suggestion = gsm_suggestion(text)
        if suggestion.replacements and suggestion.after.encoding == "GSM-7":
            swaps = ", ".join(f"{a}->{b}" for a, b in suggestion.replacements.items())
            print(f"  replacing {swaps} makes it GSM-7: {suggestion.after.segments} segment(s) "
                  f"of up to {suggestion.after.per_segment} instead of {counted.segments}")
    print(f"prices: list of {quote.price_list_as_of}, {quote.currency} per segment "
          f"({quote.sender_type})")
    rows = [(r.iso, int(r.recipients), int(r.segments), _range(r.unit_price_min, r.unit_price_max),
             _range(r.subtotal_min, r.subtotal_max)) for r in quote.by_country.itertuples()]
    _table(("country", "recipients", "segments", "unit price", "subtotal"), rows)
    print(f"total: {quote.n_recipients} recipients, {quote.segments} segments, "
          f"{format_money(quote.total_min, quote.currency)} to "
          f"{format_money(quote.total_max, quote.currency)}")
    if len(quote.excluded):
        reasons = quote.excluded["reason"].astype(str).value_counts()
        print(f"excluded: {len(quote.excluded)}")
        for reason, n in reasons.items():
            print(f"  {n}: {reason}")
    if warning := quote.length_check().warning():
        print(f"warning: {warning}", file=sys.stderr)


def _range(low: Decimal, high: Decimal) -> str:
    return decimal_str(low) if low == high else f"{decimal_str(low)}-{decimal_str(high)}"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))))


# --- prices -----------------------------------------------------------------------------------

def _configure_prices(p: argparse.ArgumentParser) -> None:
    p.add_argument("--country", metavar="ISO", help="one country, with its carriers")
    p.add_argument("--sender-type", default="long code", choices=prices.SENDER_TYPES)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--refresh", action="store_true",
                   help="fetch current prices from Twilio's Pricing API first (live mode; "
                        "with --country, only that country)")


@command("prices", "show the price list (per segment, with its date)", _configure_prices)
def run_prices(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    if args.refresh:
        gateway, _ = open_gateway(con)
        if gateway.mode != "live":
            raise CliError("refreshing prices needs Twilio credentials (TWILIO_ACCOUNT_SID and "
                           "TWILIO_AUTH_TOKEN); the sandbox uses the embedded price list")
        prices.refresh_from_gateway(con, gateway, [args.country] if args.country else None)
        from smscore.access.audit import Actor, record
        record(con, Actor.cli(), "prices.refresh", args.country)
    plist = prices.current_list(con)
    table = prices.price_table(con, args.country, args.sender_type)
    if args.json:
        print(json.dumps({"as_of": plist.as_of.isoformat(), "source": plist.source,
                          "countries": [_price_json(r) for r in table.itertuples()]}))
        return 0
    print(f"price list as of {plist.as_of} ({plist.source}); per outbound segment")
    rows = [(r.iso, r.country, int(r.carriers), _range(r.unit_min, r.unit_max), r.currency)
            for r in table.itertuples()]
    _table(("iso", "country", "carriers", "price", "currency"), rows)
    if args.country:
        carriers = prices.carrier_rows(con, args.country)
        print(f"carriers in {args.country.upper()}:")
        _table(("carrier", "number type", "price"),
               [(r.carrier, r.number_type if isinstance(r.number_type, str) else "-",
                 decimal_str(r.current_price))
                for r in carriers.itertuples()])
    return 0


def _price_json(r: object) -> dict[str, object]:
    return {"iso": r.iso, "country": r.country, "carriers": int(r.carriers),
            "unit_price_min": decimal_str(r.unit_min), "unit_price_max": decimal_str(r.unit_max),
            "carrier_fee_min": decimal_str(r.fee_min), "carrier_fee_max": decimal_str(r.fee_max),
            "currency": r.currency}


# --- fees -------------------------------------------------------------------------------------

def _configure_fees(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", nargs=4, metavar=("ISO", "CARRIER", "SENDER_TYPE", "FEE"),
                   help="add or change one carrier's fee per segment, e.g. CA Bell 'long code' 0.002")


@command("fees", "show or change the US/CA carrier pass-through fees per segment",
         _configure_fees)
def run_fees(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.money import to_decimal

    prices.ensure_prices(con)
    if args.set:
        iso, carrier, sender_type, fee = args.set
        prices.set_carrier_fee(con, iso, carrier, sender_type, to_decimal(fee))
    table = prices.carrier_fees(con)
    _table(("iso", "carrier", "sender type", "fee", "currency", "as of", "source"),
           [(r.iso, r.carrier, r.sender_type, decimal_str(r.fee), r.currency, r.as_of, r.source)
            for r in table.itertuples()])
    return 0


# --- report -----------------------------------------------------------------------------------

def _configure_report(p: argparse.ArgumentParser) -> None:
    from smscore.reports import GROUPINGS
    p.add_argument("--by", default="batch", choices=GROUPINGS, help="grouping (default: batch)")
    p.add_argument("--batch", metavar="ID", help="only this batch")
    p.add_argument("--csv", metavar="OUT.csv", help="write the report to a CSV (spreadsheet-safe)")
    p.add_argument("--json", action="store_true", help="print JSON records")


@command("report", "batch costs per batch, country, category or day: estimate vs actual",
         _configure_report)
def run_report(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.export import safe_frame, write_csv
    from smscore.reports import cost_report

    frame = cost_report(con, args.by, _batch_id(con, args.batch) if args.batch else None)
    if args.csv:
        write_csv(frame, args.csv)
    if args.json:
        print(safe_frame(frame).to_json(orient="records", date_format="iso"))
    elif frame.empty:
        print("no messages sent yet")
    else:
        shown = frame.drop(columns=[c for c in ("body",) if c in frame.columns])
        print(shown.to_string(index=False))
    return 0


# --- balance (the account gateway engineer's block) -------------------------------------------

def _configure_balance(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threshold", metavar="AMOUNT",
                   help="low-balance threshold (default: the console setting, 2.00)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


@command("balance", "show the account balance, mode, type and any low-balance notice",
         _configure_balance)
def run_balance(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    import os

    from smscore.twilio.balance import balance_report
    from smscore.twilio.connect import open_gateway as open_account
    from smscore.money import to_decimal
    from smscore.store.settings import load_settings

    threshold = (to_decimal(args.threshold) if args.threshold
                 else load_settings(con).low_balance_threshold)
    report = balance_report(open_account(con, os.environ), threshold)
    if args.json:
        print(json.dumps(report))
        return 0
    balance = ("none (subaccount)" if report["balance"] is None
               else format_money(Decimal(report["balance"]), report["currency"]))
    print(f"balance: {balance}")
    print(f"mode: {report['mode']}; account: {report['type']} ({report['status']}), "
          f"SID …{report['account_sid_last4']}")
    if report["notice"]:
        print(report["notice"])
    return 0


# --- send, batches (the sender engineer's block) ----------------------------------------------

def _configure_send(p: argparse.ArgumentParser) -> None:
    _configure_quote(p)
    p.add_argument("--from", dest="sender", metavar="SENDER",
                   help="phone number or Messaging Service SID (default: TWILIO_FROM / "
                        "TWILIO_MESSAGING_SERVICE_SID, or the sandbox's number)")
    p.add_argument("--yes", action="store_true", help="send without asking to confirm")
    _configure_confirmer(p)
    p.add_argument("--send-at", metavar="TIME",
                   help="schedule with Twilio's scheduler for this time (ISO 8601, e.g. "
                        "2026-12-24T09:00-03:00; UTC if no offset): needs a Messaging Service "
                        "sender, 5 minutes to 35 days ahead")
    p.add_argument("--hours", metavar="HH:MM-HH:MM",
                   help="sending hours in each recipient's local time, e.g. 09:00-20:00: "
                        "the others wait for their next opening")
    p.add_argument("--days", default="mon-sun", metavar="DAYS",
                   help="days of the sending hours, e.g. mon-fri (default: every day)")
    _configure_pacing(p)


def _configure_confirmer(p: argparse.ArgumentParser) -> None:
    _configure_as(p, "the account confirming the batch, an operator or admin (required once the "
                     "workspace has accounts): its password is asked for on a terminal, or read "
                     "as the first line of stdin")


def _configure_pacing(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rate", type=float, metavar="N",
                   help="segments per second (default: Twilio's MPS for the sender type)")
    p.add_argument("--concurrency", type=int, default=4, metavar="N",
                   help="requests in flight at once (default: 4)")


def open_gateway(con: duckdb.DuckDBPyConnection):  # noqa: ANN201 - (Gateway, sender)
    """The gateway (live with credentials in the environment, else the sandbox) and its sender."""
    import os

    from smscore.twilio import connect as gateways
    from smscore.twilio.sandbox import SANDBOX_SENDER

    chosen = gateways.open_gateway(con, os.environ)
    sender = getattr(getattr(chosen, "credentials", None), "sender", None)
    return chosen, sender if chosen.mode == "live" else SANDBOX_SENDER


@command("send", "price, confirm and send a batch (resumes it if already started today)",
         _configure_send)
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
    return _acting(ws, args.acting_as, "who confirms the batch", example, _sign_in_to_send)


def _sign_in_to_send(con: duckdb.DuckDBPyConnection, email: str, password: str) -> Actor:
    from smscore.access import accounts

    try:
        return accounts.sign_in_to(con, email, password, "send", action="batch.confirm",
                                   doing="send a batch").actor
    except accounts.Refused as exc:
        raise accounts.Refused(f"{exc}; nothing was sent") from None


def _price(args: argparse.Namespace, con: duckdb.DuckDBPyConnection,
           actor: Actor) -> tuple[Quote, str, str] | int:
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
        print(f"trial account: Twilio adds {TRIAL_PREFIX.strip()!r} to every message (counted) "
              f"and sends only to its {len(verified)} verified number(s)")
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
    print(f"sending hours {window.describe()} (each recipient's local time): "
          f"{result.now} now" + "".join(f"; {n} at {at:%Y-%m-%d %H:%M} UTC"
                                         for at, n in result.later()) + f" ({how})")
    return timed


def _send_time(text: str, sender: str):  # noqa: ANN202 - naive UTC datetime
    """The --send-at time, checked against Twilio's scheduling rules."""
    from datetime import datetime, timezone

    from smscore.sending.schedule import check

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"--send-at takes an ISO 8601 time like 2026-12-24T09:00-03:00; "
                       f"got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return check(moment, sender)


def _gate(quote: Quote, gateway: object, con: duckdb.DuckDBPyConnection,
          actor: Actor) -> int | None:
    """Show the quote, the balance and the spending limits; refuse what cannot go: too long,
    nobody, or a short balance (a limit refuses at the confirmation, where it is recorded)."""
    from smscore.access import approvals
    from smscore.twilio.balance import check_balance
    from smscore.money import Money

    print_quote(quote)
    if refusal := quote.length_check().refusal():
        raise CliError(refusal)
    if quote.n_recipients == 0:
        raise CliError("nobody to send to: the selection has no sendable contacts")
    maximum = Money(quote.total_max, quote.currency)
    check = check_balance(gateway, maximum)
    print(f"balance ({gateway.mode}): {check.message}")
    print(f"spending limits ({actor.name}): "
          f"{limits_text(approvals.verdict(con, actor.name, maximum))}")
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
        parts.append(f"per day {format_money(limits.per_day, cur)} "
                     f"({format_money(verdict.spent_today, cur)} confirmed today, "
                     f"{format_money(verdict.with_batch, cur)} with this batch)")
    if limits.approval_over is not None:
        parts.append(f"approval needed over {format_money(limits.approval_over, cur)}")
    said = "; ".join(parts) if parts else "none set"
    if verdict.refusal is not None:
        return f"{said}; refused: {verdict.refusal.text}"
    if verdict.needs_approval:
        return f"{said}; needs approval: once confirmed, it waits until another admin approves it"
    return f"{said}; within them" if parts else said


def _confirm_and_send(ws: store.Workspace, quote: Quote, sender: str, mode: str,
                      args: argparse.Namespace, actor: Actor) -> int:
    """Confirm (outside any unit of work), freeze, hold for approval if needed, and send."""
    from smscore.access import accounts, approvals, audit
    from smscore.sending import ledger
    from smscore.batchid import short_id
    from smscore.money import Money

    send_at = getattr(args, "send_at", None)
    when = f" at {send_at:%Y-%m-%d %H:%M} UTC (Twilio charges when it sends)" if send_at else ""
    maximum = Money(quote.total_max, quote.currency)
    named = {"batch": ledger.quote_key(quote, send_at), "recipients": quote.n_recipients}
    with ws.unit() as con:  # a batch over a limit is refused (and recorded) before asking
        approvals.check_limits(con, actor, maximum, **named)
    # Asked outside any unit of work: the console must not wait on the operator's answer.
    if not args.yes and input(f"send {quote.n_recipients} messages from {sender}{when}? [y/N] ")\
            .strip().lower() not in ("y", "yes"):
        print("not sent")
        return 1
    with ws.unit() as con:  # again at the action: another batch may have been confirmed since
        approvals.check_limits(con, actor, maximum, **named)
        batch_id = ledger.freeze_batch(con, quote, sender=sender, mode=mode, send_at=send_at)
        audit.confirm_batch(con, actor, batch_id, quote.n_recipients, quote.total_max,
                            quote.currency)
        held = approvals.hold_if_needed(con, batch_id, maximum)
        as_hint = " --as EMAIL" if accounts.any_accounts(con) else ""
    print(f"batch {batch_id} (confirmed by {actor.name})" + (f", scheduled{when}" if when else ""))
    if held:
        print(f"awaiting approval: the maximum cost {maximum} is over the approval threshold; "
              f"another admin approves it on the console or with `python -m smscore approve "
              f"{short_id(batch_id)}{as_hint}`")
        return 0
    return _send_batch(ws, _gateway_for(ws), batch_id, args)


def _configure_send_again(p: argparse.ArgumentParser) -> None:
    _configure_batch_id(p)
    p.add_argument("--from", dest="sender", metavar="SENDER",
                   help="phone number or Messaging Service SID (default: the first batch's)")
    p.add_argument("--yes", action="store_true", help="send without asking to confirm")
    _configure_confirmer(p)
    _configure_pacing(p)


@command("send-again", "a new batch to the recipients of a batch whose failure was transient "
                       "(never opt-outs or permanent failures), priced and confirmed",
         _configure_send_again)
def run_send_again(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.sending import ledger, resend

    with ws.unit() as con:  # a wrong id or nothing to send again costs no password
        batch_id = _batch_id(con, args.batch)
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


def _gateway_for(ws: store.Workspace) -> object:
    """The gateway for a send or a poll: a sandbox borrows the workspace per request."""
    import os

    from smscore.twilio import connect as gateways

    return gateways.open_gateway(ws, os.environ)


def _send_batch(ws: store.Workspace, gateway: object, batch_id: str,
                args: argparse.Namespace) -> int:
    from smscore.sending import ledger
    from smscore.sending.sender import run_batch

    # A damaged batch raises ledger.DamagedBatch here: one sentence saying how to repair it.
    progress = run_batch(ws, gateway, batch_id, concurrency=args.concurrency,
                         rate_segments_per_second=args.rate, on_progress=_print_progress)
    print()
    with ws.unit() as con:
        scheduled = con.execute("SELECT count(*) FROM messages WHERE batch_id = ? AND "
                                "state = 'sent' AND twilio_status = 'scheduled'",
                                [batch_id]).fetchone()[0]
    result = judge(progress.status, sent=progress.sent, failed=progress.failed,
                   unknown=progress.unknown, pending=progress.queued + progress.claimed,
                   scheduled=int(scheduled))
    # A pause says why in the sender's own words: needs reconcile, stopped: auth, ...
    detail = (f" ({progress.status})" if result.kind == "paused"
              and progress.status != ledger.PAUSED else "")
    print(f"{_coloured(result)}{detail}: sent {progress.sent}, failed {progress.failed}, "
          f"unknown {progress.unknown}, queued {progress.queued}; "
          f"cost so far {progress.cost_so_far} (estimate up to {progress.estimate_max})")
    with ws.unit() as con:
        _print_reasons(con, batch_id)
        notice = ledger.unknown_wait(con, batch_id).notice(batch_id, ledger.utcnow())
        if notice:  # fresher than the stored reason: it counts the seconds left from now
            print(notice, file=sys.stderr)
        elif progress.reason:
            print(f"reason: {progress.reason}", file=sys.stderr)
        _notice_after_batch(con, gateway)
    return 0 if result.kind in (SENT, SENT_WITH_FAILURES, SCHEDULED) else 1


_ANSI = {"green": "32", "orange": "33", "red": "31", "gray": "90", "blue": "34",
         "violet": "35"}


def _coloured(result: Outcome) -> str:
    """The outcome word in its colour (the console's), when printing to a terminal."""
    if not sys.stdout.isatty():
        return result.kind
    return f"\033[{_ANSI[result.colour]}m{result.kind}\033[0m"


def _print_reasons(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    """The commonest failure causes, each with Twilio's meaning and what to do."""
    from smscore.twilio.errors import explain
    from smscore.sending.outcome import top_reasons

    for reason in top_reasons(con, batch_id):
        print(f"  {reason.count} failed: {explain(reason.code, 'en', reason.message).line()}")


def _notice_after_batch(con: duckdb.DuckDBPyConnection, gateway: object) -> None:
    """Re-check the balance after every batch: it drains as Twilio prices what went out."""
    from smscore.twilio.balance import low_balance_notice
    from smscore.store.settings import load_settings

    try:
        notice = low_balance_notice(gateway.balance(), load_settings(con).low_balance_threshold)
    except Exception as exc:  # noqa: BLE001 - a failed re-check must not hide the batch result
        notice = f"could not re-check the balance: {exc}"
    if notice:
        print(notice, file=sys.stderr)


def _print_progress(p: object) -> None:
    eta = "" if p.eta_seconds is None else f", ETA {p.eta_seconds:,.0f} s"
    print(f"\r{p.sent + p.failed}/{p.total} settled ({p.failed} failed, {p.unknown} unknown), "
          f"{p.segments_per_second:.1f} segments/s, {p.cost_so_far}{eta}", end="", flush=True)


@command("batches", "list batches: status, counts, estimate vs actual", lambda p: None)
def run_batches(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.reports import batches

    frame = batches(con)
    if frame.empty:
        print("no batches yet")
        return 0
    _table(("batch", "created", "mode", "outcome", "recipients", "sent", "failed", "unknown",
            "pending", "estimate", "actual"),
           [(r.short_id, str(r.created_at)[:16], r.mode, r.outcome, r.recipients, r.sent, r.failed,
             r.unknown, r.pending, f"{r.currency} {_range(r.estimate_min, r.estimate_max)}",
             "-" if not r.priced else f"{decimal_str(r.actual)} ({r.priced} priced)")
            for r in frame.itertuples()])
    _print_batch_notices(frame)
    return 0


def _print_batch_notices(frame: pd.DataFrame) -> None:
    """Below the table, what to do about damaged batches and unknown outcomes, one line each."""
    from smscore.sending.ledger import DAMAGED
    from smscore.reports import unknown_notice

    for r in frame.itertuples():
        if r.status == DAMAGED:
            print(r.status_reason)
        elif notice := unknown_notice(r):
            print(f"batch {r.short_id}: {notice}")


BATCH_ID_HELP = ("batch id as the console and `batches` show it (b-fc845dcb42), or the full id "
                 "or any longer part of it")


def _configure_batch_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("batch", metavar="ID", help=BATCH_ID_HELP)


def _batch_id(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The full id of the batch a person named (smscore.batchid: the same rule everywhere)."""
    from smscore.batchid import resolve_batch_id

    return resolve_batch_id(con, text)


def _configure_resume(p: argparse.ArgumentParser) -> None:
    _configure_batch_id(p)
    _configure_pacing(p)


@command("batch-resume", "send what a paused or interrupted batch has left", _configure_resume)
def run_batch_resume(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.access.audit import Actor, record
    from smscore.store.writes import write

    with ws.unit() as con:
        batch_id = _batch_id(con, args.batch)
        write(con, lambda cur: record(cur, Actor.cli(), "batch.resume", batch_id))
    return _send_batch(ws, _gateway_for(ws), batch_id, args)


# Commands that borrow the workspace in units themselves: so others get in while they send, and
# nobody waits while an operator types a password.
LENDING = frozenset({"send", "send-again", "batch-resume", "approve", "reject", "user", "poll"})


@command("reconcile", "look up messages with an unknown outcome in Twilio", _configure_batch_id)
def run_reconcile(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.sending.sender import reconcile

    from smscore.sending.ledger import utcnow

    batch_id = _batch_id(con, args.batch)
    gateway, _ = open_gateway(con)
    result = reconcile(con, gateway, batch_id)
    print(f"found in Twilio {result.found}, queued again {result.requeued}, "
          f"still unknown {result.left}")
    if result.requeued:
        print(f"run `python -m smscore batch-resume {batch_id}` to send the "
              f"{result.requeued} message(s) Twilio never got")
    notice = result.wait.notice(batch_id, utcnow()) if result.wait else None
    if notice:
        print(notice, file=sys.stderr)
    return 1 if result.left else 0


@command("cancel", "cancel a scheduled batch: its messages still scheduled at Twilio and any "
                   "not yet sent", _configure_batch_id)
def run_cancel(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.sending.schedule import cancel_batch

    batch_id = _batch_id(con, args.batch)
    gateway, _ = open_gateway(con)
    result = cancel_batch(con, gateway, batch_id)
    print(f"cancelled at Twilio {result.cancelled}, never sent {result.unsent}, "
          f"already gone out {result.too_late}")
    if result.errors:
        print(f"error: {result.errors} message(s) could not be cancelled now; run the command "
              "again", file=sys.stderr)
        return 1
    return 0


@command("poll", "fetch delivery statuses and actual prices of a batch", _configure_batch_id)
def run_poll(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.sending.sender import poll_statuses

    with ws.unit() as con:
        batch_id = _batch_id(con, args.batch)
    print(f"updated {poll_statuses(ws, _gateway_for(ws), batch_id)} messages")
    return 0


# --- log --------------------------------------------------------------------------------------

def _configure_log(p: argparse.ArgumentParser) -> None:
    from smscore.reports import LOG_STATES
    _configure_batch_id(p)
    p.add_argument("--state", choices=LOG_STATES, help="only messages in this state")
    p.add_argument("--limit", type=int, default=50, help="rows to print (default: 50)")
    p.add_argument("--csv", metavar="OUT.csv", help="write every matching message to a CSV")


@command("log", "the send log of a batch: each message's state, Twilio status and error code",
         _configure_log)
def run_log(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.export import write_csv
    from smscore.reports import send_log

    batch_id = _batch_id(con, args.batch)
    page, total = send_log(con, batch_id, state=args.state, limit=args.limit)
    if args.csv:
        everything, _ = send_log(con, batch_id, state=args.state, limit=max(total, 1))
        write_csv(everything, args.csv)
    _table(("phone", "state", "twilio status", "error", "segments", "estimate", "actual"),
           [(r.phone, r.state, r.twilio_status or "-",
             "-" if pd.isna(r.error_code) else f"{int(r.error_code)} {r.error_message or ''}".strip(),
             r.segments, decimal_str(r.estimate),
             "-" if r.actual is None or pd.isna(r.actual) else decimal_str(r.actual))
            for r in page.itertuples()])
    print(f"{len(page)} of {total} messages" + (f" ({args.state})" if args.state else ""))
    return 0


# --- approvals ----------------------------------------------------------------------------------

def _configure_approver(p: argparse.ArgumentParser) -> None:
    _configure_as(p, "the admin account deciding (required once the workspace has accounts; not "
                     "the one that confirmed the batch): its password is asked for, or read as "
                     "one line from stdin")


def _configure_approve(p: argparse.ArgumentParser) -> None:
    _configure_batch_id(p)
    _configure_approver(p)
    p.add_argument("--no-send", action="store_true", help="approve only; send later")
    _configure_pacing(p)


@command("approve", "approve a batch awaiting approval as a second admin (--as), then send it",
         _configure_approve)
def run_approve(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.access import approvals
    from smscore.batchid import short_id

    batch_id, actor = _decider(ws, args, "approve")
    with ws.unit() as con:
        approvals.approve(con, batch_id, actor)
    print(f"batch {short_id(batch_id)} approved by {actor.name}")
    if args.no_send:
        return 0
    return _send_batch(ws, _gateway_for(ws), batch_id, args)


def _configure_reject(p: argparse.ArgumentParser) -> None:
    _configure_batch_id(p)
    _configure_approver(p)
    p.add_argument("--reason", default="", help="why, for the audit trail")


@command("reject", "reject (cancel) a batch awaiting approval, as an admin (--as)",
         _configure_reject)
def run_reject(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.access import approvals
    from smscore.batchid import short_id

    batch_id, actor = _decider(ws, args, "reject")
    with ws.unit() as con:
        approvals.reject(con, batch_id, actor, args.reason)
    print(f"batch {short_id(batch_id)} rejected by {actor.name}: it will not send")
    return 0


def _decider(ws: store.Workspace, args: argparse.Namespace, action: str) -> tuple[str, Actor]:
    """The batch and the admin who decides on it."""
    from smscore.access import approvals

    with ws.unit() as con:
        batch_id = _batch_id(con, args.batch)
        approvals.awaiting(con, batch_id)  # before anyone types a password for nothing
    return batch_id, _acting(
        ws, args.acting_as, "the admin who decides", f"{action} {args.batch}",
        lambda con, email, password: approvals.signed_in_admin(con, email, password, batch_id,
                                                               action))


# --- who acts ---------------------------------------------------------------------------------

SignIn = Callable[[duckdb.DuckDBPyConnection, str, str], "Actor"]


def _configure_as(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--as", dest="acting_as", metavar="EMAIL", help=help_text)


def _acting(ws: store.Workspace, email: str | None, who: str, example: str,
            sign_in: SignIn) -> Actor:
    """Who acts on the command line when it spends or decides: the account named by --as,
    signed in by `sign_in` with its password, or in a workspace without accounts the OS user.

    The password is asked outside any unit of work, so nobody waits while it is typed.
    `who` and `example` complete the refusal when --as is missing.
    """
    from smscore.access import accounts
    from smscore.access.audit import Actor

    with ws.unit() as con:
        with_accounts = accounts.any_accounts(con)
    if not with_accounts:
        if email:
            raise CliError("this workspace has no accounts, so --as names nobody; leave it out "
                           "to act as the OS user")
        return Actor.cli()
    if not email:
        raise CliError(f"this workspace has accounts: name {who} with --as EMAIL "
                       f"(e.g. `python -m smscore {example} --as ana@example.com`)")
    password = ask_password()
    with ws.unit() as con:
        return sign_in(con, email, password)


# --- user -------------------------------------------------------------------------------------

def _configure_user(p: argparse.ArgumentParser) -> None:
    from smscore.access.accounts import ROLES

    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="create a local account (asks for the password, or reads "
                                     "it from stdin)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--oidc-only", action="store_true",
                     help="no password: the user signs in through the identity provider")
    sub.add_parser("list", help="every account with its role and state")
    role = sub.add_parser("set-role", help="change an account's role")
    role.add_argument("email")
    role.add_argument("role", choices=ROLES)
    disable = sub.add_parser("disable", help="refuse further sign-ins of an account")
    disable.add_argument("email")
    disable.add_argument("--enable", action="store_true", help="allow sign-in again")
    reset = sub.add_parser("reset-password", help="set a new password and lift a lock-out")
    reset.add_argument("email")


def read_password(stdin=None) -> str:  # noqa: ANN001 - a text stream, sys.stdin by default
    """A new password: asked twice on a terminal; otherwise one line from stdin (for scripts)."""
    import getpass

    stdin = stdin or sys.stdin
    first = ask_password(stdin)
    if stdin.isatty() and getpass.getpass("again: ") != first:
        raise CliError("the two passwords differ; nothing was changed")
    return first


def ask_password(stdin=None) -> str:  # noqa: ANN001 - a text stream, sys.stdin by default
    """An existing password: asked once on a terminal, unechoed; otherwise one line from stdin."""
    import getpass

    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    return getpass.getpass("password: ")


@command("user", "local accounts: add, list, set-role, disable, reset-password", _configure_user)
def run_user(args: argparse.Namespace, ws: store.Workspace) -> int:
    """Passwords are asked outside any unit of work: the console must not wait on the typing."""
    from smscore.access import accounts
    from smscore.access.audit import Actor

    actor = Actor.cli()
    action = args.user_command
    if action == "list":
        with ws.unit() as con:
            users = accounts.list_users(con)
        _table(("email", "role", "state", "sign-in"),
               [(u.email, u.role, "disabled" if u.disabled else
                 (f"locked until {u.locked_until:%Y-%m-%d %H:%M} UTC" if u.locked_until else "active"),
                 "password" if u.has_password else "identity provider")
                for u in users])
        return 0
    if action == "reset-password":
        with ws.unit() as con:
            if accounts.get_user(con, accounts.normal_email(args.email)) is None:
                raise CliError(f"no account for {args.email}")  # before asking for a password
    password = (read_password() if action == "reset-password"
                or (action == "add" and not args.oidc_only) else None)
    with ws.unit() as con:
        if action == "add":
            user = accounts.add_user(con, args.email, args.role, password, actor)
        elif action == "set-role":
            user = accounts.set_role(con, args.email, args.role, actor)
        elif action == "disable":
            user = accounts.set_disabled(con, args.email, not args.enable, actor)
        else:
            user = accounts.reset_password(con, args.email, password, actor)
    state = "disabled" if user.disabled else "active"
    print(f"{user.email}: {user.role}, {state} (recorded in the audit trail as {actor.name})")
    return 0


# --- main -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m smscore",
        description="smsconsole core: import contacts, price and send SMS batches via Twilio.")
    parser.add_argument("--db", metavar="PATH",
                        help="DuckDB file (default: $SMSCONSOLE_DB or data/smsconsole.duckdb)")
    parser.add_argument("--wait", type=float, metavar="SECONDS",
                        help="how long to wait while the console or another command holds the "
                             f"workspace (default: ${store.WAIT_ENV} or {store.DEFAULT_WAIT:g})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, configure, _) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        configure(command_parser)
        # Also accepted after the command's name, where people tend to write it.
        command_parser.add_argument("--wait", type=float, metavar="SECONDS",
                                    default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        ws = store.Workspace(store.resolve_db_path(args.db), kind="cli", detail=args.command,
                             wait=args.wait, linger=0, notify=_notice)
        run = COMMANDS[args.command][2]
        if args.command in LENDING:
            return run(args, ws)
        with ws.unit() as con:
            return run(args, con)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one sentence, never a traceback
        return _fail(exc)


def _notice(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fail(exc: BaseException) -> int:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    print(f"error: {message}", file=sys.stderr)
    return 2 if isinstance(exc, CliError) else 1
