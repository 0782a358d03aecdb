"""One retrying unit of work for every write: DuckDB's write conflicts never reach a person.

DuckDB is optimistic: when two transactions change one row (two sign-ins of one account, two
admins saving settings, a status callback racing the sender), it lets the first win and refuses
the second with `TransactionException: Conflict on update!`. Left alone, that refusal is a
traceback on a page and a lost update: twelve parallel wrong passwords counted as one.

`write(con, work)` runs `work(con)` in one transaction and commits it; a conflict rolls the
whole unit back and runs it again, so a unit either applies once, completely, or not at all.
Writers in one process also take turns (one lock per process), which makes conflicts between
them impossible and leaves the retry for writers that do not take turns. A unit must therefore
be short, must not wait on other threads, and must do its slow work (an Argon2 verify, a
network call) before it starts. A `write` inside a `write` on the same thread joins the outer one.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

T = TypeVar("T")

PATIENCE = 30.0  # seconds a unit keeps retrying conflicts before the conflict is raised
_TURN = threading.RLock()
_inside = threading.local()


class WriteConflict(RuntimeError):
    """A unit of work that kept conflicting for longer than PATIENCE: said in one sentence."""


def is_conflict(exc: BaseException) -> bool:
    """Whether DuckDB refused a transaction because another one changed the same rows."""
    return isinstance(exc, duckdb.TransactionException) or "conflict" in str(exc).lower()


def write(
    con: duckdb.DuckDBPyConnection,
    work: Callable[[duckdb.DuckDBPyConnection], T],
    *,
    patience: float = PATIENCE,
) -> T:
    """Run `work(con)` as one transaction, retried until it commits without a conflict."""
    if getattr(_inside, "depth", 0):
        return work(con)  # part of the enclosing unit: it commits (or retries) the whole

    def once() -> T:
        with _TURN:
            return _once(con, work)

    return retrying(once, patience=patience)


def retrying(attempt: Callable[[], T], *, patience: float = PATIENCE) -> T:
    """Call `attempt` (which opens and commits its own transaction) until it does not conflict.

    For code that must shape its transaction itself (the ledger's claims); `write` is this
    around one BEGIN ... COMMIT.
    """
    deadline = time.monotonic() + patience
    tries = 0
    while True:
        try:
            return attempt()
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            if time.monotonic() >= deadline:
                raise WriteConflict(
                    "the workspace was too busy to save this change; nothing was changed, try again"
                ) from exc
            tries += 1
            time.sleep(random.uniform(0, min(0.2, 0.002 * 2**tries)))


def _once(con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    con.execute("BEGIN TRANSACTION")
    _inside.depth = getattr(_inside, "depth", 0) + 1
    try:
        result = work(con)
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise
    finally:
        _inside.depth -= 1
    return result


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:  # a failed COMMIT has already ended the transaction
        pass
