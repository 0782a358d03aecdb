"""The send ledger: one frozen batch, one row per recipient, and the only truth about what went out.

Twilio's Messages API has no idempotency key, so exactly-once is ours to keep. Every recipient is
a row keyed by (batch_id, phone) that moves queued -> claimed -> sent | failed | unknown. A row is
claimed, and the claim committed, before its request is made; a claim whose answer never came back
becomes `unknown` and is looked up in Twilio (no sooner than RECONCILE_SETTLE after its claim)
before anything is resent. The batch id is derived from what is sent, so pressing Send twice (a
rerun, a double click, a reload) finds the same batch and resumes it instead of starting another.
A batch and its rows are frozen in one transaction; a batch whose rows do not add up to its
recipients (left by older versions) is reported `damaged`, never sent and never `done`.

Functions take a DuckDB connection or cursor; the sender gives each thread its own cursor.

The ledger lives in four modules, one a concept: `batches` (states, the batch id, freezing,
status), `claims` (claims and how each ended), `unknowns` (reconcile) and `progress` (reading a
batch while it sends). This module names them all, so callers keep writing `ledger.X`.
"""

from __future__ import annotations

from smscore.clock import utcnow  # ledger.utcnow is the sender's default clock
from smscore.sending.batches import (
    CLAIMED,
    DAMAGED,
    DONE,
    FAILED,
    FROZEN,
    NAME_MAX,
    NEEDS_RECONCILE,
    PAUSED,
    QUEUED,
    SENDING,
    SENT,
    STATES,
    STOPPED_AUTH,
    UNKNOWN,
    Cursor,
    DamagedBatch,
    batch_info,
    batch_key,
    clean_name,
    counts,
    damage,
    damage_reason,
    freeze_batch,
    next_held,
    quote_key,
    remaining_max,
    set_status,
    with_retry,
)
from smscore.sending.claims import (
    Claim,
    Settlement,
    claim,
    expire_claims,
    mark_failed,
    mark_sent,
    record_status,
    release,
    settle,
    settle_and_claim,
    skip_suppressed,
    suppress,
)
from smscore.sending.progress import RATE_WINDOW, Progress, batch_progress
from smscore.sending.unknowns import (
    RECONCILE_SETTLE,
    UNDECIDED_PREFIX,
    UnknownRow,
    UnknownWait,
    known_sids,
    note_unknown,
    settle_unknown,
    unknown_rows,
    unknown_wait,
)

__all__ = [
    # batches
    "QUEUED",
    "CLAIMED",
    "SENT",
    "FAILED",
    "UNKNOWN",
    "STATES",
    "FROZEN",
    "SENDING",
    "PAUSED",
    "STOPPED_AUTH",
    "NEEDS_RECONCILE",
    "DONE",
    "DAMAGED",
    "NAME_MAX",
    "Cursor",
    "DamagedBatch",
    "batch_info",
    "batch_key",
    "clean_name",
    "counts",
    "damage",
    "damage_reason",
    "freeze_batch",
    "next_held",
    "quote_key",
    "remaining_max",
    "set_status",
    "with_retry",
    # claims
    "Claim",
    "Settlement",
    "claim",
    "expire_claims",
    "mark_failed",
    "mark_sent",
    "record_status",
    "release",
    "settle",
    "settle_and_claim",
    "skip_suppressed",
    "suppress",
    # unknowns
    "RECONCILE_SETTLE",
    "UNDECIDED_PREFIX",
    "UnknownRow",
    "UnknownWait",
    "known_sids",
    "note_unknown",
    "settle_unknown",
    "unknown_rows",
    "unknown_wait",
    # progress
    "RATE_WINDOW",
    "Progress",
    "batch_progress",
    # the sender's default clock
    "utcnow",
]
