"""Two-person approval on the command line: `approve`/`reject --as EMAIL` sign a named admin in
by password, refuse (and audit) the wrong password, the wrong role and the confirmer, and take a
batch by the short id the console shows."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sendkit import SENDER, make_quote, phones

from smscore import store
from smscore.access import accounts, approvals, audit
from smscore.access.audit import Actor
from smscore.cli import main
from smscore.money import Money
from smscore.sending import ledger

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
BOSS, CHIEF, OP, VIEWER = ("boss@example.com", "chief@example.com", "op@example.com", "viewer@example.com")


def held_batch(db: Path, confirmer: Actor, n: int = 5, body: str = "Hello from the test") -> str:
    """A sandbox batch of n messages confirmed by `confirmer` and held for approval."""
    con = store.connect(db)
    try:
        approvals.save_limits(con, approvals.Limits(approval_over=Decimal("0.10")), Actor.cli())
        quote = make_quote(phones(n), body)
        batch = ledger.freeze_batch(con, quote, sender=SENDER, mode="sandbox")
        audit.confirm_batch(con, confirmer, batch, n, quote.total_max, "USD")
        assert approvals.hold_if_needed(con, batch, Money(quote.total_max, "USD"))
        return batch
    finally:
        con.close()


@pytest.fixture
def team(db_path: Path) -> Path:
    """A workspace with two admins, an operator and a viewer, all with PASSWORD."""
    con = store.connect(db_path)
    for email, role in ((BOSS, "admin"), (CHIEF, "admin"), (OP, "operator"), (VIEWER, "viewer")):
        accounts.add_user(con, email, role, PASSWORD, Actor.cli())
    con.close()
    return db_path


def cli(db: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    """`python -m smscore` as a person runs it, the password piped in on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def typed(monkeypatch: pytest.MonkeyPatch, password: str = PASSWORD) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = store.connect(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def refusals(db: Path, action: str = "batch.approve-refused") -> list[tuple]:
    return [
        (actor, via, target, json.loads(detail)["reason"])
        for actor, via, target, detail in query(
            db, "SELECT actor, via, target, detail FROM audit WHERE action = ? ORDER BY id", [action]
        )
    ]


def status(db: Path, batch: str) -> str:
    return query(db, "SELECT status FROM batches WHERE id = ?", [batch])[0][0]


def test_cli_approve_by_a_second_admin_sends_once_and_records_the_admin(team):
    batch = held_batch(team, Actor(BOSS, "console"))
    run = cli(team, "approve", batch[:12], "--as", CHIEF, "--rate", "1000")
    assert run.returncode == 0, run.stderr
    assert f"batch {batch[:12]} approved by {CHIEF}" in run.stdout
    assert "sent: sent 5, failed 0" in run.stdout
    assert query(team, "SELECT confirmed_by, approved_by FROM batches") == [(BOSS, CHIEF)]
    assert query(team, "SELECT actor, via FROM audit WHERE action = 'batch.approve'") == [(CHIEF, "cli")]
    again = cli(team, "approve", batch[:12], "--as", CHIEF)  # nothing left to approve
    assert again.returncode == 1
    assert again.stderr.strip() == f"error: batch {batch[:12]} is done, not awaiting approval"
    assert cli(team, "batch-resume", batch[:12], "--rate", "1000").returncode == 0
    assert query(team, "SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages") == [(5, 5)]


def test_cli_approve_refuses_the_confirmer(team, capsys, monkeypatch):
    batch = held_batch(team, Actor(BOSS, "console"))
    typed(monkeypatch)
    assert main(["--db", str(team), "approve", batch, "--as", BOSS]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: the admin who confirmed a batch cannot approve it; another admin must"
    )
    assert refusals(team) == [(BOSS, "cli", batch, "same admin")]
    assert status(team, batch) == approvals.AWAITING
    assert query(team, "SELECT count(*) FROM sandbox_messages") == [(0,)]


def test_cli_approve_refuses_a_wrong_password_and_audits_it(team, capsys, monkeypatch):
    batch = held_batch(team, Actor(BOSS, "console"))
    typed(monkeypatch, "not the password")
    assert main(["--db", str(team), "approve", batch, "--as", CHIEF]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {accounts.REFUSED}; batch {batch[:12]} was not approved"
    )
    assert refusals(team) == [(CHIEF, "cli", batch, f"sign-in refused: {accounts.REFUSED}")]
    assert query(team, "SELECT actor, via FROM audit WHERE action = 'sign-in.failure'") == [(CHIEF, "cli")]
    assert query(team, "SELECT failures FROM users WHERE email = ?", [CHIEF]) == [(1,)]
    assert status(team, batch) == approvals.AWAITING


def test_cli_approve_by_an_unknown_account_does_not_record_what_was_typed(team, capsys, monkeypatch):
    batch = held_batch(team, Actor(BOSS, "console"))
    typed(monkeypatch)
    assert main(["--db", str(team), "approve", batch, "--as", "nobody@example.com"]) == 1
    assert "wrong e-mail or password" in capsys.readouterr().err
    assert refusals(team) == [("(unknown account)", "cli", batch, f"sign-in refused: {accounts.REFUSED}")]


@pytest.mark.parametrize(("email", "role", "article"), [(OP, "operator", "an"), (VIEWER, "viewer", "a")])
def test_cli_approve_refuses_an_operator_or_a_viewer(team, capsys, monkeypatch, email, role, article):
    batch = held_batch(team, Actor(BOSS, "console"))
    typed(monkeypatch)
    assert main(["--db", str(team), "approve", batch, "--as", email]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: {email} is {article} {role}: only an admin may approve a batch; "
        f"batch {batch[:12]} was not approved"
    )
    assert refusals(team) == [(email, "cli", batch, f"the {role} role")]
    assert status(team, batch) == approvals.AWAITING


def test_cli_approve_needs_as_once_the_workspace_has_accounts(team, capsys):
    batch = held_batch(team, Actor(BOSS, "console"))
    assert main(["--db", str(team), "approve", batch[:12]]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: this workspace has accounts: name the admin who decides with --as EMAIL")
    assert status(team, batch) == approvals.AWAITING


def test_cli_approve_asks_no_password_for_a_batch_not_awaiting_approval(team, capsys):
    con = store.connect(team)
    batch = ledger.freeze_batch(con, make_quote(phones(2)), sender=SENDER, mode="sandbox")
    con.close()
    # stdin is not read: the refusal comes before any password is asked for
    assert main(["--db", str(team), "approve", batch, "--as", CHIEF]) == 1
    assert capsys.readouterr().err.strip() == (f"error: batch {batch[:12]} is frozen, not awaiting approval")
    assert query(team, "SELECT count(*) FROM audit WHERE action LIKE 'sign-in%'") == [(0,)]


def test_cli_approve_without_accounts_acts_as_the_os_user_but_never_on_its_own_batch(db_path, capsys):
    batch = held_batch(db_path, Actor.cli())
    assert main(["--db", str(db_path), "approve", batch[:12], "--no-send"]) == 1
    assert "the admin who confirmed a batch cannot approve it" in capsys.readouterr().err
    assert refusals(db_path) == [(Actor.cli().name, "cli", batch, "same admin")]
    assert main(["--db", str(db_path), "approve", batch[:12], "--as", CHIEF]) == 2
    assert "this workspace has no accounts, so --as names nobody" in capsys.readouterr().err
    assert status(db_path, batch) == approvals.AWAITING


def test_cli_reject_as_an_admin_by_the_short_id(team, capsys, monkeypatch):
    batch = held_batch(team, Actor(OP, "console"))
    typed(monkeypatch)
    assert main(["--db", str(team), "reject", batch[:12], "--as", BOSS, "--reason", "wrong list"]) == 0
    assert capsys.readouterr().out.strip() == (f"batch {batch[:12]} rejected by {BOSS}: it will not send")
    assert status(team, batch) == approvals.REJECTED
    assert query(team, "SELECT actor, via, detail FROM audit WHERE action = 'batch.reject'") == [
        (BOSS, "cli", '{"reason": "wrong list"}')
    ]


def test_cli_reject_refuses_an_operator_and_audits_it(team, capsys, monkeypatch):
    batch = held_batch(team, Actor(BOSS, "console"))
    typed(monkeypatch)
    assert main(["--db", str(team), "reject", batch[:12], "--as", OP]) == 1
    assert "only an admin may reject a batch" in capsys.readouterr().err
    assert refusals(team, "batch.reject-refused") == [(OP, "cli", batch, "the operator role")]
    assert status(team, batch) == approvals.AWAITING


def test_cli_log_takes_the_short_id(db_path, capsys):
    batch = held_batch(db_path, Actor(OP, "console"), n=3)
    assert main(["--db", str(db_path), "log", batch[:12]]) == 0
    assert "3 of 3 messages" in capsys.readouterr().out


def test_cli_refuses_an_ambiguous_prefix_naming_both_batches(db_path, capsys):
    batch = held_batch(db_path, Actor(OP, "console"))
    twin = batch[:12] + ("0" * 14 if batch[12:] != "0" * 14 else "1" * 14)
    con = store.connect(db_path)
    con.execute(
        "INSERT INTO batches (id, body, mode, status, currency, recipients, segments, "
        "estimate_min, estimate_max) VALUES (?, 'x', 'sandbox', 'done', 'USD', 0, 0, 0, 0)",
        [twin],
    )
    con.close()
    for command in (["approve", batch[:12]], ["reject", batch[:12]], ["log", batch[:12]]):
        assert main(["--db", str(db_path), *command]) == 1
        err = capsys.readouterr().err.strip()
        first, second = sorted([batch, twin])
        assert err == (
            f"error: '{batch[:12]}' matches more than one batch: {first}, {second}; give more of the id"
        )
    assert main(["--db", str(db_path), "log", batch[:13]]) == 0  # one more character settles it
    assert status(db_path, batch) == approvals.AWAITING


def test_cli_refuses_a_prefix_shorter_than_the_short_id(db_path, capsys):
    batch = held_batch(db_path, Actor(OP, "console"))
    assert main(["--db", str(db_path), "log", batch[:8]]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: a batch id has at least 12 characters, like b-fc845dcb42 (as the console and "
        f"`batches` show it); got '{batch[:8]}'"
    )


def test_cli_says_no_batch_for_an_id_that_names_none(db_path, capsys):
    held_batch(db_path, Actor(OP, "console"))
    assert main(["--db", str(db_path), "reconcile", "b-000000000000"]) == 1
    assert capsys.readouterr().err.strip() == "error: no batch with id 'b-000000000000'"
