"""Importing a contacts CSV into DuckDB: one transaction, a reason for every rejected row.

The whole import is set-based SQL over a temp copy of the file (see `csvsource`), with phone
numbers decided by `phonesql.normalise_column`, so a million rows take seconds, not minutes.

Categories come from the file's category column, several in one cell separated by `|`
(`vip|clientes 2024`), and from the `category=` argument; missing ones are created, names
compared without case or accents (`VIP` is `vip`). Columns that are neither phone, name nor
category are kept in `contacts.fields` (keys lower-cased, spaces to underscores) for message
templates such as `{city}`, and the headers as written in `field_headers`, so a message may say
`{Cidade}` or `{Nome}` as the file did. A phone written with an extension (`ramal 12`) is
imported without it, with a note in the report. Opted-out numbers are imported like any other:
they are contacts, and the quote leaves them out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from smscore import numbertypes
from smscore.contacts import consent, csvcolumns, csvlimits, csvsource, erased, phones, phonesql
from smscore.contacts.csvsource import CsvFile, CsvImportError
from smscore.export import write_csv
from smscore.sqltext import fold_sql, holds_kept_whitespace_sql, strip_sql
from smscore.store import writes

DUPLICATE_POLICIES = ("skip", "update")
NOTE_COLUMNS = ["line", "phone", "e164", "extension"]
# A superset of phones.split_extension's words, as one cheap SQL scan of the phone column: each
# text it finds is confirmed (and its extension read) by split_extension itself.
_EXTENSION_HINT = r"(?i)ramal|r\.|ext\."
CATEGORY_SEPARATOR = "|"
_TEMP = ("_imp_norm", "_imp_rows", "_imp_known", "_imp_cat", "_imp_catid")
# DuckDB's memory limit during an import (`memory_limit_for`), spilling to its temp directory
# beyond: unbounded, it took 3.7 GB for a 500 MB file. The file's size, and at least the floor:
# the temp tables take about five times the file, so most of them spill, and the whole process
# stays under 4x a 100 MB file (the 512 MB floor before gave 7.2x; bench/README.md, "Import
# memory", says what spilling costs). And at least MEMORY_PER_RECORD bytes a record, for the
# joins and sorts that must hold a little of every record at once: a 101 MB file of 7M bare
# phone numbers ran out of memory at 80 MB deciding its numbers, and at 160 MB matching them
# to the 6.5M contacts a first import of it had stored.
MEMORY_PER_FILE_BYTE = 1.0
MEMORY_PER_RECORD = 40
MEMORY_FLOOR = 128 * 2**20
_IMPORTING = threading.Lock()  # one import at a time sets and restores DuckDB's memory limit

__all__ = ["CsvImportError", "ImportReport", "import_contacts"]


@dataclass(frozen=True)
class ImportReport:
    """What an import did. `rejects` has `line`, `reason`, then the file's own columns.

    `already` counts numbers that are contacts already (kept as they are: on_duplicate='skip');
    they are not faults in the file, so they are neither among `rejected` nor in `rejects`,
    which are the rows to fix.
    """

    imported: int
    updated: int
    already: int
    rejected: int
    encoding: str
    delimiter: str
    mapping: dict[str, str]
    categories_created: list[str]
    rejects: pd.DataFrame = field(repr=False)
    # Accepted rows whose number was written with an extension (`ramal 12`): line, phone (as
    # written), e164, extension. The number is imported without it; a text message cannot
    # dial one, and the operator should know the extension was left out.
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOTE_COLUMNS), repr=False)
    # The file's numbers (imported, updated or already contacts) whose type cannot receive SMS
    # (numbertypes.NO_SMS), by type: batches leave them out, so the operator is told at once.
    no_sms: dict[str, int] = field(default_factory=dict)

    def write_rejects(self, path: str | Path) -> None:
        """The rejected rows as CSV, through the spreadsheet-safe writer: they hold the very
        cells the file's author wrote, formulas included."""
        write_csv(self.rejects, path)

    def counts(self) -> dict[str, int]:
        """The counts every surface shows, under the same names: the Contacts page, the CLI's
        `import` and the audit trail's detail of the import."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "already": self.already,
            "rejected": self.rejected,
        }


def import_contacts(
    con: duckdb.DuckDBPyConnection,
    source: str | Path | bytes,
    *,
    default_country: str = "BR",
    category: str | None = None,
    mapping: dict[str, str] | None = None,
    on_duplicate: str = "skip",
    consent_source: str | None = None,
) -> ImportReport:
    """Import a CSV (path or bytes). Raises CsvImportError, leaving the database untouched,
    for a file that cannot be imported at all.

    Args:
        default_country: ISO region for numbers written without a country code.
        category: a category for every imported or updated contact.
        mapping: role ('phone', 'name', 'category') -> column, overriding the header guess.
        on_duplicate: 'skip' leaves numbers that are already contacts as they are (counted
            as `already`); 'update' updates their name, fields and categories.
        consent_source: where the file's consent came from, kept on each contact written
            (smscore.contacts.consent); the 'consent' role maps the consent-date column.
    """
    if on_duplicate not in DUPLICATE_POLICIES:
        raise ValueError(f"on_duplicate must be 'skip' or 'update'; got {on_duplicate!r}")
    region = phones.check_region(default_country)
    csv_file = csvsource.open_csv(source)
    roles = csvsource.resolve_mapping(csv_file, mapping)
    if "phone" not in roles:
        raise CsvImportError(
            "no phone column: none of the headers "
            f"{', '.join(repr(c) for c in csv_file.columns)} looks like phone/celular/telefone/"
            "whatsapp; choose one with mapping={'phone': COLUMN} (CLI: --map phone=COLUMN)"
        )
    category = (category or "").strip() or None
    consent_from = consent.source_text(consent_source)
    with _IMPORTING, _memory_limit_restored(con):
        _limit_memory(con, memory_limit_for(csv_file.size))
        try:
            # Reading happens before the transaction: a file DuckDB's strict reader refuses is
            # retried with Python's csv module, and a failed statement would abort it.
            records = csvsource.load(con, csv_file, "_imp_raw")
            _limit_memory(con, memory_limit_for(csv_file.size, records))
            csv_file = replace(csv_file, data=b"")  # in DuckDB now: held bytes can go
            _check_categories_per_row(con, csv_file, roles)
            col = {name: f"c{i}" for i, name in enumerate(csv_file.columns)}
            plain = _plainly_trimmed(con, [col[roles[r]] for r in ("name", "category") if r in roles])
            _decide_rows(con, roles, col, region)
            erased.reject_blocked(con, "_imp_rows")  # numbers erased here stay out (LGPD)
            return writes.write(
                con,
                lambda unit: _write(unit, csv_file, roles, col, plain, category, on_duplicate, consent_from),
            )
        finally:
            _drop_temp(con)


def memory_limit_for(file_bytes: int, records: int = 0) -> int:
    """DuckDB's memory limit in bytes while importing a file of `file_bytes` bytes and, once
    it is loaded, `records` records (see MEMORY_FLOOR)."""
    return max(MEMORY_FLOOR, int(file_bytes * MEMORY_PER_FILE_BYTE), records * MEMORY_PER_RECORD)


def _limit_memory(con: duckdb.DuckDBPyConnection, limit: int) -> None:
    try:
        con.execute(f"SET memory_limit = '{limit // 2**20}MiB'")
    except duckdb.OutOfMemoryException:  # more is pinned already: import under the limit as is
        pass


@contextmanager
def _memory_limit_restored(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """DuckDB's memory limit put back as it was after the import (the setting is the
    database's, shared by every page)."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    try:
        yield
    finally:  # '18.8 GiB' read back and set again rounds down, so RESET when it was the default
        con.execute("RESET memory_limit")
        if con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != before:
            con.execute(f"SET memory_limit = '{before}'")  # DuckDB's own text, not user input


