"""Batch quotes: what a message to a selection of contacts will cost, before anything is sent.

Personalisation is rendered in DuckDB (one vectorised pass), and segments are counted once per
distinct rendered body, so a fixed body over a million recipients costs one count, and a
personalised one costs a count per distinct text. Prices are ranges: the cheapest and the
dearest carrier of each country (plus US carrier fees); the balance gate uses the maximum.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from smscore import numbertypes
from smscore.cost import prices
from smscore.cost.gsm7 import GSM7_BASIC, GSM7_CHARS, GSM7_EXTENSION
from smscore.cost.limits import MAX_BODY_CHARS, OVER_LIMIT_REASON, LengthCheck, over_limit
from smscore.cost.segments import BodyError, check_body, encoding_and_segments
from smscore.problems import coded
from smscore.sqltext import blank_sql, fold, fold_sql
from smscore.store.settings import load_settings

# A placeholder is a name in braces as a file's header may write it: letters of any language,
# digits and `_`, words apart by one space, `.` or `-` (`{Nome}`, `{Data de nascimento}`).
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^\W\d]\w*(?:[ .\-]\w+)*)\}")
_BUILTIN_FIELDS = {"name": "c.name", "phone": "c.phone", "country": "c.country"}
# The built-in fields in the console's other language, for workspaces whose files' headers were
# imported before they were kept (field_headers) and for operators who type them in Portuguese.
_BUILTIN_WORDS = {"nome": "name", "telefone": "phone", "celular": "phone", "pais": "country"}
LEFT_OUT_COLUMNS = ["iso", "number_type", "contacts", "segments", "saved_min", "saved_max"]


@dataclass(frozen=True)
class Selection:
    """Who a batch goes to: everyone, or the union of some categories and picked contacts."""

    everyone: bool = False
    categories: tuple[str, ...] = ()
    contact_ids: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.everyone:
            return "everyone"
        parts = [f"category {c}" for c in self.categories]
        if self.contact_ids:
            parts.append(f"{len(self.contact_ids)} picked contacts")
        return ", ".join(parts) or "nobody"


@dataclass(frozen=True)
class Quote:
    """A priced batch. DataFrames hold exact decimals (Arrow decimal128 columns)."""

    body: str
    selection: Selection
    currency: str
    price_list_id: int
    price_list_as_of: date
    recipients: pd.DataFrame = field(repr=False)
    by_country: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    total_min: Decimal = Decimal(0)
    total_max: Decimal = Decimal(0)
    segments: int = 0
    prefix: str = ""
    smart_encoding: bool = False
    sender_type: str = "long code"
    # Contacts left out because their number cannot receive SMS (a fixed line ...), per country
    # and type: iso, number_type, contacts, segments, saved_min, saved_max (what sending to
    # them would have cost); they are also in `excluded`, each with its reason.
    left_out: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEFT_OUT_COLUMNS), repr=False)
    saved_min: Decimal = Decimal(0)
    saved_max: Decimal = Decimal(0)

    @property
    def n_recipients(self) -> int:
        return len(self.recipients)

    def length_check(self) -> LengthCheck:
        """Who is left out for a body over Twilio's limit, and the longest message left."""
        excluded = 0
        if len(self.excluded):
            excluded = int((self.excluded["reason"] == OVER_LIMIT_REASON).sum())
        longest = int(self.recipients["segments"].max()) if self.n_recipients else 0
        return LengthCheck(excluded, self.n_recipients, longest)


class QuoteError(ValueError):
    """The quote cannot be made as asked (unknown placeholder or category, empty body)."""


@dataclass(frozen=True)
class Template:
    """A message body split into literal text and contact fields, rendered in SQL."""

    parts: tuple[tuple[str, str], ...]  # ("text", literal) or ("field", name)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for k, v in self.parts if k == "field"))

    @property
    def is_fixed(self) -> bool:
        return not self.fields


