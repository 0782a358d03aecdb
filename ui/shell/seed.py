"""Demo contacts for a fresh workspace, so `streamlit run console.py` shows something real.

Plain smscore calls, no Streamlit: a candidate for smscore once the lead wants it there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from smscore import store
from smscore.contacts.importer import import_contacts

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_contacts.csv"
_SEEDED = "demo_contacts_seeded"


def seed_if_empty(con: duckdb.DuckDBPyConnection) -> int:
    """Import the sample contacts once into a database that has never held any contact."""
    if store.get_setting(con, _SEEDED) is not None:
        return 0
    if con.execute("SELECT count(*) FROM contacts").fetchone()[0]:
        store.set_setting(con, _SEEDED, "existing")  # the operator's own data: never add demos
        return 0
    report = import_contacts(con, SAMPLE, default_country="BR")
    store.set_setting(con, _SEEDED, "sample")
    return report.imported
