"""What the command modules share: registering a command, the one-sentence error, tables and
amount ranges, naming a batch, and the gateway to Twilio (or the sandbox).

It imports no command module: they import it, and smscore.cli gathers them.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from smscore import store
from smscore.cli.words import N_, _, _n, amount, console, count, language, money
from smscore.money import Money

if TYPE_CHECKING:
    from smscore.sending.unknowns import UnknownWait

# A command runs on a connection, one unit of work; or, if it lends the workspace out itself
# (smscore.cli.LENDING), on the workspace.
Runner = (
    Callable[[argparse.Namespace, duckdb.DuckDBPyConnection], int]
    | Callable[[argparse.Namespace, store.Workspace], int]
)
Configure = Callable[[argparse.ArgumentParser], None]
Command = tuple[str, Configure, Runner]


class Commands(dict[str, Command]):
    """One module's commands by name, each (help text, configure(parser), run(args, con)).

    Each module keeps its own, so none imports another to register; smscore.cli gathers them
    in the order `--help` lists them.
    """

    def command(self, name: str, help_text: str, configure: Configure) -> Callable[[Runner], Runner]:
        """Register a subcommand; the decorated function runs it."""

        def register(run: Runner) -> Runner:
            self[name] = (help_text, configure, run)
            return run

        return register


class CliError(Exception):
    """A problem to tell the user in one sentence (exit code 2 for usage, 1 otherwise)."""


# --- tables -----------------------------------------------------------------------------------


def amount_range(low: Decimal, high: Decimal) -> str:
    """One amount when a price does not vary (by carrier, by recipient), else low-high."""
    return amount(low) if low == high else f"{amount(low)}-{amount(high)}"


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Aligned columns for a terminal: the first left, the others (numbers, mostly) right."""
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))


def terminal_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A report for the terminal in the CLI's language: the console's column titles and words,
    amounts with the language's decimal sign. English keeps the codes, as smscore always printed."""
    if language() == "en":
        return frame
    from smscore.words import files

    shown = files.labels(frame, language()).applied(frame)
    return shown.map(lambda v: amount(v) if isinstance(v, Decimal) else v)


# --- files for spreadsheets -------------------------------------------------------------------

XLSX_HELP = N_("also write the rows to this Excel workbook (text stays text, money and dates stay numbers)")


def write_files(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    csv_path: str | None,
    xlsx_path: str | None,
    *,
    only: Sequence[str] | None = None,
) -> None:
    """The CSV and/or the workbook of `frame` in the CLI's language, as the console writes them:
    its column titles and state words, `;` and the decimal comma in Portuguese, dates on the
    workspace's clock. `keep` names columns whose headers are the operator's own (an import's
    rejected rows keep the file's header)."""
    from smscore.export import write_csv
    from smscore.store.settings import load_settings
    from smscore.words import files
    from smscore.workbook import write_xlsx

    lang = language()
    style = files.style(lang, load_settings(con).time_zone)
    labels = files.labels(frame, lang, only=only)
    if csv_path:
        write_csv(frame, csv_path, style, labels)
    if xlsx_path:
        write_xlsx(frame, xlsx_path, style, labels)


# --- batches by name --------------------------------------------------------------------------

BATCH_ID_HELP = N_(
    "batch id as the console and `batches` show it (b-fc845dcb42), or the full id or any longer part of it"
)


def configure_batch_id(p: argparse.ArgumentParser) -> None:
    """The batch argument of every command about one batch, with the same help."""
    p.add_argument("batch", metavar="ID", help=_(BATCH_ID_HELP))


def find_batch(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The full id of the batch a person named (smscore.batchid: the same rule everywhere)."""
    from smscore.batchid import resolve_batch_id

    return resolve_batch_id(con, text)


# --- the balance ------------------------------------------------------------------------------


def low_balance_notice(balance: Money | None, threshold: Decimal) -> str | None:
    """The low-balance notice, or None above the threshold: smscore's English sentence, or the
    console's in Portuguese, with the amounts the CLI's way."""
    from smscore.twilio import balance as balances

    notice = balances.low_balance_notice(balance, threshold)
    if notice is None or balance is None or language() == "en":
        return notice
    return console(
        "notice.low_balance",
        balance=money(balance.amount, balance.currency),
        threshold=money(threshold, balance.currency),
    )


# --- outcomes in doubt ------------------------------------------------------------------------


def unknown_notice(wait: UnknownWait, batch_id: str, now: datetime) -> str | None:
    """What the operator should do about a batch's unknown outcomes, in one sentence."""
    parts = []
    if wait.pending:
        command = f"`smscore reconcile {batch_id}`"
        left = wait.seconds_left(now)
        if not left:
            parts.append(
                _n(
                    "outcome unknown for {n} message; it can be looked up in Twilio now: run {command}",
                    "outcome unknown for {n} messages; they can be looked up in Twilio now: run {command}",
                    wait.pending,
                ).format(n=count(wait.pending), command=command)
            )
        else:
            parts.append(
                _n(
                    "outcome unknown for {n} message; it can be looked up in Twilio from {at} UTC"
                    " (in {seconds} s): run {command} then",
                    "outcome unknown for {n} messages; they can be looked up in Twilio from {at} UTC"
                    " (in {seconds} s): run {command} then",
                    wait.pending,
                ).format(
                    n=count(wait.pending),
                    at=f"{wait.ready_at:%H:%M:%S}",
                    seconds=count(math.ceil(left)),
                    command=command,
                )
            )
    if wait.undecided:
        parts.append(
            _n(
                "{n} message could not be told apart from other messages in Twilio: check it in the"
                " Twilio Console ({command} lists it)",
                "{n} messages could not be told apart from other messages in Twilio: check them in the"
                " Twilio Console ({command} lists them)",
                wait.undecided,
            ).format(n=count(wait.undecided), command=f"`smscore log {batch_id} --state unknown`")
        )
    return "; ".join(parts) or None


# --- the gateway ------------------------------------------------------------------------------


def open_gateway(con: duckdb.DuckDBPyConnection):  # noqa: ANN201 - (Gateway, sender)
    """The gateway (live with credentials in the environment, else the sandbox) and its sender."""
    import os

    from smscore.twilio import connect as gateways
    from smscore.twilio.sandbox import SANDBOX_SENDER

    chosen = gateways.open_gateway(con, os.environ)
    sender = getattr(getattr(chosen, "credentials", None), "sender", None)
    return chosen, sender if chosen.mode == "live" else SANDBOX_SENDER


def gateway_for(ws: store.Workspace) -> object:
    """The gateway for a send or a poll: a sandbox borrows the workspace per request."""
    import os

    from smscore.twilio import connect as gateways

    return gateways.open_gateway(ws, os.environ)
