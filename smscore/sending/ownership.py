"""Which of Twilio's messages is ours: the judgement `reconcile` makes before it adopts a SID.

A ledger row whose answer was lost is looked up in Twilio's message list, but the account is
shared: another workspace, the Twilio Console or another app may text the same number the same
day. A message is ours only when everything we know about our request matches it: the recipient,
the sender (the From number, or the Messaging Service SID), the exact body we sent (Twilio returns
it; a trial account's copy carries Twilio's prefix, and with Smart Encoding the text may be the
one after Twilio's look-alike swaps) and a creation time near the row's claim.
Anything else is someone else's, and a candidate we can neither prove nor rule out (Twilio
returned no body, no sender or no date) keeps the row `unknown`: adopting it could mark a
recipient served who never got our text, and resending could text them twice.

Pure functions over plain values: no database, no network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from smscore.clock import naive_utc
from smscore.cost.smart_encoding import apply_smart_encoding
from smscore.sending.ledger import UNDECIDED_PREFIX
from smscore.twilio.balance import TRIAL_PREFIX
from smscore.twilio.gateway import MessageResult

# Our request leaves after its claim, retried with backoff for up to a couple of minutes and
# answered within the timeout; both margins also absorb clock skew between us and Twilio.
BEFORE_CLAIM = timedelta(minutes=5)
AFTER_CLAIM = timedelta(minutes=15)

OURS, ABSENT, AMBIGUOUS = "ours", "absent", "ambiguous"


@dataclass(frozen=True)
class Expected:
    """What we sent, or may have sent, for one ledger row."""

    phone: str
    body: str  # placeholders filled, as the row holds it
    sender: str  # a phone number, or a Messaging Service SID (MG...)
    claimed_at: datetime  # naive UTC, as stored

    @property
    def earliest(self) -> datetime:
        return self.claimed_at - BEFORE_CLAIM

    @property
    def latest(self) -> datetime:
        return self.claimed_at + AFTER_CLAIM


@dataclass(frozen=True)
class Verdict:
    """ours (adopt `message`), absent (nothing of ours: queue again) or ambiguous (leave it)."""

    kind: str
    message: MessageResult | None = None
    reason: str | None = None


def judge(expected: Expected, candidates: Iterable[MessageResult], owned: Iterable[str] = ()) -> Verdict:
    """Decide what Twilio's candidates say about one row; `owned` are SIDs other rows hold."""
    taken = set(owned)
    proven: list[MessageResult] = []
    possible: list[MessageResult] = []
    for message in candidates:
        if message.sid in taken:
            continue
        verdict = _compare(expected, message)
        if verdict is True:
            proven.append(message)
        elif verdict is None:
            possible.append(message)
    if len(proven) == 1:
        return Verdict(OURS, proven[0])
    if not proven and not possible:
        return Verdict(ABSENT)
    doubtful = proven or possible
    sids = ", ".join(m.sid for m in doubtful[:5])
    why = "match our message exactly" if proven else "might be ours, but Twilio did not return enough to tell"
    return Verdict(
        AMBIGUOUS,
        reason=(
            f"{UNDECIDED_PREFIX} {len(doubtful)} Twilio message(s) to {expected.phone} {why} ({sids}); "
            "left unknown rather than adopted or resent: check them in the Twilio Console"
        ),
    )


def _compare(expected: Expected, message: MessageResult) -> bool | None:
    """True: provably ours; False: provably not; None: cannot tell."""
    checks = (
        _same_recipient(expected, message),
        _same_sender(expected, message),
        _same_body(expected, message),
        _in_window(expected, message),
    )
    if False in checks:
        return False
    return True if all(checks) else None


def _same_recipient(expected: Expected, message: MessageResult) -> bool:
    return message.to == expected.phone


def _same_sender(expected: Expected, message: MessageResult) -> bool | None:
    if expected.sender.startswith("MG"):
        # Twilio picks the From number out of the service's pool; the service SID is the proof.
        if message.messaging_service_sid is None:
            return None if message.from_ is None else False
        return message.messaging_service_sid == expected.sender
    if message.from_ is None:
        return None
    return message.from_ == expected.sender


def _same_body(expected: Expected, message: MessageResult) -> bool | None:
    if not message.body:  # absent, or emptied by Twilio's message redaction
        return None
    # With Smart Encoding on, what Twilio keeps may be the text after its look-alike swaps.
    texts = {expected.body, apply_smart_encoding(expected.body)}
    return message.body in texts | {TRIAL_PREFIX + text for text in texts}


def _in_window(expected: Expected, message: MessageResult) -> bool | None:
    created = naive_utc(message.date_created)
    if created is None:
        return None
    return expected.earliest <= created <= expected.latest
