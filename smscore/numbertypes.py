"""A stored number's type (mobile, fixed line, toll free ...) as phonenumbers' metadata says,
and which types cannot receive SMS.

Twilio accepts a message to a fixed line and bills it; the carrier then drops it (30006,
"landline or unreachable carrier"). Brazilian CRM exports carry many office numbers, so each
contact's type is kept and batches leave out the types that cannot receive SMS.

`phonenumbers.number_type` costs ~15 µs a number, 15 s for a million contacts, so a whole
column is typed in DuckDB by SQL generated from the same metadata (`number_type_helper`'s
order: premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, then fixed
line, mobile), one regex a row: the types' patterns, each behind a letter for its allowed
lengths, as the capture groups of one alternation, whose first matching branch is the type.
Countries with few rows go through phonenumbers (building their SQL costs more). A
differential test holds the two to the same answer.

Below the store (the schema's migration types existing contacts with it) and the contacts
(the importer types new ones), so it reads phonenumbers' metadata itself.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from functools import cache

import duckdb
import pandas as pd
import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType

MOBILE = "mobile"
FIXED_LINE = "fixed_line"
FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
UNKNOWN = "unknown"
# The stored words, phonenumbers' PhoneNumberType names in lower case.
NAMES = {
    PhoneNumberType.FIXED_LINE: FIXED_LINE,
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: FIXED_LINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: UNKNOWN,
}
# Types whose numbers cannot receive a text message: batches leave them out (a fixed line is
# included for the countries an admin names, whose carriers read SMS aloud to landlines).
NO_SMS = ("fixed_line", "premium_rate", "shared_cost", "uan", "voicemail")
# How a left-out recipient's reason reads, in the quote, the CLI and the send log.
NO_SMS_REASONS = {t: t.replace("_", " ") + ": cannot receive SMS" for t in NO_SMS}
# A calling code's region with fewer rows than this is typed by phonenumbers (see the docstring).
RARE_ROWS = 100

# number_type_helper's order up to the fixed line; the field names of the capture groups.
_BEFORE_FIXED = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)
_GROUPS = (*_BEFORE_FIXED, FIXED_LINE, MOBILE)
_NEVER = "(!)"  # a group that never matches: the text is a letter and digits


def number_type(e164: str) -> str:
    """The type of one stored (valid, E.164) number, by phonenumbers itself."""
    return NAMES[phonenumbers.number_type(phonenumbers.parse(e164))]


def receives_sms(number_type: str | None, country: str | None, fixed_lines_in: Collection[str] = ()) -> bool:
    """Whether a number of this type may be sent to (an untyped one is, as before types)."""
    if number_type == FIXED_LINE and country in fixed_lines_in:
        return True
    return number_type not in NO_SMS


def parse_countries(text: str) -> tuple[str, ...]:
    """`DE, gb` -> ('DE', 'GB'): the fixed-lines setting as typed; raises ValueError naming a
    code that is not two letters."""
    codes = [c.strip().upper() for c in text.replace(";", ",").replace(" ", ",").split(",") if c.strip()]
    for code in codes:
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise ValueError(f"a country is an ISO code of two letters (DE, GB); got {code!r}")
    return tuple(dict.fromkeys(codes))


# ---------------------------------------------------------------------------------------------
# SQL. Patterns are phonenumbers' metadata, never user input, so they are inlined as literals.


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _branch(desc: object) -> str | None:
    """A desc's pattern behind a letter for its lengths (chr(64 + n): 10 digits is J), or None
    for a type the region does not have (no pattern, or possible lengths [-1])."""
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = tuple(desc.possible_length or ())  # type: ignore[attr-defined]
    if lengths == (-1,):
        return None
    if re.compile(pattern).groups:  # would shift the groups `type_sql` reads by position
        raise ValueError(f"a capturing group in phonenumbers' pattern {pattern!r}")
    letters = "[" + "".join(chr(64 + n) for n in lengths if n > 0) + "]" if lengths else "."
    return f"{letters}(?:{pattern})"


def _metadata(region: str) -> PhoneMetadata:
    md = PhoneMetadata.metadata_for_region(region)
    if md is None:
        raise ValueError(f"phonenumbers has no metadata for region {region!r}")
    return md


@cache
def _region_regex(region: str) -> tuple[str, str]:
    """(calling code, the alternation of the region's types as capture groups, in _GROUPS order).

    The first group that takes part is number_type_helper's first matching type, since RE2
    prefers the earlier branch of an alternation. Mobile is a group of its own, after fixed
    line, and also a second test for numbers matching fixed line (`_mobile_regex`).
    """
    md = _metadata(region)
    groups = []
    for name in _GROUPS:
        branch = _branch(getattr(md, name))
        if name == MOBILE and md.same_mobile_and_fixed_line_pattern:
            branch = None
        groups.append(f"({branch})" if branch else _NEVER)
    return str(md.country_code), "^(?:" + "|".join(groups) + ")$"


@cache
def _mobile_regex(region: str) -> str | None:
    """The mobile test of a number that matched fixed line: None when a fixed line of the
    region is always 'fixed line or mobile' (the same pattern), '' when it has no mobiles."""
    md = _metadata(region)
    if md.same_mobile_and_fixed_line_pattern:
        return None
    branch = _branch(md.mobile)
    return f"^{branch}$" if branch else ""


def _text(e164: str, cc: str) -> str:
    """The national significant number behind the letter of its length."""
    nsn = f"substr({e164}, {len(cc) + 2})"
    return f"chr(CAST(64 + length({nsn}) AS INTEGER)) || {nsn}"


def type_sql(regions: Iterable[str], e164: str = "e164", country: str = "country") -> str:
    """An SQL expression: the type of each valid stored number of these regions, NULL for
    other regions (typed by `fill_rare`). Reads `e164` and `country` columns."""
    regions = sorted(set(regions))
    if not regions:
        return "NULL::VARCHAR"
    names = "[" + ", ".join(_lit(g) for g in _GROUPS) + "]"
    extract = " ".join(
        f"WHEN {_lit(r)} THEN regexp_extract({_text(e164, cc)}, {_lit(rx)}, {names})"
        for r in regions
        for cc, rx in [_region_regex(r)]
    )
    fixed_or_mobile = []
    for r in regions:
        mobile = _mobile_regex(r)
        if mobile is None:
            fixed_or_mobile.append(f"WHEN {_lit(r)} THEN {_lit(FIXED_LINE_OR_MOBILE)}")
        elif mobile:
            test = f"regexp_full_match({_text(e164, _region_regex(r)[0])}, {_lit(mobile[1:-1])})"
            fixed_or_mobile.append(
                f"WHEN {_lit(r)} THEN CASE WHEN {test} THEN {_lit(FIXED_LINE_OR_MOBILE)} "
                f"ELSE {_lit(FIXED_LINE)} END"
            )
    fixed = (
        f"CASE {country} {' '.join(fixed_or_mobile)} ELSE {_lit(FIXED_LINE)} END"
        if fixed_or_mobile
        else _lit(FIXED_LINE)
    )
    # The struct is bound once by the lambda, whose CASE reads its groups in order.
    whens = " ".join(f"WHEN g.{name} <> '' THEN {_lit(name)}" for name in _BEFORE_FIXED)
    pick = (
        f"CASE WHEN g IS NULL THEN NULL {whens} WHEN g.{FIXED_LINE} <> '' THEN {fixed} "
        f"WHEN g.{MOBILE} <> '' THEN {_lit(MOBILE)} ELSE {_lit(UNKNOWN)} END"
    )
    struct = f"CASE {country} {extract} END"
    return f"list_transform([{struct}], lambda g: {pick})[1]::VARCHAR"


def common_regions(con: duckdb.DuckDBPyConnection, source: str, country: str = "country") -> list[str]:
    """The regions of `source` (a table or subquery) with RARE_ROWS rows or more."""
    rows = con.execute(
        f"SELECT {country} FROM {source} WHERE {country} IS NOT NULL GROUP BY ALL HAVING count(*) >= ?",
        [RARE_ROWS],
    ).fetchall()
    return [r[0] for r in rows]


def fill_rare(con: duckdb.DuckDBPyConnection, table: str, where: str = "TRUE") -> int:
    """Type, by phonenumbers, the numbers of `table(phone or e164, number_type)` SQL left
    untyped (rare regions); returns how many. `table` has an `e164` column."""
    pending = con.execute(
        f"SELECT DISTINCT e164 FROM {table} WHERE number_type IS NULL AND e164 IS NOT NULL AND {where}"
    ).fetchall()
    if not pending:
        return 0
    typed = pd.DataFrame([(p, number_type(p)) for (p,) in pending], columns=["e164", "t"], dtype=object)
    name = f"{table}_types"
    con.register(name, typed)
    try:
        con.execute(f"""UPDATE {table} SET number_type = p.t FROM {name} p
                        WHERE {table}.number_type IS NULL AND {table}.e164 = p.e164""")
    finally:
        con.unregister(name)
    return len(pending)


def type_contacts(con: duckdb.DuckDBPyConnection) -> None:
    """Type every stored contact that has no type yet (schema migration 14): SQL for the
    common regions, phonenumbers for the others."""
    untyped = "(SELECT country FROM contacts WHERE number_type IS NULL)"
    expr = type_sql(common_regions(con, untyped), "phone", "country")
    con.execute(f"UPDATE contacts SET number_type = {expr} WHERE number_type IS NULL")
    pending = con.execute(
        "SELECT DISTINCT phone FROM contacts WHERE number_type IS NULL AND phone LIKE '+%'"
    ).fetchall()
    if not pending:
        return
    rows = []
    for (phone,) in pending:
        try:
            rows.append((phone, number_type(phone)))
        except phonenumbers.NumberParseException:
            rows.append((phone, UNKNOWN))
    con.register("_contact_types", pd.DataFrame(rows, columns=["phone", "t"], dtype=object))
    try:
        con.execute("""UPDATE contacts SET number_type = p.t FROM _contact_types p
                       WHERE contacts.number_type IS NULL AND contacts.phone = p.phone""")
    finally:
        con.unregister("_contact_types")
