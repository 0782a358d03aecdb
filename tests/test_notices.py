"""Low-balance notices: once per crossing, a daily reminder, re-armed by a top-up; the webhook
and SMS channels against real local servers (a receiver checking the HMAC, the sandbox, the
Prism Twilio peer); a failing channel recorded, audited and retried."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from notice_servers import HookReceiver

from smscore.access.audit import Actor
from smscore.clock import utcnow
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.money import Money
from smscore.notices import state, watch
from smscore.notices.options import load_options, update_options
from smscore.sending import ledger, schedule
from smscore.store.settings import update_settings
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway

SECRET = "hook-secret-19c2"
ACTOR = Actor("cli:tests", "cli")
SERVICE = "MG" + "0" * 32


class Clock:
    """A clock the test moves; the watch reads it for every timestamp."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def hook():
    receiver = HookReceiver(SECRET)
    yield receiver
    receiver.stop()


@pytest.fixture
def low(fresh_db, hook):
    """A sandbox workspace at USD 1.50 (threshold 2.00) whose notices go to the webhook only."""
    account = SandboxGateway(fresh_db)
    account.set_balance("1.50")
    update_settings(fresh_db, language="en")
    update_options(fresh_db, ACTOR, email=False, webhook=True, webhook_url=hook.url)
    return fresh_db, account


def _wiring(**extra: str) -> watch.Wiring:
    cfg = {
        "SMSCONSOLE_NOTIFY_WEBHOOK_SECRET": SECRET,
        "SMSCONSOLE_PUBLIC_URL": "https://sms.example.com",
        **extra,
    }
    return watch.Wiring.from_config(cfg, None, SANDBOX_SENDER)


def _check(con, account, clock, wiring=None):
    return watch.check(con, account, wiring or _wiring(), by="cli", actor=ACTOR, now=clock)


def test_a_fall_below_the_threshold_is_told_once_then_reminded_daily_then_rearmed_by_a_top_up(low, hook):
    con, account = low
    clock = Clock()
    first = _check(con, account, clock)
    assert first.notice == "low" and [o.error for o in first.outcomes] == [None]
    assert len(hook.received) == 1 and hook.received[0].valid
    for _ in range(3):  # still below: nothing new
        clock.advance(hours=1)
        assert _check(con, account, clock).notice is None
    assert len(hook.received) == 1
    clock.advance(hours=21)  # 24 h after the notice
    assert _check(con, account, clock).notice == "reminder"
    assert hook.received[-1].json["event"] == "smsconsole.reminder"
    account.top_up("5.00")  # 6.50: above
    clock.advance(minutes=30)
    assert _check(con, account, clock).notice is None
    account.set_balance("0.80")
    clock.advance(minutes=30)
    assert _check(con, account, clock).notice == "low"  # a new crossing
    kinds = [r[0] for r in con.execute("SELECT kind FROM notices ORDER BY id").fetchall()]
    assert kinds == ["low", "reminder", "low"]
    assert len(hook.received) == 3


def test_no_reminder_when_the_setting_is_zero(low, hook):
    con, account = low
    update_options(con, ACTOR, reminder_hours=0)
    clock = Clock()
    assert _check(con, account, clock).notice == "low"
    clock.advance(days=3)
    assert _check(con, account, clock).notice is None
    assert len(hook.received) == 1


def test_the_webhook_carries_slack_text_facts_and_a_valid_hmac(low, hook):
    con, account = low
    _check(con, account, Clock())
    [got] = hook.received
    assert got.valid
    doc = got.json
    assert doc["balance"] == "1.500000" or doc["balance"].startswith("1.5")
    assert (doc["currency"], doc["threshold"]) == ("USD", "2.00")
    assert "$1.50" in doc["text"] and "$2.00" in doc["text"]  # the workspace's language: English here
    assert (
        doc["topup_url"] == "https://sms.example.com/topup" and "https://sms.example.com/topup" in doc["text"]
    )
    assert got.headers["X-Smsconsole-Signature"].startswith("sha256=")


