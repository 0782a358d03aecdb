"""One workspace, many processes: the console, CLI commands and notebooks on one DuckDB file.

Real processes on real files: a `streamlit run` console sending from Chromium, `python -m
smscore` commands, and notebook calls, all on the same workspace at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

import smscore
from smscore import store
from smscore.sending import ledger
from smscore.store.settings import update_settings

ROOT = Path(__file__).resolve().parent.parent

HOLD = """
import sys, time
from smscore import store
ws = store.Workspace(sys.argv[1], kind="cli", detail="import", linger=0)
with ws.unit() as con:
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def cli(
    db: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        cwd=ROOT,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMSCONSOLE_"))}
    env["PYTHONPATH"] = str(ROOT)
    return {**env, **extra}


def hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the workspace for `seconds`, as a long CLI import would."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def contacts_csv(path: Path, n: int, area: str = "11") -> Path:
    rows = [f"Contato {i},+55 {area} 98{i:07d},clientes" for i in range(n)]
    path.write_text("name,phone,category\n" + "\n".join(rows) + "\n")
    return path


def live_batch(db: Path, numbers: list[str], fault_proxy) -> tuple[str, dict[str, str]]:  # noqa: ANN001
    """A frozen live batch to `numbers` in a new workspace, and a CLI environment that sends it
    through the fault proxy to the Prism peer."""
    from peer import ACCOUNT_SID, AUTH_TOKEN
    from sendkit import make_quote

    con = store.connect(db)
    batch = ledger.freeze_batch(con, make_quote(numbers, price="0"), sender="+15017122661", mode="live")
    con.close()
    return batch, _env(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM="+15017122661",
        SMSCONSOLE_TWILIO_API_URL=fault_proxy.url,
        SMSCONSOLE_TWILIO_PRICING_URL=fault_proxy.url,
        NO_PROXY="127.0.0.1,localhost",
    )


def test_waiting_message_names_the_holder(tmp_path):
    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    holder = hold(db, 9)  # the notice comes after 3 s of waiting, once Python has started
    started = time.monotonic()
    done = cli(db, "batches", "--wait", "60")
    holder.wait(10)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 3  # it did wait for the holder
    assert (
        f"waiting for the workspace: held by a CLI command `import` (PID {holder.pid}) since " in done.stderr
    )
    assert "lock" not in done.stderr.lower()
    assert "no batches yet" in done.stdout


def test_cli_gives_up_after_wait_with_one_sentence_and_nonzero_exit(tmp_path):
    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    holder = hold(db, 20)
    try:
        done = cli(db, "--wait", "1", "report", "--by", "country")
    finally:
        holder.kill()
        holder.wait(10)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"error: the workspace {db} is busy: held by a CLI command `import` (PID {holder.pid}) since "
    )
    assert "gave up after 1 s" in lines[0] and "Traceback" not in done.stderr


def test_wait_from_environment_and_bad_value_refused_in_one_sentence(tmp_path):
    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    holder = hold(db, 20)
    try:
        gave_up = cli(db, "batches", env=_env(SMSCONSOLE_WAIT="0.5"))
    finally:
        holder.kill()
        holder.wait(10)
    assert gave_up.returncode == 1 and "gave up after 0.5 s" in gave_up.stderr
    bad = cli(db, "batches", env=_env(SMSCONSOLE_WAIT="soon"))
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: SMSCONSOLE_WAIT must be a number of seconds; got 'soon'"


def test_notebook_api_never_holds_the_workspace_between_calls(tmp_path):
    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    with smscore.workspace(db) as ws:
        assert ws.batches().empty
        # Between two calls (two cells) another process gets in without waiting at all.
        assert cli(db, "--wait", "0", "batches").returncode == 0
        assert ws.cost_report("country").empty
    assert cli(db, "--wait", "0", "batches").returncode == 0
    with pytest.raises(RuntimeError, match="closed when its `with` block ended"):
        ws.batches()


def test_notebook_waits_for_a_holder_then_reads(tmp_path, capsys):
    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    holder = hold(db, 5)
    with smscore.workspace(db, wait=30) as ws:
        assert ws.batches().empty
    holder.wait(10)
    assert f"held by a CLI command `import` (PID {holder.pid})" in capsys.readouterr().out


def test_notebook_cost_report_has_exact_decimals(tmp_path):
    from sendkit import make_quote, phones

    db = tmp_path / "ws.duckdb"
    con = store.connect(db)
    batch = ledger.freeze_batch(
        con, make_quote(phones(3), price="0.0123"), sender="+15005550006", mode="sandbox"
    )
    con.execute("UPDATE messages SET state = 'sent', actual_price = 0.0125")
    con.close()
    with smscore.workspace(db) as ws:
        frame = ws.cost_of_batches("country", [batch])
    row = frame.iloc[0]
    assert row["currency"] == "USD" and row["batch_id"] == batch
    assert row["actual"] == Decimal("0.037500") and row["estimate_max"] == Decimal("0.036900")


