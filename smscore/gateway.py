"""What the console needs from Twilio, as one interface with a live and a sandbox implementation.

The sender, the balance gate and the pages talk only to this interface, so the same code runs
against real Twilio (through the official SDK), against a loopback peer in tests, and against the
sandbox account kept in the DuckDB file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from smscore.money import Money


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
    # What reconcile needs to prove a message is ours (smscore.ownership); None when not given.
    body: str | None = None
    from_: str | None = None
    messaging_service_sid: str | None = None


@dataclass(frozen=True)
class CarrierPrice:
    """One outbound price row of the Pricing API (per carrier and sender number type)."""

    iso: str
    country: str | None
    carrier: str | None
    mcc: str | None
    mnc: str | None
    number_type: str | None
    base_price: Decimal | None
    current_price: Decimal
    currency: str


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

    def send(self, to: str, body: str, sender: str,
             send_at: datetime | None = None) -> MessageResult:
        """Create one message. `sender` is a phone number or a Messaging Service SID (MG...).

        With `send_at` (aware UTC) the message is scheduled (Messaging Service only) and comes
        back with status `scheduled`. Raises GatewayError on any failure.
        """

    def cancel(self, sid: str) -> MessageResult:
        """Cancel a scheduled message (Status=canceled); GatewayError 30409 when too late."""

    def fetch(self, sid: str) -> MessageResult:
        """The current status, error code and price of a message."""

    def messages_to(self, to: str, since: datetime, *,
                    sender: str | None = None) -> list[MessageResult]:
        """Messages to `to` created since `since` (from `sender` when it is a phone number),
        with their body and sender, including those still queued, accepted or scheduled:
        how an `unknown` ledger row is reconciled."""

    def verified_numbers(self) -> frozenset[str]:
        """The account's verified caller IDs: the only numbers a trial account can reach."""


def open_gateway(con: object, environ_or_secrets: Mapping[str, str]) -> Gateway:
    """The live gateway when Twilio credentials are set, else the sandbox account in `con`'s file.

    Raises ValueError (naming the bad setting, never a secret) for half-set credentials: an
    operator who set a SID meant to go live, so falling back to the sandbox would mislead.
    """
    from smscore.credentials import Credentials  # imported here: both modules import this one

    credentials = Credentials.from_mapping(environ_or_secrets)
    if credentials is None:
        from smscore.sandbox import SandboxGateway

        return SandboxGateway(con)  # type: ignore[arg-type]
    from smscore.twilio_gateway import TwilioGateway
    from smscore.webhooks import status_callback_url

    return TwilioGateway(credentials, status_callback=status_callback_url(environ_or_secrets))
