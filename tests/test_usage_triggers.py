"""Spend alerts as Twilio Usage Triggers: created, replaced and removed with the setting against
the Prism peer (Twilio's own API description), simulated by the sandbox, and their callback
accepted by the console's server only when Twilio signed it."""

from __future__ import annotations

import contextlib
import time
from decimal import Decimal
from pathlib import Path

import pytest
from browser import free_port, streamlit_server
from notice_servers import HookReceiver
from peer import ACCOUNT_SID, AUTH_TOKEN
from test_webhook_server import Console

from smscore import store
from smscore.access.audit import Actor
from smscore.notices import spend, watch
from smscore.notices.options import update_options
from smscore.store.settings import update_settings
from smscore.twilio import usage
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway

ACTOR = Actor("cli:tests", "cli")
PUBLIC = {"SMSCONSOLE_PUBLIC_URL": "https://sms.example.com"}
TRIGGERS = "/Usage/Triggers.json"


def _trigger_requests(proxy, method: str) -> list:
    return [r for r in proxy.requests if r.method == method and "/Usage/Triggers" in r.path]


def test_limits_become_usage_triggers_at_twilio_replaced_and_removed(fresh_db, fault_proxy, peer_gateway):
    update_options(fresh_db, ACTOR, daily_limit=Decimal("12.50"))
    [daily] = spend.sync(fresh_db, peer_gateway, PUBLIC, ACTOR)
    [create] = _trigger_requests(fault_proxy, "POST")
    assert create.path.endswith(TRIGGERS)
    assert create.form == {
        "CallbackUrl": "https://sms.example.com/twilio/usage",
        "TriggerValue": "12.50",
        "UsageCategory": "totalprice",
        "TriggerBy": "price",
        "Recurring": "daily",
        "CallbackMethod": "POST",
        "FriendlyName": "smsconsole daily spend limit",
    }
    assert daily.sid.startswith("UT") and str(daily.value) == "USD 12.50" and daily.mode == "live"
    spend.sync(fresh_db, peer_gateway, PUBLIC, ACTOR)  # nothing changed: nothing sent
    assert len(_trigger_requests(fault_proxy, "POST")) == 1 and not _trigger_requests(fault_proxy, "DELETE")
    update_options(fresh_db, ACTOR, daily_limit=Decimal("20"), monthly_limit=Decimal("300"))
    found = spend.sync(fresh_db, peer_gateway, PUBLIC, ACTOR)
    assert [(t.recurring, str(t.value)) for t in found] == [("daily", "USD 20.00"), ("monthly", "USD 300.00")]
    [deleted] = _trigger_requests(fault_proxy, "DELETE")
    assert deleted.path.endswith(f"/Usage/Triggers/{daily.sid}.json")
    assert [r.form["Recurring"] for r in _trigger_requests(fault_proxy, "POST")] == [
        "daily",
        "daily",
        "monthly",
    ]
    update_options(fresh_db, ACTOR, daily_limit=Decimal("0"), monthly_limit=Decimal("0"))
    assert spend.sync(fresh_db, peer_gateway, PUBLIC, ACTOR) == []
    assert len(_trigger_requests(fault_proxy, "DELETE")) == 3
    actions = fresh_db.execute("SELECT count(*) FROM audit WHERE action = 'usage-triggers.sync'").fetchall()
    assert actions == [(4,)]


def test_a_live_limit_without_a_public_url_is_refused_in_one_sentence(fresh_db, fault_proxy, peer_gateway):
    update_options(fresh_db, ACTOR, monthly_limit=Decimal("100"))
    with pytest.raises(usage.UsageConfigError, match="SMSCONSOLE_PUBLIC_URL"):
        spend.sync(fresh_db, peer_gateway, {}, ACTOR)
    assert not _trigger_requests(fault_proxy, "POST")


def test_twilio_lists_the_triggers_through_the_sdk(fault_proxy, peer_gateway):
    listed = usage.at_twilio(peer_gateway)
    assert listed and all(t["sid"].startswith("UT") for t in listed)
    assert _trigger_requests(fault_proxy, "GET")


