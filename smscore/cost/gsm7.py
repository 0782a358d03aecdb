"""The GSM 03.38 (3GPP TS 23.038) default alphabet, as sets of Unicode characters.

Segment counting only needs to know whether a character is in the alphabet and how many
septets it costs, so the tables are sets rather than code maps. The content matches the
``UnicodeToGsm`` table of Twilio's message-segment-calculator (src/libs/UnicodeToGSM.ts),
which Twilio's maintainers validated against live sends.
"""

from __future__ import annotations

# Basic table: one septet each. ESC (0x1B) is not listed: it only introduces extension chars.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Extension table: ESC + code, so two septets each. Form feed is the page-break entry.
GSM7_EXTENSION: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_CHARS: frozenset[str] = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` can be sent in the GSM-7 alphabet."""
    return GSM7_CHARS.issuperset(text)
