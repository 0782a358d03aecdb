"""Console benchmark: the Contacts and Send pages on a database of about a million contacts.

Run: python bench/bench_console.py [DB]   (default: a copy of bench/out/bench_import.duckdb,
which bench/bench_import.py leaves behind). Each page runs under Streamlit's AppTest, the same
script a browser session runs; the figure is the script's wall time for the first load (cold
caches), a rerun, and a change of page in the contacts table. Issue 4 asks the Contacts page
to load in under 2 s with 1,000,000 contacts without shipping the table to the browser.
Reruns are the median of REPEAT runs (environment variable, default 7): on a shared machine one
run of ~0.1 s says more about the neighbours than about the page.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pages import smscore and ui from the project root
SOURCE = ROOT / "bench" / "out" / "bench_import.duckdb"


def timed(at: AppTest) -> float:
    started = time.perf_counter()
    at.run(timeout=120)
    seconds = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    return seconds


REPEAT = int(os.environ.get("REPEAT", "7"))


def rerun(at: AppTest) -> float:
    return statistics.median(timed(at) for _ in range(REPEAT))


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
    if not source.exists():
        sys.exit(f"{source} does not exist: run bench/bench_import.py first")
    db = ROOT / "bench" / "out" / "bench_console.duckdb"
    shutil.copyfile(source, db)
    os.environ["SMSCONSOLE_DB"] = str(db)
    os.chdir(ROOT)
    st_config.set_option("runner.enforceSerializableSessionState", False)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    contacts = AppTest.from_file(str(ROOT / "pages" / "contacts.py"), default_timeout=120)
    first = timed(contacts)
    again = rerun(contacts)
    shown = max((len(df.value) for df in contacts.dataframe), default=0)
    print(f"contacts page, first load   {first:6.2f} s  (largest table sent: {shown:,} rows)")
    print(f"contacts page, rerun        {again:6.2f} s")
    pager = [n for n in contacts.number_input if "page" in (n.label or "").lower()]
    if pager:
        pager[0].set_value(pager[0].value + 1)
        print(f"contacts page, next page    {timed(contacts):6.2f} s")
    send = AppTest.from_file(str(ROOT / "pages" / "send.py"), default_timeout=120)
    print(f"send page, first load       {timed(send):6.2f} s  (quote of every contact)")
    print(f"send page, rerun            {rerun(send):6.2f} s")


if __name__ == "__main__":
    main()
