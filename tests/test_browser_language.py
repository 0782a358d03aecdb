"""The browser's language in Chromium (issue 18): a new workspace opened by a Portuguese browser
speaks Portuguese from its first page, an English one English, and at a phone's 390 px the
language can be changed above the page, without opening the sidebar."""

from __future__ import annotations

import pytest
from browser import nav_link, open_page, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import expect
from test_browser import browser_type_launch_args  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_new_workspace_opens_in_portuguese_and_switches_language_at_390_px(new_context, tmp_path):
    db = tmp_path / "novo.duckdb"  # a new workspace: no language chosen
    page = new_context(locale="pt-BR", viewport={"width": 390, "height": 844}).new_page()
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, url)
        expect(page.locator("h1").first).to_have_text("Console de SMS")
        expect(page.get_by_test_id("stSidebar")).not_to_be_in_viewport()  # collapsed at 390 px
        control = page.locator(".st-key-_lang_quick")
        expect(control).to_be_in_viewport()
        expect(control.get_by_role("radio", name="Português")).to_be_checked()
        screenshot(page, "pt-390-language")
        control.get_by_role("radio", name="English").click()
        wait_for_run(page)
        expect(page.locator("h1").first).to_have_text("SMS operator console")
        # The choice holds from page to page in this session (the sidebar opened only to move on).
        page.get_by_test_id("stExpandSidebarButton").click()
        nav_link(page, "Contacts").click()
        wait_for_run(page)
        expect(page.locator("h1").first).to_have_text("Contacts")
        expect(control.get_by_role("radio", name="English")).to_be_checked()
        # A reload keeps the choice: local mode has no sign-in, the browser remembers it.
        page.reload()
        wait_for_run(page)
        expect(page.locator("h1").first).to_have_text("Contacts")
        expect(control.get_by_role("radio", name="English")).to_be_checked()
        # So does a second tab; a wide screen has the sidebar instead of the strip.
        wide = page.context.new_page()
        wide.set_viewport_size({"width": 1366, "height": 900})
        open_page(wide, url)
        expect(wide.locator("h1").first).to_have_text("SMS operator console")
        expect(wide.locator(".st-key-_lang_quick")).to_be_hidden()
        sidebar_choice = wide.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").locator("input")
        expect(sidebar_choice).to_have_value("English")
        # Another browser (a new context: no cookie) still follows its own language.
        other = new_context(locale="pt-BR", viewport={"width": 1366, "height": 900}).new_page()
        open_page(other, url)
        expect(other.locator("h1").first).to_have_text("Console de SMS")


def test_an_english_browser_gets_english_on_a_new_workspace(new_context, tmp_path):
    page = new_context(locale="en-US", viewport={"width": 390, "height": 844}).new_page()
    with streamlit_server(tmp_path / "new.duckdb", tmp_path / "server.log") as url:
        open_page(page, f"{url}/settings")
        expect(page.locator("h1").first).to_have_text("Settings")
        quick = page.locator(".st-key-_lang_quick")
        expect(quick).to_be_in_viewport()
        expect(quick.get_by_role("radio", name="English")).to_be_checked()
