"""Totals that add up (issue 18): under a column of costs shown to the cent, the total shown is
the sum of the lines shown (0,72 + 0,15 + 0,04 = 0,91), never the exact sum rounded on its own
(0,90), and never below what Twilio may charge. Tested on the quote and the confirm dialog with
hypothesis-generated prices."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_pages import _apptest_config, app, compose, ok  # noqa: F401 - the AppTest config fixture

from smscore import store
from smscore.contacts.importer import import_contacts
from smscore.cost.prices import CarrierPrice, store_price_list
from smscore.money import cents_up, shown_total
from smscore.store.settings import update_settings

ROOT = Path(__file__).resolve().parent.parent
PRICES = st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("0.5"), places=5)
THREE = "nome;telefone\nJoão;(11) 98765-4321\nAna;+55 21 99876-5432\nInês;+351 912 345 678\nMary;+44 7400 123456\n"


def _amount(text: str) -> Decimal:
    """A cost as the English page writes it ($1,234.56 or 1,234.56) as a Decimal."""
    return Decimal(text.replace("\\", "").replace("$", "").replace(",", "").strip())


@given(st.lists(PRICES.map(lambda p: p * 7), min_size=1, max_size=40))
def test_the_shown_total_is_the_sum_of_the_shown_lines_and_never_below_the_exact_total(lines):
    total = shown_total(lines)
    assert total == sum(cents_up(line) for line in lines)
    exact = sum(lines, Decimal(0))
    assert exact <= total <= exact + Decimal("0.01") * len(lines)


def test_the_issues_example_adds_up():
    assert shown_total([Decimal("0.7111"), Decimal("0.1401"), Decimal("0.0301")]) == Decimal("0.91")


@pytest.fixture
def countries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with contacts in three countries (BR twice, PT, GB)."""
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    con = store.connect(path)
    import_contacts(con, THREE.encode(), default_country="BR")
    update_settings(con, send_rate=Decimal("200"))
    con.close()
    return path


def _priced(path: Path, unit: dict[str, Decimal]) -> None:
    rows = [
        CarrierPrice(iso, None, "Carrier", None, None, "mobile", None, p, "USD") for iso, p in unit.items()
    ]
    con = store.connect(path)
    store_price_list(con, rows, source="test prices", as_of=date(2026, 12, 6))
    con.close()


def _column(at, name: str) -> list[Decimal]:
    tables = [df.value for df in at.dataframe if name in df.value.columns]
    assert tables, f"no table with {name}"
    return [_amount(v) for v in tables[-1][name]]


def _metric(at, label: str) -> Decimal:
    values = [m.value for m in at.metric if m.label.startswith(label)]
    assert values, f"no metric {label}"
    return _amount(values[-1])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.fixed_dictionaries({"BR": PRICES, "PT": PRICES, "GB": PRICES}))
def test_the_quote_and_the_confirm_dialog_totals_add_up(countries, unit):
    _priced(countries, unit)
    at = compose(ok(app("send")), "Olá {name}!")
    for column, label in (("subtotal_min", "Total at least"), ("subtotal_max", "Total at most")):
        lines = _column(at, column)
        assert len(lines) == 3
        assert _metric(at, label) == sum(lines)
    exact = sum(p * (2 if iso == "BR" else 1) for iso, p in unit.items())
    assert _metric(at, "Total at most") >= exact
    at.button(key="send_open").click().run()
    ok(at)
    assert _metric(at, "Maximum cost") == sum(_column(at, "subtotal_max"))


def _report_lines(table, column: str) -> tuple[list[Decimal], Decimal]:
    """A report table's money column: its lines and its total row, as shown."""
    values = [_amount(v) for v in table[column]]
    return values[:-1], values[-1]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.fixed_dictionaries({"BR": PRICES, "PT": PRICES, "GB": PRICES}))
def test_reports_tables_end_in_a_total_their_lines_add_up_to(countries, unit):
    _priced(countries, unit)
    sent = subprocess.run(
        [
            sys.executable,
            "-m",
            "smscore",
            "--db",
            str(countries),
            "send",
            "--body",
            f"Oi {uuid.uuid4().hex[:6]}",
            "--yes",
            "--rate",
            "100",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert sent.returncode == 0, sent.stderr
    at = ok(app("reports"))
    table = next(df.value for df in at.dataframe if "country" in df.value.columns)
    assert list(table["country"])[-1] == "Total"
    for column in ("estimate_min", "estimate_max"):
        lines, total = _report_lines(table, column)
        assert len(lines) == 3 and total == sum(lines)
