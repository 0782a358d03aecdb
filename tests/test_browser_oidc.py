"""OpenID Connect sign-in in Chromium: Streamlit's st.login against a real local provider.

The provider is `oidc-provider-mock` (PyPI) running as its own process on 127.0.0.1; the
console gets an [auth] table in a secrets.toml of the test's own working directory. Users are
matched by e-mail to a workspace role; an e-mail with no role gets in nowhere.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from browser import (
    CHROMIUM,
    LAUNCH_ARGS,
    button,
    free_port,
    nav_link,
    open_page,
    streamlit_server,
    wait_for_run,
)
from playwright.sync_api import Page, expect

from smscore import store
from smscore.access import accounts
from smscore.access.audit import Actor

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@contextlib.contextmanager
def oidc_provider(log: Path) -> Iterator[str]:
    """oidc-provider-mock on a free loopback port with two predefined users; yields its URL."""
    port = free_port()
    users = [
        {"sub": "ana", "email": "ana@example.com", "name": "Ana"},
        {"sub": "eve", "email": "eve@example.com", "name": "Eve"},
    ]
    args = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in users:
        args += ["--user-claims", json.dumps(user)]
    with open(log, "w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url + "/.well-known/openid-configuration", timeout=1)
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"OIDC provider did not start:\n{log.read_text()}") from None
                    time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextlib.contextmanager
def oidc_console(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The console with [auth] pointing at the local provider, and ana@example.com an operator."""
    db = tmp_path / "oidc.duckdb"
    con = store.connect(db)
    accounts.add_user(con, "ana@example.com", "operator", None, Actor("cli:tests", "cli"))
    con.close()
    port = free_port()
    with oidc_provider(tmp_path / "oidc.log") as provider:
        folder = tmp_path / "run"
        (folder / ".streamlit").mkdir(parents=True)
        (folder / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a test-only cookie secret, long and random enough"\n'
            'client_id = "smsconsole-test"\n'
            'client_secret = "test-only"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        )
        with streamlit_server(db, tmp_path / "server.log", cwd=folder, port=port) as url:
            yield url, db


def sign_in_with_provider(page: Page, url: str, who: str) -> None:
    open_page(page, url)
    expect(page.get_by_role("heading", name="Sign in to smsconsole")).to_be_visible()
    button(page, "Sign in with your identity provider").click()
    page.wait_for_url("**/oauth2/authorize**", timeout=20_000)
    page.get_by_role("button", name=who, exact=True).click()
    page.wait_for_url(url + "/**", timeout=20_000)
    wait_for_run(page)


def test_oidc_sign_in_gives_the_workspace_role_of_the_email(page, tmp_path):
    with oidc_console(tmp_path) as (url, db):
        signed_in_and_out(page, url)
    con = duckdb.connect(str(db))  # the server has stopped: its lock is gone
    rows = con.execute("SELECT actor, via, action FROM audit WHERE via = 'oidc'").fetchall()
    con.close()
    assert ("ana@example.com", "oidc", "sign-in") in rows
    assert ("ana@example.com", "oidc", "sign-out") in rows


def signed_in_and_out(page: Page, url: str) -> None:
    sign_in_with_provider(page, url, "ana")
    expect(page.get_by_text("ana@example.com (operator)")).to_be_visible()
    expect(page.get_by_text("SANDBOX").first).to_be_visible()
    expect(nav_link(page, "Settings")).to_have_count(0)
    button(page, "Sign out").click()
    page.wait_for_url("**/oauth2/end_session**", timeout=20_000)  # the provider's end of it
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(url + "/**", timeout=20_000)
    wait_for_run(page)
    expect(page.get_by_role("heading", name="Sign in to smsconsole")).to_be_visible()
    expect(page.get_by_text("SANDBOX")).to_have_count(0)


def test_oidc_user_without_a_workspace_role_gets_nothing(page, tmp_path):
    with oidc_console(tmp_path) as (url, _):
        sign_in_with_provider(page, url, "eve")
        expect(page.get_by_text("No role in this workspace for eve@example.com")).to_be_visible()
        expect(page.get_by_text("SANDBOX")).to_have_count(0)
