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

if TYPE_CHECKING:
    from smscore.person.finding import Subject

COMMANDS = Commands()
command = COMMANDS.command


def _configure_person(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (
        ("show", "every row held about the number, in any table, with dates"),
        ("export", "write everything held about the number as JSON (docs/person-export.schema.json)"),
        ("erase", "erase the number's data here and at Twilio; costs and counts stay"),
    ):
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("phone", metavar="PHONE", help="the number, written any way")
        sub.add_argument(
            "--default-country",
            metavar="ISO",
            help="country of a number written without +country code (default: the workspace's)",
        )
        if name == "export":
            sub.add_argument("--out", metavar="FILE.json", required=True, help="where to write the JSON")
        if name == "erase":
            sub.add_argument("--yes", action="store_true", help="erase without asking")


@command(
    "person",
    "a person's data under LGPD: show, export or erase what is held about a number",
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
    print(f"{subject.e164}: {len(found)} row(s) in {found['table'].nunique()} table(s)")
    if len(found):
        rows = [
            (t, c, "" if at is None or str(at) == "NaT" else str(at)[:19], _one_line(v))
            for t, c, _, at, v in found.itertuples(index=False)
        ]
        print_table(["table", "column", "date (UTC)", "value"], rows)
    return 0


def _export(args: argparse.Namespace, con: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    from smscore.access.audit import Actor
    from smscore.person.dossier import export

    document = export(con, subject, args.out, Actor.cli())
    print(
        f"written to {args.out}: contact {'yes' if document['contact'] else 'none'}, "
        f"{len(document['messages'])} message(s), {len(document['replies'])} reply(ies), "
        f"{len(document['other_records'])} other record(s)"
    )
    return 0


def _erase(args: argparse.Namespace, con: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    from smscore.access.audit import Actor
    from smscore.person import erasure

    plan = erasure.plan(con, subject)
    print(
        f"will erase {plan.subject.e164}: contact {plan.name or '(no name)' if plan.contact else 'none'}, "
        f"{plan.categories} category link(s), {plan.messages} message(s) made anonymous "
        f"(costs stay), {plan.replies} reply(ies), {plan.at_twilio} record(s) at Twilio, "
        f"{plan.other_rows} other row(s); the number stays blocked from imports"
    )
    if not args.yes and not _confirmed():
        raise CliError("nothing erased: answer 'yes' to erase, or pass --yes")
    gateway, _ = open_gateway(con)
    report = erasure.erase(con, subject, gateway, Actor.cli())
    print(
        f"erased: {report.contacts} contact(s), {report.links} category link(s), "
        f"{report.messages} message(s) made anonymous ({report.stopped} not yet sent, now never), "
        f"{report.replies} reply(ies), {report.sandbox} sandbox record(s), "
        f"{report.twilio_deleted} deleted at Twilio, {report.scrubbed} other row(s) cleaned"
    )
    for sid, why in report.not_deleted:
        print(f"  not deleted at Twilio: {sid}: {why}")
    for table, column in report.left:
        print(f"  still holding the number: {table}.{column}", file=sys.stderr)
    return 1 if report.not_deleted or report.left else 0


def _confirmed() -> bool:
    print("type yes to erase: ", end="", flush=True)
    return sys.stdin.readline().strip().lower() in ("yes", "sim")


def _one_line(value: object) -> str:
    """A stored value on one terminal line: text from files and Twilio may hold line breaks or
    escape sequences, which a terminal must not act on."""
    return "".join(ch if ch.isprintable() else "?" for ch in " ".join(str(value).split()))


def _configure_purge(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="make anonymous what is older than N days (default: the workspace's retention setting)",
    )


@command(
    "purge", "make numbers and texts of old messages and replies anonymous (retention)", _configure_purge
)
def run_purge(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.access.audit import Actor
    from smscore.person.retention import purge

    report = purge(con, Actor.cli(), days=args.days)
    if report.cutoff is None:
        print("retention is off (keep everything): nothing purged; set it in Settings or pass --days")
        return 0
    print(
        f"purged what is older than {report.days} day(s) (before {report.cutoff:%Y-%m-%d %H:%M} UTC): "
        f"{report.messages} message(s), {report.replies} reply(ies), {report.sandbox} sandbox record(s)"
    )
    return 0
