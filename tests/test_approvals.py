"""Spending limits per batch and per day, and two-person approval of costly batches."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sendkit import SENDER, LedgerTwilio, make_quote, no_retry_sleep, phones

from smscore.access import approvals, audit
from smscore.access.approvals import ApprovalError, LimitExceeded, Limits
from smscore.access.audit import Actor
from smscore.money import Money
from smscore.sending import ledger
from smscore.sending.sender import run_batch

ADMIN = Actor("admin@example.com", "console")
OTHER = Actor("boss@example.com", "console")
OP = Actor("op@example.com", "console")
FAST = dict(concurrency=2, rate_segments_per_second=1000, sleep=no_retry_sleep)


def confirm(con, actor: Actor, n: int, body: str = "Hello") -> tuple[str, Money]:
    """Freeze a batch of n messages at USD 0.04 as `actor` would on the console."""
    quote = make_quote(phones(n), body)
    maximum = Money(quote.total_max, quote.currency)
    approvals.check_limits(con, actor, maximum)
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
    assert frame.to_dict("records") == [
        {"country": "GB", "recipients": 20, "segments": 20, "maximum": Decimal("0.800000"), "currency": "USD"}
    ]


# -- the verdict before the click, and the refusal in the audit trail ------------------------------

USD = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731


def test_judge_refuses_over_the_per_batch_limit_before_the_per_day_one():
    found = approvals.judge(
        Limits(per_batch=Decimal("1"), per_day=Decimal("1")), USD("1.20"), Decimal("0.50"), "op@example.com"
    )
    assert found.refused_by == "per_batch"
    assert found.refusal.text == ("this batch may cost up to USD 1.20, over the per-batch limit of USD 1.00")
    assert found.with_batch == Decimal("1.70")


def test_judge_counts_what_the_person_confirmed_today_against_the_per_day_limit():
    limits = Limits(per_day=Decimal("1.00"))
    within = approvals.judge(limits, USD("0.40"), Decimal("0.60"), "op@example.com")
    over = approvals.judge(limits, USD("0.41"), Decimal("0.60"), "op@example.com")
    assert within.refusal is None and within.with_batch == Decimal("1.00")
    assert over.refused_by == "per_day"
    assert "op@example.com would confirm up to USD 1.01 today" in over.refusal.text


def test_judge_says_a_batch_over_the_threshold_needs_approval_and_one_at_it_does_not():
    limits = Limits(approval_over=Decimal("0.50"))
    assert approvals.judge(limits, USD("0.51"), Decimal(0), "a").needs_approval
    at = approvals.judge(limits, USD("0.50"), Decimal(0), "a")
    assert not at.needs_approval and at.refusal is None and at.any_limit


def test_judge_never_compares_two_currencies():
    found = approvals.judge(
        Limits(per_batch=Decimal("100"), approval_over=Decimal("100"), currency="EUR"),
        USD("0.01"),
        Decimal(0),
        "a",
    )
    assert found.refused_by == "currency" and found.needs_approval
    assert "limits are in EUR; this batch is priced in USD" in found.refusal.text


def test_judge_without_limits_refuses_nothing_and_holds_nothing():
    found = approvals.judge(Limits(), USD("1000"), Decimal("5000"), "a")
    assert (found.refusal, found.needs_approval, found.any_limit) == (None, False, False)


def test_verdict_reads_the_stored_limits_and_what_the_person_confirmed_today(fresh_db):
    set_limits(fresh_db, per_day="1.00", approval_over="2.00")
    confirm(fresh_db, OP, 20, "first")  # USD 0.80
    found = approvals.verdict(fresh_db, OP.name, USD("0.40"))
    assert found.spent_today == Decimal("0.80") and found.refused_by == "per_day"
    assert approvals.verdict(fresh_db, ADMIN.name, USD("0.40")).spent_today == 0


def refusals(con) -> list[tuple]:
    return con.execute(
        "SELECT actor, via, target, detail FROM audit WHERE action = 'batch.confirm-refused'"
    ).fetchall()


def test_a_confirm_refused_by_the_per_batch_limit_is_in_the_audit_trail(fresh_db):
    import json

    set_limits(fresh_db, per_batch="1.00")
    with pytest.raises(LimitExceeded, match="over the per-batch limit of USD 1.00"):
        approvals.check_limits(fresh_db, OP, USD("1.20"), batch="b-123", recipients=30)
    [(actor, via, target, detail)] = refusals(fresh_db)
    assert (actor, via, target) == ("op@example.com", "console", "b-123")
    assert json.loads(detail) == {
        "limit": "per_batch",
        "limit_amount": "1.00",
        "limit_currency": "USD",
        "maximum_cost": "1.20",
        "currency": "USD",
        "spent_today": "0.000000",
        "recipients": 30,
        "reason": "this batch may cost up to USD 1.20, over the per-batch limit of USD 1.00",
    }
    assert fresh_db.execute("SELECT count(*) FROM batches").fetchall() == [(0,)]


def test_a_confirm_refused_by_the_per_day_limit_names_that_limit(fresh_db):
    set_limits(fresh_db, per_day="1.00")
    confirm(fresh_db, OP, 20, "first")  # USD 0.80
    with pytest.raises(LimitExceeded, match="per-day limit"):
        confirm(fresh_db, OP, 20, "second")
    [(_, _, _, detail)] = refusals(fresh_db)
    assert '"limit": "per_day"' in detail and '"spent_today": "0.800000"' in detail


def test_a_confirm_within_the_limits_leaves_no_refusal_row(fresh_db):
    set_limits(fresh_db, per_batch="5.00", per_day="5.00")
    found = approvals.check_limits(fresh_db, OP, USD("1.20"))
    assert found.refusal is None and refusals(fresh_db) == []


def test_limits_and_their_audit_row_are_saved_together(fresh_db):
    set_limits(fresh_db, per_batch="2.00")
    assert approvals.load_limits(fresh_db).per_batch == Decimal("2.00")
    assert fresh_db.execute(
        "SELECT actor, target FROM audit WHERE action = 'settings.change'"
    ).fetchall() == [("admin@example.com", "limits")]
