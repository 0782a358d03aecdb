"""The live gateway: the console's Gateway protocol on top of the official twilio SDK.

Base URLs are redirected through the SDK's documented `http_client=` hook (a TwilioHttpClient
subclass that rewrites the host), which is how tests reach a loopback peer and how an operator
puts a recording proxy in front of Twilio. Every SDK or network failure leaves this module as a
`GatewayError` whose `sent` flag says whether a retry could duplicate a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from smscore.money import Money, to_decimal
from smscore.twilio.credentials import Credentials
from smscore.twilio.gateway import Account, CarrierPrice, GatewayError, MessageResult

API_HOST = "api.twilio.com"
PRICING_HOST = "pricing.twilio.com"
DEFAULT_TIMEOUT = 15.0
DEFAULT_POOL = 16
# A reconcile looks at one number since one batch began; more than this is not one batch's doing,
# and the cap keeps a peer that always offers a next page from looping forever.
LIST_LIMIT = 1000

T = TypeVar("T")


class RedirectingHttpClient(TwilioHttpClient):
    """The SDK's HTTP client with Twilio hosts mapped to other base URLs (a peer, a proxy).

    It also mounts a sized connection pool on plain http://, which the SDK leaves at requests'
    default of 10, so a concurrent sender against a loopback peer keeps its connections alive.
    """

    def __init__(self, host_map: dict[str, str], *, timeout: float, pool_size: int = DEFAULT_POOL):
        super().__init__(timeout=timeout)
        self.host_map = {host: _base(url) for host, url in host_map.items()}
        assert self.session is not None
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=pool_size))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any):  # noqa: ANN201
        parts = urlsplit(url)
        target = self.host_map.get(parts.hostname or "")
        if target is not None:
            scheme, netloc, prefix = target
            url = urlunsplit((scheme, netloc, prefix + parts.path, parts.query, parts.fragment))
        return super().request(method, url, *args, **kwargs)


def _base(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


class TwilioGateway:
    """Gateway to a real Twilio account (or whatever `api_url`/`pricing_url` point at)."""

    mode = "live"

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_url: str | None = None,
        pricing_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        pool_size: int = DEFAULT_POOL,
        status_callback: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.timeout = timeout
        # Where Twilio posts each message's status changes (smscore.twilio.webhooks); None: polling.
        self.status_callback = status_callback
        host_map = {}
        if api_url or credentials.api_url:
            host_map[API_HOST] = api_url or credentials.api_url or ""
        if pricing_url or credentials.pricing_url:
            host_map[PRICING_HOST] = pricing_url or credentials.pricing_url or ""
        self.http = RedirectingHttpClient(host_map, timeout=timeout, pool_size=pool_size)
        username, password = credentials.username_password()
        self._client = Client(username, password, account_sid=credentials.account_sid, http_client=self.http)

    def __repr__(self) -> str:
        return f"TwilioGateway({self.credentials!r}, timeout={self.timeout})"

    # -- account -------------------------------------------------------------------------------

    def account(self) -> Account:
        record = self._call(
            "fetch the account", lambda: self._client.api.v2010.accounts(self.credentials.account_sid).fetch()
        )
        return Account(
            sid_last4=self.credentials.sid_last4,
            type=record.type or "Full",
            status=record.status or "active",
            balance=self.balance(),
            mode=self.mode,
        )

    def balance(self) -> Money | None:
        record = self._call("fetch the balance", lambda: self._client.api.v2010.account.balance.fetch())
        if record.balance is None or record.currency is None:
            return None  # subaccounts carry no balance of their own
        return Money(to_decimal(record.balance), record.currency)

    # -- prices --------------------------------------------------------------------------------

    def price_countries(self) -> list[str]:
        rows = self._call(
            "list the priced countries", lambda: self._client.pricing.v1.messaging.countries.list()
        )
        return sorted({r.iso_country for r in rows if r.iso_country})

    def country_prices(self, iso: str) -> list[CarrierPrice]:
        iso = iso.upper()
        record = self._call(
            f"fetch the prices of {iso}", lambda: self._client.pricing.v1.messaging.countries(iso).fetch()
        )
        currency = record.price_unit
        if not currency:
            raise GatewayError(f"the Pricing API gave no currency for {iso}", sent=True)
        return [
            price
            for carrier in record.outbound_sms_prices or []
            for price in _carrier_prices(iso, record.country, carrier, currency)
        ]

    # -- messages ------------------------------------------------------------------------------

    def send(self, to: str, body: str, sender: str, send_at: datetime | None = None) -> MessageResult:
        options: dict[str, Any] = (
            {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        )
        if self.status_callback:
            options["status_callback"] = self.status_callback
        if send_at is not None:  # Twilio's scheduler: a Messaging Service and a fixed time
            options.update(schedule_type="fixed", send_at=send_at)
        record = self._call(
            f"send to {to}", lambda: self._client.messages.create(to=to, body=body, **options), creates=True
        )
        return _message(record)

    def cancel(self, sid: str) -> MessageResult:
        return _message(
            self._call(f"cancel message {sid}", lambda: self._client.messages(sid).update(status="canceled"))
        )

    def fetch(self, sid: str) -> MessageResult:
        return _message(self._call(f"fetch message {sid}", lambda: self._client.messages(sid).fetch()))

    def delete(self, sid: str) -> None:
        deleted = self._call(f"delete message {sid}", lambda: self._client.messages(sid).delete())
        if not deleted:
            raise GatewayError(f"could not delete message {sid}: Twilio did not confirm it", sent=True)

    def verified_numbers(self) -> frozenset[str]:
        return self._call(
            "list the verified caller IDs",
            lambda: frozenset(
                record.phone_number
                for record in self._client.outgoing_caller_ids.stream(limit=LIST_LIMIT)
                if record.phone_number
            ),
        )

    def messages_to(self, to: str, since: datetime, *, sender: str | None = None) -> list[MessageResult]:
        return self._call(f"list messages to {to}", lambda: self._list_to(to, since, sender))

    def _list_to(self, to: str, since: datetime, sender: str | None) -> list[MessageResult]:
        """Two listings, filtered by creation time here: Twilio filters only by DateSent.

        DateSent> finds what was sent since `since` however long the number's history; a
        message still queued, accepted or scheduled has no sent date, so a second listing
        without a date filter (newest first, capped) finds those.
        """
        origin = {"from_": sender} if sender and not sender.startswith("MG") else {}
        found: dict[str, MessageResult] = {}
        for filters in ({"date_sent_after": since}, {}):
            seen: set[str] = set()
            for record in self._client.messages.stream(
                to=to, **origin, **filters, limit=LIST_LIMIT, page_size=100
            ):
                if record.sid in seen:
                    break  # a page seen before: the peer offers the same next page forever
                seen.add(record.sid)
                found[record.sid] = _message(record)
        # Filter again: a reconcile must never adopt a message that went to another number.
        return [
            m for m in found.values() if m.to == to and (m.date_created is None or m.date_created >= since)
        ]

    # -- errors --------------------------------------------------------------------------------

    # -- usage triggers (smscore.twilio.usage) --------------------------------------------------

    def usage_triggers(self) -> list[Any]:
        """The account's Usage Triggers on total price (TriggerInstance records)."""
        triggers = self._client.api.v2010.account.usage.triggers
        return self._call(
            "list the usage triggers",
            lambda: list(triggers.list(usage_category="totalprice", limit=LIST_LIMIT)),
        )

    def create_usage_trigger(self, recurring: str, value: Decimal, callback_url: str, name: str) -> Any:
        """A Usage Trigger that calls `callback_url` when the account's total price in the
        `recurring` period ('daily', 'monthly') reaches `value` (the account's currency)."""
        triggers = self._client.api.v2010.account.usage.triggers
        return self._call(
            "create the usage trigger",
            lambda: triggers.create(
                callback_url=callback_url,
                trigger_value=str(value),
                usage_category="totalprice",
                trigger_by="price",
                recurring=recurring,
                callback_method="POST",
                friendly_name=name,
            ),
        )

    def delete_usage_trigger(self, sid: str) -> None:
        triggers = self._client.api.v2010.account.usage.triggers
        self._call("delete the usage trigger", lambda: triggers(sid).delete())

    def _call(self, action: str, fn: Callable[[], T], *, creates: bool = False) -> T:
        with self._errors(action, creates):
            return fn()
        raise AssertionError("unreachable")  # pragma: no cover - the context manager re-raises

    @contextmanager
    def _errors(self, action: str, creates: bool) -> Iterator[None]:
        scrub = self.credentials.scrub
        try:
            yield
        except TwilioRestException as exc:
            # the SDK repeats the status when the body has no code; int_of: it lands in the ledger
            code = int_of(exc.code) if exc.code != exc.status else None
            raise GatewayError(
                scrub(f"could not {action}: {exc.msg}"), code=code, status=exc.status, sent=True
            ) from None
        except TwilioServiceException as exc:
            raise GatewayError(
                scrub(f"could not {action}: {exc.title} {exc.detail or ''}".strip()),
                code=int_of(exc.code),
                status=exc.status,
                sent=True,
            ) from None
        except requests.RequestException as exc:
            left = _request_left(exc)
            outcome = "; the outcome is unknown" if left and creates else ""
            raise GatewayError(
                scrub(f"could not {action}: {_network_reason(exc)}{outcome}"),
                code=None,
                status=None,
                sent=left,
            ) from None
        except (TwilioException, ValueError) as exc:
            raise GatewayError(scrub(f"could not {action}: {exc}"), sent=True) from None