def parse_template(body: str) -> Template:
    """Split `Olá {name}!` into parts; `{{` and `}}` stand for literal braces."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(body):
        parts.append(("text", body[pos : m.start()]))
        token = m.group(0)
        parts.append(("field", m.group(1)) if m.group(1) else ("text", token[0]))
        pos = m.end()
    parts.append(("text", body[pos:]))
    merged: list[tuple[str, str]] = []
    for kind, value in parts:
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + value)
        elif not (kind == "text" and value == ""):
            merged.append((kind, value))
    return Template(tuple(merged))


def _word(name: str) -> str:
    """A field's name as placeholders are compared: without case, accents, spaces or
    punctuation, so `{NOME}`, `{nome}` and `{Nome}` are the header `Nome`, and
    `{data_de_nascimento}` is `Data de Nascimento`."""
    return re.sub(r"[\W_]+", "", fold(name))


@dataclass(frozen=True)
class FieldBook:
    """The fields a template may use: `keys` (the built-in ones, then the stored keys of the
    files' extra columns) each with the header it is shown by (`labels`: as the file wrote
    it, else the key), and the words that name each."""

    keys: tuple[str, ...]
    labels: dict[str, str]
    words: dict[str, str]  # _word(a header, a key, a built-in's Portuguese name) -> key

    @property
    def shown(self) -> list[str]:
        """Each field once, by the name the operator's file gave it (`Nome`, `Cidade`)."""
        return [self.labels[k] for k in self.keys]

    def resolve(self, name: str) -> str | None:
        """The field `name` means: a key as typed, else any spelling of its header or key."""
        if name in self.labels:
            return name
        return self.words.get(_word(name))

    def closest(self, name: str) -> str | None:
        """The shown name nearest to an unknown `name` (a typo), if any is near enough."""
        by_word = {_word(label): label for label in self.shown}
        near = difflib.get_close_matches(_word(name), list(by_word), n=1, cutoff=0.6)
        return by_word[near[0]] if near else None


def field_book(con: duckdb.DuckDBPyConnection) -> FieldBook:
    """The fields of this workspace's contacts, with the headers their files named them by."""
    rows = con.execute("""SELECT DISTINCT unnest(json_keys(fields)) FROM
                          (SELECT fields FROM contacts WHERE fields IS NOT NULL LIMIT 10000)""").fetchall()
    headers = con.execute("SELECT key, header FROM field_headers ORDER BY seen_at, key, header").fetchall()
    extra = sorted(({r[0] for r in rows} | {k for k, _ in headers}) - set(_BUILTIN_FIELDS))
    keys = [*_BUILTIN_FIELDS, *extra]
    # A field's own key first (a column `nome` beside the name column `Nome completo` is
    # `{nome}`), then the headers in the order files showed them, then the built-ins' words.
    words: dict[str, str] = {}
    for word, key in [*((_word(k), k) for k in keys), *((_word(h), k) for k, h in headers)]:
        words.setdefault(word, key)
    for word, key in _BUILTIN_WORDS.items():
        words.setdefault(word, key)
    labels = {k: k for k in keys}
    for key, header in headers:  # the first header seen names its field, if it says that field
        usable = _PLACEHOLDER.fullmatch("{" + header + "}") and words.get(_word(header)) == key
        if labels.get(key) == key and usable:
            labels[key] = header
    ordered = [*_BUILTIN_FIELDS, *sorted(extra, key=lambda k: fold(labels[k]))]
    return FieldBook(tuple(ordered), labels, words)


