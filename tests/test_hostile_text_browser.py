"""Hostile text in a real browser: Markdown from a CSV header and from Twilio's error messages
must reach the operator as text, never as an image the browser fetches or a link to click.

The Twilio peer here is a loopback server that answers every request as Twilio does when it
refuses the credentials (HTTP 401, error 20003), with a hostile message; it also serves the
image URL the payload points at, so a fetch of the image is seen on both sides.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser import button, nav_link, open_page, streamlit_server, wait_for_run
from peer import ACCOUNT_SID, AUTH_TOKEN, no_proxy_for_loopback
from playwright.sync_api import Page, expect
from test_browser import FIVE, browser_context_args, browser_type_launch_args  # noqa: F401

from smscore import store
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.sending import ledger

pytestmark = pytest.mark.browser

LINK_TEXT = "Verify your Twilio account"
EVIL = "http://evil.example/login"


class LyingTwilio:
    """Loopback 'Twilio' that refuses everything with a hostile message; records every hit."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        lying = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _refuse(self) -> None:
                lying.hits.append(self.path)
                body = json.dumps(
                    {
                        "code": 20003,
                        "message": lying.payload,
                        "status": 401,
                        "more_info": "https://www.twilio.com/docs/errors/20003",
                    }
                )
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            do_GET = do_POST = _refuse  # noqa: N815 - stdlib's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.image = f"{self.url}/x.png"
        self.payload = f"![b]({self.image}) [{LINK_TEXT}]({EVIL})"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def lying_twilio() -> Iterator[LyingTwilio]:
    no_proxy_for_loopback()
    server = LyingTwilio()
    yield server
    server.stop()


def _live_env(twilio: LyingTwilio) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15017122661",
        "SMSCONSOLE_TWILIO_API_URL": twilio.url,
        "SMSCONSOLE_TWILIO_PRICING_URL": twilio.url,
    }


def _frozen_live_batch(db: Path) -> str:
    """Contacts and a live batch frozen but never sent: the Send page offers to resume it."""
    con = store.connect(db)
    import_contacts(con, FIVE.encode(), default_country="BR")
    quote = build_quote(con, "Oi {name}", Selection(everyone=True))
    batch = ledger.freeze_batch(con, quote, sender="+15017122661", mode="live")
    con.close()
    return batch


def _seen(locator) -> str:
    """The text as the operator reads it: the word joiners ui.shell.untrusted adds are invisible."""
    return locator.inner_text().replace("\u2060", "")


def _assert_nothing_escaped(page: Page, twilio: LyingTwilio, requested: list[str]) -> None:
    expect(page.locator("a[href*='evil.example']")).to_have_count(0)
    expect(page.locator(f"img[src*='{twilio.image}'], img[src*='x.png']")).to_have_count(0)
    assert [u for u in requested if "evil.example" in u or "x.png" in u] == []
    assert "/x.png" not in twilio.hits


def test_hostile_header_and_twilio_error_are_shown_as_text(page, tmp_path, lying_twilio):
    db = tmp_path / "hostile.duckdb"
    batch = _frozen_live_batch(db)
    hostile_csv = tmp_path / "hostile.csv"
    hostile_csv.write_text(f"{lying_twilio.payload},name\n+5511987654321,Ana\n", encoding="utf-8")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with streamlit_server(db, tmp_path / "server.log", _live_env(lying_twilio)) as url:
        # Home: the account cannot be fetched; Twilio's message is in the error shown.
        open_page(page, url)
        expect(page.get_by_test_id("stAlert").filter(has_text=LINK_TEXT).first).to_be_visible()
        assert lying_twilio.hits, "the console asked the lying Twilio for the account"

        # Contacts: a header made of Markdown, in the "no phone column" error.
        nav_link(page, "Contacts").click()
        wait_for_run(page)
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(hostile_csv))
        wait_for_run(page)
        button(page, "Import contacts").click()
        wait_for_run(page)
        refused = page.get_by_test_id("stAlert").filter(has_text="no phone column")
        expect(refused).to_contain_text(LINK_TEXT)
        assert lying_twilio.payload in _seen(refused)

        # Send: resuming the batch meets Twilio's refusal; its text is the batch's status.
        nav_link(page, "Send").click()
        wait_for_run(page)
        button(page, "Resume").first.click()
        stopped = page.get_by_test_id("stAlert").filter(has_text="refused the credentials")
        expect(stopped.first).to_contain_text(LINK_TEXT, timeout=30_000)
        assert lying_twilio.payload in _seen(stopped.first)
        page.wait_for_timeout(1000)  # let any image the page might load be requested
        _assert_nothing_escaped(page, lying_twilio, requested)
        assert AUTH_TOKEN not in page.content()
    con = store.connect(db)
    status, reason = con.execute("SELECT status, status_reason FROM batches WHERE id = ?", [batch]).fetchone()
    con.close()
    assert status == ledger.STOPPED_AUTH and lying_twilio.payload in reason


def test_every_page_in_the_browser_says_the_workspace_is_in_use(page, tmp_path):
    import subprocess
    import sys

    from test_browser import PAGE_URLS

    db = tmp_path / "held.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
            "print('held', flush=True); sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with streamlit_server(db, tmp_path / "server.log") as url:
            for path in PAGE_URLS:
                open_page(page, f"{url}/{path}")  # also: no stException on the page
                alert = page.get_by_test_id("stAlert")
                expect(alert).to_have_count(1)
                expect(alert).to_contain_text("The workspace is open in another smsconsole process")
                text = page.locator("[data-testid='stMain']").inner_text()
                assert str(db) not in text and "PID" not in text and "Traceback" not in text
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
