"""The cost commands: `quote` a message, the `prices` list, the US/CA carrier `fees` and the
account `balance`. `send` prices its batch with the quote built and printed here."""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal

import duckdb
import pandas as pd

from smscore import store
from smscore.cli.common import (
    XLSX_HELP,
    CliError,
    Commands,
    amount_range,
    low_balance_notice,
    open_gateway,
    print_table,
    write_files,
)
from smscore.cli.words import (
    N_,
    _,
    _n,
    amount,
    code,
    count,
    country_name,
    day,
    grouped,
    money,
    typed_amount,
    worded,
)
from smscore.cost import prices
from smscore.cost.limits import ADVISED_MAX_SEGMENTS, MAX_BODY_CHARS
from smscore.cost.quote import Quote, Selection, build_quote
from smscore.cost.segments import count_segments, gsm_suggestion
from smscore.money import Money, decimal_str
from smscore.words.vocab import reason as reason_words

COMMANDS = Commands()
command = COMMANDS.command


# --- quote ------------------------------------------------------------------------------------


def configure_quote(p: argparse.ArgumentParser) -> None:
    """The message, selection and pricing options: `send` takes them too, to price its batch."""
    p.add_argument("--body", required=True, help=_("message text; {name} or any contact field"))
    p.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="NAME",
        help=_("only contacts in this category (repeatable); default: everyone"),
    )
    p.add_argument(
        "--contact",
        action="append",
        default=[],
        type=int,
        metavar="ID",
        help=_("also this contact id (repeatable)"),
    )
    p.add_argument(
        "--smart-encoding", action="store_true", help=_("count as Twilio does with Smart Encoding on")
    )
    p.add_argument("--sender-type", default="long code", choices=prices.SENDER_TYPES)
    p.add_argument(
        "--trial",
        action="store_true",
        help=_("count Twilio's trial prefix ('Sent from your Twilio trial account - ')"),
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.add_argument("--csv", metavar="OUT.csv", help=_("write the per-country breakdown to a CSV"))
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=_(XLSX_HELP))


def selection_from_args(args: argparse.Namespace) -> Selection:
    """Everyone unless categories or contacts are named."""
    if not args.category and not args.contact:
        return Selection(everyone=True)
    return Selection(categories=tuple(args.category), contact_ids=tuple(args.contact))


def quote_from_args(
    args: argparse.Namespace,
    con: duckdb.DuckDBPyConnection,
    prefix: str = "",
    only_to: frozenset[str] | None = None,
) -> Quote:
    """Build the quote the arguments describe (shared by `quote` and `send`)."""
    if getattr(args, "trial", False):
        from smscore.twilio.balance import TRIAL_PREFIX

        prefix = TRIAL_PREFIX
    return build_quote(
        con,
        args.body,
        selection_from_args(args),
        smart_encoding=args.smart_encoding,
        prefix=prefix,
        sender_type=args.sender_type,
        only_to=only_to,
    )


@command("quote", N_("price a message for a selection of contacts"), configure_quote)
def run_quote(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    quote = quote_from_args(args, con)
    if args.csv or args.xlsx:
        write_files(con, quote_countries_frame(quote), args.csv, args.xlsx)
    if args.json:
        print(json.dumps(quote_json(quote), ensure_ascii=False))
    else:
        print_quote(quote)
    if refusal := length_refusal(quote):
        print(_("error: {message}").format(message=refusal), file=sys.stderr)
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
            {
                "iso": r.iso,
                "recipients": int(r.recipients),
                "segments": int(r.segments),
                "unit_price_min": decimal_str(r.unit_price_min),
                "unit_price_max": decimal_str(r.unit_price_max),
                "subtotal_min": decimal_str(r.subtotal_min),
                "subtotal_max": decimal_str(r.subtotal_max),
            }
            for r in quote.by_country.itertuples()
        ],
        "excluded": [{"phone": r.phone, "reason": r.reason} for r in quote.excluded.itertuples()],
        "left_out": [
            {
                "iso": r.iso,
                "number_type": r.number_type,
                "contacts": int(r.contacts),
                "segments": int(r.segments),
                "saved_min": decimal_str(r.saved_min),
                "saved_max": decimal_str(r.saved_max),
            }
            for r in quote.left_out.itertuples()
        ],
        "saved_min": decimal_str(quote.saved_min),
        "saved_max": decimal_str(quote.saved_max),
    }


def quote_countries_frame(quote: Quote) -> pd.DataFrame:
    """The per-country breakdown with its currency and price-list date, for CSV."""
    frame = quote.by_country.copy()
    frame.insert(1, "currency", quote.currency)
    frame["price_list_as_of"] = quote.price_list_as_of  # a date: a date cell in the workbook
    return frame


