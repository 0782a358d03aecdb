"""Clearing the opt-out list (issue 11): one transaction with its audit row, asked first on the
Contacts page with how many numbers it frees and what Twilio keeps blocking, refused at the
action to a role without the opt-outs right; in English and in Portuguese."""

from __future__ import annotations

import json

import pytest
from test_access import demote, rows, signed_in
from test_pages import _apptest_config, app, db, ok, texts  # noqa: F401

from smscore import store
from smscore.access.audit import Actor
from smscore.contacts import book
from smscore.store.settings import update_settings

NUMBERS = ["+5511987654321", "+5511912345678", "+351912345678"]
ADMIN = Actor("admin@example.com", "console")


def opted_out(db, numbers=NUMBERS) -> None:
    con = store.connect(db)
    for phone in numbers:
        book.suppress(con, phone)
    con.close()


def everything_else(db) -> list:
    return [
        rows(db, f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("contacts", "categories", "contact_categories", "batches")
    ]


# -- the core ------------------------------------------------------------------------------------


def test_clearing_the_opt_out_list_removes_every_number_and_records_who(db):
    opted_out(db)
    before = everything_else(db)
    con = store.connect(db)
    assert book.clear_suppressions(con, ADMIN) == 3
    con.close()
    assert rows(db, "SELECT count(*) FROM suppressions") == [(0,)]
    assert rows(db, "SELECT actor, via, action, target, detail FROM audit") == [
        ("admin@example.com", "console", "opt-out.clear", None, json.dumps({"removed": 3}))
    ]
    assert everything_else(db) == before


def test_clearing_an_empty_opt_out_list_removes_nothing(db):
    con = store.connect(db)
    assert book.clear_suppressions(con, ADMIN) == 0
    con.close()


def test_a_clearing_the_trail_cannot_record_is_not_done(db):
    opted_out(db)
    con = store.connect(db)
    with pytest.raises(ValueError):
        book.clear_suppressions(con, Actor("someone", "carrier pigeon"))  # no such via
    con.close()
    assert rows(db, "SELECT count(*) FROM suppressions") == [(3,)]
    assert rows(db, "SELECT count(*) FROM audit") == [(0,)]


# -- the page ------------------------------------------------------------------------------------


def ask(at):
    ok(at.button(key="optout_clear").click().run())
    return at


def test_clear_asks_first_naming_how_many_and_what_twilio_keeps_blocking(db):
    opted_out(db)
    at = ask(ok(app("contacts")))
    question = " ".join(w.value for w in at.warning)
    assert "Clear the opt-out list? 3 numbers will be able to receive messages again." in question
    assert "stays blocked by Twilio (error 21610) until it replies START" in question
    assert rows(db, "SELECT count(*) FROM suppressions") == [(3,)]


def test_cancelling_the_clear_keeps_every_number(db):
    opted_out(db)
    at = ask(ok(app("contacts")))
    ok(at.button(key="cancel_remove_optout_clear").click().run())
    assert rows(db, "SELECT count(*) FROM suppressions") == [(3,)]
    assert not any("Clear the opt-out list?" in w.value for w in at.warning)
    assert rows(db, "SELECT count(*) FROM audit WHERE action = 'opt-out.clear'") == [(0,)]


def test_confirming_the_clear_empties_the_list_and_says_how_many(db):
    opted_out(db)
    before = everything_else(db)
    at = ask(ok(app("contacts")))
    ok(at.button(key="confirm_remove_optout_clear").click().run())
    assert rows(db, "SELECT count(*) FROM suppressions") == [(0,)]
    assert any("The opt-out list is empty: 3 numbers came off it." in s.value for s in at.success)
    assert everything_else(db) == before
    assert rows(db, "SELECT action, detail FROM audit") == [("opt-out.clear", '{"removed": 3}')]


def test_clear_in_portuguese_asks_and_reports_in_portuguese(db):
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    opted_out(db, NUMBERS[:1])
    at = ask(ok(app("contacts")))
    question = " ".join(w.value for w in at.warning)
    assert "Esvaziar a lista de descadastro? 1 número voltará a poder receber mensagens." in question
    assert "continua bloqueado pela Twilio (erro 21610)" in question
    assert "Clear the opt-out list" not in texts(at)
    ok(at.button(key="confirm_remove_optout_clear").click().run())
    assert any("A lista de descadastro está vazia: 1 número saiu dela." in s.value for s in at.success)
    assert rows(db, "SELECT count(*) FROM suppressions") == [(0,)]


def test_clear_is_refused_at_the_action_when_the_role_was_lowered(db):
    opted_out(db)
    at = ask(signed_in(db, "operator", "contacts"))
    demote(db, "operator@example.com", "viewer")  # the confirm button on screen still works
    ok(at.button(key="confirm_remove_optout_clear").click().run())
    assert "the viewer role may not do this (optouts)" in texts(at)
    assert rows(db, "SELECT count(*) FROM suppressions") == [(3,)]
    assert ("operator@example.com", "denied", "optouts") in rows(
        db, "SELECT actor, action, target FROM audit"
    )


def test_a_viewer_sees_the_clear_button_disabled(db):
    opted_out(db)
    at = signed_in(db, "viewer", "contacts")
    assert at.button(key="optout_clear").disabled


def test_what_a_removal_did_is_said_in_the_opt_out_tab_not_the_categories_tab(db):
    opted_out(db)
    at = ok(app("contacts"))
    at.selectbox(key="optout_to_remove").select(NUMBERS[0])
    ok(at.button(key="optout_remove").click().run())
    ok(at.button(key="confirm_remove_optout").click().run())
    categories, optouts = at.tabs[-2], at.tabs[-1]
    assert not categories.success
    assert any("is off the opt-out list" in s.value for s in optouts.success)


def test_removing_the_last_category_still_says_what_happened(db):
    con = store.connect(db)
    names = list(book.list_categories(con)["name"])
    for name in names[1:]:
        book.remove_category(con, name)
    con.close()
    at = ok(app("contacts"))
    at.selectbox(key="category_to_remove").select(names[0])
    ok(at.button(key="remove_category").click().run())
    ok(at.button(key="confirm_remove_category").click().run())
    assert rows(db, "SELECT count(*) FROM categories") == [(0,)]
    assert any(f"Category “{names[0]}” removed" in s.value for s in at.tabs[-2].success)
