"""Notices on the console's pages (AppTest): the admin's Settings section saves channels,
recipients, the interval, the reminder and the spend limits, shows an SMS notice's price, never
shows the SMTP password or the webhook's path; Home says when the balance was last checked and
what the last notice did on each channel. Only an admin may save."""

from __future__ import annotations

from decimal import Decimal

import pytest
from notice_servers import HookReceiver
from signin import add_account, sign_in
from test_pages import _apptest_config, app, db, ok, pt, texts  # noqa: F401 - fixtures

from smscore import store
from smscore.access.audit import Actor
from smscore.notices import watch
from smscore.notices.options import load_options, update_options
from smscore.store.settings import update_settings
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway


def plain(at) -> str:  # noqa: ANN001
    """The page's words without the Markdown escapes md() puts in front of untrusted text."""
    return texts(at).replace("\\", "").replace("\u2060", "")


PASSWORD = "smtp-pw-never-shown-42"


def test_settings_save_notice_options_and_show_the_sms_price(db, monkeypatch):  # noqa: F811
    monkeypatch.setenv("SMSCONSOLE_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("SMSCONSOLE_SMTP_FROM", "alerts@example.com")
    monkeypatch.setenv("SMSCONSOLE_SMTP_PASSWORD", PASSWORD)
    at = ok(app("settings"))
    at.text_input(key="notice_emails").set_value("finance@example.com")
    at.checkbox(key="notice_sms").check()
    at.text_input(key="notice_sms_numbers").set_value("+5511987654321")
    at.checkbox(key="notice_webhook").check()
    at.text_input(key="notice_webhook_url").set_value("https://hooks.slack.com/services/T0/B0/SECRETPART")
    at.text_input(key="notice_check_minutes").set_value("15")
    at.text_input(key="notice_daily_limit").set_value("12.50")
    at.button(key="notices_save").click().run()
    ok(at)
    con = store.connect(db)
    saved = load_options(con)
    trail = con.execute("SELECT detail FROM audit WHERE target = 'notices'").fetchall()
    con.close()
    assert (saved.emails, saved.sms, saved.sms_numbers, saved.check_minutes) == (
        "finance@example.com",
        True,
        "+5511987654321",
        15,
    )
    assert saved.daily_limit == Decimal("12.50") and saved.webhook_url.endswith("SECRETPART")
    assert "SECRETPART" not in trail[0][0]
    shown = plain(at)
    assert "Notice settings saved." in shown
    assert "smtp.example.com:587 (starttls)" in shown and PASSWORD not in shown
    assert "SECRETPART" not in shown
    assert "An SMS notice to +5511987654321 (Brazil): 1 segment, up to $0.06 each time." in shown
    assert "not signed" in shown
    assert "Daily spend alert at $12.50: simulated by the sandbox" in shown


def test_settings_refuse_a_number_not_in_e164_in_portuguese(pt):  # noqa: F811
    at = ok(app("settings"))
    at.text_input(key="notice_sms_numbers").set_value("(11) 98765-4321")
    at.button(key="notices_save").click().run()
    assert "um número para SMS deve estar em E.164" in plain(at) and "(11) 98765-4321" in plain(at)
    con = store.connect(pt)
    assert load_options(con).sms_numbers == ""
    con.close()


def test_an_operator_cannot_open_the_notice_settings(db):  # noqa: F811
    add_account(db, "boss@example.com", "admin")
    add_account(db, "op@example.com", "operator")
    at = sign_in(app(), "op@example.com")
    at.switch_page("pages/settings.py").run()
    assert not [w for w in at.text_input if w.key == "notice_emails"]


@pytest.fixture
def told(db):  # noqa: F811
    """A low balance told to a webhook that refused it (wrong secret) and by SMS via the sandbox."""
    hook = HookReceiver("the-receivers-secret")
    con = store.connect(db)
    update_settings(con, language="en")
    update_options(
        con,
        Actor("cli:tests", "cli"),
        webhook=True,
        webhook_url=hook.url,
        sms=True,
        sms_numbers="+5511987654321",
    )
    account = SandboxGateway(con)
    account.set_balance("1.00")
    wiring = watch.Wiring.from_config({"SMSCONSOLE_NOTIFY_WEBHOOK_SECRET": "wrong"}, None, SANDBOX_SENDER)
    watch.check(con, account, wiring, by="cli", actor=Actor("cli:tests", "cli"))
    con.close()
    yield db
    hook.stop()


def test_home_shows_the_last_check_the_last_notice_and_a_failed_channel(told):
    shown = plain(ok(app()))
    assert "Balance last checked for notices" in shown and "by `smscore balance --notify`" in shown
    assert "Last notice: low balance" in shown
    assert "Sent by SMS to +5511987654321." in shown
    assert "Not sent by webhook to http" in shown and "HTTP 401" in shown
    assert "T0SECRETPATH" not in shown