def test_a_wrongly_signed_webhook_fails_is_audited_and_retried_on_the_next_check(low, hook):
    con, account = low
    clock = Clock()
    result = _check(con, account, clock, _wiring(SMSCONSOLE_NOTIFY_WEBHOOK_SECRET="not-the-receivers"))
    assert result.notice == "low"
    [outcome] = result.outcomes
    assert "HTTP 401" in outcome.error and "T0SECRETPATH" not in outcome.error  # the URL's path is a secret
    row = con.execute("SELECT state, attempts, error FROM notice_deliveries").fetchall()[0]
    assert row[:2] == ("failed", 1)
    audit = con.execute(
        "SELECT action, detail FROM audit WHERE action LIKE 'notice.%' ORDER BY id"
    ).fetchall()
    assert [a for a, _ in audit] == ["notice.low", "notice.failed"]
    assert "T0SECRETPATH" not in audit[1][1] and SECRET not in audit[1][1]
    clock.advance(minutes=30)
    again = _check(con, account, clock)  # the secret fixed: the same notice goes out, no new one
    assert again.notice is None and [o.error for o in again.outcomes] == [None]
    assert [r.valid for r in hook.received] == [False, True]
    assert con.execute("SELECT state, attempts FROM notice_deliveries").fetchall() == [("sent", 2)]
    assert con.execute("SELECT count(*) FROM notices").fetchall()[0][0] == 1


def test_portuguese_notice_states_balance_threshold_next_batch_and_its_cost(low, hook):
    con, account = low
    update_settings(con, language="pt-BR")
    import_contacts(con, b"name,phone\nAna,+5511987654321\nBia,+5511987654322\n", default_country="BR")
    quote = build_quote(con, "Ola {name}", Selection(everyone=True))
    when = schedule.check(ledger.utcnow() + timedelta(hours=5), SERVICE)
    batch = ledger.freeze_batch(con, quote, sender=SERVICE, mode="sandbox", send_at=when, name="Promo verão")
    _check(con, account, Clock())
    doc = hook.received[0].json
    text = doc["text"]
    assert "US$ 1,50" in text and "US$ 2,00" in text
    assert "Promo verão" in text and batch[:12] in text and doc["next_batch"] == batch[:12]
    max_cost = con.execute("SELECT sum(price_max) FROM messages WHERE batch_id = ?", [batch]).fetchall()[0][0]
    assert doc["next_batch_max_cost"] == str(max_cost)
    assert "Próximo lote agendado" in text and "guia de recarga" in text


def test_sms_notice_goes_through_the_sandbox_and_is_never_a_campaign(low):
    con, account = low
    update_options(con, ACTOR, webhook=False, sms=True, sms_numbers="+5511987654321, +14155550100")
    before = account.balance().amount
    result = _check(con, account, Clock())
    assert [o.error for o in result.outcomes] == [None, None]
    sent = con.execute("SELECT to_number, sender, body FROM sandbox_messages ORDER BY to_number").fetchall()
    assert [s[0] for s in sent] == ["+14155550100", "+5511987654321"]
    assert all(s[1] == SANDBOX_SENDER and "$1.50" in s[2] for s in sent)
    assert account.balance().amount < before  # the operator pays for it ...
    assert con.execute("SELECT count(*) FROM batches").fetchall()[0][0] == 0  # ... but it is no campaign


def test_sms_notice_through_the_twilio_peer(fresh_db, fault_proxy, peer_gateway):
    """Live mode: the balance is read with Twilio's Balance API (the peer's 0.05) and the SMS is
    a real create through the official SDK."""
    update_settings(fresh_db, language="en")
    update_options(fresh_db, ACTOR, email=False, sms=True, sms_numbers="+5511987654321")
    wiring = watch.Wiring.from_config({}, None, "+15017122661")
    result = watch.check(fresh_db, peer_gateway, wiring, by="cli", actor=ACTOR)
    assert result.notice == "low" and str(result.balance) == "USD 0.05"
    assert [o.error for o in result.outcomes] == [None]
    [create] = fault_proxy.creates()
    assert create.form["To"] == "+5511987654321" and create.form["From"] == "+15017122661"
    assert "0.05" in create.form["Body"]
    assert any(r.path.endswith("/Balance.json") for r in fault_proxy.requests)


