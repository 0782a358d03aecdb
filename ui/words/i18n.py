"""The console's words: smscore.words.i18n in the session's language, plus strings not merged yet.

`t(key, **kw)` translates into the session's language (set by ui.shell.setup.page: the session's
choice, else the workspace's, else the browser's, `choose`); `tn` picks the plural form for a
count. `translate`/`translate_n` are the pure forms the tests use. The catalogs themselves, and
how a language is chosen, live in the core (smscore.words), which the CLI shares.
"""

from __future__ import annotations

from smscore.words import i18n as core
from smscore.words.formats import number
from smscore.words.i18n import LANGUAGE_NAMES, catalog, choose, from_browser, plural_index

__all__ = [
    "LANGUAGE_NAMES",
    "catalog",
    "choose",
    "current_language",
    "from_browser",
    "keys",
    "t",
    "tn",
    "translate",
    "translate_n",
]

# Strings added by branches that predate the catalogs, in the old {key: (English, Portuguese)}
# form. They are honoured at run time; scripts/i18n_merge_dict.py moves them into the catalogs
# and empties this dict (tests/test_i18n.py fails while it holds anything).
_STRINGS: dict[str, tuple[str, str]] = {}
# Their plural entries, which a (English, Portuguese) pair cannot hold: key -> ((English one,
# other), (Portuguese in the order of its Plural-Forms: 0-1, exact millions, the rest)).
# Honoured by translate_n; scripts/i18n_merge_dict.py folds them in with msgid_plural.
_PLURAL_STRINGS: dict[str, tuple[tuple[str, str], tuple[str, str, str]]] = {}

_INDEX = {"en": 0, "pt-BR": 1}


def translate(key: str, lang: str = "en", **kw: object) -> str:
    """The string for `key` in `lang`, formatted with `kw`. Raises KeyError for an unknown key."""
    if key in _STRINGS:
        return core.formatted(_STRINGS[key][_INDEX.get(lang, 0)], kw)
    if key in _PLURAL_STRINGS:  # as gettext() answers for a plural entry: its first form
        return core.formatted(_PLURAL_STRINGS[key][_INDEX.get(lang, 0)][0], kw)
    return core.translate(key, lang, **kw)


def translate_n(key: str, n: int, lang: str = "en", **kw: object) -> str:
    """The plural form of `key` that fits the count `n` in `lang`."""
    if key in _PLURAL_STRINGS:
        forms = _PLURAL_STRINGS[key][_INDEX.get(lang, 0)]
        fields = {"n": number(n, lang), **kw}
        return core.formatted(forms[plural_index(lang, n, len(forms))], fields)
    return core.translate_n(key, n, lang, **kw)


def keys() -> list[str]:
    """Every key of the English (source) catalog, plus any not merged yet."""
    return sorted(set(core.keys()) | set(_STRINGS) | set(_PLURAL_STRINGS))


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