def _check_categories_per_row(
    con: duckdb.DuckDBPyConnection, csv_file: CsvFile, roles: dict[str, str]
) -> None:
    """Refuse a cell of more categories than the limit before they are split into rows (one
    cell of 20,000 took 20 s); counted as separators, no split."""
    if "category" not in roles:
        return
    cell = f"c{csv_file.columns.index(roles['category'])}"
    count = f"length({cell}) - length(replace({cell}, '{CATEGORY_SEPARATOR}', '')) + 1"
    row = con.execute(
        f"SELECT key, {count} FROM _imp_raw WHERE {count} > ? ORDER BY key LIMIT 1",
        [csvlimits.MAX_CATEGORIES_PER_ROW],
    ).fetchall()
    if row:
        raise CsvImportError(
            csvlimits.too_many_categories(csvsource.line_of(con, "_imp_raw", row[0][0]), row[0][1])
        )


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    csvsource.drop(con, "_imp_raw")
    for table in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _write(
    con: duckdb.DuckDBPyConnection,
    csv_file: CsvFile,
    roles: dict[str, str],
    col: dict[str, str],
    plain: frozenset[str],
    category: str | None,
    on_duplicate: str,
    source: str | None,
) -> ImportReport:
    """The unit of work: what depends on the stored contacts, and every write."""
    _match_existing(con)
    rows = _verdicts_sql(on_duplicate, _reserve_ids(con))
    created = _create_categories(con, rows, roles, col, category, plain)
    imported = _insert_new(con, rows, csv_file, roles, col, plain, source)
    updated = (
        _update_existing(con, rows, csv_file, roles, col, plain, source) if on_duplicate == "update" else 0
    )
    _link_categories(con, on_duplicate)
    if imported or updated:
        _remember_headers(con, csv_file, roles)
    rejects = _rejects(con, rows, csv_file)
    notes = _extension_notes(con, col[roles["phone"]])
    already = (
        con.execute(f"SELECT count(*) FROM {rows} WHERE status = 'already'").fetchall()[0][0]
        if on_duplicate == "skip"
        else 0
    )
    no_sms = con.execute(
        """SELECT number_type, count(*) FROM _imp_rows
           WHERE status <> 'reject' AND list_contains(?, number_type) GROUP BY ALL ORDER BY 2 DESC, 1""",
        [list(numbertypes.NO_SMS)],
    ).fetchall()
    return ImportReport(
        imported=imported,
        updated=updated,
        already=int(already),
        rejected=len(rejects),
        encoding=csv_file.encoding,
        delimiter=csv_file.delimiter,
        mapping=dict(roles),
        categories_created=created,
        rejects=rejects,
        notes=notes,
        no_sms={t: int(n) for t, n in no_sms},
    )


