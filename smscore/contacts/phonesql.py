"""Phone numbers in bulk: a column decided in DuckDB as `phones.normalise_reason` would.

`phonenumbers.parse` + `is_valid_number` cost about 20 µs a number, 20 s for a million-row
import. So the bulk of a column is decided in DuckDB by SQL generated from the installed
phonenumbers metadata (`phonerules`: international prefix, national-prefix rules, calling codes,
and the per-region validation patterns with their possible lengths). SQL also words the reason
of an invalid number when it is sure of phonenumbers' words (too short/long, not an assigned
range). A text SQL cannot read as written (letters, extensions, labels, digits of other
scripts, odd spaces) is first reduced to the digits phonenumbers' first parse steps leave
(`phones.read_texts`), which SQL reads like any other. Only what is left (unknown or rare
calling codes, a `00` followed by no code) goes through phonenumbers whole. The SQL follows
phonenumbers' parse steps one by one; tests compare the two, reasons included, and a
differential test over messy numbers of many default countries finds no row where they differ.

Its own module, apart from `phones` (the one-number reference it is tested against), because
generating SQL is a concept of its own and the two together were too long to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import duckdb
import pandas as pd
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from smscore.contacts.phonerules import RegionRules, calling_codes, region_rules
from smscore.contacts.phones import Phone, check_region, normalise_reason, read_texts

# The SQL path reads only digits, spaces, ( ) . - and a leading +. A text with anything else
# (letters, extensions, `,`/`;` dialling pauses, non-ASCII digits, odd spaces) is first reduced
# by phonenumbers' own first parse steps to what they leave (`canonical`), which SQL then reads.
SIMPLE_TEXT = "\\+?[0-9 ().\\-]{1,40}"

# A calling code with fewer rows than this is left to phonenumbers: its SQL (patterns of every
# region under it) costs more to build and compile (~4 ms a code, measured on a 200k-row messy
# file of 85 codes, 56 of them under 300 rows) than phonenumbers takes for its rows (~35 µs each).
RARE_CODE_ROWS = 100


def normalise_column(
    con: duckdb.DuckDBPyConnection,
    source: str,
    default_country: str,
    target: str,
    rare_code_rows: int = RARE_CODE_ROWS,
) -> int:
    """Create temp table `target(key, e164, country, reason)` for table `source(key, raw)`.

    SQL decides the valid numbers and words the reasons it is sure of; phonenumbers
    (`normalise_reason`) decides the rest (letters, extensions, unknown codes ...), once per
    distinct raw text. Returns how many distinct texts went the slow way. `source` and
    `target` are identifiers chosen by the caller.
    """
    region = check_region(default_country)
    normalise_sql(con, source, region, target, rare_code_rows)
    pending = con.execute(f"SELECT DISTINCT raw FROM {target} WHERE status = 'check'").fetchall()
    if pending:
        rows = [(raw, *_as_row(normalise_reason(raw, region))) for (raw,) in pending]
        slow = pd.DataFrame(rows, columns=["raw", "e164", "country", "reason"], dtype=object)
        con.register(f"{target}_slow", slow)
        try:
            con.execute(f"""UPDATE {target} SET e164 = p.e164, country = p.country,
                                reason = p.reason
                            FROM {target}_slow p
                            WHERE {target}.status = 'check' AND p.raw = {target}.raw""")
            con.execute(
                f"UPDATE {target} SET reason = 'missing phone' WHERE status = 'check' AND raw IS NULL"
            )
        finally:
            con.unregister(f"{target}_slow")
    return len(pending)


def _as_row(result: Phone | str) -> tuple[str | None, str | None, str | None]:
    if isinstance(result, Phone):
        return result.e164, result.country, None
    return None, None, result


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


def _lengths_re(lengths: tuple[int, ...]) -> str:
    """The length letter of `_valid_sql`'s text for these lengths (any when there are none)."""
    return "[" + "".join(chr(64 + n) for n in lengths) + "]" if lengths else "."