def placeholders(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Fields a template may use, as their files named them: the name and phone columns (or
    `name`, `phone`), `country`, and every extra CSV column seen."""
    return field_book(con).shown


def render(template: Template, values: dict[str, str | None]) -> str:
    """The body one contact receives (used for previews; quotes render in SQL)."""
    return "".join(v if k == "text" else (values.get(v) or "") for k, v in template.parts)


def _field_sql(name: str, book: FieldBook) -> tuple[str, list[object]]:
    """The SQL expression of placeholder `name` and its parameters; an unknown name is refused
    with the nearest known one suggested."""
    key = book.resolve(name)
    if key is None:
        known = ", ".join(book.shown)
        near = book.closest(name)
        if near is not None:
            raise coded(QuoteError, "quote.unknown_placeholder_near", name=name, near=near, known=known)
        raise coded(QuoteError, "quote.unknown_placeholder", name=name, known=known)
    if key in _BUILTIN_FIELDS:
        return _BUILTIN_FIELDS[key], []
    # A JSON Pointer, as a parameter: a key is a header's text, quotes and `$` included.
    return "json_extract_string(c.fields, ?)", ["/" + key.replace("~", "~0").replace("/", "~1")]


def _selection_sql(con: duckdb.DuckDBPyConnection, selection: Selection) -> tuple[str, list[object]]:
    if selection.everyone:
        return "TRUE", []
    clauses, params = [], []
    if selection.categories:
        # A category is named without regard to case or accents (`vip` is `VIP`).
        names = list(selection.categories)
        folded = f"list_transform(?::VARCHAR[], lambda n: {fold_sql('n')})"
        missing = con.execute(
            f"""SELECT n FROM unnest(?::VARCHAR[]) t(n) WHERE NOT EXISTS (
                    SELECT 1 FROM categories k WHERE {fold_sql("k.name")} = {fold_sql("n")})""",
            [names],
        ).fetchall()
        if missing:
            raise coded(QuoteError, "quote.no_category", name=missing[0][0])
        clauses.append(f"""c.id IN (SELECT cc.contact_id FROM contact_categories cc
                           JOIN categories k ON k.id = cc.category_id
                           WHERE list_contains({folded}, {fold_sql("k.name")}))""")
        params.append(names)
    if selection.contact_ids:
        clauses.append("list_contains(?, c.id)")
        params.append([int(i) for i in selection.contact_ids])
    if not clauses:
        raise coded(QuoteError, "quote.no_recipients")
    return "(" + " OR ".join(clauses) + ")", params


def build_quote(
    con: duckdb.DuckDBPyConnection,
    body: str,
    selection: Selection,
    *,
    smart_encoding: bool = False,
    prefix: str = "",
    sender_type: str = "long code",
    only_to: Collection[str] | None = None,
    fixed_lines_in: Collection[str] | None = None,
) -> Quote:
    """Price `body` for every selected contact; excluded contacts are listed with a reason.

    `only_to` limits who can receive, as a trial account's verified caller IDs do: anyone else
    is excluded (Twilio would refuse them with error 21608). A number whose type cannot receive
    SMS (numbertypes.NO_SMS) is excluded, and what it would have cost is in `left_out`; a fixed
    line is kept in the countries of `fixed_lines_in` (default: the workspace's setting).
    """
    if not body.strip():
        raise coded(QuoteError, "quote.empty_body")
    try:
        check_body(body)
    except BodyError as exc:
        raise coded(QuoteError, exc.code, **exc.params) from exc
    plist = prices.current_list(con)
    units = prices.unit_prices(con, sender_type, plist.id)
    currencies = set(units["currency"])
    if len(currencies) > 1:
        raise coded(QuoteError, "quote.mixed_currencies", currencies=str(sorted(currencies)))
    currency = currencies.pop() if currencies else "USD"
    template = parse_template(body)
    where, params = _selection_sql(con, selection)
    body_sql, body_params, missing_sql = _render_sql(template, field_book(con))
    body_col = "NULL::VARCHAR" if template.is_fixed else body_sql
    fixed_text = render(template, {}) if template.is_fixed else None
    # Twilio refuses a body over 1,600 characters (21617): such recipients are excluded here.
    # `body` is the rendered column just above in the same SELECT (DuckDB reuses the alias).
    too_long = (
        ("TRUE" if over_limit(fixed_text) else "FALSE")
        if fixed_text is not None
        else f"length(body) > {MAX_BODY_CHARS}"
    )
    if fixed_lines_in is None:
        fixed_lines_in = load_settings(con).fixed_lines_in
    no_sms = _no_sms_sql(numbertypes.parse_countries(",".join(fixed_lines_in)))
    cur = con.cursor()
    try:
        cur.register("_unit_prices", _unit_arrow(units))
        cur.register("_reachable", pa.table({"phone": pa.array(sorted(only_to or ()), pa.string())}))
        reachable = "TRUE" if only_to is None else "c.phone IN (SELECT phone FROM _reachable)"
        rows = cur.sql(
            f"""
            SELECT c.id AS contact_id, c.phone, c.country, cat.category,
                   {body_col} AS body,
                   CASE WHEN s.phone IS NOT NULL THEN 'opted out (' || s.reason || ')'
                        WHEN NOT ({reachable}) THEN 'not a verified number (trial account)'
                        WHEN c.country IS NULL THEN 'unknown country'
                        WHEN {no_sms} IS NOT NULL THEN {no_sms}
                        {missing_sql}
                        WHEN {too_long} THEN '{OVER_LIMIT_REASON}'
                        WHEN u.iso IS NULL THEN 'no price for ' || c.country ||
                             ' in the price list of {plist.as_of}'
                   END AS reason,
                   u.unit_min, u.unit_max, c.number_type,
                   s.phone IS NULL AND ({reachable}) AND c.country IS NOT NULL
                       AND {no_sms} IS NOT NULL AS no_sms
            FROM contacts c
            LEFT JOIN suppressions s ON s.phone = c.phone
            LEFT JOIN _unit_prices u ON u.iso = c.country
            LEFT JOIN (SELECT cc.contact_id, min(k.name) AS category FROM contact_categories cc
                       JOIN categories k ON k.id = cc.category_id GROUP BY cc.contact_id) cat
                   ON cat.contact_id = c.id
            WHERE {where}""",
            params=(body_params if not template.is_fixed else []) + params,
        ).to_arrow_table()
        cur.register("_quote_rows", rows)
        counts = _count_distinct_bodies(cur, smart_encoding, fixed_text, prefix, also="no_sms")
        cur.register("_body_counts", counts)
        return _assemble(
            cur, body, selection, currency, plist, prefix, smart_encoding, sender_type, fixed_text
        )
    finally:
        cur.close()


def _no_sms_sql(fixed_lines_in: tuple[str, ...]) -> str:
    """The reason a contact's number type cannot receive SMS, else NULL. The countries are
    checked ISO codes (numbertypes.parse_countries), so they are inlined."""
    reasons = dict(numbertypes.NO_SMS_REASONS)
    whens = " ".join(f"WHEN '{t}' THEN '{r}'" for t, r in reasons.items())
    kept = f"c.country IN ({', '.join(repr(c) for c in fixed_lines_in)})" if fixed_lines_in else "FALSE"
    fixed = numbertypes.FIXED_LINE
    return (
        f"(CASE WHEN c.number_type = '{fixed}' AND {kept} THEN NULL ELSE CASE c.number_type {whens} END END)"
    )


def _render_sql(template: Template, book: FieldBook) -> tuple[str, list[object], str]:
    """The body's SQL, its parameters (those of the body, then of the reasons: the order they
    stand in the SELECT), and the reasons a recipient with no value for a field is left out."""
    pieces: list[str] = ["''"]
    params: list[object] = []
    missing: list[str] = []
    missing_params: list[object] = []
    for kind, value in template.parts:
        if kind == "text":
            pieces.append("?")
            params.append(value)
        else:
            expr, expr_params = _field_sql(value, book)
            pieces.append(f"coalesce({expr}, '')")
            params += expr_params
            missing.append(f"WHEN {blank_sql(expr)} THEN ?")
            missing_params += [*expr_params, f"no value for {{{value}}}"]
    return "concat(" + ", ".join(pieces) + ")", params + missing_params, "\n".join(missing)


def _unit_arrow(units: pd.DataFrame) -> pa.Table:
    dec = pa.decimal128(18, 6)
    return pa.table(
        {
            "iso": pa.array(units["iso"].tolist(), pa.string()),
            "unit_min": pa.array(units["unit_min"].tolist(), dec),
            "unit_max": pa.array(units["unit_max"].tolist(), dec),
        }
    )


def _char_class(chars: frozenset[str]) -> str:
    return "[" + "".join(f"\\x{{{ord(c):04X}}}" for c in sorted(chars)) + "]"


_GSM_BASIC_RE = _char_class(GSM7_BASIC) + "*"
_GSM_ALL_RE = _char_class(GSM7_CHARS) + "*"
_EXT_RE = _char_class(GSM7_EXTENSION)
_LATIN1_RE = "[\\x{0000}-\\x{00FF}\\x{20AC}]*"

# The shapes of body whose count is plain arithmetic, decided in one vectorised pass; anything
# else (extension characters near a boundary, emoji, combining marks, smart encoding of non-GSM
# text) is counted by smscore.cost.segments, once per distinct body. A test holds the two to the
# same answers.
_SEGMENTS_SQL = f"""
    CASE WHEN regexp_full_match(sent, '{_GSM_BASIC_RE}')
              THEN CASE WHEN length(sent) <= 160 THEN 1 ELSE ceil(length(sent) / 153) END
         WHEN regexp_full_match(sent, '{_GSM_ALL_RE}')
              AND 2 * length(sent) - length(regexp_replace(sent, '{_EXT_RE}', '', 'g')) <= 160
              THEN 1
         WHEN NOT $smart AND NOT regexp_full_match(sent, '{_GSM_ALL_RE}')
              AND regexp_full_match(sent, '{_LATIN1_RE}')
              THEN CASE WHEN length(sent) <= 70 THEN 1 ELSE ceil(length(sent) / 67) END
    END"""
_ENCODING_SQL = f"""
    CASE WHEN regexp_full_match(sent, '{_GSM_ALL_RE}') THEN 'GSM-7' ELSE 'UCS-2' END"""


def _count_distinct_bodies(
    cur: duckdb.DuckDBPyConnection,
    smart_encoding: bool,
    fixed_text: str | None,
    prefix: str = "",
    also: str = "FALSE",
) -> pa.Table:
    """Encoding and segments per distinct body, counted as sent: with any trial prefix. The
    bodies of the recipients (no reason to leave them out) and of rows `also` names (the
    numbers that cannot receive SMS, whose saving the quote shows).

    Twilio itself prepends the trial prefix, so bodies are stored without it but paid with it.
    """
    if fixed_text is not None:
        # A body over the limit reaches nobody: counting a huge one would only cost time.
        counted = fixed_text if not over_limit(fixed_text) else ""
        encoding, segments = encoding_and_segments(prefix + counted, smart_encoding)
        return pa.table(
            {
                "body": pa.array([None], pa.string()),
                "segments": pa.array([segments], pa.int32()),
                "encoding": pa.array([encoding], pa.string()),
            }
        )
    sql = f"""SELECT body, ({_SEGMENTS_SQL})::INTEGER AS segments, {_ENCODING_SQL} AS encoding
              FROM (SELECT body, concat(?, body) AS sent
                    FROM (SELECT DISTINCT body FROM _quote_rows WHERE reason IS NULL OR {also}))"""
    sql = sql.replace("$smart", "true" if smart_encoding else "false")
    counted = cur.sql(sql, params=[prefix]).to_arrow_table()
    return _count_rest(counted, smart_encoding, prefix)


def _count_rest(counted: pa.Table, smart_encoding: bool, prefix: str) -> pa.Table:
    """Fill in, with smscore.cost.segments, the bodies SQL left undecided."""
    segments = counted.column("segments").to_pylist()
    if None not in segments:
        return counted
    bodies = counted.column("body").to_pylist()
    encodings = counted.column("encoding").to_pylist()
    for i, seg in enumerate(segments):
        if seg is None:
            encodings[i], segments[i] = encoding_and_segments(prefix + bodies[i], smart_encoding)
    return pa.table(
        {
            "body": counted.column("body"),
            "segments": pa.array(segments, pa.int32()),
            "encoding": pa.array(encodings, pa.string()),
        }
    )


def _assemble(
    cur: duckdb.DuckDBPyConnection,
    body: str,
    selection: Selection,
    currency: str,
    plist: prices.PriceList,
    prefix: str,
    smart_encoding: bool,
    sender_type: str,
    fixed_text: str | None,
) -> Quote:
    # A fixed body has one count for everyone: a cross join with its single row.
    join = "CROSS JOIN _body_counts b" if fixed_text is not None else "JOIN _body_counts b ON b.body = r.body"
    priced = cur.sql(f"""
        SELECT r.contact_id, r.phone, r.country, r.category, r.body, b.encoding, b.segments,
               r.unit_min, r.unit_max,
               (r.unit_min * b.segments)::DECIMAL(18, 6) AS cost_min,
               (r.unit_max * b.segments)::DECIMAL(18, 6) AS cost_max
        FROM _quote_rows r {join}
        WHERE r.reason IS NULL""").to_arrow_table()
    cur.register("_priced", priced)
    by_country = _arrow_df(
        cur,
        """
        SELECT country AS iso, count(*) AS recipients, sum(segments)::BIGINT AS segments,
               any_value(unit_min) AS unit_price_min, any_value(unit_max) AS unit_price_max,
               sum(cost_min)::DECIMAL(18, 6) AS subtotal_min,
               sum(cost_max)::DECIMAL(18, 6) AS subtotal_max
        FROM _priced GROUP BY country ORDER BY subtotal_max DESC, iso""",
    )
    left_out = _arrow_df(
        cur,
        f"""
        SELECT r.country AS iso, r.number_type, count(*) AS contacts, sum(b.segments)::BIGINT AS segments,
               -- a country without a price saves nothing the quote can name
               coalesce(sum(r.unit_min * b.segments), 0)::DECIMAL(18, 6) AS saved_min,
               coalesce(sum(r.unit_max * b.segments), 0)::DECIMAL(18, 6) AS saved_max
        FROM _quote_rows r {join}
        WHERE r.no_sms GROUP BY ALL ORDER BY saved_max DESC NULLS LAST, contacts DESC, iso, number_type""",
    )
    excluded = _arrow_df(
        cur,
        """SELECT contact_id, phone, country, reason FROM _quote_rows
                                 WHERE reason IS NOT NULL ORDER BY contact_id""",
    )
    recipients = priced.to_pandas(types_mapper=pd.ArrowDtype)
    if fixed_text is not None:
        # One body for everyone: stored once, as a categorical, rather than a million copies.
        codes = np.zeros(len(recipients), dtype=np.int8)
        recipients["body"] = pd.Categorical.from_codes(codes, [fixed_text])
    return Quote(
        body=body,
        selection=selection,
        currency=currency,
        price_list_id=plist.id,
        price_list_as_of=plist.as_of,
        recipients=recipients,
        by_country=by_country,
        excluded=excluded,
        total_min=sum(by_country["subtotal_min"].tolist(), Decimal(0)),
        total_max=sum(by_country["subtotal_max"].tolist(), Decimal(0)),
        segments=int(sum(by_country["segments"].tolist())),
        prefix=prefix,
        smart_encoding=smart_encoding,
        sender_type=sender_type,
        left_out=left_out,
        saved_min=sum(left_out["saved_min"].tolist(), Decimal(0)),
        saved_max=sum(left_out["saved_max"].tolist(), Decimal(0)),
    )


def _arrow_df(cur: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A DataFrame backed by Arrow: decimals stay exact and a million rows convert in ms."""
    table = cur.sql(sql).to_arrow_table()
    return table.to_pandas(types_mapper=pd.ArrowDtype)
