"""The workspace connection of a script run: the configuration, the shared Workspace, this
run's cursor, and one sentence on the page when the file cannot be had.

Kept apart from setup (the page frame) so that sign-in (ui.shell.auth), which setup draws,
reads the database without importing setup back. Only the UI layer caches: one shared
store.Workspace per file per server process, and a cursor per script run, held as one unit of
work until the run's thread ends (so the CLI and notebooks get the file between runs), since a
DuckDB connection is not thread-safe and reruns happen on different threads.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

import duckdb
import streamlit as st

from smscore import store
from ui.shell.seed import seed_if_empty
from ui.words.i18n import t

_log = logging.getLogger(__name__)


def config() -> dict[str, str]:
    """The environment overlaid with Streamlit secrets (root keys and a [twilio] table)."""
    merged = {k: v for k, v in os.environ.items()}
    try:
        secrets = dict(st.secrets)
    except (FileNotFoundError, KeyError):  # no secrets.toml at all
        secrets = {}
    for key, value in secrets.items():
        if isinstance(value, Mapping):
            if key.lower() == "twilio":
                for sub, subvalue in value.items():
                    name = sub.upper()
                    merged[name if name.startswith("TWILIO_") else f"TWILIO_{name}"] = str(subvalue)
            continue
        merged[store.DB_ENV if key.lower() == "db_path" else key] = str(value)
    return merged


def smtp_secrets() -> dict[str, object]:
    """The `[smtp]` table of Streamlit secrets (smscore.notices.mail); empty without one."""
    try:
        table = st.secrets.get("smtp")
    except (FileNotFoundError, KeyError):
        return {}
    return dict(table) if isinstance(table, Mapping) else {}


@st.cache_resource(show_spinner=False)
def _workspace(path: str, wait: float) -> store.Workspace:
    ws = store.Workspace(path, kind="console", wait=wait)
    ws.on_first_open(seed_if_empty)
    return ws


def db_path(cfg: Mapping[str, str] | None = None) -> Path:
    return store.resolve_db_path(None, cfg if cfg is not None else config())


def root(cfg: Mapping[str, str] | None = None) -> store.Workspace:
    """The process-wide workspace on the database file: background work borrows it per unit."""
    cfg = cfg if cfg is not None else config()
    return _workspace(str(db_path(cfg)), store.wait_seconds(None, cfg))


def cursor(cfg: Mapping[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """This script run's DuckDB handle: one unit of work, given back when the run's thread ends.

    While another process (a CLI import, a notebook) holds the file, the page says who and
    waits; past the wait it shows one sentence instead of the page.
    """
    try:
        ws = root(cfg)
    except store.StoreError as exc:  # e.g. SMSCONSOLE_WAIT is not a number
        _stop_with(exc)
    held = ws.held()
    if held is not None:  # the common case: this run already has its unit
        return held
    # Drawn only when there is a wait to tell of: a callback (Confirm in its dialog) may not draw.
    notice: list = []

    def say(message: str) -> None:
        if not notice:
            notice.append(st.empty())
        notice[0].info(message, icon=":material/hourglass_top:")

    try:
        con = ws.hold_for_thread(say)
    except store.StoreError as exc:
        for shown in notice:
            shown.empty()
        _stop_with(exc)
    for shown in notice:
        shown.empty()
    _give_back_after_run(ws)
    return con


_RUN_ENDS = frozenset(
    {
        "SCRIPT_STOPPED_WITH_SUCCESS",
        "SCRIPT_STOPPED_WITH_COMPILE_ERROR",
        "SCRIPT_STOPPED_FOR_RERUN",
        "FRAGMENT_STOPPED_WITH_SUCCESS",
        "SHUTDOWN",
    }
)
_HOOKED: weakref.WeakSet[object] = weakref.WeakSet()


def _give_back_after_run(ws: store.Workspace) -> None:
    """Give the run's unit back as soon as the run (or fragment run) ends.

    The script thread outlives one run (a `run_every` fragment keeps it busy for good), so
    its end is too late. Streamlit has no public "run ended" hook; its ScriptRunner, the
    thread's target, signals every run's end on `on_event`. If that ever changes, the unit
    is still given back when the thread ends.
    """
    thread = threading.current_thread()
    runner = getattr(getattr(thread, "_target", None), "__self__", None)
    signal = getattr(runner, "on_event", None)
    if signal is None or runner in _HOOKED:
        return

    def ended(_sender: object, event: object = None, **_kwargs: object) -> None:
        if getattr(event, "value", None) in _RUN_ENDS:
            ws.release_held(thread)

    signal.connect(ended, weak=False)
    _HOOKED.add(runner)


def _open_or_stop(cfg: Mapping[str, str]) -> duckdb.DuckDBPyConnection:
    """This run's cursor, or one sentence on the page and the end of the run.

    A StoreError names the file and, for a lock, the other process's PID: useful in the server
    log, noise (and a path dump) on the page, where Streamlit would show it as a traceback.
    """
    try:
        return cursor(cfg)
    except store.StoreError as exc:
        _stop_with(exc)
        raise  # not reached: st.stop() raises; tells type checkers this never falls off


def _stop_with(exc: store.StoreError) -> NoReturn:
    """One sentence on the page instead of the rest of the run (the details go to the log)."""
    _log.warning("workspace unavailable: %s", exc)
    if isinstance(exc, store.WorkspaceBusy):  # who holds it, as the issue asks; not the path
        text = t("store.busy", holder=exc.holder, seconds=f"{exc.waited:g}")
    else:
        text = t(store_problem_key(exc))
    st.error(text, icon=":material/lock:")
    st.stop()
    raise exc  # not reached: st.stop() raises


def store_problem_key(exc: store.StoreError) -> str:
    """The message key for why the workspace cannot be opened: in use, too new, or unreadable."""
    cause = str(exc.__cause__ or "").lower()
    if "lock" in cause:
        return "store.in_use"
    if "newer than this" in str(exc):
        return "store.too_new"
    return "store.unreadable"