# --- two senders, two processes, one batch -------------------------------------------------------


def test_two_senders_in_two_processes_send_each_message_once(tmp_path, fault_proxy):
    from sendkit import phones

    db = tmp_path / "ws.duckdb"
    numbers = phones(80)
    batch, env = live_batch(db, numbers, fault_proxy)
    fault_proxy.delay(0.05)  # a round trip like Twilio's, so the two runs overlap
    args = [
        sys.executable,
        "-m",
        "smscore",
        "--db",
        str(db),
        "batch-resume",
        batch,
        "--rate",
        "40",
        "--concurrency",
        "4",
    ]
    runs = [
        subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (_, err) in zip(runs, outputs):
        assert run.returncode in (0, 1), err
        assert "error:" not in err and "Traceback" not in err, err
    creates = [r.to for r in fault_proxy.creates()]
    assert sorted(creates) == sorted(numbers)  # each recipient exactly once at the peer
    con = store.connect(db)
    states = dict(con.execute("SELECT state, count(*) FROM messages GROUP BY 1").fetchall())
    attempts = con.execute("SELECT sum(attempts) FROM messages").fetchone()[0]
    con.close()
    assert states == {"sent": 80} and attempts == 80


def test_poll_lets_the_cli_in_while_twilio_answers(tmp_path, fault_proxy):
    """`poll` holds the workspace to read what to fetch and to record the answers, never while
    Twilio answers: a CLI command gets in while the fetches are on their way."""
    from sendkit import phones

    db = tmp_path / "ws.duckdb"
    batch, env = live_batch(db, phones(24), fault_proxy)
    assert cli(db, "batch-resume", batch, "--rate", "100", env=env).returncode == 0
    fault_proxy.delay(1.0, method="GET", path=".json")  # each fetch: a slow Twilio
    poll = subprocess.Popen(
        [sys.executable, "-m", "smscore", "--db", str(db), "poll", batch],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(r.method == "GET" and "/Messages/" in r.path for r in fault_proxy.requests):
            assert poll.poll() is None and time.monotonic() < deadline, poll.stderr.read()
            time.sleep(0.05)
        meanwhile = cli(db, "--wait", "0.5", "batches", env=env)
        still_polling = poll.poll() is None
        out, err = poll.communicate(timeout=120)
    finally:
        poll.kill()
    assert meanwhile.returncode == 0, meanwhile.stderr
    assert batch[:12] in meanwhile.stdout and still_polling  # the short id, as the console shows it
    assert poll.returncode == 0 and "updated 24 messages" in out, err
    con = store.connect(db)
    polled = con.execute(
        "SELECT count(*) FROM messages WHERE batch_id = ? AND twilio_status IS NOT NULL", [batch]
    ).fetchone()[0]
    con.close()
    assert polled == 24


# --- the console sending while others use the workspace -------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from browser import CHROMIUM, LAUNCH_ARGS

    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS}


@pytest.mark.browser
def test_console_sending_while_cli_and_notebook_use_the_workspace(page, tmp_path):
    from browser import button, nav_link, no_error, open_page, streamlit_server, wait_for_run
    from playwright.sync_api import expect

    from smscore.contacts.importer import import_contacts

    db = tmp_path / "shared.duckdb"
    con = store.connect(db)
    import_contacts(
        con, contacts_csv(tmp_path / "batch.csv", 40, area="21").read_bytes(), default_country="BR"
    )
    update_settings(con, send_rate=Decimal("8"))  # 40 messages: about 5 s of sending
    con.close()
    big = contacts_csv(tmp_path / "import.csv", 10_000)
    with streamlit_server(db, tmp_path / "server.log") as url:
        open_page(page, url)
        nav_link(page, "Send").click()
        wait_for_run(page)
        box = page.get_by_test_id("stTextArea").locator("textarea")
        box.fill("Olá {name}!")
        box.press("Control+Enter")
        wait_for_run(page)
        button(page, "Send to 40 recipients").click()
        dialog = page.get_by_test_id("stDialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Confirm and send").click()
        wait_for_run(page)
        with smscore.workspace(db, wait=60) as ws:
            deadline = time.monotonic() + 30
            while ws.batches().empty and time.monotonic() < deadline:
                time.sleep(0.2)
            if ws.batches().empty:
                page.screenshot(path=str(tmp_path / "no-batch.png"), full_page=True)
            batch = ws.batches()["batch_id"].iloc[0]
            assert ws.batches()["status"].iloc[0] in ("frozen", "sending")  # still sending
            results = {
                "report": cli(db, "report", "--by", "country"),
                "quote": cli(db, "quote", "--body", "Oi {name}"),
                "batches": cli(db, "batches"),
                "log": cli(db, "log", batch),
                "balance": cli(db, "balance"),
                "import": cli(db, "import", str(big), "--default-country", "BR"),
                "notebook": subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import smscore, sys\n"
                        "with smscore.workspace(sys.argv[1]) as ws:\n"
                        "    print(len(ws.cost_report('category')), 'rows')",
                        str(db),
                    ],
                    cwd=ROOT,
                    env=_env(),
                    capture_output=True,
                    text=True,
                    timeout=180,
                ),
            }
            while (
                ws.batches()["status"].iloc[0] not in ("done", "paused", "needs_reconcile")
                and time.monotonic() < deadline + 60
            ):
                time.sleep(0.3)
            final = ws.batches().iloc[0]
            counts = ws.sql(
                "SELECT (SELECT count(*) FROM contacts) AS contacts, "
                "(SELECT count(*) FROM sandbox_messages) AS received, "
                "(SELECT count(DISTINCT to_number) FROM sandbox_messages) AS people"
            )
        no_error(page)
    for name, done in results.items():
        assert done.returncode == 0, f"{name}: {done.stderr}"
        assert "lock" not in done.stderr.lower() and "Traceback" not in done.stderr, name
    assert "imported 10000" in results["import"].stdout
    assert "rows" in results["notebook"].stdout
    assert final["status"] == "done" and final["sent"] == 40
    assert counts.iloc[0].tolist() == [10_040, 40, 40]  # nothing lost, nobody messaged twice


