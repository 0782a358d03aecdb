"""Every string the console shows, in English and Brazilian Portuguese, from gettext catalogs.

`t(key, **kw)` translates into the session's language (set by ui.shell.setup.page: the session's
choice, else the workspace's, else the browser's, `choose`);
`translate(key, lang, **kw)` is the pure form the tests use; `tn`/`translate_n` pick the plural
form for a count. The texts live in `locale/<lang>/LC_MESSAGES/messages.po` (msgid = the key),
edited with any gettext tool and compiled to `.mo` by scripts/i18n_compile.py (docs/i18n.md).
A key missing from English is a bug that fails loudly (KeyError) instead of showing the key; a
key missing only from Portuguese falls back to English at run time and fails tests/test_i18n.py.
"""

from __future__ import annotations

import gettext
from functools import cache

from ui.words.catalogs import DOMAIN, GNU_CODES, LOCALE_DIR, SOURCE
from ui.words.formats import number

LANGUAGE_NAMES = {"en": "English", "pt-BR": "Português do Brasil"}

# Strings added by branches that predate the catalogs, in the old {key: (English, Portuguese)}
# form. They are honoured at run time; scripts/i18n_merge_dict.py moves them into the catalogs
# and empties this dict (tests/test_i18n.py fails while it holds anything).
_STRINGS: dict[str, tuple[str, str]] = {}
# Their plural entries, which a (English, Portuguese) pair cannot hold: key -> ((English one,
# other), (Portuguese in the order of its Plural-Forms: 0-1, exact millions, the rest)).
# Honoured by translate_n; scripts/i18n_merge_dict.py folds them in with msgid_plural.
_PLURAL_STRINGS: dict[str, tuple[tuple[str, str], tuple[str, str, str]]] = {}

_INDEX = {"en": 0, "pt-BR": 1}
# A browser's primary language subtag -> the console language it gets. Every Portuguese
# (pt, pt-BR, pt-PT, pt-AO) reads pt-BR far better than English; any other language gets English.
_BROWSER = {"pt": "pt-BR", "en": "en"}


class _Missing(gettext.NullTranslations):
    """The end of every fallback chain: an unknown key raises instead of showing itself."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        raise KeyError(msgid1)


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of `lang`, falling back to English, then to KeyError."""
    english = gettext.translation(DOMAIN, LOCALE_DIR, [GNU_CODES[SOURCE]])
    english.add_fallback(_Missing())
    if lang == SOURCE or lang not in GNU_CODES:
        return english
    chosen = gettext.translation(DOMAIN, LOCALE_DIR, [GNU_CODES[lang]])
    chosen.add_fallback(english)
    return chosen


def _format(text: str, kw: dict[str, object]) -> str:
    return text.format(**kw) if kw else text


def translate(key: str, lang: str = "en", **kw: object) -> str:
    """The string for `key` in `lang`, formatted with `kw`. Raises KeyError for an unknown key."""
    if key in _STRINGS:
        return _format(_STRINGS[key][_INDEX.get(lang, 0)], kw)
    if key in _PLURAL_STRINGS:  # as gettext() answers for a plural entry: its first form
        return _format(_PLURAL_STRINGS[key][_INDEX.get(lang, 0)][0], kw)
    return _format(catalog(lang).gettext(key), kw)


def translate_n(key: str, n: int, lang: str = "en", **kw: object) -> str:
    """The plural form of `key` that fits the count `n` in `lang`; `{n}` shows `n` written the
    language's way (7.980 in pt-BR)."""
    fields = {"n": number(n, lang), **kw}
    if key in _PLURAL_STRINGS:
        forms = _PLURAL_STRINGS[key][_INDEX.get(lang, 0)]
        return _format(forms[_plural_index(lang, n, len(forms))], fields)
    return _format(catalog(lang).ngettext(key, key, n), fields)


def _plural_index(lang: str, n: int, forms: int) -> int:
    """Which of `forms` plural forms fits `n` in `lang`, by its catalog's Plural-Forms rule."""
    rule = getattr(catalog(lang), "plural", None)
    index = rule(n) if rule else int(n != 1)
    return min(index, forms - 1)


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].casefold()


def from_browser(locale: str | None, accept_language: str | None = None) -> str | None:
    """The console language for a browser: its `navigator.language` (st.context.locale) if sent,
    else the first language of its Accept-Language header we speak; None when it said nothing."""
    if locale and locale.strip():
        return _BROWSER.get(_primary(locale), "en")
    ranked = _accepted(accept_language or "")
    if not ranked:
        return None
    return next((_BROWSER[p] for p in ranked if p in _BROWSER), "en")


def _accepted(header: str) -> list[str]:
    """Accept-Language's primary subtags, most wanted first (`q=0` means "not this one")."""
    found: list[tuple[float, int, str]] = []
    for order, item in enumerate(header.split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            found.append((-quality, order, _primary(tag)))
    return [p for _, _, p in sorted(found)]


def choose(session: str | None, workspace: str | None, browser: str | None) -> str:
    """The language a page speaks: the session's choice wins over the workspace's, which wins
    over the browser's; English when none is known."""
    return next((lang for lang in (session, workspace, browser) if lang in LANGUAGE_NAMES), "en")


def current_language() -> str:
    try:
        import streamlit as st  # noqa: PLC0415 - keeps translate() importable without streamlit

        return st.session_state.get("lang", "en")
    except Exception:  # noqa: BLE001 - outside a script run
        return "en"


def t(key: str, **kw: object) -> str:
    """`key` in the session's language."""
    return translate(key, current_language(), **kw)


def tn(key: str, n: int, **kw: object) -> str:
    """The plural form of `key` for `n`, in the session's language."""
    return translate_n(key, n, current_language(), **kw)


def keys() -> list[str]:
    """Every key of the English (source) catalog, plus any not merged yet."""
    english = catalog(SOURCE)
    found = {k if isinstance(k, str) else k[0] for k in english._catalog if k}  # noqa: SLF001
    return sorted(found | set(_STRINGS) | set(_PLURAL_STRINGS))
