"""Quote benchmark: pricing a batch for every contact of a large database.

Run: python bench/bench_quote.py [DB]   (default: bench/out/bench_import.duckdb, which
bench/bench_import.py leaves behind with ~940,000 imported contacts). Prints the time of
`build_quote` for a fixed body, a personalised one ({name} and {city} differ per contact, so
segments are counted per distinct text) and one category, next to the floor: DuckDB joining
every contact to its country's price and handing the rows to Arrow, the least work a
per-recipient quote must do.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smscore import store  # noqa: E402
from smscore.cost.quote import Selection, build_quote  # noqa: E402

DEFAULT_DB = ROOT / "bench" / "out" / "bench_import.duckdb"
BODIES = {
    "fixed body, GSM-7": "Promo: 20% off everything today only. Reply STOP to opt out.",
    "fixed body, Portuguese (UCS-2)": "Promoção de verão: 20% de desconto só hoje! Responda SAIR.",
    "personalised {name} {city}": "Olá {name}, a loja de {city} tem 20% de desconto hoje!",
}


def best_of(runs: int, fn) -> tuple[float, object]:  # noqa: ANN001
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def time_quotes(db: Path) -> list[tuple[str, float, int, int]]:
    """(label, seconds, recipients, segments) per case; seconds is the best of 3 runs."""
    con = store.connect(db)
    build_quote(con, "warm-up", Selection(everyone=True))  # also loads the price list
    floor, _ = best_of(
        3,
        lambda: con.sql(
            """SELECT c.id, c.phone, c.country, p.price FROM contacts c JOIN
           (SELECT iso, max(current_price) AS price FROM prices GROUP BY iso) p
           ON p.iso = c.country"""
        ).to_arrow_table(),
    )
    rows = [("floor: priced join to Arrow", floor, 0, 0)]
    for label, body in BODIES.items():
        seconds, quote = best_of(3, lambda b=body: build_quote(con, b, Selection(everyone=True)))
        rows.append((label, seconds, quote.n_recipients, quote.segments))
    category = con.execute("SELECT name FROM categories ORDER BY name LIMIT 1").fetchone()
    if category:
        seconds, quote = best_of(
            3, lambda: build_quote(con, BODIES["fixed body, GSM-7"], Selection(categories=(category[0],)))
        )
        rows.append((f"fixed body, category {category[0]!r}", seconds, quote.n_recipients, quote.segments))
    con.close()
    return rows


def main() -> None:
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DB
    if not db.exists():
        sys.exit(f"{db} does not exist: run bench/bench_import.py first")
    print(f"database {db.name}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    rows = time_quotes(db)
    floor = rows[0][1]
    for label, seconds, recipients, segments in rows:
        extra = f"{recipients:>9,} recipients {segments:>9,} segments" if recipients else ""
        print(f"{label:<38} {seconds:7.3f} s {seconds / floor:6.1f}x floor  {extra}")


if __name__ == "__main__":
    main()
