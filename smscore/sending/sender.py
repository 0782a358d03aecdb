"""The batch sender: sends a frozen batch exactly once, paced, resumable, and honest about doubt.

One coordinating thread owns every database write (DuckDB connections are not thread-safe, and
one writer keeps the ledger's story simple); a bounded pool of workers (`worker`) only talks to
Twilio. The coordinator claims rows in the ledger before handing them to a worker, and settles
each claim from the worker's outcome. What can go wrong, and what happens then:

* 429 / 20429, 5xx, or a connection refused before the request left: Twilio did not take the
  message, so the worker retries with exponential backoff and full jitter. Still throttled after
  its retries, the row goes back to the queue and the batch pauses.
* No answer after the request left (a read timeout): the outcome is unknown. The row is marked
  `unknown` and never resent blindly; `reconcile` lists Twilio's messages to that number and
  adopts one only when it is provably ours (smscore.sending.ownership), resending only when none can be.
* Any other 4xx: a per-recipient refusal (21211, 21408, 21608, 21614, ...), recorded with Twilio's
  code; 21610 (the recipient sent STOP) also suppresses the number for every later batch.
* 20003 / 401: the credentials are refused; the batch stops at once ("stopped: auth").
* 10001 / 20005 (account not active, which is what an empty balance causes), or a balance check
  during the batch that no longer covers what is left: the batch pauses, resumable after a top-up.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from smscore import store
from smscore.access import approvals
from smscore.clock import aware_utc
from smscore.money import Money
from smscore.problems import Problem
from smscore.sending import ledger, ownership
from smscore.sending.ledger import Claim, Cursor, Progress
from smscore.sending.ratelimit import SegmentRate, default_rate
from smscore.sending.schedule import CANCELLED
from smscore.sending.worker import Outcome, RetryPolicy, Worker, classify
from smscore.twilio.balance import judge
from smscore.twilio.gateway import Gateway, GatewayError, MessageResult

OPTED_OUT = 21610
# A round (settle what came back, claim what goes next, commit) takes the workspace from every
# other process for its length, and each time another process waits it also costs a handover
# of the file. So the coordinator holds a round about once a second, or sooner when the
# workers are about to run dry, rather than on every answer (measured with ten console
# sessions: a CLI send took the file ~4 times a second and held it 80% of the time).
ROUND_SECONDS = 1.0
# At most this many rows claimed ahead of the workers: a run that dies leaves them to
# reconcile (one Twilio lookup each), so the window only grows as far as the sending needs.
CLAIM_AHEAD_MAX = 500

# Runs alive in this process. A claim held by a token not in here belongs to a run that is gone.
_LIVE_RUNS: set[str] = set()
_LIVE_LOCK = threading.Lock()


@dataclass
class _Run:
    """The coordinator's state for one run_batch call."""

    cur: Cursor
    batch_id: str
    token: str
    now: Callable[[], datetime]
    halt_status: str | None = None
    halt_reason: str | Problem | None = None
    settled: int = 0
    lend: Callable[[], AbstractContextManager[Cursor]] = field(default=lambda: nullcontext())

    def stop(self, status: str, reason: str | Problem) -> None:
        # The first reason wins: an auth failure is not downgraded by a later pause.
        if self.halt_status is None or (
            status == ledger.STOPPED_AUTH and self.halt_status != ledger.STOPPED_AUTH
        ):
            self.halt_status, self.halt_reason = status, reason


