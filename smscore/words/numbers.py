"""Numbers the operator types (amounts, rates, counts), read and shown the way their language
writes them: `2,50` and `1.234,56` in pt-BR, `2.50` and `1,234.56` in English.

One parser for every field, built on Babel's `parse_decimal(strict=True)`, because the cost of a
wrong guess is a factor of 100: a Brazilian's `2,50` read the English way is 250. So a text that
fits the language's pattern only if a sign is misplaced (`2.50` in pt-BR, where the point groups
thousands; `1,2,3`; `2,5.0`) is refused with one sentence that shows how to write it, never
repaired. So are exponents, `nan` and `inf`, which Decimal would take. What the value may be
(not negative, within a range) stays for smscore to say, as it does for the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from smscore.words.formats import locale_of
from smscore.words.i18n import translate

_SHOWN_AMOUNT = "#,##0.00####"  # at least the cents, and every stored digit after them
_EXAMPLE_AMOUNTS = (Decimal("1234.56"), Decimal("2.50"))


class Unreadable(ValueError):
    """A typed number the parser refused. `str()` is the sentence for the operator in their
    language; `sentence(md)` the same with what they typed escaped, for Markdown."""

    def __init__(self, key: str, text: str, lang: str, field: str) -> None:
        self.key, self.text, self.lang, self.field = key, text.strip(), lang, field
        super().__init__(self.sentence())

    def sentence(self, escape: Callable[[str], str] = str) -> str:
        if not self.text:
            return translate("numbers.empty", self.lang, field=self.field)
        big, small = (amount_text(v, self.lang) for v in _EXAMPLE_AMOUNTS)
        return translate(
            self.key, self.lang, field=self.field, raw=escape(self.text), example=big, small=small
        )


@cache
def _pattern(lang: str) -> re.Pattern[str]:
    """An optional sign, then digits and the language's two signs, nothing else."""
    locale = locale_of(lang)
    signs = re.escape(get_group_symbol(locale) + get_decimal_symbol(locale))
    return re.compile(rf"[+-]?[0-9{signs}]*[0-9][0-9{signs}]*")


def _read(text: str, lang: str) -> Decimal | None:
    """The number in `text`, or None when it is not written the language's way."""
    stripped = text.strip()
    if not _pattern(lang).fullmatch(stripped):
        return None
    try:
        return parse_decimal(stripped, locale=locale_of(lang), strict=True)
    except NumberFormatError:
        return None


def parse_amount(text: str, lang: str, field: str) -> Decimal:
    """An amount or rate typed in `field`, every digit kept (`2,50` in pt-BR -> Decimal("2.50")).
    Raise Unreadable, naming the field, for an empty, malformed or ambiguous text."""
    value = _read(text, lang)
    if value is None:
        raise Unreadable("numbers.bad_amount", text, lang, field)
    return value


def parse_whole(text: str, lang: str, field: str) -> int:
    """A count typed in `field` (minutes, concurrency): digits, grouped the language's way if at
    all (`1.440` in pt-BR). `30,0` is 30; `30,5` is refused, like anything parse_amount refuses."""
    value = _read(text, lang)
    if value is None or value != value.to_integral_value():
        raise Unreadable("numbers.bad_whole", text, lang, field)
    return int(value)


def amount_text(value: Decimal, lang: str) -> str:
    """An amount as the input shows it, ready to be typed over: `1.234,50` in pt-BR."""
    return format_decimal(value, format=_SHOWN_AMOUNT, locale=locale_of(lang), decimal_quantization=False)


def quantity_text(value: Decimal | int, lang: str) -> str:
    """A rate as the input shows it: no decimals unless it has some (`10`, `0,5`), all of them."""
    return format_decimal(value, format="#,##0.###", locale=locale_of(lang), decimal_quantization=False)


def whole_text(value: int | float | Decimal, lang: str) -> str:
    """A count as the input shows it, without decimals (`30`, `1.440`); a fractional value
    (minutes set from the environment) keeps its digits rather than being rounded."""
    return quantity_text(Decimal(str(value)), lang)
