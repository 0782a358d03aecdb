"""Sender runs alive in other processes: each process publishes the batches it is sending in a
runs file beside the database, locked while it lives, so a claim left by a live run elsewhere is
not taken for an abandoned one (smscore.sending.sender)."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import duckdb

_BOARDS: dict[Path, int] = {}  # database file -> this process's runs file, locked while we live
_BOARDS_LOCK = threading.Lock()


def database_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind a connection; None for an in-memory database."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return Path(rows[0][0]).resolve() if rows and rows[0][0] else None


def publish_runs(path: Path | None, tokens: set[str]) -> None:
    """Say which sender runs this process has alive on `path`, for senders in other processes.

    The file `<db>.runs.<pid>` stays flock-ed while this process lives, so a process that died
    (its claims now really orphaned) is told from one still sending.
    """
    if path is None:
        return
    with _BOARDS_LOCK:
        fd = _BOARDS.get(path)
        if fd is None:
            fd = os.open(f"{path}.runs.{os.getpid()}", os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            _BOARDS[path] = fd
        os.ftruncate(fd, 0)
        os.pwrite(fd, "".join(f"{t}\n" for t in sorted(tokens)).encode(), 0)


def other_runs(path: Path | None) -> set[str]:
    """Sender runs alive in other processes on `path` (runs files of dead processes are removed)."""
    if path is None:
        return set()
    tokens: set[str] = set()
    for board in path.parent.glob(f"{path.name}.runs.*"):
        if board.name == f"{path.name}.runs.{os.getpid()}":
            continue
        try:
            fd = os.open(board, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # its process is alive: its runs are too
                tokens |= set(os.read(fd, 1 << 20).decode().split())
            else:
                board.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return tokens
