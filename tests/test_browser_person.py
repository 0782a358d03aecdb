"""The Data subject panel in Chromium against `streamlit run console.py`: an admin finds a
number written the Brazilian way, downloads the JSON, erases behind the confirmation; an
operator is never sent the panel. The workspace is read after the server stops."""

from __future__ import annotations

import json

import duckdb
import jsonschema
import pytest
from browser import CHROMIUM, LAUNCH_ARGS, button, open_page, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import expect
from signin import add_account
from test_browser import FIVE, prepare
from test_browser_access import sign_in
from test_person import SCHEMA

from smscore import store
from smscore.twilio.sandbox import SandboxGateway

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.fixture
def team_db(tmp_path):
    from test_person import _send

    db = tmp_path / "team.duckdb"
    prepare(db, csv=FIVE)
    con = store.connect(db)
    _send(con, SandboxGateway(con), body="Oi {name}, cupom secreto 7781")
    con.close()
    for role in ("operator", "admin"):
        add_account(db, f"{role}@example.com", role)
    return db


def test_admin_finds_downloads_and_erases_a_person(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/contacts")
        sign_in(page, "admin@example.com")
        panel = page.get_by_test_id("stExpander").filter(has_text="Data subject")
        panel.get_by_text("Data subject").click()
        field = panel.get_by_role("textbox", name="Phone number (any format)")
        field.fill("(11) 98765-4321")
        field.press("Enter")  # Enter searches, as in a search box; the button is for a mouse
        wait_for_run(page)
        expect(panel.get_by_text("+5511987654321", exact=False).first).to_be_visible()
        with page.expect_download() as download:
            panel.get_by_role("button", name="Download the person's data (JSON)").click()
        document = json.loads(download.value.path().read_text(encoding="utf-8"))
        jsonschema.validate(document, SCHEMA)
        assert document["contact"]["name"] == "João Araújo"
        assert "cupom secreto 7781" in document["messages"][0]["body"]
        wait_for_run(page)
        button(page, "Erase this person's data").click()
        wait_for_run(page)
        expect(page.get_by_text("João Araújo", exact=False).last).to_be_visible()
        expect(page.get_by_text("This cannot be undone", exact=False)).to_be_visible()
        screenshot(page, "contacts-data-subject-confirm")
        panel.get_by_role("button", name="Yes, remove").click()
        wait_for_run(page)
        expect(
            page.get_by_text("Erased. Contacts removed: 1; messages made anonymous: 1", exact=False)
        ).to_be_visible()
    con = duckdb.connect(str(team_db))
    try:
        assert con.execute("SELECT count(*) FROM contacts WHERE phone = '+5511987654321'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM messages WHERE body LIKE '%João%'").fetchone() == (0,)
        actions = [r[0] for r in con.execute("SELECT action FROM audit ORDER BY id").fetchall()]
        assert "person.export" in actions and "person.erase" in actions
    finally:
        con.close()


def test_an_operator_is_not_sent_the_panel(page, team_db, tmp_path):
    with streamlit_server(team_db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/contacts")
        sign_in(page, "operator@example.com")
        expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
        expect(page.get_by_text("Data subject")).to_have_count(0)
