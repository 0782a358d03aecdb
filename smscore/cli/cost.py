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
    open_gateway,
    print_table,
    write_files,
)
from smscore.cost import prices
from smscore.cost.quote import Quote, Selection, build_quote
from smscore.cost.segments import count_segments, gsm_suggestion
from smscore.money import decimal_str, format_money

COMMANDS = Commands()
command = COMMANDS.command


# --- quote ------------------------------------------------------------------------------------


def configure_quote(p: argparse.ArgumentParser) -> None:
    """The message, selection and pricing options: `send` takes them too, to price its batch."""
    p.add_argument("--body", required=True, help="message text; {name} or any contact field")
    p.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="NAME",
        help="only contacts in this category (repeatable); default: everyone",
    )
    p.add_argument(
        "--contact",
        action="append",
        default=[],
        type=int,
        metavar="ID",
        help="also this contact id (repeatable)",
    )
    p.add_argument(
        "--smart-encoding", action="store_true", help="count as Twilio does with Smart Encoding on"
    )
    p.add_argument("--sender-type", default="long code", choices=prices.SENDER_TYPES)
    p.add_argument(
        "--trial",
        action="store_true",
        help="count Twilio's trial prefix ('Sent from your Twilio trial account - ')",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--csv", metavar="OUT.csv", help="write the per-country breakdown to a CSV")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=XLSX_HELP)


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


@command("quote", "price a message for a selection of contacts", configure_quote)
def run_quote(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    quote = quote_from_args(args, con)
    if args.csv or args.xlsx:
        write_files(con, quote_countries_frame(quote), args.csv, args.xlsx)
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
        f"message: {counted.encoding}, {counted.segments} segment(s) of up to "
        f"{counted.per_segment} units before personalisation"
    )
    if counted.ucs2_chars:
        print("  UCS-2 because of: " + " ".join(counted.ucs2_chars))
        suggestion = gsm_suggestion(text)
        if suggestion.replacements and suggestion.after.encoding == "GSM-7":
            swaps = ", ".join(f"{a}->{b}" for a, b in suggestion.replacements.items())
            print(
                f"  replacing {swaps} makes it GSM-7: {suggestion.after.segments} segment(s) "
                f"of up to {suggestion.after.per_segment} instead of {counted.segments}"
            )
    print(f"prices: list of {quote.price_list_as_of}, {quote.currency} per segment ({quote.sender_type})")
    rows = [
        (
            r.iso,
            int(r.recipients),
            int(r.segments),
            amount_range(r.unit_price_min, r.unit_price_max),
            amount_range(r.subtotal_min, r.subtotal_max),
        )
        for r in quote.by_country.itertuples()
    ]
    print_table(("country", "recipients", "segments", "unit price", "subtotal"), rows)
    print(
        f"total: {quote.n_recipients} recipients, {quote.segments} segments, "
        f"{format_money(quote.total_min, quote.currency)} to "
        f"{format_money(quote.total_max, quote.currency)}"
    )
    if len(quote.excluded):
        reasons = quote.excluded["reason"].astype(str).value_counts()
        print(f"excluded: {len(quote.excluded)}")
        for reason, n in reasons.items():
            print(f"  {n}: {reason}")
    if warning := quote.length_check().warning():
        print(f"warning: {warning}", file=sys.stderr)


# --- prices -----------------------------------------------------------------------------------


def _configure_prices(p: argparse.ArgumentParser) -> None:
    p.add_argument("--country", metavar="ISO", help="one country, with its carriers")
    p.add_argument("--sender-type", default="long code", choices=prices.SENDER_TYPES)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="fetch current prices from Twilio's Pricing API first (live mode; "
        "with --country, only that country)",
    )


@command("prices", "show the price list (per segment, with its date)", _configure_prices)
def run_prices(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    if args.refresh:
        gateway, _ = open_gateway(con)
        if gateway.mode != "live":
            raise CliError(
                "refreshing prices needs Twilio credentials (TWILIO_ACCOUNT_SID and "
                "TWILIO_AUTH_TOKEN); the sandbox uses the embedded price list"
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
    print(f"price list as of {plist.as_of} ({plist.source}); per outbound segment")
    rows = [
        (r.iso, r.country, int(r.carriers), amount_range(r.unit_min, r.unit_max), r.currency)
        for r in table.itertuples()
    ]
    print_table(("iso", "country", "carriers", "price", "currency"), rows)
    if args.country:
        carriers = prices.carrier_rows(con, args.country)
        print(f"carriers in {args.country.upper()}:")
        print_table(
            ("carrier", "number type", "price"),
            [
                (
                    r.carrier,
                    r.number_type if isinstance(r.number_type, str) else "-",
                    decimal_str(r.current_price),
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
        help="add or change one carrier's fee per segment, e.g. CA Bell 'long code' 0.002",
    )


@command("fees", "show or change the US/CA carrier pass-through fees per segment", _configure_fees)
def run_fees(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.money import to_decimal

    prices.ensure_prices(con)
    if args.set:
        iso, carrier, sender_type, fee = args.set
        prices.set_carrier_fee(con, iso, carrier, sender_type, to_decimal(fee))
    table = prices.carrier_fees(con)
    print_table(
        ("iso", "carrier", "sender type", "fee", "currency", "as of", "source"),
        [
            (r.iso, r.carrier, r.sender_type, decimal_str(r.fee), r.currency, r.as_of, r.source)
            for r in table.itertuples()
        ],
    )
    return 0


# --- balance (the account gateway engineer's block) -------------------------------------------


def _configure_balance(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threshold", metavar="AMOUNT", help="low-balance threshold (default: the console setting, 2.00)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--notify",
        action="store_true",
        help="send the low-balance notice (e-mail, SMS, webhook) once per fall below the threshold, "
        "and retry failed ones: for cron or the systemd timer",
    )


@command("balance", "show the account balance, mode, type and any low-balance notice", _configure_balance)
def run_balance(args: argparse.Namespace, ws: store.Workspace) -> int:
    if getattr(args, "notify", False):
        from smscore.cli.notices import notify

        return notify(args, ws)
    with ws.unit() as con:
        return _show_balance(args, con)


def _show_balance(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    import os

    from smscore.money import to_decimal
    from smscore.store.settings import load_settings
    from smscore.twilio.balance import balance_report
    from smscore.twilio.connect import open_gateway as open_account

    threshold = to_decimal(args.threshold) if args.threshold else load_settings(con).low_balance_threshold
    report = balance_report(open_account(con, os.environ), threshold)
    if args.json:
        print(json.dumps(report))
        return 0
    balance = (
        "none (subaccount)"
        if report["balance"] is None
        else format_money(Decimal(report["balance"]), report["currency"])
    )
    print(f"balance: {balance}")
    print(
        f"mode: {report['mode']}; account: {report['type']} ({report['status']}), "
        f"SID …{report['account_sid_last4']}"
    )
    if report["notice"]:
        print(report["notice"])
    return 0
