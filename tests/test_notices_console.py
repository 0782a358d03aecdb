"""The balance watch in the console's own server process: with nobody's browser open, the
console tells a low balance by itself, and cron's `balance --notify` then finds it told."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

import httpx
from browser import ROOT, streamlit_server
from notice_servers import HookReceiver

from smscore import store
from smscore.access.audit import Actor
from smscore.notices.options import update_options
from smscore.store.settings import update_settings
from smscore.twilio.sandbox import SandboxGateway

SECRET = "console-hook-secret"


def test_the_console_server_checks_the_balance_with_no_browser_open(tmp_path):
    hook = HookReceiver(SECRET)
    db = tmp_path / "console.duckdb"
    con = store.connect(db)
    update_settings(con, language="en")
    update_options(con, Actor("cli:tests", "cli"), webhook=True, webhook_url=hook.url)
    SandboxGateway(con).set_balance("1.00")
    con.close()
    env = {"SMSCONSOLE_NOTIFY_WEBHOOK_SECRET": SECRET, "NO_PROXY": "127.0.0.1,localhost"}
    try:
        with streamlit_server(db, tmp_path / "console.log", env) as url:
            assert httpx.get(url + "/_stcore/health", timeout=10).status_code == 200  # no page opened
            deadline = time.monotonic() + 90
            while not hook.received and time.monotonic() < deadline:
                time.sleep(0.5)
            assert [r.valid for r in hook.received] == [True], (tmp_path / "console.log").read_text()[-3000:]
            assert hook.received[0].json["event"] == "smsconsole.low"
            cron = subprocess.run(
                [sys.executable, "-m", "smscore", "balance", "--notify"],
                cwd=ROOT,
                env={**os.environ, **env, "SMSCONSOLE_DB": str(db)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert cron.returncode == 0, cron.stderr
            assert "notice: none (already told for this fall below)" in cron.stdout
            assert len(hook.received) == 1
    finally:
        hook.stop()
    con = store.connect(db)
    assert con.execute("SELECT checked_by FROM balance_watch").fetchall() == [("cli",)]
    assert con.execute("SELECT actor FROM audit WHERE action = 'notice.low'").fetchall() == [
        ("console:watch",)
    ]
    con.close()


def test_a_batch_that_ends_pokes_the_watch_to_check_at_once(tmp_path):
    """The console's sender (ui.sending.jobs) wakes the watch thread as soon as a batch has
    sent, rather than leaving the balance unchecked until the next interval."""
    from sendkit import make_quote

    from smscore.sending import ledger
    from ui.sending import jobs
    from ui.shell import watch as balance_watch

    db = tmp_path / "poke.duckdb"
    con = store.connect(db)
    batch = ledger.freeze_batch(con, make_quote(["+447700900001"]), sender="+15005550006", mode="sandbox")
    con.close()
    ws = store.Workspace(db, kind="console", wait=30)
    balance_watch._POKE.clear()
    assert jobs.start(ws, {}, batch, jobs.SendOptions(concurrency=1, rate=100.0, reserve=Decimal(0)))
    assert balance_watch._POKE.wait(30), "the watch was not woken after the batch"
    jobs.stop(batch)
    jobs.wait(batch, 30)
    with ws.unit() as cur:
        assert cur.execute("SELECT state FROM messages").fetchall() == [("sent",)]


def test_the_console_server_applies_retention_with_no_browser_open(tmp_path):
    """The same thread purges what is older than the retention setting once a day (LGPD), with
    no page open: a console left running keeps its promise alone."""
    from sendkit import make_quote

    from smscore.sending import ledger
    from smscore.sending.sender import run_batch

    db = tmp_path / "retention.duckdb"
    con = store.connect(db)
    batch = ledger.freeze_batch(
        con, make_quote(["+447700900001", "+447700900002"]), sender="+15005550006", mode="sandbox"
    )
    run_batch(con, SandboxGateway(con), batch, rate_segments_per_second=100)
    con.execute("UPDATE messages SET sent_at = sent_at - INTERVAL 40 DAY")
    update_settings(con, retention_days=30)
    con.close()
    with streamlit_server(db, tmp_path / "console.log") as url:
        assert httpx.get(url + "/_stcore/health", timeout=10).status_code == 200  # no page opened
        ws = store.Workspace(db, kind="cli", wait=30)
        deadline, erased = time.monotonic() + 90, 0
        while erased < 2 and time.monotonic() < deadline:
            time.sleep(1)
            with ws.unit() as cur:
                erased = cur.execute(
                    "SELECT count(*) FROM messages WHERE starts_with(phone, 'erased:')"
                ).fetchall()[0][0]
        assert erased == 2, (tmp_path / "console.log").read_text()[-3000:]
        with ws.unit() as cur:
            assert cur.execute("SELECT actor FROM audit WHERE action = 'retention.purge'").fetchall() == [
                ("console:retention",)
            ]