# --- the console while a CLI command holds the workspace -----------------------------------------


@pytest.fixture
def apptest(monkeypatch):
    """AppTest as tests/test_pages.py runs it (its format_func lambdas are not serialisable)."""
    from streamlit import config as st_config

    previous = st_config.get_option("runner.enforceSerializableSessionState")
    st_config.set_option("runner.enforceSerializableSessionState", False)
    monkeypatch.chdir(ROOT)
    yield
    st_config.set_option("runner.enforceSerializableSessionState", previous)


def test_console_page_waits_for_a_cli_command_instead_of_failing(tmp_path, monkeypatch, apptest):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    monkeypatch.setenv("SMSCONSOLE_DB", str(db))
    holder = hold(db, 4)
    started = time.monotonic()
    at = AppTest.from_file(str(ROOT / "pages" / "contacts.py"), default_timeout=60).run()
    holder.wait(10)
    assert not at.exception, [e.message for e in at.exception]
    assert time.monotonic() - started >= 3  # it waited for the command, then drew the page
    assert not at.error and at.title


def test_console_page_says_who_holds_the_workspace_when_the_wait_runs_out(tmp_path, monkeypatch, apptest):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "ws.duckdb"
    store.connect(db).close()
    monkeypatch.setenv("SMSCONSOLE_DB", str(db))
    monkeypatch.setenv("SMSCONSOLE_WAIT", "1")
    holder = hold(db, 20)
    try:
        at = AppTest.from_file(str(ROOT / "pages" / "contacts.py"), default_timeout=60).run()
    finally:
        holder.kill()
        holder.wait(10)
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.error) == 1 and not at.title  # one sentence instead of the page
    assert at.error[0].value.startswith(
        f"The workspace is busy: a CLI command `import` (PID {holder.pid}) since "
    )
    assert "than this page waits (1 s)" in at.error[0].value and str(db) not in at.error[0].value


def test_lingering_holder_lets_a_waiting_process_in_at_once(tmp_path):
    db = tmp_path / "ws.duckdb"
    ws = store.Workspace(db, kind="console", linger=60)  # would keep the file a minute
    with ws.unit() as con:
        con.execute("SELECT 1").fetchall()
    assert ws.is_open()  # lingering: the next unit costs nothing
    started = time.monotonic()
    done = cli(db, "--wait", "20", "batches")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 15  # not the 60 s linger
    assert not ws.is_open()
    with ws.unit() as con:  # and the file comes back when this process needs it again
        assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_units_nest_on_one_thread_and_share_the_file(tmp_path):
    ws = store.Workspace(tmp_path / "ws.duckdb", wait=0, linger=0)
    with ws.unit() as outer:
        outer.execute("CREATE TABLE t (x INTEGER)")
        with ws.unit() as inner:  # would wait on itself forever without nesting
            inner.execute("INSERT INTO t VALUES (1)")
        assert outer.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    assert not ws.is_open()


def test_two_sender_threads_on_one_connection_each_use_a_cursor_of_their_own(tmp_path):
    import threading

    from sendkit import LedgerTwilio, make_quote, phones

    from smscore.sending.sender import run_batch

    con = store.connect(tmp_path / "ws.duckdb")
    batch = ledger.freeze_batch(
        con, make_quote(phones(100), price="0"), sender="+447700900001", mode="sandbox"
    )
    twilio, errors = LedgerTwilio(latency=0.002), []

    def send() -> None:
        try:
            run_batch(con, twilio, batch, rate_segments_per_second=1e6, reconcile_settle=0)
        except Exception as exc:  # noqa: BLE001 - collected: a thread's error is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []  # "connection is busy with another call" when both share one handle
    assert sum(twilio.attempts.values()) == 100
