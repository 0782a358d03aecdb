"""Spending limits and two-person approval of costly batches.

An operator's mistake (the wrong category, a message to everyone) costs real money before
anyone notices. An admin sets, in the account currency, a per-batch and a per-day limit for
each confirming operator, and a threshold above which a batch is frozen "awaiting approval"
until a different admin approves it; rejecting it cancels it. The sender refuses a held or
rejected batch (`ensure_sendable`), so no path around the console or the CLI can send it.

`judge` says all of it before the click, from the limits and what the person confirmed today:
the console's Send step and the CLI's quote print the same verdict. `check_limits` enforces it
at the action and records a refusal in the audit trail, so the trail shows who tried what.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from smscore.access import accounts, audit
from smscore.access.audit import Actor
from smscore.batchid import short_id
from smscore.clock import utcnow
from smscore.money import Money, to_decimal
from smscore.problems import Problem, coded
from smscore.store import get_setting, query_df, set_setting
from smscore.store.writes import write

AWAITING = "awaiting approval"
REJECTED = "rejected"
_KEYS = {
    "per_batch": "limit.per_batch",
    "per_day": "limit.per_day",
    "approval_over": "limit.approval_over",
    "currency": "limit.currency",
}


class LimitExceeded(ValueError):
    """A batch would go over the per-batch or the per-day limit."""


class ApprovalError(ValueError):
    """An approval or rejection that cannot happen (same admin, not awaiting, held batch)."""


@dataclass(frozen=True)
class Limits:
    """Amounts in `currency`; None means no limit."""

    per_batch: Decimal | None = None
    per_day: Decimal | None = None
    approval_over: Decimal | None = None
    currency: str = "USD"

    def validated(self) -> Limits:
        for name in ("per_batch", "per_day", "approval_over"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise coded(ValueError, "limits.negative", which=name.replace("_", " "), got=value)
        Money(Decimal(0), self.currency)  # raises on a malformed currency code
        return self


def load_limits(con: duckdb.DuckDBPyConnection) -> Limits:
    raw = {name: get_setting(con, key) for name, key in _KEYS.items()}
    amounts = {n: to_decimal(v) if v else None for n, v in raw.items() if n != "currency"}
    return Limits(**amounts, currency=(raw["currency"] or "USD").upper())


def save_limits(con: duckdb.DuckDBPyConnection, limits: Limits, actor: Actor) -> Limits:
    """Store the limits and record the change, as one unit: all of them or none."""
    limits.validated()

    def work(c: duckdb.DuckDBPyConnection) -> None:
        for name, key in _KEYS.items():
            value = getattr(limits, name)
            set_setting(c, key, "" if value is None else str(value))
        audit.record(
            c,
            actor,
            "settings.change",
            "limits",
            {n: None if getattr(limits, n) is None else str(getattr(limits, n)) for n in _KEYS},
        )

    write(con, work)
    return limits


def spent_today(con: duckdb.DuckDBPyConnection, who: str, day: date | None = None) -> Decimal:
    """The maximum cost of the batches `who` confirmed on `day` (UTC), rejected ones excluded."""
    row = con.execute(
        "SELECT coalesce(sum(estimate_max), 0) FROM batches WHERE confirmed_by = ? "
        "AND CAST(created_at AS DATE) = ? AND status <> ?",
        [who, day or utcnow().date(), REJECTED],
    ).fetchall()[0]
    return Decimal(row[0])


@dataclass(frozen=True)
class Verdict:
    """What the spending limits say about one person's batch before they confirm it."""

    limits: Limits
    maximum: Money  # the batch's worst-case cost
    spent_today: Decimal  # what the person confirmed today (UTC), in the limits' currency
    refusal: Problem | None = None  # the limit that refuses the batch, in one sentence
    refused_by: str | None = None  # "per_batch", "per_day" or "currency"
    needs_approval: bool = False  # over the approval threshold: held until another admin approves

    @property
    def with_batch(self) -> Decimal:
        """What the person would have confirmed today with this batch."""
        return self.spent_today + self.maximum.amount

    @property
    def any_limit(self) -> bool:
        return any(
            v is not None for v in (self.limits.per_batch, self.limits.per_day, self.limits.approval_over)
        )


