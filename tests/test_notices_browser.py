"""Notices in Chromium: with nobody's browser open the console's own watch tells a low balance
to the webhook; a person who opens Home later reads when it was checked and what each channel
did, and an admin finds the notice settings on Settings (screenshots in tests/out/screenshots/)."""

from __future__ import annotations

import time

import pytest
from browser import CHROMIUM, LAUNCH_ARGS, open_page, screenshot, streamlit_server
from notice_servers import HookReceiver
from playwright.sync_api import expect

from smscore import store
from smscore.access.audit import Actor
from smscore.notices.options import update_options
from smscore.store.settings import update_settings
from smscore.twilio.sandbox import SandboxGateway

pytestmark = pytest.mark.browser
SECRET = "browser-hook-secret"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "pt-BR"}


def test_home_tells_what_the_watch_did_while_nobody_looked(page, tmp_path):
    hook = HookReceiver(SECRET)
    db = tmp_path / "watched.duckdb"
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    update_options(
        con,
        Actor("cli:tests", "cli"),
        webhook=True,
        webhook_url=hook.url,
        sms=True,
        sms_numbers="+5511987654321",
    )
    SandboxGateway(con).set_balance("1.20")
    con.close()
    try:
        with streamlit_server(
            db, tmp_path / "server.log", {"SMSCONSOLE_NOTIFY_WEBHOOK_SECRET": SECRET}
        ) as url:
            deadline = time.monotonic() + 90
            while not hook.received and time.monotonic() < deadline:
                time.sleep(0.5)
            assert [r.valid for r in hook.received] == [True]
            open_page(page, url)
            expect(page.get_by_text("Último aviso: saldo baixo")).to_be_visible()
            expect(page.get_by_text("pelo console")).to_be_visible()
            expect(page.get_by_text("Enviado por webhook para")).to_be_visible()
            expect(page.get_by_text("Enviado por SMS para +5511987654321")).to_be_visible()
            expect(page.get_by_text("T0SECRETPATH")).to_have_count(0)
            screenshot(page, "notices-home")
            open_page(page, f"{url}/settings")
            expect(page.get_by_text("Avisos de saldo baixo")).to_be_visible()
            expect(page.get_by_text("Um aviso por SMS para +5511987654321 (Brasil)")).to_be_visible()
            expect(page.get_by_text("T0SECRETPATH")).to_have_count(0)
            screenshot(page, "notices-settings")
    finally:
        hook.stop()
