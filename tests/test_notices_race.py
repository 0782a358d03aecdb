"""Once per crossing with real processes racing: `smscore balance --notify` (cron) in several
processes and the console's own check in this one, on one workspace, at the same moment. Each
crossing reaches the webhook receiver and the SMTP server exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from notice_servers import HookReceiver, MailServer

from smscore import store
from smscore.access.audit import Actor
from smscore.notices import watch
from smscore.notices.options import update_options
from smscore.store.settings import update_settings
from smscore.twilio.sandbox import SandboxGateway

ROOT = Path(__file__).resolve().parent.parent
SECRET = "race-hook-secret"
PASSWORD = "race-smtp-pw-71c3"
CLI_PROCESSES = 3


@pytest.fixture
def servers(tmp_path):
    hook = HookReceiver(SECRET)
    mail = MailServer(tmp_path, "starttls", user="alerts", password=PASSWORD)
    yield hook, mail
    hook.stop()
    mail.stop()


def _environ(mail: MailServer, db: Path) -> dict[str, str]:
    return {
        "SMSCONSOLE_DB": str(db),
        "SMSCONSOLE_NOTIFY_WEBHOOK_SECRET": SECRET,
        "SMSCONSOLE_SMTP_HOST": "localhost",
        "SMSCONSOLE_SMTP_PORT": str(mail.port),
        "SMSCONSOLE_SMTP_USER": "alerts",
        "SMSCONSOLE_SMTP_PASSWORD": PASSWORD,
        "SMSCONSOLE_SMTP_FROM": "alerts@example.com",
        "SMSCONSOLE_SMTP_SECURITY": "starttls",
        "SMSCONSOLE_NOTIFY_EMAILS": "ops@example.com",
        "SSL_CERT_FILE": str(mail.cert),  # the test server's self-signed certificate
    }


def _race(db: Path, env: dict[str, str], console: str) -> list[subprocess.CompletedProcess]:
    """Start the CLI checks and the console's check: at once ("first": the console, already
    loaded, is first at the workspace), once a CLI process holds the workspace ("late": it
    waits among them), or not at all ("none": the CLI processes race each other); wait for
    all of them."""
    full = {**os.environ, **env, "NO_PROXY": "127.0.0.1,localhost"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "smscore", "balance", "--notify"],
            cwd=ROOT,
            env=full,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(CLI_PROCESSES)
    ]
    ws = store.Workspace(db, kind="console", wait=60)
    wiring = watch.Wiring.from_config(env, None, None)
    deadline = time.monotonic() + 60
    while console == "late" and time.monotonic() < deadline:
        holder = store.holder_of(db)
        if holder is not None and holder.kind == "cli":
            time.sleep(0.25)  # into the CLI's check: its balance read, its claim
            break
        time.sleep(0.005)
    checker = threading.Thread(
        target=watch.check if console != "none" else lambda *a, **k: None,
        args=(ws, SandboxGateway(ws), wiring),
        kwargs={"by": "console", "actor": Actor("console:watch", "console")},
    )
    checker.start()
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    checker.join(120)
    ws.release_held()
    return done


def test_console_and_cron_racing_tell_each_crossing_exactly_once(tmp_path, servers, monkeypatch):
    hook, mail = servers
    db = tmp_path / "race.duckdb"
    env = _environ(mail, db)
    monkeypatch.setenv("SSL_CERT_FILE", str(mail.cert))
    con = store.connect(db)
    update_settings(con, language="en")
    update_options(con, Actor("cli:tests", "cli"), webhook=True, webhook_url=hook.url)
    account = SandboxGateway(con)
    account.set_balance("1.25")
    con.close()
    for crossing, console in enumerate(("first", "late", "none"), start=1):
        runs = _race(db, env, console)
        assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
        told = [r.stdout for r in runs if "notice: low balance" in r.stdout]
        assert len(told) <= 1  # the console's thread may have won instead
        assert len(hook.received) == crossing and all(r.valid for r in hook.received)
        assert len(mail.messages) == crossing and mail.messages[-1][0] == ["ops@example.com"]
        assert all(PASSWORD not in r.stdout + r.stderr for r in runs)
        con = store.connect(db)
        assert con.execute("SELECT count(*) FROM notices WHERE kind = 'low'").fetchall()[0][0] == crossing
        SandboxGateway(con).set_balance("9.00")  # topped up: re-armed by the next check ...
        con.close()
        assert all(r.returncode == 0 for r in _race(db, env, "first"))
        con = store.connect(db)
        SandboxGateway(con).set_balance("1.10")  # ... and below again: a new crossing
        con.close()
    assert len(hook.received) == 3
    con = store.connect(db)
    winners = con.execute("SELECT actor FROM audit WHERE action = 'notice.low' ORDER BY id").fetchall()
    con.close()
    told_by = [w[0] for w in winners]
    assert len(told_by) == 3 and told_by[2].startswith("cli:"), told_by


def test_balance_notify_prints_what_it_did_and_exits_1_when_a_channel_fails(tmp_path, servers):
    hook, mail = servers
    db = tmp_path / "cli.duckdb"
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    update_options(con, Actor("cli:tests", "cli"), webhook=True, webhook_url=hook.url)
    SandboxGateway(con).set_balance("0.40")
    con.close()
    env = {**os.environ, **_environ(mail, db), "SMSCONSOLE_SMTP_PASSWORD": "wrong", "NO_PROXY": "127.0.0.1"}
    run = subprocess.run(
        [sys.executable, "-m", "smscore", "balance", "--notify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    assert "balance: USD 0.40 (threshold USD 2.00)" in run.stdout
    assert "notice: low balance" in run.stdout
    assert "sent: webhook http://127.0.0.1:" in run.stdout and "T0SECRETPATH" not in run.stdout
    assert "failed: email ops@example.com:" in run.stdout and "535" in run.stdout
    assert "wrong" not in run.stdout.replace("wrong-", "")
    assert "Saldo Twilio baixo" in hook.received[0].json["text"]
    env["SMSCONSOLE_SMTP_PASSWORD"] = PASSWORD
    again = subprocess.run(
        [sys.executable, "-m", "smscore", "balance", "--notify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "notice: none (already told" in again.stdout and "sent: email ops@example.com" in again.stdout
    [(to, message)] = mail.messages
    assert message["Subject"] is not None and len(hook.received) == 1
