"""The console speaks English and Brazilian Portuguese everywhere, from gettext catalogs."""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

from smscore.words import catalogs
from ui.words import i18n

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    ROOT / "console.py",
    *sorted((ROOT / "pages").glob("*.py")),
    *sorted((ROOT / "ui").rglob("*.py")),
    *sorted((ROOT / "smscore" / "words").glob("*.py")),
    *sorted((ROOT / "smscore" / "cli").glob("*.py")),
]
_LITERAL_KEY = re.compile(r"""\btn?\(\s*["']([a-z_]+\.[a-z0-9_]*[a-z0-9])["']""")


def used_keys() -> set[str]:
    return {key for path in SOURCES for key in _LITERAL_KEY.findall(path.read_text())}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def forms(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


ENGLISH = catalogs.load("en")
PORTUGUESE = catalogs.load("pt-BR")
KEYS = [m.id if isinstance(m.id, str) else m.id[0] for m in ENGLISH if m.id]


def test_every_key_the_pages_use_exists():
    missing = sorted(used_keys() - set(i18n.keys()))
    assert not missing


def test_pages_use_translated_strings():
    assert len(used_keys()) > 150


@pytest.mark.parametrize("key", KEYS)
def test_every_message_has_a_portuguese_translation(key):
    english, portuguese = ENGLISH.get(key), PORTUGUESE.get(key)
    assert portuguese is not None, f"{key} is missing from locale/pt_BR"
    assert all(text.strip() for text in forms(portuguese)), f"{key} has an empty pt-BR form"
    assert all(text.strip() for text in forms(english))
    expected = {name for text in forms(english) for name in fields(text)}
    assert {name for text in forms(portuguese) for name in fields(text)} == expected


def test_portuguese_catalog_holds_no_key_english_lacks():
    extra = {m.id if isinstance(m.id, str) else m.id[0] for m in PORTUGUESE if m.id} - set(KEYS)
    assert not extra


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_compiled_catalogs_are_up_to_date(lang):
    """The .mo the console reads must say what the .po says: run scripts/i18n_compile.py."""
    assert catalogs.mo_path(lang).read_bytes() == catalogs.compiled(catalogs.po_path(lang))


def test_no_strings_left_outside_the_catalogs():
    """Strings merged in from older branches: run scripts/i18n_merge_dict.py (docs/i18n.md)."""
    assert not i18n._STRINGS
    assert not i18n._PLURAL_STRINGS


def test_portuguese_is_not_a_copy_of_english():
    same = [k for k in i18n.keys() if i18n.translate(k, "en") == i18n.translate(k, "pt-BR")]
    assert len(same) < len(i18n.keys()) // 10, same


def test_unknown_key_fails_loudly():
    with pytest.raises(KeyError):
        i18n.translate("nope.missing", "en")
    with pytest.raises(KeyError):
        i18n.translate("nope.missing", "pt-BR")


def test_plural_forms_follow_the_count():
    assert i18n.translate_n("common.segments_n", 1, "pt-BR") == "1 segmento"
    assert i18n.translate_n("common.segments_n", 2, "pt-BR") == "2 segmentos"
    assert i18n.translate_n("contacts.pages_n", 1, "pt-BR") == "1 página"
    assert i18n.translate_n("contacts.pages_n", 1, "en") == "1 page"
    assert i18n.translate_n("contacts.pages_n", 3, "en") == "3 pages"


def test_plural_counts_use_the_language_number_format():
    assert i18n.translate_n("common.segments_n", 7980, "pt-BR") == "7.980 segmentos"
    assert i18n.translate_n("common.segments_n", 7980, "en") == "7,980 segments"


def test_topup_guide_steps_in_both_languages():
    assert "Set up later" in i18n.translate("topup.step3", "en")
    assert "configurar depois" in i18n.translate("topup.step3", "pt-BR")
    assert "$20 and $2000" in i18n.translate("topup.step7", "en")
    assert "US$ 20 e US$ 2000" in i18n.translate("topup.step7", "pt-BR")


def test_merge_script_folds_old_style_strings_into_the_catalogs(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale)
    old = tmp_path / "old_i18n.py"
    old.write_text(
        "_STRINGS: dict[str, tuple[str, str]] = {\n"
        '    "sample.title": ("Audit log of {who}", "Registro de auditoria de {who}"),\n'
        '    "send.title": ("Changed elsewhere", "Mudado em outro lugar"),\n}\n'
    )
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n_merge_dict.py"), str(old), "--locale", str(locale)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 added" in run.stdout and "kept the catalog's text for send.title" in run.stdout
    english, portuguese = catalogs.load("en", locale), catalogs.load("pt-BR", locale)
    assert english.get("sample.title").string == "Audit log of {who}"
    assert portuguese.get("sample.title").string == "Registro de auditoria de {who}"
    assert portuguese.get("send.title").string == "Enviar um lote"
    assert catalogs.mo_path("pt-BR", locale).read_bytes() == catalogs.compiled(
        catalogs.po_path("pt-BR", locale)
    )
    assert "_STRINGS" in old.read_text()  # only ui/words/i18n.py itself is emptied


def test_merge_script_empties_the_dict_it_folded(tmp_path):
    from scripts_loader import merge_module  # noqa: PLC0415

    mod = merge_module()
    source = tmp_path / "i18n.py"
    source.write_text(
        '"""doc"""\nX = 1\n_STRINGS: dict[str, tuple[str, str]] = {\n    "a.b": ("A", "B"),\n}\n\nY = 2\n'
    )
    mod.empty_strings(source)
    assert source.read_text() == ('"""doc"""\nX = 1\n_STRINGS: dict[str, tuple[str, str]] = {}\n\nY = 2\n')
    assert mod.read_strings(source) == {}
