"""Twilio Smart Encoding: the character replacements Twilio applies before choosing GSM-7.

With Smart Encoding on (Messaging Service setting or ``SmartEncoded=true``), Twilio swaps
look-alike characters such as curly quotes for GSM-7 ones, so a message that would have been
UCS-2 is billed as GSM-7. We must apply the same table before counting or the estimate is off.

Source of the table (facts, carried over as data): ``SmartEncodingMap`` in Twilio's
message-segment-calculator, release 1.3.0, whose output Twilio's maintainers validated against
live sends (issue #66). 1.3.0 swapped the single angle quotes back (PR #58: ``‹`` -> ``<``) and
added the zero-width non-joiner (PR #49). Oddities are kept on purpose because they are what
the calculator predicts: most Unicode spaces become *two* spaces, a tab becomes seven.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# replacement -> the characters Twilio replaces with it
_BY_REPLACEMENT: dict[str, str] = {
    '"': "\u00ab\u00bb\u201c\u201d\u02ba\u02ee\u201f\u201e\u275d\u275e\u301d\u301e\uff02",
    "'": (
        "\u2018\u2019\u02bb\u02c8\u02bc\u02bd\u02b9\u201b\uff07\u00b4\u02ca\u0060\u02cb"
        "\u275b\u275c\u0313\u0314\ufe10\ufe11"
    ),
    "/": "\u00f7\u29f8\u0337\u0338\u2044\u2215\uff0f",
    "1/4": "\u00bc",
    "1/2": "\u00bd",
    "3/4": "\u00be",
    "\\": "\u29f9\u29f5\u20e5\ufe68\uff3c",
    "_": "\u0332\uff3f\u2017",
    "|": "\u20d2\u20d3\u2223\uff5c\u23b8\u23b9\u23d0\u239c\u239f",
    "-": "\u23bc\u23bd\u2015\ufe63\uff0d\u2010\u2043\u2014\u2013\u2022",
    "@": "\ufe6b\uff20",
    "$": "\ufe69\uff04",
    "!": "\u01c3\ufe15\ufe57\uff01",
    "#": "\ufe5f\uff03",
    "%": "\ufe6a\uff05",
    "&": "\ufe60\uff06",
    ",": "\u201a\u0326\ufe50\ufe51\uff0c\uff64\u3001",
    "(": "\u2768\u276a\ufe59\uff08\u27ee\u2985",
    ")": "\u2769\u276b\ufe5a\uff09\u27ef\u2986",
    "*": (
        "\u204e\u2217\u229b\u2722\u2723\u2724\u2725\u2731\u2732\u2733\u273a\u273b\u273c"
        "\u273d\u2743\u2749\u274a\u274b\u29c6\ufe61\uff0a"
    ),
    "+": "\u02d6\ufe62\uff0b",
    ".": "\u3002\ufe52\uff0e\uff61",
    ":": "\u02d0\u02f8\u2982\ua789\ufe13\uff1a",
    ";": "\u204f\ufe14\ufe54\uff1b",
    "<": "\ufe64\uff1c\u2039",
    "=": "\u0347\ua78a\ufe66\uff1d",
    ">": "\ufe65\uff1e\u203a",
    "?": "\ufe16\ufe56\uff1f",
    "^": "\u02c6\u0302\uff3e\u1dcd",
    "{": "\u2774\ufe5b\uff5b",
    "}": "\u2775\ufe5c\uff5d",
    "[": "\uff3b",
    "]": "\uff3d",
    "~": "\u02dc\u02f7\u0303\u0330\u0334\u223c\uff5e",
    "  ": (
        "\u00a0\u2000\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
        "\u3000\u008d\u009f\u0080\u0090\u009b"
    ),
    " ": "\u2028\u2029\u2001",
    "       ": "\t",
    "": ("\u0010\u0000\u0003\u0004\u0017\u0019\u0011\u0012\u0013\u0014\u2060\u200b\ufeff\u200c"),
    "!!": "\u203c",
    "...": "\u2026",
}

# Latin small capitals that Twilio maps to the capital letter (Q and X have none).
_SMALL_CAPITALS = {
    "A": "\u1d00", "B": "\u0299", "C": "\u1d04", "D": "\u1d05", "E": "\u1d07", "F": "\ua730",
    "G": "\u0262", "H": "\u029c", "I": "\u026a", "J": "\u1d0a", "K": "\u1d0b", "L": "\u029f",
    "M": "\u1d0d", "N": "\u0274", "O": "\u1d0f", "P": "\u1d18", "R": "\u0280", "S": "\ua731",
    "T": "\u1d1b", "U": "\u1d1c", "V": "\u1d20", "W": "\u1d21", "Y": "\u028f", "Z": "\u1d22",
}  # fmt: skip


def _build() -> dict[str, str]:
    table = {ch: repl for repl, chars in _BY_REPLACEMENT.items() for ch in chars}
    table.update({small: capital for capital, small in _SMALL_CAPITALS.items()})
    # Fullwidth digits and capital letters (U+FF10.., U+FF21..) map to their ASCII forms.
    table.update({chr(0xFF10 + i): str(i) for i in range(10)})
    table.update({chr(0xFF21 + i): chr(ord("A") + i) for i in range(26)})
    return table


SMART_ENCODING_MAP: Mapping[str, str] = MappingProxyType(_build())
_TRANSLATION = str.maketrans(dict(SMART_ENCODING_MAP))


def apply_smart_encoding(text: str) -> str:
    """Return ``text`` as Twilio sends it with Smart Encoding on."""
    return text.translate(_TRANSLATION)
