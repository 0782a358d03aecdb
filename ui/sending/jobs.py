"""Batches sending in the background, one thread per batch per server process.

A Streamlit script run is interrupted by any rerun, page switch or reload, so the send loop does
not live in it: the Confirm button only freezes the batch and starts (or finds) its worker
thread, and the page polls the ledger for progress. Exactly-once does not rest on this registry:
the ledger claims each row under a primary key before its request. The registry only saves a
second thread the trouble.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import streamlit as st

from smscore.batchid import short_id
from smscore.store import Workspace
from ui.shell import watch as balance_watch


@dataclass
class _Registry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: dict[str, threading.Thread] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)  # worded when shown
    stops: dict[str, threading.Event] = field(default_factory=dict)


@st.cache_resource(show_spinner=False)
def _registry() -> _Registry:
    return _Registry()


@dataclass(frozen=True)
class SendOptions:
    concurrency: int
    rate: float
    reserve: Decimal


def start(root: Workspace, cfg: Mapping[str, str], batch_id: str, options: SendOptions) -> bool:
    """Start sending (or resuming) `batch_id` unless a thread already does; True if started."""
    reg = _registry()
    with reg.lock:
        running = reg.threads.get(batch_id)
        if running is not None and running.is_alive():
            return False
        reg.errors.pop(batch_id, None)
        stop = threading.Event()
        thread = threading.Thread(
            target=_work,
            args=(reg, root, dict(cfg), batch_id, options, stop),
            name=f"smsconsole-batch-{short_id(batch_id)}",
            daemon=True,
        )
        reg.threads[batch_id] = thread
        reg.stops[batch_id] = stop
        thread.start()
    return True


def _work(
    reg: _Registry,
    root: Workspace,
    cfg: dict[str, str],
    batch_id: str,
    options: SendOptions,
    stop: threading.Event,
) -> None:
    from smscore.sending import sender  # noqa: PLC0415
    from smscore.twilio.connect import open_gateway  # noqa: PLC0415

    try:
        # The workspace, not a cursor: the sender borrows it per round (and a sandbox per
        # request), so the CLI and notebooks get the file while the batch sends or waits.
        gateway = open_gateway(root, cfg)

        def run() -> None:
            sender.run_batch(
                root,
                gateway,
                batch_id,
                concurrency=options.concurrency,
                rate_segments_per_second=options.rate,
                reserve=options.reserve,
                stop_event=stop,
            )

        run()
        balance_watch.poke()  # the batch has spent: check the balance now, not in 30 minutes
        _reconcile_when_due(root, batch_id, stop, run)
        _send_held_when_due(root, batch_id, stop, run)
        # The workspace again: poll holds it only to record each round of Twilio's answers.
        sender.poll_statuses(root, gateway, batch_id, concurrency=options.concurrency)
    except Exception as exc:  # noqa: BLE001 - shown on the Send page; the ledger keeps the truth
        reg.errors[batch_id] = exc.with_traceback(None)  # its code words it per viewer


# Rounds of waiting for unknown outcomes; a lookup that keeps failing (Twilio unreachable) stops
# after these and leaves the batch for Resume, which says when it can look them up.
_RECONCILE_ROUNDS = 3


def _reconcile_when_due(
    root: Workspace, batch_id: str, stop: threading.Event, run: Callable[[], None]
) -> None:
    """Wait until unknown outcomes may be looked up in Twilio, then run the batch again.

    The operator need not come back after a timeout: the run reconciles first (each unknown
    row becomes sent, queued again, or stays unknown when Twilio cannot tell), then sends
    whatever was queued again. A stop request ends the wait at once.
    """
    from smscore.sending import ledger  # noqa: PLC0415

    for _ in range(_RECONCILE_ROUNDS):
        with root.unit() as cur:  # not held while waiting: others get the file meanwhile
            wait = ledger.unknown_wait(cur, batch_id)
        if not wait.pending or stop.wait(wait.seconds_left(ledger.utcnow()) + 0.5):
            return
        run()


def _send_held_when_due(
    root: Workspace, batch_id: str, stop: threading.Event, run: Callable[[], None]
) -> None:
    """Wait for messages held for their recipients' sending hours, and send each when due.

    Only a sender without Twilio's scheduler holds messages; the thread sleeps until the next
    one's time (a stop request or a server restart ends the wait; Resume picks it up again).
    """
    from smscore.sending import ledger  # noqa: PLC0415

    def held() -> tuple[int, object]:
        with root.unit() as cur:  # not held while waiting: others get the file meanwhile
            return ledger.next_held(cur, batch_id)

    while True:
        waiting, first = held()
        if not waiting or first is None:
            return
        if stop.wait(max(0.0, (first - ledger.utcnow()).total_seconds()) + 0.5):
            return
        run()
        if held() == (waiting, first):
            return  # nothing moved (paused for balance, say): leave it to the operator


def is_running(batch_id: str) -> bool:
    thread = _registry().threads.get(batch_id)
    return thread is not None and thread.is_alive()


def running_batches() -> list[str]:
    return [b for b, th in _registry().threads.items() if th.is_alive()]


def error(batch_id: str) -> BaseException | None:
    """Why the batch's thread stopped, if it failed: the exception itself, so each viewer reads
    it in their own language (`ui.words.problem_words.told`) when the core gave it a code."""
    return _registry().errors.get(batch_id)


def stop(batch_id: str) -> None:
    """Ask the batch to pause after the messages in flight; resumable from the ledger."""
    event = _registry().stops.get(batch_id)
    if event is not None:
        event.set()


def wait(batch_id: str, timeout: float = 60.0) -> bool:
    """Block until the batch's thread ends (tests, CLI-like callers); True when it ended."""
    thread = _registry().threads.get(batch_id)
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    return True
