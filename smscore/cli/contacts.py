"""The contacts command: `import` a CSV file of contacts."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import duckdb

from smscore.cli.common import CliError, Commands, write_files
from smscore.cli.words import N_, _, _n, console_n, count, language, worded
from smscore.words.vocab import reason as reason_words

COMMANDS = Commands()
command = COMMANDS.command


# --- import -----------------------------------------------------------------------------------


def _configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        help=_(
            "CSV file of contacts (, ; or tab; UTF-8, UTF-16 or Latin-1; "
            "up to 500 MB and 1,000 columns: README, 'Import limits')"
        ),
    )
    p.add_argument(
        "--default-country",
        default="BR",
        metavar="ISO",
        help=_("country of numbers written without +country code (default: BR)"),
    )
    p.add_argument("--category", help=_("put every imported contact in this category"))
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help=_("column for a role (phone, name, category, consent: the consent date), overriding the guess"),
    )
    p.add_argument(
        "--consent-source",
        metavar="TEXT",
        help=_("where these contacts' consent came from (e.g. 'formulário do site, 2025'), kept per contact"),
    )
    p.add_argument(
        "--update",
        action="store_true",
        help=_("update contacts that already exist instead of rejecting them"),
    )
    p.add_argument("--rejects", metavar="OUT.csv", help=_("write the rejected rows to this CSV"))
    p.add_argument("--xlsx", metavar="OUT.xlsx", help=_("write the rejected rows to this Excel workbook"))


@command("import", N_("import contacts from a CSV file"), _configure_import)
def run_import(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> int:
    from smscore.contacts.importer import import_contacts

    mapping = _parse_mapping(args.map)
    report = import_contacts(
        con,
        Path(args.file),
        default_country=args.default_country.upper(),
        category=args.category,
        mapping=mapping or None,
        on_duplicate="update" if args.update else "skip",
        consent_source=args.consent_source,
    )
    from smscore.access.audit import Actor, record
    from smscore.store.writes import write

    # The trail holds the counts printed here and shown on the Contacts page, by the same names.
    write(con, lambda cur: record(cur, Actor.cli(), "import", Path(args.file).name, report.counts()))
    print(
        _(
            "imported {imported}, updated {updated}, already in the workspace {already}, rejected {rejected}"
            " (encoding {encoding}, delimiter {delimiter})"
        ).format(
            imported=count(report.imported),
            updated=count(report.updated),
            already=count(report.already),
            rejected=count(report.rejected),
            encoding=report.encoding,
            delimiter=repr(report.delimiter),
        )
    )
    if report.categories_created:
        print(_("new categories: {names}").format(names=", ".join(report.categories_created)))
    if len(report.notes):
        noted = len(report.notes)
        print(
            _n(
                "{n} number written with an extension was imported without it:",
                "{n} numbers written with an extension were imported without it:",
                noted,
            ).format(n=count(noted))
        )
        for line, phone, e164, extension in report.notes.head(10).itertuples(index=False):
            print(
                _("  line {line}: {phone} -> {e164} (extension {extension})").format(
                    line=line, phone=repr(phone), e164=e164, extension=extension
                )
            )
    for kind, n in report.no_sms.items():
        print(_no_sms(kind, n))
    if report.rejected:
        # A regex on the Arrow-backed column, not split(): a list object per reject is GBs
        # when a re-imported file rejects every row.
        reasons = report.rejects["reason"].str.replace(r"(?s):.*", "", regex=True).value_counts()
        for reason, n in reasons.items():
            print(
                _n("  {n} rejected: {reason}", "  {n} rejected: {reason}", n).format(
                    n=count(n), reason=_head(str(reason))
                )
            )
    write_files(con, report.rejects, args.rejects, args.xlsx, only=("line", "reason"))
    for path in (args.rejects, args.xlsx):
        if path:
            print(_("rejected rows written to {path}").format(path=path))
    return 0


# The kinds of rejection the summary counts (each row's full reason is in --rejects).
_HEADS = (
    N_("invalid number"),
    N_("duplicate in file"),
    N_("more fields than the header"),
    N_("missing phone"),
    N_("already in the workspace"),
)


def _head(reason: str) -> str:
    """A kind of rejection in the CLI's language; one this list lacks, as the console words it."""
    return _(reason) if reason in _HEADS else worded(reason, reason_words)


def _no_sms(kind: str, n: int) -> str:
    """The file's numbers of a type that cannot receive SMS, as the Contacts page says it."""
    from smscore import numbertypes
    from smscore.words.vocab import word

    if kind == numbertypes.FIXED_LINE:
        return console_n("fixed.import_fixed_lines_n", n).rstrip(".")
    return console_n("fixed.import_no_sms_n", n, kind=word("number_type", kind, language())).rstrip(".")


def _parse_mapping(items: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        role, sep, column = item.partition("=")
        if not sep or not role or not column:
            raise CliError(
                _("--map takes ROLE=COLUMN, e.g. phone=Celular; got {item}").format(item=repr(item))
            )
        mapping[role.strip().lower()] = column.strip()
    return mapping
