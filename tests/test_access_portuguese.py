"""The access pieces in Português do Brasil (issues 8 and 11): limits, users, approvals, audit,
and smscore's access refusals, on the real pages (AppTest) and the real DuckDB file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_pages import _apptest_config, app, db, ok, pt, texts  # noqa: F401

from smscore import store
from smscore.access import accounts, approvals
from smscore.access.audit import Actor
from smscore.words import access_words


def saved_limits(db) -> approvals.Limits:
    con = store.connect(db)
    try:
        return approvals.load_limits(con)
    finally:
        con.close()


def test_limits_accept_the_decimal_comma_in_portuguese(pt):
    at = ok(app("settings"))
    at.text_input(key="limit_per_batch").input("25,50")
    at.button(key="limits_save").click().run()
    assert not ok(at).error, [e.value for e in at.error]
    assert saved_limits(pt).per_batch == Decimal("25.50")
    assert at.text_input(key="limit_per_batch").value == "25,50"  # shown back the same way
    assert [s.value for s in at.success] == ["Limites salvos."]


def test_limit_that_is_not_a_number_is_one_sentence_not_a_traceback(pt):
    at = ok(app("settings"))
    at.text_input(key="limit_approval_over").input("nan")
    at.button(key="limits_save").click().run()
    assert (
        "não foi possível ler “nan” em “Aprovação exigida acima de”: escreva números com vírgula antes das casas decimais, "
        "como 2,50 ou 1.234,56."
    ) in texts(ok(at))
    assert not at.success
    assert saved_limits(pt).approval_over is None


def sign_in(db, email: str, role: str):
    con = store.connect(db)
    accounts.add_user(con, email, role, "a fine password", Actor.cli())
    con.close()
    at = app()
    at.text_input(key="signin_email").input(email)
    at.text_input(key="signin_password").input("a fine password")
    at.button(key="signin_submit").click().run()
    return ok(at)


def test_users_table_and_limits_labels_in_portuguese(pt):
    at = sign_in(pt, "ana@example.com", "admin")
    at.switch_page("pages/settings.py").run()
    shown = texts(ok(at))
    assert "Limites de gasto" in shown and "Usuários" in shown
    assert at.text_input(key="limit_per_batch").label == "Por lote"
    table = next(f.value for f in at.dataframe if "email" in f.value.columns)
    assert list(table["role"]) == ["administrador"]
    assert list(table["state"]) == ["ativa"] and list(table["signin"]) == ["senha"]
    assert "ana@example.com (administrador)" in [e.value for e in at.sidebar.text]


def test_short_password_is_refused_in_portuguese(pt):
    at = sign_in(pt, "ana@example.com", "admin")
    at.switch_page("pages/settings.py").run()
    at.text_input(key="user_email").input("bia@example.com")
    at.text_input(key="user_password").input("short")
    at.button(key="user_add_submit").click().run()
    assert "uma senha precisa de pelo menos 8 caracteres; recebidos 5" in texts(ok(at))


def test_audit_page_shows_actions_in_portuguese(pt):
    at = ok(app("settings"))
    at.text_input(key="limit_per_batch").input("10")
    at.button(key="limits_save").click().run()
    at.switch_page("pages/audit.py").run()
    assert ok(at).title[0].value == "Trilha de auditoria"
    assert "configuração alterada" in set(at.dataframe[0].value["action"])
    assert "1 linha exibida (no máximo 5.000); horários em UTC." in texts(at)


def test_approvals_page_in_portuguese_when_nothing_waits(pt):
    at = ok(app("approvals"))
    assert at.title[0].value == "Aprovações"
    assert "Nenhum lote aguarda aprovação." in texts(at)


def real_refusals(tmp_path) -> list[str]:
    """What smscore.access.accounts and smscore.access.approvals really say, raised by the real calls."""
    con = store.connect(tmp_path / "refusals.duckdb")
    cli = Actor.cli()
    accounts.add_user(con, "ana@example.com", "viewer", "a fine password", cli)
    calls = [
        lambda: accounts.require(con, None, "settings"),
        lambda: accounts.require(con, accounts.Principal("ana@example.com", "viewer", "console"), "settings"),
        lambda: accounts.add_user(con, "not-an-address", "viewer", None, cli),
        lambda: accounts.add_user(con, "bia@example.com", "viewer", "short", cli),
        lambda: accounts.add_user(con, "ana@example.com", "viewer", None, cli),
        lambda: accounts.set_role(con, "nobody@example.com", "admin", cli),
        lambda: accounts.sign_in(con, "ana@example.com", "wrong password"),
        lambda: accounts.set_idle_minutes(con, -1, cli),
        lambda: approvals.save_limits(con, approvals.Limits(per_batch=Decimal(-1)), cli),
        lambda: approvals.approve(con, "b-none", cli),
    ]
    found = []
    for call in calls:
        with pytest.raises((ValueError, PermissionError)) as caught:
            call()
        found.append(str(caught.value))
    con.close()
    return found


def test_access_refusals_stay_word_for_word_in_english(tmp_path):
    for text in real_refusals(tmp_path):
        assert access_words.refusal(text, "en") == text


def test_every_access_refusal_has_a_portuguese_sentence(tmp_path):
    for text in real_refusals(tmp_path):
        assert access_words.refusal(text, "pt-BR") != text, text


def test_roles_and_audit_actions_are_words_in_portuguese():
    assert access_words.role("viewer", "pt-BR") == "leitor"
    assert access_words.action("sign-in.failure", "pt-BR") == "entrada recusada"
    assert access_words.action("user.add", "en") == "user.add"  # English keeps the CSV's code
    assert access_words.action("something.new", "pt-BR") == "something.new"  # shown, not lost
