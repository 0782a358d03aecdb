"""Pacing in message segments per second, the unit Twilio's sender queues count.

Twilio accepts API requests far faster than a sender can deliver them; it queues the rest and
drains the queue at the sender's MPS, counted in segments (a 3-segment message costs 3). Past
10 hours of queue it refuses with 21611 (or fails later with 30001 through a Messaging Service).
Pacing our requests at the sender's MPS keeps Twilio's queue short, so the ETA we show is the
real one and a stopped batch leaves little queued at Twilio.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

# Default segments per second by sender, from Twilio's help articles (see
# shared notes twilio-api.md §4.5). A Messaging Service's throughput depends on its pool and
# campaign, which the API does not tell us: 10 assumes one ordinary sender outside the US long
# code limit; override with --rate when the pool is known to be faster or slower.
DEFAULT_RATES: dict[str, float] = {
    "us long code": 1.0,
    "us toll free": 3.0,
    "long code": 10.0,  # any number sending outside +1
    "short code": 100.0,
    "alphanumeric": 10.0,
    "messaging service": 10.0,
}

_US_TOLL_FREE = re.compile(r"^\+1(800|833|844|855|866|877|888)\d{7}$")
_SHORT_CODE = re.compile(r"^\d{3,8}$")


def sender_kind(sender: str) -> str:
    """Classify a From value ('+1555…', '72345', 'ACME', 'MG…') into a DEFAULT_RATES key."""
    sender = sender.strip()
    if re.fullmatch(r"MG[0-9a-fA-F]{32}", sender):
        return "messaging service"
    if _US_TOLL_FREE.match(sender):
        return "us toll free"
    if sender.startswith("+1"):
        return "us long code"
    if sender.startswith("+"):
        return "long code"
    if _SHORT_CODE.match(sender):
        return "short code"
    return "alphanumeric"


def default_rate(sender: str) -> float:
    """Twilio's default MPS for this sender, in segments per second."""
    return DEFAULT_RATES[sender_kind(sender)]


class SegmentRate:
    """A thread-safe token bucket whose tokens are message segments.

    `acquire(n)` books n segments and sleeps until they fit the rate; callers are served in the
    order they booked, so a 10-segment message cannot be starved by 1-segment ones. A full bucket
    allows a burst of `burst` segments (default: one second's worth).
    """

    def __init__(
        self,
        per_second: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not per_second > 0:
            raise ValueError(f"a rate above 0 segments per second is required; got {per_second!r}")
        self.per_second = float(per_second)
        self.burst = max(1.0, float(burst if burst is not None else per_second))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # When the bucket will be full again; booking n segments pushes it n/rate seconds later.
        self._full_at = clock()

    def reserve(self, segments: int) -> float:
        """Book `segments` and return how many seconds the caller must wait before sending."""
        if segments < 1:
            raise ValueError(f"a message has at least 1 segment; got {segments!r}")
        with self._lock:
            now = self._clock()
            # A message may start once the bucket holds one segment's room; its other segments
            # are paid after it, so a long message waits no longer than a short one to begin.
            slack = (self.burst - 1.0) / self.per_second
            start = max(self._full_at - slack, now)
            self._full_at = max(self._full_at, now) + segments / self.per_second
            return start - now

    def acquire(self, segments: int) -> None:
        """Block until `segments` more segments fit the rate."""
        wait = self.reserve(segments)
        if wait > 0:
            self._sleep(wait)
