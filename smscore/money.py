"""Exact money: a Decimal amount that always travels with its currency."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

# Twilio prices carry up to 5 decimals; storage keeps 6 (DECIMAL(18, 6)).
STORAGE_QUANTUM = Decimal("0.000001")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined or compared."""


@dataclass(frozen=True, order=False)
class Money:
    """An exact amount of one currency. Arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))
        if not self.currency or len(self.currency) != 3:
            raise ValueError(f"ISO 4217 currency code required; got {self.currency!r}")
        object.__setattr__(self, "currency", self.currency.upper())

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def to_decimal(value: object) -> Decimal:
    """Parse a price as Twilio sends it (a string, sometimes a number) without float rounding."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value).strip())
    except Exception as exc:  # decimal.InvalidOperation and friends
        raise ValueError(f"a decimal amount is required; got {value!r}") from exc


def format_money(amount: Decimal, currency: str, places: int = 2) -> str:
    """'USD 12.34', keeping more places when the amount is a sub-cent unit price."""
    amount = to_decimal(amount)
    exponent = -amount.normalize().as_tuple().exponent if amount else 0
    shown = max(places, min(int(exponent), 6))
    quantum = Decimal(1).scaleb(-shown)
    return f"{currency} {amount.quantize(quantum, rounding=ROUND_HALF_EVEN):,}"


def decimal_str(amount: Decimal) -> str:
    """A plain decimal string for JSON and CSV: no exponent, trailing zeros kept to 6 places max."""
    return format(to_decimal(amount).quantize(STORAGE_QUANTUM, rounding=ROUND_HALF_EVEN), "f")


CENT = Decimal("0.01")


def cents_up(amount: Decimal) -> Decimal:
    """A cost as a table shows it: to the cent, rounded up (never below what Twilio may charge)."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def shown_total(lines: Iterable[object]) -> Decimal:
    """The total under a column of costs shown to the cent rounded up: the sum of the lines as
    shown, so the column adds up to its total (0,72 + 0,15 + 0,04 = 0,91, not the exact 0,90).

    Each line is rounded up, so this is never below the exact total and at most one cent per
    line above it: a maximum stays a maximum. The exact figure is still one hover away."""
    return sum((cents_up(to_decimal(line)) for line in lines), Decimal("0.00"))
