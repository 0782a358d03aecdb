"""A batch's progress as the console and the CLI show it while it sends, read from the ledger.

Its own module because it only reads: counts, segments, cost so far and a rate over the last
minute, put together from the rows `claims` wrote and the batch row `batches` keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from smscore.clock import utcnow
from smscore.money import Money
from smscore.problems import Problem, recognise
from smscore.sending.batches import (
    CLAIMED,
    DAMAGED,
    FAILED,
    QUEUED,
    SENT,
    UNKNOWN,
    Cursor,
    batch_info,
    counts,
    damage_reason,
)

RATE_WINDOW = timedelta(seconds=60)


@dataclass(frozen=True)
class Progress:
    """What the console and the CLI show while a batch sends, read from the ledger alone."""

    batch_id: str
    status: str
    reason: str | None
    total: int
    queued: int
    claimed: int
    sent: int
    failed: int
    unknown: int
    segments_sent: int
    segments_left: int
    cost_so_far: Money  # actual price where Twilio has reported it, else the estimate's max
    estimate_max: Money
    segments_per_second: float  # over the last minute of sending
    eta_seconds: float | None  # None until a rate is known
    problem: Problem | None = None  # `reason` as a code with parameters (None for older rows)

    @property
    def done(self) -> bool:
        return self.queued == 0 and self.claimed == 0

    @property
    def accounted(self) -> int:
        return self.queued + self.claimed + self.sent + self.failed + self.unknown


def batch_progress(con: Cursor, batch_id: str, now: datetime | None = None) -> Progress:
    """The batch's progress as one consistent read (safe to poll from the console)."""
    now = now or utcnow()
    cur = con.cursor()
    info = batch_info(cur, batch_id)
    by_state = counts(cur, batch_id)
    window_start = max(now - RATE_WINDOW, info["started_at"] or now)
    sent_segments, left_segments, cost, recent = cur.execute(
        """SELECT coalesce(sum(segments) FILTER (WHERE state = 'sent'), 0),
                  coalesce(sum(segments) FILTER (WHERE state IN ('queued', 'claimed')), 0),
                  coalesce(sum(coalesce(actual_price, price_max)) FILTER (
                      WHERE state = 'sent' AND twilio_status IS DISTINCT FROM 'canceled'), 0),
                  coalesce(sum(segments) FILTER (WHERE state = 'sent' AND sent_at >= ?), 0)
           FROM messages WHERE batch_id = ?""",
        [window_start, batch_id],
    ).fetchone()
    elapsed = (now - window_start).total_seconds()
    rate = float(recent) / elapsed if elapsed > 0 else 0.0
    eta = 0.0 if not left_segments else float(left_segments) / rate if rate > 0 else None
    currency = info["currency"]
    status, reason = info["status"], info["status_reason"]
    problem = Problem.from_stored(info["status_code"], info["status_params"]) or recognise(
        reason
    )  # a row stored before codes: read back from its text
    broken = damage_reason(
        batch_id, info["recipients"], sum(by_state.values()), info["created_at"].date(), now.date()
    )
    if broken:
        status, reason, problem = DAMAGED, broken, None
    return Progress(
        batch_id=batch_id,
        status=status,
        reason=reason,
        total=sum(by_state.values()),
        queued=by_state[QUEUED],
        claimed=by_state[CLAIMED],
        sent=by_state[SENT],
        failed=by_state[FAILED],
        unknown=by_state[UNKNOWN],
        segments_sent=int(sent_segments),
        segments_left=int(left_segments),
        cost_so_far=Money(Decimal(cost), currency),
        estimate_max=Money(Decimal(info["estimate_max"]), currency),
        segments_per_second=rate,
        eta_seconds=eta,
        problem=problem,
    )
