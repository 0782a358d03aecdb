"""Sending hours per recipient's local time (phonenumbers' time zones)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import pytest

from smscore.sending import sendhours
from smscore.sending.sendhours import Window, next_opening, parse_window, zones_of

NINE_TO_EIGHT = Window(time(9), time(20))
# Monday 2026-11-30, 14:00 UTC = 11:00 in São Paulo, 09:00 in New York, 06:00 in Los Angeles.
MONDAY_14 = datetime(2026, 11, 30, 14, 0)


def test_window_parses_hours_and_days():
    w = parse_window("09:00-20:00", "mon-fri")
    assert (w.start, w.end, w.days) == (time(9), time(20), frozenset(range(5)))
    assert parse_window("08:30-12:00", "fri-mon").days == frozenset({4, 5, 6, 0})


@pytest.mark.parametrize(
    "hours,days", [("9-20", "mon"), ("20:00-09:00", "mon"), ("09:00-25:00", "mon"), ("09:00-20:00", "funday")]
)
def test_bad_window_is_refused_with_the_value(hours, days):
    with pytest.raises(ValueError, match="got"):
        parse_window(hours, days)


def test_zones_come_from_the_number():
    assert zones_of("+5511987654321") == ("America/Sao_Paulo",)
    assert zones_of("+5592987654321") == ("America/Manaus",)
    assert set(zones_of("+19075550100")) == {"America/Adak", "America/Anchorage"}


def test_recipient_inside_the_window_goes_now():
    assert next_opening(NINE_TO_EIGHT, ("America/Sao_Paulo",), MONDAY_14) == MONDAY_14


def test_recipient_before_opening_waits_for_nine_local():
    # Los Angeles is UTC-8 in November: 09:00 local is 17:00 UTC.
    assert next_opening(NINE_TO_EIGHT, ("America/Los_Angeles",), MONDAY_14) == datetime(2026, 11, 30, 17, 0)


def test_several_candidate_zones_use_the_window_that_fits_all():
    # Anchorage is UTC-9, Adak UTC-10: 09:00 in Adak (19:00 UTC) is 10:00 in Anchorage.
    assert next_opening(NINE_TO_EIGHT, ("America/Anchorage", "America/Adak"), MONDAY_14) == datetime(
        2026, 11, 30, 19, 0
    )


def test_weekdays_only_skip_the_weekend():
    friday_late = datetime(2026, 12, 4, 23, 30)  # 20:30 in São Paulo on Friday
    weekdays = parse_window("09:00-20:00", "mon-fri")
    assert next_opening(weekdays, ("America/Sao_Paulo",), friday_late) == datetime(
        2026, 12, 7, 12, 0
    )  # Monday 09:00 in São Paulo


def test_zones_without_a_common_hour_cannot_be_placed():
    narrow = parse_window("09:00-10:00")
    assert next_opening(narrow, ("Pacific/Guam", "America/St_Johns"), MONDAY_14) is None


def test_plan_says_how_many_go_now_and_when_the_rest_go():
    result = sendhours.plan(["+5511987654321", "+5521987654321", "+14155550100"], NINE_TO_EIGHT, MONDAY_14)
    assert result.now == 2
    assert result.later() == [(datetime(2026, 11, 30, 17, 0), 1)]
    assert result.unplaceable == ()


# -- with the quote, the ledger and the sender (sandbox) -----------------------------------------


@pytest.fixture
def three(fresh_db):
    from smscore.contacts.importer import import_contacts

    import_contacts(
        fresh_db,
        b"name,phone\nAna,+5511987654321\nBia,+5521987654321\nLee,+14155550100\n",
        default_country="BR",
    )
    return fresh_db


def _quote(con):
    from smscore.cost.quote import Selection, build_quote

    return build_quote(con, "Oi {name}", Selection(everyone=True))


def test_quote_with_hours_keeps_prices_and_times_each_recipient(three):
    q = _quote(three)
    timed, result = sendhours.with_hours(q, NINE_TO_EIGHT, MONDAY_14)
    assert timed.total_max == q.total_max and timed.n_recipients == 3
    by_phone = dict(zip(timed.recipients["phone"], timed.recipients["send_at"]))
    assert by_phone["+14155550100"] == datetime(2026, 11, 30, 17, 0)
    assert by_phone["+5511987654321"] is pd.NaT or str(by_phone["+5511987654321"]) == "NaT"


def test_unplaceable_recipient_is_excluded_and_unpriced(three):
    # Alaska numbers may be in Anchorage or Adak, an hour apart: no half hour fits both.
    three.execute("INSERT INTO contacts (phone, country, name) VALUES ('+19075550100', 'US', 'Al')")
    q = _quote(three)
    timed, result = sendhours.with_hours(q, parse_window("09:00-09:30"), MONDAY_14)
    assert result.unplaceable == ("+19075550100",)
    assert "+19075550100" not in set(timed.recipients["phone"])
    assert list(timed.excluded["reason"]) == [sendhours.NO_OPENING]
    dropped = q.recipients[q.recipients["phone"] == "+19075550100"]["cost_max"].iloc[0]
    assert timed.total_max == q.total_max - dropped and timed.n_recipients == 3


def test_held_messages_wait_for_their_hours_without_a_messaging_service(three):
    from smscore.sending import ledger, sender
    from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway

    timed, _ = sendhours.with_hours(_quote(three), NINE_TO_EIGHT, ledger.utcnow())
    timed.recipients["send_at"] = pd.Series(
        [None, None, ledger.utcnow() + timedelta(hours=5)], dtype="datetime64[us]"
    )
    batch = ledger.freeze_batch(three, timed, sender=SANDBOX_SENDER, mode="sandbox")
    progress = sender.run_batch(three, SandboxGateway(three), batch, rate_segments_per_second=1000)
    assert (progress.sent, progress.queued, progress.status) == (2, 1, ledger.PAUSED)
    assert progress.reason.startswith("held: 1 message wait")
    three.execute(
        "UPDATE messages SET send_at = ? WHERE batch_id = ? AND state = 'queued'",
        [ledger.utcnow() - timedelta(seconds=1), batch],
    )
    progress = sender.run_batch(three, SandboxGateway(three), batch, rate_segments_per_second=1000)
    assert (progress.sent, progress.status) == (3, ledger.DONE)


def test_with_a_messaging_service_later_recipients_are_scheduled_at_twilio(three):
    from smscore.sending import ledger, sender
    from smscore.twilio.sandbox import SandboxGateway

    timed, _ = sendhours.with_hours(_quote(three), NINE_TO_EIGHT, ledger.utcnow())
    timed.recipients["send_at"] = pd.Series(
        [None, None, ledger.utcnow() + timedelta(hours=5)], dtype="datetime64[us]"
    )
    batch = ledger.freeze_batch(three, timed, sender="MG" + "ab" * 16, mode="sandbox")
    sender.run_batch(three, SandboxGateway(three), batch, rate_segments_per_second=1000)
    statuses = sorted(r[0] for r in three.execute("SELECT status FROM sandbox_messages").fetchall())
    assert statuses == ["queued", "queued", "scheduled"]
