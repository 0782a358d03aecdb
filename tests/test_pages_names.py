"""The pages of issue 18's names under AppTest: the Send page's placeholder list as the file
named its columns, rename and merge of categories on the Contacts page (asked first, with the
count of contacts moved, in both languages), and the import's note on extensions."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from signin import add_account, sign_in
from test_pages import _apptest_config, app, compose, ok, texts  # noqa: F401

from smscore import store
from smscore.contacts.importer import import_contacts
from smscore.store.settings import update_settings

SHOP = (
    "Nome;Telefone;Cidade;Categoria\n"
    "João Araújo;(11) 98765-4321;São Paulo;VIP\n"
    "Ana Souza;+55 21 99876-5432;Rio;vip|Clientes\n"
    "Bia Lima;(11) 98765-4322;Santos;clientes\n"
).encode()


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    con = store.connect(path)
    import_contacts(con, SHOP, default_country="BR")
    con.close()
    return path


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _portuguese(db: Path) -> None:
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()


def test_placeholder_list_shows_the_files_own_column_names(shop):
    at = ok(app("send"))
    assert at.selectbox(key="placeholder_choice").options == ["Nome", "Telefone", "country", "Cidade"]
    at.selectbox(key="placeholder_choice").select("Nome").run()
    at.button(key="insert_placeholder").click().run()
    assert ok(at).text_area(key="body").value.endswith("{Nome}")


@pytest.mark.parametrize("typed", ["{nome}", "{NOME}", "{name}"])
def test_a_message_may_name_the_column_in_any_case(shop, typed):
    shown = texts(compose(ok(app("send")), f"Olá {typed}, de {{cidade}}!"))
    assert "Recipients: 3" in shown
    assert "unknown placeholder" not in shown


def test_an_unknown_placeholder_is_refused_with_the_closest_name_in_portuguese(shop):
    _portuguese(shop)
    shown = texts(compose(ok(app("send")), "Olá {Nmoe}!")).replace("\\", "")
    assert "campo desconhecido {Nmoe}; você quis dizer {Nome}?" in shown
    assert "did you mean" not in shown


def test_categories_named_alike_are_one_and_adding_again_says_so(shop):
    at = ok(app("contacts"))
    assert _rows(shop, "SELECT name FROM categories ORDER BY name") == [("Clientes",), ("VIP",)]
    at.text_input(key="new_category").input("CLIENTES")
    ok(at.button(key="add_category").click().run())
    assert any("“Clientes” exists already" in e.value for e in at.error)
    assert _rows(shop, "SELECT count(*) FROM categories") == [(2,)]


def test_rename_asks_first_with_the_count_then_renames(shop):
    at = ok(app("contacts"))
    at.selectbox(key="category_to_rename").select("VIP")
    at.text_input(key="category_new_name").input("Clientes VIP")
    ok(at.button(key="rename_category").click().run())
    assert _rows(shop, "SELECT name FROM categories ORDER BY name") == [("Clientes",), ("VIP",)], "asks first"
    assert any(
        "Rename the category “VIP” to “Clientes VIP”? Its 2 contacts stay in it." in w.value
        for w in at.warning
    )
    ok(at.button(key="confirm_remove_category_rename").click().run())
    assert _rows(shop, "SELECT name FROM categories ORDER BY name") == [("Clientes",), ("Clientes VIP",)]
    assert any("renamed “Clientes VIP”; its 2 contacts stay" in s.value for s in at.success)
    audit = _rows(shop, "SELECT actor, target, detail FROM audit WHERE action = 'category.rename'")
    assert len(audit) == 1 and audit[0][1] == "VIP"
    assert json.loads(audit[0][2]) == {"to": "Clientes VIP", "contacts": 2}


def test_rename_to_another_categorys_name_is_refused_and_points_to_merge(shop):
    at = ok(app("contacts"))
    at.selectbox(key="category_to_rename").select("VIP")
    at.text_input(key="category_new_name").input("clientes")
    ok(at.button(key="rename_category").click().run())
    assert any("merge the two" in e.value for e in at.error)
    assert not at.warning
    assert _rows(shop, "SELECT name FROM categories ORDER BY name") == [("Clientes",), ("VIP",)]


def test_merge_asks_first_with_the_contacts_moved_in_portuguese(shop):
    _portuguese(shop)
    at = ok(app("contacts"))
    at.selectbox(key="category_to_merge").select("VIP")
    at.selectbox(key="category_merge_into").select("Clientes")
    ok(at.button(key="merge_category").click().run())
    question = "Mesclar “VIP” em “Clientes”? 2 contatos passam para “Clientes”, e “VIP” é removida."
    assert any(question in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.button(key="confirm_remove_category_merge").label == "Sim, mesclar"
    ok(at.button(key="confirm_remove_category_merge").click().run())
    assert _rows(shop, "SELECT name FROM categories") == [("Clientes",)]
    assert _rows(shop, "SELECT count(*), count(DISTINCT contact_id) FROM contact_categories") == [(3, 3)]
    assert any("“VIP” mesclada em “Clientes”: 2 contatos passaram para ela." in s.value for s in at.success)
    assert _rows(shop, "SELECT target FROM audit WHERE action = 'category.merge'") == [("Clientes",)]


def test_merge_is_refused_at_the_confirm_when_the_role_was_lowered_after_it_was_asked(shop):
    """Role-checked at the action, as add and remove are: the Confirm of a demoted operator
    merges nothing, and the refusal is in the audit trail."""
    add_account(shop, "operator@example.com", "operator")
    at = sign_in(ok(app()), "operator@example.com")
    at.switch_page("pages/contacts.py").run()
    at.selectbox(key="category_to_merge").select("VIP")
    at.selectbox(key="category_merge_into").select("Clientes")
    ok(at.button(key="merge_category").click().run())
    con = duckdb.connect(str(shop))
    con.execute("UPDATE users SET role = 'viewer' WHERE email = 'operator@example.com'")
    con.close()
    ok(at.button(key="confirm_remove_category_merge").click().run())
    assert "the viewer role may not do this (categories)" in texts(at)
    assert _rows(shop, "SELECT name FROM categories ORDER BY name") == [("Clientes",), ("VIP",)]
    assert ("operator@example.com", "denied", "categories") in _rows(
        shop, "SELECT actor, action, target FROM audit"
    )


LOJAS = b"Nome;Telefone\nLoja Centro;(11) 3456-7890 ramal 12\nDuda;(11) 98765-4329\n"


def test_import_page_notes_the_extension_it_left_out(shop):
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("lojas.csv", LOJAS, "text/csv")).run()
    at.button(key="import").click().run()
    shown = texts(ok(at))
    assert "Imported: 2" in shown and "Rejected: 0" in shown
    assert "1 number was written with an extension (ramal); it was imported without it." in shown
    notes = next(d.value for d in at.dataframe if "extension" in d.value.columns)
    assert notes.to_dict("records") == [
        {"line": 2, "phone": "(11) 3456-7890 ramal 12", "e164": "+551134567890", "extension": "12"}
    ]
