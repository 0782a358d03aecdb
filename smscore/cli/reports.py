"""The reporting commands: the cost `report`, the list of `batches` and a batch's send `log`."""

from __future__ import annotations

import argparse
from typing import Any

import duckdb
import pandas as pd

from smscore.cli.common import (
    XLSX_HELP,
    Commands,
    amount_range,
    configure_batch_id,
    find_batch,
    print_table,
    terminal_frame,
    unknown_notice,
    write_files,
)
from smscore.cli.words import N_, _, _n, amount, code, count, worded
from smscore.words import vocab

COMMANDS = Commands()
command = COMMANDS.command


# --- report -----------------------------------------------------------------------------------


def _configure_report(p: argparse.ArgumentParser) -> None:
    from smscore.reports import GROUPINGS

    p.add_argument("--by", default="batch", choices=GROUPINGS, help=_("grouping (default: batch)"))
    p.add_argument("--batch", metavar="ID", help=_("only this batch"))
    p.add_argument("--csv", metavar="OUT.csv", help=_("write the report to a CSV (spreadsheet-safe)"))
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=_(XLSX_HELP))
    p.add_argument("--json", action="store_true", help=_("print JSON records"))


@command(
    "report", N_("batch costs per batch, country, category or day: estimate vs actual"), _configure_report
)
def run_report(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.export import safe_frame
    from smscore.reports import cost_report

    frame = cost_report(con, args.by, find_batch(con, args.batch) if args.batch else None)
    write_files(con, frame, args.csv, args.xlsx)
    if args.json:
        print(safe_frame(frame).to_json(orient="records", date_format="iso"))
    elif frame.empty:
        print(_("no messages sent yet"))
    else:
        shown = frame.drop(columns=[c for c in ("body",) if c in frame.columns])
        print(terminal_frame(shown).to_string(index=False))
    return 0


# --- batches ----------------------------------------------------------------------------------


@command("batches", N_("list batches: status, counts, estimate vs actual"), lambda p: None)
def run_batches(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.reports import batches

    frame = batches(con)
    if frame.empty:
        print(_("no batches yet"))
        return 0
    print_table(
        (
            _("batch"),
            _("created"),
            _("mode"),
            _("outcome"),
            _("recipients"),
            _("sent"),
            _("failed"),
            _("unknown"),
            _("pending"),
            _("estimate"),
            _("actual"),
        ),
        [
            (
                r.short_id,
                str(r.created_at)[:16],
                code("mode", r.mode),
                worded(r.outcome, vocab.outcome),
                count(r.recipients),
                count(r.sent),
                count(r.failed),
                count(r.unknown),
                count(r.pending),
                f"{r.currency} {amount_range(r.estimate_min, r.estimate_max)}",
                "-"
                if not r.priced
                else _("{actual} ({n} priced)").format(actual=amount(r.actual), n=count(r.priced)),
            )
            for r in frame.itertuples()
        ],
    )
    _print_batch_notices(frame)
    return 0


def _print_batch_notices(frame: pd.DataFrame) -> None:
    """Below the table, what to do about damaged batches and unknown outcomes, one line each."""
    from smscore.clock import utcnow
    from smscore.reports import unknown_wait_of
    from smscore.sending.ledger import DAMAGED

    for r in frame.itertuples():
        if r.status == DAMAGED:
            print(r.status_reason)
        elif (wait := unknown_wait_of(r)) and (notice := unknown_notice(wait, r.batch_id, utcnow())):
            print(_("batch {batch}: {notice}").format(batch=r.short_id, notice=notice))


# --- log --------------------------------------------------------------------------------------


def _configure_log(p: argparse.ArgumentParser) -> None:
    from smscore.reports import LOG_STATES

    configure_batch_id(p)
    p.add_argument("--state", choices=LOG_STATES, help=_("only messages in this state"))
    p.add_argument("--limit", type=int, default=50, help=_("rows to print (default: 50)"))
    p.add_argument("--csv", metavar="OUT.csv", help=_("write every matching message to a CSV"))
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=_(XLSX_HELP))


@command(
    "log", N_("the send log of a batch: each message's state, Twilio status and error code"), _configure_log
)
def run_log(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.reports import send_log

    batch_id = find_batch(con, args.batch)
    page, total = send_log(con, batch_id, state=args.state, limit=args.limit)
    if args.csv or args.xlsx:
        everything, _total = send_log(con, batch_id, state=args.state, limit=max(total, 1))
        write_files(con, everything, args.csv, args.xlsx)
    print_table(
        (_("phone"), _("state"), _("twilio status"), _("error"), _("segments"), _("estimate"), _("actual")),
        [
            (
                r.phone,
                code("state", r.state),
                code("twilio_status", r.twilio_status) if isinstance(r.twilio_status, str) else "-",
                _error_cell(r.error_code, r.error_message),
                "-" if pd.isna(r.segments) else count(int(r.segments)),
                "-" if r.estimate is None or pd.isna(r.estimate) else amount(r.estimate),
                "-" if r.actual is None or pd.isna(r.actual) else amount(r.actual),
            )
            for r in page.itertuples()
        ],
    )
    state = f" ({code('state', args.state)})" if args.state else ""
    print(
        _n("{shown} of {n} message{state}", "{shown} of {n} messages{state}", total).format(
            shown=count(len(page)), n=count(total), state=state
        )
    )
    return 0


def _error_cell(code: Any, message: str | None) -> str:
    """Twilio's code and message; a left-out contact has only its reason (`fixed line: ...`)."""
    text = "" if message is None or pd.isna(message) else message
    if code is None or pd.isna(code):
        return text or "-"
    return f"{int(code)} {text}".strip()