def _plainly_trimmed(con: duckdb.DuckDBPyConnection, columns: list[str]) -> frozenset[str]:
    """The columns of the file whose values hold none of the whitespace DuckDB's trim() keeps
    (tabs, line breaks ...), found in one scan: those are stripped by trim() alone, the others
    pay for trim() with Python's whole list (a regex test per value instead cost 5% of a clean
    million-row import)."""
    if not columns:
        return frozenset()
    tests = ", ".join(f"bool_or({holds_kept_whitespace_sql(c)})" for c in columns)
    kept = con.execute(f"SELECT {tests} FROM _imp_raw").fetchall()[0]
    return frozenset(c for c, found in zip(columns, kept) if not found)


def _values_sql(
    csv_file: CsvFile, roles: dict[str, str], col: dict[str, str], plain: frozenset[str], source: str | None
) -> tuple[str, list]:
    """`name, fields` of a contact from the file's row `w`: the name stripped as str.strip()
    does (`plain`: see `_plainly_trimmed`), the fields a json_object(...) of the extra
    columns, keys passed as parameters (they are user text). Built only where a contact is
    written, so rejected rows never pay for their JSON."""
    if "name" in roles:
        column = col[roles["name"]]
        name = f"nullif({strip_sql('w.' + column, plain=column in plain)}, '')"
    else:
        name = "NULL::VARCHAR"
    when = consent.date_sql("w." + col[roles["consent"]]) if "consent" in roles else "NULL::VARCHAR"
    agreed = f"{when} AS consent_date, ?::VARCHAR AS consent_source"
    extra = _field_keys(csv_file, roles)
    if not extra:
        return f"{name} AS name, NULL::JSON AS fields, {agreed}", [source]
    pairs = ", ".join(f"?::VARCHAR, coalesce(w.{col[c]}, '')" for c, _ in extra)
    return f"{name} AS name, json_object({pairs}) AS fields, {agreed}", [*(key for _, key in extra), source]


