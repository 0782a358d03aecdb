"""The DuckDB store: one file, versioned schema, forward migrations that keep data."""

from __future__ import annotations

import duckdb
import pytest

from smscore import store


def test_new_file_is_migrated_to_latest_version(db_path):
    con = store.connect(db_path)
    assert store.schema_version(con) == store.LATEST_VERSION
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {
        "contacts",
        "categories",
        "contact_categories",
        "suppressions",
        "prices",
        "price_lists",
        "carrier_fees",
        "batches",
        "messages",
        "settings",
    } <= tables


def test_opening_an_older_file_keeps_its_data(db_path):
    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    con.execute("INSERT INTO schema_version VALUES (1, now())")
    for statement in store.MIGRATIONS[0][1]:
        con.execute(statement)
    con.execute("INSERT INTO contacts (phone, country, name) VALUES ('+5511987654321', 'BR', 'Ana')")
    con.close()
    con = store.connect(db_path)
    assert store.schema_version(con) == store.LATEST_VERSION
    assert con.execute("SELECT name FROM contacts").fetchall() == [("Ana",)]


def test_reopening_does_not_migrate_twice(db_path):
    store.connect(db_path).close()
    con = store.connect(db_path)
    versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()]
    assert versions == sorted(set(versions))


def test_a_newer_file_is_refused_with_a_clear_error(db_path):
    con = store.connect(db_path)
    con.execute("INSERT INTO schema_version (version) VALUES (999)")
    con.close()
    with pytest.raises(store.StoreError, match="newer than this smsconsole"):
        store.connect(db_path)


def test_db_option_wins_over_environment_which_wins_over_default(tmp_path):
    env = {"SMSCONSOLE_DB": str(tmp_path / "env.duckdb")}
    assert store.resolve_db_path(str(tmp_path / "opt.duckdb"), env) == tmp_path / "opt.duckdb"
    assert store.resolve_db_path(None, env) == tmp_path / "env.duckdb"
    assert store.resolve_db_path(None, {}) == store.DEFAULT_DB
    assert store.DEFAULT_DB.parent.name == "data"


def test_query_df_keeps_decimals_exact(fresh_db):
    df = store.query_df(fresh_db, "SELECT 0.1::DECIMAL(18, 6) * 3 AS x")
    from decimal import Decimal

    assert df["x"][0] == Decimal("0.3")


def test_settings_round_trip(fresh_db):
    store.set_setting(fresh_db, "language", "pt-BR")
    assert store.get_setting(fresh_db, "language") == "pt-BR"
    assert store.get_setting(fresh_db, "missing", "x") == "x"


def test_a_fresh_connection_has_no_pending_result(db_path):
    con = store.connect(db_path)
    # con.sql() refuses to run while an earlier result is half read (DuckDB 2).
    assert con.sql("SELECT 42").fetchall() == [(42,)]
