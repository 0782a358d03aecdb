"""Access benchmark: what sign-in and the per-run gate cost, and the audit trail at size.

Run: python bench/bench_access.py [AUDIT_ROWS]   (default 200,000). Prints the median time of
an Argon2id hash, a sign-in with the right password, one with an unknown e-mail (checked
against a dummy hash, so it must cost the same), the checks every page run makes (does any
account exist; the session's user re-read), one audit append, and filtered reads of a trail of
AUDIT_ROWS rows, next to the floor: a bare `SELECT 1` on the same connection.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smscore import store  # noqa: E402
from smscore.access import accounts, audit
from smscore.access.accounts import SignInError  # noqa: E402
from smscore.access.audit import Actor  # noqa: E402

ADMIN = Actor("cli:bench", "cli")


def median_ms(fn, repeat: int) -> float:  # noqa: ANN001 - a no-argument callable
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def refused(con, email: str) -> None:  # noqa: ANN001
    try:
        accounts.sign_in(con, email, "wrong password")
    except SignInError:
        pass


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "bench.duckdb")
        accounts.add_user(con, "ana@example.com", "operator", "a long password", ADMIN)
        figures = {
            "floor: SELECT 1": median_ms(lambda: con.execute("SELECT 1").fetchall(), 200),
            "Argon2id hash (add/reset a password)": median_ms(
                lambda: accounts._HASHER.hash("a long password"), 10
            ),
            "sign-in, right password": median_ms(
                lambda: accounts.sign_in(con, "ana@example.com", "a long password"), 10
            ),
            "sign-in, unknown e-mail (dummy hash)": median_ms(lambda: refused(con, "nobody@example.com"), 10),
            "gate per page run: any account?": median_ms(lambda: accounts.any_accounts(con), 200),
            "gate per page run: re-read the user": median_ms(
                lambda: accounts.principal_for_email(con, "ana@example.com", "console"), 200
            ),
            "audit: append one row": median_ms(lambda: audit.record(con, ADMIN, "bench", "x", {"n": 1}), 200),
        }
        con.execute(
            """INSERT INTO audit (occurred_at, actor, via, action, target)
                       SELECT now() - INTERVAL (i) SECOND, 'user' || (i % 50) || '@example.com',
                              'console', ['sign-in', 'import', 'batch.confirm', 'export'][i % 4 + 1],
                              'target ' || i
                       FROM range(?) t(i)""",
            [rows],
        )
        figures[f"audit page: newest 5000 of {rows:,}"] = median_ms(lambda: audit.trail(con, limit=5000), 10)
        figures[f"audit page: one actor and action of {rows:,}"] = median_ms(
            lambda: audit.trail(con, actor="user7@example.com", action="import", limit=5000), 10
        )
        figures[f"audit page: filter lists of {rows:,}"] = median_ms(
            lambda: (audit.actors(con), audit.actions(con)), 10
        )
        con.close()
    width = max(map(len, figures))
    for name, ms in figures.items():
        print(f"{name:<{width}}  {ms:9.3f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
