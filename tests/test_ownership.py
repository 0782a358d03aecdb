"""Which Twilio message is ours: reconcile adopts only what it proves, resends only the absent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smscore.sending.ownership import ABSENT, AMBIGUOUS, OURS, Expected, judge
from smscore.twilio.balance import TRIAL_PREFIX
from smscore.twilio.gateway import MessageResult

CLAIMED = datetime(2026, 11, 30, 12, 0, 0)  # naive UTC, as the ledger stores it
OURS_ROW = Expected("+447700900001", "Hi Ana, 20% off today", "+15017122661", CLAIMED)
SERVICE_ROW = Expected("+447700900001", "Hi Ana, 20% off today", "MG" + "a" * 32, CLAIMED)


def twilio(
    sid="SM1",
    *,
    to="+447700900001",
    body="Hi Ana, 20% off today",
    from_="+15017122661",
    service=None,
    seconds=3,
) -> MessageResult:
    created = CLAIMED.replace(tzinfo=UTC) + timedelta(seconds=seconds)
    return MessageResult(
        sid=sid,
        to=to,
        status="queued",
        date_created=created,
        body=body,
        from_=from_,
        messaging_service_sid=service,
    )


def test_reconcile_adopts_the_one_message_matching_recipient_sender_body_and_time():
    verdict = judge(OURS_ROW, [twilio("SMother", body="Campaign A"), twilio("SMours")])
    assert (verdict.kind, verdict.message.sid) == (OURS, "SMours")


def test_reconcile_adopts_the_trial_accounts_prefixed_copy():
    assert judge(OURS_ROW, [twilio(body=TRIAL_PREFIX + OURS_ROW.body)]).kind == OURS


def test_reconcile_adopts_the_copy_twilio_smart_encoded():
    row = Expected(OURS_ROW.phone, "It\u2019s \u201cyours\u201d", OURS_ROW.sender, CLAIMED)
    assert judge(row, [twilio(body='It\'s "yours"')]).kind == OURS


@pytest.mark.parametrize(
    "other",
    [
        twilio(body="Campaign A: 10% off"),  # another campaign, same sender, same day
        twilio(body="Hi Ana, 20% off today!"),  # one character differs
        twilio(from_="+15005550006"),  # the same text from another sender (another workspace)
        twilio(seconds=-3600),  # the same text an hour before our claim (an earlier batch)
        twilio(seconds=3600),  # ... or an hour after it
        twilio(to="+447700900002"),  # someone else (a peer that ignores the To filter)
    ],
)
def test_reconcile_never_adopts_a_message_that_is_not_provably_ours(other):
    assert judge(OURS_ROW, [other]).kind == ABSENT


def test_reconcile_skips_messages_another_row_already_owns():
    assert judge(OURS_ROW, [twilio("SMa")], owned={"SMa"}).kind == ABSENT


def test_messaging_service_messages_are_matched_on_the_service_sid():
    pooled = "+14155552345"  # the number Twilio picked from the service's pool
    assert judge(SERVICE_ROW, [twilio(from_=pooled, service=SERVICE_ROW.sender)]).kind == OURS
    assert judge(SERVICE_ROW, [twilio(from_=pooled, service="MG" + "b" * 32)]).kind == ABSENT
    assert judge(SERVICE_ROW, [twilio(from_="+15017122661")]).kind == ABSENT  # no service at all


def test_two_identical_candidates_leave_the_row_unknown_with_the_reason():
    verdict = judge(OURS_ROW, [twilio("SMx"), twilio("SMy", seconds=9)])
    assert verdict.kind == AMBIGUOUS and verdict.message is None
    assert "2 Twilio message(s)" in verdict.reason and "SMx, SMy" in verdict.reason
    assert "neither" not in verdict.reason and "left unknown" in verdict.reason


@pytest.mark.parametrize("blind", [twilio(body=None), twilio(body=""), twilio(from_=None)])
def test_a_candidate_twilio_says_too_little_about_leaves_the_row_unknown(blind):
    assert judge(OURS_ROW, [blind]).kind == AMBIGUOUS
