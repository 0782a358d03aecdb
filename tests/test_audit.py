"""The audit trail: appended rows, filters, no secrets, and a spreadsheet-safe CSV."""

from __future__ import annotations

from datetime import datetime

import pytest

from smscore.access import audit
from smscore.access.audit import Actor
from smscore.export import csv_bytes

ANA = Actor("ana@example.com", "console")


def test_rows_come_back_newest_first_and_filtered(fresh_db):
    audit.record(fresh_db, ANA, "import", "a.csv", {"imported": 3}, at=datetime(2026, 1, 1))
    audit.record(fresh_db, Actor.cli(), "user.add", "b@example.com", at=datetime(2026, 1, 2))
    audit.record(fresh_db, ANA, "batch.confirm", "b1", at=datetime(2026, 1, 3))
    assert list(audit.trail(fresh_db).action) == ["batch.confirm", "user.add", "import"]
    assert list(audit.trail(fresh_db, actor="ana@example.com").target) == ["b1", "a.csv"]
    assert list(audit.trail(fresh_db, action="user").target) == ["b@example.com"]
    assert list(audit.trail(fresh_db, since=datetime(2026, 1, 2)).action) == ["batch.confirm", "user.add"]


def test_cli_actor_names_the_os_user(fresh_db):
    assert Actor.cli().name.startswith("cli:") and Actor.cli().via == "cli"


@pytest.mark.parametrize("key", ["password", "password_hash", "auth_token", "session_secret"])
def test_a_detail_named_like_a_secret_is_refused(fresh_db, key):
    with pytest.raises(ValueError, match="never stores secrets"):
        audit.record(fresh_db, ANA, "x", detail={key: "hunter2"})
    assert audit.trail(fresh_db).empty


def test_csv_of_the_trail_neutralises_formulas(fresh_db):
    audit.record(fresh_db, ANA, "import", '=HYPERLINK("http://x")')
    text = csv_bytes(audit.trail(fresh_db)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
