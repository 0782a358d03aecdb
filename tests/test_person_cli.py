"""`smscore person show|export|erase` and `smscore purge`, run through the CLI's own main on a
real workspace file whose messages the sandbox sent."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from test_person import CSV, NAME, NUMBER, SCHEMA, _send, _traces

from smscore import store
from smscore.cli import main
from smscore.contacts.importer import import_contacts
from smscore.twilio.sandbox import SandboxGateway


@pytest.fixture
def workspace(db_path):
    con = store.connect(db_path)
    import_contacts(con, CSV, default_country="BR", consent_source="loja física")
    _send(con, SandboxGateway(con))
    con.close()
    return db_path


def test_person_show_lists_every_row_with_dates(workspace, capsys):
    assert main(["--db", str(workspace), "person", "show", "(11) 98765-4321"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{NUMBER}: ")
    for place in ("contacts", "messages", "sandbox_messages"):
        assert place in out
    messages = [line for line in out.splitlines() if line.startswith("messages ")]
    assert messages and all(re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", line) for line in messages)


def test_person_export_writes_valid_json_and_audits_it(workspace, tmp_path, capsys):
    out = tmp_path / "titular.json"
    assert main(["--db", str(workspace), "person", "export", "11 98765 4321", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert document["contact"]["consent"]["source"] == "loja física"
    con = store.connect(workspace)
    actor, target = con.execute("SELECT actor, target FROM audit WHERE action = 'person.export'").fetchone()
    assert actor.startswith("cli:") and target.startswith("hmac:")


def test_person_erase_without_yes_asks_and_a_no_erases_nothing(workspace, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("no\n"))
    assert main(["--db", str(workspace), "person", "erase", NUMBER]) == 2
    captured = capsys.readouterr()
    assert NAME in captured.out and "nothing erased" in captured.err
    con = store.connect(workspace)
    assert con.execute("SELECT count(*) FROM contacts WHERE phone = ?", [NUMBER]).fetchone()[0] == 1


def test_person_erase_yes_leaves_no_trace_and_blocks_the_number(workspace, tmp_path, capsys):
    assert main(["--db", str(workspace), "person", "erase", "(11) 98765-4321", "--yes"]) == 0
    assert "erased: 1 contact(s)" in capsys.readouterr().out
    con = store.connect(workspace)
    assert _traces(con) == []
    con.close()
    again = tmp_path / "again.csv"
    again.write_text(f"nome,celular\n{NAME},(11) 98765-4321\n", encoding="utf-8")
    assert main(["--db", str(workspace), "import", str(again)]) == 0
    assert "imported 0" in capsys.readouterr().out


def test_purge_says_when_retention_is_off_and_purges_with_days(workspace, capsys):
    assert main(["--db", str(workspace), "purge"]) == 0
    assert "retention is off" in capsys.readouterr().out
    con = store.connect(workspace)
    con.execute("UPDATE messages SET sent_at = sent_at - INTERVAL 10 DAY")
    con.close()
    assert main(["--db", str(workspace), "purge", "--days", "5"]) == 0
    assert "3 message(s)" in capsys.readouterr().out


def test_person_show_prints_hostile_text_without_terminal_escapes(db_path, capsys):
    con = store.connect(db_path)
    csv = 'nome,celular\n"\x1b[31mligar\n(11) 98765-4321",(11) 98765-4321\n'  # a name holding it
    import_contacts(con, csv.encode(), default_country="BR")
    con.close()
    assert main(["--db", str(db_path), "person", "show", NUMBER]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "?[31mligar (11) 98765-4321" in out
