"""Phone numbers: E.164 form and ISO country, exactly as `phonenumbers` decides them, but fast.

`phonenumbers.parse` + `is_valid_number` cost about 20 µs a number, 20 s for a million-row
import. So the bulk of a column is decided in DuckDB by SQL generated from the installed
phonenumbers metadata (international prefix, national-prefix rules, calling codes, and the
per-region validation patterns with their possible lengths), and only the rows that SQL cannot
decide, or rejects, go through phonenumbers itself (which also says *why* a number is invalid).
The SQL follows phonenumbers' parse steps one by one; tests compare the two on every region.

One documented addition to phonenumbers' semantics: a number written with a leading `00` that is
invalid for the default country is read as `+` and the rest (`0044 20 7946 0958` with default BR
is +442079460958), because `00` is the international prefix almost everywhere and Brazil's own
international prefix includes a carrier code (`0021 44 …`), which phonenumbers insists on.
Non-geographic numbers (+800, +882 …) belong to no country and are rejected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import duckdb
import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, ValidationResult
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS

_GEOGRAPHIC = frozenset(cc for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items()
                        if "001" not in regions)

# The SQL path reads only digits, spaces, ( ) . - and a leading +. Anything else (letters,
# extensions, `,`/`;` dialling pauses, non-ASCII digits) is left to phonenumbers.


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
        raise ValueError(f"default country must be an ISO 3166 code phonenumbers knows "
                         f"(e.g. BR, US, PT); got {region!r}")
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


def normalise_reason(raw: str | None, default_country: str) -> Phone | str:
    """Like `normalise`, but returns the reason text instead of raising (for bulk use)."""
    region = check_region(default_country)
    text = (raw or "").strip()
    if not text:
        return "missing phone"
    first = _parse(text, text, region)
    if isinstance(first, Phone):
        return first
    digits = re.sub(r"[^0-9]", "", text)
    if not text.startswith("+") and digits.startswith("00"):
        second = _parse("+" + digits[2:], text, region)
        if isinstance(second, Phone):
            return second
    return first


def _parse(text: str, shown: str, region: str) -> Phone | str:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return f"invalid number: {_PARSE_ERRORS.get(exc.error_type, str(exc))} ({shown!r})"
    if not phonenumbers.is_valid_number(number):
        return _why_invalid(number, shown)
    if number.country_code not in _GEOGRAPHIC:
        return (f"invalid number: +{number.country_code} is a non-geographic (global service) "
                f"code, not a country's ({shown!r})")
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 phonenumbers.region_code_for_number(number))


_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "unknown country calling code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


def _why_invalid(number: phonenumbers.PhoneNumber, text: str) -> str:
    region = (phonenumbers.region_code_for_number(number)
              or phonenumbers.region_code_for_country_code(number.country_code))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    detail = {
        ValidationResult.TOO_SHORT: f"too short for {region}",
        ValidationResult.TOO_LONG: f"too long for {region}",
        ValidationResult.INVALID_LENGTH: f"wrong number of digits for {region}",
        ValidationResult.IS_POSSIBLE_LOCAL_ONLY: f"local number without area code for {region}",
        ValidationResult.INVALID_COUNTRY_CODE: f"unknown country calling code +{number.country_code}",
    }.get(phonenumbers.is_possible_number_with_reason(number),
          f"not an assigned {region} number range")
    return f"invalid number: {detail} ({text!r}, read as {e164})"


# ---------------------------------------------------------------------------------------------
# Bulk: SQL first, phonenumbers for the rest.

def normalise_column(con: duckdb.DuckDBPyConnection, source: str, default_country: str,
                     target: str) -> int:
    """Create temp table `target(key, e164, country, reason)` for table `source(key, raw)`.

    SQL decides the valid numbers; phonenumbers (`normalise_reason`) handles every other row,
    once per distinct raw text, so each reason is phonenumbers' own. Returns how many distinct
    texts went the slow way. `source` and `target` are identifiers chosen by the caller.
    """
    region = check_region(default_country)
    normalise_sql(con, source, region, f"{target}_fast")
    pending = con.execute(
        f"SELECT DISTINCT s.raw FROM {source} s JOIN {target}_fast f USING (key) "
        "WHERE f.status = 'check'").fetchall()
    rows = [(raw, *_as_row(normalise_reason(raw, region))) for (raw,) in pending]
    slow = pd.DataFrame(rows, columns=["raw", "e164", "country", "reason"], dtype=object)
    con.register(f"{target}_slow", slow)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {target} AS
            SELECT f.key,
                   CASE WHEN f.status = 'valid' THEN f.e164 ELSE p.e164 END AS e164,
                   CASE WHEN f.status = 'valid' THEN f.country ELSE p.country END AS country,
                   CASE WHEN f.status = 'check' AND p.e164 IS NULL
                        THEN coalesce(p.reason, 'missing phone') END AS reason
            FROM {target}_fast f JOIN {source} s USING (key)
            LEFT JOIN {target}_slow p ON f.status = 'check' AND p.raw = s.raw""")
    finally:
        con.unregister(f"{target}_slow")
        con.execute(f"DROP TABLE IF EXISTS {target}_fast")
    return len(rows)