def _valid_sql(col: str, rules: RegionRules) -> str:
    """phonenumbers' is_valid_number_for_region on a national significant number.

    Two regexes over the number behind a letter for its length (chr(64 + n): 10 digits is J):
    the general pattern with its lengths, then every type with its lengths merged into one
    alternation (validity only asks whether *some* type matches). Folding the length tests
    into the text replaced a CASE of per-type length tests and regexes (measured: -10%).
    """
    types = "|".join(f"{_lengths_re(d.lengths)}(?:{d.pattern})" for d in rules.types)
    if not types:
        return "false"
    general = f"{_lengths_re(rules.general.lengths)}(?:{rules.general.pattern})"
    text = f"chr(CAST(64 + length({col}) AS INTEGER)) || {col}"
    return f"({_full(text, general)} AND {_full(text, types)})"


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
        stripped = (
            f"CASE WHEN {last_group} <> '' THEN regexp_replace({col}, {pattern}, "
            f"{_lit(rules.transform)}) ELSE {stripped} END"
        )
    general = rules.general.pattern
    return (
        f"CASE WHEN {matched} = '' THEN {col} "
        f"WHEN {_full(col, general)} AND NOT {_full(f'({stripped})', general)} THEN {col} "
        f"ELSE {stripped} END"
    )


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


@lru_cache(maxsize=1)
def _cc_by_prefix() -> str:
    """A SQL list: index n + 1 holds the calling code that starts the digits `%03d` % n (codes
    are prefix-free, so three digits always settle it), NULL where none does."""
    codes = {str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE}
    found = []
    for n in range(1000):
        digits = f"{n:03d}"
        code = next((digits[:size] for size in (1, 2, 3) if digits[:size] in codes), None)
        found.append("NULL" if code is None else _lit(code))
    return "[" + ", ".join(found) + "]"


def _cc_sql(col: str) -> str:
    """_extract_country_code: the 1-3 digit prefix that is a calling code (they are prefix-free).

    Non-geographic codes (+800, +882 ...) are found too: such a number is never a Phone, which
    settles the `00` rule's second reading without asking phonenumbers. Numbers of three
    digits or more look their code up by their first three (measured: twice as cheap as
    comparing prefixes with IN lists); shorter ones compare.
    """
    parts = []
    for size in (1, 2):
        codes = sorted(str(cc) for cc in COUNTRY_CODE_TO_REGION_CODE if len(str(cc)) == size)
        parts.append(
            f"WHEN substr({col}, 1, {size}) IN ({', '.join(map(_lit, codes))}) THEN substr({col}, 1, {size})"
        )
    lookup = f"{_cc_by_prefix()}[CAST(substr({col}, 1, 3) AS INTEGER) + 1]"
    return f"CASE WHEN length({col}) >= 3 THEN {lookup} " + " ".join(parts) + " END"


def _case(col: str, branches: dict[str, str]) -> str:
    """CASE col WHEN 'k' THEN expr ... END; NULL when there are no branches.

    A NULL key skips the branch comparisons altogether (most rows have no second reading).
    """
    if not branches:
        return "NULL"
    whens = " ".join(f"WHEN {_lit(k)} THEN {v}" for k, v in branches.items())
    return f"CASE WHEN {col} IS NULL THEN NULL ELSE CASE {col} {whens} END END"


def _reason_sql(cc: str, col: str, shown: str) -> str:
    """_why_invalid of a parsed, invalid number, in phonenumbers' words.

    The region named is region_code_for_number's (for an invalid number only leading digits
    can pick one), else the calling code's main region; the length verdict is
    is_possible_number_with_reason's, which always reads the main region's lengths.
    """
    regions = calling_codes()[cc]
    main = region_rules(regions[0])
    picks = [(r, region_rules(r).leading_digits) for r in regions] if len(regions) > 1 else []
    whens = " ".join(
        f"WHEN regexp_matches({col}, {_lit('^(?:' + ld + ')')}) THEN {_lit(r)}" for r, ld in picks if ld
    )
    name = f"(CASE {whens} ELSE {_lit(regions[0])} END)" if whens else _lit(regions[0])
    lengths, local, n = main.general.lengths, main.local_lengths, f"length({col})"
    if not lengths or lengths[0] == -1:
        detail = f"'wrong number of digits for ' || {name}"
    else:
        unassigned = f"'not an assigned ' || {name} || ' number range'"
        local_when = (
            f"WHEN {n} IN {_ints(local)} THEN 'local number without area code for ' || {name} "
            if local
            else ""
        )
        detail = (
            f"CASE {local_when}WHEN {n} = {lengths[0]} THEN {unassigned} "
            f"WHEN {n} < {lengths[0]} THEN 'too short for ' || {name} "
            f"WHEN {n} > {lengths[-1]} THEN 'too long for ' || {name} "
            f"WHEN {n} IN {_ints(lengths)} THEN {unassigned} "
            f"ELSE 'wrong number of digits for ' || {name} END"
        )
    # `shown`: an SQL expression for the text's repr(), quotes included.
    return f"'invalid number: ' || {detail} || ' (' || {shown} || ', read as +{cc}' || {col} || ')'"


