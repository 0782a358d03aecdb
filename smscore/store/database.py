"""One DuckDB file: where it is, opening it, its schema version, settings rows and queries.

Money columns are DECIMAL(18, 6) with a currency column beside them, never floats. Migrations
(smscore.store.migrations) only ever add: opening an older file keeps its data.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from smscore.store.migrations import LATEST_VERSION, MIGRATIONS

DB_ENV = "SMSCONSOLE_DB"


def _default_db() -> Path:
    """`data/smsconsole.duckdb` in a checkout (the console's own folder); otherwise, for a
    package installed elsewhere, the user's data folder ($XDG_DATA_HOME, ~/.local/share)."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "console.py").is_file() and (checkout / "data").is_dir():
        return checkout / "data" / "smsconsole.duckdb"
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "smsconsole" / "smsconsole.duckdb"


DEFAULT_DB = _default_db()


def resolve_db_path(
    option: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The database path: the --db option wins over SMSCONSOLE_DB, which wins over the default."""
    env = os.environ if environ is None else environ
    if option:
        return Path(option)
    if env.get(DB_ENV):
        return Path(env[DB_ENV])
    return DEFAULT_DB


def connect(path: str | os.PathLike[str] = DEFAULT_DB) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database file and bring its schema up to date."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise StoreError(f"cannot open the database {path}: {exc}") from exc
    migrate(con)
    return con


class StoreError(RuntimeError):
    """The database cannot be opened or used (locked by another process, unreadable file)."""


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open database; 0 for an empty file."""
    has_table = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not has_table:
        return 0
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open, and con.sql() or
    # con.register() on a connection fresh from connect() would then refuse to run.
    row = con.execute("SELECT max(version) FROM schema_version").fetchall()[0]
    return int(row[0] or 0)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the file's version, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)"
    )
    current = schema_version(con)
    if current > LATEST_VERSION:
        raise StoreError(
            f"the database has schema version {current}, newer than this "
            f"smsconsole knows ({LATEST_VERSION}); upgrade smsconsole"
        )
    for version, statements in MIGRATIONS:
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                if isinstance(statement, str):
                    con.execute(statement)
                else:
                    statement(con)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return schema_version(con)


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """A console setting stored in the database (threshold, sender, language, ...)."""
    rows = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else default


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Store a console setting; secrets never come here (see smscore.config)."""
    con.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, value])


def query_df(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | dict[str, object] | None = None
) -> pd.DataFrame:
    """Run a query into a DataFrame whose DECIMAL columns hold exact Decimals, not floats.

    DuckDB's own `.df()` turns DECIMAL into float64; going through Arrow keeps them exact.
    """
    with warnings.catch_warnings():
        # DuckDB 2 warns that a DB-API result copies into Arrow; the copy is what we want, and
        # con.sql() would refuse to run while an earlier fetchone() left a result open.
        warnings.simplefilter("ignore", UserWarning)
        table = con.execute(sql, params or []).to_arrow_table()
    return table.to_pandas()