def _request_left(exc: requests.RequestException) -> bool:
    """False only when the connection never opened, so Twilio cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        return not isinstance(
            reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError)
        )
    return True


def _network_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ReadTimeout):
        return "no answer within the timeout"
    if isinstance(exc, requests.ConnectTimeout):
        return "the connection timed out before the request was sent"
    if isinstance(exc, requests.ConnectionError) and not _request_left(exc):
        return "the connection was refused before the request was sent"
    return f"the connection failed ({type(exc).__name__})"


def _carrier_prices(
    iso: str, country: str | None, carrier: dict[str, Any], currency: str
) -> Iterator[CarrierPrice]:
    for price in carrier.get("prices") or []:
        current = price.get("current_price")
        if current is None:
            continue
        base = price.get("base_price")
        yield CarrierPrice(
            iso=iso,
            country=country,
            carrier=carrier.get("carrier"),
            mcc=carrier.get("mcc"),
            mnc=carrier.get("mnc"),
            number_type=price.get("number_type"),
            base_price=None if base is None else to_decimal(base),
            current_price=to_decimal(current),
            currency=currency.upper(),
        )


def _message(record: Any) -> MessageResult:
    return MessageResult(
        sid=record.sid,
        to=record.to,
        status=str(record.status or "queued"),
        num_segments=int_of(record.num_segments),
        price=cost_of(record.price),
        price_unit=record.price_unit,
        error_code=int_of(record.error_code),
        error_message=record.error_message,
        date_created=record.date_created if isinstance(record.date_created, datetime) else None,
        body=record.body,
        from_=record.from_,
        messaging_service_sid=record.messaging_service_sid,
    )


# messages.actual_price is DECIMAL(18, 6): the largest cost the ledger can hold.
_LARGEST_COST = Decimal("999999999999.999999")


def cost_of(price: object) -> Decimal | None:
    """Twilio reports a debit as a negative string ("-0.00750"); the console stores the cost.

    None (not priced yet) for a price that is no finite amount the ledger can hold (`NaN`,
    `1e30`, `abc`): Twilio sends none, but a status callback or fetch carrying one must still
    record the status, where storing the price would fail the whole update, again on every
    retry."""
    if price is None or price == "":
        return None
    try:
        cost = abs(to_decimal(price))
    except ValueError:
        return None
    return cost if cost.is_finite() and cost <= _LARGEST_COST else None


def int_of(value: object) -> int | None:
    """A count or error code Twilio sends, as the ledger's INTEGER columns hold it; None when
    missing, not a whole number, or out of their range (a status must never fail on it)."""
    try:
        number = None if value is None or value == "" else int(str(value))
    except ValueError:
        return None
    return number if number is not None and -(2**31) <= number < 2**31 else None
