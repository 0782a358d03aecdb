"""Pages in Português do Brasil: no English left in tables, local formats, searches in both
languages (issue 11). AppTest on the real pages, each with its own DuckDB file."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest
from test_pages import ROOT, UPLOAD_CSV, _apptest_config, app, compose, db, ok, pt, texts  # noqa: F401

from smscore import store
from smscore.store.settings import update_settings

NBSP = "\xa0"


def labels(frame_element) -> dict[str, str]:
    """The column labels a dataframe element shows (its column_config), by column name."""
    config = json.loads(frame_element.proto.columns or "{}")
    return {name: spec.get("label", name) for name, spec in config.items() if name != "_index"}


def frames(at: AppTest):
    return list(at.dataframe)


def test_prices_search_finds_countries_by_portuguese_name(pt):
    at = ok(app("prices"))
    at.text_input(key="price_search").set_value("Alemanha").run()
    table = frames(ok(at))[0].value
    assert list(table["iso"]) == ["DE"] and list(table["country"]) == ["Alemanha"]
    at.text_input(key="price_search").set_value("brasil").run()
    assert list(frames(ok(at))[0].value["iso"]) == ["BR"]


def test_prices_search_says_so_when_nothing_matches(pt):
    at = ok(app("prices"))
    at.text_input(key="price_search").set_value("Atlântida").run()
    assert any("Nenhum país corresponde a “Atlântida”" in w.value for w in ok(at).warning)


def test_prices_show_portuguese_country_names_and_decimal_commas(pt):
    at = ok(app("prices"))
    table = frames(at)[0].value
    row = table[table["iso"] == "DE"].iloc[0]
    assert row["country"] == "Alemanha"
    assert "," in row["unit_min"] and "." not in row["unit_min"]


def test_carrier_table_has_portuguese_columns_and_no_none_cells(pt):
    at = ok(app("prices"))
    carriers = frames(at)[1]
    shown = labels(carriers)
    assert shown["carrier"] == "Operadora" and shown["number_type"] == "Tipo de número"
    assert "iso" not in carriers.value.columns and "country" not in carriers.value.columns
    cells = carriers.value.astype(str).to_numpy().ravel()
    assert not {"None", "nan", "NaN", "<NA>"} & set(cells)


def test_import_rejections_are_explained_in_portuguese(pt):
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("clientes.csv", UPLOAD_CSV, "text/csv")).run()
    at.button(key="import").click().run()
    rejects = next(d for d in ok(at).dataframe if "line" in d.value.columns)
    reasons = list(rejects.value["reason"])
    assert reasons[0] == "telefone ausente"
    assert reasons[1].startswith("número inválido: curto demais para Brasil (BR)")
    assert labels(rejects)["reason"] == "Motivo"


def test_browse_shows_country_names_and_page_count_in_portuguese(pt):
    at = ok(app("contacts"))
    browse = next(d for d in at.dataframe if "categories" in d.value.columns)
    assert set(browse.value["country"]) == {"Brasil", "Portugal"}
    assert any("(1 página)" in c.value for c in at.caption)
    assert not any("páginas)" in c.value for c in at.caption)


def test_send_preview_and_cost_table_speak_portuguese(pt):
    at = compose(ok(app("send")))
    preview = next(d for d in at.dataframe if "body" in d.value.columns)
    assert labels(preview) == {
        "phone": "Telefone",
        "country": "País",
        "body": "Mensagem",
        "encoding": "Codificação",
        "segments": "Segmentos",
    }
    assert set(preview.value["country"]) <= {"Brasil", "Portugal"}
    per_country = next(d for d in at.dataframe if "subtotal_max" in d.value.columns)
    assert set(per_country.value["iso"]) == {"Brasil", "Portugal"}
    shown = texts(at).replace(NBSP, " ").replace("\\$", "$")
    assert "Total máximo (sandbox): US$ 0," in shown
    assert "USD" not in shown.split("SANDBOX")[0]


def test_totals_are_shown_to_the_cent_with_the_exact_figure_on_hover(pt):
    at = compose(ok(app("send")))
    total = next(m for m in at.metric if m.label.startswith("Total máximo"))
    assert total.value.replace(NBSP, " ").replace("\\$", "$").count(",") == 1
    assert len(total.value.split(",")[1]) == 2
    assert "Valor exato: US$" in total.proto.help.replace(NBSP, " ").replace("\\$", "$")


def test_an_empty_message_has_no_segments(pt):
    at = ok(app("send"))
    segments = next(m for m in at.metric if m.label == "Segmentos")
    assert segments.value == "0"


def test_replacement_hint_uses_singular_and_plural_segments(pt):
    at = compose(ok(app("send")), "Promoção de verão")
    hint = " ".join(i.value for i in at.info)
    assert "1 segmento por mensagem" in hint and "segmento(s)" not in hint


def test_confirm_dialog_shows_message_countries_max_cost_and_balance_after(pt):
    at = compose(ok(app("send")))
    at.button(key="send_open").click().run()
    ok(at)
    assert any("Olá João Araújo" in e.value or "Olá" in e.value for e in at.text)
    metrics = {m.label: m.value.replace(NBSP, " ").replace("\\$", "$") for m in at.metric}
    assert metrics["Custo máximo (sandbox)"].startswith("US$ 0,")
    assert metrics["Saldo agora"] == "US$ 20,00"
    assert metrics["Saldo depois, no pior caso"].startswith("US$ 19,")
    table = next(
        d for d in at.dataframe if list(d.value.columns) == ["iso", "recipients", "segments", "subtotal_max"]
    )
    assert set(table.value["iso"]) == {"Brasil", "Portugal"}
    assert not any("Custo por mensagem" in m.value for m in at.markdown)


def test_settings_name_sender_types_and_countries_in_portuguese(pt):
    at = ok(app("settings"))
    sender = next(s for s in at.selectbox if s.label == "Tipo de remetente (para os preços)")
    assert sender.format_func("long code") == "número comum (long code)"
    country = next(s for s in at.selectbox if s.label.startswith("País padrão"))
    assert country.format_func("DE") == "Alemanha (DE)"


def test_settings_save_the_time_zone_dates_are_shown_in(pt):
    at = ok(app("settings"))
    at.selectbox(key="set_time_zone").set_value("Europe/Lisbon")
    at.button(key="save_settings").click().run()
    con = store.connect(pt)
    from smscore.store.settings import load_settings  # noqa: PLC0415

    assert load_settings(con).time_zone == "Europe/Lisbon"
    con.close()


def test_send_log_columns_values_and_filter_in_portuguese(db):
    from test_pages import send_batch  # noqa: PLC0415

    batch = send_batch(db)
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("reports"))
    batches = at.dataframe[0]
    assert set(batches.value["status"]) == {"concluído"}
    assert set(batches.value["mode"]) == {"sandbox"}
    at.selectbox(key="report_batch").set_value(batch).run()
    log = next(d for d in ok(at).dataframe if "twilio_status" in d.value.columns)
    shown = labels(log)
    for column, label in {
        "phone": "Telefone",
        "category": "Categoria",
        "attempts": "Tentativas",
        "currency": "Moeda",
        "state": "Estado",
    }.items():
        assert shown[column] == label
    assert shown["estimate"].startswith("Estimativa")
    assert set(log.value["state"]) == {"enviada"}
    assert set(log.value["country"]) == {"Brasil", "Portugal"}
    cells = log.value.astype(str).to_numpy().ravel()
    assert not {"None", "nan", "NaT", "<NA>"} & set(cells)
    state = at.selectbox(key="log_state")
    assert [state.format_func(s) for s in ("queued", "claimed", "failed")] == [
        "na fila",
        "em envio",
        "falhou",
    ]


def test_batch_gets_an_editable_name_from_message_and_audience(db):
    from test_pages import _db_rows  # noqa: PLC0415

    at = compose(ok(app("send")), "Olá {name}, promoção de verão só hoje!")
    assert at.text_input(key="batch_name").value == "Olá, promoção de verão só… · Everyone"
    at.text_input(key="batch_name").set_value("Verão 2026").run()
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    from ui.sending import jobs  # noqa: PLC0415

    assert jobs.wait(ok(at).session_state["job"]["batch_id"], timeout=30)
    at.run()
    assert "Last batch: Verão 2026" in texts(ok(at))
    assert _db_rows(db, "SELECT name FROM batches") == [("Verão 2026",)]
    reports = ok(app("reports"))
    assert list(reports.dataframe[0].value["name"]) == ["Verão 2026"]


def test_send_log_shows_contact_names(db):
    from test_pages import send_batch  # noqa: PLC0415

    batch = send_batch(db)
    at = ok(app("reports"))
    at.selectbox(key="report_batch").set_value(batch).run()
    log = next(d for d in ok(at).dataframe if "twilio_status" in d.value.columns)
    assert set(log.value["name"]) == {"João Araújo", "Inês Simões", "Ana Souza"}
    assert labels(log)["name"] == "Name"


def test_reimport_reports_existing_contacts_apart_from_rejected_rows(db):
    at = ok(app("contacts"))
    for _ in range(2):
        at.file_uploader[0].set_value(("clientes.csv", UPLOAD_CSV, "text/csv")).run()
        at.button(key="import").click().run()
    metrics = {m.label: m.value for m in ok(at).metric}
    assert metrics["Imported"] == "0" and metrics["Already in the workspace"] == "2"
    assert metrics["Rejected"] == "2"
    rejects = next(d for d in at.dataframe if "line" in d.value.columns).value
    assert list(rejects["line"]) == [4, 5]
    assert not rejects["reason"].str.contains(r"existing|workspace|\bid \d").any()


def test_send_button_and_exclusions_agree_with_the_count(pt):
    at = ok(app("send"))
    at.radio(key="audience").set_value("picked").run()
    at.multiselect(key="picked_ids").set_value([1]).run()
    compose(at)
    assert at.button(key="send_open").label == "Enviar para 1 destinatário…"