def _digits_sql(col: str) -> str:
    """The digits of a text made only of digits, separators and a leading +.

    Chained replace() is about twice as cheap as translate() or regexp_replace() here.
    """
    out = col
    for sep in (" ", "-", "(", ")", ".", "+"):
        out = f"replace({out}, {_lit(sep)}, '')"
    return out


def normalise_sql(
    con: duckdb.DuckDBPyConnection,
    source: str,
    default_country: str,
    target: str,
    rare_code_rows: int = RARE_CODE_ROWS,
) -> None:
    """Decide the numbers of table `source(key, raw)` into temp table `target`.

    `target` gets (key, raw, e164, country, reason, status): status 'valid' (e164 and country
    exactly as phonenumbers gives them), 'invalid' (reason exactly as `normalise_reason` words
    it) or 'check' (undecided: ask `normalise_reason`; raw is kept for these rows only, as
    trim() left it: DuckDB trims only what Python's strip() does, so the answer is the same,
    and the reading pass writes and sorts one text column less).
    Two passes: reading (calling code and national number, as written and with `00` read as
    +; texts it cannot read are read again in their `canonical` form), then deciding, with
    SQL for the calling codes present in `rare_code_rows` rows or more. Each pass nests its
    steps as subqueries, so every expression runs once per row and nothing else is
    materialised.
    """
    rules = region_rules(check_region(default_country))
    read = f"{target}_c"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {read} AS {_reading_sql(_plain_source(source), rules)}")
    try:
        _read_canonical_forms(con, read, rules)
        counts = con.execute(f"""
            SELECT cc, count(*) FROM (SELECT cc0 AS cc FROM {read}
                                      UNION ALL SELECT cc1 FROM {read} WHERE has1)
            WHERE cc IS NOT NULL GROUP BY cc""").fetchall()
        present = sorted(cc for cc, n in counts if n >= rare_code_rows)
        rare = sorted(cc for cc, n in counts if n < rare_code_rows and cc in calling_codes())
        # Rows sorted by calling code: the deciding CASE then sees chunks of one code, which
        # halves its cost (measured: 2.8 s -> 1.2 s per 1M rows). Sorting inside the deciding
        # statement rather than into a table of its own saves writing 1M rows (0.5 s).
        rows = f"(SELECT * FROM {read} ORDER BY cc0)"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {target} AS {_deciding_sql(rows, present, rules, rare)}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS {read}")


def _plain_source(source: str) -> str:
    """`source(key, raw)` as the reading pass takes it: (key, t, canon, shown, verdict)."""
    return (
        f"(SELECT key, trim(raw) AS t, NULL::VARCHAR AS canon, NULL::VARCHAR AS shown, "
        f"NULL::VARCHAR AS verdict FROM {source})"
    )