def _field_keys(csv_file: CsvFile, roles: dict[str, str]) -> list[tuple[str, str]]:
    """(column, its key in contacts.fields) of each extra column, in the file's order."""
    keys: list[tuple[str, str]] = []
    for column in csv_file.columns:
        if column in roles.values():
            continue
        key = csvcolumns.field_key(column) or "field"
        taken = any(k == key for _, k in keys)
        keys.append((column, key if not taken else f"{key}_{len(keys) + 1}"))
    return keys


def _remember_headers(con: duckdb.DuckDBPyConnection, csv_file: CsvFile, roles: dict[str, str]) -> None:
    """Keep the headers as the file wrote them beside the fields they fill (`field_headers`),
    so the console shows and accepts `{Nome}` and `{Cidade}`: the name and phone columns name
    the built-in fields, the others their contacts.fields keys. A header seen before stays."""
    pairs: list[tuple[str, str]] = [
        (role, roles[role].strip()) for role in ("name", "phone") if role in roles
    ]
    pairs += [(key, column.strip()) for column, key in _field_keys(csv_file, roles)]
    pairs = [(key, header) for key, header in pairs if header]
    if pairs:
        con.execute(
            """INSERT INTO field_headers (key, header)
               SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]) ON CONFLICT DO NOTHING""",
            [[k for k, _ in pairs], [h for _, h in pairs]],
        )


def _decide_rows(
    con: duckdb.DuckDBPyConnection, roles: dict[str, str], col: dict[str, str], region: str
) -> None:
    """_imp_rows: one row per record of _imp_raw and in its order (see `_verdicts_sql`), with
    e164, country, reason and status ('new', or 'reject' for the file's own reasons: a number
    phonenumbers refuses, a ragged row, or a repeat of an earlier record, named by its line).

    All of it depends on the file alone, so it is decided before the unit of work: a temp
    table dropped inside a transaction keeps its memory until the transaction ends, and the
    decided numbers (`_imp_norm`, and the phone step's own scratch table) are as big as the
    rows that follow. Dropped here, DuckDB gets their memory back at once rather than spill
    them under its cap (`memory_limit_for`).
    """
    source = f"(SELECT key, {col[roles['phone']]} AS raw FROM _imp_raw)"
    phonesql.normalise_column(con, source, region, "_imp_norm")
    # The number's type, in SQL for the regions of many rows, by phonenumbers for the rest.
    kind = numbertypes.type_sql(
        numbertypes.common_regions(con, "(SELECT country FROM _imp_norm WHERE reason IS NULL)"),
        "n.e164",
        "n.country",
    )
    # Few rows are ragged: mark them first, so duplicates are counted among good rows only.
    con.execute("""
        UPDATE _imp_norm SET e164 = NULL, country = NULL,
            reason = 'more fields than the header: ' || r.extra ||
                     ' (a delimiter inside an unquoted value?)'
        FROM (SELECT key, extra FROM _imp_raw WHERE extra IS NOT NULL) r
        WHERE _imp_norm.key = r.key""")
    con.execute(f"""
        CREATE TEMP TABLE _imp_rows AS
        SELECT n.key, n.e164, n.country,
               CASE WHEN n.reason IS NULL AND d.line IS NULL THEN {kind} END AS number_type,
               coalesce(n.reason, 'duplicate in file: same number as line ' || d.line) AS reason,
               CASE WHEN n.reason IS NOT NULL OR d.line IS NOT NULL THEN 'reject'
                    ELSE 'new' END AS status
        FROM _imp_norm n
        LEFT JOIN (SELECT g.e164, g.first_key, l.line
                   FROM (SELECT e164, min(key) AS first_key FROM _imp_norm
                         WHERE reason IS NULL GROUP BY e164 HAVING count(*) > 1) g
                   JOIN {csvsource.lines_table("_imp_raw")} l ON l.rowid = g.first_key - 1) d
               ON d.e164 = n.e164 AND d.first_key <> n.key
        ORDER BY n.key""")
    con.execute("DROP TABLE _imp_norm")
    numbertypes.fill_rare(con, "_imp_rows", where="status = 'new'")


