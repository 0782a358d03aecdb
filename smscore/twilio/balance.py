"""The balance gate: a batch starts only when the account can pay for its worst case.

The balance is fetched fresh and compared with the quote's maximum total plus the configured
reserve, in one currency. A balance in another currency than the quote, or no balance at all (a
subaccount), is refused with a reason rather than compared blindly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from smscore.money import Money, decimal_str, format_money
from smscore.problems import Param, Problem
from smscore.twilio.gateway import Gateway

# Twilio prepends this to every SMS a trial account sends, so the quote counts it in segments.
# Source: Twilio's trial limitations (help.twilio.com/articles/360036052753); the exact text as it
# appears in message bodies returned by the API.
TRIAL_PREFIX = "Sent from your Twilio trial account - "
DEFAULT_LOW_BALANCE = Decimal("2.00")


class BalanceRefused(Exception):
    """Sending is refused because the balance cannot be shown to cover the batch."""

    def __init__(self, message: str, problem: Problem | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem = problem  # the same refusal as a code the console words in its language


class BalanceShort(BalanceRefused):
    """The balance is below what the batch may cost (plus reserve), in the account's currency."""

    def __init__(
        self, message: str, *, needed: Money, balance: Money, shortfall: Money, problem: Problem | None = None
    ) -> None:
        super().__init__(message, problem)
        self.needed = needed
        self.balance = balance
        self.shortfall = shortfall


@dataclass(frozen=True)
class BalanceCheck:
    """The gate's verdict. `needed` already includes the reserve; `problem` says it as a code."""

    ok: bool
    balance: Money | None
    needed: Money
    shortfall: Money | None
    problem: Problem

    @property
    def message(self) -> str:
        """The verdict in English (the CLI prints it)."""
        return self.problem.text

    def raise_if_refused(self) -> BalanceCheck:
        """Return self when sending may go ahead; raise BalanceShort or BalanceRefused otherwise."""
        if self.ok:
            return self
        if self.balance is not None and self.shortfall is not None:
            raise BalanceShort(
                self.message,
                needed=self.needed,
                balance=self.balance,
                shortfall=self.shortfall,
                problem=self.problem,
            )
        raise BalanceRefused(self.message, self.problem)


def check_balance(gateway: Gateway, needed: Money, *, reserve: Money | None = None) -> BalanceCheck:
    """Fetch the balance now and judge whether it covers `needed` plus `reserve`."""
    return judge(gateway.balance(), needed, reserve=reserve)


def require_balance(gateway: Gateway, needed: Money, *, reserve: Money | None = None) -> BalanceCheck:
    """`check_balance`, raising BalanceShort/BalanceRefused when sending must not start."""
    return check_balance(gateway, needed, reserve=reserve).raise_if_refused()


def judge(balance: Money | None, needed: Money, *, reserve: Money | None = None) -> BalanceCheck:
    """The gate without the fetch: compare a known balance with the batch's maximum cost."""
    if reserve is not None and reserve.currency != needed.currency:
        return BalanceCheck(
            False,
            balance,
            needed,
            None,
            Problem("balance.reserve_currency", {"reserve": reserve.currency, "quote": needed.currency}),
        )
    reserved = reserve is not None and bool(reserve.amount)
    total = needed + reserve if reserved else needed
    if balance is None:
        return BalanceCheck(False, None, total, None, Problem("balance.none"))
    if balance.currency != total.currency:
        return BalanceCheck(
            False,
            balance,
            total,
            None,
            Problem("balance.other_currency", {"balance": balance.currency, "prices": total.currency}),
        )
    amounts: dict[str, Param] = {"balance": balance, "needed": needed}
    if reserved:
        amounts.update(total=total, reserve=reserve)
    if balance >= total:
        code = "balance.covers_with_reserve" if reserved else "balance.covers"
        return BalanceCheck(True, balance, total, Money(Decimal(0), total.currency), Problem(code, amounts))
    shortfall = total - balance
    code = "balance.short_with_reserve" if reserved else "balance.short"
    return BalanceCheck(False, balance, total, shortfall, Problem(code, {**amounts, "shortfall": shortfall}))


def low_balance_notice(balance: Money | None, threshold: Decimal = DEFAULT_LOW_BALANCE) -> str | None:
    """A notice when the balance is below the threshold (like Twilio's balance triggers)."""
    if balance is None or balance.amount >= threshold:
        return None
    return (
        f"Low balance: {balance} left, below the {format_money(threshold, balance.currency)} "
        f"threshold. Top up before the next batch."
    )


def balance_report(gateway: Gateway, threshold: Decimal = DEFAULT_LOW_BALANCE) -> dict[str, Any]:
    """What `python -m smscore balance` prints: a fresh balance and the account around it."""
    account = gateway.account()
    balance = account.balance
    return {
        "mode": account.mode,
        "account_sid_last4": account.sid_last4,
        "type": account.type,
        "status": account.status,
        "balance": None if balance is None else decimal_str(balance.amount),
        "currency": None if balance is None else balance.currency,
        "low_balance_threshold": decimal_str(threshold),
        "notice": low_balance_notice(balance, threshold),
    }
