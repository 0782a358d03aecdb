"""Import memory benchmark: peak RSS of `python -m smscore import` against the file's size.

Run: python bench/bench_import_memory.py [ROWS ...]   (default: 1,450,000 and 7,000,000 rows,
101 MB and 497 MB, the second the largest gen_contacts file under the 500 MB limit). Files are
generated once into $BENCH_OUT (default: smsconsole-bench in the system's temp directory, never
the repository). Each import runs in a subprocess; its peak RSS comes from `os.wait4` (the
kernel's ru_maxrss for that one child: Python, DuckDB and everything else in the process), so
nothing in this process counts. Each file is imported into a fresh database, then again into
the same one, where every row is a duplicate and so a reject the report holds (the worst case
for the rejects table). The baseline is the same command on a one-row file: Python with DuckDB,
pandas and phonenumbers loaded. Last, a sparse file one byte over the limit shows the refusal:
how fast, in how little memory.

With `--narrow ROWS ...`, the files keep only the name, phone and category columns (~42 bytes a
row instead of ~73: 2,400,000 rows make 100 MB), the shape of issue 17's 101 MB file of 2.5M
rows. With `--ragged ROWS ...`, a copy of each file with one ragged row at the end goes through
the Python parser instead.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from gen_contacts import write_contacts_csv  # noqa: E402

OUT = Path(os.environ.get("BENCH_OUT") or Path(tempfile.gettempdir()) / "smsconsole-bench")
sys.path.insert(0, str(ROOT))

from smscore.contacts.csvlimits import MAX_FILE_BYTES  # noqa: E402


def contacts_file(rows: int) -> Path:
    """A gen_contacts file of `rows` rows (cached)."""
    path = OUT / f"contacts_{rows}.csv"
    if not path.exists():
        write_contacts_csv(path, rows, seed=42)
    return path


def narrow_file(rows: int) -> Path:
    """A gen_contacts file of `rows` rows with only its name, phone and category (cached)."""
    path = OUT / f"contacts_narrow_{rows}.csv"
    if not path.exists():
        wide = contacts_file(rows)
        with (
            wide.open(newline="", encoding="utf-8") as source,
            path.open("w", newline="", encoding="utf-8") as out,
        ):
            writer = csv.writer(out, lineterminator="\n")
            for name, phone, _email, _city, category in csv.reader(source):
                writer.writerow([name, phone, category])
    return path


def run_import(path: Path, db: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, first line of output) of one CLI import."""
    command = [sys.executable, "-m", "smscore", "--db", str(db), "import", str(path)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    lines = output.strip().splitlines()
    return (seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), lines[0] if lines else "")


def report(label: str, size: float, base: float, figures: tuple[float, float, int, str]) -> None:
    seconds, peak, code, said = figures
    print(
        f"{label:>30} {size:8.1f} {seconds:7.1f} {peak:8,.0f} {peak / size:9.2f} "
        f"{(peak - base) / size:16.2f}  {code:4}  {said[:100]}",
        flush=True,
    )


def ragged_copy(path: Path) -> Path:
    """`path` with one row of too many fields at the end: DuckDB's strict reader refuses the
    file, so the whole of it goes through the Python parser (cached)."""
    ragged = path.with_name(f"{path.stem}_ragged.csv")
    if not ragged.exists():
        shutil.copyfile(path, ragged)
        with ragged.open("a", encoding="utf-8") as out:
            out.write("Ragged,+5511900000000,r@example.com,Rio,vip,one field too many\n")
    return ragged


def baseline(tmp: Path) -> float:
    """Peak RSS (MB) of importing a one-row file: the process's own share."""
    tiny = tmp / "one_row.csv"
    tiny.write_text("name,phone\nAna,+5511987654321\n", encoding="utf-8")
    _, base, _, _ = run_import(tiny, tmp / "base.duckdb")
    print(f"baseline (one-row file): peak RSS {base:,.0f} MB")
    print(
        f"{'file':>30} {'MB':>8} {'s':>7} {'peak MB':>8} {'peak/file':>9} "
        f"{'(peak-base)/file':>16}  exit  output"
    )
    return base


def main() -> None:
    args = sys.argv[1:]
    mode = args.pop(0) if args[:1] in (["--ragged"], ["--narrow"]) else ""
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; files in {OUT}")
    if mode == "--ragged":  # the Python parser's path instead
        main_ragged([int(a) for a in args] or [7_000_000])
        return
    make = narrow_file if mode == "--narrow" else contacts_file
    sizes = [int(a) for a in args] or ([2_400_000] if mode else [1_450_000, 7_000_000])
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline(Path(tmp))
        for rows in sizes:
            path = make(rows)
            size = path.stat().st_size / 2**20
            db = Path(tmp) / f"{rows}.duckdb"
            report(path.name, size, base, run_import(path, db))
            # Again into the same workspace: every row is a duplicate, so every row is a reject
            # the report holds (the worst case for the rejects table).
            report(f"{path.name} again", size, base, run_import(path, db))
            for stale in Path(tmp).glob(f"{rows}.duckdb*"):  # the file, its WAL, its spill
                if stale.is_dir():
                    shutil.rmtree(stale)
                else:
                    stale.unlink()
        if not mode:
            over = Path(tmp) / "over_the_limit.csv"
            with over.open("wb") as sparse:  # no data blocks: refused by its size, never read
                sparse.truncate(MAX_FILE_BYTES + 1)
            report(over.name, MAX_FILE_BYTES / 2**20, base, run_import(over, Path(tmp) / "over.duckdb"))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


def main_ragged(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline(Path(tmp))
        for rows in sizes:
            path = ragged_copy(contacts_file(rows))
            report(
                path.name, path.stat().st_size / 2**20, base, run_import(path, Path(tmp) / f"{rows}.duckdb")
            )


if __name__ == "__main__":
    main()
