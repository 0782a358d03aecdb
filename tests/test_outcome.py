"""Batch outcomes that say what happened, and 'send again to the failed'.

Batches run through the real sender against the sandbox account in a DuckDB file; Twilio's
test numbers fail with their real codes (21211 invalid, 21610 opted out), and a later delivery
failure is recorded the way a status fetch or callback records it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from smscore import reports
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.sending import ledger, outcome, resend, sender
from smscore.twilio.gateway import MessageResult
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway

CSV = (
    b"name,phone\n"
    b"Invalid,+15005550001\n"
    b"OptedOut,+15005550004\n"
    b"Ana,+5511987654321\n"
    b"Bia,+5511987654322\n"
    b"Cid,+5511987654323\n"
)


def _send(con, body: str, selection: Selection = Selection(everyone=True)) -> str:
    gateway = SandboxGateway(con)
    q = build_quote(con, body, selection)
    batch_id = ledger.freeze_batch(con, q, sender=SANDBOX_SENDER, mode="sandbox")
    sender.run_batch(con, gateway, batch_id, rate_segments_per_second=1000)
    return batch_id


def _row(con, batch_id: str):
    frame = reports.batches(con)
    return frame[frame["batch_id"] == batch_id].iloc[0]


def _undelivered(con, batch_id: str, phone: str, code: int) -> None:
    sid = con.execute(
        "SELECT sid FROM messages WHERE batch_id = ? AND phone = ?", [batch_id, phone]
    ).fetchone()[0]
    ledger.record_status(
        con,
        batch_id,
        phone,
        MessageResult(
            sid=sid,
            to=phone,
            status="undelivered",
            error_code=code,
            error_message="Unreachable destination handset",
        ),
    )


@pytest.fixture
def con(fresh_db):
    import_contacts(fresh_db, CSV, default_country="BR")
    return fresh_db


def test_batch_where_every_message_failed_is_failed_not_done(con):
    ids = [r[0] for r in con.execute("SELECT id FROM contacts WHERE phone LIKE '+1500%'").fetchall()]
    batch_id = _send(con, "Hello", Selection(contact_ids=tuple(ids)))
    row = _row(con, batch_id)
    assert row["status"] == ledger.DONE  # the sender has nothing left to try...
    assert row["outcome"] == outcome.FAILED  # ...but nothing reached anyone
    reasons = outcome.top_reasons(con, batch_id)
    assert {r.code for r in reasons} == {21211, 21610}


def test_batch_with_some_failures_says_how_many_and_why(con):
    batch_id = _send(con, "Hello")
    row = _row(con, batch_id)
    assert row["outcome"] == outcome.SENT_WITH_FAILURES
    judged = outcome.judge(row["status"], sent=int(row["sent"]), failed=int(row["failed"]))
    assert (judged.reached, judged.failures, judged.colour) == (3, 2, "orange")


def test_batch_where_all_went_out_is_sent(con):
    ids = [r[0] for r in con.execute("SELECT id FROM contacts WHERE phone LIKE '+55%'").fetchall()]
    batch_id = _send(con, "Hello", Selection(contact_ids=tuple(ids)))
    assert _row(con, batch_id)["outcome"] == outcome.SENT


def test_undelivered_messages_count_as_failures(con):
    ids = [r[0] for r in con.execute("SELECT id FROM contacts WHERE phone LIKE '+55%'").fetchall()]
    batch_id = _send(con, "Hello", Selection(contact_ids=tuple(ids)))
    for phone in ("+5511987654321", "+5511987654322", "+5511987654323"):
        _undelivered(con, batch_id, phone, 30003)
    assert _row(con, batch_id)["outcome"] == outcome.FAILED
    assert outcome.top_reasons(con, batch_id)[0].count == 3


@pytest.mark.parametrize(
    "status,kwargs,kind",
    [
        (ledger.PAUSED, {"sent": 1, "failed": 0, "pending": 3}, outcome.PAUSED),
        (ledger.NEEDS_RECONCILE, {"sent": 1, "failed": 0, "unknown": 1}, outcome.PAUSED),
        (ledger.STOPPED_AUTH, {"sent": 0, "failed": 0, "pending": 3}, outcome.PAUSED),
        (ledger.SENDING, {"sent": 1, "failed": 0, "pending": 3}, outcome.SENDING),
        (ledger.DAMAGED, {"sent": 0, "failed": 0}, outcome.DAMAGED),
        ("cancelled", {"sent": 0, "failed": 0}, outcome.CANCELLED),
        (ledger.DONE, {"sent": 0, "failed": 2}, outcome.FAILED),
    ],
)
def test_outcome_of_each_batch_state(status, kwargs, kind):
    assert outcome.judge(status, **kwargs).kind == kind


def test_send_again_offers_only_transient_failures(con):
    batch_id = _send(con, "Olá {name}")
    _undelivered(con, batch_id, "+5511987654321", 30003)  # handset off: worth another try
    _undelivered(con, batch_id, "+5511987654322", 30007)  # filtered: permanent
    plan = resend.plan(con, batch_id)
    ana = con.execute("SELECT id FROM contacts WHERE phone = '+5511987654321'").fetchone()[0]
    assert plan.contact_ids == (ana,)
    assert plan.left_out == {"opted out": 1, "permanent": 2}  # 21610, then 21211 and 30007
    q = resend.quote(con, plan)
    assert list(q.recipients["phone"]) == ["+5511987654321"]
    assert list(q.recipients["body"]) == ["Olá Ana"] and q.total_max > Decimal(0)


def test_send_again_is_a_new_batch_sent_once(con):
    batch_id = _send(con, "Hello")
    _undelivered(con, batch_id, "+5511987654321", 30003)
    q = resend.quote(con, resend.plan(con, batch_id))
    again = ledger.freeze_batch(con, q, sender=SANDBOX_SENDER, mode="sandbox")
    assert again != batch_id
    sender.run_batch(con, SandboxGateway(con), again, rate_segments_per_second=1000)
    assert _row(con, again)["sent"] == 1
    sent_to = con.execute(
        "SELECT count(*) FROM sandbox_messages WHERE to_number = ?", ["+5511987654321"]
    ).fetchone()[0]
    assert sent_to == 2  # the original and the one resend


def test_send_again_never_reaches_a_number_that_opted_out_since(con):
    batch_id = _send(con, "Hello")
    _undelivered(con, batch_id, "+5511987654321", 30003)
    ledger.suppress(con, "+5511987654321", "replied STOP", "test")
    plan = resend.plan(con, batch_id)
    assert plan.empty and plan.left_out["opted out"] == 2
    with pytest.raises(ValueError, match="no failure worth sending again"):
        resend.quote(con, plan)
