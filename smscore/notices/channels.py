"""Where a notice goes: e-mail (smscore.notices.mail), SMS through the operator's own Twilio
account, and a webhook (JSON POST, signed with HMAC-SHA256).

Each channel is one function that sends one delivery and returns None or the one-sentence
reason it failed, never raising: the watch records the outcome and retries a failure on the
next check. The SMS goes through the same gateway as the campaigns (live Twilio or the sandbox)
but never through the send ledger, so it is never counted as a campaign; the operator pays for
it, so its price is shown where the numbers are set (`sms_cost`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import requests

from smscore.contacts.phones import InvalidPhone, normalise
from smscore.cost.prices import ensure_prices, unit_prices
from smscore.cost.segments import segments_of
from smscore.money import Money
from smscore.notices.mail import MailError, SmtpConfig, send_mail
from smscore.notices.options import shown_url
from smscore.twilio.gateway import Gateway, GatewayError

EMAIL, SMS, WEBHOOK = "email", "sms", "webhook"
SIGNATURE_HEADER = "X-Smsconsole-Signature"  # sha256=<hex HMAC of "<timestamp>.<body>">
TIMESTAMP_HEADER = "X-Smsconsole-Timestamp"  # seconds since the epoch, so a receiver can refuse old replays
WEBHOOK_TIMEOUT = 15.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The value of SIGNATURE_HEADER: how a receiver checks the POST came from this console."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def webhook_payload(kind: str, subject: str, body: str, facts: Mapping[str, str | None]) -> bytes:
    """The JSON body: `text` for Slack and Teams (their incoming webhooks show it), then the facts."""
    document = {"text": f"{subject}\n{body}", "event": f"smsconsole.{kind}", "subject": subject, **facts}
    return json.dumps(document, ensure_ascii=False, sort_keys=False).encode()


def post_webhook(url: str, secret: str | None, payload: bytes) -> str | None:
    """POST the payload, signed when a secret is set; None when the receiver answered 2xx."""
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: stamp}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, stamp, payload)
    try:
        answer = requests.post(
            url, data=payload, headers=headers, timeout=WEBHOOK_TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        return f"the webhook {shown_url(url)} could not be reached ({type(exc).__name__})"
    if not 200 <= answer.status_code < 300:
        return f"the webhook {shown_url(url)} answered HTTP {answer.status_code}"
    return None


def email(config: SmtpConfig | None, to: str, subject: str, body: str) -> str | None:
    if config is None:
        return "e-mail is not configured (set SMSCONSOLE_SMTP_HOST and SMSCONSOLE_SMTP_FROM, or [smtp] in secrets)"
    try:
        send_mail(config, [to], subject, body)
    except MailError as exc:
        return str(exc)
    return None


def sms(gateway: Gateway | None, sender: str | None, to: str, text: str) -> str | None:
    if gateway is None:
        return "Twilio is not reachable to send the SMS"
    if not sender:
        return "no sender is set for the SMS (Settings: sender, or TWILIO_FROM)"
    try:
        gateway.send(to, text, sender)
    except GatewayError as exc:
        return f"Twilio refused the SMS to {to}: {exc}"
    return None


@dataclass(frozen=True)
class SmsCost:
    """What one notice SMS to one number costs at most: segments x the country's top price."""

    number: str
    country: str | None
    segments: int
    cost: Money | None  # None when the number or its country has no price


def sms_cost(
    con: duckdb.DuckDBPyConnection, numbers: list[str], text: str, sender_type: str
) -> list[SmsCost]:
    """The price of the notice's SMS to each number, from the workspace's price list."""
    ensure_prices(con)
    prices = unit_prices(con, sender_type)
    by_iso = {row.iso: (Decimal(row.unit_max), row.currency) for row in prices.itertuples()}
    segments = segments_of(text)
    costs = []
    for number in numbers:
        try:
            country: str | None = normalise(number, "US").country
        except InvalidPhone:
            country = None
        price = by_iso.get(country or "")
        cost = None if price is None else Money(price[0] * segments, price[1])
        costs.append(SmsCost(number, country, segments, cost))
    return costs