def run_batch(
    con: Cursor | store.Workspace,
    gateway: Gateway,
    batch_id: str,
    *,
    concurrency: int = 4,
    rate_segments_per_second: float | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop_event: threading.Event | None = None,
    retry: RetryPolicy = RetryPolicy(),
    reserve: Decimal = Decimal("0"),
    balance_every: int = 500,
    reconcile_settle: float = ledger.RECONCILE_SETTLE.total_seconds(),
    progress_every: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = ledger.utcnow,
) -> Progress:
    """Send (or resume) a frozen batch and return its progress when this run ends.

    Safe to call again at any time and from several threads or processes at once: only rows
    still queued in the ledger are sent, each by whichever run claims it first. `con` is a
    connection, kept for the whole run, or a store.Workspace, borrowed for each round and
    released in between so other processes get the file while requests are in flight.

    Args:
        rate_segments_per_second: pacing; defaults to Twilio's MPS for the batch's sender.
        reserve: balance to keep untouched on top of what the batch may still cost.
        balance_every: re-read the balance after this many messages.
        reconcile_settle: seconds an unknown row must age before Twilio is asked about it.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1; got {concurrency!r}")
    lend = store.lender(con)
    token = uuid.uuid4().hex
    with lend() as cur:
        approvals.ensure_sendable(cur, batch_id)  # held for approval or rejected: never sent
        info = ledger.batch_info(cur, batch_id)
        broken = ledger.damage(cur, batch_id, now().date())
        if broken:
            raise ledger.DamagedBatch(broken)
        if info["status"] == CANCELLED:
            raise ValueError(f"batch {batch_id} was cancelled; send the message again as a new batch")
        path = store.database_path(cur)
        with _LIVE_LOCK:
            ledger.expire_claims(cur, batch_id, _live_tokens(path), now())
            _LIVE_RUNS.add(token)
            store.publish_runs(path, _LIVE_RUNS)
    rate = rate_segments_per_second or default_rate(info["sender"] or "")
    run = _Run(None, batch_id, token, now, lend=lend)  # type: ignore[arg-type]
    try:
        with lend() as run.cur:
            if ledger.counts(run.cur, batch_id)[ledger.UNKNOWN]:
                reconcile(run.cur, gateway, batch_id, settle=reconcile_settle, now=now)
            ledger.skip_suppressed(run.cur, batch_id, now())
            queued = ledger.counts(run.cur, batch_id)[ledger.QUEUED]
            if queued:
                _gate_balance(run, gateway, reserve)
                if run.halt_status is None:
                    ledger.set_status(run.cur, batch_id, ledger.SENDING, None, now())
        if queued and run.halt_status is None:
            _send_loop(
                run,
                gateway,
                info["sender"] or "",
                concurrency,
                SegmentRate(rate),
                retry,
                balance_every,
                reserve,
                on_progress,
                stop_event,
                progress_every,
                sleep,
            )
    finally:
        with lend() as run.cur, _LIVE_LOCK:
            _LIVE_RUNS.discard(token)
            store.publish_runs(path, _LIVE_RUNS)
            # Anything this run still holds had its request made or about to be: unknown.
            ledger.expire_claims(run.cur, batch_id, _live_tokens(path), now())
    with lend() as run.cur:
        _close(run)
        progress = ledger.batch_progress(run.cur, batch_id, now())
    if on_progress:
        on_progress(progress)
    return progress


def _live_tokens(path: object) -> set[str]:
    """Runs alive anywhere: this process's and those other processes publish beside the file."""
    return set(_LIVE_RUNS) | store.other_runs(path)  # type: ignore[arg-type]


