"""`python -m smscore`: the command line. It parses arguments and formats what the core returns.

Each command is a `configure(parser)` plus a `run(args, con) -> int` pair registered in the
module of its group (contacts, cost, sending, running, reports, access, person; what they share is in
common and acting) and gathered here in COMMANDS. Errors reach the user as one sentence on
stderr with a non-zero exit, never a traceback: the core raises exceptions that name the bad
value, and `main` prints them.
A command runs as one unit of work on the shared workspace (store.Workspace), so the console
and notebooks on the same file wait only while it runs; the sending commands instead take the
workspace itself and borrow it per round.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from smscore import store
from smscore.cli import access, contacts, cost, person, reports, running, sending, words
from smscore.cli.common import CliError, Command
from smscore.cli.words import _

__all__ = ["COMMANDS", "LENDING", "CliError", "build_parser", "main"]

# The order `--help` lists the commands in: the order of the work, which crosses the modules.
ORDER = (
    "import",
    "quote",
    "prices",
    "fees",
    "report",
    "balance",
    "send",
    "send-again",
    "batches",
    "batch-resume",
    "reconcile",
    "cancel",
    "poll",
    "log",
    "approve",
    "reject",
    "user",
    "person",
    "purge",
)


def _gather(*groups: dict[str, Command]) -> dict[str, Command]:
    """Every group's commands in ORDER; a command left out of ORDER fails here, not in silence."""
    commands = {name: entry for group in groups for name, entry in group.items()}
    if set(commands) != set(ORDER):
        raise RuntimeError(
            "smscore.cli.ORDER and the registered commands differ: "
            + ", ".join(sorted(set(commands) ^ set(ORDER)))
        )
    return {name: commands[name] for name in ORDER}


COMMANDS = _gather(
    contacts.COMMANDS,
    cost.COMMANDS,
    sending.COMMANDS,
    running.COMMANDS,
    reports.COMMANDS,
    access.COMMANDS,
    person.COMMANDS,
)

# Commands that borrow the workspace in units themselves: so others get in while they send, and
# nobody waits while an operator types a password.
LENDING = frozenset({"balance", "send", "send-again", "batch-resume", "approve", "reject", "user", "poll"})


# --- main -------------------------------------------------------------------------------------


def _shown(path: Path) -> str:
    """The default workspace as a person reads it: relative to this folder or to ~ when it can."""
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        if path.is_relative_to(base):
            return prefix + path.relative_to(base).as_posix()
    return str(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smscore",
        description=_("smsconsole core: import contacts, price and send SMS batches via Twilio."),
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=_("DuckDB file (default: $SMSCONSOLE_DB or {path})").format(path=_shown(store.DEFAULT_DB)),
    )
    parser.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help=_(
            "how long to wait while the console or another command holds the workspace (default: ${env} or {default})"
        ).format(env=store.WAIT_ENV, default=f"{store.DEFAULT_WAIT:g}"),
    )
    parser.add_argument(
        "--lang",
        metavar="LANG",
        help=_(
            "language of messages, tables and files: en or pt-BR (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG)"
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, configure, _run) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=_(help_text), description=_(help_text))
        configure(command_parser)
        # Also accepted after the command's name, where people tend to write it.
        command_parser.add_argument(
            "--wait", type=float, metavar="SECONDS", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words.use(words.choose(_lang_flag(sys.argv[1:] if argv is None else argv), os.environ))
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        ws = store.Workspace(
            store.resolve_db_path(args.db),
            kind="cli",
            detail=args.command,
            wait=args.wait,
            linger=0,
            notify=_notice,
        )
        run = COMMANDS[args.command][2]
        if args.command in LENDING:
            return run(args, ws)
        with ws.unit() as con:
            return run(args, con)
    except BrokenPipeError:  # `smscore prices | head`: the reader has what it wanted
        sys.stderr.close()
        return 141
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one sentence, never a traceback
        return _fail(exc)


def _lang_flag(argv: Sequence[str]) -> str | None:
    """`--lang` read before the parser is built, since the parser's own help is in that language."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang")
    return early.parse_known_args(list(argv))[0].lang


def _notice(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _fail(exc: BaseException) -> int:
    """One sentence on stderr: a problem the core coded, in the CLI's language; else as raised."""
    text = words.said(exc).strip()
    message = text.splitlines()[0] if text else type(exc).__name__
    print(_("error: {message}").format(message=message), file=sys.stderr)
    return 2 if isinstance(exc, CliError) else 1
