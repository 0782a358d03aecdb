"""Running a batch to Twilio and what follows it: `batch-resume` what is left, `poll` the
statuses, `reconcile` unknown outcomes and `cancel` a scheduled batch. `send` and `approve`
run their batches here too."""

from __future__ import annotations

import argparse
import sys

import duckdb

from smscore import store
from smscore.cli.common import (
    Commands,
    configure_batch_id,
    find_batch,
    gateway_for,
    low_balance_notice,
    open_gateway,
    unknown_notice,
)
from smscore.cli.words import N_, _, _n, code, count, fixed, language, money, said, worded
from smscore.sending.outcome import SCHEDULED, SENT, SENT_WITH_FAILURES, Outcome, judge
from smscore.words import vocab

COMMANDS = Commands()
command = COMMANDS.command


# --- running a batch --------------------------------------------------------------------------


def configure_pacing(p: argparse.ArgumentParser) -> None:
    """How fast a batch goes out: for every command that sends one."""
    p.add_argument(
        "--rate",
        type=float,
        metavar="N",
        help=_("segments per second (default: Twilio's MPS for the sender type)"),
    )
    p.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help=_("requests in flight at once (default: 4)")
    )


def send_batch(ws: store.Workspace, gateway: object, batch_id: str, args: argparse.Namespace) -> int:
    """Send what the batch has left, then print its outcome, why any failed and what next."""
    from smscore.sending import ledger
    from smscore.sending.sender import run_batch

    # A damaged batch raises ledger.DamagedBatch here: one sentence saying how to repair it.
    progress = run_batch(
        ws,
        gateway,
        batch_id,
        concurrency=args.concurrency,
        rate_segments_per_second=args.rate,
        on_progress=_print_progress,
    )
    print()
    with ws.unit() as con:
        scheduled = con.execute(
            "SELECT count(*) FROM messages WHERE batch_id = ? AND "
            "state = 'sent' AND twilio_status = 'scheduled'",
            [batch_id],
        ).fetchone()[0]
    result = judge(
        progress.status,
        sent=progress.sent,
        failed=progress.failed,
        unknown=progress.unknown,
        pending=progress.queued + progress.claimed,
        scheduled=int(scheduled),
    )
    # A pause says why in the sender's own words: needs reconcile, stopped: auth, ...
    detail = (
        f" ({code('status', progress.status)})"
        if result.kind == "paused" and progress.status != ledger.PAUSED
        else ""
    )
    print(
        _(
            "{outcome}{detail}: sent {sent}, failed {failed}, unknown {unknown}, queued {queued};"
            " cost so far {cost} (estimate up to {estimate})"
        ).format(
            outcome=_coloured(result),
            detail=detail,
            sent=count(progress.sent),
            failed=count(progress.failed),
            unknown=count(progress.unknown),
            queued=count(progress.queued),
            cost=money(progress.cost_so_far.amount, progress.cost_so_far.currency),
            estimate=money(progress.estimate_max.amount, progress.estimate_max.currency),
        )
    )
    with ws.unit() as con:
        _print_reasons(con, batch_id)
        notice = unknown_notice(ledger.unknown_wait(con, batch_id), batch_id, ledger.utcnow())
        if notice:  # fresher than the stored reason: it counts the seconds left from now
            print(notice, file=sys.stderr)
        elif progress.reason:
            print(_("reason: {reason}").format(reason=progress.reason), file=sys.stderr)
        _notice_after_batch(con, gateway)
    return 0 if result.kind in (SENT, SENT_WITH_FAILURES, SCHEDULED) else 1


_ANSI = {"green": "32", "orange": "33", "red": "31", "gray": "90", "blue": "34", "violet": "35"}


def _coloured(result: Outcome) -> str:
    """The outcome word in its colour (the console's), when printing to a terminal."""
    word = worded(result.kind, vocab.outcome)
    if not sys.stdout.isatty():
        return word
    return f"\033[{_ANSI[result.colour]}m{word}\033[0m"


