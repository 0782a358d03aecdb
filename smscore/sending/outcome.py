"""What happened to a batch, in one word the console, the reports and the CLI all use.

A stored status says where the sender stands ("done" only means nothing is left to try); the
outcome says what the operator got: `sent`, `sent with failures` (how many and why), `failed`
(nothing reached anyone: a batch in which every message failed is not a success), `cancelled`,
`paused` (resumable: balance, throttling, the operator, or outcomes still to look up),
`damaged`, `sending`, `awaiting approval` (held for a second admin) or `rejected` (an admin
cancelled it before it sent). The console, the CLI's `batches`, the notebook's frames and the
CSVs all take the word from `judge`, so one batch reads the same everywhere. A message Twilio accepted and later reported `failed` or
`undelivered` counts as a failure too: it reached nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from smscore.access.approvals import AWAITING
from smscore.access.approvals import REJECTED as REJECTED_STATUS
from smscore.sending import ledger

SENT, SENT_WITH_FAILURES, FAILED = "sent", "sent with failures", "failed"
CANCELLED, PAUSED, DAMAGED, SENDING = "cancelled", "paused", "damaged", "sending"
SCHEDULED = "scheduled"  # handed to Twilio's scheduler, not gone out yet: cancellable
AWAITING_APPROVAL, REJECTED = AWAITING, REJECTED_STATUS  # held for, or refused by, an admin
KINDS = (
    SENT,
    SENT_WITH_FAILURES,
    FAILED,
    CANCELLED,
    PAUSED,
    DAMAGED,
    SENDING,
    SCHEDULED,
    AWAITING_APPROVAL,
    REJECTED,
)

# One colour per outcome, the same on every page and in the CLI.
COLOURS = {
    SENT: "green",
    SENT_WITH_FAILURES: "orange",
    FAILED: "red",
    CANCELLED: "gray",
    PAUSED: "blue",
    DAMAGED: "violet",
    SENDING: "blue",
    SCHEDULED: "blue",
    AWAITING_APPROVAL: "blue",
    REJECTED: "gray",
}
CANCELLED_STATUS = "cancelled"
DELIVERY_FAILED = ("failed", "undelivered")  # Twilio statuses after acceptance that reach nobody


@dataclass(frozen=True)
class Outcome:
    kind: str
    reached: int  # accepted by Twilio and not reported failed since
    failures: int  # refused at create, or reported failed / undelivered later

    @property
    def colour(self) -> str:
        return COLOURS[self.kind]

    @property
    def nothing_sent(self) -> bool:
        return self.kind == FAILED


def judge(
    status: str,
    *,
    sent: int,
    failed: int,
    unknown: int = 0,
    pending: int = 0,
    undelivered: int = 0,
    scheduled: int = 0,
) -> Outcome:
    """The outcome from a batch's stored (or derived) status and its counts.

    `scheduled` counts messages Twilio still holds for later: a batch with any is `scheduled`
    (it can still be cancelled), whatever already went out.
    """
    reached, failures = sent - undelivered, failed + undelivered
    if status == ledger.DAMAGED:
        kind = DAMAGED
    elif status == CANCELLED_STATUS:
        kind = CANCELLED
    elif status in (AWAITING_APPROVAL, REJECTED):  # nothing was sent: the admin's word is all
        kind = status
    elif status == ledger.SENDING and pending:
        kind = SENDING
    elif pending or unknown or status != ledger.DONE:
        kind = PAUSED
    elif scheduled:
        kind = SCHEDULED
    elif reached == 0 and failures:
        kind = FAILED
    else:
        kind = SENT_WITH_FAILURES if failures else SENT
    return Outcome(kind, reached, failures)


@dataclass(frozen=True)
class Reason:
    """One cause of failure in a batch and how many messages it hit."""

    code: int | None
    message: str  # Twilio's message (or ours) as recorded on the first such row
    count: int


def top_reasons(con: duckdb.DuckDBPyConnection, batch_id: str, limit: int = 3) -> list[Reason]:
    """The most frequent failure causes of a batch, refused or undelivered, commonest first."""
    rows = con.execute(
        """SELECT error_code, any_value(coalesce(error_message, twilio_status, state)), count(*)
           FROM messages
           WHERE batch_id = ? AND (state = 'failed'
                 OR (state = 'sent' AND twilio_status IN ('failed', 'undelivered')))
           GROUP BY error_code ORDER BY count(*) DESC, error_code NULLS LAST LIMIT ?""",
        [batch_id, limit],
    ).fetchall()
    return [Reason(None if code is None else int(code), str(message), int(n)) for code, message, n in rows]
