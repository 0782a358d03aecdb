"""Money is exact and always travels with its currency."""

from decimal import Decimal

import pytest

from smscore.money import CurrencyMismatch, Money, decimal_str, format_money, to_decimal


def test_prices_parse_from_twilio_strings_without_float_rounding():
    assert to_decimal("-0.00750") == Decimal("-0.00750")
    assert to_decimal(0.1) == Decimal("0.1")


def test_money_refuses_to_mix_currencies():
    with pytest.raises(CurrencyMismatch, match="USD with BRL"):
        Money(Decimal("1"), "USD") + Money(Decimal("1"), "BRL")
    with pytest.raises(CurrencyMismatch):
        _ = Money(Decimal("1"), "USD") < Money(Decimal("2"), "EUR")


def test_money_adds_and_compares_in_one_currency():
    total = Money(Decimal("0.0599"), "usd") + Money(Decimal("0.0401"), "USD")
    assert total == Money(Decimal("0.1000"), "USD")
    assert Money(Decimal("2"), "USD") > Money(Decimal("1.99"), "USD")


def test_money_is_shown_with_its_currency():
    assert str(Money(Decimal("1234.5"), "USD")) == "USD 1,234.50"
    assert format_money(Decimal("0.0079"), "USD") == "USD 0.0079"


def test_decimal_str_is_plain_and_exact():
    assert decimal_str(Decimal("1E-5")) == "0.000010"
    assert decimal_str(Decimal("14524.991")) == "14524.991000"


def test_bad_amount_names_the_value():
    with pytest.raises(ValueError, match="'abc'"):
        to_decimal("abc")
