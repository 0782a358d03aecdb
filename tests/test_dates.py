"""One time zone and one format for dates (issue 18): Audit and the inbox write their times in
the operator's zone and language, as every other page does, and Audit's days are the
operator's days."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from test_pages import _apptest_config, app, ok  # noqa: F401 - the AppTest config fixture

from smscore import store
from smscore.access import audit
from smscore.contacts.importer import import_contacts
from smscore.store.settings import update_settings
from smscore.twilio import webhooks

ZONE = "America/Sao_Paulo"


@pytest.fixture
def sao_paulo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pt-BR workspace in São Paulo time with one contact and no demo seed."""
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    con = store.connect(path)
    import_contacts(con, b"name,phone\nAna,+5511987654321\n", default_country="BR")
    update_settings(con, language="pt-BR", time_zone=ZONE, send_rate=Decimal("200"))
    con.close()
    return path


def _local(utc: datetime) -> str:
    """dd/mm/yyyy hh:mm in São Paulo, as Babel's pt-BR short format writes it."""
    return utc.replace(tzinfo=UTC).astimezone(ZoneInfo(ZONE)).strftime("%d/%m/%Y %H:%M")


def test_audit_times_are_the_operators_local_time(sao_paulo):
    con = store.connect(sao_paulo)
    audit.record(con, audit.Actor.cli(), "export", "test.csv", {})
    stored = con.execute("SELECT max(occurred_at) FROM audit").fetchone()[0]
    con.close()
    at = ok(app("audit"))
    table = next(df.value for df in at.dataframe if "at" in df.value.columns)
    assert _local(stored) in list(table["at"])
    assert not any(str(v).startswith(stored.strftime("%Y-%m-%d %H")) for v in table["at"])


def test_audit_days_are_the_operators_days(sao_paulo):
    """A row at 01:30 UTC belongs to the previous day in São Paulo (UTC-3)."""
    con = store.connect(sao_paulo)
    audit.record(con, audit.Actor.cli(), "export", "night.csv", {})
    con.execute("UPDATE audit SET occurred_at = ? WHERE target = 'night.csv'", [datetime(2026, 12, 6, 1, 30)])
    con.close()
    at = ok(app("audit"))
    at.date_input(key="audit_days").set_value(
        (datetime(2026, 12, 5).date(), datetime(2026, 12, 5).date())
    ).run()
    table = next(df.value for df in ok(at).dataframe if "at" in df.value.columns)
    assert list(table["target"]) == ["night.csv"]
    at.date_input(key="audit_days").set_value(
        (datetime(2026, 12, 6).date(), datetime(2026, 12, 6).date())
    ).run()
    table = next(df.value for df in ok(at).dataframe if "at" in df.value.columns)
    assert "night.csv" not in list(table["target"])


def test_inbox_times_are_the_operators_local_time(sao_paulo):
    con = store.connect(sao_paulo)
    webhooks.handle_inbound(con, {"MessageSid": "SM1", "From": "+5511987654321", "Body": "obrigado"})
    stored = con.execute("SELECT max(received_at) FROM inbound_messages").fetchone()[0]
    con.close()
    at = ok(app("reports"))
    box = next(df.value for df in at.dataframe if "from_number" in df.value.columns)
    assert list(box["received_at"]) == [_local(stored)]


def test_reports_by_day_count_the_operators_days(sao_paulo):
    """A message sent at 01:30 UTC on 6 December went out on the 5th in São Paulo (UTC-3)."""
    import os
    import subprocess
    import sys

    from smscore import reports

    root = Path(__file__).resolve().parent.parent
    sent = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(sao_paulo), "send", "--body", "Oi", "--yes"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert sent.returncode == 0, sent.stderr
    con = store.connect(sao_paulo)
    con.execute("UPDATE messages SET sent_at = ?", [datetime(2026, 12, 6, 1, 30)])
    local = reports.cost_report(con, by="day")
    utc = reports.cost_report(con, by="day", zone="UTC")
    con.close()
    assert [str(d) for d in local["day"]] == ["2026-12-05"]
    assert [str(d) for d in utc["day"]] == ["2026-12-06"]
