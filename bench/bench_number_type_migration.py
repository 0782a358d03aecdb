"""Schema migration 14 on a workspace of 10^6 contacts: every existing contact gets its number type.

Run: python bench/bench_number_type_migration.py [ROWS]   (default 1,000,000; the corpus is
bench/gen_contacts.py's, cached in bench/out/). The workspace is made by importing the corpus
and then taken back to schema version 13 (the column and table of version 14 dropped), so the
contacts are real imported ones; opening it with `store.connect` then runs migration 14,
timed alone (wall clock, and the process's CPU time, DuckDB's threads included, which a busy
shared machine disturbs less). Beside it: the naive way (phonenumbers.number_type per contact, timed on 100,000
and scaled) and how many contacts of each type the migration found.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import phonenumbers

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_contacts import write_contacts_csv  # noqa: E402

from smscore import store  # noqa: E402
from smscore.contacts.importer import import_contacts  # noqa: E402

OUT = ROOT / "bench" / "out"
NAIVE_ROWS = 100_000


def workspace_at_13(rows: int) -> Path:
    """A workspace file of the corpus's contacts at schema version 13 (before number types)."""
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"contacts_{rows}.csv"
    if not csv_path.exists():
        write_contacts_csv(csv_path, rows)
    db = OUT / f"number_types_{rows}.duckdb"
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(db)
    import_contacts(con, csv_path, default_country="BR")
    con.execute("ALTER TABLE contacts DROP COLUMN number_type")
    con.execute("DROP TABLE batch_left_out")
    con.execute("DELETE FROM schema_version WHERE version >= 14")
    con.close()
    return db


def naive(db: Path) -> float:
    """phonenumbers.number_type per contact on NAIVE_ROWS contacts, scaled to them all."""
    con = duckdb.connect(str(db), read_only=True)
    phones = [p for (p,) in con.execute("SELECT phone FROM contacts LIMIT ?", [NAIVE_ROWS]).fetchall()]
    total = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    con.close()
    started = time.perf_counter()
    for phone in phones:
        phonenumbers.number_type(phonenumbers.parse(phone))
    return (time.perf_counter() - started) * total / max(len(phones), 1)


def main(rows: int) -> None:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    db = workspace_at_13(rows)
    started, cpu = time.perf_counter(), time.process_time()
    con = store.connect(db)  # runs migration 14
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    contacts = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    untyped = con.execute("SELECT count(*) FROM contacts WHERE number_type IS NULL").fetchall()[0][0]
    by_type = con.execute(
        "SELECT number_type, count(*) FROM contacts GROUP BY ALL ORDER BY 2 DESC, 1"
    ).fetchall()
    con.close()
    slow = naive(db)
    print(
        f"migration 14 on {contacts:,} contacts: {seconds:.2f} s wall, {cpu:.2f} s CPU "
        f"({untyped} left untyped; load average {os.getloadavg()[0]:.1f})"
    )
    print(f"naive phonenumbers.number_type per contact: {slow:.1f} s (timed on {NAIVE_ROWS:,}, scaled)")
    print("types: " + ", ".join(f"{t} {n:,}" for t, n in by_type))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
