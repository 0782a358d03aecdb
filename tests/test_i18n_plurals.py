"""Plural strings from branches that cannot write the catalogs (issue 18): `_PLURAL_STRINGS`
beside `_STRINGS`, honoured at run time by translate_n with the language's own plural rule, and
folded into both catalogs as `msgid_plural` entries by scripts/i18n_merge_dict.py."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from smscore.words import catalogs
from ui.words import i18n

ROOT = Path(__file__).resolve().parent.parent
OLD = """_STRINGS: dict[str, tuple[str, str]] = {}
_PLURAL_STRINGS: dict[str, tuple[tuple[str, str], tuple[str, str, str]]] = {
    "sample.moved_n": (
        ("{n} contact moved to {into}", "{n} contacts moved to {into}"),
        ("{n} contato passou para {into}", "{n} de contatos passaram para {into}", "{n} contatos passaram para {into}"),
    ),
}
"""


def test_pending_plurals_follow_each_languages_plural_rule(monkeypatch):
    monkeypatch.setitem(
        i18n._PLURAL_STRINGS,
        "sample.moved_n",
        (("{n} moved", "{n} moved (many)"), ("{n} um", "{n} de milhão", "{n} vários")),
    )
    assert i18n.translate_n("sample.moved_n", 1, "en") == "1 moved"
    assert i18n.translate_n("sample.moved_n", 0, "en") == "0 moved (many)"
    assert i18n.translate_n("sample.moved_n", 0, "pt-BR") == "0 um"  # 0 and 1 are singular in pt
    assert i18n.translate_n("sample.moved_n", 1, "pt-BR") == "1 um"
    assert i18n.translate_n("sample.moved_n", 2_000_000, "pt-BR") == "2.000.000 de milhão"
    assert i18n.translate_n("sample.moved_n", 1_234, "pt-BR") == "1.234 vários"
    assert "sample.moved_n" in i18n.keys()


def test_the_plural_strings_of_this_branch_have_every_form_and_field():
    for key, (english, portuguese) in i18n._PLURAL_STRINGS.items():
        assert len(english) == 2 and len(portuguese) == 3, key
        assert all(text.strip() and "{n}" in text for text in (*english, *portuguese)), key


def test_merge_script_folds_plural_strings_as_msgid_plural(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale)
    old = tmp_path / "old_i18n.py"
    old.write_text(OLD, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "i18n_merge_dict.py"), str(old), "--locale", str(locale)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 plural entries added" in run.stdout
    english, portuguese = catalogs.load("en", locale), catalogs.load("pt-BR", locale)
    assert english.get("sample.moved_n").string == (
        "{n} contact moved to {into}",
        "{n} contacts moved to {into}",
    )
    assert portuguese.get("sample.moved_n").string[2] == "{n} contatos passaram para {into}"
    assert catalogs.mo_path("pt-BR", locale).read_bytes() == catalogs.compiled(
        catalogs.po_path("pt-BR", locale)
    )


def test_merge_script_empties_the_plural_dict_it_folded(tmp_path):
    from scripts_loader import merge_module  # noqa: PLC0415

    mod = merge_module()
    source = tmp_path / "i18n.py"
    source.write_text('"""doc"""\n' + OLD + "\nY = 2\n", encoding="utf-8")
    mod.empty_strings(source, "_PLURAL_STRINGS", mod._EMPTY_PLURALS)
    assert mod.read_plurals(source) == {}
    assert source.read_text(encoding="utf-8").endswith(mod._EMPTY_PLURALS + "\nY = 2\n")


def test_merge_script_default_file_is_the_consoles_i18n_module():
    from scripts_loader import merge_module  # noqa: PLC0415

    assert merge_module().I18N == ROOT / "ui" / "words" / "i18n.py"


def test_a_pending_plural_read_without_a_count_is_its_first_form_as_gettext_gives(monkeypatch):
    monkeypatch.setitem(
        i18n._PLURAL_STRINGS, "sample.moved_n", (("{n} moved", "{n} moved (many)"), ("um", "b", "c"))
    )
    assert i18n.translate("sample.moved_n", "en", n=1) == "1 moved"
    assert i18n.translate("sample.moved_n", "pt-BR") == "um"
