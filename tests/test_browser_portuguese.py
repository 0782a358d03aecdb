"""Every page in Português do Brasil, in Chromium: no English word left on screen (issue 11).

The words to look for come from the English catalog, less every word the Portuguese catalog
also uses (SMS, Twilio, sandbox, the Twilio screens' own English labels it quotes), so the list
grows with the catalogs. Streamlit's own chrome (the file drop zone, the "Skip to main content"
link) is not ours to translate and is left out of the scan, as are material icons (their names
are text) and commands quoted as code (`smscore balance --notify`).
"""

from __future__ import annotations

import re

import pytest
from browser import button, nav_link, open_page, screenshot, streamlit_server, wait_for_run
from playwright.sync_api import Page, expect
from test_browser import FIVE, browser_context_args, browser_type_launch_args, compose, prepare  # noqa: F401
from test_layout_widths import _CUT_METRICS

from smscore import store
from smscore.store.settings import update_settings
from smscore.words import catalogs

pytestmark = pytest.mark.browser

_WORD = re.compile(r"[A-Za-z][a-z]{3,}")
_FIELD = re.compile(r"\{[^}]*\}")
_CODE = re.compile(r"`[^`]*`")
# What the scan reads: the app's visible text without icon ligatures and Streamlit's chrome.
_VISIBLE_TEXT = """() => {
  const app = document.querySelector('[data-testid=stApp]').cloneNode(true);
  app.querySelectorAll('[data-testid=stIconMaterial], [data-testid=stAlertDynamicIcon],'
                       + ' [data-testid^=stExpanderIcon], code,'
                       + ' [data-testid=stFileUploaderDropzone], [data-testid=stSkipToContent],'
                       + ' [data-testid=stToolbar], [data-testid=stDecoration]')
     .forEach(e => e.remove());
  document.body.appendChild(app);
  const text = app.innerText;
  app.remove();
  return text;
}"""


def _words(lang: str) -> set[str]:
    found: set[str] = set()
    for message in catalogs.load(lang):
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:  # commands quoted as code (`smscore balance --notify`) are not words
            found.update(w.lower() for w in _WORD.findall(_FIELD.sub(" ", _CODE.sub(" ", text))))
    return found


def english_words() -> set[str]:
    """Words of the English catalog that the Portuguese one never uses."""
    return _words("en") - _words("pt-BR")


def english_on(page: Page, words: set[str]) -> list[str]:
    text = _FIELD.sub(" ", page.evaluate(_VISIBLE_TEXT))  # {name} fields are not words
    found = sorted({w for w in _WORD.findall(text) if w.lower() in words})
    return [f"{w} (…{text[max(0, text.find(w) - 60) : text.find(w) + 40]}…)" for w in found]


def test_english_word_list_is_built_from_the_catalogs():
    words = english_words()
    assert {"send", "contacts", "balance", "segments", "rejected"} <= words
    assert not {"twilio", "sandbox"} & words


