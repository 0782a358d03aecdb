"""Taking turns at the workspace: one process at a time, a connection per unit of work.

DuckDB lets one process at a time open a file (even a read-only open is refused while another
process writes), so the console, the CLI and notebooks take turns: `Workspace.unit()` lends a
connection for one unit of work under an exclusive lock file beside the database, and the
process lets the file go as soon as another one is waiting (docs/workspace.md says why and
what it costs). Nobody outside this module opens or closes the shared file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from smscore.store.database import StoreError, migrate

# --- workspace access: one process at a time, a connection per unit of work ------------------

WAIT_ENV = "SMSCONSOLE_WAIT"
DEFAULT_WAIT = 120.0  # seconds a process waits for the workspace before giving up
NOTICE_AFTER = 3.0  # seconds of waiting before saying who holds the workspace
LINGER = 0.5  # seconds an idle process keeps the file open when nobody waits
_POLL = 0.02  # seconds between two tries at the lock file
_HANDOFF = 0.3  # seconds a process that gave way leaves the lock to the one it gave way to

TRACE_ENV = "SMSCONSOLE_WORKSPACE_LOG"  # a file to append workspace timings to (bench/bench_team.py)

HOLDER_KINDS = {
    "console": "the console",
    "cli": "a CLI command",
    "notebook": "a notebook",
    "bench": "a benchmark",
    "test": "a test",
}


class WorkspaceBusy(StoreError):
    """Another process held the workspace for longer than this one was willing to wait."""

    def __init__(self, message: str, holder: str = "another process", waited: float = 0.0):
        super().__init__(message)
        self.holder = holder  # e.g. "the console (PID 4242) since 20:31:02 UTC"
        self.waited = waited


@dataclass(frozen=True)
class Holder:
    """Who holds a workspace: written in its lock file, read by those who wait."""

    kind: str  # a HOLDER_KINDS key
    detail: str  # e.g. the CLI command's name; may be empty
    pid: int
    since: datetime  # aware UTC

    def line(self) -> str:
        return f"{self.kind}\t{self.detail}\t{self.pid}\t{self.since.isoformat()}\n"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        parts = text.strip().split("\t")
        if len(parts) != 4:
            return None  # an empty file, or one being rewritten this instant
        try:
            return cls(parts[0], parts[1], int(parts[2]), datetime.fromisoformat(parts[3]))
        except ValueError:
            return None

    def describe(self) -> str:
        who = HOLDER_KINDS.get(self.kind, self.kind)
        if self.detail:
            who = f"{who} `{self.detail}`"
        return f"{who} (PID {self.pid}) since {self.since:%H:%M:%S} UTC"


def wait_seconds(option: float | None = None, environ: Mapping[str, str] | None = None) -> float:
    """How long to wait for a busy workspace: --wait wins over SMSCONSOLE_WAIT over the default."""
    env = os.environ if environ is None else environ
    if option is not None:
        value: object = option
    elif env.get(WAIT_ENV):
        value = env[WAIT_ENV]
    else:
        return DEFAULT_WAIT
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except ValueError:
        raise StoreError(f"{WAIT_ENV} must be a number of seconds; got {value!r}") from None
    if seconds < 0:
        raise StoreError(f"the wait for the workspace must be 0 or more seconds; got {value!r}")
    return seconds


def _trace(shared: _Shared, event: str, **values: float | str) -> None:
    """One line of timings in the file named by SMSCONSOLE_WORKSPACE_LOG, when it is set.

    How long units wait and hold, and what each handover of the file costs, seen from every
    process at once (the console, CLI commands, notebooks): what a load benchmark needs to
    tell waiting for the workspace from working. One O_APPEND write per line, so lines from
    several processes never interleave.
    """
    target = os.environ.get(TRACE_ENV)
    if not target:
        return
    kind, detail = shared.holder
    fields = " ".join(f"{k}={v:.6f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
    line = f"{time.time():.6f}\t{os.getpid()}\t{kind}\t{detail}\t{event}\t{fields}\n"
    with contextlib.suppress(OSError):  # a diagnostic never breaks a unit of work
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def holder_of(path: str | os.PathLike[str]) -> Holder | None:
    """Who holds (or last held) the workspace at `path`, from its lock file."""
    try:
        return Holder.parse(Path(_lock_path(path)).read_text())
    except OSError:
        return None


def _lock_path(path: str | os.PathLike[str]) -> str:
    return f"{path}.lock"


def _turnstile_path(path: str | os.PathLike[str]) -> str:
    return f"{path}.turnstile"


class _Shared:
    """The one DuckDB connection a process has on one file, counted out to units of work.

    Threads share it through cursors. It opens when the first unit starts; when the last unit
    ends it closes at once if another process waits (a waiter holds the turnstile file), else
    it lingers a moment so a sender's next round or a page's next run costs nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cond = threading.Condition()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.refs = 0
        self.depth: dict[int, int] = {}  # thread id -> units it holds (units nest)
        self.opening = False
        self.draining = False
        self.migrated = False
        self.yielded_at = 0.0
        self.idle_since = 0.0
        self.lock_fd: int | None = None
        self.turn_fd: int | None = None
        self.first_open: list[Callable[[duckdb.DuckDBPyConnection], None]] = []
        self.holder = ("", "")  # (kind, detail) of the last opener, for _trace
        self.opened_at = 0.0
        self.units = 0  # units served since the file was opened, for _trace
        self.waiting: set[int] = set()  # threads waiting for a turn
        self.admitted: set[int] = set()  # of those, the ones this turn still owes a unit

    # -- units ---------------------------------------------------------------------------------

    def acquire(
        self, holder: tuple[str, str], wait: float, notify: Callable[[str], None] | None, linger: float
    ) -> duckdb.DuckDBPyConnection:
        me = threading.get_ident()
        with self.cond:
            if self.depth.get(me):  # a unit inside a unit on this thread: never wait on itself
                self.depth[me] += 1
                self.refs += 1
                return self.con  # type: ignore[return-value]
            self.waiting.add(me)
            try:
                self._wait_for_turn(me, holder, wait, notify, linger)
            finally:
                self.waiting.discard(me)
                self.admitted.discard(me)
            self.refs += 1
            self.units += 1
            self.depth[me] = 1
            return self.con

    def _wait_for_turn(
        self,
        me: int,
        holder: tuple[str, str],
        wait: float,
        notify: Callable[[str], None] | None,
        linger: float,
    ) -> None:
        """Return once this thread may start a unit on the open file (caller holds cond)."""
        while True:
            if self.con is not None and not self.draining and self._waited_on():
                self.draining = True  # let the units in progress end, start no new one
                if not self.refs and not self.admitted:
                    self._close()  # lingering idle: the waiter goes first
            if self.con is not None and (not self.draining or me in self.admitted):
                return
            if self.con is None and not self.opening:
                self.opening = True
                self.cond.release()
                try:
                    con = self._open(holder, wait, notify, linger)
                finally:
                    self.cond.acquire()
                    self.opening = False
                    self.cond.notify_all()
                self.con = con
                # Units that waited through the other process's turn all get this one, even
                # if that process already waits again: else each turn served one unit and the
                # rest waited turn after turn (measured: 77 of 97 turns served one page run).
                self.admitted = self.waiting - {me}
                if linger > 0:
                    threading.Thread(
                        target=self._linger,
                        args=(con, linger),
                        daemon=True,
                        name="smsconsole-workspace-linger",
                    ).start()
                return
            self.cond.wait(0.05)

    def release(self, linger: float, me: int) -> None:
        """End a unit that thread `me` started (possibly released from another thread)."""
        with self.cond:
            self.refs -= 1
            self.depth[me] -= 1
            if not self.depth[me]:
                del self.depth[me]
            if self.refs:
                return
            self.idle_since = time.monotonic()
            if self.admitted:  # they are about to start their units: the turn is not over
                return
            if not self.draining and self._waited_on():
                self.draining = True  # closing for a waiter: leave it the lock (_give_way)
            if self.draining or linger <= 0:
                self._close()
            self.cond.notify_all()

    def _waited_on(self) -> bool:
        """True when another process waits for the file: it holds the turnstile shared."""
        if self.turn_fd is None:
            return False
        try:
            fcntl.flock(self.turn_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self.turn_fd, fcntl.LOCK_UN)
        return False

    # -- the file --------------------------------------------------------------------------------

    def _open(
        self, holder: tuple[str, str], wait: float, notify: Callable[[str], None] | None, linger: float
    ) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        deadline = began + wait
        self._give_way(deadline)
        lock_fd = os.open(_lock_path(self.path), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._take_lock(lock_fd, deadline, wait, notify)
            locked = time.monotonic()
            os.ftruncate(lock_fd, 0)
            os.pwrite(
                lock_fd,
                Holder(holder[0], holder[1], os.getpid(), datetime.now(UTC).replace(microsecond=0))
                .line()
                .encode(),
                0,
            )
            con = self._connect(deadline, wait)
        except BaseException:
            os.close(lock_fd)
            raise
        self.holder, self.opened_at, self.units = holder, locked, 0
        _trace(self, "open", waited=locked - began, connect=time.monotonic() - locked)
        self.lock_fd = lock_fd
        self.turn_fd = os.open(_turnstile_path(self.path), os.O_RDWR | os.O_CREAT, 0o600)
        self.draining = False
        return con

    def _give_way(self, deadline: float) -> None:
        """Just after closing for a waiter, leave it the lock rather than race it back."""
        while time.monotonic() - self.yielded_at < _HANDOFF and time.monotonic() < deadline:
            found = holder_of(self.path)
            if found is not None and found.pid != os.getpid():
                return
            time.sleep(_POLL)

    def _take_lock(
        self, lock_fd: int, deadline: float, wait: float, notify: Callable[[str], None] | None
    ) -> None:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        turn_fd = os.open(_turnstile_path(self.path), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(turn_fd, fcntl.LOCK_SH)  # tells the holder someone waits
            notice_at = time.monotonic() + NOTICE_AFTER
            while True:
                try:
                    fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    pass
                now = time.monotonic()
                if now >= deadline:
                    who = self._who()
                    raise WorkspaceBusy(
                        f"the workspace {self.path} is busy: held by {who}; "
                        f"gave up after {wait:g} s (wait longer with --wait "
                        f"SECONDS or {WAIT_ENV})",
                        who,
                        wait,
                    )
                if notify is not None and now >= notice_at:
                    notice_at = float("inf")
                    notify(f"waiting for the workspace: held by {self._who()}")
                time.sleep(_POLL)
        finally:
            os.close(turn_fd)  # closing drops the shared lock too

    def _who(self) -> str:
        found = holder_of(self.path)
        return found.describe() if found else "another process"

    def _connect(self, deadline: float, wait: float) -> duckdb.DuckDBPyConnection:
        """Open the file. With the lock file ours, a DuckDB lock can only be a program outside
        smsconsole (a bare duckdb.connect, an older smsconsole): it would not let go for us,
        so say so at once rather than wait."""
        try:
            con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreError(
                    f"the workspace {self.path} is open in a program that does not "
                    "take turns (a bare duckdb.connect or an older smsconsole); "
                    "close it and try again"
                ) from exc
            raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
        if not self.migrated:
            migrate(con)
            for hook in self.first_open:
                hook(con)
            self.migrated = True
        return con

    def _close(self) -> None:
        """Close the connection and let the lock go (caller holds cond, no unit is open)."""
        if self.con is None:
            return
        con, self.con = self.con, None
        closing = time.monotonic()
        try:
            con.close()
        finally:
            _trace(
                self,
                "close",
                held=time.monotonic() - self.opened_at,
                close=time.monotonic() - closing,
                units=self.units,
                why="waiter" if self.draining else "idle",
            )
            if self.draining:
                self.yielded_at = time.monotonic()
            self.draining = False
            for fd in (self.turn_fd, self.lock_fd):
                if fd is not None:
                    os.close(fd)  # closing the lock file's descriptor releases its flock
            self.turn_fd = self.lock_fd = None

    def _linger(self, con: duckdb.DuckDBPyConnection, linger: float) -> None:
        """While the file is open: close it once idle for `linger`, or at once for a waiter."""
        with self.cond:
            while self.con is con:
                if (
                    not self.refs
                    and not self.admitted
                    and (time.monotonic() - self.idle_since >= linger or self._waited_on())
                ):
                    self._close()
                    self.cond.notify_all()
                    return
                self.cond.wait(_POLL)


_SHARED: dict[Path, _Shared] = {}
_SHARED_LOCK = threading.Lock()


def _shared(path: Path) -> _Shared:
    key = path.resolve()
    with _SHARED_LOCK:
        return _SHARED.setdefault(key, _Shared(key))


class Workspace:
    """A workspace file shared with other processes: borrow a connection per unit of work.

    `with ws.unit() as con:` waits (up to `wait` seconds) until no other process holds the
    file, then lends a cursor for this thread. Keep units short: everyone else waits meanwhile.
    Between units the file is released for whoever waits; `linger` is how long an idle
    process keeps it open when nobody does (0: release at once, as notebooks do).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        kind: str = "notebook",
        detail: str = "",
        wait: float | None = None,
        linger: float = LINGER,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        if str(path) == ":memory:":
            raise StoreError("a shared workspace needs a file; got ':memory:'")
        self.path = Path(path)
        self.kind, self.detail = kind, detail
        self.wait = wait_seconds(wait)
        self.linger = linger
        self.notify = notify
        self._shared = _shared(self.path)

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, kind={self.kind!r})"

    def unit(self, notify: Callable[[str], None] | None = None) -> _Unit:
        """A cursor for one unit of work on this thread; the workspace is free again after it.

        `notify` (default: the workspace's) hears who holds the file when the wait is long.
        """
        return _Unit(self._shared, (self.kind, self.detail), self.wait, notify or self.notify, self.linger)

    def hold_for_thread(
        self, notify: Callable[[str], None] | None = None, thread: threading.Thread | None = None
    ) -> duckdb.DuckDBPyConnection:
        """A cursor held until `release_held` or the end of `thread`: a Streamlit script run.

        Calls from the same thread get the same cursor until it is given back; a watcher
        gives it back when the thread ends, should nobody have done it before.
        """
        thread = thread or threading.current_thread()
        key = (id(self._shared), thread)
        with _THREAD_LOCK:
            held = _THREAD_UNITS.get(key)
        if held is not None:
            return held[0]
        unit = self.unit(notify)
        cur = unit.__enter__()
        with _THREAD_LOCK:
            _THREAD_UNITS[key] = (cur, unit)
            watch = thread not in _WATCHED
            _WATCHED.add(thread)
        if watch:
            threading.Thread(
                target=_give_back_at_end, args=(thread,), daemon=True, name="smsconsole-unit-watch"
            ).start()
        return cur

    def held(self) -> duckdb.DuckDBPyConnection | None:
        """The cursor `hold_for_thread` lent this thread, if it still holds one."""
        with _THREAD_LOCK:
            found = _THREAD_UNITS.get((id(self._shared), threading.current_thread()))
        return found[0] if found else None

    def release_held(self, thread: threading.Thread | None = None) -> None:
        """Give back the unit `hold_for_thread` lent to `thread` (default: this one), if any."""
        _release_held((id(self._shared), thread or threading.current_thread()))

    def on_first_open(self, hook: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        """Run `hook` (e.g. seeding) once per process, right after the schema is brought up."""
        if hook not in self._shared.first_open:
            self._shared.first_open.append(hook)

    def is_open(self) -> bool:
        """Whether this process has the file open right now (tests, diagnostics)."""
        return self._shared.con is not None


class _Unit:
    """`with ws.unit() as con:`. A class, not a generator: exceptions pass through untouched
    (contextlib would rewrite their traceback, which frozen dataclass errors refuse)."""

    def __init__(
        self,
        shared: _Shared,
        holder: tuple[str, str],
        wait: float,
        notify: Callable[[str], None] | None,
        linger: float,
    ) -> None:
        self._shared, self._holder, self._wait = shared, holder, wait
        self._notify, self._linger = notify, linger
        self._owner = 0
        self._cur: duckdb.DuckDBPyConnection | None = None
        self._outer, self._got, self._waited, self._thread = True, 0.0, 0.0, ""  # for _trace

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self._owner = threading.get_ident()
        self._outer = not self._shared.depth.get(self._owner)
        self._thread = threading.current_thread().name.replace(" ", "_")
        asked = time.monotonic()
        root = self._shared.acquire(self._holder, self._wait, self._notify, self._linger)
        self._got = time.monotonic()
        self._waited = self._got - asked
        try:
            self._cur = root.cursor()
        except BaseException:
            self._shared.release(self._linger, self._owner)
            raise
        return self._cur

    def __exit__(self, *exc: object) -> None:
        try:
            if self._cur is not None:
                self._cur.close()
        finally:
            self._cur = None
            if self._outer:
                _trace(
                    self._shared,
                    "unit",
                    waited=self._waited,
                    held=time.monotonic() - self._got,
                    thread=self._thread,
                )
            self._shared.release(self._linger, self._owner)


_THREAD_UNITS: dict[tuple[int, threading.Thread], tuple[duckdb.DuckDBPyConnection, _Unit]] = {}
_WATCHED: set[threading.Thread] = set()
_THREAD_LOCK = threading.Lock()


def _release_held(key: tuple[int, threading.Thread]) -> None:
    with _THREAD_LOCK:
        held = _THREAD_UNITS.pop(key, None)
    if held is not None:
        held[1].__exit__(None, None, None)


def _give_back_at_end(thread: threading.Thread) -> None:
    thread.join()
    with _THREAD_LOCK:
        _WATCHED.discard(thread)
        keys = [key for key in _THREAD_UNITS if key[1] is thread]
    for key in keys:
        _release_held(key)


def lender(source: object) -> Callable[[], contextlib.AbstractContextManager]:
    """Units of work from a Workspace, or one cursor of its own, every time, from a connection.

    The seam that lets long-running code (the sender) take either: a Workspace is released
    between its units, a connection is simply kept.
    """
    if isinstance(source, Workspace):
        return source.unit
    # A cursor of its own: the caller's connection may be in use on another thread.
    cur = source.cursor()  # type: ignore[attr-defined]
    return lambda: contextlib.nullcontext(cur)
