"""Scheduling with Twilio's scheduler (Messaging Service, fixed SendAt 5 min..35 days) and
cancelling: the rules, the wire format against the Prism peer (Twilio's spec validates the
parameters), and a whole scheduled batch in the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from smscore import reports
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.sending import ledger, outcome, schedule, sender
from smscore.twilio.sandbox import SandboxGateway

SERVICE = "MG" + "ab" * 16
NOW = datetime(2026, 11, 30, 12, 0)


def test_schedule_needs_a_messaging_service():
    with pytest.raises(schedule.ScheduleError, match="35118"):
        schedule.check(NOW + timedelta(hours=1), "+15017122661", NOW)


@pytest.mark.parametrize(
    "lead", [timedelta(seconds=300), timedelta(minutes=1), timedelta(days=35, seconds=1), -timedelta(hours=1)]
)
def test_schedule_refuses_times_outside_twilios_window(lead):
    with pytest.raises(schedule.ScheduleError, match="ahead"):
        schedule.check(NOW + lead, SERVICE, NOW)


@pytest.mark.parametrize("lead", [timedelta(seconds=301), timedelta(days=35)])
def test_schedule_accepts_the_window_edges(lead):
    assert schedule.check(NOW + lead, SERVICE, NOW) == NOW + lead


def test_schedule_takes_an_aware_time_as_utc():
    aware = datetime(2026, 11, 30, 10, 0, tzinfo=timezone(timedelta(hours=-3)))  # 13:00 UTC
    assert schedule.check(aware, SERVICE, NOW) == datetime(2026, 11, 30, 13, 0)


def test_a_time_that_has_come_is_sent_at_once():
    assert schedule.schedule_now(NOW, NOW) is None
    assert schedule.schedule_now(NOW - timedelta(minutes=1), NOW) is None


def test_a_time_less_than_five_minutes_away_is_pushed_past_twilios_minimum_never_early():
    pushed = schedule.schedule_now(NOW + timedelta(minutes=4), NOW)
    assert pushed > NOW + schedule.MIN_LEAD
    assert schedule.schedule_now(NOW + timedelta(minutes=9), NOW) == NOW + timedelta(minutes=9)


# -- the wire, through the real SDK to Prism -------------------------------------------------------


def test_scheduled_create_sends_twilios_parameters(peer_gateway, fault_proxy):
    at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    peer_gateway.send("+447700900130", "Later", SERVICE, send_at=at)
    [received] = fault_proxy.creates("+447700900130")
    assert received.form["ScheduleType"] == "fixed"
    assert received.form["SendAt"] == "2030-01-02T03:04:05Z"
    assert received.form["MessagingServiceSid"] == SERVICE


def test_cancel_posts_status_canceled(peer_gateway, fault_proxy):
    sid = "SM" + "c" * 32
    peer_gateway.cancel(sid)
    request = fault_proxy.requests[-1]
    assert request.path.endswith(f"/Messages/{sid}.json")
    assert request.form == {"Status": "canceled"}


# -- a scheduled batch in the sandbox --------------------------------------------------------------


@pytest.fixture
def scheduled(fresh_db):
    import_contacts(fresh_db, b"name,phone\nAna,+5511987654321\nBia,+5511987654322\n", default_country="BR")
    account = SandboxGateway(fresh_db)
    before = account.balance().amount
    q = build_quote(fresh_db, "Olá {name}", Selection(everyone=True))
    when = schedule.check(ledger.utcnow() + timedelta(hours=2), SERVICE)
    batch = ledger.freeze_batch(fresh_db, q, sender=SERVICE, mode="sandbox", send_at=when)
    sender.run_batch(fresh_db, account, batch, rate_segments_per_second=1000)
    return fresh_db, account, batch, before


def test_scheduled_batch_is_held_by_twilio_until_its_time(scheduled):
    con, account, batch, _ = scheduled
    rows = con.execute(
        "SELECT state, twilio_status, send_at FROM messages WHERE batch_id = ?", [batch]
    ).fetchall()
    assert {(s, ts) for s, ts, _ in rows} == {("sent", "scheduled")}
    assert con.execute("SELECT count(*) FROM sandbox_messages WHERE status = 'scheduled'").fetchone()[0] == 2
    sid = con.execute("SELECT sid FROM messages WHERE batch_id = ? LIMIT 1", [batch]).fetchone()[0]
    assert account.fetch(sid).status == "scheduled"  # not before its time


def test_cancelling_a_scheduled_batch_cancels_at_twilio_and_refunds(scheduled):
    con, account, batch, before = scheduled
    result = schedule.cancel_batch(con, account, batch)
    assert (result.cancelled, result.unsent, result.too_late) == (2, 0, 0)
    assert {
        r[0] for r in con.execute("SELECT twilio_status FROM messages WHERE batch_id = ?", [batch]).fetchall()
    } == {"canceled"}
    assert account.balance().amount == before
    frame = reports.batches(con)
    assert list(frame["outcome"]) == [outcome.CANCELLED]
    with pytest.raises(ValueError, match="was cancelled"):
        sender.run_batch(con, account, batch)


def test_cancel_after_a_message_went_out_counts_it_too_late(scheduled):
    con, account, batch, _ = scheduled
    con.execute("UPDATE sandbox_messages SET status = 'sent' WHERE to_number = '+5511987654321'")
    result = schedule.cancel_batch(con, account, batch)
    assert (result.cancelled, result.too_late) == (1, 1)


def test_scheduling_from_a_phone_number_is_refused_by_the_sandbox_like_twilio(fresh_db):
    from smscore.twilio.gateway import GatewayError

    with pytest.raises(GatewayError) as refused:
        SandboxGateway(fresh_db).send(
            "+5511987654321", "Hi", "+15005550006", send_at=datetime.now(UTC) + timedelta(hours=1)
        )
    assert refused.value.code == 35118
    assert Decimal(0) < SandboxGateway(fresh_db).balance().amount


def test_a_cancelled_batch_costs_nothing_so_far(scheduled):
    con, account, batch, _ = scheduled
    assert ledger.batch_progress(con, batch).cost_so_far.amount > 0  # up to the estimate
    schedule.cancel_batch(con, account, batch)
    assert ledger.batch_progress(con, batch).cost_so_far.amount == 0
