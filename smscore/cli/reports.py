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
    write_files,
)
from smscore.money import decimal_str

COMMANDS = Commands()
command = COMMANDS.command


# --- report -----------------------------------------------------------------------------------


def _configure_report(p: argparse.ArgumentParser) -> None:
    from smscore.reports import GROUPINGS

    p.add_argument("--by", default="batch", choices=GROUPINGS, help="grouping (default: batch)")
    p.add_argument("--batch", metavar="ID", help="only this batch")
    p.add_argument("--csv", metavar="OUT.csv", help="write the report to a CSV (spreadsheet-safe)")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=XLSX_HELP)
    p.add_argument("--json", action="store_true", help="print JSON records")


@command("report", "batch costs per batch, country, category or day: estimate vs actual", _configure_report)
def run_report(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.export import safe_frame
    from smscore.reports import cost_report

    frame = cost_report(con, args.by, find_batch(con, args.batch) if args.batch else None)
    write_files(con, frame, args.csv, args.xlsx)
    if args.json:
        print(safe_frame(frame).to_json(orient="records", date_format="iso"))
    elif frame.empty:
        print("no messages sent yet")
    else:
        shown = frame.drop(columns=[c for c in ("body",) if c in frame.columns])
        print(shown.to_string(index=False))
    return 0


# --- batches ----------------------------------------------------------------------------------


@command("batches", "list batches: status, counts, estimate vs actual", lambda p: None)
def run_batches(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.reports import batches

    frame = batches(con)
    if frame.empty:
        print("no batches yet")
        return 0
    print_table(
        (
            "batch",
            "created",
            "mode",
            "outcome",
            "recipients",
            "sent",
            "failed",
            "unknown",
            "pending",
            "estimate",
            "actual",
        ),
        [
            (
                r.short_id,
                str(r.created_at)[:16],
                r.mode,
                r.outcome,
                r.recipients,
                r.sent,
                r.failed,
                r.unknown,
                r.pending,
                f"{r.currency} {amount_range(r.estimate_min, r.estimate_max)}",
                "-" if not r.priced else f"{decimal_str(r.actual)} ({r.priced} priced)",
            )
            for r in frame.itertuples()
        ],
    )
    _print_batch_notices(frame)
    return 0


def _print_batch_notices(frame: pd.DataFrame) -> None:
    """Below the table, what to do about damaged batches and unknown outcomes, one line each."""
    from smscore.reports import unknown_notice
    from smscore.sending.ledger import DAMAGED

    for r in frame.itertuples():
        if r.status == DAMAGED:
            print(r.status_reason)
        elif notice := unknown_notice(r):
            print(f"batch {r.short_id}: {notice}")


# --- log --------------------------------------------------------------------------------------


def _configure_log(p: argparse.ArgumentParser) -> None:
    from smscore.reports import LOG_STATES

    configure_batch_id(p)
    p.add_argument("--state", choices=LOG_STATES, help="only messages in this state")
    p.add_argument("--limit", type=int, default=50, help="rows to print (default: 50)")
    p.add_argument("--csv", metavar="OUT.csv", help="write every matching message to a CSV")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=XLSX_HELP)


@command("log", "the send log of a batch: each message's state, Twilio status and error code", _configure_log)
def run_log(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.reports import send_log

    batch_id = find_batch(con, args.batch)
    page, total = send_log(con, batch_id, state=args.state, limit=args.limit)
    if args.csv or args.xlsx:
        everything, _ = send_log(con, batch_id, state=args.state, limit=max(total, 1))
        write_files(con, everything, args.csv, args.xlsx)
    print_table(
        ("phone", "state", "twilio status", "error", "segments", "estimate", "actual"),
        [
            (
                r.phone,
                r.state,
                "-" if pd.isna(r.twilio_status) else r.twilio_status,
                _error_cell(r.error_code, r.error_message),
                "-" if pd.isna(r.segments) else int(r.segments),
                "-" if r.estimate is None or pd.isna(r.estimate) else decimal_str(r.estimate),
                "-" if r.actual is None or pd.isna(r.actual) else decimal_str(r.actual),
            )
            for r in page.itertuples()
        ],
    )
    print(f"{len(page)} of {total} messages" + (f" ({args.state})" if args.state else ""))
    return 0


def _error_cell(code: Any, message: str | None) -> str:
    """Twilio's code and message; a left-out contact has only its reason (`fixed line: ...`)."""
    text = "" if message is None or pd.isna(message) else message
    if code is None or pd.isna(code):
        return text or "-"
    return f"{int(code)} {text}".strip()