def _as_row(result: Phone | str) -> tuple[str | None, str | None, str | None]:
    if isinstance(result, Phone):
        return result.e164, result.country, None
    return None, None, result


# ---------------------------------------------------------------------------------------------
# Metadata, read once from the installed phonenumbers.

@dataclass(frozen=True)
class Desc:
    """One number pattern of a region with the lengths it allows (empty: any length)."""

    pattern: str
    lengths: tuple[int, ...]


@dataclass(frozen=True)
class RegionRules:
    """What the SQL path needs of one region's phonenumbers metadata."""

    region: str
    calling_code: str
    idd: str | None
    national_prefix: str | None          # national_prefix_for_parsing
    transform: str | None                # national_prefix_transform_rule
    prefix_groups: int
    general: Desc
    local_lengths: tuple[int, ...]
    types: tuple[Desc, ...]              # a number is valid if it matches any of these
    leading_digits: str | None


# The number types of phonenumbers' _number_type_helper, the common ones first (validity does
# not depend on the order); mobile is skipped when it shares fixed_line's pattern, as there.
_TYPE_FIELDS = ("mobile", "fixed_line", "premium_rate", "toll_free", "shared_cost", "voip",
                "personal_number", "pager", "uan", "voicemail")


def _desc(desc: object) -> Desc | None:
    pattern = getattr(desc, "national_number_pattern", None)
    if not pattern:
        return None
    lengths = tuple(desc.possible_length or ())
    if lengths == (-1,):
        return None
    return Desc(pattern, lengths)


@lru_cache(maxsize=None)
def region_rules(region: str) -> RegionRules:
    """The rules of one region, cached for the life of the process."""
    md = PhoneMetadata.metadata_for_region(region)
    fields = [f for f in _TYPE_FIELDS
              if not (f == "mobile" and md.same_mobile_and_fixed_line_pattern)]
    types = tuple(d for d in (_desc(getattr(md, f)) for f in fields) if d is not None)
    prefix = md.national_prefix_for_parsing or None
    return RegionRules(
        region=region, calling_code=str(md.country_code), idd=md.international_prefix or None,
        national_prefix=prefix, transform=md.national_prefix_transform_rule or None,
        prefix_groups=re.compile(prefix).groups if prefix else 0,
        general=Desc(md.general_desc.national_number_pattern,
                     tuple(md.general_desc.possible_length)),
        local_lengths=tuple(md.general_desc.possible_length_local_only or ()),
        types=types, leading_digits=md.leading_digits or None)


@lru_cache(maxsize=1)
def calling_codes() -> dict[str, tuple[str, ...]]:
    """Geographic calling code -> its regions, main region first (+800 and the like left out)."""
    return {str(cc): tuple(COUNTRY_CODE_TO_REGION_CODE[cc]) for cc in sorted(_GEOGRAPHIC)}


# ---------------------------------------------------------------------------------------------
# SQL generation. Patterns are phonenumbers' own metadata, never user input, so they are inlined
# as literals: DuckDB compiles a constant regex once, while a regex read from a joined column is
# compiled again for every row.