def print_quote(quote: Quote) -> None:
    """A readable quote: per country, totals, what the encoding costs, who is left out."""
    text = quote.prefix + quote.body
    counted = count_segments(text, quote.smart_encoding)
    print(
        _n(
            "message: {encoding}, {n} segment of up to {units} units before personalisation",
            "message: {encoding}, {n} segments of up to {units} units before personalisation",
            counted.segments,
        ).format(encoding=counted.encoding, n=count(counted.segments), units=count(counted.per_segment))
    )
    if counted.ucs2_chars:
        print(_("  UCS-2 because of: {chars}").format(chars=" ".join(counted.ucs2_chars)))
        suggestion = gsm_suggestion(text)
        if suggestion.replacements and suggestion.after.encoding == "GSM-7":
            swaps = ", ".join(f"{a}->{b}" for a, b in suggestion.replacements.items())
            print(
                _(
                    "  replacing {swaps} makes it GSM-7: {after} segment(s) of up to {units} instead of {before}"
                ).format(
                    swaps=swaps,
                    after=count(suggestion.after.segments),
                    units=count(suggestion.after.per_segment),
                    before=count(counted.segments),
                )
            )
    print(
        _("prices: list of {date}, {currency} per segment ({sender})").format(
            date=day(quote.price_list_as_of),
            currency=quote.currency,
            sender=code("sender_type", quote.sender_type),
        )
    )
    rows = [
        (
            r.iso,
            count(int(r.recipients)),
            count(int(r.segments)),
            amount_range(r.unit_price_min, r.unit_price_max),
            amount_range(r.subtotal_min, r.subtotal_max),
        )
        for r in quote.by_country.itertuples()
    ]
    print_table((_("country"), _("recipients"), _("segments"), _("unit price"), _("subtotal")), rows)
    print(
        _n(
            "total: {recipients} recipients, {segments} segments, {low} to {high}",
            "total: {recipients} recipients, {segments} segments, {low} to {high}",
            quote.n_recipients,
        ).format(
            recipients=count(quote.n_recipients),
            segments=count(quote.segments),
            low=money(quote.total_min, quote.currency),
            high=money(quote.total_max, quote.currency),
        )
    )
    if len(quote.left_out):
        print(_("left out, cannot receive SMS (saved):"))
        left = [
            (
                r.iso,
                code("number_type", str(r.number_type)).replace("_", " "),
                count(int(r.contacts)),
                count(int(r.segments)),
                amount_range(r.saved_min, r.saved_max),
            )
            for r in quote.left_out.itertuples()
        ]
        print_table((_("country"), _("type"), _("contacts"), _("segments"), _("saved")), left)
        saved = money(quote.saved_min, quote.currency)
        if quote.saved_max != quote.saved_min:
            saved = _("{low} to {high}").format(low=saved, high=money(quote.saved_max, quote.currency))
        numbers = int(quote.left_out["contacts"].sum())
        print(
            _n(
                "saved: {saved} not spent on {n} number", "saved: {saved} not spent on {n} numbers", numbers
            ).format(saved=saved, n=count(numbers))
        )
    if len(quote.excluded):
        reasons = quote.excluded["reason"].astype(str).value_counts()
        print(_("excluded: {n}").format(n=count(len(quote.excluded))))
        for reason, n in reasons.items():
            print(f"  {count(n)}: {worded(reason, reason_words)}")
    if warning := _length_warning(quote):
        print(_("warning: {message}").format(message=warning), file=sys.stderr)


def length_refusal(quote: Quote) -> str | None:
    """Over Twilio's body limit for every recipient (smscore.cost.limits), in the CLI's words."""
    if not quote.length_check().refused:
        return None
    return _(
        "the message is over Twilio's limit of {limit} characters for every recipient"
        " (Twilio would refuse it with error 21617); shorten it"
    ).format(limit=grouped(MAX_BODY_CHARS))


def _length_warning(quote: Quote) -> str | None:
    check = quote.length_check()
    if not check.long_warning:
        return None
    return _(
        "the longest message is {n} segments; Twilio advises at most {advised} segments per message"
        " for reliable delivery (consider a shorter text or a link)"
    ).format(n=count(check.max_segments), advised=count(ADVISED_MAX_SEGMENTS))


# --- prices -----------------------------------------------------------------------------------


def _configure_prices(p: argparse.ArgumentParser) -> None:
    p.add_argument("--country", metavar="ISO", help=_("one country, with its carriers"))
    p.add_argument("--sender-type", default="long code", choices=prices.SENDER_TYPES)
    p.add_argument("--json", action="store_true", help=_("print JSON"))
    p.add_argument(
        "--refresh",
        action="store_true",
        help=_(
            "fetch current prices from Twilio's Pricing API first (live mode; with --country, only that country)"
        ),
    )


