"""What the console needs from Twilio, as one interface with a live and a sandbox implementation.

This module is the protocol and its values only: it knows no implementation
(smscore.twilio.connect picks one).

The sender, the balance gate and the pages talk only to this interface, so the same code runs
against real Twilio (through the official SDK), against a loopback peer in tests, and against the
sandbox account kept in the DuckDB file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from smscore.cost.prices import CarrierPrice
from smscore.money import Money

__all__ = ["MAX_LEAD", "MIN_LEAD", "Account", "CarrierPrice", "Gateway", "GatewayError", "MessageResult"]

# Twilio schedules a message more than MIN_LEAD and at most MAX_LEAD ahead (smscore.sending.schedule).
MIN_LEAD = timedelta(seconds=300)  # strictly more than this ahead
MAX_LEAD = timedelta(days=35)


@dataclass(frozen=True)
class Account:
    """The Twilio account as the console shows it. `balance` is None for subaccounts."""

    sid_last4: str
    type: str  # "Trial" or "Full"
    status: str  # "active", "suspended", "closed"
    balance: Money | None
    mode: str  # "live" or "sandbox"

    @property
    def is_trial(self) -> bool:
        return self.type.lower() == "trial"


@dataclass(frozen=True)
class MessageResult:
    """Twilio's view of one message, at create time or on a later fetch."""

    sid: str
    to: str
    status: str  # queued, sending, sent, delivered, undelivered, failed, ...
    num_segments: int | None = None
    price: Decimal | None = None  # positive cost; Twilio reports debits as negative strings
    price_unit: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    date_created: datetime | None = None
    # What reconcile needs to prove a message is ours (smscore.sending.ownership); None when not given.
    body: str | None = None
    from_: str | None = None
    messaging_service_sid: str | None = None


@dataclass(frozen=True)
class GatewayError(Exception):
    """A request Twilio (or the sandbox) answered with an error, or one that never got an answer.

    `sent` tells whether the request may have reached Twilio: a failure before the request left
    (connection refused) is safe to retry; a timeout after it left is not, since Twilio has no
    idempotency key on Messages.
    """

    message: str
    code: int | None = None  # Twilio error code (21211, 20429, ...) when known
    status: int | None = None  # HTTP status when known
    sent: bool = True
    details: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        code = f" (Twilio error {self.code})" if self.code else ""
        return f"{self.message}{code}"


class Gateway(Protocol):
    """The console's whole dependency on Twilio."""

    mode: str  # "live" or "sandbox"

    def account(self) -> Account:
        """The account with a freshly fetched balance."""

    def balance(self) -> Money | None:
        """A freshly fetched balance; None when the account has none (subaccount)."""

    def price_countries(self) -> list[str]:
        """ISO codes of every country the Pricing API lists."""

    def country_prices(self, iso: str) -> list[CarrierPrice]:
        """Outbound SMS prices of one country, per carrier and number type."""

    def send(self, to: str, body: str, sender: str, send_at: datetime | None = None) -> MessageResult:
        """Create one message. `sender` is a phone number or a Messaging Service SID (MG...).

        With `send_at` (aware UTC) the message is scheduled (Messaging Service only) and comes
        back with status `scheduled`. Raises GatewayError on any failure.
        """

    def cancel(self, sid: str) -> MessageResult:
        """Cancel a scheduled message (Status=canceled); GatewayError 30409 when too late."""

    def fetch(self, sid: str) -> MessageResult:
        """The current status, error code and price of a message."""

    def delete(self, sid: str) -> None:
        """Delete a message record (its body and numbers) from the account: `DELETE` of the
        Message, as an erasure under LGPD asks (smscore.person.erasure). GatewayError when
        Twilio refuses (a message still in flight, an unknown SID)."""

    def messages_to(self, to: str, since: datetime, *, sender: str | None = None) -> list[MessageResult]:
        """Messages to `to` created since `since` (from `sender` when it is a phone number),
        with their body and sender, including those still queued, accepted or scheduled:
        how an `unknown` ledger row is reconciled."""

    def verified_numbers(self) -> frozenset[str]:
        """The account's verified caller IDs: the only numbers a trial account can reach."""
