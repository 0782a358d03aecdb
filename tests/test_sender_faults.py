"""The sender against the real SDK and the loopback peer (Prism behind the fault proxy), and the
sandbox: after every fault each recipient is accounted for once, and no number got two messages.

"Got a message" is counted at the peer: a create the proxy forwarded to Prism and that was not
answered with a Twilio error (answered 201, or cut off after forwarding, which Twilio would have
created all the same).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sendkit import make_quote, phones

from smscore import store
from smscore.cli.common import unknown_notice
from smscore.sending import ledger
from smscore.sending.sender import reconcile, run_batch
from smscore.sending.worker import RetryPolicy

FROM = "+15017122661"
ROOT = Path(__file__).resolve().parent.parent
# Prism's balance example is USD 0.05, so peer batches are priced within it.
PRICE = "0.0001"
QUICK = RetryPolicy(attempts=8, base=0.01, cap=0.05)


def created(proxy, to=None):
    return [r for r in proxy.delivered_to_peer(to) if r.status is None or r.status < 300]


def assert_exactly_once(con, batch_id, proxy, numbers):
    progress = ledger.batch_progress(con, batch_id)
    assert progress.accounted == len(numbers)
    per_number = {n: len(created(proxy, n)) for n in numbers}
    assert {n: k for n, k in per_number.items() if k > 1} == {}
    sent = {
        p
        for (p,) in con.execute(
            "SELECT phone FROM messages WHERE batch_id = ? AND state = 'sent'", [batch_id]
        ).fetchall()
    }
    assert sent == {n for n, k in per_number.items() if k == 1}
    return progress


@pytest.fixture
def batch(fresh_db):
    def freeze(n: int, body: str = "Peer test") -> tuple[str, list[str]]:
        numbers = phones(n)
        quote = make_quote(numbers, body, price=PRICE)
        return ledger.freeze_batch(fresh_db, quote, sender=FROM, mode="live"), numbers

    return freeze


def send(con, gateway, batch_id, **kw):
    kw.setdefault("concurrency", 4)
    kw.setdefault("rate_segments_per_second", 1000)
    kw.setdefault("retry", QUICK)
    return run_batch(con, gateway, batch_id, **kw)


def test_peer_batch_sends_each_number_once(fresh_db, peer_gateway, fault_proxy, batch):
    batch_id, numbers = batch(30)
    progress = send(fresh_db, peer_gateway, batch_id)
    assert (progress.status, progress.sent) == ("done", 30)
    assert len(fault_proxy.creates()) == 30
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_peer_429_storm_is_ridden_out(fresh_db, peer_gateway, fault_proxy, batch):
    fault_proxy.error(20429, times=40)
    batch_id, numbers = batch(20)
    patient = RetryPolicy(attempts=45, base=0.01, cap=0.05)  # one worker may meet every 429
    progress = send(fresh_db, peer_gateway, batch_id, retry=patient)
    assert (progress.status, progress.sent) == ("done", 20)
    assert len(fault_proxy.creates()) == 60  # 40 refused, then one create each
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


@pytest.mark.parametrize("code", [20500, 20503])
def test_peer_5xx_is_retried(fresh_db, peer_gateway, fault_proxy, batch, code):
    fault_proxy.error(code, times=6)
    batch_id, numbers = batch(12)
    assert send(fresh_db, peer_gateway, batch_id).sent == 12
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_peer_timeout_is_unknown_until_reconciled(fresh_db, peer_gateway, fault_proxy, batch):
    fault_proxy.remember_messages()  # the list shows what was created, still queued at "Twilio"
    batch_id, numbers = batch(6)
    slow = numbers[2]
    fault_proxy.delay(2.0, to=slow, times=1)  # past the client's 1 s timeout, after Prism saw it
    progress = send(fresh_db, peer_gateway, batch_id)
    assert (progress.status, progress.unknown, progress.sent) == ("needs reconcile", 1, 5)
    send(fresh_db, peer_gateway, batch_id)  # within the settle time: not looked up, not resent
    assert len(fault_proxy.creates(slow)) == 1
    result = reconcile(fresh_db, peer_gateway, batch_id, settle=0)
    assert (result.found, result.requeued) == (1, 0)
    assert send(fresh_db, peer_gateway, batch_id).status == "done"
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_peer_connection_cut_before_forwarding_is_sent_once(fresh_db, peer_gateway, fault_proxy, batch):
    fault_proxy.remember_messages()
    batch_id, numbers = batch(5)
    cut = numbers[1]
    fault_proxy.drop(to=cut, times=1)  # the peer never saw it; the client cannot know that
    assert send(fresh_db, peer_gateway, batch_id).unknown == 1
    result = reconcile(fresh_db, peer_gateway, batch_id, settle=0)
    assert (result.found, result.requeued) == (0, 1)
    assert send(fresh_db, peer_gateway, batch_id).sent == 5
    assert len(created(fault_proxy, cut)) == 1
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_peer_permanent_errors_are_recorded_per_recipient(fresh_db, peer_gateway, fault_proxy, batch):
    batch_id, numbers = batch(8)
    codes = {numbers[0]: 21211, numbers[1]: 21408, numbers[2]: 21608, numbers[3]: 21614, numbers[4]: 21610}
    for number, code in codes.items():
        fault_proxy.error(code, to=number)
    progress = send(fresh_db, peer_gateway, batch_id)
    assert (progress.status, progress.failed, progress.sent) == ("done", 5, 3)
    stored = dict(
        fresh_db.execute("SELECT phone, error_code FROM messages WHERE state = 'failed'").fetchall()
    )
    assert stored == codes
    assert all(len(fault_proxy.creates(n)) == 1 for n in codes)  # never retried
    assert fresh_db.execute("SELECT phone FROM suppressions").fetchall() == [(numbers[4],)]
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_peer_auth_failure_stops_at_once(fresh_db, peer_gateway, fault_proxy, batch):
    fault_proxy.error(20003)
    batch_id, numbers = batch(30)
    progress = send(fresh_db, peer_gateway, batch_id, concurrency=2)
    assert progress.status == "stopped: auth" and progress.queued == 30
    assert len(fault_proxy.creates()) <= 2
    fault_proxy.reset()
    assert send(fresh_db, peer_gateway, batch_id).status == "done"
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_peer_balance_short_sends_nothing(fresh_db, peer_gateway, fault_proxy):
    numbers = phones(10)
    batch_id = ledger.freeze_batch(
        fresh_db, make_quote(numbers, price="0.04"), sender=FROM, mode="live"
    )  # USD 0.40 against the peer's USD 0.05
    progress = send(fresh_db, peer_gateway, batch_id)
    assert progress.status == "paused" and "USD 0.05" in progress.reason
    assert fault_proxy.creates() == []


def test_peer_account_out_of_funds_pauses_then_resumes(fresh_db, peer_gateway, fault_proxy, batch):
    batch_id, numbers = batch(20)
    fault_proxy.error(20005, to=numbers[6], times=1)
    progress = send(fresh_db, peer_gateway, batch_id, concurrency=1)
    assert progress.status == "paused" and "funds" in progress.reason
    assert progress.queued > 0 and progress.unknown == 0
    assert send(fresh_db, peer_gateway, batch_id).status == "done"
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_sandbox_balance_running_out_pauses_until_top_up(fresh_db, sandbox):
    numbers = phones(40)
    batch_id = ledger.freeze_batch(fresh_db, make_quote(numbers, price="0.0001"), sender=FROM, mode="sandbox")
    sandbox.set_balance("0.50")  # covers the (wrong, too low) estimate, not the real price
    progress = send(fresh_db, sandbox, batch_id, concurrency=1)
    assert progress.status == "paused" and "funds" in progress.reason
    assert 0 < progress.sent < 40
    sandbox.top_up("20")
    assert send(fresh_db, sandbox, batch_id).status == "done"
    counts = fresh_db.execute(
        "SELECT to_number, count(*) FROM sandbox_messages GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    assert counts == []
    assert ledger.batch_progress(fresh_db, batch_id).sent == 40


CHILD = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from smscore import store
from smscore.twilio.credentials import Credentials
from smscore.sending.sender import run_batch
from smscore.twilio.live import TwilioGateway
from peer import ACCOUNT_SID, AUTH_TOKEN
con = store.connect({db!r})
creds = Credentials.from_mapping({{"TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                                   "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": {sender!r}}})
gateway = TwilioGateway(creds, api_url={url!r}, timeout=5)
print("started", flush=True)
run_batch(con, gateway, {batch!r}, concurrency=4, rate_segments_per_second=1000)
print("finished", flush=True)
"""


