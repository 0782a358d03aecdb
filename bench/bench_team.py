"""A team's day on one workspace: N signed-in Chromium sessions browse the console while the CLI
sends a batch and imports a file (issue 17).

Everything is real and on loopback: `streamlit run console.py` in live mode against the Twilio
peer the tests use (tests/peer.py: Prism behind the fault proxy, every message answered after
`--peer-delay` seconds), Debian's Chromium driven by Playwright, and `python -m smscore` for the
set-up, the send and the import, all on one DuckDB file.

1. Set-up (not timed): a workspace of ~`--contacts` contacts imported with the CLI, one operator
   account per session and one for the CLI (`user add`, password on stdin), then the console.
2. Each session signs in once through the form (the console's session cookie keeps it signed
   in), then opens the pages by URL in turn, each load timed in the page from navigation start
   until the app is connected, the sidebar names the user and the script run has ended; then
   it waits `--think` seconds (0.5x-1.5x, at random) like a person reading the page.
3. Phases: `--quiet` seconds of browsing alone, then `python -m smscore send` of everyone
   (~`--send`, `--rate`, `--concurrency`) and, `--import-at` seconds later, `python -m smscore
   import` of `--import-rows` new rows; browsing goes on until both have ended and `--window`
   seconds have passed (at most `--max-window`).

It prints loads, median, p90 and max per page and phase, errors seen on pages, and where the
time goes: in the page (until connected, then the script run), on the server (how long each
script run waited for the workspace and held it, from the store's own timings written to
SMSCONSOLE_WORKSPACE_LOG), how often the file changed hands and what that cost, and the CPU
each process took (from /proc, and os.wait4 for the CLI), beside the load average.

Run: python bench/bench_team.py [--sessions 10] [--window 120] [--quiet 30] [--think 5]
(bench/README.md, "Team load (issue 17)", has the figures and what they mean.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import peer  # noqa: E402
from browser import CHROMIUM, LAUNCH_ARGS, streamlit_server  # noqa: E402
from gen_contacts import write_contacts_csv  # noqa: E402
from peer import ACCOUNT_SID, AUTH_TOKEN, FaultProxy, PrismPeer, no_proxy_for_loopback  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from smscore.export import write_csv  # noqa: E402
from smscore.store import TRACE_ENV  # noqa: E402

PASSWORD = "team load password 17"
CLI_USER = "cli@example.com"
FROM = "+15017122661"
PAGES = ("/", "/contacts", "/send", "/reports", "/prices")
TICK = os.sysconf("SC_CLK_TCK")

# Runs in every page the sessions open: notes, against the page's own clock (0 = navigation
# start), when the app is connected, when the sidebar names the user, and when the script run
# has ended after that; and any error Streamlit or the console shows.
PROBE = """
(email) => {
  const t = {};
  window.__bench = t;
  const tick = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (app) {
      if (!t.connected && app.getAttribute('data-test-connection-state') === 'CONNECTED')
        t.connected = performance.now();
      const side = document.querySelector("[data-testid='stSidebar']");
      if (t.connected && !t.user && side && side.textContent.includes(email))
        t.user = performance.now();
      const bad = document.querySelector("[data-testid='stException'], .st-key-script_error");
      if (bad && !t.error) t.error = bad.textContent.slice(0, 200);
      const alert = document.querySelector("[data-testid='stAlertContentError']");
      if (alert && !t.alert) t.alert = alert.textContent.slice(0, 200);
      if ((t.user || t.error) && app.getAttribute('data-test-script-state') === 'notRunning') {
        t.done = performance.now();
        return;
      }
    }
    setTimeout(tick, 25);
  };
  tick();
}
"""


@dataclass
class Load:
    session: int
    path: str
    started: float  # time.time() when the navigation was asked for
    seconds: float  # navigation start to the end of the script run, in the page
    connected: float | None = None  # navigation start to the app's websocket up
    error: str = ""  # a Streamlit exception, the console's error sentence, or a timeout
    alert: str = ""  # an error alert the page drew (e.g. the workspace busy)
    phase: str = ""


@dataclass
class Job:
    """A CLI command run during the window, with what os.wait4 says it cost."""

    name: str
    argv: list[str]
    stdin: str = ""
    started: float = 0.0
    ended: float = 0.0
    code: int | None = None
    cpu: float = 0.0
    peak_rss_mb: float = 0.0
    output: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)


class _FundedHandler(peer._ProxyHandler):
    """Prism's Balance example is USD 0.05, short of any batch: after Prism has answered (and
    so checked) a balance request, the amount becomes FUNDS; everything else is Prism's."""

    def _remember(self, rec: peer.Recorded, status: int, payload: bytes) -> tuple[int, bytes]:
        if rec.method == "GET" and rec.path.split("?")[0].endswith("/Balance.json") and status == 200:
            answer = json.loads(payload)
            answer["balance"] = FUNDS
            return status, json.dumps(answer).encode()
        return super()._remember(rec, status, payload)


