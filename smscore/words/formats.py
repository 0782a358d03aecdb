"""Numbers, money, dates and country names the way the operator's language writes them (CLDR).

Babel carries CLDR's data, so pt-BR gets `7.980` and `US$ 20,00` while English gets `7,980` and
`$20.00`. Money has three faces, for three questions:
- `cost`: what a batch may cost, to the cent and rounded UP, so the figure shown is never below
  what Twilio can charge;
- `balance`: what the account holds, to the cent and rounded DOWN, so the operator never counts
  on money that is not there;
- `exact`/`unit_price`: every stored digit, for hover help, exports and per-segment prices
  (Twilio prices have up to 5 decimals, and rounding them would misstate every subtotal).
Amounts with a currency sign come Markdown-escaped (`\\$`), since Streamlit renders them as
Markdown. The database keeps naive UTC timestamps (smscore.clock); `when` shows them in the operator's zone.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from smscore.money import CENT, Money, to_decimal
from smscore.money import cents_up as money_cents_up

_LOCALES = {"en": "en_US", "pt-BR": "pt_BR"}


def locale_of(lang: str) -> str:
    return _LOCALES.get(lang, "en_US")


def number(value: int | float | Decimal, lang: str) -> str:
    """A count or quantity with the language's grouping and decimal signs."""
    return format_decimal(value, locale=locale_of(lang))


def decimal_text(value: Decimal | float | None, lang: str) -> str:
    """An amount without its currency (a table whose header names it), every digit kept."""
    if value is None or value != value:  # None or NaN: no figure
        return "—"
    amount = to_decimal(value)
    shown = _at_least_cents(amount)
    return format_decimal(shown, format="#,##0.00####", locale=locale_of(lang))


def cents_up(value: Decimal | float | None, lang: str) -> str:
    """A cost without its currency, to the cent rounded up (table cells)."""
    if value is None or value != value:
        return "—"
    amount = money_cents_up(to_decimal(value))
    return format_decimal(amount, format="#,##0.00", locale=locale_of(lang))


def _money(amount: Decimal, currency: str, lang: str) -> str:
    # Every place money is shown with its sign (messages, metrics, help) renders Markdown, where
    # two dollar signs in a line ("US$ 1,50 … US$ 2,00") would open a formula: escape them.
    text = format_currency(
        amount, currency, locale=locale_of(lang), currency_digits=False, decimal_quantization=False
    )
    return text.replace("$", "\\$")


def cost(value: Money | Decimal, lang: str, currency: str | None = None) -> str:
    """A cost to the cent, rounded up: `US$ 1,40` for 1.3998."""
    amount, cur = _parts(value, currency)
    return _money(money_cents_up(amount), cur, lang)


def balance(value: Money | Decimal, lang: str, currency: str | None = None) -> str:
    """A balance to the cent, rounded down: `US$ 18,60` for 18.6099."""
    amount, cur = _parts(value, currency)
    return _money(amount.quantize(CENT, rounding=ROUND_FLOOR), cur, lang)


def plain(value: Money | Decimal, lang: str, currency: str | None = None) -> str:
    """An amount the operator typed or set (threshold, reserve): to the cent, half-even."""
    amount, cur = _parts(value, currency)
    return _money(amount.quantize(CENT, rounding=ROUND_HALF_EVEN), cur, lang)


def exact(value: Money | Decimal, lang: str, currency: str | None = None) -> str:
    """Every stored digit (at least two decimals): the figure behind a rounded one."""
    amount, cur = _parts(value, currency)
    shown = _at_least_cents(amount)
    return _money(shown, cur, lang)


unit_price = exact  # per-segment prices keep their precision


def _at_least_cents(amount: Decimal) -> Decimal:
    """Every significant digit, and never fewer than two decimals (20 -> 20.00, 0.0599)."""
    trimmed = amount.normalize()
    return amount.quantize(CENT) if trimmed.as_tuple().exponent >= -2 else trimmed


def _parts(value: Money | Decimal, currency: str | None) -> tuple[Decimal, str]:
    if isinstance(value, Money):
        return value.amount, value.currency
    if currency is None:
        raise ValueError("a currency is required with a bare amount")
    return to_decimal(value), currency


def when(moment: datetime | None, lang: str, zone: str) -> str:
    """A stored (naive UTC) timestamp as the operator's local date and time."""
    if moment is None:
        return "—"
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return format_datetime(aware, "short", tzinfo=ZoneInfo(zone), locale=locale_of(lang))


def day(value: date | None, lang: str) -> str:
    return "—" if value is None else format_date(value, "medium", locale=locale_of(lang))


@cache
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(locale_of(lang)).territories)


def country_name(iso: str | None, lang: str) -> str:
    """The country's name in `lang` (`Alemanha` for DE in pt-BR); the code itself if unknown."""
    if not iso:
        return "—"
    return _territories(lang).get(str(iso).upper(), str(iso))


def _folded(text: str) -> str:
    """Lower case without accents, so `Alemanha`, `alemanha` and `ALEMANHA` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def country_matches(iso: str, needle: str) -> bool:
    """Does a search text name this country: its ISO code, or part of its English or
    Portuguese name (accents and case ignored)?"""
    wanted = _folded(needle.strip())
    if not wanted:
        return True
    if wanted == iso.casefold():
        return True
    return any(wanted in _folded(country_name(iso, lang)) for lang in _LOCALES)


def masked_phone(text: str) -> str:
    """`+5511987654321` -> `+5511•••••4321`: enough to tell two recipients apart in a support
    call, not enough to text them. Short or odd values keep only their last two characters."""
    if len(text) >= 10:
        return text[:5] + "•" * (len(text) - 9) + text[-4:]
    return "•" * max(len(text) - 2, 0) + text[-2:]


def day_first(lang: str) -> bool:
    """Whether the language writes the day before the month in a short date (06/12/2026)."""
    return Locale.parse(locale_of(lang)).date_formats["short"].pattern.lower().startswith("d")


def date_input_format(lang: str) -> str:
    """The order st.date_input shows and takes a date in: the language's own (dd/mm/yyyy in
    pt-BR), instead of Streamlit's yyyy/mm/dd placeholder."""
    if day_first(lang):
        return "DD/MM/YYYY"
    pattern = Locale.parse(locale_of(lang)).date_formats["short"].pattern.lower()
    return "MM/DD/YYYY" if pattern.startswith("m") else "YYYY/MM/DD"