@command("prices", N_("show the price list (per segment, with its date)"), _configure_prices)
def run_prices(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    if args.refresh:
        gateway, _sender = open_gateway(con)
        if gateway.mode != "live":
            raise CliError(
                _(
                    "refreshing prices needs Twilio credentials (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN);"
                    " the sandbox uses the embedded price list"
                )
            )
        prices.refresh_from_gateway(con, gateway, [args.country] if args.country else None)
        from smscore.access.audit import Actor, record

        record(con, Actor.cli(), "prices.refresh", args.country)
    plist = prices.current_list(con)
    table = prices.price_table(con, args.country, args.sender_type)
    if args.json:
        print(
            json.dumps(
                {
                    "as_of": plist.as_of.isoformat(),
                    "source": plist.source,
                    "countries": [_price_json(r) for r in table.itertuples()],
                }
            )
        )
        return 0
    print(
        _("price list as of {date} ({source}); per outbound segment").format(
            date=day(plist.as_of), source=plist.source
        )
    )
    rows = [
        (
            r.iso,
            country_name(r.iso, r.country),
            count(int(r.carriers)),
            amount_range(r.unit_min, r.unit_max),
            r.currency,
        )
        for r in table.itertuples()
    ]
    print_table(("iso", _("country"), _("carriers"), _("price"), _("currency")), rows)
    if args.country:
        carriers = prices.carrier_rows(con, args.country)
        print(_("carriers in {iso}:").format(iso=args.country.upper()))
        print_table(
            (_("carrier"), _("number type"), _("price")),
            [
                (
                    r.carrier,
                    code("number_type", r.number_type) if isinstance(r.number_type, str) else "-",
                    amount(r.current_price),
                )
                for r in carriers.itertuples()
            ],
        )
    return 0


def _price_json(r: object) -> dict[str, object]:
    return {
        "iso": r.iso,
        "country": r.country,
        "carriers": int(r.carriers),
        "unit_price_min": decimal_str(r.unit_min),
        "unit_price_max": decimal_str(r.unit_max),
        "carrier_fee_min": decimal_str(r.fee_min),
        "carrier_fee_max": decimal_str(r.fee_max),
        "currency": r.currency,
    }


# --- fees -------------------------------------------------------------------------------------


def _configure_fees(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        nargs=4,
        metavar=("ISO", "CARRIER", "SENDER_TYPE", "FEE"),
        help=_("add or change one carrier's fee per segment, e.g. CA Bell 'long code' 0.002"),
    )


@command("fees", N_("show or change the US/CA carrier pass-through fees per segment"), _configure_fees)
def run_fees(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:

    prices.ensure_prices(con)
    if args.set:
        iso, carrier, sender_type, fee = args.set
        prices.set_carrier_fee(con, iso, carrier, sender_type, typed_amount(fee, "FEE"))
    table = prices.carrier_fees(con)
    print_table(
        ("iso", _("carrier"), _("sender type"), _("fee"), _("currency"), _("as of"), _("source")),
        [
            (
                r.iso,
                r.carrier,
                code("sender_type", r.sender_type),
                amount(r.fee),
                r.currency,
                day(r.as_of),
                r.source,
            )
            for r in table.itertuples()
        ],
    )
    return 0


# --- balance (the account gateway engineer's block) -------------------------------------------


def _configure_balance(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threshold", metavar="AMOUNT", help=_("low-balance threshold (default: the console setting, 2.00)")
    )
    p.add_argument("--json", action="store_true", help=_("print one JSON object"))
    p.add_argument(
        "--notify",
        action="store_true",
        help=_(
            "send the low-balance notice (e-mail, SMS, webhook) once per fall below the threshold,"
            " and retry failed ones: for cron or the systemd timer"
        ),
    )


@command("balance", N_("show the account balance, mode, type and any low-balance notice"), _configure_balance)
def run_balance(args: argparse.Namespace, ws: store.Workspace) -> int:
    if getattr(args, "notify", False):
        from smscore.cli.notices import notify

        return notify(args, ws)
    with ws.unit() as con:
        return _show_balance(args, con)


def _show_balance(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    import os

    from smscore.store.settings import load_settings
    from smscore.twilio.balance import balance_report
    from smscore.twilio.connect import open_gateway as open_account

    threshold = (
        typed_amount(args.threshold, "--threshold")
        if args.threshold
        else load_settings(con).low_balance_threshold
    )
    report = balance_report(open_account(con, os.environ), threshold)
    if args.json:
        print(json.dumps(report))
        return 0
    balance = (
        _("none (subaccount)")
        if report["balance"] is None
        else money(Decimal(report["balance"]), report["currency"])
    )
    print(_("balance: {balance}").format(balance=balance))
    print(
        _("mode: {mode}; account: {type} ({status}), SID …{last4}").format(
            mode=code("mode", report["mode"]),
            type=_(str(report["type"])) if report["type"] in _ACCOUNT_WORDS else report["type"],
            status=_(str(report["status"])) if report["status"] in _ACCOUNT_WORDS else report["status"],
            last4=report["account_sid_last4"],
        )
    )
    if report["notice"]:
        currency = str(report["currency"])
        print(
            low_balance_notice(
                Money(Decimal(str(report["balance"])), currency),
                Decimal(str(report["low_balance_threshold"])),
            )
        )
    return 0


# Twilio's account types and states as the balance command prints them.
_ACCOUNT_WORDS = (N_("Trial"), N_("Full"), N_("active"), N_("suspended"), N_("closed"))
