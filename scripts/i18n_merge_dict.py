#!/usr/bin/env python3
"""Fold strings still written as `_STRINGS = {key: (English, Portuguese)}` into the catalogs.

Branches started before the gettext catalogs add their strings to ui/words/i18n.py's `_STRINGS`
dict. After merging such a branch, run (from the repository root):

    python3 scripts/i18n_merge_dict.py                 # ui/words/i18n.py's _STRINGS
    python3 scripts/i18n_merge_dict.py old_i18n.py     # any file with a _STRINGS dict

Each key missing from smscore/words/locale/*/LC_MESSAGES/messages.po is added to the English and the
Portuguese catalogs, and the .mo files are recompiled. A key the catalogs already hold is left
as it is (listed, with --replace to overwrite it). When the file is ui/words/i18n.py itself, its
`_STRINGS` literal is emptied afterwards, so the strings live in one place. See docs/i18n.md.

Plural entries, which a pair cannot hold, sit beside it in `_PLURAL_STRINGS = {key: ((English
one, other), (Portuguese 0-1, exact millions, the rest))}` and are folded in the same way, as
entries with `msgid_plural`.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smscore.words import catalogs  # noqa: E402 - after the path fix above

I18N = ROOT / "ui" / "words" / "i18n.py"
_EMPTY = "_STRINGS: dict[str, tuple[str, str]] = {}\n"
_EMPTY_PLURALS = "_PLURAL_STRINGS: dict[str, tuple[tuple[str, str], tuple[str, str, str]]] = {}\n"


def _strings_node(tree: ast.Module, name: str = "_STRINGS") -> ast.AST | None:
    for node in tree.body:
        target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
        if isinstance(target, ast.Name) and target.id == name:
            return node
    return None


def read_plurals(path: Path) -> dict[str, tuple[tuple[str, str], tuple[str, ...]]]:
    """The `_PLURAL_STRINGS` dict literal of a Python file ({} when it has none)."""
    node = _strings_node(ast.parse(path.read_text(encoding="utf-8")), "_PLURAL_STRINGS")
    if node is None:
        return {}
    value = ast.literal_eval(node.value)
    bad = [k for k, v in value.items() if not (len(v) == 2 and len(v[0]) == 2)]
    if bad:
        raise SystemExit(f"{path}: plural entries must be ((one, other), (Portuguese forms)); not: {bad[:5]}")
    return value


def read_strings(path: Path) -> dict[str, tuple[str, str]]:
    """The `_STRINGS` dict literal of a Python file, read without running the file."""
    node = _strings_node(ast.parse(path.read_text(encoding="utf-8")))
    if node is None:
        raise SystemExit(f"{path}: no _STRINGS = {{...}} assignment found")
    value = ast.literal_eval(node.value)
    bad = [k for k, v in value.items() if not (isinstance(v, tuple) and len(v) == 2)]
    if bad:
        raise SystemExit(f"{path}: entries must be (English, Portuguese) pairs; not: {bad[:5]}")
    return value


def empty_strings(path: Path, name: str = "_STRINGS", empty: str = _EMPTY) -> None:
    """Replace the `name` literal of `path` with an empty dict, leaving the rest as is."""
    text = path.read_text(encoding="utf-8")
    node = _strings_node(ast.parse(text), name)
    if node is None:
        return
    lines = text.splitlines(keepends=True)
    head, tail = lines[: node.lineno - 1], lines[node.end_lineno :]
    path.write_text("".join([*head, empty, *tail]), encoding="utf-8")


def fold_plurals(path: Path, locale: Path, replace: bool) -> int:
    """Add the file's plural entries the catalogs lack (all of them with `replace`)."""
    plurals = read_plurals(path)
    english = catalogs.load("en", locale)
    added = 0
    for key, (en_forms, pt_forms) in plurals.items():
        if key in english and not replace:
            print(f"  kept the catalog's text for {key}")
            continue
        catalogs.add_plural(key, en_forms, pt_forms, base=locale)
        added += 1
    if plurals:  # add_plural compiled the .mo files as it saved
        print(f"{path}: {added} plural entries added")
    return len(plurals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=[I18N])
    parser.add_argument(
        "--locale",
        type=Path,
        default=catalogs.LOCALE_DIR,
        help="the catalogs' folder (default: smscore/words/locale/)",
    )
    parser.add_argument("--replace", action="store_true", help="overwrite keys the catalogs already hold")
    args = parser.parse_args(argv)
    for path in args.files:
        strings = read_strings(path)
        added, kept = catalogs.add_entries(
            ((k, en, pt) for k, (en, pt) in strings.items()), replace=args.replace, base=args.locale
        )
        print(f"{path}: {len(added)} added, {len(strings) - len(added)} already in the catalogs")
        for key in kept:
            print(f"  kept the catalog's text for {key} (differs; --replace to overwrite)")
        plurals = fold_plurals(path, args.locale, args.replace)
        if path.resolve() == I18N.resolve() and strings:
            empty_strings(path)
            print(f"{path}: _STRINGS emptied")
        if path.resolve() == I18N.resolve() and plurals:
            empty_strings(path, "_PLURAL_STRINGS", _EMPTY_PLURALS)
            print(f"{path}: _PLURAL_STRINGS emptied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
