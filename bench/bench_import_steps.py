"""Where an import's time goes: wall clock and CPU time of each step of `import_contacts`.

Run: python bench/bench_import_steps.py [FILE ...]   (default: the two corpora bench_import.py
leaves in bench/out/). Each file is imported with default BR into a fresh on-disk database;
the steps are the importer's and the phone module's own functions, timed by wrapping them
(nested: `normalise_column` includes `normalise_sql`, which includes `_read_canonical_forms`).
CPU time above wall time means DuckDB ran the step on both cores; equal means one core
(Python, or a single-threaded operator).
"""

from __future__ import annotations

import functools
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smscore import store  # noqa: E402
from smscore.contacts import csvsource, importer, phonesql

OUT = ROOT / "bench" / "out"
DEFAULT_FILES = [OUT / "contacts_1000000.csv", OUT / "contacts_messy_200000.csv"]
STEPS = {
    csvsource: ("open_csv", "load"),
    importer: (
        "_check_categories_per_row",
        "_reserve_ids",
        "_classify",
        "_create_categories",
        "_insert_new",
        "_link_categories",
        "_rejects",
    ),
    phonesql: ("normalise_column", "normalise_sql", "_read_canonical_forms"),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(fn: Callable, name: str, seen: dict[str, list[float]]) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            seen[name] = [time.perf_counter() - wall, _cpu() - cpu]

    return wrapper


def wrap_steps(seen: dict[str, list[float]]) -> None:
    """Time every step into `seen` (module attributes are replaced: callers look them up)."""
    for module, names in STEPS.items():
        for name in names:
            setattr(module, name, _timed(getattr(module, name), name, seen))


def run(path: Path, seen: dict[str, list[float]]) -> None:
    seen.clear()
    db = OUT / "bench_steps.duckdb"
    for stale in (db, Path(f"{db}.wal")):
        stale.unlink(missing_ok=True)
    con = store.connect(db)
    wall, cpu = time.perf_counter(), _cpu()
    report = importer.import_contacts(con, path, default_country="BR")
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    con.close()
    print(
        f"\n{path.name}: {report.imported:,} imported, {report.rejected:,} rejected; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for name, (w, c) in seen.items():
        print(f"  {name:28s} {w:6.3f} s wall {c:6.3f} s CPU")
    print(f"  {'import_contacts':28s} {wall:6.3f} s wall {cpu:6.3f} s CPU")


if __name__ == "__main__":
    files = [Path(a) for a in sys.argv[1:]] or DEFAULT_FILES
    for file in files:
        if not file.exists():
            sys.exit(f"{file} is missing: run bench/bench_import.py first")
    steps: dict[str, list[float]] = {}
    wrap_steps(steps)
    for file in files:
        run(file, steps)