FUNDS = "1000000.00"


class FundedProxy(FaultProxy):
    """The tests' counting fault proxy in front of Prism, with an account that can pay."""

    def _handler(self) -> type:
        return type("Handler", (_FundedHandler,), {"proxy": self})


# --- set-up ---------------------------------------------------------------------------------------


def cli(db: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env or base_env(),
        timeout=600,
        check=False,
    )
    if result.returncode:
        raise SystemExit(
            f"`smscore {' '.join(args)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMSCONSOLE_"))}
    return {**env, **(extra or {})}


def prepare(work: Path, args: argparse.Namespace) -> tuple[Path, list[str], Path]:
    """The workspace with its contacts and accounts; the file to import during the window."""
    db = work / "team.duckdb"
    # ~3% of generated rows are garbage or repeats: enough rows for `--contacts` contacts.
    contacts = write_contacts_csv(work / "contacts.csv", int(args.contacts * 1.035), seed=42)
    later = write_contacts_csv(work / "later.csv", args.import_rows, seed=1717)
    print(cli(db, "import", str(contacts)).strip().splitlines()[0])
    emails = [f"op{i + 1}@example.com" for i in range(args.sessions)]
    for email in [*emails, CLI_USER]:
        cli(db, "user", "add", email, "--role", "operator", stdin=PASSWORD + "\n")
    return db, emails, later


def peer_env(proxy: FaultProxy) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM,
        "SMSCONSOLE_TWILIO_API_URL": proxy.url,
        "SMSCONSOLE_TWILIO_PRICING_URL": proxy.url,
    }


