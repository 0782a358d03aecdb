"""Charts in the operator's language (issue 18): axes and tooltips format numbers and dates as
the tables beside them do: the decimal comma and Portuguese month names on a pt-BR page, the
same country names and days as the table."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pytest
from browser import CHROMIUM, LAUNCH_ARGS
from playwright.sync_api import expect
from test_pages import SMALL_CSV, _apptest_config, app, compose, db, ok, pt, send_batch  # noqa: F401

from smscore import store
from smscore.contacts.importer import import_contacts
from smscore.store.settings import update_settings
from ui.words.charts import vega_locale


def test_the_vega_locale_comes_from_cldr():
    pt_br, en = vega_locale("pt-BR"), vega_locale("en")
    assert (pt_br["number"]["decimal"], pt_br["number"]["thousands"]) == (",", ".")
    assert (en["number"]["decimal"], en["number"]["thousands"]) == (".", ",")
    assert pt_br["time"]["months"][11] == "dezembro" and en["time"]["months"][11] == "December"
    assert pt_br["time"]["shortDays"][0] == "dom." and en["time"]["shortDays"][0] == "Sun"
    assert pt_br["time"]["date"] == "%d/%m/%Y" and en["time"]["date"] == "%m/%d/%Y"


def _charts(at) -> list:
    charts = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert charts, "no chart drawn"
    return charts


def _values(chart, field: str) -> set[str]:
    """The values of `field` in the data Streamlit sends with a chart (Arrow IPC streams)."""
    proto = chart.proto
    streams = [d.data.data for d in proto.datasets] + ([proto.data.data] if proto.HasField("data") else [])
    found: set[str] = set()
    for raw in streams:
        if raw:
            table = pa.ipc.open_stream(raw).read_all()
            if field in table.column_names:
                found |= {str(v) for v in table.column(field).to_pylist()}
    return found


def test_the_quote_chart_speaks_portuguese_with_the_tables_country_names(pt):
    at = compose(ok(app("send")))
    chart = _charts(at)[0]
    assert json.loads(chart.proto.spec)["config"]["locale"]["number"]["decimal"] == ","
    assert {"Brasil", "Portugal"} <= _values(chart, "iso")


def test_the_day_chart_names_days_as_the_table_does(db):
    send_batch(db)  # in English, then the console in Portuguese
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("reports"))
    days = [c for c in _charts(at) if _values(c, "day")]
    assert days, "no chart per day"
    labels = _values(days[0], "day")
    assert labels and all(re.fullmatch(r"\d{1,2} de [a-zç]+\.? de \d{4}", d) for d in labels), labels
    assert json.loads(days[0].proto.spec)["config"]["locale"]["time"]["months"][0] == "janeiro"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.mark.browser
def test_a_pt_br_chart_axis_shows_the_decimal_comma(page, tmp_path):
    from browser import open_page, streamlit_server
    from test_browser import compose as compose_in_browser

    from smscore import store
    from smscore.store.settings import update_settings

    db_path = tmp_path / "pt.duckdb"
    con = store.connect(db_path)
    import_contacts(con, SMALL_CSV, default_country="BR")  # a few cents a country: decimal ticks
    update_settings(con, language="pt-BR")
    con.close()
    with streamlit_server(db_path, tmp_path / "server.log") as url:
        open_page(page, f"{url}/send")
        compose_in_browser(page, "Olá {name}, promoção!")
        axis = page.locator("[data-testid='stVegaLiteChart'] svg text")
        expect(axis.first).to_be_visible(timeout=30_000)
        labels = [(text or "").strip() for text in axis.all_text_contents()]
    numbers = [x for x in labels if re.fullmatch(r"\d+[.,]\d+", x)]
    assert numbers, labels[:40]
    assert all("," in x for x in numbers), numbers
