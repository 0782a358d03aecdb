"""Phone numbers: E.164 form and ISO country, exactly as `phonenumbers` decides them.

The reference: `normalise` and `normalise_reason` decide one number with phonenumbers (about
20 µs a number). A column of them is decided in bulk by SQL (`phonesql.normalise_column`),
which reads only plain texts; for the others this module runs phonenumbers' own first parse
steps to the digits they leave (`canonical`), worked out once per shape of text (`read_texts`:
~2 µs a text against ~35 µs for a whole parse).

One documented addition to phonenumbers' semantics: a number written with a leading `00` (its
first two digits, in any script, with no plus sign before them) that is invalid for the default
country is read again by phonenumbers with that `00` replaced by `+` and the rest of the text
kept (`0044 20 7946 0958` with default BR is +442079460958; an extension stays an extension),
because `00` is the international prefix almost everywhere and Brazil's own
international prefix includes a carrier code (`0021 44 …`), which phonenumbers insists on.
Non-geographic numbers (+800, +882 …) belong to no country and are rejected.

A second addition: `ramal`, `r.` and `ext.` (any case) before the digits that end the text mark
an extension, as phonenumbers' own extension words (`ext.`, `x`, `anexo` ...) do, so
`(11) 3456-7890 ramal 12` is +551134567890 (`split_extension`); phonenumbers alone dials the
letters of `ramal` and reads it as too long. The number is decided without the extension.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, ValidationResult
from phonenumbers import phonenumberutil as _pnu
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS

# The calling codes of countries (+800, +882 ... belong to phonenumbers' pseudo-region "001").
GEOGRAPHIC_CODES = frozenset(
    cc for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items() if "001" not in regions
)


# A Brazilian extension as people write it: `ramal 12`, `r. 12`, `Ext.: 12`, after the number
# (whose last character before the word is a digit), and nothing after the extension's digits.
_EXTENSION = re.compile(r"^(.*?\d)[\s,;]*(?:ramal|r\.|ext\.)\s*:?\s*(\d+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Phone:
    """A valid number: E.164 text and the ISO 3166 alpha-2 region phonenumbers assigns it."""

    e164: str
    country: str


class InvalidPhone(ValueError):
    """A number that is not a valid phone number; the message says what is wrong with it."""


def check_region(region: str | None) -> str:
    """The upper-cased region, or a ValueError naming it when phonenumbers does not know it."""
    code = (region or "").strip().upper()
    if code not in SUPPORTED_REGIONS:
        raise ValueError(
            f"default country must be an ISO 3166 code phonenumbers knows (e.g. BR, US, PT); got {region!r}"
        )
    return code


def normalise(raw: str | None, default_country: str) -> Phone:
    """One number to E.164 + country with phonenumbers (and the `00` rule above).

    This is the reference the SQL path is tested against; use it for single numbers.
    Raises InvalidPhone with the reason.
    """
    result = normalise_reason(raw, default_country)
    if isinstance(result, str):
        raise InvalidPhone(result)
    return result


def split_extension(text: str) -> tuple[str, str | None]:
    """(the number, its extension's digits) of a text whose extension is marked by `ramal`,
    `r.` or `ext.`; (text, None) for any other text.

    Portuguese has its own word for an extension (`ramal`), which phonenumbers does not know:
    it reads its five letters as a vanity number. Splitting it off here, before phonenumbers
    sees the text, keeps every other text exactly as phonenumbers reads it."""
    found = _EXTENSION.match(text)
    if found is None:
        return text, None
    return found.group(1), found.group(2)


def normalise_reason(raw: str | None, default_country: str) -> Phone | str:
    """Like `normalise`, but returns the reason text instead of raising (for bulk use)."""
    region = check_region(default_country)
    text = (raw or "").strip()
    if not text:
        return "missing phone"
    number, _ = split_extension(text)
    first = _parse(number, text, region)
    if isinstance(first, Phone):
        return first
    international = read_00_as_plus(number)
    if international is not None:
        second = _parse(international, text, region)
        if isinstance(second, Phone):
            return second
    return first


# phonenumbers' plus signs: a text with one before its first digit has a written plus.
_PLUS_SIGNS = frozenset("+\uff0b")


def read_00_as_plus(text: str) -> str | None:
    """The `00` rule's second reading: the text with its leading `00` replaced by `+`.

    None when the rule does not apply: a plus sign (`+`, fullwidth `＋`, `tel:+`) comes
    before the first digit, or the first two digits are not zeros. Everything else is kept
    (extensions, labels, vanity letters, digits of any script), so phonenumbers reads the
    second reading by the same rules as the first and never glues an extension onto it.
    """
    zeros: list[int] = []
    for at, char in enumerate(text):
        if char in _PLUS_SIGNS and not zeros:
            return None
        if char.isdecimal():
            if unicodedata.decimal(char) != 0:
                return None
            zeros.append(at)
            if len(zeros) == 2:
                return text[: zeros[0]] + "+" + text[at + 1 :]
    return None


def canonical(text: str) -> str | None:
    """The number phonenumbers' parse reads in `text`, as ASCII digits behind a `+` if written
    with one; None when the text is not a number or the `00` rule would read it otherwise.

    These are parse's own first steps, by its own functions: the number found in the text
    (`tel:` URIs, labels before it), the viability test, the extension split off, then digits
    of any script, spaces and vanity letters normalised. Every later step of parse works on
    that result alone, so the SQL path decides it as phonenumbers decides `text`: e.g.
    `Tel: (11) 98765-4321 anexo 12` is `11987654321` (phonenumbers' own extension word),
    `Call 0800-FLOWERS` is `08003569377` (three letters or more are vanity letters to
    phonenumbers, so they are dialled), `＋44 ٧٩١١ ٠٣٤٤٩٦` is
    `+447911034496`. The `00` rule's second reading must come out the same too (`+` and the
    digits after the zeros), else the text is left to phonenumbers whole. An extension marked by
    `ramal`, `r.` or `ext.` is split off first (`split_extension`).
    """
    number, _ = split_extension(text)
    first = _first_steps(number)
    return None if first is None else _with_00_rule(number, first)


def read_text(text: str) -> tuple[str | None, str | None]:
    """(`canonical` form, refusal) of a text SQL cannot read as written, parse's first steps
    run once for both. The refusal is `normalise_reason`'s answer for a text parse refuses
    before reading a digit (not a number, or over its 250-character limit: `-`, `n/a`,
    Excel's `5.511987654321E+12`, digits apart by thin spaces) when the `00` rule cannot
    apply to it. (None, None): phonenumbers must read it whole."""
    return read_texts([text])[0]


def read_texts(texts: Iterable[str]) -> list[tuple[str | None, str | None]]:
    """`read_text` of each text, parse's first steps worked out once per shape of text.

    Those steps never look at a digit's value, only at where digits stand among the other
    characters (their regexes know digits as a class), so texts alike but for their digits
    (`(11) 98765-4321 ramal 12`, `(21) 3456-7890 ramal 99`) keep the same span of
    characters: measured on the messy corpus, 29,804 texts of 3,916 shapes (their `00`
    readings included), 0.47 s whole against 0.18 s shared. Whether the `00` rule applies
    does depend on digits, so it is decided per text.
    """
    steps = _SharedSteps()
    out: list[tuple[str | None, str | None]] = []
    for text in texts:
        if not text:  # only whitespace DuckDB's trim() keeps (tabs, odd spaces)
            out.append((None, "missing phone"))
            continue
        number, _ = split_extension(text)
        first = steps(number)
        if first is not None:
            out.append((_with_00_rule(number, first, steps), None))
        elif read_00_as_plus(number) is not None:
            out.append((None, None))
        else:
            out.append((None, _refused(number, text)))
    return out


def _refused(number: str, shown: str) -> str:
    """`_parse`'s words for a text whose first steps find no number, without a parse: parse
    refuses such a text as TOO_LONG over its length limit, else as NOT_A_NUMBER."""
    too_long = len(number) > _pnu._MAX_INPUT_STRING_LENGTH
    kind = NumberParseException.TOO_LONG if too_long else NumberParseException.NOT_A_NUMBER
    return f"invalid number: {_PARSE_ERRORS[kind]} ({shown!r})"


def _with_00_rule(
    text: str, first: str, first_steps: Callable[[str], str | None] | None = None
) -> str | None:
    """`first` (the text's first steps) when the SQL's `00` reading of it is phonenumbers'."""
    second = read_00_as_plus(text)
    sql_second = "+" + first[2:] if first.startswith("00") else None
    if second is None:
        return first if sql_second is None else None
    return first if (first_steps or _first_steps)(second) == sql_second else None


def _first_steps(text: str) -> str | None:
    """parse() up to country-code extraction (see `canonical`); None for NOT_A_NUMBER."""
    if len(text) > _pnu._MAX_INPUT_STRING_LENGTH:
        return None
    try:
        number = _pnu._build_national_number_for_parsing(text)
    except NumberParseException:  # an invalid `;phone-context=`: parse says NOT_A_NUMBER too
        return None
    if not _pnu._is_viable_phone_number(number):
        return None
    _, number = _pnu._maybe_strip_extension(number)
    plus = _pnu._PLUS_CHARS_PATTERN.match(number)
    if plus:
        return "+" + _pnu._normalize(number[plus.end() :])
    return _pnu._normalize(number)


class _ShapeOf(dict):
    """str.translate table: ASCII digits to `1`, other decimal digits to `١`, the rest kept.
    Filled as characters are met."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        shape = ("1" if code < 128 else "\u0661") if char.isdecimal() else char
        self[code] = shape
        return shape


class _DigitsOnly(dict):
    """str.translate table of phonenumbers' normalize_digits_only: a digit of any script to
    its ASCII digit (unicodedata.digit, as there), anything else dropped."""

    def __missing__(self, code: int) -> str | None:
        value = unicodedata.digit(chr(code), -1)
        digit = None if value == -1 else str(value)
        self[code] = digit
        return digit


class _Keypad(dict):
    """str.translate table of phonenumbers' _normalize for vanity numbers: a letter to its
    keypad digit, an ASCII digit kept, anything else dropped (_ALPHA_PHONE_MAPPINGS of the
    upper-cased character, as there)."""

    def __missing__(self, code: int) -> str | None:
        digit = _pnu._ALPHA_PHONE_MAPPINGS.get(chr(code).upper())
        self[code] = digit
        return digit


@dataclass(frozen=True)
class _Span:
    """What parse's first steps keep of every text of one shape: text[start:end], normalised,
    behind a `+` when one was written."""

    start: int
    end: int
    plus: bool
    vanity: bool  # three letters or more: _normalize dials them


_UNSHARED = "unshared"  # a shape whose texts each take the first steps themselves


class _SharedSteps:
    """`_first_steps` of texts, worked out once per shape (see `read_texts`).

    Its tables hold the characters met, so they live as long as one call of `read_texts`: a
    file of every Unicode character would otherwise leave them at a million entries each."""

    def __init__(self) -> None:
        self._by_shape: dict[str, _Span | str | None] = {}
        self._shape_of, self._digits, self._keypad = _ShapeOf(), _DigitsOnly(), _Keypad()

    def __call__(self, text: str) -> str | None:
        shape = text.translate(self._shape_of)
        span = self._by_shape.get(shape, "")
        if span == "":
            span = self._by_shape[shape] = self._span_of(text)
        if span == _UNSHARED:
            return _first_steps(text)
        return None if span is None else self._cut(span, text)

    def _cut(self, span: _Span, text: str) -> str:
        kept = text[span.start : span.end]
        digits = kept.translate(self._keypad if span.vanity else self._digits)
        return "+" + digits if span.plus else digits

    def _span_of(self, text: str) -> _Span | str | None:
        """The span parse's first steps keep of `text` (None: not a number), checked against
        `_first_steps` itself; `_UNSHARED` when they do not keep one span of it (an RFC 3966
        phone-context moves its digits to the front)."""
        first = _first_steps(text)
        if first is None:
            return None
        if _pnu._RFC3966_PHONE_CONTEXT in text:
            return _UNSHARED
        number = _pnu._build_national_number_for_parsing(text)
        start = _pnu._VALID_START_CHAR_PATTERN.search(text).start()
        _, kept = _pnu._maybe_strip_extension(number)
        plus = _pnu._PLUS_CHARS_PATTERN.match(kept)
        skip = plus.end() if plus else 0
        vanity = _pnu.fullmatch(_pnu._VALID_ALPHA_PHONE_PATTERN, kept[skip:]) is not None
        span = _Span(start + skip, start + len(kept), plus is not None, vanity)
        same = (
            text[start : start + len(number)] == number
            and number.startswith(kept)
            and self._cut(span, text) == first
        )
        return span if same else _UNSHARED


def _parse(text: str, shown: str, region: str) -> Phone | str:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return f"invalid number: {_PARSE_ERRORS.get(exc.error_type, str(exc))} ({shown!r})"
    # Before validity: an invalid +800 number would otherwise be named after phonenumbers'
    # pseudo-region "001", which means nothing to an operator.
    if number.country_code not in GEOGRAPHIC_CODES:
        return (
            f"invalid number: +{number.country_code} is a non-geographic (global service) "
            f"code, not a country's ({shown!r})"
        )
    if not phonenumbers.is_valid_number(number):
        return _why_invalid(number, shown)
    return Phone(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.region_code_for_number(number),
    )


_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country calling code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


def _why_invalid(number: phonenumbers.PhoneNumber, text: str) -> str:
    region = phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code
    )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    detail = {
        ValidationResult.TOO_SHORT: f"too short for {region}",
        ValidationResult.TOO_LONG: f"too long for {region}",
        ValidationResult.INVALID_LENGTH: f"wrong number of digits for {region}",
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY: f"local number without area code for {region}",
        ValidationResult.INVALID_COUNTRY_CODE: f"unknown country calling code +{number.country_code}",
    }.get(phonenumbers.is_possible_number_with_reason(number), f"not an assigned {region} number range")
    return f"invalid number: {detail} ({text!r}, read as {e164})"