def _read_canonical_forms(con: duckdb.DuckDBPyConnection, read: str, rules: RegionRules) -> None:
    """Read again, in their `canonical` form, the rows whose text the reading pass could not
    read (letters, extensions, digits of other scripts ...): once per distinct text, in
    Python, then in SQL like any other text; a text parse refuses outright gets its
    refusal (`read_text`) as the verdict. A clean file has few such rows, so this costs it
    one small scan."""
    texts = con.execute(f"SELECT DISTINCT t FROM {read} WHERE dlen IS NULL AND t <> ''").fetchall()
    stripped = [t.strip() for (t,) in texts]
    rows = [
        (t, form, repr(text), verdict)
        for (t,), text, (form, verdict) in zip(texts, stripped, read_texts(stripped))
        if form or verdict
    ]
    if not rows:
        return
    name = f"{read}_canon"
    con.register(name, pd.DataFrame(rows, columns=["t", "canon", "shown", "verdict"], dtype=object))
    try:
        source = (
            f"(SELECT r.key, r.t, k.canon::VARCHAR AS canon, k.shown::VARCHAR AS shown, "
            f"k.verdict::VARCHAR AS verdict "
            f"FROM {read} r JOIN {name} k USING (t) WHERE r.dlen IS NULL)"
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {read}_2 AS {_reading_sql(source, rules)}")
        con.execute(f"DELETE FROM {read} WHERE dlen IS NULL AND t IN (SELECT t FROM {name})")
        con.execute(f"INSERT INTO {read} SELECT * FROM {read}_2")
    finally:
        con.unregister(name)
        con.execute(f"DROP TABLE IF EXISTS {read}_2")


def _reading_sql(source: str, rules: RegionRules) -> str:
    """Per row: trimmed text t, the length dlen of its digits d (NULL: unusual characters), and
    per reading the calling code and national number, following phonenumbers'
    _maybe_extract_country_code.

    Reading 0 is the text as written (cc0 NULL: undecided, e.g. an unknown code after +);
    reading 1 (has1) takes a leading `00` as +, and only counts when reading 0 is not valid.
    """
    cc_default = rules.calling_code
    idd = f"regexp_extract(d, {_lit('^(?:' + rules.idd + ')')}, 0)" if rules.idd else "''"
    pattern = rules.general.pattern
    national = _strip_sql(f"substr(d, {len(cc_default) + 1})", rules)
    simple = f"regexp_full_match(x, {_lit(SIMPLE_TEXT)})"
    return f"""
        SELECT key, t, shown, verdict, length(d) AS dlen, intl1 IS NOT NULL AS has1,
               CASE WHEN d IS NULL THEN NULL WHEN intl0 IS NULL THEN {_lit(cc_default)}
                    WHEN length(intl0) > 2 THEN icc0 END AS cc0,
               CASE WHEN intl0 IS NOT NULL THEN substr(intl0, length(icc0) + 1)
                    WHEN pn IS NULL THEN d
                    WHEN NOT {_full("d", pattern)} AND {_full("pn", pattern)} THEN pn
                    WHEN {_length_ok_sql("d", rules, too_long_only=True)} THEN pn
                    ELSE d END AS nat0,
               {_national_sql(rules)} AS national0,
               CASE WHEN length(intl1) > 2 THEN icc1 END AS cc1,
               substr(intl1, length(icc1) + 1) AS nat1
        FROM (SELECT *, {_cc_sql("intl0")} AS icc0,
                     CASE WHEN intl1 IS NOT NULL THEN {_cc_sql("intl1")} END AS icc1,
                     CASE WHEN intl0 IS NULL AND starts_with(d, {_lit(cc_default)})
                          THEN {national} END AS pn
              FROM (SELECT *, CASE WHEN plus THEN d
                                   WHEN i <> '' AND substr(d, length(i) + 1, 1) <> '0'
                                   THEN substr(d, length(i) + 1) END AS intl0,
                              CASE WHEN NOT plus AND starts_with(d, '00') THEN substr(d, 3)
                                   END AS intl1
                    FROM (SELECT *, CASE WHEN plus THEN '' ELSE {idd} END AS i
                          FROM (SELECT key, t, shown, verdict, starts_with(x, '+') AS plus,
                                       CASE WHEN {simple} THEN {_digits_sql("x")} END AS d
                                FROM (SELECT key, t, shown, verdict, coalesce(canon, t) AS x
                                      FROM {source})))))"""


def _shares_code(rules: RegionRules) -> bool:
    """A region that is not its calling code's main one (AG, CA, KZ, JE ... under +1, +7, +44)."""
    return rules.region != calling_codes().get(rules.calling_code, ("",))[0]


def _national_sql(rules: RegionRules) -> str:
    """Reading 0 is a national number (no calling code written, nor the default's leading the
    digits): the nat0 cases above that end in d. Only matters for a region sharing its code."""
    if not _shares_code(rules):
        return "false"
    pattern = rules.general.pattern
    took_pn = (
        f"(NOT {_full('d', pattern)} AND {_full('pn', pattern)}) "
        f"OR {_length_ok_sql('d', rules, too_long_only=True)}"
    )
    return f"(intl0 IS NULL AND (pn IS NULL OR NOT ({took_pn})))"


def _deciding_sql(table: str, present: list[str], default: RegionRules, rare: list[str] = ()) -> str:
    """Validity of both readings of every row, and phonenumbers' reason where SQL is sure.

    A number written nationally (national0) is stripped and length-tested with the default
    region's rules, one with a calling code with its code's main region's, as in parse().
    """
    geo = [cc for cc in present if cc in calling_codes()]
    main = {cc: region_rules(calling_codes()[cc][0]) for cc in geo}
    own = _shares_code(default)

    def stripped(v: str) -> str:
        by_code = _case(f"cc{v}", {cc: _strip_sql(f"nat{v}", r) for cc, r in main.items()})
        if v == "0" and own:
            return f"CASE WHEN national0 THEN {_strip_sql('nat0', default)} ELSE {by_code} END"
        return by_code

    def kept(v: str) -> str:
        by_code = _case(
            f"cc{v}",
            {
                cc: f"CASE WHEN {_length_ok_sql(f's{v}', r)} THEN s{v} ELSE nat{v} END"
                for cc, r in main.items()
            },
        )
        if v == "0" and own:
            by_code = (
                f"CASE WHEN national0 THEN CASE WHEN {_length_ok_sql('s0', default)} "
                f"THEN s0 ELSE nat0 END ELSE {by_code} END"
            )
        # Nothing stripped (most rows): either answer is nat, no length test needed.
        return f"CASE WHEN s{v} = nat{v} THEN nat{v} ELSE {by_code} END"

    def country(v: str) -> str:
        return _case(f"cc{v}", {cc: _region_sql(cc, f"nsn{v}") for cc in geo})

    # repr() of a text of digits, separators and + is the text in single quotes; a text read
    # through `canonical` brings its repr from Python.
    shown = "coalesce(shown, '''' || t || '''')"
    reason = _case("cc0", {cc: _reason_sql(cc, "nsn0", shown) for cc in geo})
    geo0 = f"cc0 IN ({', '.join(map(_lit, geo))})" if geo else "false"
    rare0, rare1 = (f"cc{v} IN ({', '.join(map(_lit, rare))})" if rare else "false" for v in "01")
    return f"""
        SELECT key, CASE WHEN status = 'check' THEN t END AS raw,
               CASE WHEN country0 IS NOT NULL THEN '+' || cc0 || nsn0
                    WHEN status = 'valid' THEN '+' || cc1 || nsn1 END::VARCHAR AS e164,
               -- typed: with no calling code present these are NULL literals otherwise
               CASE WHEN status = 'valid' THEN coalesce(country0, country1)
                    END::VARCHAR AS country,
               CASE WHEN status <> 'invalid' THEN NULL
                    WHEN coalesce(t, '') = '' THEN 'missing phone'
                    WHEN verdict IS NOT NULL THEN verdict
                    WHEN length(nsn0) > 17 THEN 'invalid number: too long (' || {shown} || ')'
                    ELSE {reason} END::VARCHAR AS reason,
               status
        FROM (SELECT *,
                     CASE WHEN coalesce(t, '') = '' OR verdict IS NOT NULL THEN 'invalid'
                          WHEN cc0 IS NULL OR {rare0} THEN 'check'
                          WHEN country0 IS NOT NULL OR country1 IS NOT NULL THEN 'valid'
                          -- phonenumbers' parse refuses these before validity, with its words
                          WHEN NOT {geo0} OR dlen < 3 OR length(nsn0) < 2 THEN 'check'
                          -- 00 + an unknown code: phonenumbers retries it as a national number
                          WHEN has1 AND cc1 IS NULL THEN 'check'
                          -- 00 + a code left to phonenumbers (RARE_CODE_ROWS)
                          WHEN has1 AND {rare1} THEN 'check'
                          -- longer than 17 digits: parse's TOO_LONG, worded above
                          ELSE 'invalid' END AS status
              FROM (SELECT *, {country("0")} AS country0,
                           CASE WHEN has1 AND cc1 IS NOT NULL THEN {country("1")} END AS country1
                    FROM (SELECT *, {kept("0")} AS nsn0, {kept("1")} AS nsn1
                          FROM (SELECT *, {stripped("0")} AS s0, {stripped("1")} AS s1
                                FROM {table}))))"""