def judge(limits: Limits, maximum: Money, spent_today: Decimal, who: str) -> Verdict:
    """The verdict on a batch of worst-case cost `maximum` for `who`, who confirmed
    `spent_today` today: which limit refuses it (the per-batch one first), or whether it
    needs approval. Amounts in two currencies are never compared: a limit in another currency
    refuses, and a threshold in another currency holds the batch for approval."""
    cur = limits.currency
    held = limits.approval_over is not None and (
        maximum.currency != cur or maximum.amount > limits.approval_over
    )
    base = Verdict(limits, maximum, spent_today, needs_approval=held)
    if limits.per_batch is None and limits.per_day is None:
        return base
    if maximum.currency != cur:
        why = Problem("limits.other_currency", {"limits": cur, "batch": maximum.currency})
        return replace(base, refusal=why, refused_by="currency")
    if limits.per_batch is not None and maximum.amount > limits.per_batch:
        why = Problem("limits.over_per_batch", {"maximum": maximum, "limit": Money(limits.per_batch, cur)})
        return replace(base, refusal=why, refused_by="per_batch")
    if limits.per_day is not None and base.with_batch > limits.per_day:
        why = Problem(
            "limits.over_per_day",
            {"who": who, "total": Money(base.with_batch, cur), "limit": Money(limits.per_day, cur)},
        )
        return replace(base, refusal=why, refused_by="per_day")
    return base


def verdict(con: duckdb.DuckDBPyConnection, who: str, maximum: Money) -> Verdict:
    """`judge` with the stored limits and what `who` confirmed today."""
    return judge(load_limits(con), maximum, spent_today(con, who), who)


def check_limits(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    maximum: Money,
    *,
    batch: str | None = None,
    recipients: int | None = None,
) -> Verdict:
    """The verdict at the action; a refusal is recorded in the audit trail (who, the batch it
    would have been, its cost, which limit and why), then raised as LimitExceeded in one
    sentence with both amounts, before anything is frozen."""

    def work(c: duckdb.DuckDBPyConnection) -> Verdict:
        found = verdict(c, actor.name, maximum)
        if found.refusal is not None:
            audit.record(c, actor, "batch.confirm-refused", batch, _refusal_detail(found, recipients))
        return found

    found = write(con, work)
    if found.refusal is not None:  # raised after the unit, so its audit row is committed
        raise coded(LimitExceeded, found.refusal.code, **found.refusal.params)
    return found


def _refusal_detail(found: Verdict, recipients: int | None) -> dict[str, object]:
    limit = {"per_batch": found.limits.per_batch, "per_day": found.limits.per_day, "currency": None}[
        found.refused_by or "currency"
    ]
    detail: dict[str, object] = {
        "limit": found.refused_by,
        "limit_amount": None if limit is None else str(limit),
        "limit_currency": found.limits.currency,
        "maximum_cost": str(found.maximum.amount),
        "currency": found.maximum.currency,
        "spent_today": str(found.spent_today),
        "reason": found.refusal.text if found.refusal else None,
    }
    if recipients is not None:
        detail["recipients"] = recipients
    return detail


def hold_if_needed(con: duckdb.DuckDBPyConnection, batch_id: str, maximum: Money) -> bool:
    """Freeze a fresh batch as awaiting approval when its maximum cost is over the threshold."""
    if not judge(load_limits(con), maximum, Decimal(0), "").needs_approval:
        return _status(con, batch_id) == AWAITING
    held = Problem("approvals.held")
    con.execute(
        "UPDATE batches SET status = ?, status_reason = ?, status_code = ? WHERE id = ? "
        "AND status = 'frozen' AND approved_by IS NULL",
        [AWAITING, held.text, held.code, batch_id],
    )
    return _status(con, batch_id) == AWAITING


def _status(con: duckdb.DuckDBPyConnection, batch_id: str) -> str:
    rows = con.execute("SELECT status FROM batches WHERE id = ?", [batch_id]).fetchall()
    if not rows:
        raise coded(ApprovalError, "approvals.no_batch", batch=batch_id)
    return rows[0][0]


