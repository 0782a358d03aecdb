"""The part of a send that runs in the pool: pacing, the request to Twilio, and retries.

No database here: a worker only talks to Twilio and tells the coordinator (`sender`) how each
claim went (`Outcome`); the coordinator alone writes the ledger. Its own module because what
a Twilio error means for a claim (`classify`) and how long to back off (`RetryPolicy`) are
decided here, apart from the coordinator's rounds.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from smscore.clock import aware_utc
from smscore.sending import ledger
from smscore.sending.ledger import Claim
from smscore.sending.ratelimit import SegmentRate
from smscore.sending.schedule import schedule_now
from smscore.twilio.gateway import Gateway, GatewayError, MessageResult

AUTH_CODES = frozenset({20003})
BALANCE_CODES = frozenset({10001, 20005})  # "account not active": Twilio's answer to no funds
THROTTLE_CODES = frozenset({20429})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter for requests Twilio did not take."""

    attempts: int = 6
    base: float = 0.25
    cap: float = 20.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempt counts from 1)."""
        return rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Outcome:
    """What one worker learned about one claim."""

    claim: Claim
    kind: str  # sent, failed, unknown, throttled, auth, balance, halted
    attempts: int
    result: MessageResult | None = None
    error: GatewayError | None = None
    seconds: float = 0.0  # the worker's time on it, retries included (not the pacing)


def classify(error: GatewayError) -> str:
    """Map a gateway error to the sender's action: retry, unknown, auth, balance or failed."""
    if error.code in BALANCE_CODES:  # checked first: it may come with HTTP 401 too
        return "balance"
    if error.code in AUTH_CODES or error.status == 401:
        return "auth"
    if error.code in THROTTLE_CODES or error.status == 429:
        return "retry"
    if error.status is not None and error.status >= 500:
        # Twilio answered with an error: it did not create the message.
        return "retry"
    if error.status is None:
        return "unknown" if error.sent else "retry"
    return "failed"


@dataclass
class Worker:
    """The part that runs in the pool: pacing, the request, and retries. No database here."""

    gateway: Gateway
    sender: str
    limiter: SegmentRate
    policy: RetryPolicy
    halt: threading.Event
    stop: threading.Event | None
    sleep: Callable[[float], None]
    rng: random.Random = field(default_factory=random.Random)

    def __call__(self, claim: Claim) -> Outcome:
        self.limiter.acquire(claim.segments)
        began = time.monotonic()
        outcome = self._attempts(claim)
        return replace(outcome, seconds=time.monotonic() - began)

    def _attempts(self, claim: Claim) -> Outcome:
        attempt = 0
        while True:
            if self.halt.is_set() or (self.stop is not None and self.stop.is_set()):
                return Outcome(claim, "halted", attempt)
            attempt += 1
            try:
                return Outcome(claim, "sent", attempt, result=self._send(claim))
            except GatewayError as exc:
                action = classify(exc)
                if action in ("auth", "balance"):
                    self.halt.set()  # the other workers stop before their next request
                if action != "retry":
                    return Outcome(claim, action, attempt, error=exc)
                if attempt >= self.policy.attempts:
                    return Outcome(claim, "throttled", attempt, error=exc)
                self.sleep(self.policy.delay(attempt, self.rng))
            except Exception as exc:  # noqa: BLE001 - a bug or an SDK surprise after the request
                return Outcome(
                    claim, "unknown", attempt, error=GatewayError(f"unexpected {type(exc).__name__}: {exc}")
                )

    def _send(self, claim: Claim) -> MessageResult:
        """Create the message; scheduled at Twilio when its time is far enough ahead."""
        send_at = schedule_now(claim.send_at, ledger.utcnow())
        if send_at is None:
            return self.gateway.send(claim.phone, claim.body, self.sender)
        return self.gateway.send(claim.phone, claim.body, self.sender, send_at=aware_utc(send_at))
