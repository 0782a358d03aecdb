"""The access commands: `approve` or `reject` a batch awaiting approval as a second admin, and
the local accounts (`user`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from smscore import store
from smscore.cli.acting import acting, configure_as, read_password
from smscore.cli.common import (
    CliError,
    Commands,
    configure_batch_id,
    find_batch,
    gateway_for,
    print_table,
)
from smscore.cli.running import configure_pacing, send_batch
from smscore.cli.words import N_, _, worded

if TYPE_CHECKING:
    from smscore.access.audit import Actor

COMMANDS = Commands()
command = COMMANDS.command


def role_word(role: str) -> str:
    """A role as the console words it in Portuguese; the code in English (as before)."""
    from smscore.words.access_words import role as role_words

    return worded(role, role_words)


# --- approvals --------------------------------------------------------------------------------


def _configure_approver(p: argparse.ArgumentParser) -> None:
    configure_as(
        p,
        N_(
            "the admin account deciding (required once the workspace has accounts; not "
            "the one that confirmed the batch): its password is asked for, or read as "
            "one line from stdin"
        ),
    )


def _configure_approve(p: argparse.ArgumentParser) -> None:
    configure_batch_id(p)
    _configure_approver(p)
    p.add_argument("--no-send", action="store_true", help=_("approve only; send later"))
    configure_pacing(p)


@command(
    "approve",
    N_("approve a batch awaiting approval as a second admin (--as), then send it"),
    _configure_approve,
)
def run_approve(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.access import approvals
    from smscore.batchid import short_id

    batch_id, actor = _decider(ws, args, "approve")
    with ws.unit() as con:
        approvals.approve(con, batch_id, actor)
    print(_("batch {batch} approved by {name}").format(batch=short_id(batch_id), name=actor.name))
    if args.no_send:
        return 0
    return send_batch(ws, gateway_for(ws), batch_id, args)


def _configure_reject(p: argparse.ArgumentParser) -> None:
    configure_batch_id(p)
    _configure_approver(p)
    p.add_argument("--reason", default="", help=_("why, for the audit trail"))


@command("reject", N_("reject (cancel) a batch awaiting approval, as an admin (--as)"), _configure_reject)
def run_reject(args: argparse.Namespace, ws: store.Workspace) -> int:
    from smscore.access import approvals
    from smscore.batchid import short_id

    batch_id, actor = _decider(ws, args, "reject")
    with ws.unit() as con:
        approvals.reject(con, batch_id, actor, args.reason)
    print(
        _("batch {batch} rejected by {name}: it will not send").format(
            batch=short_id(batch_id), name=actor.name
        )
    )
    return 0


def _decider(ws: store.Workspace, args: argparse.Namespace, action: str) -> tuple[str, Actor]:
    """The batch and the admin who decides on it."""
    from smscore.access import approvals

    with ws.unit() as con:
        batch_id = find_batch(con, args.batch)
        approvals.awaiting(con, batch_id)  # before anyone types a password for nothing
    return batch_id, acting(
        ws,
        args.acting_as,
        _("the admin who decides"),
        f"{action} {args.batch}",
        lambda con, email, password: approvals.signed_in_admin(con, email, password, batch_id, action),
    )


# --- user -------------------------------------------------------------------------------------


def _configure_user(p: argparse.ArgumentParser) -> None:
    from smscore.access.accounts import ROLES

    sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = sub.add_parser(
        "add", help=_("create a local account (asks for the password, or reads it from stdin)")
    )
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--oidc-only",
        action="store_true",
        help=_("no password: the user signs in through the identity provider"),
    )
    sub.add_parser("list", help=_("every account with its role and state"))
    role = sub.add_parser("set-role", help=_("change an account's role"))
    role.add_argument("email")
    role.add_argument("role", choices=ROLES)
    disable = sub.add_parser("disable", help=_("refuse further sign-ins of an account"))
    disable.add_argument("email")
    disable.add_argument("--enable", action="store_true", help=_("allow sign-in again"))
    reset = sub.add_parser("reset-password", help=_("set a new password and lift a lock-out"))
    reset.add_argument("email")


@command("user", N_("local accounts: add, list, set-role, disable, reset-password"), _configure_user)
def run_user(args: argparse.Namespace, ws: store.Workspace) -> int:
    """Passwords are asked outside any unit of work: the console must not wait on the typing."""
    from smscore.access import accounts
    from smscore.access.audit import Actor

    actor = Actor.cli()
    action = args.user_command
    if action == "list":
        with ws.unit() as con:
            users = accounts.list_users(con)
        print_table(
            (_("email"), _("role"), _("state"), _("sign-in")),
            [
                (
                    u.email,
                    role_word(u.role),
                    _("disabled")
                    if u.disabled
                    else (
                        _("locked until {at} UTC").format(at=f"{u.locked_until:%Y-%m-%d %H:%M}")
                        if u.locked_until
                        else _("active")
                    ),
                    _("password") if u.has_password else _("identity provider"),
                )
                for u in users
            ],
        )
        return 0
    if action == "reset-password":
        with ws.unit() as con:
            if accounts.get_user(con, accounts.normal_email(args.email)) is None:
                raise CliError(_("no account for {email}").format(email=args.email))  # before a password
    password = (
        read_password() if action == "reset-password" or (action == "add" and not args.oidc_only) else None
    )
    with ws.unit() as con:
        if action == "add":
            user = accounts.add_user(con, args.email, args.role, password, actor)
        elif action == "set-role":
            user = accounts.set_role(con, args.email, args.role, actor)
        elif action == "disable":
            user = accounts.set_disabled(con, args.email, not args.enable, actor)
        else:
            user = accounts.reset_password(con, args.email, password, actor)
    state = _("disabled") if user.disabled else _("active")
    print(
        _("{email}: {role}, {state} (recorded in the audit trail as {name})").format(
            email=user.email, role=role_word(user.role), state=state, name=actor.name
        )
    )
    return 0
