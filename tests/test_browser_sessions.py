"""A team's working day in Chromium: a sign-in that lasts across reloads, tabs and typed URLs,
ends at sign-out and when an admin changes the account, and survives a crowd at the door.

Each test runs the real console (`streamlit run console.py`) on its own database file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from browser import nav_link, no_error, open_page, streamlit_server, wait_for_run
from playwright.sync_api import Browser, Page, expect
from signin import PASSWORD
from test_browser_access import audit_rows, browser_type_launch_args, sign_in, team_db  # noqa: F401

from smscore.access import accounts, sessions

pytestmark = pytest.mark.browser

SIGN_IN = "Sign in to smsconsole"


def session_cookie(page: Page) -> dict | None:
    found = [c for c in page.context.cookies() if c["name"] == sessions.COOKIE]
    return found[0] if found else None


def wait_for_cookie(page: Page) -> dict:
    for _ in range(50):
        cookie = session_cookie(page)
        if cookie:
            return cookie
        page.wait_for_timeout(100)
    raise AssertionError("the console set no session cookie")


def signed_in_page(page: Page, url: str, email: str = "operator@example.com") -> dict:
    open_page(page, url)
    sign_in(page, email)
    expect(page.get_by_text(f"{email} (")).to_be_visible()
    return wait_for_cookie(page)


def test_the_cookie_is_httponly_lax_and_holds_no_stored_secret(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        cookie = signed_in_page(page, url)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
        assert page.evaluate("document.cookie").find(sessions.COOKIE) == -1  # no script reads it
    con = duckdb.connect(str(team_db))
    stored = con.execute("SELECT id FROM sessions").fetchall()
    con.close()
    assert len(stored) == 1 and cookie["value"] not in stored[0][0]


def test_a_reload_a_second_tab_and_a_typed_url_stay_signed_in(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        signed_in_page(page, url)
        page.reload()
        wait_for_run(page)
        expect(page.get_by_text("operator@example.com (operator)")).to_be_visible()
        second = page.context.new_page()
        open_page(second, f"{url}/reports")
        expect(second.get_by_role("heading", name=SIGN_IN)).to_have_count(0)
        expect(second.get_by_text("operator@example.com (operator)")).to_be_visible()
        expect(second.get_by_text("Page not found")).to_have_count(0)
        second.close()


def test_a_signed_in_persons_language_choice_survives_a_reload_and_a_second_tab(page, team_db, tmp_path):
    """Kept on the server with the session (issue 18): a reload or a second tab of the same
    sign-in keeps Português; the workspace and the browser say English."""
    page.set_viewport_size({"width": 390, "height": 844})
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        signed_in_page(page, url)
        expect(page.locator("h1").first).to_have_text("SMS operator console")
        page.locator(".st-key-_lang_quick").get_by_role("radio", name="Português").click()
        wait_for_run(page)
        expect(page.locator("h1").first).to_have_text("Console de SMS")
        page.reload()
        wait_for_run(page)
        expect(page.locator("h1").first).to_have_text("Console de SMS")
        second = page.context.new_page()
        open_page(second, f"{url}/contacts")
        expect(second.locator("h1").first).to_have_text("Contatos")
        second.close()


def test_a_typed_url_before_sign_in_lands_on_that_page_after_it(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/reports")
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        expect(page.get_by_text("Page not found")).to_have_count(0)
        sign_in(page, "viewer@example.com")
        assert page.url.endswith("/reports")
        expect(page.get_by_role("heading", name=SIGN_IN)).to_have_count(0)
        expect(page.get_by_text("viewer@example.com (viewer)")).to_be_visible()


def test_sign_out_ends_the_session_in_every_tab(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        stolen = signed_in_page(page, url)
        second = page.context.new_page()
        open_page(second, f"{url}/contacts")
        expect(second.get_by_text("operator@example.com (operator)")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        wait_for_run(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        for _ in range(50):  # the console's own route clears the cookie
            if session_cookie(page) is None:
                break
            page.wait_for_timeout(100)
        assert session_cookie(page) is None
        second.reload()
        wait_for_run(second)
        expect(second.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        # A copy of the cookie taken before sign-out signs nobody in: the server ended it.
        thief = page.context.browser.new_context()
        thief.add_cookies([stolen])
        other = thief.new_page()
        open_page(other, f"{url}/reports")
        expect(other.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        thief.close()


def pick_account(page: Page, typed: str) -> None:
    """Settings, then the account in the users form, typed as an admin would search it."""
    nav_link(page, "Settings").click()
    wait_for_run(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Account").click()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    wait_for_run(page)


def test_an_admin_disabling_an_account_ends_its_session_at_the_next_reload(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        signed_in_page(page, url, "viewer@example.com")
        admin = page.context.browser.new_context()
        admin_page = admin.new_page()
        signed_in_page(admin_page, url, "admin@example.com")
        pick_account(admin_page, "viewer@")
        admin_page.get_by_role("button", name="Disable").click()
        wait_for_run(admin_page)
        expect(admin_page.get_by_text("viewer@example.com is disabled")).to_be_visible()
        admin.close()
        page.reload()
        wait_for_run(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    assert ("admin@example.com", "user.disable") in audit_rows(team_db)


def test_the_only_admin_cannot_demote_themselves_from_the_console(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        signed_in_page(page, url, "admin@example.com")
        pick_account(page, "admin@")
        page.get_by_test_id("stSelectbox").filter(has_text="New role").click()
        page.get_by_role("option", name="viewer").click()
        wait_for_run(page)
        page.get_by_role("button", name="Change role").click()
        wait_for_run(page)
        expect(page.get_by_text("This is your own account")).to_be_visible()
        page.get_by_role("button", name="Yes, change my own account").click()
        wait_for_run(page)
        expect(page.get_by_text("admin@example.com is the last active admin")).to_be_visible()
        expect(page.get_by_text("admin@example.com (admin)")).to_be_visible()
    con = duckdb.connect(str(team_db))
    assert con.execute("SELECT role FROM users WHERE email = 'admin@example.com'").fetchall() == [("admin",)]
    con.close()


def test_twelve_sign_ins_at_once_lock_the_account_and_show_no_error(browser: Browser, team_db, tmp_path):
    """11 wrong passwords and the right one, submitted together from 12 browsers."""
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        contexts = [browser.new_context() for _ in range(12)]
        pages = [c.new_page() for c in contexts]
        for p in pages:
            open_page(p, url)
        guesses = [f"wrong guess {n}" for n in range(11)] + [None]
        for p, guess in zip(pages, guesses):
            p.get_by_role("textbox", name="E-mail").fill("operator@example.com")
            p.get_by_role("textbox", name="Password").fill(guess or "test password 1")
        for p in pages:  # as close together as one driver can click
            p.get_by_test_id("stFormSubmitButton").get_by_role("button", name="Sign in").click(
                no_wait_after=True
            )
        answers = []
        for p in pages:
            wait_for_run(p)
            no_error(p)
            answers.append(p.get_by_test_id("stMain").inner_text())
        for c in contexts:
            c.close()
    assert not any("Conflict" in a or "Traceback" in a or "duckdb" in a for a in answers)
    refused = [a for a in answers if accounts.REFUSED in a]
    assert len(refused) >= 11
    con = duckdb.connect(str(team_db))
    failures = con.execute(
        "SELECT count(*) FROM audit WHERE action = 'sign-in.failure' AND actor = 'operator@example.com'"
    ).fetchall()[0][0]
    locked = con.execute("SELECT locked_until FROM users WHERE email = 'operator@example.com'").fetchall()[0][
        0
    ]
    con.close()
    assert failures == 11 and locked is not None


def _sent_batch(db: Path) -> None:
    """A small sandbox batch sent through the CLI by the operator before the server starts."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "smscore",
            "--db",
            str(db),
            "send",
            "--body",
            "Promoção de verão",
            "--yes",
            "--as",
            "operator@example.com",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def _grid_download(page: Page, tab: str) -> str:
    """Download a tab's grid through Streamlit's own toolbar, as a person would."""
    grid = page.get_by_role("tabpanel", name=tab).get_by_test_id("stDataFrame").first
    grid.hover()
    with page.expect_download() as info:
        grid.get_by_role("button", name="Download as CSV").click()
    return Path(info.value.path()).read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("role,masked", [("viewer", True), ("operator", False)])