def test_every_page_in_portuguese_shows_no_english_word(page: Page, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bd")  # Settings shows the path: no English test name
    db = tmp_path / "pt.duckdb"
    prepare(db, rate="1")  # five seconds of sending: the progress is seen before the batch's note
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    words = english_words()
    seen: dict[str, list[str]] = {}
    page.set_viewport_size({"width": 1366, "height": 900})
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, url)
        seen["home"] = english_on(page, words)
        nav_link(page, "Enviar").click()
        wait_for_run(page)
        compose(page, "Olá {name}, promoção de verão!")
        seen["send"] = english_on(page, words)
        button(page, "Enviar para 5 destinatários").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        seen["confirm"] = english_on(page, words)
        dialog.get_by_role("button", name="Confirmar e enviar").click()
        wait_for_run(page)
        # After Confirm the view is on the progress, not on the cost section it came from.
        expect(page.get_by_test_id("stProgress")).to_be_in_viewport()
        expect(page.get_by_text("Custo até agora").first).to_be_visible()
        assert page.evaluate(_CUT_METRICS) == []  # "Custo até agora" in full at 1366 px
        seen["sending"] = english_on(page, words)
        # Then the batch is a note at the top of a clean page (ui.sending.last_batch).
        expect(page.get_by_text("Enviado: as 5 mensagens saíram.").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Último lote:").first).to_be_in_viewport()
        seen["sent"] = english_on(page, words)
        for label, name in (
            ("Contatos", "contacts"),
            ("Preços", "prices"),
            ("Relatórios", "reports"),
            ("Guia de recarga", "topup"),
            ("Configurações", "settings"),
            ("Início", "home-after"),
        ):
            nav_link(page, label).click()
            wait_for_run(page)
            seen[name] = english_on(page, words)
            screenshot(page, f"pt-{name}")
            if name == "contacts":
                for tab in ("Consultar", "Categorias", "Lista de descadastro"):
                    page.get_by_role("tab", name=tab).click()
                    wait_for_run(page)
                    seen[f"contacts/{tab}"] = english_on(page, words)
                _clear_optouts(page, words, seen)
        _walk_access_pages(page, words, seen)
    left = {k: v for k, v in seen.items() if v}
    assert not left, left


def _clear_optouts(page: Page, words: set[str], seen: dict[str, list[str]]) -> None:
    """One number on the opt-out list, then clearing it: the question and what happened."""
    page.get_by_label("Número a descadastrar").fill("+5521987650000")  # not one of the contacts
    button(page, "Adicionar à lista de descadastro").click()
    wait_for_run(page)
    button(page, "Esvaziar a lista de descadastro").click()
    wait_for_run(page)
    expect(page.get_by_text("Esvaziar a lista de descadastro? 1 número voltará").first).to_be_visible()
    seen["contacts/clear-optouts"] = english_on(page, words)
    button(page, "Sim, remover").click()
    wait_for_run(page)
    expect(page.get_by_text("A lista de descadastro está vazia: 1 número saiu dela.").first).to_be_visible()
    seen["contacts/optouts-cleared"] = english_on(page, words)


def _walk_access_pages(page: Page, words: set[str], seen: dict[str, list[str]]) -> None:
    """Limits and users (Settings), a batch held for approval, its rejection, the audit trail:
    as the local-mode admin, each screen scanned for English."""
    nav_link(page, "Configurações").click()
    wait_for_run(page)
    expect(page.get_by_role("heading", name="Limites de gasto")).to_be_visible()
    expect(page.get_by_role("heading", name="Usuários")).to_be_visible()
    page.get_by_label("Aprovação exigida acima de").fill("0,01")  # the decimal comma
    page.get_by_role("button", name="Salvar limites").click()
    wait_for_run(page)
    expect(page.get_by_label("Aprovação exigida acima de")).to_have_value("0,01")
    seen["settings/limits"] = english_on(page, words)
    screenshot(page, "pt-settings-access")
    nav_link(page, "Aprovações").click()
    wait_for_run(page)
    expect(page.get_by_text("Nenhum lote aguarda aprovação.")).to_be_visible()
    seen["approvals/empty"] = english_on(page, words)
    nav_link(page, "Enviar").click()
    wait_for_run(page)
    compose(page, "Olá {apelido}")  # smscore's quote error, worded from its code
    expect(page.get_by_text("campo desconhecido").first).to_be_visible()
    seen["send/quote-error"] = english_on(page, words)
    compose(page, "Olá {name}, segunda promoção!")
    button(page, "Enviar para 5 destinatários").click()
    page.get_by_test_id("stDialog").get_by_role("button", name="Confirmar e enviar").click()
    wait_for_run(page)
    expect(page.get_by_text("aguarda a aprovação de outro administrador").first).to_be_visible()
    seen["send/awaiting"] = english_on(page, words)
    nav_link(page, "Aprovações").click()
    wait_for_run(page)
    expect(page.get_by_text("Olá {name}, segunda promoção!")).to_be_visible()
    expect(page.get_by_text("Confirmado por local em").first).to_be_visible()
    seen["approvals"] = english_on(page, words)
    screenshot(page, "pt-approvals")
    button(page, "Aprovar e enviar").click()  # the admin who confirmed it may not
    wait_for_run(page)
    expect(page.get_by_text("Não aprovado: o administrador que confirmou").first).to_be_visible()
    seen["approvals/refused"] = english_on(page, words)
    button(page, "Rejeitar").click()
    wait_for_run(page)
    expect(page.get_by_text("rejeitado: não será enviado").first).to_be_visible()
    seen["approvals/rejected"] = english_on(page, words)
    nav_link(page, "Auditoria").click()
    wait_for_run(page)
    expect(page.get_by_role("heading", name="Trilha de auditoria")).to_be_visible()
    page.get_by_test_id("stSelectbox").filter(has_text="Ação").click()  # actions, as words
    expect(page.get_by_role("option", name="lote rejeitado")).to_be_visible()
    seen["audit/actions"] = english_on(page, words)
    page.keyboard.press("Escape")
    seen["audit"] = english_on(page, words)
    screenshot(page, "pt-audit")
