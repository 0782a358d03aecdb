"""The live gateway: the official twilio SDK against the Prism peer, through the fault proxy."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from peer import ACCOUNT_SID, AUTH_TOKEN, free_port

from smscore.money import Money
from smscore.twilio.connect import open_gateway
from smscore.twilio.gateway import GatewayError
from smscore.twilio.live import TwilioGateway, cost_of, int_of

FROM = "+15017122661"


def test_balance_is_a_decimal_with_its_currency(peer_gateway) -> None:
    assert peer_gateway.balance() == Money(Decimal("0.05"), "USD")
    assert isinstance(peer_gateway.balance().amount, Decimal)


def test_account_has_type_status_and_live_mode(peer_gateway) -> None:
    account = peer_gateway.account()
    assert account.type == "Full" and not account.is_trial
    assert account.status == "active"
    assert account.mode == "live"
    assert account.sid_last4 == ACCOUNT_SID[-4:]
    assert account.balance == Money(Decimal("0.05"), "USD")


def test_prices_are_parsed_exactly_from_strings(peer_gateway, fault_proxy) -> None:
    prices = peer_gateway.country_prices("gb")
    assert prices, "the Pricing API example has one carrier"
    first = prices[0]
    assert first.iso == "GB"
    assert first.current_price == Decimal("0.05") and isinstance(first.current_price, Decimal)
    assert first.currency == "USD" and first.number_type == "mobile"
    assert fault_proxy.requests[-1].path == "/v1/Messaging/Countries/GB"


def test_send_posts_to_from_and_body_and_returns_the_queued_message(peer_gateway, fault_proxy) -> None:
    result = peer_gateway.send("+447700900123", "Hello ✓", FROM)
    assert result.sid.startswith("SM") and result.status == "queued"
    assert result.num_segments == 1 and result.price is None
    [received] = fault_proxy.delivered_to_peer("+447700900123")
    assert received.form == {"To": "+447700900123", "From": FROM, "Body": "Hello ✓"}
    assert received.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def test_send_from_a_messaging_service_uses_its_sid(peer_gateway, fault_proxy) -> None:
    service = "MG" + "ab" * 16
    peer_gateway.send("+447700900124", "Hi", service)
    [received] = fault_proxy.creates("+447700900124")
    assert received.form["MessagingServiceSid"] == service and "From" not in received.form


def test_fetch_turns_a_negative_price_string_into_a_positive_cost(peer_gateway) -> None:
    message = peer_gateway.fetch("SM" + "b7c0a2ce80504485a6f653a7110836f5")
    assert message.price == Decimal("0.00750")  # the spec's example says "-0.00750"
    assert message.price_unit == "USD" and message.error_code == 30007


def test_cost_of_handles_debits_null_and_exact_decimals() -> None:
    assert cost_of("-0.00750") == Decimal("0.00750")
    assert cost_of(None) is None and cost_of("") is None


@pytest.mark.parametrize("price", ["NaN", "-Infinity", "1e30", "abc", "-1000000000000"])
def test_a_price_the_ledger_cannot_hold_is_not_priced_yet(price: str) -> None:
    assert cost_of(price) is None
    assert cost_of("-999999999999.999999") == Decimal("999999999999.999999")


def test_counts_and_codes_are_what_an_integer_column_holds_or_none() -> None:
    assert int_of("30003") == 30003 and int_of(2) == 2 and int_of(" 7 ") == 7
    assert [int_of(v) for v in (None, "", "1.5", "abc", 2**31, "-2147483649")] == [None] * 6
    assert int_of(2**31 - 1) == 2**31 - 1 and int_of(-(2**31)) == -(2**31)


def test_messages_to_keeps_only_that_number(peer_gateway) -> None:
    since = datetime(2019, 1, 1, tzinfo=UTC)
    assert peer_gateway.messages_to("+447700900125", since) == []  # Prism's list is for another
    found = peer_gateway.messages_to("+18182008801", since)
    assert found and all(m.to == "+18182008801" for m in found)


@pytest.mark.parametrize(
    ("code", "status"), [(21211, 400), (21610, 400), (21408, 400), (20003, 401), (20429, 429), (20500, 500)]
)
def test_twilio_error_codes_map_to_gateway_errors(peer_gateway, fault_proxy, code, status) -> None:
    to = "+447700900200"
    fault_proxy.error(code, to=to)
    with pytest.raises(GatewayError) as err:
        peer_gateway.send(to, "Hi", FROM)
    assert (err.value.code, err.value.status, err.value.sent) == (code, status, True)
    assert to in str(err.value) and str(code) in str(err.value)
    assert len(fault_proxy.delivered_to_peer(to)) == 1  # Prism answered it from the derived spec


def test_rate_limit_storm_then_success_is_counted_by_the_peer(peer_gateway, fault_proxy) -> None:
    to = "+447700900201"
    fault_proxy.error(20429, to=to, times=2)
    codes = []
    for _ in range(3):
        try:
            peer_gateway.send(to, "Hi", FROM)
            codes.append("ok")
        except GatewayError as exc:
            codes.append(exc.code)
    assert codes == [20429, 20429, "ok"]
    assert len(fault_proxy.creates(to)) == 3


def test_auth_failure_on_balance_is_20003(peer_gateway, fault_proxy) -> None:
    fault_proxy.error(20003, method=None, path=None, times=1)
    with pytest.raises(GatewayError) as err:
        peer_gateway.balance()
    assert (err.value.code, err.value.status) == (20003, 401)
    assert peer_gateway.balance().currency == "USD"  # only once


def test_timeout_after_the_request_left_is_an_unknown_outcome(peer_gateway, fault_proxy) -> None:
    to = "+447700900202"
    fault_proxy.delay(1.6, to=to)  # the gateway's timeout is 1 s
    with pytest.raises(GatewayError) as err:
        peer_gateway.send(to, "Hi", FROM)
    assert err.value.sent is True and err.value.code is None and err.value.status is None
    assert "unknown" in str(err.value)
    assert len(fault_proxy.delivered_to_peer(to)) == 1  # Twilio did get it


def test_connection_cut_after_sending_is_an_unknown_outcome(peer_gateway, fault_proxy) -> None:
    to = "+447700900203"
    fault_proxy.drop(to=to)
    with pytest.raises(GatewayError) as err:
        peer_gateway.send(to, "Hi", FROM)
    assert err.value.sent is True and err.value.code is None
    assert fault_proxy.delivered_to_peer(to) == []  # the proxy never forwarded it


def test_connection_refused_means_not_sent(peer_credentials) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    gateway = TwilioGateway(peer_credentials, api_url=nobody, pricing_url=nobody, timeout=1.0)
    with pytest.raises(GatewayError) as err:
        gateway.send("+447700900204", "Hi", FROM)
    assert err.value.sent is False and err.value.code is None
    assert "refused" in str(err.value)


def test_token_never_in_repr_errors_or_logs(peer_gateway, fault_proxy, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fault_proxy.error(20003, to="+447700900205")
    fault_proxy.delay(1.6, to="+447700900206")
    texts = [repr(peer_gateway), str(peer_gateway)]
    for to in ("+447700900205", "+447700900206"):
        with pytest.raises(GatewayError) as err:
            peer_gateway.send(to, "Hi", FROM)
        texts += [str(err.value), repr(err.value)]
    assert all(AUTH_TOKEN not in text for text in texts)
    assert AUTH_TOKEN not in caplog.text
    assert "Authorization" not in caplog.text  # the SDK leaves the header out of its log


def test_open_gateway_goes_live_with_credentials_and_reads_url_overrides(fresh_db, fault_proxy) -> None:
    gateway = open_gateway(
        fresh_db,
        {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "SMSCONSOLE_TWILIO_API_URL": fault_proxy.url,
            "SMSCONSOLE_TWILIO_PRICING_URL": fault_proxy.url,
        },
    )
    assert gateway.mode == "live"
    assert gateway.balance() == Money(Decimal("0.05"), "USD")
    assert fault_proxy.requests[-1].path.endswith("/Balance.json")


def test_verified_numbers_come_from_twilios_outgoing_caller_ids(peer_gateway, fault_proxy) -> None:
    numbers = peer_gateway.verified_numbers()
    assert numbers and all(n.startswith("+") for n in numbers)
    assert "/OutgoingCallerIds.json" in fault_proxy.requests[-1].path