def _match_existing(con: duckdb.DuckDBPyConnection) -> None:
    """_imp_known(contact_id): per record, in file order, the contact its number already is
    (first occurrences only), else NULL. A table of its own, read side by side like
    _imp_rows, rather than an UPDATE of _imp_rows: an UPDATE's undo data cannot spill, and
    re-importing a 7M-row file ran out of memory under the cap."""
    con.execute("""
        CREATE TEMP TABLE _imp_known AS
        SELECT c.id AS contact_id FROM _imp_rows r
        LEFT JOIN contacts c ON c.phone = r.e164 AND r.status = 'new'
        ORDER BY r.key""")


def _verdicts_sql(on_duplicate: str, base: int) -> str:
    """Every record of the file beside its verdict, as a subquery in file order: the file's
    columns, line, key, e164, country, status ('new', 'update', 'already': a contact already
    and on_duplicate='skip', or 'reject': a fault in the file), reason and
    contact_id (the stored contact's, or `base` + the record number for a new one: see
    `_reserve_ids`).

    _imp_rows and _imp_known hold one row per record of the file's table, in its order
    (`_decide_rows`), so the three are scanned side by side (POSITIONAL JOIN) rather than
    hash-joined on the record number, which built a hash table of the whole file in every
    step that wrote contacts and took 0.62 s of CPU against 0.35 s for the insert of a
    1.45M-row file.
    """
    existing = "'update'" if on_duplicate == "update" else "'already'"
    return f"""(
        SELECT w.*, l.line, r.key, r.e164, r.country, r.number_type,
               CASE WHEN r.status = 'reject' THEN 'reject'
                    WHEN k.contact_id IS NULL THEN 'new' ELSE {existing} END AS status,
               CASE WHEN r.status = 'reject' THEN r.reason END AS reason,
               coalesce(k.contact_id, {base:d} + r.key) AS contact_id
        FROM {csvsource.data_table("_imp_raw")} w
             POSITIONAL JOIN {csvsource.lines_table("_imp_raw")} l
             POSITIONAL JOIN _imp_rows r POSITIONAL JOIN _imp_known k)"""


def _reserve_ids(con: duckdb.DuckDBPyConnection) -> int:
    """Take one id from the sequence per record of the file and return the one before them: a
    new contact's id is that plus its record number, in file order, so categories are linked
    by id rather than by joining a million phone numbers again. Rejected records leave their
    ids unused; numbering only the new ones took a window and an UPDATE (0.11 s a million)."""
    records = con.execute("SELECT max(key) FROM _imp_raw").fetchall()[0][0]
    if not records:
        return 0
    last = con.execute("SELECT max(nextval('contact_id_seq')) FROM range(?)", [records]).fetchall()[0][0]
    return int(last) - records