def _send_loop(
    run: _Run,
    gateway: Gateway,
    sender: str,
    concurrency: int,
    limiter: SegmentRate,
    retry: RetryPolicy,
    balance_every: int,
    reserve: Decimal,
    on_progress: Callable[[Progress], None] | None,
    stop_event: threading.Event | None,
    progress_every: float,
    sleep: Callable[[float], None],
) -> None:
    halt = threading.Event()
    worker = Worker(gateway, sender, limiter, retry, halt, stop_event, sleep)
    appetite = _Appetite(concurrency, limiter.per_second)
    after_seq = 0
    in_flight: dict[Future[Outcome], Claim] = {}
    outcomes: list[Outcome] = []
    last_report = time.monotonic()
    next_balance_check = balance_every
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="smssend") as pool:
        while True:
            if stop_event is not None and stop_event.is_set():
                run.stop(ledger.PAUSED, Problem("batch.stopped_by_operator"))
            settlements = [_settlement(run, outcome) for outcome in outcomes]
            if run.halt_status is not None:
                halt.set()
            room = appetite.window() - len(in_flight)
            # Never further than the first window past the next balance check, which then
            # stops the batch before Twilio refuses it.
            before_check = (
                next_balance_check + appetite.floor - (run.settled + len(outcomes) + len(in_flight))
            )
            free = 0 if run.halt_status is not None else max(0, min(room, before_check))
            asked = time.monotonic()
            with run.lend() as run.cur:  # one unit of work per round: others get in between
                appetite.waited(time.monotonic() - asked)
                # Without Twilio's scheduler (no Messaging Service) the sender holds messages
                # whose sending hours have not come; with it, Twilio holds them (schedule).
                due_by = None if sender.startswith("MG") else run.now()
                claims = ledger.settle_and_claim(
                    run.cur,
                    run.batch_id,
                    run.token,
                    settlements,
                    after_seq=after_seq,
                    limit=free,
                    now=run.now(),
                    due_by=due_by,
                )
                _suppress_opted_out(run, outcomes)
                run.settled += len(outcomes)
                for claim in claims:
                    in_flight[pool.submit(worker, claim)] = claim
                    after_seq = max(after_seq, claim.seq)
                if run.settled >= next_balance_check and run.halt_status is None:
                    next_balance_check += balance_every
                    _gate_balance(run, gateway, reserve)
                if on_progress and time.monotonic() - last_report >= progress_every:
                    last_report = time.monotonic()
                    on_progress(ledger.batch_progress(run.cur, run.batch_id, run.now()))
            if not in_flight:
                # Over, unless only the balance check held the claims back (it has moved on).
                if run.halt_status is not None or len(claims) < free or before_check >= room:
                    break
                outcomes = []
                continue
            outcomes = _collect(in_flight, low=concurrency, until=asked + ROUND_SECONDS)
            appetite.learn(outcomes)


@dataclass
class _Appetite:
    """How many rows to keep claimed ahead of the workers: enough to keep them sending until
    the next round, which comes about ROUND_SECONDS later plus as long as the workspace kept
    the coordinator waiting lately (another process's turn; the longest of the last few, since
    turns vary and the workers must not run dry in a long one)."""

    concurrency: int
    rate: float  # segments per second: at most as many messages
    latency: float | None = None  # seconds a worker spends on a message, smoothed
    waits: deque[float] = field(default_factory=lambda: deque(maxlen=5))

    def waited(self, seconds: float) -> None:
        self.waits.append(seconds)

    @property
    def floor(self) -> int:
        return self.concurrency * 4

    def learn(self, outcomes: list[Outcome]) -> None:
        timed = [o.seconds for o in outcomes if o.kind != "halted"]
        if timed:
            mean = sum(timed) / len(timed)
            self.latency = mean if self.latency is None else (self.latency + mean) / 2

    def window(self) -> int:
        if self.latency is None:
            return self.floor
        per_second = min(self.rate, self.concurrency / max(self.latency, 1e-3))
        ahead = per_second * (ROUND_SECONDS + min(max(self.waits, default=0.0), 5.0)) * 1.25
        return int(min(CLAIM_AHEAD_MAX, max(self.floor, ahead)))


def _collect(in_flight: dict[Future[Outcome], Claim], *, low: int, until: float) -> list[Outcome]:
    """Outcomes as they come back, until the round is due or the workers are about to run
    out of claimed rows (`low` or fewer left in flight)."""
    outcomes: list[Outcome] = []
    while in_flight:
        done, _ = wait(in_flight, timeout=max(0.0, until - time.monotonic()), return_when=FIRST_COMPLETED)
        for future in done:
            outcomes.append(future.result())
            del in_flight[future]
        if len(in_flight) <= low or time.monotonic() >= until:
            break
    return outcomes


def _settlement(run: _Run, outcome: Outcome) -> ledger.Settlement:
    """How a worker outcome ends its claim, noting on the run why the batch must stop."""
    phone, error, attempts = outcome.claim.phone, outcome.error, outcome.attempts
    message = str(error) if error else None
    if outcome.kind == "sent" and outcome.result is not None:
        return ledger.Settlement.sent(phone, outcome.result, attempts)
    if outcome.kind == "failed" and error is not None:
        return ledger.Settlement(
            phone, ledger.FAILED, attempts, error_code=error.code, error_message=error.message
        )
    if outcome.kind == "unknown":
        return ledger.Settlement(phone, ledger.UNKNOWN, attempts, error_message=message or "no answer")
    # Not taken by Twilio: the row goes back to the queue, and the run says why it stops.
    if outcome.kind == "auth":
        run.stop(ledger.STOPPED_AUTH, Problem("batch.credentials_refused", {"error": str(error)}))
    elif outcome.kind == "balance":
        run.stop(ledger.PAUSED, Problem("batch.out_of_funds", {"error": str(error)}))
    elif outcome.kind == "throttled":
        run.stop(ledger.PAUSED, Problem("batch.throttled", {"attempts": attempts, "error": str(error)}))
    return ledger.Settlement(phone, ledger.QUEUED, attempts, error_message=message)


