"""Cost reports: estimate vs actual per batch, country, category and day; safe CSV export."""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd
import pytest

from smscore.export import csv_bytes, escape_cell
from smscore.reports import batches, cost_report


def _batch(con, batch_id, created="2026-11-20 10:00:00"):
    con.execute(
        """INSERT INTO batches (id, created_at, body, mode, status, currency, recipients,
                   segments, estimate_min, estimate_max) VALUES (?, ?, 'Hi', 'sandbox', 'done',
                   'USD', 3, 4, 0.1, 0.2)""",
        [batch_id, created],
    )


def _message(
    con,
    batch_id,
    phone,
    country,
    category,
    segments,
    price_max,
    state,
    actual=None,
    sent_at="2026-11-20 10:05:00",
):
    con.execute(
        """INSERT INTO messages (batch_id, phone, country, category, body, encoding,
                   segments, price_min, price_max, state, actual_price, sent_at)
                   VALUES (?, ?, ?, ?, 'Hi', 'GSM-7', ?, ?, ?, ?, ?, ?)""",
        [batch_id, phone, country, category, segments, price_max, price_max, state, actual, sent_at],
    )


@pytest.fixture
def ledger(fresh_db):
    _batch(fresh_db, "b1")
    _message(fresh_db, "b1", "+5511987654321", "BR", "vip", 1, Decimal("0.0599"), "sent", Decimal("0.0620"))
    _message(fresh_db, "b1", "+5521987654321", "BR", None, 2, Decimal("0.1198"), "sent")
    _message(fresh_db, "b1", "+351912345678", "PT", "vip", 1, Decimal("0.0473"), "failed")
    _batch(fresh_db, "b2", "2026-11-21 09:00:00")
    _message(
        fresh_db,
        "b2",
        "+351912345678",
        "PT",
        "vip",
        1,
        Decimal("0.0473"),
        "sent",
        Decimal("0.0473"),
        sent_at="2026-11-21 09:01:00",
    )
    return fresh_db


def test_report_per_country_compares_estimate_and_actual(ledger):
    rep = cost_report(ledger, "country").set_index("country")
    assert rep.loc["BR", "estimate_max"] == Decimal("0.1797")
    assert rep.loc["BR", "actual"] == Decimal("0.062") and rep.loc["BR", "priced"] == 1
    assert rep.loc["BR", "variance"] == Decimal("0.0021")
    assert rep.loc["PT", "sent"] == 1 and rep.loc["PT", "failed"] == 1
    assert set(rep["currency"]) == {"USD"}


def test_report_per_category_and_per_day(ledger):
    cat = cost_report(ledger, "category").set_index("category")
    assert cat.loc["(none)", "segments"] == 2
    day = cost_report(ledger, "day")
    assert [str(d) for d in day["day"]] == ["2026-11-20", "2026-11-21"]


def test_report_for_one_batch_and_unknown_batch(ledger):
    assert cost_report(ledger, "batch", "b2")["sent"].tolist() == [1]
    with pytest.raises(LookupError, match="'nope'"):
        cost_report(ledger, "batch", "nope")
    with pytest.raises(ValueError, match="'carrier'"):
        cost_report(ledger, "carrier")


def test_batches_list_newest_first_with_counts(ledger):
    b = batches(ledger)
    assert b["batch_id"].tolist() == ["b2", "b1"]
    assert b.set_index("batch_id").loc["b1", "failed"] == 1


def test_csv_export_escapes_formula_cells_but_not_numbers():
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("x")', "+1 evil", "@SUM(A1)", "-2+3", "Ana"],
            "amount": [Decimal("-0.5"), Decimal("1"), Decimal("2"), Decimal("3"), Decimal("0.0599")],
        }
    )
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), encoding="utf-8-sig", dtype=str)
    assert back["name"].tolist() == ['\'=HYPERLINK("x")', "'+1 evil", "'@SUM(A1)", "'-2+3", "Ana"]
    assert back["amount"].tolist() == ["-0.5", "1", "2", "3", "0.0599"]
    assert escape_cell(-1) == -1


def test_send_log_lists_failures_first_with_twilios_error_code(ledger):
    ledger.execute("""UPDATE messages SET error_code = 21610, error_message = 'unsubscribed',
                      twilio_status = 'failed' WHERE state = 'failed'""")
    from smscore.reports import send_log

    page, total = send_log(ledger, "b1")
    assert total == 3 and page["state"].tolist()[0] == "failed"
    assert page["error_code"].tolist()[0] == 21610
    only_sent, n_sent = send_log(ledger, "b1", state="sent", limit=1)
    assert n_sent == 2 and len(only_sent) == 1
    with pytest.raises(ValueError, match="'lost'"):
        send_log(ledger, "b1", state="lost")
    with pytest.raises(LookupError, match="'b9'"):
        send_log(ledger, "b9")


def test_cli_log_prints_and_exports_the_send_log(ledger, db_path, tmp_path, capsys):
    from smscore.cli import main

    ledger.execute(
        "UPDATE messages SET error_code = 21211, error_message = 'invalid To' WHERE state = 'failed'"
    )
    ledger.close()
    out_csv = tmp_path / "log.csv"
    assert main(["--db", str(db_path), "log", "b1", "--state", "failed", "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "21211 invalid To" in out and "1 of 1 message (failed)" in out
    assert "+351912345678" in out_csv.read_text(encoding="utf-8-sig")


def test_last_confirmed_is_the_persons_newest_batch_since_the_given_time(ledger):
    from datetime import datetime

    from smscore.reports import last_confirmed

    ledger.execute("UPDATE batches SET confirmed_by = 'op@example.com'")
    _batch(ledger, "b3", "2026-11-21 10:00:00")
    ledger.execute("UPDATE batches SET confirmed_by = 'admin@example.com' WHERE id = 'b3'")
    assert last_confirmed(ledger, "op@example.com", datetime(2026, 11, 20)) == "b2"
    assert last_confirmed(ledger, "op@example.com", datetime(2026, 11, 21, 9, 30)) is None
    assert last_confirmed(ledger, "nobody@example.com", datetime(2026, 1, 1)) is None
