"""Import benchmark: DuckDB's bare read_csv (the floor), our import, a naive pandas import.

Run: python bench/bench_import.py [ROWS]   (default 1,000,000; the file is cached in bench/out/)
The naive import (pandas read_csv + phonenumbers per row, what a user would write) is timed on
the first 100,000 rows and scaled, and says so.
"""

from __future__ import annotations

import os
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
from smscore.importer import import_contacts  # noqa: E402

OUT = ROOT / "bench" / "out"
NAIVE_ROWS = 100_000


def floor(path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    return time.perf_counter() - started


def ours(path: Path) -> tuple[float, object]:
    db = OUT / "bench_import.duckdb"
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(db)
    started = time.perf_counter()
    report = import_contacts(con, path, default_country="BR")
    seconds = time.perf_counter() - started
    con.close()
    return seconds, report


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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = OUT / f"contacts_{n}.csv"
    if not path.exists():
        write_contacts_csv(path, n, seed=42)
    print(f"file: {path.name}, {n:,} rows, {path.stat().st_size / 1e6:.1f} MB; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    bare = floor(path)
    mine, report = ours(path)
    sample = min(n, NAIVE_ROWS)
    slow = naive(path, sample) * n / sample
    print(f"duckdb read_csv (floor)      {bare:8.2f} s   1.0x")
    print(f"smscore import_contacts      {mine:8.2f} s   {mine / bare:5.1f}x floor   "
          f"(imported {report.imported:,}, rejected {report.rejected:,})")
    print(f"naive pandas + phonenumbers  {slow:8.2f} s   {slow / bare:5.1f}x floor   "
          f"({slow / mine:.1f}x ours; timed on {sample:,} rows, scaled)")


if __name__ == "__main__":
    main()
