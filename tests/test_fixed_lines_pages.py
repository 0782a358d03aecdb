"""Fixed lines on the console's pages (AppTest): the import report says how many, Contacts filters
them, Send leaves them out with the money saved and sends to the others, the send log says why
in the page's language, and Settings includes them per country."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_pages import _apptest_config, app, compose, ok, texts  # noqa: F401 - the fixture too

from smscore import store
from smscore.contacts.importer import import_contacts
from smscore.store.settings import load_settings, update_settings

SHOP = (
    "nome;telefone\n"
    "Ana;(11) 98765-4321\n"
    "Loja Paulista;(11) 3456-7890\n"
    "Escritório Rio;(21) 2233-4455\n"
    "Bia;(21) 99876-5432\n"
    "Hans;+49 30 901820\n"
).encode()
FIXED = {"+551134567890", "+552122334455", "+4930901820"}


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    con = store.connect(path)
    import_contacts(con, SHOP, default_country="BR")
    update_settings(con, send_rate=Decimal("200"))
    con.close()
    return path


def test_import_report_says_how_many_fixed_lines_will_be_left_out(shop):
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("loja.csv", SHOP, "text/csv")).run()
    at.button(key="import").click().run()
    warnings = [str(w.value) for w in ok(at).warning]
    assert "3 fixed lines: they cannot receive SMS and will be left out of batches." in warnings


def test_import_report_in_portuguese_uses_its_plural(shop):
    con = store.connect(shop)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("loja.csv", SHOP, "text/csv")).run()
    at.button(key="import").click().run()
    warnings = [str(w.value) for w in ok(at).warning]
    assert "3 telefones fixos: não recebem SMS e ficarão de fora dos envios." in warnings


def test_contacts_filter_fixed_lines(shop):
    at = ok(app("contacts"))
    at.toggle(key="browse_fixed").set_value(True).run()
    grid = next(d.value for d in ok(at).dataframe if "categories" in d.value.columns)
    assert set(grid["phone"]) == FIXED
    assert set(grid["number_type"]) == {"fixed line"}


def test_send_leaves_fixed_lines_out_saying_what_is_saved_and_sends_to_the_others(shop):
    at = compose(ok(app("send")), "Oi {nome}, promoção!")
    shown = texts(at)
    assert "Recipients: 2" in shown
    # BR 2 x 0.0599 + DE 0.094 = 0.2138, shown to the cent rounded up
    assert "3 numbers cannot receive SMS and are left out: $0.22 not spent." in shown
    left = next(d.value for d in at.dataframe if "saved_max" in d.value.columns)
    assert set(left["number_type"]) == {"fixed line"} and list(left["contacts"]) == ["2", "1"]
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    batch = ok(at).session_state["job"]["batch_id"]
    from ui.sending import jobs

    assert jobs.wait(batch, timeout=30)
    con = duckdb.connect(str(shop))
    received = {p for (p,) in con.execute("SELECT to_number FROM sandbox_messages").fetchall()}
    con.close()
    assert received == {"+5511987654321", "+5521998765432"}

    con = store.connect(shop)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("reports"))
    at.selectbox(key="report_batch").set_value(batch).run()
    log = next(d.value for d in ok(at).dataframe if "twilio_status" in d.value.columns)
    left_out = log[log["state"] == "deixada de fora"]
    assert set(left_out["error_message"]) == {"fixo: não recebe SMS"} and len(left_out) == 3


def test_settings_include_fixed_lines_per_country(shop):
    at = ok(app("settings"))
    at.multiselect(key="set_fixed_lines").set_value(["DE"])
    at.button(key="save_settings").click().run()
    ok(at)
    con = store.connect(shop)
    assert load_settings(con).fixed_lines_in == ("DE",)
    audit = con.execute("SELECT detail FROM audit WHERE action = 'settings.change'").fetchall()
    con.close()
    assert '"fixed_line_countries": "DE"' in audit[-1][0]
    at = compose(ok(app("send")), "Oi {nome}")
    assert "Recipients: 3" in texts(at)  # Hans's Berlin line now, the Brazilian ones still out
