"""Import benchmark, both corpora: DuckDB's bare read_csv (the floor), our import, a naive loop.

Run: python bench/bench_import.py [ROWS] [MESSY_ROWS]   (defaults 1,000,000 and 200,000; files
are cached in bench/out/). The clean corpus is `gen_contacts.write_contacts_csv`; the messy one
is the same with `messy=True` (extensions, labels, vanity letters, non-ASCII digits, odd spaces,
Excel's E+ form, 0xx and carrier codes ...). Our import runs in a child process, so its peak
RSS (from os.wait4) is the import's alone. The naive import (pandas read_csv + phonenumbers per
row, what a user would write) is timed on the first 100,000 rows and scaled, and says so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_contacts import write_contacts_csv  # noqa: E402

from smscore import store  # noqa: E402
from smscore.contacts.importer import import_contacts  # noqa: E402

OUT = ROOT / "bench" / "out"
NAIVE_ROWS = 100_000


def floor(path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    return time.perf_counter() - started


def child(path: Path, db: Path) -> None:
    """In the child: import `path` into a fresh on-disk `db`, print seconds and counts."""
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(db)
    started = time.perf_counter()
    report = import_contacts(con, path, default_country="BR")
    seconds = time.perf_counter() - started
    con.close()
    print(json.dumps({"seconds": seconds, "imported": report.imported, "rejected": report.rejected}))


def ours(path: Path, db: Path) -> tuple[dict, float]:
    """The child's figures and its peak RSS in MB."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(path), str(db)], stdout=subprocess.PIPE, text=True
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        sys.exit(f"import of {path} failed")
    return json.loads(out), usage.ru_maxrss / 1024


def naive(path: Path, rows: int) -> float:
    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=rows)
    seen, kept = set(), []
    for raw in frame["phone"]:
        try:
            number = phonenumbers.parse(raw, "BR")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in seen:
                seen.add(e164)
                kept.append((e164, phonenumbers.region_code_for_number(number)))
    return time.perf_counter() - started


def run(label: str, n: int, messy: bool) -> None:
    path = OUT / f"contacts_{'messy_' if messy else ''}{n}.csv"
    if not path.exists():
        write_contacts_csv(path, n, seed=42, messy=messy)
    db = OUT / f"bench_import{'_messy' if messy else ''}.duckdb"
    print(
        f"\n{label}: {path.name}, {n:,} rows, {path.stat().st_size / 1e6:.1f} MB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    bare = floor(path)
    mine, rss = ours(path, db)
    sample = min(n, NAIVE_ROWS)
    slow = naive(path, sample) * n / sample
    seconds = mine["seconds"]
    print(f"  duckdb read_csv (floor)      {bare:8.2f} s   1.0x")
    print(
        f"  smscore import_contacts      {seconds:8.2f} s   {seconds / bare:5.1f}x floor   "
        f"(imported {mine['imported']:,}, rejected {mine['rejected']:,}; "
        f"peak RSS {rss:,.0f} MB)"
    )
    print(
        f"  naive pandas + phonenumbers  {slow:8.2f} s   {slow / bare:5.1f}x floor   "
        f"({slow / seconds:.1f}x ours; timed on {sample:,} rows, scaled)"
    )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    sizes = [int(a) for a in sys.argv[1:3]]
    n, messy_n = (sizes + [1_000_000, 200_000][len(sizes) :])[:2]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    run("bench corpus", n, messy=False)
    run("messy corpus (default BR)", messy_n, messy=True)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
