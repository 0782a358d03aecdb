"""The gettext catalogs behind smscore.words.i18n: reading, adding to and compiling them with Babel.

Catalogs live in `smscore/words/locale/<gnu code>/LC_MESSAGES/messages.po`, keyed by the console's own
message keys (msgid = "send.title", msgstr = the text), so pages keep calling `t("send.title")`
and a branch that adds strings only adds keys. English is the source catalog; every other
catalog carries the English text as a translator comment (`#.`), since a key alone says little.
The compiled `.mo` files are committed next to their `.po` (the console reads them with the
standard library's gettext); tests/test_i18n.py fails when one is stale.
They ship inside the package, so an installed `smscore` speaks Portuguese without a checkout.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"  # package data: the CLI reads it installed
DOMAIN = "messages"
SOURCE = "en"
_HEADER = """\
# smsconsole messages. msgid is the console's key (ui.words.i18n.t("send.title")), msgstr
# the text; {name} fields are str.format placeholders and must be kept. The `#.` line above a
# Portuguese entry is the English text. After editing, run python3 scripts/i18n_compile.py."""
# console language code -> gettext/Babel locale code
GNU_CODES = {"en": "en", "pt-BR": "pt_BR"}


def po_path(lang: str, base: Path = LOCALE_DIR) -> Path:
    return base / GNU_CODES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str, base: Path = LOCALE_DIR) -> Path:
    return po_path(lang, base).with_suffix(".mo")


def load(lang: str, base: Path = LOCALE_DIR) -> Catalog:
    """The `.po` catalog of `lang`, or a fresh empty one when it does not exist yet."""
    path = po_path(lang, base)
    if not path.exists():
        return Catalog(
            locale=GNU_CODES[lang],
            domain=DOMAIN,
            project="smsconsole",
            version="1",
            copyright_holder="the smsconsole authors",
            header_comment=_HEADER,
            fuzzy=False,
        )
    with path.open("rb") as handle:
        return read_po(handle, locale=GNU_CODES[lang], domain=DOMAIN)


def save(catalog: Catalog, lang: str, base: Path = LOCALE_DIR) -> None:
    """Write the `.po` sorted by key (so merges from several branches land in a stable order)
    and compile its `.mo` beside it."""
    path = po_path(lang, base)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False, ignore_obsolete=True)
    mo_path(lang, base).write_bytes(compiled(path))


def compiled(po: Path) -> bytes:
    """The `.mo` bytes for one `.po` file (deterministic, so staleness is a byte compare)."""
    with po.open("rb") as handle:
        catalog = read_po(handle)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_all(base: Path = LOCALE_DIR) -> list[Path]:
    """Recompile every language's `.mo`; returns the files written."""
    written = []
    for lang in GNU_CODES:
        po = po_path(lang, base)
        if po.exists():
            mo_path(lang, base).write_bytes(compiled(po))
            written.append(mo_path(lang, base))
    return written


def _put(catalog: Catalog, message: Message) -> None:
    """Set a message, replacing its text (Babel's item assignment only merges comments)."""
    key = message.id if isinstance(message.id, str) else message.id[0]
    if key in catalog:
        del catalog[key]
    catalog[key] = message


def add_entries(
    entries: Iterable[tuple[str, str, str]], *, replace: bool = False, base: Path = LOCALE_DIR
) -> tuple[list[str], list[str]]:
    """Add (key, English, Portuguese) entries to both catalogs and compile them.

    A key already in the English catalog keeps its text unless `replace` is set: an integrator
    folding in another branch must not silently undo a translator's fix. Returns (added, kept)
    key lists; kept keys are those that differ from the catalog and were left alone.
    """
    english, portuguese = load("en", base), load("pt-BR", base)
    added: list[str] = []
    kept: list[str] = []
    for key, en_text, pt_text in entries:
        current = english.get(key)
        if current is not None and not replace:
            pt_current = portuguese.get(key)
            if current.string != en_text or (pt_current and pt_current.string != pt_text):
                kept.append(key)
            continue
        _put(english, Message(key, en_text))
        _put(portuguese, Message(key, pt_text, auto_comments=[en_text]))
        added.append(key)
    save(english, "en", base)
    save(portuguese, "pt-BR", base)
    return added, kept


def add_plural(
    key: str, english: tuple[str, str], portuguese: tuple[str, ...], base: Path = LOCALE_DIR
) -> None:
    """Add or replace a message with plural forms (English: one, other; Portuguese in the
    order of its catalog's Plural-Forms header, which Babel takes from CLDR)."""
    en_cat, pt_cat = load("en", base), load("pt-BR", base)
    if len(portuguese) != pt_cat.num_plurals:
        raise ValueError(f"pt_BR takes {pt_cat.num_plurals} plural forms; got {len(portuguese)}")
    _put(en_cat, Message((key, key), english))
    _put(pt_cat, Message((key, key), portuguese, auto_comments=[" | ".join(english)]))
    save(en_cat, "en", base)
    save(pt_cat, "pt-BR", base)