def send_argv(args: argparse.Namespace) -> tuple[list[str], str]:
    """`send` of everyone; with `--as` and the password on stdin if this CLI takes it."""
    argv = [
        "send",
        "--body",
        "Team load {name}: hello from the bench",
        "--yes",
        "--rate",
        str(args.rate),
        "--concurrency",
        str(args.concurrency),
    ]
    helped = subprocess.run(
        [sys.executable, "-m", "smscore", "send", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=base_env(),
        check=False,
    ).stdout
    if "--as" in helped:
        return [*argv, "--as", CLI_USER], PASSWORD + "\n"
    return argv, ""


# --- the CLI during the window --------------------------------------------------------------------


def start_job(job: Job, db: Path, env: dict[str, str], log: Path) -> None:
    def run() -> None:
        with open(log, "w") as out:
            job.started = time.time()
            proc = subprocess.Popen(
                [sys.executable, "-m", "smscore", "--db", str(db), *job.argv],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=ROOT,
                env=env,
            )
            proc.stdin.write(job.stdin)
            proc.stdin.close()
            _, status, usage = os.wait4(proc.pid, 0)  # its CPU and memory, from the kernel
            proc.returncode = os.waitstatus_to_exitcode(status)
            job.ended = time.time()
        job.code = proc.returncode
        job.cpu = usage.ru_utime + usage.ru_stime
        job.peak_rss_mb = usage.ru_maxrss / 1024
        job.output = log.read_text(errors="replace")

    job.thread = threading.Thread(target=run, name=f"job-{job.name}", daemon=True)
    job.thread.start()


# --- CPU and load from /proc ----------------------------------------------------------------------


class CpuWatch:
    """CPU seconds of our processes by role, of the whole machine, and the load average."""

    def __init__(self) -> None:
        self.first: dict[int, tuple[str, float]] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.loads: list[float] = []
        self.machine: list[tuple[float, float]] = []  # (busy, total) seconds, all cores
        self.started = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpuwatch", daemon=True)

    def start(self) -> None:
        self.machine.append(_machine())
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.machine.append(_machine())

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def _sample(self) -> None:
        self.loads.append(os.getloadavg()[0])
        for pid, role in _descendants(os.getpid()).items():
            used = _cpu(pid)
            if used is None:
                continue
            # A process born during the window spent all its CPU in it; a dead one waiting to
            # be reaped has lost its command line, so it keeps the role it was first seen with.
            first = self.first.setdefault(pid, (role, 0.0 if self.started else used))
            self.last[pid] = (first[0], used)
        self.started = True

    def by_role(self) -> dict[str, float]:
        spent: dict[str, float] = defaultdict(float)
        for pid, (role, used) in self.last.items():
            spent[role] += used - self.first[pid][1]
        return dict(spent)

    def machine_busy(self) -> tuple[float, float]:
        (b0, t0), (b1, t1) = self.machine[0], self.machine[-1]
        return b1 - b0, t1 - t0


def _machine() -> tuple[float, float]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / TICK, sum(values[:8]) / TICK


def _cpu(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _descendants(root: int) -> dict[int, str]:
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                commands[int(entry)] = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    found = {root: "bench (Playwright client, fault proxy)"}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found[pid] = _role(commands.get(pid, ""))
                changed = True
    found.pop(root)
    found = {pid: role for pid, role in found.items() if role != "cli"}  # os.wait4 counts those
    found[root] = "bench (Playwright client, fault proxy)"
    return found


def _role(command: str) -> str:
    if "streamlit" in command:
        return "console (streamlit)"
    if "chrom" in command:
        return "chromium"
    if "prism" in command:
        return "peer (prism)"
    if "smscore" in command:
        return "cli"
    if "playwright" in command or "node" in command:
        return "playwright driver"
    return f"other ({command.split(' ')[0][-30:] or 'no command line'})"


# --- the sessions ---------------------------------------------------------------------------------


async def sign_in(context, url: str, email: str, timeout_ms: float):  # noqa: ANN001, ANN201
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)
    await page.goto(url + "/")
    await page.get_by_role("textbox", name="E-mail").fill(email)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_test_id("stFormSubmitButton").get_by_role("button", name="Sign in").click()
    await page.wait_for_function("() => window.__bench && window.__bench.done", polling=100)
    for _ in range(100):  # the console's own route sets the cookie just after the run
        if any(c["name"] == "smsconsole_session" for c in await context.cookies()):
            return page
        await page.wait_for_timeout(100)
    raise SystemExit(f"{email}: the console set no session cookie")


async def browse(
    n: int,
    page,
    url: str,
    until: threading.Event,
    think: float,  # noqa: ANN001
    timeout_ms: float,
    loads: list[Load],
) -> None:
    rng = random.Random(n)
    order = PAGES[n % len(PAGES) :] + PAGES[: n % len(PAGES)]
    await asyncio.sleep(rng.uniform(0, think + 1))  # the team does not click in step
    while not until.is_set():
        for path in order:
            if until.is_set():
                return
            loads.append(await one_load(n, page, url, path, timeout_ms))
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def one_load(n: int, page, url: str, path: str, timeout_ms: float) -> Load:  # noqa: ANN001
    started = time.time()
    try:
        await page.goto(url + path, wait_until="commit", timeout=timeout_ms)
        handle = await page.wait_for_function(
            "() => window.__bench && window.__bench.done && window.__bench", polling=100, timeout=timeout_ms
        )
        seen = await handle.json_value()
    except Exception as exc:  # noqa: BLE001 - a timeout is a figure, not the end of the run
        return Load(n, path, started, time.time() - started, error=f"timeout: {exc!s:.80}")
    return Load(
        n,
        path,
        started,
        seen["done"] / 1000,
        (seen.get("connected") or 0) / 1000,
        error=seen.get("error") or "",
        alert=seen.get("alert") or "",
    )


async def sessions(
    url: str, emails: list[str], args: argparse.Namespace, signed_in: threading.Event, until: threading.Event
) -> list[Load]:
    loads: list[Load] = []
    timeout_ms = args.page_timeout * 1000
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        contexts = []
        for email in emails:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            await context.add_init_script(f"({PROBE})({json.dumps(email)})")
            contexts.append(context)
        pages = await asyncio.gather(*(sign_in(c, url, e, timeout_ms) for c, e in zip(contexts, emails)))
        signed_in.set()
        await asyncio.gather(
            *(browse(n, page, url, until, args.think, timeout_ms, loads) for n, page in enumerate(pages))
        )
        await browser.close()
    return loads


# --- the window -----------------------------------------------------------------------------------


def conduct(
    url: str,
    db: Path,
    emails: list[str],
    later: Path,
    env: dict[str, str],
    args: argparse.Namespace,
    out: Path,
) -> tuple[list[Load], list[Job], CpuWatch, float, float]:
    """Run the sessions, start the CLI at its times, stop when the window is over."""
    signed_in, until = threading.Event(), threading.Event()
    result: list[list[Load]] = []
    runner = threading.Thread(
        target=lambda: result.append(asyncio.run(sessions(url, emails, args, signed_in, until))),
        name="sessions",
        daemon=True,
    )
    runner.start()
    if not signed_in.wait(600):
        raise SystemExit("the sessions did not sign in within 10 minutes")
    print(
        f"{len(emails)} sessions signed in; window begins (load average {os.getloadavg()[0]:.1f})", flush=True
    )
    send, stdin = send_argv(args)
    jobs = [Job("send", send, stdin), Job("import", ["import", str(later)])]
    watch = CpuWatch()
    watch.start()
    began = time.time()
    plan = [(began + args.quiet, jobs[0]), (began + args.quiet + args.import_at, jobs[1])]
    cap = began + args.max_window
    while time.time() < cap:
        for at, job in plan:
            if job.thread is None and time.time() >= at and not args.no_cli:
                start_job(job, db, env, out / f"cli-{job.name}.log")
                print(f"  +{time.time() - began:5.1f} s: `smscore {job.name}` started", flush=True)
        running = [j for j in jobs if j.thread is not None and j.thread.is_alive()]
        started = all(j.thread is not None for j in jobs) or args.no_cli
        if started and not running and time.time() >= began + args.quiet + args.window:
            break
        time.sleep(0.2)
    until.set()
    runner.join(args.page_timeout + 60)
    ended = time.time()
    watch.stop()
    for job in jobs:
        if job.thread is not None:
            job.thread.join(600)
    return (result[0] if result else []), jobs, watch, began, ended


# --- the report -----------------------------------------------------------------------------------


def phase_of(load: Load, jobs: list[Job]) -> str:
    ran = [(j.started, j.ended or float("inf")) for j in jobs if j.started]
    if not ran:
        return "quiet"
    end = load.started + load.seconds
    if end < min(s for s, _ in ran):
        return "quiet"
    if any(load.started < e and end > s for s, e in ran):
        return "with CLI"
    return "after"


def stats(values: list[float]) -> str:
    if not values:
        return f"{0:>6} {'-':>8} {'-':>8} {'-':>8}"
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return f"{len(values):>6} {statistics.median(values):>7.2f}s {p90:>7.2f}s {values[-1]:>7.2f}s"


def report_loads(loads: list[Load]) -> None:
    print(f"\n{'page loads':<24} {'loads':>6} {'median':>8} {'p90':>8} {'max':>8}")
    for phase in ("quiet", "with CLI", "after", "all"):
        chosen = [x for x in loads if phase in ("all", x.phase)]
        if not chosen:
            continue
        print(f"{phase:<24} {stats([x.seconds for x in chosen])}")
        if phase in ("with CLI", "all"):
            for path in PAGES:
                print(f"  {path:<22} {stats([x.seconds for x in chosen if x.path == path])}")
    errors = Counter(
        x.error.split(":")[0] if x.error.startswith("timeout") else x.error for x in loads if x.error
    )
    alerts = Counter(x.alert for x in loads if x.alert)
    print(
        f"errors on pages: {sum(errors.values())}"
        + "".join(f"\n  {n} x {text!r}" for text, n in errors.most_common(5))
    )
    print(
        f"error alerts on pages: {sum(alerts.values())}"
        + "".join(f"\n  {n} x {text!r}" for text, n in alerts.most_common(5))
    )
    for phase in ("quiet", "with CLI"):
        chosen = [x for x in loads if x.phase == phase and x.connected]
        if chosen:
            print(
                f"in the page ({phase}): until connected median "
                f"{statistics.median(x.connected for x in chosen):.2f} s, then the run "
                f"median {statistics.median(x.seconds - x.connected for x in chosen):.2f} s"
            )


def read_trace(path: Path) -> list[dict]:
    rows = []
    if not path.exists():
        return rows
    for line in path.read_text().splitlines():
        ts, pid, kind, detail, event, fields = (line.split("\t") + [""] * 6)[:6]
        row = {"ts": float(ts), "pid": int(pid), "kind": kind, "detail": detail, "event": event}
        for item in fields.split():
            key, _, value = item.partition("=")
            try:
                row[key] = float(value)
            except ValueError:
                row[key] = value
        rows.append(row)
    return rows


def report_trace(rows: list[dict], jobs: list[Job], began: float, ended: float) -> None:
    window = [r for r in rows if began <= r["ts"] <= ended]
    runs = [
        r
        for r in window
        if r["event"] == "unit"
        and r["kind"] == "console"
        and str(r.get("thread", "")).startswith("ScriptRunner")
    ]
    for r in runs:  # a run is timed as a page load is: from its start (asking) to its end
        r["phase"] = phase_of(Load(0, "", r["ts"] - r["waited"] - r["held"], r["waited"] + r["held"]), jobs)
    print("\nwhere the time goes on the server (store timings, SMSCONSOLE_WORKSPACE_LOG)")
    print(f"{'console script runs':<34} {'runs':>6} {'median':>8} {'p90':>8} {'max':>8}")
    for label in ("quiet", "with CLI", "after"):
        chosen = [r for r in runs if r["phase"] == label]
        if not chosen:
            continue
        print(f"  {label}: waited for the workspace  {stats([r['waited'] for r in chosen])}")
        print(f"  {label}: held it (the run)         {stats([r['held'] for r in chosen])}")
    print(
        f"{'holds of the file':<34} {'holds':>6} {'held':>9} {'max held':>9} "
        f"{'open':>7} {'close':>7} {'waited':>8}"
    )
    holders: dict[str, list[dict]] = defaultdict(list)
    opens: dict[str, list[dict]] = defaultdict(list)
    for r in window:
        who = f"{r['kind']} {r['detail']}".strip()
        if r["event"] == "close":
            holders[who].append(r)
        elif r["event"] == "open":
            opens[who].append(r)
    for who, closes in sorted(holders.items()):
        held = [c["held"] for c in closes]
        shut = [c["close"] for c in closes]
        opened = opens.get(who, [])
        print(
            f"  {who:<32} {len(closes):>6} {sum(held):>8.1f}s {max(held):>8.2f}s "
            f"{statistics.median(o['connect'] for o in opened) if opened else 0:>6.3f}s "
            f"{statistics.median(shut):>6.3f}s "
            f"{sum(o['waited'] for o in opened):>7.1f}s"
        )
    print(
        "  (held: sum of time holding the file; open/close: median seconds to connect and to "
        "close, checkpoint included; waited: sum of time waiting for the lock)"
    )


def report_cpu(watch: CpuWatch, jobs: list[Job], began: float, ended: float) -> None:
    span = ended - began
    busy, total = watch.machine_busy()
    ours = watch.by_role()
    for job in jobs:
        if job.started:
            ours[f"cli {job.name}"] = job.cpu
    print(
        f"\nCPU over the window ({span:.0f} s, {os.cpu_count()} cores: "
        f"{total:.0f} CPU-seconds; machine busy {busy:.0f} s = {100 * busy / total:.0f}%)"
    )
    for role, used in sorted(ours.items(), key=lambda kv: -kv[1]):
        print(f"  {role:<40} {used:>7.1f} s  ({100 * used / span:4.0f}% of one core)")
    print(f"  {'everyone else on the machine':<40} {max(0.0, busy - sum(ours.values())):>7.1f} s")
    loads = watch.loads
    print(
        f"load average (1 min) during the window: start {loads[0]:.1f}, mean "
        f"{statistics.mean(loads):.1f}, max {max(loads):.1f}, end {loads[-1]:.1f}"
    )


def report_jobs(jobs: list[Job], began: float) -> None:
    print()
    for job in jobs:
        if not job.started:
            continue
        tail = [line for line in job.output.replace("\r", "\n").splitlines() if line.strip()]
        print(
            f"`smscore {job.name}`: +{job.started - began:.1f} s to +{job.ended - began:.1f} s "
            f"({job.ended - job.started:.1f} s), exit {job.code}, CPU {job.cpu:.1f} s, "
            f"peak RSS {job.peak_rss_mb:.0f} MB"
        )
        for line in tail[-3:]:
            print(f"    {line[:160]}")


def check_send(db: Path, proxy: FaultProxy) -> None:
    """Exactly once: every message of the batch settled once, and the peer saw each To once."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        states = dict(con.execute("SELECT state, count(*) FROM messages GROUP BY state").fetchall())
        recipients = con.execute("SELECT count(*) FROM messages").fetchall()[0][0]
    finally:
        con.close()
    sent_to = Counter(r.to for r in proxy.delivered_to_peer())
    twice = sum(1 for n in sent_to.values() if n > 1)
    print(
        f"\nsend: {recipients} recipients, states {states}; the peer got {sum(sent_to.values())} "
        f"creates to {len(sent_to)} numbers, {twice} numbers twice; "
        f"lost {recipients - sum(states.get(s, 0) for s in ('sent', 'failed', 'unknown'))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=1000, help="send: segments per second")
    parser.add_argument("--concurrency", type=int, default=8, help="send: requests in flight")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--quiet", type=float, default=30, help="seconds of browsing before the CLI")
    parser.add_argument(
        "--import-at", type=float, default=10, help="seconds after the send starts that the import starts"
    )
    parser.add_argument(
        "--window", type=float, default=120, help="seconds of browsing after the quiet phase, at least"
    )
    parser.add_argument("--max-window", type=float, default=900, help="hard stop, in seconds")
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="mean seconds a session waits between two loads (a person reading "
        "the page; 1 keeps the 2 cores saturated by Chromium alone)",
    )
    parser.add_argument("--page-timeout", type=float, default=180)
    parser.add_argument(
        "--peer-delay", type=float, default=0.02, help="seconds the peer takes to answer a message create"
    )
    parser.add_argument("--no-cli", action="store_true", help="browse only (a baseline)")
    parser.add_argument("--keep", action="store_true", help="keep the workspace in the output")
    args = parser.parse_args()
    no_proxy_for_loopback()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "out" / f"team-{stamp}"
    out.mkdir(parents=True)
    print(
        f"bench_team {stamp}: {args.sessions} sessions, {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; output in {out.relative_to(ROOT)}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db, emails, later = prepare(work, args)
        twilio = PrismPeer.start(work)
        proxy = FundedProxy(twilio)
        proxy.delay(args.peer_delay)
        trace = out / "workspace.log"
        env = base_env({**peer_env(proxy), TRACE_ENV: str(trace), "SMSCONSOLE_DB": str(db)})
        try:
            with streamlit_server(db, out / "server.log", peer_env(proxy) | {TRACE_ENV: str(trace)}) as url:
                loads, jobs, watch, began, ended = conduct(url, db, emails, later, env, args, out)
        finally:
            twilio.stop()
        for load in loads:
            load.phase = phase_of(load, jobs)
        if loads:  # through the one CSV writer, like every CSV the project writes
            write_csv(pd.DataFrame([asdict(x) for x in loads]), out / "loads.csv")
        report_loads(loads)
        report_trace(read_trace(trace), jobs, began, ended)
        report_cpu(watch, jobs, began, ended)
        report_jobs(jobs, began)
        if any(j.started for j in jobs):
            check_send(db, proxy)
        proxy.stop()
        if args.keep:
            shutil.copy(db, out / db.name)


if __name__ == "__main__":
    main()
