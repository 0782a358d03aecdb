"""Limits benchmark: what Twilio's 1,600-character check costs a quote, and what it saves.

Run: python bench/bench_limits.py [CONTACTS]   (default 200,000). Builds a database of
generated contacts in bench/out/, then prints the best of 3 `build_quote` times for a
personalised body (the length is checked per recipient, after placeholders, in the same SQL
pass), a fixed body, and a 1,000,000-character body (refused for everyone: nothing to count),
next to the floor (DuckDB rendering the personalised body for every contact into Arrow).
Set PYTHONPATH to another checkout to time its smscore on the same database.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):  # else PYTHONPATH's smscore (another checkout) is timed
    sys.path.insert(0, str(ROOT))

from smscore import store  # noqa: E402
from smscore.cost.quote import Selection, build_quote  # noqa: E402

OUT = ROOT / "bench" / "out"
PERSONAL = "Olá {name}, a loja de {city} tem 20% de desconto hoje! Responda SAIR para sair."


def best_of(runs: int, fn) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def database(n: int) -> Path:
    # One file per checkout timed: another checkout may know an older schema.
    tag = "here" if not os.environ.get("PYTHONPATH") else "other"
    path = OUT / f"bench_limits_{n}_{tag}.duckdb"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    con = store.connect(path)
    con.execute(
        """INSERT INTO contacts (phone, country, name, fields)
                   SELECT '+55119' || lpad(i::VARCHAR, 8, '0'), 'BR', 'Nome ' || (i % 5000),
                          json_object('city', 'Cidade ' || (i % 300))
                   FROM range(?) t(i)""",
        [n],
    )
    con.close()
    return path


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    con = store.connect(database(n))
    build_quote(con, "warm up", Selection(everyone=True))
    floor = best_of(
        3,
        lambda: con.sql(
            "SELECT concat('Olá ', name, ', a loja de ', json_extract_string(fields, '$.city')) FROM contacts"
        ).to_arrow_table(),
    )
    figures = {
        "floor: render the personalised body per contact": floor,
        "quote, personalised {name} {city}": best_of(
            3, lambda: build_quote(con, PERSONAL, Selection(everyone=True))
        ),
        "quote, fixed body": best_of(
            3,
            lambda: build_quote(
                con, "Promo: 20% off today. Reply STOP to opt out.", Selection(everyone=True)
            ),
        ),
        "quote, 1,000,000-character body": best_of(
            1, lambda: build_quote(con, "é" * 1_000_000, Selection(everyone=True))
        ),
    }
    print(f"smscore from {Path(store.__file__).parent.parent}")
    print(f"{n:,} contacts, best of 3 (the million-character body: one run); load {os.getloadavg()[0]:.1f}")
    for name, seconds in figures.items():
        print(f"  {name:<52} {seconds:8.3f} s  ({seconds / floor:5.1f}x floor)")


if __name__ == "__main__":
    main()