def _print_reasons(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    """The commonest failure causes, each with Twilio's meaning and what to do."""
    from smscore.sending.outcome import top_reasons
    from smscore.twilio.errors import explain

    for reason in top_reasons(con, batch_id):
        line = explain(reason.code, language(), reason.message).line()
        print(_("  {n} failed: {reason}").format(n=count(reason.count), reason=line))


def _notice_after_batch(con: duckdb.DuckDBPyConnection, gateway: object) -> None:
    """Re-check the balance after every batch: it drains as Twilio prices what went out."""
    from smscore.store.settings import load_settings

    try:
        notice = low_balance_notice(gateway.balance(), load_settings(con).low_balance_threshold)
    except Exception as exc:  # noqa: BLE001 - a failed re-check must not hide the batch result
        notice = _("could not re-check the balance: {error}").format(error=said(exc))
    if notice:
        print(notice, file=sys.stderr)


def _print_progress(p: object) -> None:
    eta = "" if p.eta_seconds is None else _(", ETA {seconds} s").format(seconds=count(round(p.eta_seconds)))
    print(
        "\r"
        + _(
            "{settled}/{total} settled ({failed} failed, {unknown} unknown), {rate} segments/s, {cost}{eta}"
        ).format(
            settled=count(p.sent + p.failed),
            total=count(p.total),
            failed=count(p.failed),
            unknown=count(p.unknown),
            rate=fixed(p.segments_per_second, 1),
            cost=money(p.cost_so_far.amount, p.cost_so_far.currency),
            eta=eta,
        ),
        end="",
        flush=True,
    )


# --- after a batch ----------------------------------------------------------------------------


def _configure_resume(p: argparse.ArgumentParser) -> None:
    configure_batch_id(p)
    configure_pacing(p)


@command("batch-resume", N_("send what a paused or interrupted batch has left"), _configure_resume)
def run_batch_resume(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.access.audit import Actor, record
    from smscore.store.writes import write

    with ws.unit() as con:
        batch_id = find_batch(con, args.batch)
        write(con, lambda cur: record(cur, Actor.cli(), "batch.resume", batch_id))
    return send_batch(ws, gateway_for(ws), batch_id, args)


@command("reconcile", N_("look up messages with an unknown outcome in Twilio"), configure_batch_id)
def run_reconcile(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.sending.ledger import utcnow
    from smscore.sending.sender import reconcile

    batch_id = find_batch(con, args.batch)
    gateway, _sender = open_gateway(con)
    result = reconcile(con, gateway, batch_id)
    print(
        _("found in Twilio {found}, queued again {requeued}, still unknown {left}").format(
            found=count(result.found), requeued=count(result.requeued), left=count(result.left)
        )
    )
    if result.requeued:
        print(
            _n(
                "run `smscore batch-resume {batch}` to send the {n} message Twilio never got",
                "run `smscore batch-resume {batch}` to send the {n} messages Twilio never got",
                result.requeued,
            ).format(batch=batch_id, n=count(result.requeued))
        )
    notice = unknown_notice(result.wait, batch_id, utcnow()) if result.wait else None
    if notice:
        print(notice, file=sys.stderr)
    return 1 if result.left else 0


@command(
    "cancel",
    N_("cancel a scheduled batch: its messages still scheduled at Twilio and any not yet sent"),
    configure_batch_id,
)
def run_cancel(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.sending.schedule import cancel_batch

    batch_id = find_batch(con, args.batch)
    gateway, _sender = open_gateway(con)
    result = cancel_batch(con, gateway, batch_id)
    print(
        _("cancelled at Twilio {cancelled}, never sent {unsent}, already gone out {too_late}").format(
            cancelled=count(result.cancelled), unsent=count(result.unsent), too_late=count(result.too_late)
        )
    )
    if result.errors:
        print(
            _n(
                "error: {n} message could not be cancelled now; run the command again",
                "error: {n} messages could not be cancelled now; run the command again",
                result.errors,
            ).format(n=count(result.errors)),
            file=sys.stderr,
        )
        return 1
    return 0


@command("poll", N_("fetch delivery statuses and actual prices of a batch"), configure_batch_id)
def run_poll(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.sending.sender import poll_statuses

    with ws.unit() as con:
        batch_id = find_batch(con, args.batch)
    updated = poll_statuses(ws, gateway_for(ws), batch_id)
    print(_n("updated {n} message", "updated {n} messages", updated).format(n=count(updated)))
    return 0