def test_the_sandbox_fires_its_trigger_once_a_day_when_its_own_spend_reaches_it(fresh_db):
    hook = HookReceiver(None)
    try:
        update_settings(fresh_db, language="en")
        update_options(
            fresh_db, ACTOR, email=False, webhook=True, webhook_url=hook.url, daily_limit=Decimal("0.10")
        )
        account = SandboxGateway(fresh_db)
        [trigger] = spend.sync(fresh_db, account, {}, ACTOR)
        assert trigger.mode == "sandbox" and trigger.callback_url is None
        wiring = watch.Wiring.from_config({}, None, SANDBOX_SENDER)
        assert watch.check(fresh_db, account, wiring, by="cli", actor=ACTOR).spend_alerts == []
        account.send("+14155550100", "x" * 400, SANDBOX_SENDER)  # 3 segments: under 0.10
        assert watch.check(fresh_db, account, wiring, by="cli", actor=ACTOR).spend_alerts == []
        while account.balance().amount > Decimal("19.90"):  # the day's spend reaches 0.10
            account.send("+14155550100", "x" * 400, SANDBOX_SENDER)
        result = watch.check(fresh_db, account, wiring, by="cli", actor=ACTOR)
        assert len(result.spend_alerts) == 1
        assert watch.check(fresh_db, account, wiring, by="cli", actor=ACTOR).spend_alerts == []
        [got] = hook.received
        doc = got.json
        assert (
            doc["event"] == "smsconsole.usage"
            and doc["period"] == "daily"
            and Decimal(doc["limit"]) == Decimal("0.10")
        )
        assert Decimal(doc["spend"]) >= Decimal("0.10") and "daily spend reached" in doc["text"]
    finally:
        hook.stop()


@pytest.fixture
def console(tmp_path: Path):
    db = tmp_path / "usage.duckdb"
    con = store.connect(db)
    hook = HookReceiver(None)
    update_settings(con, language="pt-BR")
    update_options(con, ACTOR, email=False, webhook=True, webhook_url=hook.url)
    con.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+447700900999",
        "SMSCONSOLE_PUBLIC_URL": url,
        "SMSCONSOLE_TWILIO_API_URL": "http://127.0.0.1:9",  # the balance read fails; the notice still goes
    }
    with contextlib.ExitStack() as server:
        server.enter_context(streamlit_server(db, tmp_path / "server.log", port=port, env_extra=env))
        yield Console(url, db, server), hook
    hook.stop()


FIRED = {
    "AccountSid": ACCOUNT_SID,
    "UsageTriggerSid": "UT" + "c" * 32,
    "DateFired": "Sun, 06 Dec 2026 18:00:00 +0000",
    "Recurring": "daily",
    "UsageCategory": "totalprice",
    "TriggerBy": "price",
    "TriggerValue": "50",
    "CurrentValue": "50.17",
    "UsageRecordUri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Usage/Records/Today.json?Category=totalprice",
    "IdempotencyToken": "ACxx-UTxx-1",
}


def test_the_usage_callback_is_accepted_only_when_signed_and_only_once(console):
    server, hook = console
    assert server.post(usage.USAGE_PATH, FIRED, signature=None) == 403
    assert server.post(usage.USAGE_PATH, FIRED, signature="bad") == 403
    assert (
        server.post(
            usage.USAGE_PATH,
            {**FIRED, "CurrentValue": "1"},
            signature=server.captured(usage.USAGE_PATH, FIRED),
        )
        == 403
    )
    assert server.post(usage.USAGE_PATH, FIRED) == 204
    assert server.post(usage.USAGE_PATH, FIRED) == 204  # Twilio's retry: a repeat
    deadline = time.monotonic() + 60
    while not hook.received and time.monotonic() < deadline:
        time.sleep(0.3)
    [got] = hook.received
    assert got.json["event"] == "smsconsole.usage"
    assert "o gasto diário da conta chegou a US$ 50,17" in got.json["text"]
    server.stop()
    con = store.connect(server.db)
    assert con.execute("SELECT count(*) FROM notices WHERE kind = 'usage'").fetchall() == [(1,)]
    con.close()
