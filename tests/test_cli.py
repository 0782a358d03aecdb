"""The command line: documented JSON, one-sentence errors, the --db option."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from smscore import store
from smscore.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seeded(db_path):
    con = store.connect(db_path)
    con.execute("""INSERT INTO contacts (phone, country, name, fields) VALUES
        ('+5511987654321', 'BR', 'Ana', '{}'), ('+351912345678', 'PT', 'Rui', '{}'),
        ('+12025550123', 'US', 'Bob', '{}'), ('+5521987654321', 'BR', 'Bia', '{}')""")
    con.execute("INSERT INTO suppressions (phone, reason) VALUES ('+5521987654321', 'opt-out')")
    con.execute("INSERT INTO categories (name) VALUES ('vip')")
    con.execute("INSERT INTO contact_categories SELECT id, 1 FROM contacts WHERE name = 'Ana'")
    con.close()
    return db_path


def test_quote_json_has_the_documented_shape(seeded, capsys):
    assert main(["--db", str(seeded), "quote", "--body", "Olá {name}!", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["currency"] == "USD" and out["recipients"] == 3 and out["segments"] == 3
    assert out["total_min"] == "0.118600" and out["total_max"] == "0.119600"
    br = next(c for c in out["countries"] if c["iso"] == "BR")
    assert br == {
        "iso": "BR",
        "recipients": 1,
        "segments": 1,
        "unit_price_min": "0.059900",
        "unit_price_max": "0.059900",
        "subtotal_min": "0.059900",
        "subtotal_max": "0.059900",
    }
    assert out["excluded"] == [{"phone": "+5521987654321", "reason": "opted out (opt-out)"}]


def test_quote_by_category_and_csv_breakdown(seeded, tmp_path, capsys):
    out_csv = tmp_path / "q.csv"
    assert (
        main(["--db", str(seeded), "quote", "--body", "Hi", "--category", "vip", "--csv", str(out_csv)]) == 0
    )
    text = capsys.readouterr().out
    assert "total: 1 recipients" in text and "USD" in text
    assert '"BR","USD",1,1,0.059900' in out_csv.read_text(encoding="utf-8-sig")  # text quoted, numbers bare


def test_prices_for_one_country(seeded, capsys):
    assert main(["--db", str(seeded), "prices", "--country", "BR", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2023-09-19" and out["countries"][0]["unit_price_max"] == "0.059900"


def test_errors_are_one_sentence_on_stderr_without_traceback(seeded):
    run = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(seeded), "quote", "--body", "Hi", "--category", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == "error: no category named 'nope'"
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_db_comes_from_the_environment_when_no_option(seeded, tmp_path):
    env = {"SMSCONSOLE_DB": str(seeded), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "smscore", "quote", "--body", "Hi", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["recipients"] == 3


def test_reimport_audit_detail_carries_the_counts_printed(db_path, tmp_path):
    csv = tmp_path / "contacts.csv"
    csv.write_text(
        "name,phone\nAna,+5511987654321\nRui,+351912345678\nBad,12345\nTwice,+5511987654321\n",
        encoding="utf-8",
    )
    printed = []
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-m", "smscore", "--db", str(db_path), "import", str(csv)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert run.returncode == 0, run.stderr
        printed.append(run.stdout.splitlines()[0])
    assert printed[1].startswith("imported 0, updated 0, already in the workspace 2, rejected 2 ")
    con = store.connect(db_path)
    details = [
        json.loads(d)
        for (d,) in con.execute("SELECT detail FROM audit WHERE action = 'import' ORDER BY id").fetchall()
    ]
    con.close()
    for line, detail in zip(printed, details):
        words = line.split(" (")[0].replace("already in the workspace", "already")
        assert dict((k, int(v)) for k, v in (w.split(" ") for w in words.split(", "))) == detail
    assert details[1] == {"imported": 0, "updated": 0, "already": 2, "rejected": 2}


def test_report_with_no_batches(seeded, capsys):
    assert main(["--db", str(seeded), "report", "--by", "country"]) == 0
    assert "no messages sent yet" in capsys.readouterr().out


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"python -m smscore {name}" not in readme]
    assert not missing, f"README lacks: {missing}"


def test_user_add_reads_the_password_from_stdin_and_audits_the_os_user(db_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "smscore",
            "--db",
            str(db_path),
            "user",
            "add",
            "Ana@Example.com",
            "--role",
            "admin",
        ],
        input="a long password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "ana@example.com: admin, active (recorded in the audit trail as cli:" in run.stdout
    con = store.connect(db_path)
    stored = con.execute("SELECT password_hash FROM users").fetchall()[0][0]
    who = con.execute("SELECT actor, via, action FROM audit").fetchall()
    con.close()
    assert stored.startswith("$argon2id$")
    assert who[0][0].startswith("cli:") and who[0][1:] == ("cli", "user.add")


def test_user_commands_list_set_role_disable_and_reset(db_path, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("first password\n"))
    assert main(["--db", str(db_path), "user", "add", "bo@example.com", "--role", "viewer"]) == 0
    assert main(["--db", str(db_path), "user", "set-role", "bo@example.com", "operator"]) == 0
    assert main(["--db", str(db_path), "user", "disable", "bo@example.com"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("second password\n"))
    assert main(["--db", str(db_path), "user", "reset-password", "bo@example.com"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "user", "list"]) == 0
    out = capsys.readouterr().out
    assert "bo@example.com" in out and "operator" in out and "disabled" in out


def test_user_reset_password_of_unknown_account_is_one_sentence(db_path, capsys):
    assert main(["--db", str(db_path), "user", "reset-password", "no@example.com"]) == 2
    assert capsys.readouterr().err.strip() == "error: no account for no@example.com"


def test_approve_from_the_cli_sends_a_held_batch_and_records_the_os_user(db_path, capsys):
    from decimal import Decimal

    from sendkit import SENDER, make_quote, phones

    from smscore.access import approvals, audit
    from smscore.access.audit import Actor
    from smscore.sending import ledger

    con = store.connect(db_path)
    approvals.save_limits(con, approvals.Limits(approval_over=Decimal("0.10")), Actor.cli())
    quote = make_quote(phones(5))
    batch = ledger.freeze_batch(con, quote, sender=SENDER, mode="sandbox")
    audit.confirm_batch(con, Actor("op@example.com", "console"), batch, 5, quote.total_max, "USD")
    assert approvals.hold_if_needed(con, batch, approvals.Money(quote.total_max, "USD"))
    con.close()
    assert main(["--db", str(db_path), "approve", batch, "--rate", "1000"]) == 0
    assert f"batch {batch[:12]} approved by cli:" in capsys.readouterr().out
    con = store.connect(db_path)
    sent = con.execute("SELECT count(*) FROM messages WHERE state = 'sent'").fetchall()
    who = con.execute("SELECT approved_by FROM batches").fetchall()
    con.close()
    assert sent == [(5,)] and who[0][0].startswith("cli:")


def test_reject_of_a_batch_not_awaiting_approval_is_one_sentence(db_path, capsys):
    from sendkit import SENDER, make_quote, phones

    from smscore.sending import ledger

    con = store.connect(db_path)
    batch = ledger.freeze_batch(con, make_quote(phones(2)), sender=SENDER, mode="sandbox")
    con.close()
    assert main(["--db", str(db_path), "reject", batch]) == 1
    assert capsys.readouterr().err.strip() == (f"error: batch {batch[:12]} is frozen, not awaiting approval")


@pytest.mark.parametrize(
    "action", [["set-role", "boss@example.com", "operator"], ["disable", "boss@example.com"]]
)
def test_user_commands_refuse_to_remove_the_last_admin(db_path, capsys, action):
    from smscore.access import accounts
    from smscore.access.audit import Actor

    con = store.connect(db_path)
    accounts.add_user(con, "boss@example.com", "admin", "correct horse", Actor("cli:t", "cli"))
    con.close()
    assert main(["--db", str(db_path), "user", *action]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: boss@example.com is the last active admin; make another account admin first"
    )
    con = store.connect(db_path)
    assert con.execute("SELECT role, disabled FROM users").fetchall() == [("admin", False)]
    refused = con.execute("SELECT action FROM audit WHERE action LIKE '%-refused'").fetchall()
    con.close()
    assert len(refused) == 1


# -- spending limits: said with the quote, refused (and recorded) before the question -------------


def _limits(db_path, **kw: str) -> None:
    from smscore.access import approvals
    from smscore.access.audit import Actor

    con = store.connect(db_path)
    approvals.save_limits(con, approvals.Limits(**{k: Decimal(v) for k, v in kw.items()}), Actor.cli())
    con.close()


def test_cli_send_says_the_limits_and_that_approval_is_needed_before_asking(seeded, capsys, monkeypatch):
    _limits(seeded, per_batch="5.00", per_day="10", approval_over="0.10")
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    assert main(["--db", str(seeded), "send", "--body", "Hi"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("spending limits (cli:"))
    assert line.endswith(
        "): per batch USD 5.00; per day USD 10.00 (USD 0.00 confirmed today, "
        "USD 0.1196 with this batch); approval needed over USD 0.10; needs "
        "approval: once confirmed, it waits until another admin approves it"
    )
    assert asked == ["send 3 messages from +15005550006? [y/N] "] and "not sent" in out


def test_cli_send_over_the_per_batch_limit_is_refused_before_asking_and_recorded(seeded, capsys, monkeypatch):
    _limits(seeded, per_batch="0.10")
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked despite the limit"))
    assert main(["--db", str(seeded), "send", "--body", "Hi"]) == 1
    captured = capsys.readouterr()
    assert (
        "refused: this batch may cost up to USD 0.1196, over the per-batch limit of USD 0.10"
    ) in captured.out
    assert captured.err.strip() == (
        "error: this batch may cost up to USD 0.1196, over the per-batch limit of USD 0.10"
    )
    con = store.connect(seeded)
    refused = con.execute(
        "SELECT actor, via, target, detail FROM audit WHERE action = 'batch.confirm-refused'"
    ).fetchall()
    frozen = con.execute("SELECT count(*) FROM batches").fetchone()[0]
    con.close()
    [(actor, via, target, detail)] = refused
    assert actor.startswith("cli:") and via == "cli" and target.startswith("b-")
    assert '"limit": "per_batch"' in detail and '"recipients": 3' in detail
    assert frozen == 0
