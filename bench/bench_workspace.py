"""Workspace access: what taking turns on one DuckDB file costs (docs/workspace.md).

Run: python bench/bench_workspace.py [DB]   (default: a copy of bench/out/bench_import.duckdb,
about a million contacts, which bench/bench_import.py leaves behind). Prints:
  open+close     - duckdb.connect + a trivial query + close on the file: the floor under any
                   "open per unit of work" design, paid again by every process that takes a turn;
  cold unit      - a store.Workspace unit when the process does not have the file open
                   (lock file, connect, first query, close): what a CLI command or a notebook
                   call pays;
  warm unit      - a unit while the file lingers open in the process: what a sender's round or a
                   page run pays when nobody else waits;
  handover       - from a second process starting to wait until it holds the file, while this
                   process runs units back to back (as a sending console does).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = ROOT / "bench" / "out" / "bench_import.duckdb"

from smscore import store  # noqa: E402

WAITER = """
import sys, time
from smscore import store
started = time.perf_counter()
with store.Workspace(sys.argv[1], kind="bench", linger=0).unit() as con:
    con.execute("SELECT count(*) FROM contacts").fetchall()
print(time.perf_counter() - started)
"""


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms (min {min(samples) * 1000:.1f})"


def open_close(path: Path, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        con = duckdb.connect(str(path))
        con.execute("SELECT count(*) FROM contacts").fetchall()
        con.close()
        times.append(time.perf_counter() - started)
    return times


def units(ws: store.Workspace, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        with ws.unit() as con:
            con.execute("SELECT count(*) FROM contacts").fetchall()
        times.append(time.perf_counter() - started)
    return times


def handover(path: Path, rounds: int) -> list[float]:
    """A second process's wait for the file while this one keeps taking units."""
    ws = store.Workspace(path, kind="bench")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    waits = []
    for _ in range(rounds):
        waiter = subprocess.Popen(
            [sys.executable, "-c", WAITER, str(path)], env=env, stdout=subprocess.PIPE, text=True
        )
        while waiter.poll() is None:
            with ws.unit() as con:  # a sender's round: a short write, then the requests
                con.execute("SELECT count(*) FROM contacts").fetchall()
            time.sleep(0.05)
        waits.append(float(waiter.stdout.read()))
    return waits


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    if not source.exists():
        sys.exit(f"{source} does not exist: run bench/bench_import.py first")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        shutil.copyfile(source, path)
        contacts = duckdb.connect(str(path)).execute("SELECT count(*) FROM contacts").fetchall()
        size = path.stat().st_size / 1e6
        print(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
            f"{contacts[0][0]:,} contacts, {size:.0f} MB file"
        )
        store.connect(path).close()  # migrate once, as any first open does
        print(f"open+close (duckdb.connect)   {median_ms(open_close(path, 20))}")
        cold = units(store.Workspace(path, linger=0), 20)
        print(f"cold unit (Workspace, linger 0) {median_ms(cold)}")
        print(f"warm unit (file lingering)    {median_ms(units(store.Workspace(path), 200))}")
        print(
            f"handover to a waiting process {median_ms(handover(path, 5))} "
            f"(process start excluded; includes its own cold unit)"
        )


if __name__ == "__main__":
    main()
