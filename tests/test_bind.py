"""Where the console listens: loopback by default; elsewhere, sign-in or nothing.

A real `streamlit run console.py` bound to 0.0.0.0 (every interface) with no account and no
[auth]: the page (httpx) and the websocket (Streamlit's own protocol, spoken as a browser
would) carry the refusal and no data, and the terminal says why in one sentence.
"""

from __future__ import annotations

import tomllib

import httpx
import pytest
from browser import ROOT, streamlit_server
from wsclient import socket

from smscore import store
from smscore.contacts.importer import import_contacts

CONTACTS = "name,phone\nMary Smith,+44 7400 123456\nBob Jones,+1 202 555 0123\n"
PAGES = ["", "contacts", "send", "prices", "reports", "topup", "settings", "audit"]


def test_the_console_listens_on_loopback_by_default():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"


def run_page(url: str, page_name: str) -> str:
    """Open the websocket, run one page as a browser would, and return every message as text."""
    with socket(url) as sock:
        return sock.run(page_name).text


@pytest.fixture(scope="module")
def exposed(tmp_path_factory):
    """A console on every interface, with contacts in its database and no sign-in configured."""
    tmp = tmp_path_factory.mktemp("exposed")
    db, log = tmp / "exposed.duckdb", tmp / "server.log"
    con = store.connect(db)
    import_contacts(con, CONTACTS.encode(), default_country="GB")
    con.close()
    with streamlit_server(db, log, address="0.0.0.0") as url:
        yield url, log


def test_off_loopback_without_sign_in_the_page_serves_no_data(exposed):
    url, _ = exposed
    for path in PAGES:
        page = httpx.get(f"{url}/{path}", timeout=10)
        assert page.status_code == 200
        assert "Mary" not in page.text and "+44" not in page.text


@pytest.mark.parametrize("page_name", PAGES)
def test_off_loopback_without_sign_in_the_websocket_serves_only_the_refusal(exposed, page_name):
    url, _ = exposed
    shown = run_page(url, page_name)
    assert "Sign-in required on this address" in shown
    for data in ("Mary", "7400", "SANDBOX", "USD", "Contacts:"):
        assert data not in shown


def test_off_loopback_without_sign_in_the_terminal_says_why_in_one_sentence(exposed):
    url, log = exposed
    run_page(url, "")
    lines = [line for line in log.read_text().splitlines() if "refusing" in line]
    assert lines == [
        "smsconsole: refusing to serve on 0.0.0.0 without sign-in: add an account "
        "(python -m smscore user add EMAIL --role admin) or an [auth] table in "
        "secrets, or listen on 127.0.0.1."
    ]


def test_on_loopback_without_accounts_the_console_runs_in_local_mode(tmp_path):
    with streamlit_server(tmp_path / "local.duckdb", tmp_path / "server.log") as url:
        shown = run_page(url, "")
    assert "Local mode: only this computer can open it." in shown and "SANDBOX" in shown
