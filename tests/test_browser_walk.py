"""Issue 18's walk: a Brazilian operator's first hour, in Chromium with a pt-BR browser.

A workspace nobody has set a language for (contacts imported, one batch sent), opened by a
Portuguese browser at a laptop's 1366 px and a phone's 390 px: every page, reached by typing its
URL, speaks Portuguese from the first paint, with no English word outside Streamlit's own chrome
(the list in docs/i18n.md; tests/test_browser_portuguese.py builds the word list from the
catalogs), and no page wider than the phone. Then `2,50` typed into Settings' threshold is
stored as 2.50, not 250.00, and the console still follows the browser after the save.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from browser import open_page, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import expect
from test_browser import PAGE_URLS, browser_type_launch_args, prepare  # noqa: F401
from test_browser_portuguese import english_on, english_words

from smscore import store
from smscore.sending import ledger
from smscore.store.settings import FOLLOW_BROWSER, load_settings
from smscore.twilio.sandbox import SandboxGateway

pytestmark = pytest.mark.browser
_PAGE_WIDTH = "() => document.querySelector('[data-testid=stMain]').scrollWidth"
# Each page's title in Portuguese: the first thing the walk checks, so an English first paint
# (the language settled after drawing) fails here.
TITLES = {
    "": "Console de SMS",
    "home": "Console de SMS",
    "contacts": "Contatos",
    "send": "Enviar um lote",
    "prices": "Preços por país",
    "reports": "Relatórios",
    "topup": "Guia de recarga: adicione crédito na Twilio",
    "settings": "Configurações",
    "approvals": "Aprovações",
    "audit": "Trilha de auditoria",
}


def _sent_workspace(db) -> None:
    """Contacts and one batch sent in the sandbox, so Home and Reports have costs to show; no
    language chosen anywhere."""
    prepare(db)
    con = store.connect(db)
    from smscore.cost.quote import Selection, build_quote
    from smscore.sending.sender import run_batch

    quote = build_quote(con, "Olá {name}, promoção de verão!", Selection(everyone=True))
    batch_id = ledger.freeze_batch(con, quote, sender="+15005550006", mode="sandbox")
    run_batch(con, SandboxGateway(con), batch_id, rate_segments_per_second=1000)
    assert load_settings(con).language == FOLLOW_BROWSER
    con.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_a_pt_br_browser_walks_every_page_in_portuguese(new_context, tmp_path_factory, width):
    assert set(TITLES) == set(PAGE_URLS)  # every page the console has
    tmp_path = tmp_path_factory.mktemp("bd")  # Settings shows the file's path: no English test name
    db = tmp_path / "novo.duckdb"
    _sent_workspace(db)
    # "English" is the language control's name for English, in its own words, on every page.
    words = english_words() - {"english"}
    page = new_context(locale="pt-BR", viewport={"width": width, "height": 900}).new_page()
    english: dict[str, list[str]] = {}
    with streamlit_server(db, tmp_path / "server.log") as url:
        for path in PAGE_URLS:
            open_page(page, f"{url}/{path}")
            expect(page.locator("h1").first).to_have_text(TITLES[path])
            english[path or "/"] = english_on(page, words)
            assert page.evaluate(_PAGE_WIDTH) <= width, f"/{path} is wider than {width} px"
            if width == 390:
                expect(
                    page.locator(".st-key-_lang_quick").get_by_role("radio", name="Português")
                ).to_be_checked()
            screenshot(page, f"walk-pt-{width}-{path or 'root'}")
    assert not {k: v for k, v in english.items() if v}, english


def test_a_threshold_typed_with_a_comma_is_stored_exactly(new_context, tmp_path):
    db = tmp_path / "novo.duckdb"
    prepare(db)
    page = new_context(locale="pt-BR", viewport={"width": 390, "height": 844}).new_page()
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, f"{url}/settings")
        field = page.get_by_label("Limite de saldo baixo (USD)")
        expect(field).to_have_value("2,00")  # shown the language's way
        field.fill("2,50")
        page.get_by_role("button", name="Salvar configurações").click()
        wait_for_run(page)
        expect(page.get_by_text("Configurações salvas.").first).to_be_visible()
        expect(page.get_by_label("Limite de saldo baixo (USD)")).to_have_value("2,50")
        expect(page.locator("h1").first).to_have_text("Configurações")  # still the browser's language
        # A point where pt-BR groups thousands is refused in a sentence, and nothing is stored.
        page.get_by_label("Limite de saldo baixo (USD)").fill("2.50")
        page.get_by_role("button", name="Salvar configurações").click()
        wait_for_run(page)
        expect(page.get_by_text("2,50").first).to_be_visible()
    con = store.connect(db)
    settings = load_settings(con)
    con.close()
    assert settings.low_balance_threshold == Decimal("2.50")
    assert settings.language == FOLLOW_BROWSER  # saving Settings did not pin a language
