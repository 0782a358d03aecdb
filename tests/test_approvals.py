"""Spending limits per batch and per day, and two-person approval of costly batches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sendkit import SENDER, LedgerTwilio, make_quote, no_retry_sleep, phones
from smscore import approvals, audit, ledger
from smscore.approvals import ApprovalError, LimitExceeded, Limits
from smscore.audit import Actor
from smscore.money import Money
from smscore.sender import run_batch

ADMIN = Actor("admin@example.com", "console")
OTHER = Actor("boss@example.com", "console")
OP = Actor("op@example.com", "console")
FAST = dict(concurrency=2, rate_segments_per_second=1000, sleep=no_retry_sleep)


def confirm(con, actor: Actor, n: int, body: str = "Hello") -> tuple[str, Money]:
    """Freeze a batch of n messages at USD 0.04 as `actor` would on the console."""
    quote = make_quote(phones(n), body)
    maximum = Money(quote.total_max, quote.currency)
    approvals.check_limits(con, actor.name, maximum)
    batch_id = ledger.freeze_batch(con, quote, sender=SENDER, mode="sandbox")
    audit.confirm_batch(con, actor, batch_id, n, quote.total_max, quote.currency)
    approvals.hold_if_needed(con, batch_id, maximum)
    return batch_id, maximum


def set_limits(con, **kw) -> None:
    approvals.save_limits(con, Limits(**{k: Decimal(v) for k, v in kw.items()}), ADMIN)


def test_batch_over_the_per_batch_limit_is_refused_before_it_is_frozen(fresh_db):
    set_limits(fresh_db, per_batch="1.00")
    with pytest.raises(LimitExceeded, match=r"up to USD 1\.20, over the per-batch limit of USD 1\.00"):
        confirm(fresh_db, OP, 30)
    assert fresh_db.execute("SELECT count(*) FROM batches").fetchall() == [(0,)]


def test_per_day_limit_counts_what_the_same_operator_confirmed_today(fresh_db):
    set_limits(fresh_db, per_day="1.00")
    confirm(fresh_db, OP, 20, "first")  # USD 0.80
    with pytest.raises(LimitExceeded, match=r"op@example.com would confirm up to USD 1\.60 today"):
        confirm(fresh_db, OP, 20, "second")
    confirm(fresh_db, ADMIN, 20, "someone else")  # another person's day is their own


def test_limits_in_another_currency_refuse_rather_than_guess(fresh_db):
    approvals.save_limits(fresh_db, Limits(per_batch=Decimal("100"), currency="EUR"), ADMIN)
    with pytest.raises(LimitExceeded, match="limits are in EUR; this batch is priced in USD"):
        confirm(fresh_db, OP, 1)


def test_negative_limit_is_refused(fresh_db):
    with pytest.raises(ValueError, match="per batch limit cannot be negative"):
        approvals.save_limits(fresh_db, Limits(per_batch=Decimal("-1")), ADMIN)


def test_costly_batch_awaits_approval_and_the_sender_refuses_it(fresh_db):
    set_limits(fresh_db, approval_over="0.50")
    batch_id, _ = confirm(fresh_db, OP, 20)
    twilio = LedgerTwilio()
    with pytest.raises(ApprovalError, match="awaits approval"):
        run_batch(fresh_db, twilio, batch_id, **FAST)
    assert sum(twilio.accepted.values()) == 0
    assert list(approvals.pending(fresh_db)["batch_id"]) == [batch_id]


def test_cheap_batch_is_not_held(fresh_db):
    set_limits(fresh_db, approval_over="5.00")
    batch_id, _ = confirm(fresh_db, OP, 20)
    assert run_batch(fresh_db, LedgerTwilio(), batch_id, **FAST).sent == 20


def test_the_admin_who_confirmed_cannot_approve(fresh_db):
    set_limits(fresh_db, approval_over="0.50")
    batch_id, _ = confirm(fresh_db, ADMIN, 20)
    with pytest.raises(ApprovalError, match="another admin must"):
        approvals.approve(fresh_db, batch_id, ADMIN)
    assert approvals.pending(fresh_db)["batch_id"].tolist() == [batch_id]
    assert "batch.approve-refused" in audit.actions(fresh_db)


def test_another_admin_approves_and_the_batch_sends_once(fresh_db):
    set_limits(fresh_db, approval_over="0.50")
    batch_id, _ = confirm(fresh_db, ADMIN, 20)
    approvals.approve(fresh_db, batch_id, OTHER)
    twilio = LedgerTwilio()
    assert run_batch(fresh_db, twilio, batch_id, **FAST).sent == 20
    assert twilio.duplicates() == {}
    row = fresh_db.execute("SELECT confirmed_by, approved_by FROM batches").fetchall()
    assert row == [("admin@example.com", "boss@example.com")]


def test_rejected_batch_never_sends_even_when_confirmed_again(fresh_db):
    set_limits(fresh_db, approval_over="0.50")
    batch_id, _ = confirm(fresh_db, OP, 20)
    approvals.reject(fresh_db, batch_id, OTHER, "wrong list")
    again, _ = confirm(fresh_db, OP, 20)  # same body, same people, same day: the same batch
    assert again == batch_id
    with pytest.raises(ApprovalError, match="was rejected"):
        run_batch(fresh_db, LedgerTwilio(), batch_id, **FAST)
    with pytest.raises(ApprovalError, match="is rejected, not awaiting approval"):
        approvals.approve(fresh_db, batch_id, OTHER)


def test_approver_sees_recipients_and_cost_per_country(fresh_db):
    set_limits(fresh_db, approval_over="0.50")
    batch_id, _ = confirm(fresh_db, OP, 20)
    frame = approvals.by_country(fresh_db, batch_id)
    assert frame.to_dict("records") == [{"country": "GB", "recipients": 20, "segments": 20,
                                         "maximum": Decimal("0.800000"), "currency": "USD"}]
