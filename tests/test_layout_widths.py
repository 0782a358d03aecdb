"""The console at a laptop's 1366 px and a phone's 390 px, in Chromium (issue 11).

At 390 px Streamlit collapses the sidebar, so the balance must show above the page; no page may
be wider than the screen (tables scroll inside themselves); at 1366 px no metric is cut short.
Both languages, every page: these are also the screenshots scripts/screenshots refreshes.
"""

from __future__ import annotations

import pytest
from browser import open_page, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import Page, expect
from test_browser import browser_context_args, browser_type_launch_args, prepare  # noqa: F401

from smscore import store
from smscore.store.settings import update_settings

pytestmark = pytest.mark.browser
PAGES = ["", "contacts", "send", "prices", "reports", "topup", "settings"]
_MAIN_HEIGHT = "() => document.querySelector('[data-testid=stMain]').scrollHeight"
_PAGE_WIDTH = "() => document.querySelector('[data-testid=stMain]').scrollWidth"
BALANCE = {"en": "$20.00", "pt-BR": "US$\xa020,00"}
_CUT_METRICS = """() => [...document.querySelectorAll('[data-testid=stMetricValue] div')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""


def _workspace(tmp_path, lang: str):
    db = tmp_path / "console.duckdb"
    prepare(db)
    con = store.connect(db)
    update_settings(con, language=lang)
    con.close()
    return db


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_every_page_at_390_px_shows_the_balance_and_fits_the_screen(page: Page, tmp_path, lang):
    db = _workspace(tmp_path, lang)
    page.set_viewport_size({"width": 390, "height": 844})
    with streamlit_server(db, tmp_path / "server.log") as url:
        for path in PAGES:
            open_page(page, f"{url}/{path}")
            expect(page.get_by_test_id("stSidebar")).not_to_be_in_viewport()
            expect(page.locator(".st-key-narrow_balance")).to_contain_text(BALANCE[lang])
            expect(page.locator(".st-key-narrow_balance")).to_be_visible()
            assert page.evaluate(_PAGE_WIDTH) <= 390, path
            screenshot(page, f"{lang}-390-{path or 'home'}")


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_wide_screen_shows_the_balance_once_and_cuts_no_metric(page: Page, tmp_path, lang):
    db = _workspace(tmp_path, lang)
    page.set_viewport_size({"width": 1366, "height": 900})
    with streamlit_server(db, tmp_path / "server.log") as url:
        for path in PAGES:
            open_page(page, f"{url}/{path}")
            expect(page.locator(".st-key-narrow_balance")).to_be_hidden()
            assert page.evaluate(_CUT_METRICS) == [], path
            screenshot(page, f"{lang}-1366-{path or 'home'}")


def test_send_page_with_a_quote_stays_short_at_390_px(page: Page, tmp_path):
    """Figures wrap two to a line instead of stacking one per screen row, the chart is lower and
    the per-recipient preview starts closed (the same page measured 3,193 px before)."""
    db = _workspace(tmp_path, "pt-BR")
    page.set_viewport_size({"width": 390, "height": 844})
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/send")
        box = page.get_by_test_id("stTextArea").locator("textarea")
        box.fill("Olá {name}, promoção de verão só hoje!")
        box.press("Control+Enter")
        wait_for_run(page)
        expect(page.get_by_text("Total máximo").first).to_be_visible()
        metrics = page.get_by_test_id("stMain").get_by_test_id("stMetric")
        first, second = metrics.nth(0).bounding_box(), metrics.nth(1).bounding_box()
        assert abs(first["y"] - second["y"]) < 5, "two figures share a line"
        assert page.evaluate(_MAIN_HEIGHT) < 2800  # measured 2,584 px; 3,193 px before
