"""Pages in Português do Brasil: no English left in tables, local formats, searches in both
languages (issue 11). AppTest on the real pages, each with its own DuckDB file."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from smscore import store
from smscore.settings import update_settings
from test_pages import ROOT, UPLOAD_CSV, _apptest_config, app, compose, db, ok, texts  # noqa: F401

NBSP = "\xa0"


@pytest.fixture
def pt(db):
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    return db


def labels(frame_element) -> dict[str, str]:
    """The column labels a dataframe element shows (its column_config), by column name."""
    config = json.loads(frame_element.proto.columns or "{}")
    return {name: spec.get("label", name) for name, spec in config.items()}


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
    assert "iso" not in carriers.value.columns
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
