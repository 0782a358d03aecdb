"""The Contacts page's "Titular de dados / Data subject" panel, run with AppTest: admins only,
find, download (audited), and erase behind a confirmation naming what goes; in English and
in Portuguese; and the retention setting on Settings."""

from __future__ import annotations

import json

import jsonschema
from test_access import demote, rows, signed_in
from test_files_out import offered  # noqa: F401
from test_pages import _apptest_config, app, db, ok, pt, texts  # noqa: F401
from test_person import SCHEMA

from smscore import store
from smscore.store.settings import update_settings
from smscore.twilio.sandbox import SandboxGateway

NUMBER = "+5511987654321"  # João Araújo, in test_pages' SMALL_CSV


def sent(db) -> None:
    from test_person import _send

    con = store.connect(db)
    _send(con, SandboxGateway(con), body="Oi {name}, promoção secreta")
    con.close()


def find(at, written: str = "(11) 98765-4321"):
    at.text_input(key="ds_phone").input(written)
    return ok(at.button(key="ds_find").click().run())


def test_only_an_admin_is_sent_the_data_subject_tab(db):
    for role in ("viewer", "operator"):
        at = signed_in(db, role, "contacts")
        assert "Data subject" not in [e.label for e in at.expander], role
        assert not [w for w in at.text_input if w.key == "ds_phone"]
    at = signed_in(db, "admin", "contacts")
    assert "Data subject" in [e.label for e in at.expander]


def test_find_lists_the_rows_held_about_a_number_written_any_way(db):
    sent(db)
    at = find(ok(app("contacts")))
    assert f"**{NUMBER}**: " in texts(at).replace("\\", "")
    frame = at.dataframe[-1].value
    assert {"contacts", "messages", "sandbox_messages"} <= set(frame["table"])


def test_erase_asks_naming_what_goes_and_a_cancel_keeps_everything(db):
    sent(db)
    at = find(ok(app("contacts")))
    ok(at.button(key="ds_erase").click().run())
    question = " ".join(w.value for w in at.warning).replace("\\", "")
    assert (
        f"Erase **{NUMBER}**?" in question
        and "João Araújo" in question
        and "costs staying in the reports: 1" in question
    )
    ok(at.button(key="cancel_remove_data_subject").click().run())
    assert rows(db, "SELECT count(*) FROM contacts WHERE phone = '+5511987654321'") == [(1,)]


def test_confirmed_erase_removes_the_person_and_says_what_it_did(db):
    sent(db)
    at = find(ok(app("contacts")))
    ok(at.button(key="ds_erase").click().run())
    ok(at.button(key="confirm_remove_data_subject").click().run())
    assert any("Erased. Contacts removed: 1; messages made anonymous: 1" in s.value for s in at.success)
    assert rows(db, "SELECT count(*) FROM contacts WHERE phone = '+5511987654321'") == [(0,)]
    assert rows(
        db, "SELECT count(*) FROM messages WHERE body LIKE '%promoção secreta%' AND phone = '+5511987654321'"
    ) == [(0,)]
    assert rows(db, "SELECT count(*) FROM audit WHERE action = 'person.erase'") == [(1,)]


def test_erase_is_refused_at_the_action_when_the_admin_was_demoted(db):
    sent(db)
    at = find(signed_in(db, "admin", "contacts"))
    ok(at.button(key="ds_erase").click().run())
    demote(db, "admin@example.com", "operator")
    ok(at.button(key="confirm_remove_data_subject").click().run())
    assert "the operator role may not do this (data subject requests)" in texts(at)
    assert rows(db, "SELECT count(*) FROM contacts WHERE phone = '+5511987654321'") == [(1,)]


def test_the_download_is_the_documented_json_and_is_audited(db, offered):
    sent(db)
    at = find(ok(app("contacts")))
    name = "titular-5511987654321.json"
    assert name in offered and offered[name][0] == "application/json"
    document = json.loads(offered[name][1]())
    jsonschema.validate(document, SCHEMA)
    assert document["phone"] == NUMBER and len(document["messages"]) == 1
    assert document["contact"]["name"] == "João Araújo"
    assert rows(db, "SELECT count(*) FROM audit WHERE action = 'person.export'") == [(0,)]
    next(b for b in at.get("download_button") if b.proto.id.endswith("ds_download")).click().run()
    assert rows(db, "SELECT count(*) FROM audit WHERE action = 'person.export'") == [(1,)]


def test_the_tab_in_portuguese(pt):
    sent(pt)
    at = ok(app("contacts"))
    assert "Titular de dados" in [e.label for e in at.expander]
    at = find(at)
    ok(at.button(key="ds_erase").click().run())
    question = " ".join(w.value for w in at.warning).replace("\\", "")
    assert f"Eliminar **{NUMBER}**?" in question and "Não há como desfazer" in question


def test_retention_is_set_on_the_settings_page(db):
    at = ok(app("settings"))
    at.text_input(key="set_retention").input("30")
    ok(at.button(key="save_settings").click().run())
    assert rows(db, "SELECT value FROM settings WHERE key = 'retention_days'") == [("30",)]


def test_the_upload_keeps_the_consent_source_and_the_consent_date_column(db):
    at = ok(app("contacts"))
    data = b"nome;celular;data_optin\nNova Pessoa;(11) 91234-0000;15/01/2025\n"
    at.file_uploader[0].set_value(("optin.csv", data, "text/csv")).run()
    consent = next(s for s in ok(at).selectbox if s.label == "Consent date column")
    assert consent.value == "data_optin"  # guessed from the header
    at.text_input(key="import_consent_source").input("formulário do site, 2025")
    ok(at.button(key="import").click().run())
    assert rows(db, "SELECT consent_source, consent_date FROM contacts WHERE phone = '+5511912340000'") == [
        ("formulário do site, 2025", "2025-01-15")
    ]


def test_the_console_purges_once_a_day_while_retention_is_on(db, monkeypatch):
    """The upkeep thread's step (ui.shell.watch), not a page run: a first purge of a big ledger
    takes a minute, and no one's page should wait for it."""
    from ui.shell import watch

    monkeypatch.setenv("SMSCONSOLE_DB", str(db))
    sent(db)
    con = store.connect(db)
    con.execute("UPDATE messages SET sent_at = sent_at - INTERVAL 40 DAY")
    con.close()
    assert watch.upkeep_once() is None  # retention off: nothing happens
    ok(app("contacts"))
    assert rows(db, "SELECT count(*) FROM messages WHERE starts_with(phone, 'erased:')") == [(0,)]
    con = store.connect(db)
    update_settings(con, retention_days=30)
    con.close()
    ok(app("home"))  # a page run purges nothing itself
    assert rows(db, "SELECT count(*) FROM messages WHERE starts_with(phone, 'erased:')") == [(0,)]
    assert watch.upkeep_once().messages == 3
    assert rows(db, "SELECT count(*) FROM messages WHERE starts_with(phone, 'erased:')") == [(3,)]
    assert watch.upkeep_once() is None  # the same day: no second purge
    assert rows(db, "SELECT actor, action FROM audit WHERE action = 'retention.purge'") == [
        ("console:retention", "retention.purge")
    ]
