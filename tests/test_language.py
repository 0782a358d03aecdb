"""The console's language (issue 18): the session's choice, else the workspace's, else the
browser's (st.context.locale, then Accept-Language): pt-BR for any Portuguese, English otherwise.
Units for the choice, then the real console under AppTest with a browser locale set."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import ROOT, _apptest_config, db, ok, texts  # noqa: F401

from smscore import store
from smscore.store.settings import load_settings, update_settings
from ui.words import i18n

# -- the choice -----------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["pt-BR", "pt", "pt-PT", "pt_BR", "PT-br", "pt-AO"])
def test_any_portuguese_browser_gets_brazilian_portuguese(locale):
    assert i18n.from_browser(locale) == "pt-BR"


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en", "es-ES", "fr-FR", "de"])
def test_any_other_browser_gets_english(locale):
    assert i18n.from_browser(locale) == "en"


@pytest.mark.parametrize(
    "header, lang",
    [
        ("pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", "pt-BR"),
        ("fr-FR,fr;q=0.9,pt;q=0.8,en;q=0.5", "pt-BR"),  # the first language we speak
        ("en;q=0.5, pt-PT;q=0.9", "pt-BR"),  # by quality, not by place
        ("pt;q=0, en", "en"),  # q=0: not Portuguese
        ("de-DE,de;q=0.9", "en"),
        ("*", None),  # any language: no preference, so the default
    ],
)
def test_accept_language_is_read_when_the_browser_sent_no_locale(header, lang):
    assert i18n.from_browser(None, header) == lang


def test_a_browser_that_says_nothing_leaves_the_choice_to_the_default():
    assert i18n.from_browser(None) is None and i18n.from_browser("", "") is None
    assert i18n.from_browser("en-US", "pt-BR") == "en"  # navigator.language first


@pytest.mark.parametrize(
    "session, workspace, browser, lang",
    [
        (None, "", "pt-BR", "pt-BR"),  # nothing chosen: the browser
        (None, "", None, "en"),
        (None, "en", "pt-BR", "en"),  # the workspace's choice beats the browser
        ("pt-BR", "en", "en", "pt-BR"),  # the session's beats the workspace's
        ("en", "pt-BR", "pt-BR", "en"),
        (None, "xx", "pt-BR", "pt-BR"),  # an unknown value is no choice
    ],
)
def test_session_beats_workspace_beats_browser(session, workspace, browser, lang):
    assert i18n.choose(session, workspace, browser) == lang


# -- the settings ---------------------------------------------------------------------------------


def test_a_new_workspace_has_not_chosen_a_language(tmp_path: Path):
    con = store.connect(tmp_path / "new.duckdb")
    assert load_settings(con).language == ""
    update_settings(con, sender="+5511999990000")  # saving other settings chooses nothing
    assert load_settings(con).language == ""
    con.close()


def test_an_existing_workspace_keeps_its_explicit_english(tmp_path: Path):
    con = store.connect(tmp_path / "old.duckdb")
    store.set_setting(con, "language", "en")  # as every workspace saved before issue 18
    assert load_settings(con).language == "en"
    con.close()


def test_an_unknown_language_is_still_refused(tmp_path: Path):
    con = store.connect(tmp_path / "ws.duckdb")
    with pytest.raises(ValueError, match="language must be one of en, pt-BR"):
        update_settings(con, language="fr")
    con.close()


# -- the console ------------------------------------------------------------------------------------

HOME = {"en": "SMS operator console", "pt-BR": "Console de SMS"}


def browser(locale: str | None, page: str | None = None) -> AppTest:
    """The console as a browser whose navigator.language is `locale` opens it."""
    at = AppTest.from_file(str(ROOT / "console.py"), default_timeout=30)
    at.context = {"locale": locale}
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return ok(at)


def saved(path: Path):
    con = store.connect(path)
    try:
        return load_settings(con)
    finally:
        con.close()


def workspace_language(path: Path, lang: str) -> None:
    con = store.connect(path)
    update_settings(con, language=lang)
    con.close()


@pytest.mark.parametrize(
    "locale, lang", [("pt-BR", "pt-BR"), ("pt-PT", "pt-BR"), ("en-US", "en"), (None, "en")]
)
def test_a_new_workspace_speaks_the_browsers_language_from_the_first_page(db, locale, lang):
    at = browser(locale)
    assert at.title[0].value == HOME[lang]
    assert at.sidebar.selectbox(key="_lang_choice").value == lang


def test_a_fresh_file_opens_in_portuguese_for_a_portuguese_browser(tmp_path, monkeypatch):
    monkeypatch.setenv("SMSCONSOLE_DB", str(tmp_path / "fresh.duckdb"))  # no settings at all
    at = browser("pt-BR", "send")
    assert at.title[0].value == "Enviar um lote"


def test_the_workspaces_choice_beats_the_browser(db):
    workspace_language(db, "en")
    assert browser("pt-BR").title[0].value == HOME["en"]
    workspace_language(db, "pt-BR")
    assert browser("en-US").title[0].value == HOME["pt-BR"]


def test_the_control_above_the_page_is_this_sessions_choice(db):
    workspace_language(db, "pt-BR")
    at = browser("pt-BR")
    quick = at.segmented_control(key="_lang_quick")
    assert quick.value == "pt-BR" and quick.options == ["English", "Português"]
    quick.set_value("en").run()
    assert ok(at).title[0].value == HOME["en"]
    assert at.sidebar.selectbox(key="_lang_choice").value == "en"  # both controls agree
    at.switch_page("pages/contacts.py").run()
    assert "Contacts" in texts(ok(at))  # the choice follows the session from page to page
    assert saved(db).language == "pt-BR"  # the workspace keeps its own
    assert browser("pt-BR").title[0].value == HOME["pt-BR"]  # and another session speaks it


def test_the_sidebar_choice_is_this_sessions_too(db):
    at = browser("en-US")
    at.sidebar.selectbox(key="_lang_choice").select("pt-BR").run()
    assert ok(at).title[0].value == HOME["pt-BR"]
    assert at.segmented_control(key="_lang_quick").value == "pt-BR"
    assert saved(db).language == ""


def test_clicking_the_chosen_language_again_keeps_it(db):
    at = browser("pt-BR")
    at.segmented_control(key="_lang_quick").set_value(None).run()
    assert ok(at).title[0].value == HOME["pt-BR"]
    assert at.segmented_control(key="_lang_quick").value == "pt-BR"


def test_settings_offer_the_browsers_language_and_keep_it_when_saving(db):
    at = browser("pt-BR", "settings")
    language = at.selectbox(key="set_language")
    assert language.value == "" and language.options[0] == "O idioma do navegador"
    at.text_input(key="set_sender").set_value("+5511999990000")
    at.button(key="save_settings").click().run()
    stored = saved(db)
    assert stored.language == "" and stored.sender == "+5511999990000"


def test_choosing_english_in_settings_makes_it_the_workspaces_over_the_browser(db):
    at = browser("pt-BR", "settings")
    at.selectbox(key="set_language").select("en")
    at.button(key="save_settings").click().run()
    assert saved(db).language == "en"
    assert ok(at).title[0].value == "Settings"  # at once, for the one who chose it
    assert browser("pt-BR").title[0].value == HOME["en"]