def test_peer_sigkill_mid_batch_then_resume_sends_each_once(db_path, peer_gateway, fault_proxy):
    fault_proxy.remember_messages()
    numbers = phones(120)
    con = store.connect(db_path)
    batch_id = ledger.freeze_batch(con, make_quote(numbers, price=PRICE), sender=FROM, mode="live")
    con.close()
    fault_proxy.delay(0.05)  # every create answered slowly: the kill lands with requests in flight
    code = CHILD.format(
        root=str(ROOT),
        tests=str(ROOT / "tests"),
        db=str(db_path),
        sender=FROM,
        url=fault_proxy.url,
        batch=batch_id,
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
    )
    deadline = time.monotonic() + 60
    while len(fault_proxy.creates()) < 30 and time.monotonic() < deadline:
        assert child.poll() is None, "the sender finished before it could be killed"
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL
    _wait_until_quiet(fault_proxy)
    fault_proxy.rules.clear()

    con = store.connect(db_path)
    try:
        before = ledger.counts(con, batch_id)
        assert before["claimed"] > 0 and before["queued"] > 0  # killed mid-batch, claims held
        progress = send(con, peer_gateway, batch_id, reconcile_settle=0)
        assert (progress.status, progress.sent) == ("done", 120)
        assert_exactly_once(con, batch_id, fault_proxy, numbers)
    finally:
        con.close()


