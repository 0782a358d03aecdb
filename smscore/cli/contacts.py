"""The contacts command: `import` a CSV file of contacts."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import duckdb

from smscore.cli.common import CliError, Commands, write_files

COMMANDS = Commands()
command = COMMANDS.command


# --- import -----------------------------------------------------------------------------------


def _configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file",
        help="CSV file of contacts (, ; or tab; UTF-8, UTF-16 or Latin-1; "
        "up to 500 MB and 1,000 columns: README, 'Import limits')",
    )
    p.add_argument(
        "--default-country",
        default="BR",
        metavar="ISO",
        help="country of numbers written without +country code (default: BR)",
    )
    p.add_argument("--category", help="put every imported contact in this category")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="column for a role (phone, name, category), overriding the guess",
    )
    p.add_argument(
        "--update", action="store_true", help="update contacts that already exist instead of rejecting them"
    )
    p.add_argument("--rejects", metavar="OUT.csv", help="write the rejected rows to this CSV")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help="write the rejected rows to this Excel workbook")


@command("import", "import contacts from a CSV file", _configure_import)
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
    )
    from smscore.access.audit import Actor, record
    from smscore.store.writes import write

    # The trail holds the counts printed here and shown on the Contacts page, by the same names.
    write(con, lambda cur: record(cur, Actor.cli(), "import", Path(args.file).name, report.counts()))
    print(
        f"imported {report.imported}, updated {report.updated}, already in the workspace "
        f"{report.already}, rejected {report.rejected} "
        f"(encoding {report.encoding}, delimiter {report.delimiter!r})"
    )
    if report.categories_created:
        print("new categories: " + ", ".join(report.categories_created))
    if len(report.notes):
        print(f"{len(report.notes)} numbers written with an extension were imported without it:")
        for line, phone, e164, extension in report.notes.head(10).itertuples(index=False):
            print(f"  line {line}: {phone!r} -> {e164} (extension {extension})")
    for kind, n in report.no_sms.items():
        what = kind.replace("_", " ") + ("" if n == 1 else "s")
        print(f"{n} {what}: they cannot receive SMS and will be left out of batches")
    if report.rejected:
        # A regex on the Arrow-backed column, not split(): a list object per reject is GBs
        # when a re-imported file rejects every row.
        reasons = report.rejects["reason"].str.replace(r"(?s):.*", "", regex=True).value_counts()
        for reason, n in reasons.items():
            print(f"  {n} rejected: {reason}")
    write_files(con, report.rejects, args.rejects, args.xlsx)
    for path in (args.rejects, args.xlsx):
        if path:
            print(f"rejected rows written to {path}")
    return 0


def _parse_mapping(items: Sequence[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        role, sep, column = item.partition("=")
        if not sep or not role or not column:
            raise CliError(f"--map takes ROLE=COLUMN, e.g. phone=Celular; got {item!r}")
        mapping[role.strip().lower()] = column.strip()
    return mapping
