"""The data subject commands (LGPD): `person show|export|erase PHONE` and `purge`.

They act as the local OS user with admin rights (`cli:<user>` in the audit trail), like every
command without `--as`. The number may be written any way (`(11) 98765-4321` is read with the
workspace's default country, or `--default-country`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import duckdb

from smscore.cli.common import CliError, Commands, open_gateway, print_table
from smscore.cli.words import N_, _, count, yes

if TYPE_CHECKING:
    from smscore.person.finding import Subject

COMMANDS = Commands()
command = COMMANDS.command


def _configure_person(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("show", N_("every row held about the number, in any table, with dates")),
        ("export", N_("write everything held about the number as JSON (docs/person-export.schema.json)")),
        ("erase", N_("erase the number's data here and at Twilio; costs and counts stay")),
    ):
        sub = actions.add_parser(name, help=_(help_text), description=_(help_text))
        sub.add_argument("phone", metavar="PHONE", help=_("the number, written any way"))
        sub.add_argument(
            "--default-country",
            metavar="ISO",
            help=_("country of a number written without +country code (default: the workspace's)"),
        )
        if name == "export":
            sub.add_argument("--out", metavar="FILE.json", required=True, help=_("where to write the JSON"))
        if name == "erase":
            sub.add_argument("--yes", action="store_true", help=_("erase without asking"))


@command(
    "person",
    N_("a person's data under LGPD: show, export or erase what is held about a number"),
    _configure_person,
)
def run_person(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.person.finding import subject_of
    from smscore.store.settings import load_settings

    country = (args.default_country or load_settings(con).default_country).upper()
    subject = subject_of(args.phone, country)
    return {"show": _show, "export": _export, "erase": _erase}[args.action](args, con, subject)


def _show(args: argparse.Namespace, con: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    from smscore.person.finding import find

    found = find(con, subject)
    print(
        _("{phone}: {rows} row(s) in {tables} table(s)").format(
            phone=subject.e164, rows=count(len(found)), tables=count(found["table"].nunique())
        )
    )
    if len(found):
        rows = [
            (t, c, "" if at is None or str(at) == "NaT" else str(at)[:19], _one_line(v))
            for t, c, _, at, v in found.itertuples(index=False)
        ]
        print_table([_("table"), _("column"), _("date (UTC)"), _("value")], rows)
    return 0


def _export(args: argparse.Namespace, con: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    from smscore.access.audit import Actor
    from smscore.person.dossier import export

    document = export(con, subject, args.out, Actor.cli())
    print(
        _(
            "written to {path}: contact {contact}, {messages} message(s), {replies} reply(ies),"
            " {other} other record(s)"
        ).format(
            path=args.out,
            contact=_("yes") if document["contact"] else _("none"),
            messages=count(len(document["messages"])),
            replies=count(len(document["replies"])),
            other=count(len(document["other_records"])),
        )
    )
    return 0


def _erase(args: argparse.Namespace, con: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    from smscore.access.audit import Actor
    from smscore.person import erasure

    plan = erasure.plan(con, subject)
    print(
        _(
            "will erase {phone}: contact {contact}, {links} category link(s), {messages} message(s) made"
            " anonymous (costs stay), {replies} reply(ies), {twilio} record(s) at Twilio, {other} other"
            " row(s); the number stays blocked from imports"
        ).format(
            phone=plan.subject.e164,
            contact=(plan.name or _("(no name)")) if plan.contact else _("none"),
            links=count(plan.categories),
            messages=count(plan.messages),
            replies=count(plan.replies),
            twilio=count(plan.at_twilio),
            other=count(plan.other_rows),
        )
    )
    if not args.yes and not _confirmed():
        raise CliError(_("nothing erased: answer 'yes' to erase, or pass --yes"))
    gateway, _sender = open_gateway(con)
    report = erasure.erase(con, subject, gateway, Actor.cli())
    print(
        _(
            "erased: {contacts} contact(s), {links} category link(s), {messages} message(s) made anonymous"
            " ({stopped} not yet sent, now never), {replies} reply(ies), {sandbox} sandbox record(s),"
            " {deleted} deleted at Twilio, {scrubbed} other row(s) cleaned"
        ).format(
            contacts=count(report.contacts),
            links=count(report.links),
            messages=count(report.messages),
            stopped=count(report.stopped),
            replies=count(report.replies),
            sandbox=count(report.sandbox),
            deleted=count(report.twilio_deleted),
            scrubbed=count(report.scrubbed),
        )
    )
    for sid, why in report.not_deleted:
        print(_("  not deleted at Twilio: {sid}: {why}").format(sid=sid, why=why))
    for table, column in report.left:
        print(_("  still holding the number: {where}").format(where=f"{table}.{column}"), file=sys.stderr)
    return 1 if report.not_deleted or report.left else 0


def _confirmed() -> bool:
    print(_("type yes to erase: "), end="", flush=True)
    return yes(sys.stdin.readline())


def _one_line(value: object) -> str:
    """A stored value on one terminal line: text from files and Twilio may hold line breaks or
    escape sequences, which a terminal must not act on."""
    return "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(value).split()))


def _configure_purge(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--days",
        type=int,
        metavar="N",
        help=_("make anonymous what is older than N days (default: the workspace's retention setting)"),
    )


@command(
    "purge", N_("make numbers and texts of old messages and replies anonymous (retention)"), _configure_purge
)
def run_purge(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.access.audit import Actor
    from smscore.person.retention import purge

    report = purge(con, Actor.cli(), days=args.days)
    if report.cutoff is None:
        print(_("retention is off (keep everything): nothing purged; set it in Settings or pass --days"))
        return 0
    print(
        _(
            "purged what is older than {days} day(s) (before {cutoff} UTC): {messages} message(s),"
            " {replies} reply(ies), {sandbox} sandbox record(s)"
        ).format(
            days=count(report.days),
            cutoff=f"{report.cutoff:%Y-%m-%d %H:%M}",
            messages=count(report.messages),
            replies=count(report.replies),
            sandbox=count(report.sandbox),
        )
    )
    return 0
