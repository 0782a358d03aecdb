"""Numbers, money, dates and country names written the operator's way (CLDR via Babel)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from smscore.money import Money
from smscore.words import formats

NBSP = "\xa0"


def _plain(text: str) -> str:
    """As the operator reads it: Markdown's escaped dollar resolved, NBSP as a space."""
    return text.replace("\\$", "$").replace(NBSP, " ")


def test_money_signs_are_escaped_for_markdown():
    """Two unescaped dollar signs in one Streamlit message would render as a formula."""
    assert formats.plain(Money(Decimal("20"), "USD"), "pt-BR") == "US\\$\xa020,00"
    assert formats.cost(Money(Decimal("1"), "USD"), "en") == "\\$1.00"


def test_money_in_portuguese_is_written_us_dollar_with_comma():
    assert _plain(formats.plain(Money(Decimal("20"), "USD"), "pt-BR")) == "US$ 20,00"


def test_money_in_english_is_written_with_dollar_sign():
    assert _plain(formats.plain(Money(Decimal("20"), "USD"), "en")) == "$20.00"


def test_numbers_group_thousands_the_language_way():
    assert formats.number(7980, "pt-BR") == "7.980"
    assert formats.number(7980, "en") == "7,980"


def test_cost_is_shown_to_the_cent_rounded_up():
    assert _plain(formats.cost(Money(Decimal("1.3998"), "USD"), "en")) == "$1.40"
    assert _plain(formats.cost(Money(Decimal("1.3901"), "USD"), "en")) == "$1.40"
    assert _plain(formats.cost(Money(Decimal("1.39"), "USD"), "en")) == "$1.39"


def test_balance_is_shown_to_the_cent_rounded_down():
    assert _plain(formats.balance(Money(Decimal("18.6099"), "USD"), "en")) == "$18.60"


def test_exact_figure_keeps_every_stored_digit():
    assert _plain(formats.exact(Money(Decimal("18.600200"), "USD"), "en")) == "$18.6002"
    assert _plain(formats.exact(Money(Decimal("1.3998"), "USD"), "pt-BR")) == "US$ 1,3998"
    assert _plain(formats.exact(Money(Decimal("20"), "USD"), "en")) == "$20.00"


def test_unit_prices_keep_their_precision():
    assert _plain(formats.unit_price(Decimal("0.174975"), "en", "USD")) == "$0.174975"


def test_bare_amount_without_currency_is_refused():
    import pytest  # noqa: PLC0415

    with pytest.raises(ValueError, match="currency"):
        formats.cost(Decimal("1"), "en")


def test_times_are_shown_in_the_operators_zone():
    stored = datetime(2026, 11, 30, 20, 0)  # naive UTC, as smscore.clock stores it
    assert formats.when(stored, "pt-BR", "America/Sao_Paulo") == "30/11/2026 17:00"
    assert "5:00" in formats.when(stored, "en", "America/Sao_Paulo")


def test_country_names_in_the_chosen_language():
    assert formats.country_name("DE", "pt-BR") == "Alemanha"
    assert formats.country_name("DE", "en") == "Germany"
    assert formats.country_name("BR", "pt-BR") == "Brasil"


def test_country_search_matches_both_languages_and_iso_codes():
    assert formats.country_matches("DE", "Alemanha")
    assert formats.country_matches("DE", "germany")
    assert formats.country_matches("BR", "Brasil")
    assert formats.country_matches("BR", "brazil")
    assert formats.country_matches("BR", "br")
    assert formats.country_matches("AT", "Áustria")
    assert formats.country_matches("AT", "austria")
    assert not formats.country_matches("US", "Brasil")