def _create_categories(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    roles: dict[str, str],
    col: dict[str, str],
    category: str | None,
    plain: frozenset[str],
) -> list[str]:
    """_imp_cat(contact_id, known, name): the categories of each accepted record, its cell's
    and the `category` argument, and the categories that had to be created; _imp_catid(name,
    id): the category each name written in the file means.

    Names are compared without case or accents (`VIP` is `vip`): a name an existing category
    already has keeps the category's spelling, and a new one is created with the first
    spelling the file (the argument first) shows. A record's names are deduplicated in its own
    list (`vip|VIP`, or the argument again in the cell) by that comparison: a record is one
    contact, so its links need no DISTINCT over the whole file, whose hash table of 3.6M links
    could not spill (a 2.4M-record file ran out of memory under its limit). Only a cell of
    several names, or with the argument, is a list to deduplicate: doing it for every record
    cost 0.2 s a million. `known`: the contact existed, so may its links."""
    if "category" in roles:
        column = col[roles["category"]]
        cell, trimmed = f"w.{column}", column in plain
        several = f"strpos({cell}, ?) > 0 OR ?::VARCHAR IS NOT NULL"
        listed = f"list_concat(coalesce(string_split({cell}, ?), []), [?::VARCHAR])"
        one = f"[{strip_sql(cell, plain=trimmed)}]"
        params = [CATEGORY_SEPARATOR, category, CATEGORY_SEPARATOR, category]
    else:  # the argument's name only (already stripped)
        several, listed, one = "?::VARCHAR IS NOT NULL", "[?::VARCHAR]", "[]::VARCHAR[]"
        trimmed, params = True, [category, category]
    strip = strip_sql("part", plain=trimmed)
    # A list's names (stripped: `names`), each kept at its first position by the folded
    # comparison; the lambda reads the row's own `names` column.
    once = (
        f"list_filter(names, lambda part, i: list_position(list_transform(names, lambda x: "
        f"{fold_sql('x')}), {fold_sql('part')}) = i)"
    )
    con.execute(
        f"""
        CREATE TEMP TABLE _imp_cat AS
        SELECT contact_id, known, name FROM (
            SELECT contact_id, status = 'update' AS known,
                   unnest(CASE WHEN names IS NOT NULL THEN {once} ELSE {one} END) AS name
            FROM (SELECT w.*, CASE WHEN {several}
                                   THEN list_transform({listed}, lambda part: {strip}) END AS names
                  FROM {rows} w WHERE status IN ('new', 'update')) w)
        WHERE name <> ''""",
        params,
    )
    return _resolve_categories(con, category)


def _resolve_categories(con: duckdb.DuckDBPyConnection, category: str | None) -> list[str]:
    """Create the categories no stored one means yet (in one statement: a file of 20,000 new
    categories is not 20,000 round trips), and map every written name to its category's id in
    _imp_catid, a table of the few distinct names, so links join on the name as written."""
    # Each name once, with the record it first stands in (the argument before them all).
    con.execute(
        f"""CREATE TEMP TABLE _imp_catid AS
            SELECT name, {fold_sql("name")} AS folded, min(first_row) AS first_row, NULL::INTEGER AS id
            FROM (SELECT ?::VARCHAR AS name, -1::BIGINT AS first_row WHERE ?::VARCHAR IS NOT NULL
                  UNION ALL SELECT name, min(rowid) FROM _imp_cat GROUP BY name)
            GROUP BY name""",
        [category, category],
    )
    created = [
        r[0]
        for r in con.execute(
            f"""SELECT arg_min(name, first_row) FROM _imp_catid m
                WHERE NOT EXISTS (SELECT 1 FROM categories k WHERE {fold_sql("k.name")} = m.folded)
                GROUP BY folded ORDER BY 1"""
        ).fetchall()
    ]
    if created:
        con.execute("INSERT INTO categories (name) SELECT unnest(?::VARCHAR[])", [created])
    con.execute(f"""UPDATE _imp_catid SET id = k.id
                    FROM (SELECT {fold_sql("name")} AS folded, min(id) AS id FROM categories
                          GROUP BY ALL) k
                    WHERE k.folded = _imp_catid.folded""")
    return created


def _insert_new(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    csv_file: CsvFile,
    roles: dict[str, str],
    col: dict[str, str],
    plain: frozenset[str],
    source: str | None,
) -> int:
    """One INSERT ... SELECT from the file beside its verdicts, the JSON built on the way."""
    values, params = _values_sql(csv_file, roles, col, plain, source)
    return con.execute(
        f"""
        INSERT INTO contacts (id, phone, country, number_type, name, fields, consent_date, consent_source)
        SELECT w.contact_id, w.e164, w.country, w.number_type, {values} FROM {rows} w
        WHERE w.status = 'new'
        """,
        params,
    ).fetchall()[0][0]


