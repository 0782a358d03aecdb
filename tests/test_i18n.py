"""The console speaks English and Brazilian Portuguese everywhere, not only in the guide."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from ui import i18n

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "console.py", *sorted((ROOT / "pages").glob("*.py")),
           *sorted((ROOT / "ui").glob("*.py"))]
_LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_]*[a-z0-9])["']""")


def used_keys() -> set[str]:
    return {key for path in SOURCES for key in _LITERAL_KEY.findall(path.read_text())}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_the_pages_use_exists():
    missing = sorted(used_keys() - set(i18n.keys()))
    assert not missing


def test_pages_use_translated_strings():
    assert len(used_keys()) > 150


@pytest.mark.parametrize("key", i18n.keys())
def test_both_languages_take_the_same_placeholders(key):
    english, portuguese = (i18n.translate.__globals__["_STRINGS"][key])
    assert fields(english) == fields(portuguese)
    assert english.strip() and portuguese.strip()


def test_portuguese_is_not_a_copy_of_english():
    same = [k for k in i18n.keys() if i18n.translate(k, "en") == i18n.translate(k, "pt-BR")]
    assert len(same) < len(i18n.keys()) // 10, same


def test_unknown_key_fails_loudly():
    with pytest.raises(KeyError):
        i18n.translate("nope.missing", "en")


def test_topup_guide_steps_in_both_languages():
    assert "Set up later" in i18n.translate("topup.step3", "en")
    assert "configurar depois" in i18n.translate("topup.step3", "pt-BR")
    assert "$20 and $2000" in i18n.translate("topup.step7", "en")
    assert "US$ 20 e US$ 2000" in i18n.translate("topup.step7", "pt-BR")
