"""A stored number's type (mobile, fixed line, toll free ...) as phonenumbers' metadata says,
and which types cannot receive SMS.

Twilio accepts a message to a fixed line and bills it; the carrier then drops it (30006,
"landline or unreachable carrier"). Brazilian CRM exports carry many office numbers, so each
contact's type is kept and batches leave out the types that cannot receive SMS.

`phonenumbers.number_type` costs ~15 µs a number, 15 s for a million contacts, so a whole
column is typed in DuckDB by SQL generated from the same metadata, in `number_type_helper`'s
order (premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, then fixed
line, mobile): each type's pattern behind a letter for its allowed lengths, as the SQL of
`phonesql` tests validity. Regions with few rows go through phonenumbers (building their SQL
costs more than it saves). A differential test holds the two to the same answer.

Below the store (the schema's migration types existing contacts with it) and the contacts
(the importer types new ones), so it reads phonenumbers' metadata itself.
"""

from __future__ import annotations

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

# number_type_helper's order up to the fixed line.
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
    typed = [c.strip() for c in text.replace(";", ",").replace(" ", ",").split(",") if c.strip()]
    for code in typed:
        if len(code) != 2 or not code.isalpha() or not code.isascii():
            raise ValueError(f"a country is an ISO code of two letters (DE, GB); got {code!r}")
    return tuple(dict.fromkeys(c.upper() for c in typed))


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
    letters = "[" + "".join(chr(64 + n) for n in lengths if n > 0) + "]" if lengths else "."
    return f"{letters}(?:{pattern})"


def _metadata(region: str) -> PhoneMetadata:
    md = PhoneMetadata.metadata_for_region(region)
    if md is None:
        raise ValueError(f"phonenumbers has no metadata for region {region!r}")
    return md


@cache
def _region_sql(region: str, e164: str) -> str:
    """number_type_helper for one region's numbers, as a CASE of regex tests without captures
    (RE2 answers those with its DFA: one alternation of every type as capture groups, whose
    first matching group is the type, cost 2.2 s per 939k numbers against 0.6 s).

    Most numbers are mobiles or fixed lines, so the rarer types come first as one test of
    their union, and only a number matching it is tested type by type, in phonenumbers' order.
    """
    md = _metadata(region)
    text = _text(e164, str(md.country_code))
    before = [(name, b) for name in _BEFORE_FIXED if (b := _branch(getattr(md, name)))]
    fixed, mobile = _branch(md.fixed_line), _branch(md.mobile)
    same = md.same_mobile_and_fixed_line_pattern

    def test(branch: str) -> str:
        return f"regexp_full_match({text}, {_lit(branch)})"

    whens = []
    if before:
        each = " ".join(f"WHEN {test(b)} THEN {_lit(name)}" for name, b in before)
        union = "|".join(f"(?:{b})" for _, b in before)
        whens.append(f"WHEN {test(union)} THEN CASE {each} END")
    if fixed:
        if same or not mobile:
            kind = _lit(FIXED_LINE_OR_MOBILE) if same else _lit(FIXED_LINE)
        else:
            kind = f"CASE WHEN {test(mobile)} THEN {_lit(FIXED_LINE_OR_MOBILE)} ELSE {_lit(FIXED_LINE)} END"
        whens.append(f"WHEN {test(fixed)} THEN {kind}")
    if mobile and not same:
        whens.append(f"WHEN {test(mobile)} THEN {_lit(MOBILE)}")
    return f"CASE {' '.join(whens)} ELSE {_lit(UNKNOWN)} END"


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
    whens = " ".join(f"WHEN {_lit(r)} THEN {_region_sql(r, e164)}" for r in regions)
    return f"(CASE {country} {whens} END)::VARCHAR"


def common_regions(con: duckdb.DuckDBPyConnection, source: str, country: str = "country") -> list[str]:
    """The regions of `source` (a table or subquery) with RARE_ROWS rows or more."""
    rows = con.execute(
        f"SELECT {country} FROM {source} WHERE {country} IS NOT NULL GROUP BY ALL HAVING count(*) >= ?",
        [RARE_ROWS],
    ).fetchall()
    return [r[0] for r in rows]


def fill_rare(con: duckdb.DuckDBPyConnection, table: str, column: str = "e164", where: str = "TRUE") -> int:
    """Type, by phonenumbers, the numbers (`column`, E.164) of `table` that SQL left untyped
    (the rare regions); returns how many distinct numbers that was. A number phonenumbers
    cannot read at all is 'unknown'. `table`, `column` and `where` are the caller's SQL."""
    pending = con.execute(
        f"SELECT DISTINCT {column} FROM {table} WHERE number_type IS NULL AND {column} IS NOT NULL AND {where}"
    ).fetchall()
    if not pending:
        return 0
    typed = pd.DataFrame([(p, _safe_type(p)) for (p,) in pending], columns=["number", "t"], dtype=object)
    name = f"_{table}_types"
    con.register(name, typed)
    try:
        con.execute(f"""UPDATE {table} SET number_type = p.t FROM {name} p
                        WHERE {table}.number_type IS NULL AND {table}.{column} = p.number""")
    finally:
        con.unregister(name)
    return len(pending)


def _safe_type(e164: str) -> str:
    try:
        return number_type(e164)
    except phonenumbers.NumberParseException:
        return UNKNOWN


def type_contacts(con: duckdb.DuckDBPyConnection) -> None:
    """Type every stored contact that has no type yet (schema migration 14): SQL for the
    common regions, phonenumbers for the others."""
    untyped = "(SELECT country FROM contacts WHERE number_type IS NULL)"
    expr = type_sql(common_regions(con, untyped), "phone", "country")
    con.execute(f"UPDATE contacts SET number_type = {expr} WHERE number_type IS NULL")
    fill_rare(con, "contacts", "phone", "phone LIKE '+%'")