def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ints(values: Iterable[int]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def _full(col: str, pattern: str) -> str:
    return f"regexp_full_match({col}, {_lit(pattern)})"


def _matches_desc(col: str, desc: Desc) -> str:
    """The length test first, so the regex runs only on numbers of a possible length."""
    test = _full(col, desc.pattern)
    if not desc.lengths:
        return test
    return f"CASE WHEN length({col}) IN {_ints(desc.lengths)} THEN {test} ELSE false END"


def _valid_sql(col: str, rules: RegionRules) -> str:
    """phonenumbers' is_valid_number_for_region on a national significant number.

    Validity only asks whether *some* type matches, so types sharing their lengths are merged
    into one regex, mobile and fixed line (the usual answers) are tried first, and CASE makes
    DuckDB stop at the first answer instead of evaluating every branch.
    """
    merged: dict[tuple[int, ...], list[str]] = {}
    for desc in rules.types:
        merged.setdefault(desc.lengths, []).append(f"(?:{desc.pattern})")
    if not merged:
        return "false"
    whens = " ".join(f"WHEN {_matches_desc(col, Desc('|'.join(ps), lengths))} THEN true"
                     for lengths, ps in merged.items())
    return (f"CASE WHEN NOT ({_matches_desc(col, rules.general)}) THEN false "
            f"{whens} ELSE false END")


def _length_ok_sql(col: str, rules: RegionRules, too_long_only: bool = False) -> str:
    """_test_number_length gives IS_POSSIBLE or TOO_LONG (or, with too_long_only, TOO_LONG)."""
    lengths = rules.general.lengths
    local = f"length({col}) NOT IN {_ints(rules.local_lengths)} AND " if rules.local_lengths else ""
    too_long = f"length({col}) > {max(lengths)}"
    if too_long_only:
        return f"({local}{too_long})"
    return f"({local}(length({col}) IN {_ints(lengths)} OR {too_long}))"


def _strip_sql(col: str, rules: RegionRules) -> str:
    """_maybe_strip_national_prefix_carrier_code: the number with its national prefix removed."""
    if not rules.national_prefix:
        return col
    pattern = _lit("^(?:" + rules.national_prefix + ")")
    matched = f"regexp_extract({col}, {pattern}, 0)"
    stripped = f"substr({col}, length({matched}) + 1)"
    if rules.transform:
        last_group = f"regexp_extract({col}, {pattern}, {rules.prefix_groups})"
        # Python strips the match when the last group took no part; RE2 would substitute ''.
        # (In every region's rule the last group is non-empty when it takes part.)
        stripped = (f"CASE WHEN {last_group} <> '' THEN regexp_replace({col}, {pattern}, "
                    f"{_lit(rules.transform)}) ELSE {stripped} END")
    general = rules.general.pattern
    return (f"CASE WHEN {matched} = '' THEN {col} "
            f"WHEN {_full(col, general)} AND NOT {_full(f'({stripped})', general)} THEN {col} "
            f"ELSE {stripped} END")


def _region_sql(cc: str, col: str) -> str:
    """region_code_for_number, then is_valid_number: the ISO code of a valid number, else NULL."""
    regions = calling_codes()[cc]
    branches = []
    for region in regions:
        rules = region_rules(region)
        valid = _valid_sql(col, rules)
        if len(regions) > 1 and rules.leading_digits:
            picked = f"regexp_matches({col}, {_lit('^(?:' + rules.leading_digits + ')')})"
            branches.append(f"WHEN {picked} THEN CASE WHEN {valid} THEN {_lit(region)} END")
        else:
            branches.append(f"WHEN {valid} THEN {_lit(region)}")
    return "CASE " + " ".join(branches) + " END"


def _cc_sql(col: str) -> str:
    """_extract_country_code: the 1-3 digit prefix that is a calling code (they are prefix-free)."""
    parts = []
    for size in (1, 2, 3):
        codes = sorted(cc for cc in calling_codes() if len(cc) == size)
        parts.append(f"WHEN substr({col}, 1, {size}) IN ({', '.join(map(_lit, codes))}) "
                     f"THEN substr({col}, 1, {size})")
    return "CASE " + " ".join(parts) + " END"


def _case(col: str, branches: dict[str, str]) -> str:
    """CASE col WHEN 'k' THEN expr ... END; NULL when there are no branches."""
    if not branches:
        return "NULL"
    return f"CASE {col} " + " ".join(f"WHEN {_lit(k)} THEN {v}" for k, v in branches.items()) + " END"


def normalise_sql(con: duckdb.DuckDBPyConnection, source: str, default_country: str,
                  target: str) -> None:
    """Decide the numbers of table `source(key, raw)` into temp table `target`.

    `target` gets (key, e164, country, status) with status 'valid' (e164/country exactly as
    phonenumbers gives them) or 'check' (invalid or undecided: ask `normalise_reason`).
    Only the calling codes present in the data get SQL, which keeps the statement small.
    Each step is its own temp table: DuckDB inlines CTEs, which would evaluate the regexes of
    a column once per use.
    """
    rules = region_rules(check_region(default_country))
    steps = [f"{target}_{i}" for i in range(5)]
    for step, sql in zip(steps, _candidate_steps(source, rules, steps)):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {step} AS {sql}")
    cand = steps[-1]
    present = [r[0] for r in con.execute(
        f"SELECT DISTINCT cc FROM {cand} WHERE cc IS NOT NULL ORDER BY cc").fetchall()]
    main = {cc: region_rules(calling_codes()[cc][0]) for cc in present}
    stripped = _case("cc", {cc: _strip_sql("nat", r) for cc, r in main.items()})
    kept = _case("cc", {cc: f"CASE WHEN {_length_ok_sql('s', r)} THEN s ELSE nat END"
                        for cc, r in main.items()})
    country = _case("cc", {cc: _region_sql(cc, "nsn") for cc in present})
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {steps[0]} AS
        SELECT key, variant, cc, nat, {stripped} AS s FROM {cand}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {steps[1]} AS
        SELECT key, variant, cc, {kept} AS nsn FROM {steps[0]}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {steps[2]} AS
        SELECT key, variant, cc, '+' || cc || nsn AS e164, {country} AS country
        FROM {steps[1]}""")
    # Variant 1 rows are few (numbers written with 00), so a join beats grouping every row.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT s.key,
               CASE WHEN v0.country IS NOT NULL THEN v0.e164
                    WHEN v0.cc IS NOT NULL AND v1.country IS NOT NULL THEN v1.e164 END AS e164,
               CASE WHEN v0.country IS NOT NULL THEN v0.country
                    WHEN v0.cc IS NOT NULL THEN v1.country END AS country,
               CASE WHEN v0.country IS NOT NULL
                         OR (v0.cc IS NOT NULL AND v1.country IS NOT NULL) THEN 'valid'
                    ELSE 'check' END AS status
        FROM {source} s
        LEFT JOIN (SELECT * FROM {steps[2]} WHERE variant = 0) v0 USING (key)
        LEFT JOIN (SELECT * FROM {steps[2]} WHERE variant = 1) v1 USING (key)""")
    for step in steps:
        con.execute(f"DROP TABLE IF EXISTS {step}")