def _suppress_opted_out(run: _Run, outcomes: list[Outcome]) -> None:
    """21610: the recipient texted STOP; no later batch may send to the number either."""
    for outcome in outcomes:
        if outcome.kind == "failed" and outcome.error and outcome.error.code == OPTED_OUT:
            ledger.suppress(run.cur, outcome.claim.phone, f"twilio {OPTED_OUT}", f"batch {run.batch_id}")


def _gate_balance(run: _Run, gateway: Gateway, reserve: Decimal) -> None:
    """Pause unless a freshly fetched balance covers what the batch may still cost."""
    needed = ledger.remaining_max(run.cur, run.batch_id)
    try:
        check = judge(gateway.balance(), needed, reserve=Money(reserve, needed.currency))
    except GatewayError as exc:
        if classify(exc) == "auth":
            run.stop(ledger.STOPPED_AUTH, Problem("batch.credentials_refused", {"error": str(exc)}))
        else:
            run.stop(ledger.PAUSED, Problem("batch.balance_unreadable", {"error": str(exc)}))
    else:
        if not check.ok:
            run.stop(ledger.PAUSED, check.problem or check.message)
    if run.halt_status is not None:
        ledger.set_status(run.cur, run.batch_id, run.halt_status, run.halt_reason, run.now())


def _close(run: _Run) -> None:
    """Set the batch's final status for this run from what the ledger now holds."""
    if run.halt_status is not None:
        ledger.set_status(run.cur, run.batch_id, run.halt_status, run.halt_reason, run.now())
        return
    by_state = ledger.counts(run.cur, run.batch_id)
    held, first = ledger.next_held(run.cur, run.batch_id)
    if by_state[ledger.QUEUED] and not by_state[ledger.CLAIMED] and held == by_state[ledger.QUEUED]:
        ledger.set_status(
            run.cur, run.batch_id, ledger.PAUSED, held_reason(held, first, run.batch_id), run.now()
        )
        return
    if by_state[ledger.QUEUED] or by_state[ledger.CLAIMED]:
        # Another live run still holds rows, or rows were requeued after this run passed them.
        status = ledger.batch_info(run.cur, run.batch_id)["status"]
        if status == ledger.FROZEN:
            ledger.set_status(run.cur, run.batch_id, ledger.PAUSED, Problem("batch.not_started"), run.now())
        return
    if by_state[ledger.UNKNOWN]:
        wait = ledger.unknown_wait(run.cur, run.batch_id)
        count = {"count": wait.count, "batch": run.batch_id}
        why = (
            Problem("batch.unknown_outcomes", {**count, "ready": wait.ready_at})
            if wait.ready_at
            else Problem("batch.unknown_outcomes_now", count)
        )
        ledger.set_status(run.cur, run.batch_id, ledger.NEEDS_RECONCILE, why, run.now())
    else:
        ledger.set_status(run.cur, run.batch_id, ledger.DONE, None, run.now())


def held_reason(held: int, first: datetime | None, batch_id: str) -> Problem:
    """Why a batch waits: messages held for their recipients' sending hours, and until when."""
    at = first or ledger.utcnow()  # never None in practice: held rows always have a time
    if held == 1:
        return Problem("batch.held_one", {"at": at, "batch": batch_id})
    return Problem("batch.held", {"count": held, "at": at, "batch": batch_id})


# -- after an interruption, and after sending ----------------------------------------------------


@dataclass(frozen=True)
class Reconciled:
    """What a reconcile settled: found in Twilio (now sent), absent (queued again), left unknown.

    `ambiguous` of the rows left could not be told apart from other messages in Twilio (see
    smscore.sending.ownership); the others were too recent to look up yet, which `wait` says until when.
    """

    found: int
    requeued: int
    left: int
    ambiguous: int = 0
    wait: ledger.UnknownWait | None = None


