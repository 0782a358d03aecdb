"""The balance gate, the low-balance notice and `python -m smscore balance`."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from smscore import cli
from smscore.money import Money
from smscore.twilio.balance import (
    TRIAL_PREFIX,
    BalanceRefused,
    BalanceShort,
    balance_report,
    check_balance,
    judge,
    low_balance_notice,
    require_balance,
)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def test_send_refused_when_balance_short_with_needed_balance_and_shortfall(sandbox) -> None:
    sandbox.set_balance("3.00")
    check = check_balance(sandbox, usd("4.25"))
    assert not check.ok
    assert (check.needed, check.balance, check.shortfall) == (usd("4.25"), usd("3.00"), usd("1.25"))
    assert "USD 1.25" in check.message and "USD 3.00" in check.message


def test_require_balance_raises_balance_short_carrying_the_amounts(sandbox) -> None:
    sandbox.set_balance("1.00")
    with pytest.raises(BalanceShort) as err:
        require_balance(sandbox, usd("1.50"), reserve=usd("0.50"))
    assert err.value.needed == usd("2.00")
    assert err.value.balance == usd("1.00")
    assert err.value.shortfall == usd("1.00")
    assert "reserve" in str(err.value)


def test_balance_that_exactly_covers_the_batch_passes(sandbox) -> None:
    sandbox.set_balance("2.50")
    check = require_balance(sandbox, usd("2.00"), reserve=usd("0.50"))
    assert check.ok and check.shortfall == usd("0")


def test_reserve_can_turn_enough_into_short() -> None:
    assert judge(usd("5.00"), usd("4.00")).ok
    assert judge(usd("5.00"), usd("4.00"), reserve=usd("1.01")).shortfall == usd("0.01")


def test_balance_in_another_currency_is_refused_not_compared() -> None:
    check = judge(Money(Decimal("100.00"), "EUR"), usd("1.00"))
    assert not check.ok and check.shortfall is None
    assert "EUR" in check.message and "USD" in check.message
    with pytest.raises(BalanceRefused) as err:
        check.raise_if_refused()
    assert not isinstance(err.value, BalanceShort)


def test_reserve_in_another_currency_is_refused() -> None:
    check = judge(usd("100"), usd("1.00"), reserve=Money(Decimal("1"), "GBP"))
    assert not check.ok and "GBP" in check.message


def test_subaccount_without_balance_is_refused_with_a_reason() -> None:
    check = judge(None, usd("1.00"))
    assert not check.ok and check.balance is None
    assert "subaccount" in check.message
    with pytest.raises(BalanceRefused):
        check.raise_if_refused()


def test_low_balance_notice_below_threshold_only() -> None:
    assert low_balance_notice(usd("2.00")) is None  # at the default threshold: not yet low
    notice = low_balance_notice(usd("1.99"))
    assert notice is not None and "USD 1.99" in notice and "USD 2.00" in notice
    assert low_balance_notice(usd("9.99"), Decimal("10")) is not None
    assert low_balance_notice(None) is None


def test_trial_prefix_is_twilios_text() -> None:
    assert TRIAL_PREFIX == "Sent from your Twilio trial account - "


def test_balance_report_says_sandbox_and_carries_the_notice(sandbox) -> None:
    sandbox.set_balance("1.50")
    report = balance_report(sandbox)
    assert report["mode"] == "sandbox" and report["type"] == "Full"
    assert (Decimal(report["balance"]), report["currency"]) == (Decimal("1.50"), "USD")
    assert report["notice"] and "USD 1.50" in report["notice"]


def test_cli_balance_prints_balance_mode_and_notice(db_path, capsys) -> None:
    assert cli.main(["--db", str(db_path), "balance", "--threshold", "25"]) == 0
    out = capsys.readouterr().out
    assert "USD 20.00" in out and "sandbox" in out and "Low balance" in out


def test_cli_balance_json(db_path, capsys) -> None:
    assert cli.main(["--db", str(db_path), "balance", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "sandbox" and Decimal(data["balance"]) == Decimal("20")
    assert data["notice"] is None


def test_cli_balance_with_bad_credentials_fails_in_one_sentence(db_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    assert cli.main(["--db", str(db_path), "balance"]) != 0
    err = capsys.readouterr().err
    assert "TWILIO_ACCOUNT_SID" in err and len(err.strip().splitlines()) == 1


def test_gate_uses_the_live_balance_fetched_fresh(peer_gateway, fault_proxy) -> None:
    check = check_balance(peer_gateway, usd("0.06"))  # the peer's account holds USD 0.05
    assert not check.ok and check.shortfall == usd("0.01")
    assert [r.path.endswith("/Balance.json") for r in fault_proxy.requests] == [True]
