"""Helpers for the sender's tests: quotes without a price book, and a stateful in-process Twilio.

`LedgerTwilio` is a small account that behaves like Twilio where the sender cares: it keeps every
message it accepted (so `messages_to` and `fetch` answer from real state), draws its balance down,
and fails chosen numbers with chosen errors. Tests assert on what it received, which the sender
cannot fake.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from smscore.cost.quote import Quote, Selection
from smscore.money import Money
from smscore.twilio.gateway import Account, GatewayError, MessageResult

SENDER = "+447700900001"  # a UK long code: 10 segments/s by default


def phones(n: int, start: int = 0) -> list[str]:
    return [f"+4477009{i:05d}" for i in range(start, start + n)]


def make_quote(
    numbers: list[str],
    body: str = "Hello from the test",
    *,
    segments: int = 1,
    price: str = "0.0400",
    currency: str = "USD",
) -> Quote:
    """A quote as smscore.cost.quote builds it, for recipients that need no contacts table."""
    unit = Decimal(price)
    n = len(numbers)
    money = pd.ArrowDtype(pa.decimal128(18, 6))
    recipients = pd.DataFrame(
        {
            "contact_id": pd.Series(range(1, n + 1), dtype="int64"),
            "phone": pd.Series(numbers, dtype=pd.ArrowDtype(pa.string())),
            "country": pd.Series(["GB"] * n, dtype=pd.ArrowDtype(pa.string())),
            "category": pd.Series([None] * n, dtype=pd.ArrowDtype(pa.string())),
            "body": pd.Series([body] * n, dtype=pd.ArrowDtype(pa.string())),
            "encoding": pd.Series(["GSM-7"] * n, dtype=pd.ArrowDtype(pa.string())),
            "segments": pd.Series([segments] * n, dtype="int64"),
            "unit_min": pd.Series([unit] * n, dtype=money),
            "unit_max": pd.Series([unit] * n, dtype=money),
            "cost_min": pd.Series([unit * segments] * n, dtype=money),
            "cost_max": pd.Series([unit * segments] * n, dtype=money),
        }
    )
    total = unit * segments * len(numbers)
    return Quote(
        body=body,
        selection=Selection(everyone=True),
        currency=currency,
        price_list_id=1,
        price_list_as_of=date(2026, 11, 1),
        recipients=recipients,
        by_country=pd.DataFrame(),
        excluded=pd.DataFrame(),
        total_min=total,
        total_max=total,
        segments=segments * len(numbers),
    )


# An action decides what one send attempt does: return None to accept, or raise.
Action = Callable[[str, int], None]


class LedgerTwilio:
    """A thread-safe in-process account with Twilio's observable behaviour."""

    mode = "sandbox"

    def __init__(
        self, balance: str = "100.00", currency: str = "USD", price: str = "0.0400", latency: float = 0.0
    ) -> None:
        self.balance_amount = Decimal(balance)
        self.currency = currency
        self.price = Decimal(price)
        self.latency = latency
        self.attempts: Counter[str] = Counter()  # every request, refused or not
        self.accepted: Counter[str] = Counter()  # messages Twilio created, per number
        self.messages: dict[str, MessageResult] = {}
        self.actions: dict[str, Action] = {}
        self.default_action: Action | None = None
        self.balance_reads = 0
        self._lock = threading.Lock()

    # -- the Gateway protocol --

    def account(self) -> Account:
        return Account("0001", "Full", "active", self.balance(), self.mode)

    def balance(self) -> Money | None:
        with self._lock:
            self.balance_reads += 1
            return Money(self.balance_amount, self.currency)

    def price_countries(self) -> list[str]:
        return ["GB"]

    def country_prices(self, iso: str) -> list:
        return []

    def send(self, to: str, body: str, sender: str) -> MessageResult:
        with self._lock:
            self.attempts[to] += 1
            attempt = self.attempts[to]
        if self.latency:
            threading.Event().wait(self.latency)
        action = self.actions.get(to, self.default_action)
        if action is not None:
            action(to, attempt)
        with self._lock:
            if self.balance_amount < self.price:
                # Twilio answers an emptied account with 20005 over HTTP 401, like a bad token.
                raise GatewayError("Account not active", code=20005, status=401)
            self.balance_amount -= self.price
            self.accepted[to] += 1
            sid = f"SM{len(self.messages):032x}"
            result = MessageResult(
                sid=sid,
                to=to,
                status="queued",
                num_segments=1,
                date_created=datetime.now(UTC),
                body=body,
                from_=sender,
            )
            self.messages[sid] = result
            return result

    def fetch(self, sid: str) -> MessageResult:
        queued = self.messages[sid]
        return MessageResult(
            sid=sid,
            to=queued.to,
            status="delivered",
            num_segments=1,
            price=self.price,
            price_unit=self.currency,
            date_created=queued.date_created,
            body=queued.body,
            from_=queued.from_,
        )

    def messages_to(self, to: str, since: datetime, *, sender: str | None = None) -> list[MessageResult]:
        with self._lock:
            return [
                m
                for m in self.messages.values()
                if m.to == to and (m.date_created or since) >= since and (sender is None or m.from_ == sender)
            ]

    # -- test helpers --

    def duplicates(self) -> dict[str, int]:
        return {number: n for number, n in self.accepted.items() if n > 1}


def fail_with(
    code: int | None,
    status: int | None,
    *,
    sent: bool = True,
    times: int | None = None,
    message: str = "refused",
) -> Action:
    """An action raising a GatewayError, on every attempt or on its first `times` calls per number."""
    calls: Counter[str] = Counter()

    def action(to: str, attempt: int) -> None:
        calls[to] += 1
        if times is None or calls[to] <= times:
            raise GatewayError(message, code=code, status=status, sent=sent)

    return action


def no_retry_sleep(_: float) -> None:
    """Backoff sleeps skipped: the tests check what is retried, not how long it waits."""
