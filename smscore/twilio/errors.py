"""Twilio error codes in words: what a code means, what to do, and whether resending can help.

Meanings come from Twilio's own error dictionary (smscore/twilio/data/twilio-errors/, with its
SOURCE.txt);
the Portuguese wording of the frequent codes is ours (pt-BR.json beside it). A code
the dictionary lacks (Twilio keeps adding them) is explained with the message Twilio gave in
the response, never dropped. Twilio's texts are data: callers render them as plain text.

Whether to "send again to the failed" is decided per code, and only for failures that a later
attempt can undo (the handset was off, a queue or a carrier was congested, a rate limit was
hit, Twilio itself failed). An opt-out (21610) is never retried, nor is anything permanent
(an invalid or landline number, a blocked or filtered message, a missing registration), nor a
code we do not know: resending those only costs money.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

DATA = files("smscore.twilio") / "data" / "twilio-errors"  # package data
DICTIONARY = DATA / "messaging-error-codes.json"
PORTUGUESE = DATA / "pt-BR.json"

TRANSIENT, OPTED_OUT, PERMANENT = "transient", "opted out", "permanent"

# Failures a later attempt can undo. Sources: each code's page in Twilio's dictionary.
TRANSIENT_CODES = frozenset(
    {
        20429,  # too many requests: never processed, safe to retry
        20500,
        20503,  # Twilio's own failure or outage
        21611,  # the sender's queue was full
        30001,  # queue overflow
        30003,  # handset off or out of coverage
        30008,  # unknown delivery error; Twilio suggests trying again
        30009,  # a segment went missing
        30017,  # carrier congestion
        30022,  # US A2P 10DLC rate limit
        30023,  # US A2P 10DLC daily cap: the next day is fine
        30036,  # validity period expired while queued
    }
)
OPT_OUT_CODES = frozenset({21610})

_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


@dataclass(frozen=True)
class Explanation:
    """One error code for the operator: meaning and what to do, in one language."""

    code: int | None
    meaning: str
    action: str
    kind: str  # transient, opted out or permanent
    from_dictionary: bool  # False: Twilio's message from the response stands in
    lang: str = "en"  # the language the text is in (Twilio's own texts are English)

    def line(self) -> str:
        """`30003 Unreachable destination handset: what to do`, for tables and the CLI."""
        head = f"{self.code} {self.meaning}" if self.code else self.meaning
        return f"{head}. {self.action}" if self.action else head


def classify(code: int | None) -> str:
    """transient, opted out or permanent; unknown codes and no code count as permanent."""
    if code in OPT_OUT_CODES:
        return OPTED_OUT
    return TRANSIENT if code in TRANSIENT_CODES else PERMANENT


def explain(code: int | None, lang: str = "en", fallback: str | None = None) -> Explanation:
    """The code's meaning and remedy in `lang` ("en" or "pt-BR").

    `fallback` is Twilio's message from the response, used when the dictionary has no entry.
    """
    entry = _dictionary().get(code) if code is not None else None
    kind = classify(code)
    if lang != "en" and code is not None and str(code) in _portuguese():
        meaning, action = _portuguese()[str(code)]
        return Explanation(code, meaning.rstrip("."), action, kind, True, lang)
    if entry is None:
        text = (fallback or "").strip() or ("no error code" if code is None else "unknown error")
        return Explanation(code, _plain(text), "", kind, False)
    action = _first_line(entry.get("solutions") or entry.get("causes") or "")
    return Explanation(code, _plain(entry["message"]).rstrip("."), action, kind, True)


def known(code: int) -> bool:
    return code in _dictionary()


def _first_line(text: str) -> str:
    """The first remedy of a bullet list, as plain text (links kept as 'text (url)')."""
    for line in text.replace("\r", "").split("\n"):
        line = line.strip().lstrip("*-").strip()
        if line and line.upper() != "N/A":
            return _plain(line)
    return ""


def _plain(text: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    return " ".join(text.replace("**", "").replace("`", "").split())


@lru_cache(maxsize=1)
def _dictionary() -> dict[int, dict[str, str]]:
    entries = json.loads(DICTIONARY.read_text(encoding="utf-8"))
    return {int(e["code"]): e for e in entries}


@lru_cache(maxsize=1)
def _portuguese() -> dict[str, list[str]]:
    data = json.loads(PORTUGUESE.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}