def test_the_send_log_grid_gives_a_viewer_no_phone_number_to_download(page, team_db, tmp_path, role, masked):
    _sent_batch(team_db)
    con = duckdb.connect(str(team_db))
    phones = [r[0] for r in con.execute("SELECT phone FROM messages").fetchall()]
    con.close()
    # Chromium's save-file picker cannot be clicked headless: Streamlit then falls back to a link.
    page.add_init_script("delete window.showSaveFilePicker")
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        signed_in_page(page, url, f"{role}@example.com")
        open_page(page, f"{url}/reports")
        page.get_by_test_id("stSelectbox").filter(has_text="Batch").click()
        page.get_by_role("option").nth(1).click()  # the one batch, after "All batches"
        wait_for_run(page)
        page.get_by_role("tab", name="Send log").click()
        wait_for_run(page)
        text = _grid_download(page, "Send log")
    assert phones and all((p in text) != masked for p in phones)
    if masked:
        assert "•" in text


def test_an_operator_who_reloads_during_a_send_stays_signed_in_and_it_sends_once(page, team_db, tmp_path):
    from test_browser import compose

    con = duckdb.connect(str(team_db))
    con.execute("UPDATE settings SET value = '2' WHERE key = 'send_rate'")  # ~2.5 s for five
    con.close()
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        signed_in_page(page, url)
        open_page(page, f"{url}/send")
        compose(page, "Olá {name}, promoção!")
        page.get_by_test_id("stButton").filter(has_text="Send to 5 recipients").locator("button").click()
        dialog = page.get_by_test_id("stDialog")
        dialog.get_by_role("button", name="Confirm and send").click()
        page.wait_for_timeout(600)
        page.reload()  # the page said it may be reloaded: it keeps the sign-in and the progress
        wait_for_run(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_have_count(0)
        expect(page.get_by_text("operator@example.com (operator)")).to_be_visible()
        expect(page.get_by_text("Sent: all 5 messages went out")).to_be_visible(timeout=30_000)
    con = duckdb.connect(str(team_db))
    received = con.execute("SELECT to_number, count(*) FROM sandbox_messages GROUP BY 1").fetchall()
    con.close()
    assert sorted(n for _, n in received) == [1] * 5