def ensure_sendable(con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
    """Refuse to send a batch that awaits approval or was rejected."""
    status = _status(con, batch_id)
    if status == AWAITING:
        raise coded(ApprovalError, "approvals.awaits", batch=short_id(batch_id))
    if status == REJECTED:
        raise coded(ApprovalError, "approvals.was_rejected", batch=short_id(batch_id))


def awaiting(con: duckdb.DuckDBPyConnection, batch_id: str) -> str | None:
    """The batch's confirmer; raise unless it awaits approval (checked before a password is
    asked for, and again when the decision is written)."""
    status = _status(con, batch_id)
    if status != AWAITING:
        raise coded(ApprovalError, "approvals.not_awaiting", batch=short_id(batch_id), status=status)
    return con.execute("SELECT confirmed_by FROM batches WHERE id = ?", [batch_id]).fetchall()[0][0]


def approve(con: duckdb.DuckDBPyConnection, batch_id: str, actor: Actor) -> None:
    """Let a held batch go; the admin who confirmed it may not approve it.

    The refusal is raised after the unit of work, so its audit row commits.
    """

    def work(cur: duckdb.DuckDBPyConnection) -> bool:
        if awaiting(cur, batch_id) == actor.name:
            audit.record(cur, actor, "batch.approve-refused", batch_id, {"reason": "same admin"})
            return False
        cur.execute(
            "UPDATE batches SET status = 'frozen', status_reason = NULL, "
            "status_code = NULL, status_params = NULL, approved_by = ? WHERE id = ?",
            [actor.name, batch_id],
        )
        audit.record(cur, actor, "batch.approve", batch_id)
        return True

    if not write(con, work):
        raise coded(ApprovalError, "approvals.same_admin")


def reject(con: duckdb.DuckDBPyConnection, batch_id: str, actor: Actor, reason: str = "") -> None:
    """Cancel a held batch: it never sends."""
    why = (
        Problem("approvals.rejected_by_because", {"who": actor.name, "why": reason})
        if reason
        else Problem("approvals.rejected_by", {"who": actor.name})
    )

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        awaiting(cur, batch_id)
        cur.execute(
            "UPDATE batches SET status = ?, status_reason = ?, status_code = ?, "
            "status_params = ? WHERE id = ?",
            [REJECTED, why.text, why.code, why.params_json(), batch_id],
        )
        audit.record(cur, actor, "batch.reject", batch_id, {"reason": reason} if reason else None)

    write(con, work)


def signed_in_admin(
    con: duckdb.DuckDBPyConnection, email: str, password: str, batch_id: str, action: str
) -> Actor:
    """The admin who approves or rejects (`action`) from outside the console, by password.

    The console signs its admins in once per session; the CLI signs one in for each decision
    (accounts.sign_in_to), so the two-person rule holds there too. A wrong password, a locked or
    disabled account and a role without the right are each refused with an audit row saying
    who tried what on which batch and why.
    """
    try:
        return accounts.sign_in_to(
            con,
            email,
            password,
            "approve",
            action=f"batch.{action}",
            doing=f"{action} a batch",
            target=batch_id,
        ).actor
    except accounts.Refused as exc:
        raise ApprovalError(f"{exc}; batch {short_id(batch_id)} was not {_DONE[action]}") from None


_DONE = {"approve": "approved", "reject": "rejected"}


def pending(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Batches awaiting approval, oldest first, with what the approver must see."""
    return query_df(
        con,
        """
        SELECT id AS batch_id, created_at, confirmed_by, body, recipients, segments,
               estimate_max, currency, mode
        FROM batches WHERE status = ? ORDER BY created_at, id""",
        [AWAITING],
    )


def by_country(con: duckdb.DuckDBPyConnection, batch_id: str) -> pd.DataFrame:
    """Recipients and maximum cost per country of one batch."""
    return query_df(
        con,
        """
        SELECT coalesce(m.country, '?') AS country, count(*) AS recipients,
               sum(m.segments)::BIGINT AS segments,
               sum(m.price_max)::DECIMAL(18, 6) AS maximum, any_value(b.currency) AS currency
        FROM messages m JOIN batches b ON b.id = m.batch_id
        WHERE m.batch_id = ? GROUP BY 1 ORDER BY maximum DESC, country""",
        [batch_id],
    )