def test_a_twilio_error_on_the_sms_is_recorded_and_retried(fresh_db, fault_proxy, peer_gateway):
    update_options(fresh_db, ACTOR, email=False, sms=True, sms_numbers="+5511987654321")
    wiring = watch.Wiring.from_config({}, None, "+15017122661")
    fault_proxy.error(21408, times=1)
    first = watch.check(fresh_db, peer_gateway, wiring, by="cli", actor=ACTOR)
    assert "21408" in first.outcomes[0].error
    second = watch.check(fresh_db, peer_gateway, wiring, by="cli", actor=ACTOR)
    assert second.notice is None and [o.error for o in second.outcomes] == [None]
    assert len(fault_proxy.creates()) == 2


def test_a_balance_that_cannot_be_read_is_recorded_and_claims_nothing(fresh_db, fault_proxy, peer_gateway):
    fault_proxy.drop(times=None)  # every request: the connection closes unanswered
    fault_proxy.rules[-1].method, fault_proxy.rules[-1].path = "GET", "/Balance.json"
    result = watch.check(
        fresh_db, peer_gateway, watch.Wiring.from_config({}, None, None), by="cli", actor=ACTOR
    )
    assert result.notice is None and result.problem.startswith("the balance could not be read")
    seen = state.read_watch(fresh_db)
    assert seen.problem == result.problem and seen.armed


def test_email_recipients_are_active_admins_the_setting_and_the_environment(fresh_db):
    from smscore.access import accounts
    from smscore.notices.options import email_recipients

    accounts.add_user(fresh_db, "boss@example.com", "admin", "a-long-password-1", ACTOR)
    accounts.add_user(fresh_db, "op@example.com", "operator", "a-long-password-1", ACTOR)
    accounts.add_user(fresh_db, "gone@example.com", "admin", "a-long-password-1", ACTOR)
    accounts.set_disabled(fresh_db, "gone@example.com", True, ACTOR)
    options = update_options(fresh_db, ACTOR, emails="finance@example.com; Boss@example.com")
    found = email_recipients(fresh_db, options, {"SMSCONSOLE_NOTIFY_EMAILS": "cto@example.com"})
    assert found == ["boss@example.com", "finance@example.com", "cto@example.com"]
    with pytest.raises(ValueError, match="E.164"):
        update_options(fresh_db, ACTOR, sms_numbers="11 98765-4321")
    assert load_options(fresh_db).emails == "finance@example.com; Boss@example.com"


def test_audit_trail_never_holds_the_webhook_path(low, hook):
    con, account = low
    _check(con, account, Clock())
    details = " ".join(json.dumps(r[0]) for r in con.execute("SELECT detail FROM audit").fetchall())
    assert "T0SECRETPATH" not in details


def test_smtp_settings_that_cannot_be_used_fail_each_email_visibly(low):
    from smscore.access import accounts

    con, account = low
    accounts.add_user(con, "boss@example.com", "admin", "a-long-password-1", ACTOR)
    update_options(con, ACTOR, webhook=False, email=True)
    wiring = watch.Wiring.from_config(
        {"SMSCONSOLE_SMTP_HOST": "smtp.example.com", "SMSCONSOLE_SMTP_FROM": "nobody"}, None, SANDBOX_SENDER
    )
    result = _check(con, account, Clock(), wiring)
    [outcome] = result.outcomes
    assert outcome.channel == "email" and outcome.target == "boss@example.com"
    assert "the e-mail settings cannot be used" in outcome.error and "SMSCONSOLE_SMTP_FROM" in outcome.error
    assert watch.Wiring.from_config({}, None, None).smtp is None  # unset: no e-mail at all, no error


def test_an_older_reading_never_undoes_a_newer_one(low, hook):
    """Two checks overlap: the one that read the balance first (below) claims after one that read
    it later (topped up). The older reading must not tell a crossing the newer one saw end."""
    con, account = low
    clock = Clock()
    assert _check(con, account, clock).notice == "low"
    old_read = clock.now + timedelta(minutes=1)
    account.top_up("10")
    clock.advance(minutes=2)
    assert _check(con, account, clock).notice is None  # read at +2 min: 11.50, re-armed
    below = state.claim(
        con, Money(Decimal("1.50"), "USD"), Decimal("2.00"), by="cli", reminder=None, now=old_read
    )
    assert below[0] is None and state.read_watch(con).armed
    assert len(hook.received) == 1
