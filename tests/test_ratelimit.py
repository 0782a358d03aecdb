"""Pacing in segments per second, with Twilio's default MPS per sender type."""

from __future__ import annotations

import pytest

from smscore.sending.ratelimit import SegmentRate, default_rate, sender_kind


class FakeClock:
    """Time that moves only when the limiter sleeps: waits can be summed exactly."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_one_segment_per_second_spaces_messages_a_second_apart():
    clock = FakeClock()
    rate = SegmentRate(1, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        rate.acquire(1)
    assert clock.now == pytest.approx(104.0)


def test_rate_counts_segments_not_messages():
    clock = FakeClock()
    rate = SegmentRate(2, burst=1, clock=clock, sleep=clock.sleep)
    rate.acquire(4)  # starts at once, pays 2 s after it
    rate.acquire(1)
    assert clock.now == pytest.approx(102.0)


def test_burst_lets_a_second_worth_go_at_once_then_paces():
    clock = FakeClock()
    rate = SegmentRate(10, clock=clock, sleep=clock.sleep)
    waits = [rate.reserve(1) for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10] == pytest.approx(0.1) and waits[11] == pytest.approx(0.2)


def test_idle_time_does_not_bank_more_than_the_burst():
    clock = FakeClock()
    rate = SegmentRate(1, clock=clock, sleep=clock.sleep)
    clock.now += 3600
    assert [rate.reserve(1) for _ in range(3)] == [0.0, 1.0, 2.0]


def test_rate_must_be_positive():
    with pytest.raises(ValueError, match="got 0"):
        SegmentRate(0)


@pytest.mark.parametrize(
    ("sender", "kind", "mps"),
    [
        ("+15017122661", "us long code", 1.0),
        ("+18005550100", "us toll free", 3.0),
        ("+447700900001", "long code", 10.0),
        ("72345", "short code", 100.0),
        ("ACME", "alphanumeric", 10.0),
        ("MG" + "a" * 32, "messaging service", 10.0),
    ],
)
def test_default_rate_follows_the_sender_type(sender, kind, mps):
    assert sender_kind(sender) == kind
    assert default_rate(sender) == mps