def reconcile(
    con: Cursor,
    gateway: Gateway,
    batch_id: str,
    *,
    settle: float = ledger.RECONCILE_SETTLE.total_seconds(),
    now: Callable[[], datetime] = ledger.utcnow,
) -> Reconciled:
    """Look every old-enough unknown row up in Twilio and settle it.

    A row with exactly one Twilio message that is provably ours (smscore.sending.ownership: recipient,
    sender, exact body, time near the claim) becomes sent with that sid; a row Twilio has
    nothing of ours for goes back to queued, so the next run sends it; a row with candidates we
    cannot tell apart stays unknown with the reason. Rows younger than `settle` seconds stay
    unknown: a request still in flight at Twilio could otherwise be missed and sent twice.
    """
    cur = con.cursor()
    info = ledger.batch_info(cur, batch_id)
    with _LIVE_LOCK:
        ledger.expire_claims(cur, batch_id, _live_tokens(store.database_path(cur)), now())
    sender = info["sender"] or ""
    rows = ledger.unknown_rows(cur, batch_id, claimed_before=now() - timedelta(seconds=settle))
    tally = {ownership.OURS: 0, ownership.ABSENT: 0, ownership.AMBIGUOUS: 0}
    for row in rows:
        expected = ownership.Expected(row.phone, row.body, sender, row.claimed_at)
        try:
            candidates = gateway.messages_to(row.phone, aware_utc(expected.earliest), sender=sender)
        except GatewayError:
            continue  # stays unknown; a later reconcile tries again
        verdict = ownership.judge(expected, candidates, ledger.known_sids(cur, [m.sid for m in candidates]))
        tally[verdict.kind] += 1
        if verdict.kind == ownership.AMBIGUOUS:
            ledger.note_unknown(cur, batch_id, row.phone, verdict.reason or "ambiguous", now())
        else:
            ledger.settle_unknown(cur, batch_id, row.phone, verdict.message, now())
    wait = ledger.unknown_wait(cur, batch_id)
    return Reconciled(
        found=tally[ownership.OURS],
        requeued=tally[ownership.ABSENT],
        left=wait.count,
        ambiguous=tally[ownership.AMBIGUOUS],
        wait=wait,
    )


FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "read", "canceled"})


# Answers recorded per unit of work when polling: a round is a few seconds of Twilio's time.
_POLL_ROUND = 50


def poll_statuses(
    con: Cursor | store.Workspace,
    gateway: Gateway,
    batch_id: str,
    *,
    concurrency: int = 4,
    now: Callable[[], datetime] = ledger.utcnow,
) -> int:
    """Fetch status and actual price of every sent message not yet final and priced.

    Twilio fills `price` only after the message leaves its queue (it may take hours), so this is
    meant to be called again later; it returns how many messages it updated. Given the
    Workspace, it holds it only to read what to fetch and to record each round of answers,
    never while Twilio answers: a poll of a large batch takes minutes, which the CLI and
    notebooks would otherwise spend waiting.
    """
    lend = store.lender(con)
    with lend() as cur:
        rows = cur.execute(
            """SELECT phone, sid FROM messages WHERE batch_id = ? AND state = 'sent'
               AND sid IS NOT NULL AND (actual_price IS NULL OR twilio_status IS NULL
                    OR twilio_status NOT IN (SELECT unnest(?::VARCHAR[])))
               ORDER BY seq""",
            [batch_id, sorted(FINAL_STATUSES)],
        ).fetchall()
    updated = 0
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for start in range(0, len(rows), _POLL_ROUND):
            chunk = rows[start : start + _POLL_ROUND]
            answers = [(phone, pool.submit(gateway.fetch, sid)) for phone, sid in chunk]
            fetched = [
                (phone, result) for phone, future in answers if (result := _answer(future)) is not None
            ]
            with lend() as cur:
                for phone, result in fetched:
                    ledger.record_status(cur, batch_id, phone, result, now())
            updated += len(fetched)
    return updated


def _answer(future: Future) -> MessageResult | None:
    """A fetch's answer; None when it failed (left as it was: the next poll tries again)."""
    try:
        return future.result()
    except GatewayError:
        return None
