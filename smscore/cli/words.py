"""The command line's language: `--lang`, else the environment (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).

The CLI's sentences are written in English in the code, wrapped in `_()` (`_n()` for a count, `N_()`
for a constant read later), the GNU gettext way: their Portuguese lives in the `cli` catalog
(smscore/words/locale/pt_BR/LC_MESSAGES/cli.po, kept by scripts/i18n_cli.py, which extracts them).
What the console already words (problem codes, import and quote reasons, states, file headers)
comes from the console's catalog through smscore.words, so a refusal or a CSV header reads the
same in the terminal as on the page. JSON output stays in codes: it is for programs.
A process runs one command in one language, so the choice is module state, set once by `main`.
"""

from __future__ import annotations

import argparse
import gettext
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from smscore.money import decimal_str, format_money
from smscore.problems import Problem
from smscore.words import formats, vocab
from smscore.words.catalogs import GNU_CODES, LOCALE_DIR, SOURCE
from smscore.words.i18n import LANGUAGE_NAMES, from_environment, from_tag, translate, translate_n
from smscore.words.numbers import parse_amount

DOMAIN = "cli"
CHOICES = tuple(LANGUAGE_NAMES)  # the values --lang takes
_state = {"lang": SOURCE}


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The CLI catalog of `lang`; English is the code's own text."""
    if lang == SOURCE or lang not in GNU_CODES:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, [GNU_CODES[lang]])


def choose(flag: str | None, environ: Mapping[str, str]) -> str:
    """`--lang` when given (pt-BR, pt_BR, pt, en...), else the environment's language."""
    return (from_tag(flag) if flag else None) or from_environment(environ)


def use(lang: str) -> None:
    """Speak `lang` from now on in this process, argparse's own words included."""
    _state["lang"] = lang if lang in LANGUAGE_NAMES else SOURCE
    # argparse words its usage and errors through its module's `_`/`ngettext` (gettext's,
    # bound at import): point them at the CLI catalog, which carries their Portuguese too;
    # English gives argparse back its own.
    english = _state["lang"] == SOURCE
    argparse._ = gettext.gettext if english else _  # type: ignore[attr-defined]
    argparse.ngettext = gettext.ngettext if english else _n  # type: ignore[attr-defined]


def language() -> str:
    return _state["lang"]


def _(text: str) -> str:
    """`text` (English, as written in the code) in the CLI's language."""
    return catalog(_state["lang"]).gettext(text)


def _n(one: str, other: str, n: int) -> str:
    """The form of `one`/`other` that fits the count `n`, in the CLI's language."""
    return catalog(_state["lang"]).ngettext(one, other, n)


def N_(text: str) -> str:  # noqa: N802 - gettext's name for "extract this, translate it later"
    """Marks a constant for extraction; `_()` translates it where it is used."""
    return text


def count(n: int) -> str:
    """A count: plain digits in English, as smscore always printed them (scripts read them);
    grouped the Portuguese way in Portuguese (7.980)."""
    return str(n) if _state["lang"] == SOURCE else formats.number(n, _state["lang"])


def grouped(n: int) -> str:
    """A figure in a sentence, grouped the language's way in both (1,600 / 1.600)."""
    return formats.number(n, _state["lang"])


def amount(value: Decimal) -> str:
    """An amount with every stored digit and the language's decimal sign, without grouping: what
    a terminal table and a copy-paste into a spreadsheet both read (0.0718 / 0,0718)."""
    text = decimal_str(value)
    return text.replace(".", ",") if _state["lang"] != SOURCE else text


def fixed(value: float, places: int) -> str:
    """A measured quantity (a rate) to `places` decimals, the language's decimal sign."""
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if _state["lang"] != SOURCE else text


def money(value: Decimal, currency: str) -> str:
    """An amount with its currency, every digit kept: `USD 0.0718` as smscore always printed it,
    `US$ 0,0718` in Portuguese (CLDR)."""
    if _state["lang"] == SOURCE:
        return format_money(value, currency)
    return formats.exact(value, _state["lang"], currency).replace("\\$", "$")


def day(value: date) -> str:
    """A date: ISO in English (as before), CLDR's in Portuguese (06/12/2026)."""
    return value.isoformat() if _state["lang"] == SOURCE else formats.day(value, _state["lang"])


def moment(value: datetime | None, zone: str) -> str:
    """A stored moment (naive UTC) on the workspace's clock, the language's way."""
    return formats.when(value, _state["lang"], zone)


def worded(text: str, word: Callable[[str, str], str]) -> str:
    """A core code or reason in the CLI's language; in English, as smscore wrote it."""
    return text if _state["lang"] == SOURCE else word(text, _state["lang"])


def code(column: str, value: str) -> str:
    """A stored code (a state, a status, a sender type) as the console words it; English as stored."""
    return worded(value, lambda v, lang: vocab.word(column, v, lang))


def country_name(iso: str, listed: str) -> str:
    """A country: as the price list names it in English, CLDR's name in Portuguese."""
    return listed if _state["lang"] == SOURCE else formats.country_name(iso, _state["lang"])


def typed_amount(text: str, option: str) -> Decimal:
    """An amount typed on the command line, read the language's way (`2,50` under pt_BR) by the
    console's parser; an ambiguous text is refused with a sentence naming `option`."""
    return parse_amount(text, _state["lang"], option)


def console(key: str, **fields: object) -> str:
    """A sentence the console already has (its catalog's `key`), in the CLI's language."""
    return translate(key, _state["lang"], **fields)


def console_n(key: str, n: int, **fields: object) -> str:
    """The console's plural sentence `key` for the count `n`, in the CLI's language."""
    return translate_n(key, n, _state["lang"], **fields)


def said(exc: BaseException) -> str:
    """An exception from smscore in the CLI's language: by its problem code when it has one."""
    from smscore.words.problem_words import error

    return str(exc) if _state["lang"] == SOURCE else error(exc, _state["lang"])


def said_problem(problem: Problem) -> str:
    """A coded problem (a refusal, a balance verdict) in the CLI's language."""
    from smscore.words.problem_words import say

    return problem.text if _state["lang"] == SOURCE else say(problem, _state["lang"])


def yes(answer: str) -> bool:
    """A terminal's yes: y/yes, and s/sim in Portuguese."""
    return answer.strip().casefold() in (_YES_PT if _state["lang"] != SOURCE else _YES)


_YES = ("y", "yes")
_YES_PT = ("y", "yes", "s", "sim")


# argparse's own words that reach an operator (its usage, help and errors), so that `use()` can
# hand them to argparse in Portuguese too. The msgids are argparse's (Python 3.11+), kept here
# for extraction into the CLI catalog.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
    N_("can't open '%(filename)s': %(error)s"),
)
