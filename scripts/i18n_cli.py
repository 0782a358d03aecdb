#!/usr/bin/env python3
"""Keep the CLI's catalog in step with its code: extract, merge, compile (docs/i18n.md).

The CLI writes its sentences in English inside `_()`, `_n()` and `N_()` (smscore/cli/words.py).
This extracts them from smscore/cli/*.py with Babel, merges them into
smscore/words/locale/pt_BR/LC_MESSAGES/cli.po (translations kept; a sentence whose English changed
becomes fuzzy, which counts as untranslated), writes the .mo, and lists what still lacks
Portuguese. Run it after changing a CLI sentence, then translate what it lists:

    python3 scripts/i18n_cli.py            # extract, merge, compile, list untranslated
    python3 scripts/i18n_cli.py --check    # exit 1 if the catalog is behind the code (tests use it)
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "smscore" / "cli"
PO = ROOT / "smscore" / "words" / "locale" / "pt_BR" / "LC_MESSAGES" / "cli.po"
KEYWORDS = {"_": None, "_n": (1, 2), "N_": None}
HEADER = """\
# The smscore command line in Brazilian Portuguese. msgid is the English the code writes;
# keep every {field} and %(field)s / %s placeholder. Made by scripts/i18n_cli.py."""


def extracted() -> Catalog:
    """Every sentence of the CLI's code, with where it is used."""
    found = Catalog(locale="en", domain="cli")
    for filename, lineno, message, comments, _context in extract_from_dir(
        SOURCES, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message, locations=[(f"smscore/cli/{filename}", lineno)], auto_comments=comments)
    return found


def current() -> Catalog:
    if not PO.exists():
        return Catalog(locale="pt_BR", domain="cli", project="smsconsole", header_comment=HEADER, fuzzy=False)
    with PO.open("rb") as handle:
        return read_po(handle, locale="pt_BR", domain="cli")


def merged() -> Catalog:
    catalog = current()
    created = catalog.creation_date  # update() takes the template's: keep the file's own, so
    catalog.update(extracted(), no_fuzzy_matching=True)  # an unchanged catalog compiles the same
    catalog.creation_date = created
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    # No `#:` locations: they move with every edit above a sentence, and the check would nag.
    write_po(
        out, catalog, width=100, sort_output=True, omit_header=False, ignore_obsolete=True, no_location=True
    )
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the catalog is up to date")
    args = parser.parse_args()
    catalog = merged()
    missing = untranslated(catalog)
    if args.check:
        stale = not PO.exists() or _strip_dates(po_bytes(catalog)) != _strip_dates(PO.read_bytes())
        stale_mo = not PO.with_suffix(".mo").exists() or PO.with_suffix(".mo").read_bytes() != mo_bytes(
            catalog
        )
        for key in missing:
            print(f"untranslated: {key!r}")
        if stale or stale_mo:
            print("cli.po/.mo are behind the code: run python3 scripts/i18n_cli.py")
        return 1 if (missing or stale or stale_mo) else 0
    PO.parent.mkdir(parents=True, exist_ok=True)
    PO.write_bytes(po_bytes(catalog))
    PO.with_suffix(".mo").write_bytes(mo_bytes(catalog))
    for key in missing:
        print(f"untranslated: {key!r}")
    print(f"{len(list(catalog)) - 1} sentences, {len(missing)} without Portuguese", file=sys.stderr)
    return 0


def _strip_dates(po: bytes) -> bytes:
    """The .po without its dated header lines, which change on every run."""
    return b"\n".join(
        line for line in po.splitlines() if not line.startswith((b'"POT-Creation-Date', b'"PO-Revision-Date'))
    )


if __name__ == "__main__":
    raise SystemExit(main())
