"""Every string smsconsole shows people, in English and Brazilian Portuguese, from gettext catalogs.

`translate(key, lang, **kw)` is a key's text in `lang`; `translate_n` picks the plural form for a
count. The texts live in `smscore/words/locale/<lang>/LC_MESSAGES/messages.po` (msgid = the key),
edited with any gettext tool and compiled to `.mo` by scripts/i18n_compile.py (docs/i18n.md).
A key missing from English is a bug that fails loudly (KeyError) instead of showing the key; a
key missing only from Portuguese falls back to English at run time and fails tests/test_i18n.py.

Which language: the console follows the session, the workspace, then the browser (`choose`,
`from_browser`); the CLI follows `--lang`, then the environment as gettext reads it
(`from_environment`: LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from functools import cache

from smscore.words.catalogs import DOMAIN, GNU_CODES, LOCALE_DIR, SOURCE
from smscore.words.formats import number

LANGUAGE_NAMES = {"en": "English", "pt-BR": "Português do Brasil"}
# A primary language subtag -> the language it gets. Every Portuguese (pt, pt-BR, pt-PT, pt-AO)
# reads pt-BR far better than English; any other language gets English.
_PRIMARY = {"pt": "pt-BR", "en": "en"}
# The environment variables gettext reads for messages, in the order it honours them.
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


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


def formatted(text: str, kw: Mapping[str, object]) -> str:
    return text.format(**kw) if kw else text


def translate(key: str, lang: str = "en", **kw: object) -> str:
    """The string for `key` in `lang`, formatted with `kw`. Raises KeyError for an unknown key."""
    return formatted(catalog(lang).gettext(key), kw)


def translate_n(key: str, n: int, lang: str = "en", **kw: object) -> str:
    """The plural form of `key` that fits the count `n` in `lang`; `{n}` shows `n` written the
    language's way (7.980 in pt-BR)."""
    return formatted(catalog(lang).ngettext(key, key, n), {"n": number(n, lang), **kw})


def plural_index(lang: str, n: int, forms: int) -> int:
    """Which of `forms` plural forms fits `n` in `lang`, by its catalog's Plural-Forms rule."""
    rule = getattr(catalog(lang), "plural", None)
    index = rule(n) if rule else int(n != 1)
    return min(index, forms - 1)


def keys() -> list[str]:
    """Every key of the English (source) catalog."""
    entries = getattr(catalog(SOURCE), "_catalog", {})  # gettext's own table: keys, or (key, form)
    return sorted({k if isinstance(k, str) else k[0] for k in entries if k})


def _primary(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].split(".")[0].casefold()


def from_tag(tag: str | None) -> str | None:
    """The language for one locale or language tag (`pt_BR.UTF-8`, `pt-PT`, `en`); None for none
    (`C`, `POSIX` or empty: the user said nothing about a language)."""
    primary = _primary(tag or "")
    if primary in ("", "c", "posix"):
        return None
    return _PRIMARY.get(primary, "en")


def from_environment(environ: Mapping[str, str]) -> str:
    """The CLI's language as gettext would choose it: LANGUAGE (a colon list, honoured unless the
    locale is C), then LC_ALL, LC_MESSAGES, LANG; English when none names one."""
    locale = next((environ[v] for v in ENVIRONMENT[1:] if environ.get(v)), "")
    if from_tag(locale) is not None or not locale:
        for tag in environ.get("LANGUAGE", "").split(":"):
            if (found := from_tag(tag)) is not None:
                return found
    return from_tag(locale) or "en"


def from_browser(locale: str | None, accept_language: str | None = None) -> str | None:
    """The console language for a browser: its `navigator.language` (st.context.locale) if sent,
    else the first language of its Accept-Language header we speak; None when it said nothing."""
    if locale and locale.strip():
        return _PRIMARY.get(_primary(locale), "en")
    ranked = _accepted(accept_language or "")
    if not ranked:
        return None
    return next((_PRIMARY[p] for p in ranked if p in _PRIMARY), "en")


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
