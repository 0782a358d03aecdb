"""How many SMS segments Twilio bills for a body, and how to make a body cheaper.

Semantics are those of Twilio's message-segment-calculator (github.com/TwilioDevEd/
message-segment-calculator, release 1.3.0), whose predictions its maintainers checked against
live Twilio sends (issue #66, 16/16). In short:

* One character outside GSM-7 switches the whole body to UCS-2.
* GSM-7: 160 septets in one segment, 153 per segment once split; extension characters cost 2.
  UCS-2: 70 UTF-16 code units in one segment, 67 once split; emoji outside the BMP cost 2,
  and GSM-7 extension characters cost 1.
* A character never straddles two segments: an extension character, a surrogate pair or a
  whole grapheme cluster (emoji with ZWJ or skin tone, letter plus combining mark) moves to
  the next segment, leaving the rest of the previous one unused.
* ``"\\r\\n"`` counts as two characters (CR and LF are separate GSM-7 septets), as Twilio bills.
* An empty body counts as one GSM-7 segment, as in the calculator (Twilio itself refuses an
  empty body, so callers validate that separately).

``segments_of`` is the hot path (one call per recipient of a personalised batch); it answers
most bodies from a single C-level pass and only walks characters when a boundary could split a
two-unit character.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import regex

from smscore.cost.gsm7 import GSM7_BASIC, GSM7_CHARS, GSM7_EXTENSION, is_gsm7
from smscore.cost.smart_encoding import apply_smart_encoding
from smscore.problems import coded

GSM7 = "GSM-7"
UCS2 = "UCS-2"
GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    """What Twilio will bill for one body, and why.

    ``characters`` counts user-visible characters (grapheme clusters; ``"\\r\\n"`` counts 2, as
    in the calculator). ``ucs2_chars`` lists the distinct grapheme clusters outside GSM-7, in
    order of first appearance: these are what a sender can edit to get back to GSM-7.
    """

    encoding: str
    segments: int
    units: int
    characters: int
    ucs2_chars: tuple[str, ...]
    per_segment: int
    remaining: int


@dataclass(frozen=True)
class GsmSuggestion:
    """A proposal to replace the characters that forced UCS-2 with GSM-7 stand-ins."""

    replacements: dict[str, str]
    unreplaceable: tuple[str, ...]
    text: str
    before: SegmentCount
    after: SegmentCount


def segments_of(text: str, smart_encoding: bool = False) -> int:
    """Number of segments Twilio bills for ``text``; same answer as ``count_segments``, faster."""
    kinds = _latin1_kinds(text)
    if kinds is not None and _NON_GSM not in kinds:
        n = len(text)
        if _EXT not in kinds:
            return 1 if n <= GSM7_SINGLE else -(-n // GSM7_MULTI)
        return _gsm7_from_kinds(kinds, n)[0]
    if smart_encoding:  # Smart Encoding only ever replaces characters outside GSM-7
        return segments_of(apply_smart_encoding(text))
    if kinds is not None:  # Latin-1 never joins into clusters: one unit per character
        n = len(text)
        return 1 if n <= UCS2_SINGLE else -(-n // UCS2_MULTI)
    return _measure_wide(text, detail=False)[1]


class BodyError(ValueError):
    """A message body that cannot be sent as typed; the text says which character and where."""


# NUL ends the text in many SMS gateways and handsets; a lone UTF-16 surrogate (half an emoji,
# from a broken paste or an undecodable command-line byte) has no UTF-8 form, so the request to
# Twilio fails with a codec error, message after message, only once the batch is sending.
_UNSENDABLE = re.compile("[\x00\ud800-\udfff]")


def check_body(text: str) -> None:
    """Raise BodyError, in one sentence, for a body that would fail only at send time."""
    found = _UNSENDABLE.search(text)
    if found is None:
        return
    char, position = found.group(), found.start() + 1
    if char == "\x00":
        raise coded(BodyError, "body.nul", position=position)
    raise coded(BodyError, "body.surrogate", char=f"U+{ord(char):04X}", position=position)


def encoding_and_segments(text: str, smart_encoding: bool = False) -> tuple[str, int]:
    """Just (encoding, segments): what a quote needs per distinct body, without the details."""
    encoding, segments, *_ = _measure(text)
    if smart_encoding and encoding == UCS2:
        encoding, segments, *_ = _measure(apply_smart_encoding(text))
    return encoding, segments


def count_segments(text: str, smart_encoding: bool = False) -> SegmentCount:
    """Encoding, segments and the characters responsible, for one message body."""
    encoding, segments, units, used, spans = _measure(text)
    if smart_encoding and encoding == UCS2:
        text = apply_smart_encoding(text)
        encoding, segments, units, used, spans = _measure(text)
    if encoding == GSM7:
        characters, ucs2_chars = len(text), ()
        per_segment = GSM7_SINGLE if segments == 1 else GSM7_MULTI
    else:
        if spans is None:  # every grapheme is one code point
            characters = len(text)
            ucs2_chars = tuple(dict.fromkeys(_NOT_GSM7.findall(text)))
        else:
            characters = len(text) - sum(length - 1 for _, length, _ in spans)
            ucs2_chars = _ucs2_clusters(text, spans)
        per_segment = UCS2_SINGLE if segments == 1 else UCS2_MULTI
    return SegmentCount(
        encoding=encoding,
        segments=segments,
        units=units,
        characters=characters,
        ucs2_chars=ucs2_chars,
        per_segment=per_segment,
        remaining=max(per_segment - used, 0),
    )


def gsm_suggestion(text: str) -> GsmSuggestion:
    """Propose GSM-7 stand-ins for the characters that force UCS-2.

    Tries, per offending character: its composed form (``e`` + U+0301 is GSM-7 ``é``), then
    Twilio's Smart Encoding replacement (``’`` -> ``'``), then the letter without its accents
    (``ç`` -> ``c``, ``ã`` -> ``a``). Characters that are GSM-7 already (``é``, ``ü``, ``Ç``,
    ``ñ``...) are never touched. Compare ``before`` and ``after`` to tell the user what it saves.
    """
    before = count_segments(text)
    replacements: dict[str, str] = {}
    unreplaceable: list[str] = []
    for cluster in before.ucs2_chars:
        stand_in = _gsm_stand_in(cluster)
        if stand_in is None:
            unreplaceable.append(cluster)
        else:
            replacements[cluster] = stand_in
    new_text = text
    if replacements:
        new_text = "".join(replacements.get(g, g) for g in _GRAPHEME.findall(text))
    return GsmSuggestion(
        replacements=replacements,
        unreplaceable=tuple(unreplaceable),
        text=new_text,
        before=before,
        after=count_segments(new_text),
    )


def _gsm_stand_in(cluster: str) -> str | None:
    composed = unicodedata.normalize("NFC", cluster)
    if is_gsm7(composed):
        return composed
    smart = apply_smart_encoding(composed)
    if is_gsm7(smart):
        return smart
    decomposed = unicodedata.normalize("NFD", composed)
    stripped = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    if stripped and is_gsm7(stripped):
        return stripped
    return None


# --- measuring -------------------------------------------------------------------------------
# Most bodies are measured from one byte per character or per unit, made by C-level encode and
# translate calls; Python only visits segment boundaries. Text with grapheme clusters is
# measured from "spans": (start index, code points, units) of each token that costs more than
# one unit or holds more than one code point; runs between spans cost one unit per code point.
_Span = tuple[int, int, int]
# (encoding, segments, units, units used in the last segment, cluster spans or None). Plain
# tuples because segments_of runs once per recipient.
_Measure = tuple[str, int, int, int, "list[_Span] | None"]

# Largest span for which greedy filling matches the calculator in UCS-2: the first segment's
# leftovers (up to 70 - 67 + size - 1 units) plus the next span must fit in 67 units.
_GREEDY_SAFE = (2 * UCS2_MULTI - UCS2_SINGLE + 1) // 2

# Kinds of character, ordered so that the max over a text decides how to count it.
_BASIC, _EXT, _NON_GSM, _ASTRAL, _CLUSTERING = 0, 1, 2, 3, 4

_GRAPHEME = regex.compile(r"\X")
_NEVER_JOINS = regex.compile(r"[\p{Grapheme_Cluster_Break=Other}\p{Grapheme_Cluster_Break=Control}]")
_NOT_BASIC = re.compile("[^" + "".join(re.escape(c) for c in sorted(GSM7_BASIC)) + "]")
_NOT_GSM7 = re.compile("[^" + "".join(re.escape(c) for c in sorted(GSM7_CHARS)) + "]")
_EXTENSION = re.compile("[" + "".join(re.escape(c) for c in sorted(GSM7_EXTENSION)) + "]")
# Cells for UTF-16 units by their high byte, in _pack_cells' layout: D8..DB starts a pair.
_SURROGATE_HALVES = bytes(1 if 0xD8 <= b <= 0xDB else 9 if 0xDC <= b <= 0xDF else 0 for b in range(256))


def _classify(ch: str) -> int:
    if ch in GSM7_BASIC:
        return _BASIC
    if ch in GSM7_EXTENSION:
        return _EXT
    # A character that never joins its neighbours is a grapheme of its own, so it can be
    # counted without splitting the text into graphemes (CR LF is split anyway, as Twilio does).
    if not _NEVER_JOINS.fullmatch(ch):
        return _CLUSTERING
    return _ASTRAL if ch > "\uffff" else _NON_GSM


_KIND_CACHE: dict[str, int] = {}


def _kind(ch: str) -> int:
    kind = _KIND_CACHE.get(ch)
    if kind is None:
        kind = _KIND_CACHE[ch] = _classify(ch)
    return kind


_LATIN1_KINDS = bytes(_classify(chr(i)) for i in range(256))
# ESC is not GSM-7 text; _latin1_kinds borrows its byte to stand for the euro sign.
_EURO_KINDS = _LATIN1_KINDS[:0x1B] + bytes([_EXT]) + _LATIN1_KINDS[0x1C:]
assert max(_LATIN1_KINDS) <= _NON_GSM, "a Latin-1 character joins clusters: fast paths invalid"


def _latin1_kinds(text: str) -> bytes | None:
    """The kind of each character as one byte, in one C pass; None beyond Latin-1 and €."""
    table = _LATIN1_KINDS
    if "€" in text:  # the one common GSM-7 character beyond Latin-1
        if "\x1b" in text:
            return None
        text, table = text.replace("€", "\x1b"), _EURO_KINDS
    try:
        return text.encode("latin-1").translate(table)
    except UnicodeEncodeError:
        return None


def _measure(text: str) -> _Measure:
    kinds = _latin1_kinds(text)
    if kinds is None:
        return _measure_wide(text, detail=True)
    n = len(text)
    if _NON_GSM in kinds:
        return (UCS2, *_fixed_width(n, UCS2_SINGLE, UCS2_MULTI), None)
    return (GSM7, *_gsm7_from_kinds(kinds, n), None)


def _gsm7_from_kinds(kinds: bytes, n: int) -> tuple[int, int, int]:
    septets = n + kinds.count(_EXT)
    if septets == n or septets <= GSM7_SINGLE:
        return _fixed_width(septets, GSM7_SINGLE, GSM7_MULTI)
    # One cell per septet; an extension character is a start cell then a second cell, and a
    # segment may not end between the two.
    return _pack_cells(kinds.replace(b"\x01", b"\x01\x09"), septets, GSM7_MULTI)


def _pack_cells(cells: bytes, units: int, multi: int) -> tuple[int, int, int]:
    """Greedy packing of a multi-segment text laid out one byte per unit.

    A 1 then a 9 mark the two units of one character: a segment that would end between them
    ends one unit early instead. Greedy filling to ``multi`` from the start gives the
    calculator's result when no character is bigger than two units.
    """
    segments, start = 1, 0
    while units - start > multi:
        end = start + multi
        if cells[end] == 9 and cells[end - 1] == 1:
            end -= 1
        segments, start = segments + 1, end
    return segments, units, units - start


def _measure_wide(text: str, detail: bool) -> _Measure:
    """Measure text with characters beyond Latin-1 and € (curly quotes, CJK, emoji...)."""
    rest = _NOT_BASIC.findall(text)
    distinct = set(rest)
    kind = max(map(_kind, distinct), default=_BASIC)  # Greek capitals are basic GSM-7
    n = len(text)
    if kind <= _EXT:
        septets = n + len(rest)
        if septets == n or septets <= GSM7_SINGLE:
            return (GSM7, *_fixed_width(septets, GSM7_SINGLE, GSM7_MULTI), None)
        cells = _EXTENSION.sub("\x01\x09", text)  # same layout as _gsm7_from_kinds
        return (GSM7, *_pack_cells(cells.encode("latin-1", "replace"), septets, GSM7_MULTI), None)
    if kind == _NON_GSM:
        return (UCS2, *_fixed_width(n, UCS2_SINGLE, UCS2_MULTI), None)
    utf16 = text.encode("utf-16-le", "surrogatepass")
    units = len(utf16) >> 1
    if kind == _ASTRAL or (units <= UCS2_SINGLE and not detail):
        if units <= UCS2_SINGLE:
            return UCS2, 1, units, units, None
        # One cell per UTF-16 unit, from its high byte: D8..DB starts a pair, DC..DF ends it.
        cells = utf16[1::2].translate(_SURROGATE_HALVES)
        return (UCS2, *_pack_cells(cells, units, UCS2_MULTI), None)
    spans = _cluster_spans(text, frozenset(ch for ch in distinct if _kind(ch) >= _ASTRAL))
    if any(size > _GREEDY_SAFE for _, _, size in spans):  # e.g. a letter under 40 accents
        return (UCS2, *_pack(_sizes(n, spans), units, UCS2_SINGLE, UCS2_MULTI), spans)
    return (UCS2, *_pack_spans(n, spans, units, UCS2_SINGLE, UCS2_MULTI), spans)


def _cluster_spans(text: str, special: frozenset[str]) -> list[_Span]:
    """Spans of a text with grapheme clusters, splitting graphemes only where they can form.

    ``special`` holds the text's astral and cluster-forming characters. Splitting a whole text
    into graphemes is slow, so only windows around cluster-forming characters are split. Two
    characters that never join always have a grapheme boundary between them, so the windows'
    edges are boundaries.
    """
    windows: list[list[int]] = []
    astral: list[int] = []
    for match in _pattern_for(special).finditer(text):
        at = match.start()
        if _KIND_CACHE[match.group()] == _CLUSTERING:
            if windows and at - 1 <= windows[-1][1]:
                windows[-1][1] = at + 2
            else:
                windows.append([max(at - 1, 0), at + 2])
        else:
            astral.append(at)
    spans: list[_Span] = []
    for start, end in windows:
        for grapheme in _window_graphemes(text[start:end]):
            length = len(grapheme)
            if (length > 1 and grapheme != "\r\n") or grapheme > "\uffff":
                units = len(grapheme.encode("utf-16-le", "surrogatepass")) >> 1
                spans.append((start, length, units))
            start += length
    if astral:  # astral characters outside every window are spans of their own
        index, alone = 0, []
        for at in astral:
            while index < len(windows) and windows[index][1] <= at:
                index += 1
            if index == len(windows) or at < windows[index][0]:
                alone.append((at, 1, 2))
        spans = sorted(spans + alone)
    return spans


_PATTERN_CACHE: dict[frozenset[str], re.Pattern[str]] = {}


def _pattern_for(chars: frozenset[str]) -> re.Pattern[str]:
    """A character class for ``chars``; bodies of one batch share them, so it is remembered."""
    pattern = _PATTERN_CACHE.get(chars)
    if pattern is None:
        if len(_PATTERN_CACHE) >= 1_000:
            _PATTERN_CACHE.clear()
        body = "".join(re.escape(ch) for ch in sorted(chars))
        pattern = _PATTERN_CACHE[chars] = re.compile(f"[{body}]")
    return pattern


# Personalised bodies repeat the template's windows ("🎉 " ...), and regex's \X costs
# microseconds a call, so windows are remembered; the cache is dropped when it grows big.
_WINDOW_CACHE: dict[str, list[str]] = {}


def _window_graphemes(window: str) -> list[str]:
    graphemes = _WINDOW_CACHE.get(window)
    if graphemes is None:
        if len(_WINDOW_CACHE) >= 10_000:
            _WINDOW_CACHE.clear()
        graphemes = _WINDOW_CACHE[window] = _GRAPHEME.findall(window)
    return graphemes


def _ucs2_clusters(text: str, spans: list[_Span]) -> tuple[str, ...]:
    """Distinct graphemes outside GSM-7, in order of first appearance."""
    cluster_at: dict[int, str] = {}
    for start, length, _ in spans:
        if length > 1:
            cluster = text[start : start + length]
            cluster_at.update(dict.fromkeys(range(start, start + length), cluster))
    found: dict[str, None] = {}
    for match in _NOT_GSM7.finditer(text):  # every cluster holds a character outside GSM-7
        found.setdefault(cluster_at.get(match.start(), match.group()))
    return tuple(found)


def _fixed_width(units: int, single: int, multi: int) -> tuple[int, int, int]:
    """(segments, units, used in the last) when every character costs one unit."""
    if units <= single:
        return 1, units, units
    segments = -(-units // multi)
    return segments, units, units - (segments - 1) * multi


def _pack_spans(n: int, spans: list[_Span], units: int, single: int, multi: int) -> tuple[int, int, int]:
    """(segments, units, used in the last) for ``n`` code points with ``spans`` indivisible.

    Fills greedily to ``multi`` from the start, which gives the calculator's result as long as
    no span is bigger than ``_GREEDY_SAFE`` (callers with clusters check that).
    """
    if units <= single:
        return 1, units, units
    segments, used, pos = 1, 0, 0
    for start, length, size in spans:
        used += start - pos  # single-unit characters fill up, breaking anywhere
        if used > multi:
            extra = (used - 1) // multi
            segments, used = segments + extra, used - extra * multi
        if used + size > multi:
            segments, used = segments + 1, size
        else:
            used += size
        pos = start + length
    used += n - pos
    if used > multi:
        extra = (used - 1) // multi
        segments, used = segments + extra, used - extra * multi
    return segments, units, used


def _sizes(n: int, spans: list[_Span]) -> list[int]:
    sizes: list[int] = []
    pos = 0
    for start, length, size in spans:
        sizes.extend([1] * (start - pos))
        sizes.append(size)
        pos = start + length
    sizes.extend([1] * (n - pos))
    return sizes


def _pack(sizes: list[int], units: int, single: int, multi: int) -> tuple[int, int, int]:
    """Pack indivisible tokens exactly as the calculator's segment builder does.

    The first segment fills to ``single``; on overflow it gains a concatenation header and
    sheds trailing tokens until it holds ``multi``; later segments fill to ``multi``. A token
    bigger than a whole segment gets a segment of its own (the calculator overfills it).
    """
    first: list[int] = []
    used = 0
    rest = iter(sizes)
    for size in rest:
        if used + size > single:
            break
        first.append(size)
        used += size
    else:
        return 1, units, used
    carried = 0
    while used > multi:
        shed = first.pop()
        used -= shed
        carried += shed
    segments, used = 2, carried + size
    for size in rest:
        if used + size > multi:
            segments, used = segments + 1, size
        else:
            used += size
    return segments, units, used
