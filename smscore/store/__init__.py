"""The workspace: one DuckDB file with a versioned schema that migrates forward on open, shared
in turn by the console, the CLI and notebooks.

Every table the console needs lives in one file so an operator can copy, back up or inspect a
whole workspace. The room is split by what each part does: `database` (where the file is,
opening it, settings rows, queries), `migrations` (the schema), `lending` (taking turns at the
file between processes), `runs` (which sender runs are alive elsewhere), `writes` (one retrying unit of work), `settings` (what an operator
tunes). The names most callers need are re-exported here.
"""

from __future__ import annotations

from smscore.store.database import (
    DB_ENV,
    DEFAULT_DB,
    StoreError,
    connect,
    get_setting,
    migrate,
    query_df,
    resolve_db_path,
    schema_version,
    set_setting,
)
from smscore.store.lending import (
    DEFAULT_WAIT,
    TRACE_ENV,
    WAIT_ENV,
    Holder,
    Workspace,
    WorkspaceBusy,
    holder_of,
    lender,
    wait_seconds,
)
from smscore.store.migrations import LATEST_VERSION, MIGRATIONS
from smscore.store.runs import database_path, other_runs, publish_runs

__all__ = [
    "DB_ENV",
    "DEFAULT_DB",
    "DEFAULT_WAIT",
    "LATEST_VERSION",
    "MIGRATIONS",
    "TRACE_ENV",
    "WAIT_ENV",
    "Holder",
    "StoreError",
    "Workspace",
    "WorkspaceBusy",
    "connect",
    "database_path",
    "get_setting",
    "holder_of",
    "lender",
    "migrate",
    "other_runs",
    "publish_runs",
    "query_df",
    "resolve_db_path",
    "schema_version",
    "set_setting",
    "wait_seconds",
]
