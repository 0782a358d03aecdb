"""A person's data under LGPD on a large workspace: find, export and erase one number.

`python bench/bench_person.py [CONTACTS]` builds a workspace of CONTACTS contacts (default a
million) and as many sent ledger rows, then times `finding.find` (every text column of every
table read for the number), `dossier.build` and `erasure.erase` of one of them. The workspace
goes to `bench/out/` (gitignored) and is removed after.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smscore import store
from smscore.access.audit import Actor
from smscore.contacts.importer import import_contacts
from smscore.person import dossier, erasure, finding, retention
from smscore.twilio.sandbox import SandboxGateway


def _later():  # noqa: ANN202 - a moment two days on, so every row is older than one day
    from datetime import timedelta

    from smscore.clock import utcnow

    return utcnow() + timedelta(days=2)


def main(n: int) -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "person.duckdb"
    path.unlink(missing_ok=True)
    con = store.connect(path)
    rows = "".join(f"Pessoa {i},+55119{i:08d},Cidade {i % 100}\n" for i in range(n))
    began = time.perf_counter()
    import_contacts(con, ("nome,celular,cidade\n" + rows).encode(), default_country="BR")
    print(f"import of {n:,} contacts: {time.perf_counter() - began:.1f} s")
    con.execute(
        """INSERT INTO batches (id, body, mode, status, currency, recipients, segments,
                               estimate_min, estimate_max)
           VALUES ('b1', 'Oi {nome}', 'sandbox', 'done', 'USD', ?, ?, 1, 1)""",
        [n, n],
    )
    con.execute(
        """INSERT INTO messages (batch_id, phone, contact_id, country, body, encoding, segments,
                                price_min, price_max, state, sent_at, seq)
           SELECT 'b1', phone, id, 'BR', 'Oi ' || name || ', promo', 'GSM-7', 1, 0.0599, 0.0599,
                  'sent', now(), id FROM contacts"""
    )
    subject = finding.subject_of(f"+55119{n // 2:08d}")  # the contact in the middle
    for label, run in (
        ("find", lambda: len(finding.find(con, subject))),
        ("export (build)", lambda: len(dossier.build(con, subject)["messages"])),
        ("erase", lambda: erasure.erase(con, subject, SandboxGateway(con), Actor("bench", "cli")).messages),
        # Retention over every ledger row: the purge a workspace meets the day it turns it on.
        (
            "retention purge (every row)",
            lambda: retention.purge(con, Actor("bench", "cli"), days=1, now=_later()).messages,
        ),
    ):
        began = time.perf_counter()
        result = run()
        print(f"{label}: {time.perf_counter() - began:.2f} s ({result})")
    con.close()
    path.unlink(missing_ok=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
