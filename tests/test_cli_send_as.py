"""Sending from the command line as a named person: once the workspace has accounts, `send` and
`send-again` take --as EMAIL and that account's password, so the batch is confirmed by the
person (not by `cli:<os user>`), the per-day limits count against them and the admin who
confirmed a costly batch cannot approve it too."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_cli_approvals import BOSS, CHIEF, OP, VIEWER, cli, query, status, team, typed

from smscore import store
from smscore.access import accounts, approvals
from smscore.access.audit import Actor
from smscore.cli import main
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote

__all__ = ["team"]  # a fixture, used through `people`

CSV = b"name,phone\nAna,+5511987654321\nBia,+5511987654322\nCaio,+5511987654323\nDuda,+5511987654324\n"
SEND = ["send", "--body", "Hello {name}", "--yes", "--rate", "1000"]


def with_contacts(db: Path) -> Path:
    con = store.connect(db)
    import_contacts(con, CSV, default_country="BR")
    con.close()
    return db


@pytest.fixture
def people(team: Path) -> Path:
    """Two admins, an operator and a viewer (all with PASSWORD) and four contacts."""
    return with_contacts(team)


def send(db: Path, *extra: str, body: str = "Hello {name}") -> int:
    return main(["--db", str(db), "send", "--body", body, "--yes", "--rate", "1000", *extra])


def set_limits(db: Path, limits: approvals.Limits) -> None:
    con = store.connect(db)
    approvals.save_limits(con, limits, Actor.cli())
    con.close()


def confirm_refusals(db: Path) -> list[tuple]:
    return [
        (actor, via, target, json.loads(detail)["reason"])
        for actor, via, target, detail in query(
            db,
            "SELECT actor, via, target, detail FROM audit WHERE action = 'batch.confirm-refused' ORDER BY id",
        )
    ]


def test_cli_send_as_an_operator_confirms_the_batch_in_their_name(people):
    run = cli(people, *SEND, "--as", OP)  # the password piped in on stdin
    assert run.returncode == 0, run.stderr
    assert f"(confirmed by {OP})" in run.stdout
    assert "sent: sent 4, failed 0" in run.stdout
    assert query(people, "SELECT confirmed_by FROM batches") == [(OP,)]
    assert query(people, "SELECT actor, via FROM audit WHERE action = 'batch.confirm'") == [(OP, "cli")]
    assert query(people, "SELECT actor, via FROM audit WHERE action = 'sign-in'") == [(OP, "cli")]
    assert query(people, "SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages") == [(4, 4)]


def test_cli_send_needs_as_once_the_workspace_has_accounts(people, capsys):
    assert send(people) == 2
    assert capsys.readouterr().err.strip() == (
        "error: this workspace has accounts: name who confirms the batch with --as EMAIL "
        "(e.g. `smscore send --body TEXT --as ana@example.com`)"
    )
    assert query(people, "SELECT count(*) FROM batches") == [(0,)]  # nothing frozen
    assert query(people, "SELECT count(*) FROM audit WHERE action LIKE 'sign-in%'") == [(0,)]


def test_cli_send_refuses_a_wrong_password_and_audits_it(people, capsys, monkeypatch):
    typed(monkeypatch, "not the password")
    assert send(people, "--as", OP) == 1
    assert capsys.readouterr().err.strip() == f"error: {accounts.REFUSED}; nothing was sent"
    assert confirm_refusals(people) == [(OP, "cli", None, f"sign-in refused: {accounts.REFUSED}")]
    assert query(people, "SELECT actor, via FROM audit WHERE action = 'sign-in.failure'") == [(OP, "cli")]
    assert query(people, "SELECT failures FROM users WHERE email = ?", [OP]) == [(1,)]
    assert query(people, "SELECT count(*) FROM batches") == [(0,)]


def test_cli_send_refuses_a_viewer(people, capsys, monkeypatch):
    typed(monkeypatch)
    assert send(people, "--as", VIEWER) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {VIEWER} is a viewer: only an operator or an admin may send a batch; nothing was sent"
    )
    assert confirm_refusals(people) == [(VIEWER, "cli", None, "the viewer role")]
    assert query(people, "SELECT count(*) FROM batches") == [(0,)]
    assert query(people, "SELECT count(*) FROM sandbox_messages") == [(0,)]


def test_cli_send_refuses_a_disabled_account(people, capsys, monkeypatch):
    con = store.connect(people)
    accounts.set_disabled(con, OP, True, Actor.cli())
    con.close()
    typed(monkeypatch)
    assert send(people, "--as", OP) == 1
    assert capsys.readouterr().err.strip() == (
        "error: this account is disabled; ask an admin; nothing was sent"
    )
    assert confirm_refusals(people) == [
        (OP, "cli", None, "sign-in refused: this account is disabled; ask an admin")
    ]
    assert query(people, "SELECT count(*) FROM batches") == [(0,)]


def test_cli_admin_who_confirmed_a_costly_batch_cannot_approve_it(people, capsys, monkeypatch):
    set_limits(people, approvals.Limits(approval_over=Decimal("0.10")))
    typed(monkeypatch)
    assert send(people, "--as", BOSS) == 0
    out = capsys.readouterr().out
    batch = query(people, "SELECT id FROM batches")[0][0]
    assert f"batch {batch} (confirmed by {BOSS})" in out
    assert f"`smscore approve {batch[:12]} --as EMAIL`" in out
    assert status(people, batch) == approvals.AWAITING
    typed(monkeypatch)
    assert main(["--db", str(people), "approve", batch[:12], "--as", BOSS]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: the admin who confirmed a batch cannot approve it; another admin must"
    )
    assert status(people, batch) == approvals.AWAITING
    assert query(people, "SELECT count(*) FROM sandbox_messages") == [(0,)]
    typed(monkeypatch)
    assert main(["--db", str(people), "approve", batch[:12], "--as", CHIEF, "--rate", "1000"]) == 0
    assert query(people, "SELECT confirmed_by, approved_by FROM batches") == [(BOSS, CHIEF)]
    assert query(people, "SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages") == [(4, 4)]


def test_cli_per_day_limit_counts_against_the_named_person(people, capsys, monkeypatch):
    con = store.connect(people)
    one_batch = build_quote(con, "Hello {name}", Selection(everyone=True)).total_max
    con.close()
    set_limits(people, approvals.Limits(per_day=one_batch * Decimal("1.5")))
    typed(monkeypatch)
    assert send(people, "--as", OP) == 0
    typed(monkeypatch)
    assert send(people, "--as", OP, body="Hallo {name}") == 1  # OP's second batch today
    assert capsys.readouterr().err.strip().startswith(f"error: with this batch {OP} would confirm up to ")
    assert query(people, "SELECT confirmed_by FROM batches") == [(OP,)]  # nothing frozen
    typed(monkeypatch)
    assert send(people, "--as", CHIEF, body="Hallo {name}") == 0  # CHIEF's first: within it
    assert query(people, "SELECT confirmed_by, count(*) FROM batches GROUP BY 1 ORDER BY 1") == [
        (CHIEF, 1),
        (OP, 1),
    ]


def test_cli_send_again_as_an_operator(people, capsys, monkeypatch):
    typed(monkeypatch)
    assert send(people, "--as", OP) == 0
    first = query(people, "SELECT id FROM batches")[0][0]
    con = store.connect(people)  # two handsets were off (30003): worth sending again
    con.execute(
        "UPDATE messages SET state = 'failed', error_code = 30003 WHERE batch_id = ? "
        "AND phone IN ('+5511987654321', '+5511987654322')",
        [first],
    )
    con.close()
    capsys.readouterr()
    assert main(["--db", str(people), "send-again", first[:12], "--yes"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: this workspace has accounts: name who confirms the batch with --as EMAIL "
        f"(e.g. `smscore send-again {first[:12]} --as ana@example.com`)"
    )
    typed(monkeypatch)
    assert main(["--db", str(people), "send-again", first[:12], "--yes", "--as", OP, "--rate", "1000"]) == 0
    assert f"(confirmed by {OP})" in capsys.readouterr().out
    assert query(people, "SELECT confirmed_by, recipients FROM batches WHERE id <> ?", [first]) == [(OP, 2)]
    assert query(people, "SELECT count(*) FROM sandbox_messages") == [(6,)]


def test_cli_send_without_accounts_confirms_as_the_os_user_and_refuses_as(db_path, capsys):
    db = with_contacts(db_path)
    assert send(db, "--as", OP) == 2
    assert capsys.readouterr().err.strip() == (
        "error: this workspace has no accounts, so --as names nobody; leave it out to act as the OS user"
    )
    assert query(db, "SELECT count(*) FROM batches") == [(0,)]
    assert send(db) == 0
    assert query(db, "SELECT confirmed_by FROM batches") == [(Actor.cli().name,)]
    assert query(db, "SELECT actor, via FROM audit WHERE action = 'batch.confirm'") == [
        (Actor.cli().name, "cli")
    ]


def test_cli_read_only_commands_need_no_as_in_a_workspace_with_accounts(people, capsys, monkeypatch):
    typed(monkeypatch)
    assert send(people, "--as", OP) == 0
    batch = query(people, "SELECT id FROM batches")[0][0][:12]
    monkeypatch.setattr("sys.stdin", None)  # any of them reading a password would fail
    for command in (
        ["quote", "--body", "Hi {name}"],
        ["batches"],
        ["report", "--by", "country"],
        ["log", batch],
        ["prices", "--country", "BR"],
    ):
        assert main(["--db", str(people), *command]) == 0, (command, capsys.readouterr().err)
    assert query(people, "SELECT count(*) FROM audit WHERE action LIKE 'sign-in%'") == [(1,)]
