"""What showing tables in the operator's language costs per page run (issue 11).

The console translates at the last moment, in Python, per cell: codes to words, ISO codes to
country names, smscore's English reasons to the catalog's (regular expressions), Decimals to
CLDR notation. The tables it does this to are bounded by the pages (send log 1,000 rows,
rejected rows 1,000, the price table ~240 countries, a contacts page 500), so the figure that
matters is milliseconds per table, beside the floor of handing the frame over untouched (a copy).
Run from the repository root: python bench/bench_i18n.py
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from smscore import store  # noqa: E402
from smscore.contacts.phones import normalise_reason  # noqa: E402
from smscore.cost import prices
from smscore.words import formats, vocab  # noqa: E402
from ui.shell import tables  # noqa: E402

ROWS = 1000
RUNS = 5


def best_ms(fn: Callable[[], object]) -> float:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000


def send_log() -> pd.DataFrame:
    states = ["sent", "failed", "unknown", "queued", "claimed"]
    return pd.DataFrame(
        {
            "name": [f"Contato {i}" if i % 7 else None for i in range(ROWS)],
            "phone": [f"+55119{i:08d}" for i in range(ROWS)],
            "country": ["BR", "PT", "DE", "US", "MX"] * (ROWS // 5),
            "category": ["clientes", None] * (ROWS // 2),
            "state": states * (ROWS // 5),
            "twilio_status": ["delivered", "undelivered", None, "sent", "queued"] * (ROWS // 5),
            "segments": [1, 2] * (ROWS // 2),
            "estimate": [Decimal("0.059900")] * ROWS,
            "actual": [Decimal("0.0599"), None] * (ROWS // 2),
            "currency": ["USD"] * ROWS,
            "attempts": [1] * ROWS,
        }
    )


def rejects() -> list[str]:
    raws = ["", "abc", "12345", "+999 123", "+800 1234 5678", "+1 555 0100", "(11) 2345-678"]
    reasons = [r for r in (normalise_reason(raw, "BR") for raw in raws) if isinstance(r, str)]
    reasons += [
        "duplicate in file: same number as line 12",
        "more fields than the header: x (a delimiter inside an unquoted value?)",
    ]
    return (reasons * (ROWS // len(reasons) + 1))[:ROWS]


def main() -> None:
    log, why = send_log(), rejects()
    con = store.connect(":memory:")
    prices.ensure_prices(con)
    table = prices.price_table(con, sender_type="long code")
    cols = ("unit_min", "unit_max", "price_min", "price_max", "fee_min", "fee_max")
    cases = [
        ("send log, 1,000 rows: copy (floor)", lambda: log.copy()),
        (
            "send log, 1,000 rows: ui.shell.tables.shown, pt-BR",
            lambda: tables.shown(log, "America/Sao_Paulo", "pt-BR"),
        ),
        ("1,000 rejection reasons: vocab.reason, pt-BR", lambda: [vocab.reason(r, "pt-BR") for r in why]),
        (
            f"price table, {len(table)} countries x 6 prices: decimal_text + country_name, pt-BR",
            lambda: (
                [[formats.decimal_text(v, "pt-BR") for v in table[c]] for c in cols]
                + [[formats.country_name(i, "pt-BR") for i in table["iso"]]]
            ),
        ),
        (
            "1,000 totals: formats.cost, pt-BR",
            lambda: [formats.cost(Decimal("1.3998"), "pt-BR", "USD") for _ in range(ROWS)],
        ),
    ]
    print(f"best of {RUNS} runs, wall clock")
    for label, fn in cases:
        print(f"{best_ms(fn):9.1f} ms  {label}")


if __name__ == "__main__":
    main()
