"""Twilio's limits on one message body, checked before anything is priced or sent.

Twilio refuses a body over 1,600 characters at create time (error 21617), after the money has
been quoted and confirmed; so the quote applies the same limit per recipient, after
placeholders are filled, and lists whoever would exceed it as excluded. Twilio also advises
keeping a message at or under 10 segments, since longer ones are delivered less reliably
(twilio.com/docs/glossary/what-sms-character-limit): that is a warning, not a refusal.
Characters are counted as Python counts them (code points), as the sandbox does.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BODY_CHARS = 1600  # Twilio error 21617 above this
ADVISED_MAX_SEGMENTS = 10
OVER_LIMIT_REASON = "message over 1,600 characters after placeholders (Twilio error 21617)"


def over_limit(text: str) -> bool:
    """True when Twilio would refuse `text` as a body for its length."""
    return len(text) > MAX_BODY_CHARS


@dataclass(frozen=True)
class LengthCheck:
    """What the length of a quoted batch means: who is left out, and whether to warn."""

    over_limit: int  # recipients excluded because their message is too long
    recipients: int  # recipients left to send to
    max_segments: int  # the longest message among those left, in segments

    @property
    def refused(self) -> bool:
        """Nobody is left because every message is too long: the batch cannot be confirmed."""
        return self.over_limit > 0 and self.recipients == 0

    @property
    def long_warning(self) -> bool:
        return self.max_segments > ADVISED_MAX_SEGMENTS

    def refusal(self) -> str | None:
        """One sentence for the CLI (the console says it in its own language)."""
        if not self.refused:
            return None
        return (
            f"the message is over Twilio's limit of {MAX_BODY_CHARS:,} characters for every "
            "recipient (Twilio would refuse it with error 21617); shorten it"
        )

    def warning(self) -> str | None:
        if not self.long_warning:
            return None
        return (
            f"the longest message is {self.max_segments} segments; Twilio advises at most "
            f"{ADVISED_MAX_SEGMENTS} segments per message for reliable delivery (consider "
            "a shorter text or a link)"
        )
