"""The core's codes and English reasons, shown in the operator's language.

smscore never imports Streamlit and keeps stable codes (`sent`, `needs reconcile`, `long code`)
and reasons worded in English with a fixed shape (tests compare its SQL and Python wordings).
This module turns both into the catalog's words at the last moment, for tables and messages;
exports keep the codes, so a CSV means the same in any language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from smscore.words import formats
from smscore.words.i18n import keys, translate

# Columns whose values are codes with a `code.<column>.<value>` entry in the catalogs.
CODE_COLUMNS = ("state", "status", "mode", "twilio_status", "sender_type", "number_type", "source")
COUNTRY_COLUMNS = ("country", "iso")


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")


def word(column: str, value: object, lang: str) -> str:
    """A stored code as a word (`sent` -> `enviada`); unknown codes are shown as they are."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return translate("common.not_set", lang)
    key = f"code.{column}.{_slug(str(value))}"
    return translate(key, lang) if key in _known() else str(value)


def outcome(kind: str, lang: str) -> str:
    """An outcome code (smscore.sending.outcome.KINDS: `sent`, `awaiting approval`) as its
    word; anything else as it is."""
    key = "outcome." + kind.replace(" ", "_")
    return translate(key, lang) if key in _known() else kind


_KNOWN: set[str] = set()


def _known() -> set[str]:
    if not _KNOWN:
        _KNOWN.update(keys())
    return _KNOWN


def column_labels(frame: pd.DataFrame, lang: str) -> dict[str, str]:
    """A label for every column the catalogs name; a file's own columns keep their header."""
    return {c: translate(f"col.{c}", lang) for c in frame.columns if f"col.{c}" in _known()}


def localized(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A copy for display: codes as words, countries by name, empty cells as a dash."""
    shown = frame.copy()
    for column in shown.columns:
        if column in CODE_COLUMNS:
            shown[column] = [word(column, v, lang) for v in shown[column]]
        elif column in COUNTRY_COLUMNS:
            shown[column] = [
                formats.country_name(v, lang) if isinstance(v, str) else "—" for v in shown[column]
            ]
        elif column == "reason":
            shown[column] = [reason(v, lang) if isinstance(v, str) else "—" for v in shown[column]]
        elif shown[column].dtype == object:
            shown[column] = shown[column].where(shown[column].notna(), "—")
    return shown


# -- reasons ----------------------------------------------------------------------------------


def _country(lang: str) -> Callable[[re.Match[str]], dict[str, str]]:
    def fields(m: re.Match[str]) -> dict[str, str]:
        code = m.group("region")
        return {"country": f"{formats.country_name(code, lang)} ({code})"}

    return fields


_DETAILS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"too short for (?P<region>[A-Z0-9]+)$"), "reason.too_short_for"),
    (re.compile(r"too long for (?P<region>[A-Z0-9]+)$"), "reason.too_long_for"),
    (re.compile(r"wrong number of digits for (?P<region>[A-Z0-9]+)$"), "reason.wrong_length_for"),
    (re.compile(r"local number without area code for (?P<region>[A-Z0-9]+)$"), "reason.local_only_for"),
    (re.compile(r"not an assigned (?P<region>[A-Z0-9]+) number range$"), "reason.unassigned"),
]
_PLAIN_DETAILS = {
    "unknown country calling code": "reason.unknown_code_bare",
    "not a phone number": "reason.not_a_number",
    "too short after the international prefix": "reason.too_short_after_idd",
    "too short": "reason.too_short",
    "too long": "reason.too_long",
}
_UNKNOWN_CODE = re.compile(r"unknown country calling code (?P<code>\+\d+)$")
_INVALID_READ = re.compile(
    r"invalid number: (?P<detail>.+) \((?P<raw>'.*'), read as (?P<e164>\+\d+)\)$", re.DOTALL
)
_NON_GEO = re.compile(
    r"invalid number: (?P<code>\+\d+) is a non-geographic \(global service\) "
    r"code, not a country's \((?P<raw>'.*')\)$",
    re.DOTALL,
)
_INVALID = re.compile(r"invalid number: (?P<detail>.+) \((?P<raw>'.*')\)$", re.DOTALL)
_SIMPLE: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"more fields than the header: (?P<extra>.*) \(a delimiter inside an unquoted "
            r"value\?\)$",
            re.DOTALL,
        ),
        "reason.extra_fields",
    ),
    (re.compile(r"duplicate in file: same number as line (?P<line>\d+)$"), "reason.duplicate_in_file"),
    (
        re.compile(r"duplicate of existing contact: id \d+ \((?P<phone>\+\d+)\)$"),
        "reason.already_in_workspace",
    ),
    (re.compile(r"not a verified number \(trial account\)$"), "reason.not_verified"),
    (re.compile(r"unknown country$"), "reason.unknown_country"),
    (re.compile(r"missing phone$"), "reason.missing_phone"),
    (re.compile(r"no value for (?P<field>\{.*\})$"), "reason.no_value"),
    (re.compile(r"erased at its holder's request \(LGPD\).*$"), "lgpd.reason_erased"),
]
_OPTED_OUT = re.compile(r"opted out \((?P<why>.*)\)$", re.DOTALL)
_NO_SMS = re.compile(r"(?P<kind>[a-z ]+): cannot receive SMS$")
_NO_PRICE = re.compile(r"no price for (?P<region>[A-Z]{2}) in the price list of (?P<date>.+)$")


def _detail(text: str, lang: str) -> str:
    if text in _PLAIN_DETAILS:
        return translate(_PLAIN_DETAILS[text], lang)
    if m := _UNKNOWN_CODE.match(text):
        return translate("reason.unknown_code", lang, code=m.group("code"))
    for pattern, key in _DETAILS:
        if m := pattern.match(text):
            return translate(key, lang, **_country(lang)(m))
    return text


def reason(text: str, lang: str) -> str:
    """One of smscore's reasons (import rejections, quote exclusions) in `lang`; a reason this
    module does not know is shown as smscore worded it rather than lost."""
    if m := _NON_GEO.match(text):
        return translate("reason.non_geographic", lang, code=m.group("code"), raw=m.group("raw"))
    if m := _INVALID_READ.match(text):
        return translate(
            "reason.invalid_read_as",
            lang,
            detail=_detail(m.group("detail"), lang),
            raw=m.group("raw"),
            e164=m.group("e164"),
        )
    if m := _INVALID.match(text):
        return translate("reason.invalid", lang, detail=_detail(m.group("detail"), lang), raw=m.group("raw"))
    if m := _OPTED_OUT.match(text):
        return translate("reason.opted_out", lang, why=word("reason", m.group("why"), lang))
    if m := _NO_SMS.match(text):
        return translate("reason.no_sms", lang, kind=word("number_type", m.group("kind"), lang))
    if m := _NO_PRICE.match(text):
        return translate("reason.no_price", lang, **_country(lang)(m), date=m.group("date"))
    for pattern, key in _SIMPLE:
        if m := pattern.match(text):
            return translate(key, lang, **m.groupdict())
    return text
