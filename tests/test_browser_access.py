"""Operator access in Chromium against `streamlit run console.py`: sign-in, roles, lock-out.

Accounts are created before the server starts (the server holds the database's lock); each
test signs in through the console's own form, as an operator would.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
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
from signin import PASSWORD, add_account
from test_browser import FIVE, PAGE_URLS, prepare

from smscore.access import accounts

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="Sign in").click()
    wait_for_run(page)


def audit_rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db))  # the server has stopped
    try:
        return con.execute("SELECT actor, action FROM audit ORDER BY id").fetchall()
    finally:
        con.close()


@pytest.fixture
def team_db(tmp_path):
    db = tmp_path / "team.duckdb"
    prepare(db, csv=FIVE)
    for role in ("viewer", "operator", "admin"):
        add_account(db, f"{role}@example.com", role)
    return db


def test_every_page_url_shows_the_sign_in_form_and_no_data(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        for path in PAGE_URLS:
            open_page(page, f"{url}/{path}")
            expect(page.get_by_role("heading", name="Sign in to smsconsole")).to_be_visible()
            expect(page.get_by_text("SANDBOX")).to_have_count(0)
            expect(page.get_by_text("Mary Smith")).to_have_count(0)


def test_viewer_cannot_upload_send_or_open_settings(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, url)
        sign_in(page, "viewer@example.com")
        expect(page.get_by_text("viewer@example.com (viewer)")).to_be_visible()
        expect(nav_link(page, "Settings")).to_have_count(0)
        expect(nav_link(page, "Audit")).to_have_count(0)
        nav_link(page, "Contacts").click()
        wait_for_run(page)
        expect(page.get_by_test_id("stFileUploaderDropzoneInput")).to_be_disabled()
        expect(nav_link(page, "Send")).to_have_count(0)
        expect(nav_link(page, "Approvals")).to_have_count(0)
    con = duckdb.connect(str(team_db))
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    con.close()


def test_fifth_wrong_password_locks_the_account(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, url)
        for _ in range(5):
            sign_in(page, "operator@example.com", "not the password")
            expect(page.get_by_text(accounts.REFUSED)).to_be_visible()
        sign_in(page, "operator@example.com")  # the right password, too late: the same words
        expect(page.get_by_text(accounts.REFUSED)).to_be_visible()
        sign_in(page, "nobody@example.com")  # and so does an unknown e-mail
        expect(page.get_by_text(accounts.REFUSED)).to_be_visible()
        expect(page.get_by_text("SANDBOX")).to_have_count(0)
        expect(page.get_by_text("locked")).to_have_count(0)
    actions = [a for _, a in audit_rows(team_db)]
    assert actions.count("sign-in.failure") == 6  # five wrong passwords and the unknown e-mail
    assert "sign-in.lockout" in actions and "sign-in.locked" in actions


def test_sign_out_ends_the_session(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, url)
        sign_in(page, "admin@example.com")
        expect(page.get_by_text("SANDBOX").first).to_be_visible()
        nav_link(page, "Audit").click()
        wait_for_run(page)
        expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
        button(page, "Sign out").click()
        wait_for_run(page)
        expect(page.get_by_role("heading", name="Sign in to smsconsole")).to_be_visible()
        expect(nav_link(page, "Audit")).to_have_count(0)
    assert ("admin@example.com", "sign-out") in audit_rows(team_db)


def limits(db: Path, **kw: str) -> None:
    from decimal import Decimal

    from smscore import store
    from smscore.access import approvals
    from smscore.access.audit import Actor

    con = store.connect(db)
    approvals.save_limits(con, approvals.Limits(**{k: Decimal(v) for k, v in kw.items()}), Actor.cli())
    con.close()


def compose_on_send(page: Page, body: str = "Olá {name}, promoção!") -> None:
    nav_link(page, "Send").click()
    wait_for_run(page)
    box = page.get_by_test_id("stTextArea").locator("textarea")
    box.fill(body)
    box.press("Control+Enter")
    wait_for_run(page)


def confirm_send(page: Page) -> None:
    compose_on_send(page)
    button(page, "Send to 5 recipients").click()
    dialog = page.get_by_test_id("stDialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Confirm and send").click()
    wait_for_run(page)


def test_operator_cannot_exceed_the_per_batch_limit(page, team_db, tmp_path):
    limits(team_db, per_batch="0.05")
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, url)
        sign_in(page, "operator@example.com")
        compose_on_send(page)  # said before the click; Send cannot be pressed
        expect(
            page.get_by_text(
                "This batch would be refused: this batch may cost up to $0.31, "
                "over the per-batch limit of $0.05"
            )
        ).to_be_visible()
        expect(button(page, "Send to 5 recipients")).to_be_disabled()
    con = duckdb.connect(str(team_db))
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM sandbox_messages").fetchone()[0] == 0
    con.close()


def test_approval_by_the_admin_who_confirmed_is_refused(page, team_db, tmp_path):
    limits(team_db, approval_over="0.05")
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, url)
        sign_in(page, "admin@example.com")
        confirm_send(page)
        expect(page.get_by_text("awaits approval by another admin").first).to_be_visible()
        nav_link(page, "Approvals").click()
        wait_for_run(page)
        button(page, "Approve and send").click()
        wait_for_run(page)
        expect(page.get_by_text("cannot approve it; another admin must").first).to_be_visible()
    con = duckdb.connect(str(team_db))
    assert con.execute("SELECT status FROM batches").fetchall() == [("awaiting approval",)]
    assert con.execute("SELECT count(*) FROM sandbox_messages").fetchone()[0] == 0
    con.close()


def test_operator_is_told_before_and_after_the_click_that_an_admin_must_approve(page, team_db, tmp_path):
    limits(team_db, per_day="5", approval_over="0.10")
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, url)
        sign_in(page, "operator@example.com")
        compose_on_send(page, "Olá {name}!")
        expect(
            page.get_by_text("Per-day limit: $5.00. You confirmed up to $0.00 today; with this batch, $0.31.")
        ).to_be_visible()
        expect(page.get_by_text("Once confirmed, it waits until an admin approves it")).to_be_visible()
        expect(page.get_by_text("another admin")).to_have_count(0)
        screenshot(page, "send-needs-approval-operator")
        button(page, "Send to 5 recipients").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog.get_by_text("waits until an admin approves it")).to_be_visible()
        dialog.get_by_role("button", name="Confirm and send").click()
        wait_for_run(page)
        expect(page.get_by_text("it awaits approval by an admin.")).to_be_visible()
        expect(page.get_by_test_id("stButton").filter(has_text="Send to")).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        screenshot(page, "send-awaits-approval-operator")
    con = duckdb.connect(str(team_db))
    held = con.execute("SELECT confirmed_by, status FROM batches").fetchall()
    con.close()
    assert held == [("operator@example.com", "awaiting approval")]
