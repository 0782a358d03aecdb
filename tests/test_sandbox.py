"""The sandbox account: a simulated Twilio account kept in the database file."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from smscore import store
from smscore.cost.prices import store_price_list
from smscore.money import Money
from smscore.twilio.balance import TRIAL_PREFIX
from smscore.twilio.connect import open_gateway
from smscore.twilio.gateway import CarrierPrice, GatewayError
from smscore.twilio.sandbox import BALANCE_EXHAUSTED_CODE, SANDBOX_SENDER, SandboxGateway

GB = "+447700900123"
LONG_BODY = "x" * 161  # two GSM-7 segments


def gb_prices(con, *prices: str, currency: str = "USD") -> None:
    rows = [
        CarrierPrice(
            iso="GB",
            country="United Kingdom",
            carrier=f"carrier {i}",
            mcc=None,
            mnc=None,
            number_type=None,
            base_price=Decimal(p),
            current_price=Decimal(p),
            currency=currency,
        )
        for i, p in enumerate(prices)
    ]
    store_price_list(con, rows, source="test", as_of=date(2026, 11, 1))


def test_starts_at_twenty_dollars_full_account_in_sandbox_mode(sandbox) -> None:
    account = sandbox.account()
    assert account.balance == Money(Decimal("20.00"), "USD")
    assert (account.type, account.status, account.mode) == ("Full", "active", "sandbox")
    assert sandbox.mode == "sandbox"
    assert len(account.sid_last4) == 4


def test_send_draws_the_balance_down_per_segment_at_the_dearest_carrier(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.0400", "0.0500")
    one = sandbox.send(GB, "Hello", SANDBOX_SENDER)
    two = sandbox.send(GB, LONG_BODY, SANDBOX_SENDER)
    assert (one.num_segments, two.num_segments) == (1, 2)
    assert sandbox.balance() == Money(Decimal("20.00") - Decimal("0.05") * 3, "USD")


def test_statuses_move_from_queued_to_delivered_as_fetched(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05")
    created = sandbox.send(GB, "Hello", SANDBOX_SENDER)
    assert created.status == "queued" and created.price is None
    seen = [sandbox.fetch(created.sid) for _ in range(3)]
    assert [m.status for m in seen] == ["sent", "delivered", "delivered"]
    assert seen[-1].price == Decimal("0.05") and seen[-1].price_unit == "USD"


def test_fetch_of_an_unknown_sid_is_twilio_404(sandbox) -> None:
    with pytest.raises(GatewayError) as err:
        sandbox.fetch("SM" + "0" * 32)
    assert (err.value.code, err.value.status) == (20404, 404)


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("+15005550001", 21211),
        ("+15005550002", 21612),
        ("+15005550003", 21408),
        ("+15005550004", 21610),
        ("+15005550009", 21614),
    ],
)
def test_twilio_test_numbers_fail_with_their_codes_and_cost_nothing(sandbox, to, code) -> None:
    with pytest.raises(GatewayError) as err:
        sandbox.send(to, "Hello", SANDBOX_SENDER)
    assert (err.value.code, err.value.status) == (code, 400)
    assert to in str(err.value)
    assert sandbox.balance().amount == Decimal("20.00")
    assert sandbox.messages_to(to, datetime(2000, 1, 1)) == []


def test_test_number_that_passes_is_charged_like_any_us_number(sandbox) -> None:
    result = sandbox.send("+15005550006", "Hello", SANDBOX_SENDER)  # US, embedded price book
    assert result.status == "queued"
    assert sandbox.balance().amount < Decimal("20.00")


def test_exhausted_balance_is_refused_like_an_inactive_twilio_account(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05")
    sandbox.set_balance("0.09")
    sandbox.send(GB, "Hello", SANDBOX_SENDER)
    with pytest.raises(GatewayError) as err:
        sandbox.send(GB, "Hello", SANDBOX_SENDER)
    assert (err.value.code, err.value.status) == (BALANCE_EXHAUSTED_CODE, 401)
    assert "USD 0.04" in str(err.value) and "USD 0.05" in str(err.value)
    assert sandbox.balance().amount == Decimal("0.04")
    assert len(sandbox.messages_to(GB, datetime(2000, 1, 1))) == 1


def test_concurrent_sends_never_overdraw(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "1.00")
    sandbox.set_balance("5.00")
    outcomes: list[object] = []

    def send(i: int) -> None:
        try:
            outcomes.append(sandbox.send(f"+4477009001{i:02d}", "Hello", SANDBOX_SENDER))
        except GatewayError as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(BALANCE_EXHAUSTED_CODE) == 3
    assert sandbox.balance().amount == 0


def test_top_up_and_set_balance(sandbox) -> None:
    assert sandbox.top_up("5.50") == Money(Decimal("25.50"), "USD")
    assert sandbox.set_balance(Decimal("1.25")) == Money(Decimal("1.25"), "USD")
    with pytest.raises(ValueError, match="'-1'"):
        sandbox.set_balance("-1")
    with pytest.raises(ValueError, match="'0'"):
        sandbox.top_up("0")


def test_balance_survives_reopening_the_file(db_path) -> None:
    con = store.connect(db_path)
    SandboxGateway(con).set_balance("3.21")
    con.close()
    con = store.connect(db_path)
    assert SandboxGateway(con).balance() == Money(Decimal("3.21"), "USD")
    con.close()


def test_messages_to_lists_one_number_since_a_moment(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05")
    before = datetime.now(UTC) - timedelta(seconds=1)
    sent = sandbox.send(GB, "Hello", SANDBOX_SENDER)
    sandbox.send("+447700900999", "Hello", SANDBOX_SENDER)
    assert [m.sid for m in sandbox.messages_to(GB, before)] == [sent.sid]
    assert sandbox.messages_to(GB, datetime.now(UTC) + timedelta(minutes=1)) == []


def test_trial_account_prefixes_the_body_and_pays_for_it(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05")
    sandbox.set_type("Trial")
    sandbox.verify(GB)
    body = "y" * (160 - len(TRIAL_PREFIX) + 1)  # fits one segment alone, not with the prefix
    assert sandbox.account().is_trial
    assert sandbox.send(GB, body, SANDBOX_SENDER).num_segments == 2


def test_trial_account_reaches_only_verified_numbers(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05")
    sandbox.set_type("Trial")
    with pytest.raises(GatewayError) as err:
        sandbox.send(GB, "Hello", SANDBOX_SENDER)
    assert err.value.code == 21608 and sandbox.balance().amount == Decimal("20.00")
    sandbox.verify(GB)
    assert sandbox.verified_numbers() == frozenset({GB})
    assert sandbox.send(GB, "Hello", SANDBOX_SENDER).status == "queued"


def test_country_missing_from_the_price_book_is_refused_with_21408(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05")
    with pytest.raises(GatewayError) as err:
        sandbox.send("+33612345678", "Bonjour", SANDBOX_SENDER)
    assert err.value.code == 21408 and "FR" in str(err.value)


def test_price_in_another_currency_than_the_account_is_not_charged(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.05", currency="EUR")
    with pytest.raises(GatewayError, match="EUR"):
        sandbox.send(GB, "Hello", SANDBOX_SENDER)
    assert sandbox.balance().amount == Decimal("20.00")


def test_empty_body_and_missing_sender_are_refused(sandbox) -> None:
    with pytest.raises(GatewayError) as err:
        sandbox.send(GB, "", SANDBOX_SENDER)
    assert err.value.code == 21602
    with pytest.raises(GatewayError) as err:
        sandbox.send(GB, "Hi", "")
    assert err.value.code == 21603


def test_country_prices_come_from_the_current_price_list(sandbox, fresh_db) -> None:
    gb_prices(fresh_db, "0.04")
    gb_prices(fresh_db, "0.06", "0.07")
    assert [p.current_price for p in sandbox.country_prices("gb")] == [Decimal("0.06"), Decimal("0.07")]
    assert "GB" in sandbox.price_countries()


def test_open_gateway_without_credentials_is_the_sandbox(fresh_db) -> None:
    gateway = open_gateway(fresh_db, {"PATH": "/usr/bin"})
    assert isinstance(gateway, SandboxGateway) and gateway.account().mode == "sandbox"


def test_open_gateway_with_half_credentials_refuses(fresh_db) -> None:
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        open_gateway(fresh_db, {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32})
