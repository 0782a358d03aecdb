"""smscore's refusals and batch status reasons, worded from their codes in the operator's language.

The core raises (or stores) a `smscore.problems.Problem`: a stable code with its parameters
beside the English sentence the CLI prints. Here the code picks the catalog entry
`problem.<code>` and each parameter is written the language's way: money to the cent (costs
rounded up, balances down), counts with the language's grouping, times in the operator's zone,
statuses as words. The result is plain text (callers wrap it in ui.shell.untrusted.md, since it may
quote what an operator typed or what Twilio answered). An error without a code, or a row stored
before codes existed, is shown through the older English-shape readers, else as written.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal

from smscore.money import Money
from smscore.problems import Param, Problem, problem_of
from smscore.words import access_words, formats
from smscore.words.i18n import translate
from smscore.words.vocab import word

CATALOG_PREFIX = "problem."
_BALANCES = {"balance"}  # what the account holds: to the cent, rounded down
_SET_AMOUNTS = {"limit", "reserve"}  # amounts an admin typed: every digit, as set
# Every other amount is a cost: to the cent, rounded up, never less than can be charged.
_CODE_WORDS = {"status": "status"}  # parameters that are themselves codes with catalog words


def key(code: str) -> str:
    """The catalog key of a problem code."""
    return CATALOG_PREFIX + code


def _param(name: str, value: Param, lang: str, zone: str) -> str:
    if isinstance(value, Money):
        face = (
            formats.balance if name in _BALANCES else formats.exact if name in _SET_AMOUNTS else formats.cost
        )
        return face(value, lang).replace("\\$", "$")  # plain: the caller escapes the sentence
    if isinstance(value, datetime):
        return formats.when(value, lang, zone)
    if isinstance(value, time):  # read back from an older row's text: a UTC time of day
        return f"{value:%H:%M:%S} UTC"
    if isinstance(value, str):
        return _text(name, value, lang)
    if isinstance(value, int | Decimal):
        return formats.number(value, lang)
    return str(value)


def _text(name: str, value: str, lang: str) -> str:
    """A text parameter: a code as its word, placeholder names as typed, else as it is."""
    if name in _CODE_WORDS:
        return word(_CODE_WORDS[name], value, lang)
    if name == "known":  # placeholder names, shown as they are typed: {name}, {phone}
        return ", ".join(f"{{{field.strip()}}}" for field in value.split(","))
    if name == "which" and lang != "en":  # a spending limit's name, "per batch"
        return translate("limits." + value.replace(" ", "_"), lang)
    return value


def say(problem: Problem, lang: str, zone: str = "UTC") -> str:
    """The problem as one sentence in `lang`."""
    fields = {n: _param(n, v, lang, zone) for n, v in problem.params.items()}
    return translate(key(problem.code), lang, **fields)


def error(exc: BaseException, lang: str, zone: str = "UTC") -> str:
    """An exception from smscore in `lang`: by its code, else by its English shape, else as is."""
    found = problem_of(exc)
    if found is not None:
        return say(found, lang, zone)
    return access_words.refusal(str(exc), lang)


def reason(problem: Problem | None, text: str | None, lang: str, zone: str = "UTC") -> str:
    """A batch's stored reason: by its code when it has one; an older row's text as written."""
    if problem is not None:
        return say(problem, lang, zone)
    return text or ""