def _update_existing(
    con: duckdb.DuckDBPyConnection,
    rows: str,
    csv_file: CsvFile,
    roles: dict[str, str],
    col: dict[str, str],
    plain: frozenset[str],
    source: str | None,
) -> int:
    """Name replaced when the file has one; file fields merged over the stored ones; consent
    replaced where this file gives it."""
    values, params = _values_sql(csv_file, roles, col, plain, source)
    return con.execute(
        f"""
        UPDATE contacts SET
            name = coalesce(u.name, contacts.name),
            fields = CASE WHEN u.fields IS NULL THEN contacts.fields
                          WHEN contacts.fields IS NULL THEN u.fields
                          ELSE json_merge_patch(contacts.fields, u.fields) END,
            consent_date = coalesce(u.consent_date, contacts.consent_date),
            consent_source = coalesce(u.consent_source, contacts.consent_source),
            number_type = coalesce(u.number_type, contacts.number_type),
            updated_at = current_timestamp
        FROM (SELECT w.contact_id, w.number_type, {values} FROM {rows} w WHERE w.status = 'update') u
        WHERE contacts.id = u.contact_id
        """,
        params,
    ).fetchall()[0][0]


def _link_categories(con: duckdb.DuckDBPyConnection, on_duplicate: str) -> None:
    """Links by contact id. A new contact has none yet; no constraint dedupes them, so the
    links an updated contact already has are skipped."""
    link = (
        "INSERT INTO contact_categories (contact_id, category_id) SELECT x.contact_id, k.id "
        "FROM _imp_cat x JOIN _imp_catid k ON k.name = x.name "
    )
    con.execute(link + "WHERE NOT x.known")
    if on_duplicate == "update":
        con.execute(
            link
            + """WHERE x.known AND NOT EXISTS (
            SELECT 1 FROM contact_categories l
            WHERE l.contact_id = x.contact_id AND l.category_id = k.id)"""
        )


def _extension_notes(con: duckdb.DuckDBPyConnection, phone_column: str) -> pd.DataFrame:
    """The accepted records whose phone text carries an extension (`phones.split_extension`),
    in file order: the number was imported without it."""
    found = con.execute(
        f"""SELECT l.line::BIGINT, trim(w.{phone_column}), r.e164
            FROM (SELECT key, {phone_column} FROM _imp_raw
                  WHERE regexp_matches({phone_column}, '{_EXTENSION_HINT}')) w
            JOIN _imp_rows r ON r.key = w.key
            JOIN {csvsource.lines_table("_imp_raw")} l ON l.rowid = w.key - 1
            WHERE r.status <> 'reject' ORDER BY w.key"""
    ).fetchall()
    notes = [
        (line, text, e164, extension)
        for line, text, e164 in found
        if (extension := phones.split_extension(text.strip())[1]) is not None
    ]
    return pd.DataFrame(notes, columns=NOTE_COLUMNS)


def _rejects(con: duckdb.DuckDBPyConnection, rows: str, csv_file: CsvFile) -> pd.DataFrame:
    """Rejected rows with the line each starts on, in file order as `rows` is: not sorted
    again, which pinned more than DuckDB's limit when a re-imported file rejected every row.
    Streamed through Arrow, not .df(): a re-imported 1M-row file peaked ~400 MB lower."""
    cols = ", ".join(f"coalesce(w.c{i}, '') AS c{i}" for i in range(len(csv_file.columns)))
    frame = (
        con.sql(f"""
        SELECT w.line::BIGINT AS line, w.reason, {cols} FROM {rows} w
        WHERE w.status = 'reject'""")
        .to_arrow_reader(100_000)
        .read_all()
        .to_pandas()
    )
    frame.columns = ["line", "reason", *csv_file.columns]  # the file may have its own `line`
    return frame
