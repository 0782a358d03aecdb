"""The console in a real browser: Debian's Chromium against `streamlit run console.py`.

What AppTest cannot show: a real upload, typing into the composer, the rerun races of a double
click and a page switch mid-send, and deep links on a fresh server (Streamlit runs a file in
pages/ directly until some session has run console.py). Screenshots land in tests/out/screenshots/
(scripts/screenshots writes the README's into docs/screenshots/).
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    button,
    nav_link,
    open_page,
    screenshot,
    streamlit_server,
    wait_for_run,
)
from playwright.sync_api import Page, expect

from smscore import store
from smscore.store.settings import update_settings

pytestmark = pytest.mark.browser

FIVE = (
    "name,phone,category\n"
    "João Araújo,+55 11 98765-4321,equipe\n"
    "Inês Simões,+351 912 345 678,equipe\n"
    "Ana Souza,+55 21 99876-5432,equipe\n"
    "Lucas Müller,+49 151 23456789,equipe\n"
    "Mary Smith,+44 7400 123456,equipe\n"
)
UPLOAD = (
    "nome;telefone;categoria\n"
    "Conceição Brandão;(11) 98765-0000;clientes\n"
    "Sem Número;;clientes\n"
    "Número Curto;12345;clientes\n"
).encode("cp1252")
PAGE_URLS = ["", "home", "contacts", "send", "prices", "reports", "topup", "settings", "approvals", "audit"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An English browser unless a test says otherwise: the console follows the browser's language.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-US"}


def prepare(db: Path, *, csv: str | None = FIVE, balance: str | None = None, rate: str = "200") -> None:
    """Shape the database before the server starts: the server holds the file's lock."""
    con = store.connect(db)
    if csv is not None:
        from smscore.contacts.importer import import_contacts

        import_contacts(con, csv.encode(), default_country="BR")
    if balance is not None:
        from smscore.twilio.sandbox import SandboxGateway

        SandboxGateway(con).set_balance(Decimal(balance))
    update_settings(con, send_rate=Decimal(rate))
    con.close()


def open_via_nav(page: Page, url: str, label: str) -> None:
    """Open Home, then the page from the sidebar, as an operator does."""
    open_page(page, url)
    nav_link(page, label).click()
    wait_for_run(page)


def compose(page: Page, text: str) -> None:
    box = page.get_by_test_id("stTextArea").locator("textarea")
    box.fill(text)
    box.press("Control+Enter")
    wait_for_run(page)


@pytest.mark.parametrize("url_path", PAGE_URLS)
def test_every_page_opens_by_its_url_on_a_fresh_server(url_path, page, tmp_path):
    db = tmp_path / "fresh.duckdb"  # empty: the console seeds the demo contacts itself
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/{url_path}")
        expect(page.get_by_text("SANDBOX").first).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)  # Streamlit's, in English
        expect(page.locator("h1").first).to_be_visible()
        screenshot(page, url_path or "home")


def test_upload_shows_rejected_rows(page, tmp_path):
    db = tmp_path / "upload.duckdb"
    prepare(db)
    csv_file = tmp_path / "clientes.csv"
    csv_file.write_bytes(UPLOAD)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Contacts")
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(csv_file))
        wait_for_run(page)
        expect(page.get_by_text("delimiter").first).to_be_visible()
        button(page, "Import contacts").click()
        wait_for_run(page)
        expect(page.get_by_test_id("stMetric").filter(has_text="Rejected")).to_contain_text("2")
        downloads = page.get_by_test_id("stDownloadButton")
        expect(downloads).to_have_count(2)  # the CSV and the workbook, side by side
        with page.expect_download() as info:
            downloads.filter(has_text="Excel").click()
        assert info.value.suggested_filename == "rejected-rows.xlsx"
        sheet = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
        assert [c.value for c in sheet[1]][:2] == ["Line", "Reason"] and sheet.max_row == 3
        screenshot(page, "contacts-import")


def test_portuguese_message_becomes_ucs2(page, tmp_path):
    db = tmp_path / "compose.duckdb"
    prepare(db)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Send")
        compose(page, "Hello {name}, summer sale today!")
        expect(page.get_by_test_id("stMetric").filter(has_text="Encoding")).to_contain_text("GSM-7")
        compose(page, "Olá {name}, promoção de verão só hoje!")
        expect(page.get_by_test_id("stMetric").filter(has_text="Encoding")).to_contain_text("UCS-2")
        expect(page.get_by_text("Replacing").first).to_be_visible()
        screenshot(page, "send-quote")


def test_send_button_disabled_when_sandbox_balance_short(page, tmp_path):
    db = tmp_path / "short.duckdb"
    prepare(db, balance="0.01")
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Send")
        compose(page, "Olá {name}!")
        expect(page.get_by_text("Short by $").first).to_be_visible()
        expect(button(page, "Send to 5 recipients")).to_be_disabled()
        screenshot(page, "send-balance-short")


def test_confirmed_send_reaches_each_recipient_once_despite_double_click_and_page_switch(page, tmp_path):
    db = tmp_path / "send.duckdb"
    prepare(db, rate="2")  # 5 one-segment messages at 2 per second: ~2.5 s, time to interfere
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_via_nav(page, url, "Send")
        compose(page, "Olá {name}, promoção!")
        button(page, "Send to 5 recipients").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        screenshot(page, "send-confirm")
        dialog.get_by_role("button", name="Confirm and send").dblclick()
        page.wait_for_timeout(300)
        nav_link(page, "Contacts").click()  # leave mid-send
        wait_for_run(page)
        page.wait_for_timeout(700)
        nav_link(page, "Send").click()
        wait_for_run(page)
        expect(page.get_by_text("Sent: all 5 messages went out")).to_be_visible(timeout=30_000)
        screenshot(page, "send-done")
    con = duckdb.connect(str(db))  # the server has stopped: its lock on the file is gone
    batches = con.execute("SELECT count(*) FROM batches").fetchone()[0]
    ledger = con.execute("SELECT phone, count(*), min(state) FROM messages GROUP BY phone").fetchall()
    received = con.execute("SELECT to_number, count(*) FROM sandbox_messages GROUP BY 1").fetchall()
    con.close()
    assert batches == 1
    assert len(ledger) == 5 and all(n == 1 and state == "sent" for _, n, state in ledger)
    # What the (sandbox) account received: one message per recipient, none twice.
    assert sorted(n for _, n in received) == [1] * 5
