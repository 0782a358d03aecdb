"""Who acts on the command line when it spends or decides: the account named by --as, signed in
with its password (asked on a terminal, or read from stdin), or without accounts the OS user."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb

from smscore import store
from smscore.cli.common import CliError
from smscore.cli.words import _

if TYPE_CHECKING:
    from smscore.access.audit import Actor


SignIn = Callable[[duckdb.DuckDBPyConnection, str, str], "Actor"]


def configure_as(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--as", dest="acting_as", metavar="EMAIL", help=_(help_text))


def acting(ws: store.Workspace, email: str | None, who: str, example: str, sign_in: SignIn) -> Actor:
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
            raise CliError(
                _("this workspace has no accounts, so --as names nobody; leave it out to act as the OS user")
            )
        return Actor.cli()
    if not email:
        raise CliError(
            _(
                "this workspace has accounts: name {who} with --as EMAIL (e.g. `smscore {example} --as ana@example.com`)"
            ).format(who=who, example=example)
        )
    password = ask_password()
    with ws.unit() as con:
        return sign_in(con, email, password)


# --- passwords --------------------------------------------------------------------------------


def read_password(stdin=None) -> str:  # noqa: ANN001 - a text stream, sys.stdin by default
    """A new password: asked twice on a terminal; otherwise one line from stdin (for scripts)."""
    import getpass

    stdin = stdin or sys.stdin
    first = ask_password(stdin)
    if stdin.isatty() and getpass.getpass(_("again: ")) != first:
        raise CliError(_("the two passwords differ; nothing was changed"))
    return first


def ask_password(stdin=None) -> str:  # noqa: ANN001 - a text stream, sys.stdin by default
    """An existing password: asked once on a terminal, unechoed; otherwise one line from stdin."""
    import getpass

    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    return getpass.getpass(_("password: "))
