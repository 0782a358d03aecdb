"""The send lifecycle in Chromium: the over-limit refusal, a failed batch shown as failed, and
Twilio's error explained in Portuguese."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from browser import button, nav_link, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import Page, expect
from test_browser import (  # noqa: F401 - the Chromium launch fixtures
    browser_context_args,
    browser_type_launch_args,
    compose,
    open_via_nav,
    prepare,
)

import smscore
from smscore import store
from smscore.store.settings import update_settings

pytestmark = pytest.mark.browser

FAILING = "name,phone\nInvalid,+15005550001\nLandline,+15005550009\n"


def test_body_over_1600_characters_cannot_be_sent(page: Page, tmp_path: Path):
    db = tmp_path / "long.duckdb"
    prepare(db)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Send")
        compose(page, "Promo " + "x" * 1700)
        expect(page.get_by_text("1,706 characters: Twilio refuses messages over 1,600")).to_be_visible()
        expect(
            page.get_by_text("over Twilio's limit of 1,600 characters for every recipient")
        ).to_be_visible()
        expect(button(page, "Send to 0 recipients")).to_be_disabled()
        screenshot(page, "send-over-limit")


def test_failed_batch_is_red_and_explained_in_portuguese(page: Page, tmp_path: Path):
    db = tmp_path / "failed.duckdb"
    prepare(db, csv=FAILING)
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Enviar")
        compose(page, "Oi {name}")
        button(page, "Enviar para 2 destinatários").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Confirmar e enviar").click()
        failed = page.get_by_test_id("stAlertContentError").filter(
            has_text="Falhou: nada foi enviado. As 2 mensagens falharam."
        )
        expect(failed).to_be_visible(timeout=30_000)
        wait_for_run(page)
        table = page.get_by_test_id("stDataFrame").filter(has_text="O que significa")
        expect(table).to_contain_text("Número de destino inválido")
        expect(table).to_contain_text("não é um celular válido")
        screenshot(page, "send-failed-pt")
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Início").click()
        wait_for_run(page)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        screenshot(page, "home-failed-pt")


def test_stop_webhook_removes_a_contact_from_the_next_quote(page: Page, tmp_path: Path, fault_proxy):
    """Live mode against the Prism peer; Twilio's inbound STOP posted, signed, to the console."""
    import urllib.parse
    import urllib.request

    from browser import free_port
    from peer import ACCOUNT_SID, AUTH_TOKEN
    from test_webhooks import twilio_signature

    db = tmp_path / "stop.duckdb"
    prepare(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15017122661",
        "SMSCONSOLE_PUBLIC_URL": url,
        "SMSCONSOLE_TWILIO_API_URL": fault_proxy.url,
        "SMSCONSOLE_TWILIO_PRICING_URL": fault_proxy.url,
    }
    with streamlit_server(db, tmp_path / "server.log", port=port, env_extra=env):
        open_via_nav(page, url, "Send")
        compose(page, "Olá {name}!")
        recipients = page.get_by_test_id("stMetric").filter(has_text="Recipients")
        expect(recipients).to_contain_text("5")
        stop = {
            "MessageSid": "SM" + "3" * 32,
            "From": "+5511987654321",
            "To": "+15017122661",
            "Body": "STOP",
            "AccountSid": ACCOUNT_SID,
        }
        request = urllib.request.Request(
            url + "/twilio/inbound",
            data=urllib.parse.urlencode(stop).encode(),
            method="POST",
            headers={"X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url + "/twilio/inbound", stop)},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        compose(page, "Olá {name}, de novo!")
        expect(recipients).to_contain_text("4")
        expect(page.get_by_text("1 contact excluded").first).to_be_visible()
        screenshot(page, "send-after-stop")
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Reports").click()
        wait_for_run(page)
        expect(page.get_by_test_id("stDataFrame").filter(has_text="+5511987654321")).to_be_visible()


def test_scheduled_batch_is_cancelled_from_the_console(page: Page, tmp_path: Path):
    db = tmp_path / "scheduled.duckdb"
    prepare(db)
    con = store.connect(db)
    update_settings(con, sender="MG" + "ab" * 16)
    con.close()
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Send")
        compose(page, "Olá {name}, até amanhã!")
        page.get_by_test_id("stCheckbox").filter(has_text="Schedule for later").click()
        wait_for_run(page)
        expect(page.get_by_text("Twilio charges when it sends").first).to_be_visible()
        button(page, "Send to 5 recipients").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Confirm and send").click()
        expect(page.get_by_text("Scheduled: Twilio holds the messages")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("5 messages scheduled at Twilio")).to_be_visible()
        screenshot(page, "send-scheduled")
        button(page, "Cancel the scheduled batch").click()
        wait_for_run(page)
        # destructive: asked first, and nothing is cancelled until the operator confirms
        expect(page.get_by_text("Cancel the 5 messages still scheduled at Twilio?")).to_be_visible()
        with smscore.workspace(db) as ws:  # the console holds the file: borrow it in turn
            held = ws.sql("SELECT DISTINCT status FROM sandbox_messages")["status"].tolist()
        assert held == ["scheduled"]
        button(page, "Yes, cancel them").click()
        wait_for_run(page)
        expect(
            page.get_by_text("Cancelled: 5 at Twilio, 0 never sent, 0 had already gone out.")
        ).to_be_visible()
        expect(page.get_by_text("Cancelled: 0 went out before the cancellation.")).to_be_visible()
        screenshot(page, "send-cancelled")
    con = duckdb.connect(str(db))
    statuses = con.execute("SELECT DISTINCT status FROM sandbox_messages").fetchall()
    batch = con.execute("SELECT status FROM batches").fetchall()
    con.close()
    assert statuses == [("canceled",)] and batch == [("cancelled",)]


def _clean_with_the_note(page: Page) -> None:
    """The batch just sent is a note, not a form: no Send button, message, cost or balance
    warning of it; its name, its outcome and the link to its report."""
    expect(page.get_by_text("Last batch: Promo · equipe")).to_be_visible()
    expect(page.get_by_text("Sent: all 5 messages went out")).to_be_visible()
    expect(page.get_by_role("link", name="Open its report")).to_be_visible()
    expect(page.get_by_test_id("stButton").filter(has_text="Send to")).to_have_count(0)
    expect(page.get_by_test_id("stTextArea").locator("textarea")).to_have_value("")
    expect(page.get_by_test_id("stMultiSelect")).to_have_count(0)  # no categories chosen
    expect(page.get_by_test_id("stRadio").locator("input").first).to_be_checked()  # Everyone
    for stale in ("Total at most", "Balance too low", "Short by", "covers this batch"):
        expect(page.get_by_text(stale)).to_have_count(0)
    expect(page.get_by_text("Write a message to see its cost.")).to_be_visible()


def test_after_a_batch_the_send_page_is_clean_with_its_outcome_also_after_a_reload(
    page: Page, tmp_path: Path
):
    db = tmp_path / "after.duckdb"
    prepare(db, balance="0.50")  # the batch may cost USD 0.3031: not affordable a second time
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Send")
        page.get_by_test_id("stRadio").get_by_text("Categories").click()
        wait_for_run(page)
        page.get_by_test_id("stMultiSelect").click()
        page.get_by_role("option", name="equipe").click()
        page.keyboard.press("Escape")
        wait_for_run(page)
        compose(page, "Promo {name}")
        button(page, "Send to 5 recipients").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Cancel").click()  # Cancel keeps everything as it was
        wait_for_run(page)
        expect(dialog).to_have_count(0)
        expect(page.get_by_test_id("stTextArea").locator("textarea")).to_have_value("Promo {name}")
        button(page, "Send to 5 recipients").click()
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Confirm and send").click()
        expect(page.get_by_text("Sent: all 5 messages went out")).to_be_visible(timeout=30_000)
        wait_for_run(page)
        _clean_with_the_note(page)
        screenshot(page, "send-after-batch")
        page.reload()
        wait_for_run(page)
        _clean_with_the_note(page)
        nav_link(page, "Contacts").click()
        wait_for_run(page)
        nav_link(page, "Send").click()
        wait_for_run(page)
        _clean_with_the_note(page)
        page.get_by_role("link", name="Open its report").click()
        wait_for_run(page)
        expect(page.get_by_role("combobox", name="Batch")).to_have_value(
            re.compile(r"^Promo · equipe · ")
        )  # the report opens on this batch
    con = duckdb.connect(str(db))
    sent = con.execute("SELECT count(*) FROM sandbox_messages").fetchone()[0]
    con.close()
    assert sent == 5