def _wait_until_quiet(proxy, quiet: float = 0.5) -> None:
    """Let requests the dead process left in the proxy finish reaching the peer."""
    seen, since = -1, time.monotonic()
    while time.monotonic() - since < quiet:
        now = sum(r.forwarded for r in proxy.creates())
        if now != seen:
            seen, since = now, time.monotonic()
        time.sleep(0.05)


def test_sender_tests_price_batches_within_the_peer_balance():
    assert Decimal(PRICE) * 120 < Decimal("0.05")


# --- the command line, on the sandbox with a real quote -------------------------------------------


@pytest.fixture
def contacts_db(db_path):
    con = store.connect(db_path)
    con.execute("""INSERT INTO contacts (phone, country, name, fields) VALUES
        ('+5511987654321', 'BR', 'Ana', '{}'), ('+351912345678', 'PT', 'Rui', '{}'),
        ('+12025550123', 'US', 'Bob', '{}')""")
    con.close()
    return db_path


def test_cli_send_sends_once_and_batches_lists_it(contacts_db, capsys):
    from smscore.cli import main

    args = ["--db", str(contacts_db), "send", "--body", "Hi {name}", "--yes", "--rate", "100"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "sent: sent 3, failed 0, unknown 0, queued 0" in out  # the outcome, then counts
    assert main(args) == 0  # the same batch again: resumed, nothing new sent
    assert "sent: sent 3" in capsys.readouterr().out
    assert main(["--db", str(contacts_db), "batches"]) == 0
    listed = capsys.readouterr().out
    assert len([line for line in listed.splitlines() if "  sandbox  " in line]) == 1
    assert "  sent  " in listed  # the batch's outcome
    con = store.connect(contacts_db)
    assert con.execute("SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages").fetchone() == (
        3,
        3,
    )
    con.close()


def test_cli_send_refused_when_balance_short(contacts_db, capsys):
    from smscore.cli import main
    from smscore.twilio.sandbox import SandboxGateway

    con = store.connect(contacts_db)
    SandboxGateway(con).set_balance("0.01")
    con.close()
    assert main(["--db", str(contacts_db), "send", "--body", "Hi", "--yes"]) == 1
    assert "more is needed" in capsys.readouterr().err
    con = store.connect(contacts_db)
    assert con.execute("SELECT count(*) FROM sandbox_messages").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM batches").fetchone() == (0,)
    con.close()


def test_cli_send_on_a_trial_account_counts_twilios_prefix(contacts_db, capsys):
    from smscore.cli import main
    from smscore.twilio.sandbox import SandboxGateway

    con = store.connect(contacts_db)
    account = SandboxGateway(con)
    account.set_type("Trial")
    account.verify("+5511987654321")
    account.verify("+351912345678")
    con.close()
    body = "x" * 140  # one GSM-7 segment alone, two with the 38-character trial prefix
    assert main(["--db", str(contacts_db), "send", "--body", body, "--yes", "--rate", "100"]) == 0
    out = capsys.readouterr().out
    assert "trial account" in out and "total: 2 recipients, 4 segments" in out
    assert "not a verified number (trial account)" in out  # Bob, +1 202..., left out up front
    con = store.connect(contacts_db)
    assert con.execute("SELECT count(*) FROM sandbox_messages").fetchone() == (2,)
    con.close()


def test_cli_send_warns_when_the_batch_leaves_the_balance_low(contacts_db, capsys):
    from smscore.cli import main
    from smscore.twilio.sandbox import SandboxGateway

    con = store.connect(contacts_db)
    SandboxGateway(con).set_balance("2.05")
    con.close()
    assert main(["--db", str(contacts_db), "send", "--body", "Hi", "--yes", "--rate", "100"]) == 0
    assert "Low balance" in capsys.readouterr().err


# --- two campaigns on one account: reconcile adopts only its own --------------------------------


def _lose_claims(con, batch_id, n):
    """A run that claimed the first n rows and died before recording any answer."""
    claims = ledger.claim(con, batch_id, "dead-run", after_seq=0, limit=n)
    ledger.expire_claims(con, batch_id, [])
    return claims


def test_sandbox_reconcile_adopts_none_of_another_campaigns_messages(fresh_db, sandbox):
    from smscore.twilio.sandbox import SANDBOX_SENDER

    numbers = phones(4)
    for number in numbers:  # campaign A, sent the same day by another app on the same account
        sandbox.send(number, "Campaign A: 10% off", SANDBOX_SENDER)
    sandbox.send(numbers[0], "Campaign B", "+15017122661")  # B's text, from another sender
    batch_b = ledger.freeze_batch(
        fresh_db, make_quote(numbers, "Campaign B"), sender=SANDBOX_SENDER, mode="sandbox"
    )
    claims = _lose_claims(fresh_db, batch_b, 4)
    ours = sandbox.send(claims[3].phone, claims[3].body, SANDBOX_SENDER)  # got out, unrecorded
    result = reconcile(fresh_db, sandbox, batch_b, settle=0)
    assert (result.found, result.requeued, result.left) == (1, 3, 0)
    progress = run_batch(fresh_db, sandbox, batch_b, rate_segments_per_second=1000)
    assert (progress.status, progress.sent) == ("done", 4)
    got_b = fresh_db.execute(
        """SELECT to_number, count(*) FROM sandbox_messages
           WHERE body = 'Campaign B' AND sender = ? GROUP BY 1""",
        [SANDBOX_SENDER],
    ).fetchall()
    assert sorted(got_b) == [(n, 1) for n in numbers]  # every B recipient got B, once
    sids = {
        sid
        for (sid,) in fresh_db.execute("SELECT sid FROM messages WHERE batch_id = ?", [batch_b]).fetchall()
    }
    b_sids = {
        sid
        for (sid,) in fresh_db.execute(
            "SELECT sid FROM sandbox_messages WHERE body = 'Campaign B' AND sender = ?", [SANDBOX_SENDER]
        ).fetchall()
    }
    assert sids == b_sids and ours.sid in sids


def test_peer_reconcile_adopts_none_of_another_workspaces_messages(
    fresh_db, tmp_path, peer_gateway, fault_proxy
):
    fault_proxy.remember_messages()
    numbers = phones(6, start=500)
    workspace_a = store.connect(tmp_path / "a.duckdb")  # another console on the same account
    try:
        batch_a = ledger.freeze_batch(
            workspace_a, make_quote(numbers, "Campaign A", price=PRICE), sender=FROM, mode="live"
        )
        assert send(workspace_a, peer_gateway, batch_a).sent == 6
        a_sids = {s for (s,) in workspace_a.execute("SELECT sid FROM messages").fetchall()}
    finally:
        workspace_a.close()
    fault_proxy.deliver_kept()  # A's messages have left the queue: they carry a sent date
    batch_b = ledger.freeze_batch(
        fresh_db, make_quote(numbers, "Campaign B", price=PRICE), sender=FROM, mode="live"
    )
    fault_proxy.drop(to=numbers[1], times=1, after_forward=True)  # created, answer lost
    fault_proxy.drop(to=numbers[2], times=1)  # never reached Twilio
    assert send(fresh_db, peer_gateway, batch_b).unknown == 2
    result = reconcile(fresh_db, peer_gateway, batch_b, settle=0)
    assert (result.found, result.requeued, result.left) == (1, 1, 0)
    assert send(fresh_db, peer_gateway, batch_b).status == "done"
    b_sids = {
        s for (s,) in fresh_db.execute("SELECT sid FROM messages WHERE batch_id = ?", [batch_b]).fetchall()
    }
    assert not b_sids & a_sids
    kept = {m["sid"]: m for m in fault_proxy.messages}
    assert {kept[s]["body"] for s in b_sids} == {"Campaign B"}
    per_number = {n: sum(m["to"] == n and m["body"] == "Campaign B" for m in kept.values()) for n in numbers}
    assert per_number == {n: 1 for n in numbers}


def test_peer_reconcile_sees_messages_still_queued_at_twilio(fresh_db, peer_gateway, fault_proxy, batch):
    fault_proxy.remember_messages()  # nothing leaves the queue: no message has a sent date
    batch_id, numbers = batch(4)
    fault_proxy.drop(to=numbers[0], times=1, after_forward=True)
    assert send(fresh_db, peer_gateway, batch_id).unknown == 1
    assert reconcile(fresh_db, peer_gateway, batch_id, settle=0).found == 1
    assert send(fresh_db, peer_gateway, batch_id).status == "done"
    assert_exactly_once(fresh_db, batch_id, fault_proxy, numbers)


def test_ambiguous_twilio_candidates_are_neither_adopted_nor_resent(fresh_db, sandbox):
    from smscore.twilio.sandbox import SANDBOX_SENDER

    numbers = phones(2)
    batch_id = ledger.freeze_batch(
        fresh_db, make_quote(numbers, "Same text"), sender=SANDBOX_SENDER, mode="sandbox"
    )
    claims = _lose_claims(fresh_db, batch_id, 2)
    for _ in range(2):  # two identical messages: ours and another app's, indistinguishable
        sandbox.send(claims[0].phone, "Same text", SANDBOX_SENDER)
    result = reconcile(fresh_db, sandbox, batch_id, settle=0)
    assert (result.found, result.requeued, result.left, result.ambiguous) == (0, 1, 1, 1)
    progress = run_batch(fresh_db, sandbox, batch_id, rate_segments_per_second=1000, reconcile_settle=0)
    assert (progress.status, progress.sent, progress.unknown) == ("needs reconcile", 1, 1)
    assert fresh_db.execute(
        "SELECT count(*) FROM sandbox_messages WHERE to_number = ?", [claims[0].phone]
    ).fetchone() == (2,)  # not sent a third time
    notice = unknown_notice(ledger.unknown_wait(fresh_db, batch_id), batch_id, ledger.utcnow())
    assert notice.startswith("1 message could not be told apart from other messages in Twilio")


# --- SIGKILL at every commit of `send` ----------------------------------------------------------


def _cli(db, *args, crash_after=None, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMSCONSOLE_"))}
    if crash_after is not None:
        env["SMSCONSOLE_CRASH_AFTER_COMMIT"] = str(crash_after)
    return subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _contacts_file(path):
    con = store.connect(path)
    con.execute("""INSERT INTO contacts (phone, country, name, fields) VALUES
        ('+5511987654321', 'BR', 'Ana', '{}'), ('+351912345678', 'PT', 'Rui', '{}'),
        ('+12025550123', 'US', 'Bob', '{}')""")
    con.close()
    return path


def test_cli_send_killed_at_every_commit_then_resumed_sends_each_once(tmp_path):
    from smscore.reports import batches
    from smscore.twilio.sandbox import SandboxGateway

    send_args = ("send", "--body", "Hi {name}", "--yes", "--rate", "100", "--concurrency", "1")
    kills = 0
    for n in range(1, 60):
        db = _contacts_file(tmp_path / f"kill-{n}.duckdb")
        run = _cli(db, *send_args, crash_after=n)
        if run.returncode == 0:
            break  # the send finished before its nth commit: every boundary was covered
        assert run.returncode == -signal.SIGKILL, run.stderr
        kills += 1
        con = store.connect(db)
        try:
            listed = batches(con)
            # No batch is ever visible with rows missing, nor done with anything left over.
            assert (listed["rows"] == listed["recipients"]).all(), (n, listed.to_dict("records"))
            assert not ((listed["status"] == "done") & (listed["pending"] + listed["unknown"] > 0)).any()
            for batch_id in listed["batch_id"]:
                progress = run_batch(
                    con, SandboxGateway(con), batch_id, reconcile_settle=0, rate_segments_per_second=100
                )
                assert (progress.status, progress.sent) == ("done", 3), n
            received = con.execute("SELECT to_number, count(*) FROM sandbox_messages GROUP BY 1").fetchall()
            assert len(listed) == 0 or sorted(k for _, k in received) == [1, 1, 1], n
        finally:
            con.close()
    else:
        pytest.fail("the send never finished within 60 commits")
    print(f"killed at {kills} commit boundaries")
    assert kills >= 6  # freeze, run start, claims, each of 3 sends, settlements, close
    assert "sent: sent 3" in run.stdout


def _frozen_like_the_cli(path, body="Hi {name}"):
    """The batch `send --body BODY` freezes, built the way the CLI builds it."""
    from smscore.cost.quote import Selection, build_quote
    from smscore.twilio.sandbox import SANDBOX_SENDER

    con = store.connect(path)
    try:
        quote = build_quote(con, body, Selection(everyone=True))
        return ledger.freeze_batch(con, quote, sender=SANDBOX_SENDER, mode="sandbox")
    finally:
        con.close()


def test_cli_batch_resume_refuses_a_damaged_batch_and_send_repairs_it(contacts_db, capsys):
    from smscore.cli import main

    batch_id = _frozen_like_the_cli(contacts_db)
    con = store.connect(contacts_db)
    con.execute("DELETE FROM messages")  # what the old freeze left when killed between commits
    con.close()
    db = ["--db", str(contacts_db)]
    assert main([*db, "batches"]) == 0
    listed = capsys.readouterr().out
    assert "damaged" in listed and f"batch {batch_id} is damaged: it has 0 of its 3" in listed
    assert main([*db, "batch-resume", batch_id]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"error: batch {batch_id} is damaged")
    assert "send the same message to the same recipients again today" in err
    assert main([*db, "send", "--body", "Hi {name}", "--yes", "--rate", "100"]) == 0
    out = capsys.readouterr().out
    assert f"batch {batch_id}" in out and "sent: sent 3, failed 0, unknown 0" in out
    con = store.connect(contacts_db)
    assert con.execute("SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages").fetchone() == (
        3,
        3,
    )
    con.close()


WAIT_NOTICE = (
    r"outcome unknown for 2 messages; they can be looked up in Twilio from "
    r"(\d\d:\d\d:\d\d) UTC \(in (\d+) s\): run `smscore reconcile {id}` then"
)


def test_cli_says_when_unknown_outcomes_can_be_looked_up(contacts_db, capsys):
    import re

    from smscore.cli import main

    batch_id = _frozen_like_the_cli(contacts_db)
    con = store.connect(contacts_db)
    claimed = ledger.utcnow()
    ledger.claim(con, batch_id, "dead-run", after_seq=0, limit=2, now=claimed)
    ledger.expire_claims(con, batch_id, [])  # a crash: two requests may or may not have left
    con.close()
    notice = re.compile(WAIT_NOTICE.format(id=batch_id))
    ready = (claimed + ledger.RECONCILE_SETTLE).strftime("%H:%M:%S")
    db = ["--db", str(contacts_db)]

    assert main([*db, "batches"]) == 0
    found = notice.search(capsys.readouterr().out)
    assert found and found.group(1) == ready and 50 <= int(found.group(2)) <= 60
    assert main([*db, "reconcile", batch_id]) == 1  # too early: nothing looked up yet
    out, err = capsys.readouterr()
    assert "still unknown 2" in out and notice.search(err)
    assert main([*db, "batch-resume", batch_id, "--rate", "100"]) == 1  # sends the third only
    out, err = capsys.readouterr()
    assert "paused (needs reconcile): sent 1" in out and notice.search(err)

    con = store.connect(contacts_db)
    con.execute(
        "UPDATE messages SET claimed_at = claimed_at - INTERVAL 2 MINUTE WHERE state = 'unknown'"
    )  # the settle time has passed
    con.close()
    assert main([*db, "batches"]) == 0
    assert (
        f"they can be looked up in Twilio now: run `smscore reconcile {batch_id}`" in capsys.readouterr().out
    )
    assert main([*db, "reconcile", batch_id]) == 0
    out = capsys.readouterr().out
    assert "queued again 2, still unknown 0" in out
    assert f"run `smscore batch-resume {batch_id}`" in out
    assert main([*db, "batch-resume", batch_id, "--rate", "100"]) == 0
    assert "sent: sent 3" in capsys.readouterr().out