def _candidate_steps(source: str, rules: RegionRules, steps: list[str]) -> list[str]:
    """Per raw number, variant 0 (as written) and variant 1 (leading 00 read as +).

    The last step gives the calling code `cc` (NULL: undecided) and the national number before
    the final prefix stripping, following phonenumbers' _maybe_extract_country_code. Variant 1
    only counts when variant 0 is decided and invalid, as in `normalise_reason`. The simple-form
    test uses translate() rather than a regex: it runs on every row.
    """
    cc_default = rules.calling_code
    idd = (f"regexp_extract(d, {_lit('^(?:' + rules.idd + ')')}, 0)" if rules.idd else "''")
    pattern = rules.general.pattern
    return [
        f"""SELECT key, t[1] = '+' AS plus,
                   CASE WHEN regexp_full_match(t, '[0-9]+') THEN t
                        WHEN regexp_full_match(t, '\\+[0-9]+') THEN substr(t, 2)
                        ELSE regexp_replace(t, '[^0-9]', '', 'g') END AS d
            FROM (SELECT key, trim(raw) AS t FROM {source})
            WHERE regexp_full_match(t, '\\+?[0-9 ().\\-]{{1,40}}')""",
        f"""SELECT *, CASE WHEN plus THEN '' ELSE {idd} END AS i FROM (
                SELECT key, 0 AS variant, plus, d FROM {steps[0]}
                UNION ALL
                SELECT key, 1, true, substr(d, 3) FROM {steps[0]}
                WHERE NOT plus AND starts_with(d, '00'))""",
        f"""SELECT key, variant, d,
                   CASE WHEN plus THEN d
                        WHEN i <> '' AND substr(d, length(i) + 1, 1) <> '0'
                        THEN substr(d, length(i) + 1) END AS intl
            FROM {steps[1]}""",
        f"""SELECT key, variant, d, intl, {_cc_sql('intl')} AS icc,
                   CASE WHEN intl IS NULL AND starts_with(d, {_lit(cc_default)})
                        THEN {_strip_sql(f"substr(d, {len(cc_default) + 1})", rules)} END AS pn
            FROM {steps[2]}""",
        f"""SELECT key, variant,
                   CASE WHEN intl IS NULL THEN {_lit(cc_default)}
                        WHEN length(intl) > 2 THEN icc END AS cc,
                   CASE WHEN intl IS NOT NULL THEN substr(intl, length(icc) + 1)
                        WHEN pn IS NULL THEN d
                        WHEN NOT {_full('d', pattern)} AND {_full('pn', pattern)} THEN pn
                        WHEN {_length_ok_sql('d', rules, too_long_only=True)} THEN pn
                        ELSE d END AS nat
            FROM {steps[3]}""",
    ]
