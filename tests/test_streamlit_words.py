"""The words and formats Streamlit lets us set, in the operator's language (issue 18): the date
order of date inputs, the multiselect placeholder, no "None" in the send log, encodings by the
names spreadsheets use, and a simulated reply named as it was typed. What Streamlit keeps in its
frontend is listed in docs/i18n.md."""

from __future__ import annotations

from pathlib import Path

from test_pages import SMALL_CSV, _apptest_config, app, db, ok, pt, send_batch, texts  # noqa: F401

from smscore import store
from smscore.store.settings import update_settings
from smscore.words.formats import date_input_format

ROOT = Path(__file__).resolve().parent.parent


def test_date_inputs_take_dates_in_the_languages_order():
    assert date_input_format("pt-BR") == "DD/MM/YYYY"
    assert date_input_format("en") == "MM/DD/YYYY"


def test_the_audit_day_filter_reads_dd_mm_yyyy_in_portuguese(pt):
    at = ok(app("audit"))
    assert at.date_input(key="audit_days").proto.format == "DD/MM/YYYY"


def test_the_multiselect_placeholder_is_portuguese(pt):
    at = ok(app("send"))
    at.radio(key="audience").set_value("categories").run()
    assert ok(at).multiselect(key="send_categories").placeholder == "Escolha as opções"


def test_the_send_log_shows_a_dash_where_twilio_reported_no_error(db):
    batch = send_batch(db)
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("reports"))
    at.selectbox(key="report_batch").set_value(batch).run()
    log = next(df.value for df in at.dataframe if "error_message" in df.value.columns)
    assert set(log["error_message"]) == {"—"} and set(log["error_code"]) == {"—"}


def test_the_upload_names_the_encoding_as_a_spreadsheet_does(db):
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(
        ("bom.csv", "\ufeffnome,telefone\nAna,11987654321\n".encode(), "text/csv")
    ).run()
    shown = texts(ok(at))
    assert "UTF-8 (BOM)" in shown and "utf-8-sig" not in shown


def test_a_simulated_reply_is_named_as_typed(pt):
    at = ok(app("reports"))
    at.text_input(key="sim_from").set_value("+5511987654321")
    at.text_input(key="sim_body").set_value("PARAR")
    at.button(key="sim_reply").click().run()
    assert "(PARAR)" in texts(ok(at))
