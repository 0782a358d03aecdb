"""Contacts as the console and the quote see them: counts, categories, paged browsing, opt-outs.

Browsing pages on the server (LIMIT/OFFSET plus a separate count), so the UI never pulls a
million rows into pandas; categories are aggregated only for the rows of the page shown.

Category names are compared without case or accents (`VIP` is `vip`, `Promoção` is `promocao`:
sqltext.fold_sql) wherever one is named, and kept as first written for display.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from smscore.access import audit
from smscore.access.audit import Actor
from smscore.contacts import erased, phones
from smscore.sqltext import fold_sql
from smscore.store import query_df
from smscore.store.writes import write

BROWSE_COLUMNS = ["id", "phone", "name", "country", "number_type", "categories"]
MAX_PAGE = 10_000
# The category a name means, whatever its case or accents.
_NAMED = f"{fold_sql('name')} = {fold_sql('?')}"


class CategoryError(ValueError):
    """A category change that cannot be made as asked (no such category, a name taken)."""


def count_contacts(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]


def count_categories(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM categories").fetchall()[0][0]


def list_categories(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """name, contacts (how many contacts are in it), by name; empty categories included."""
    return query_df(
        con,
        """
        SELECT k.name, count(cc.contact_id) AS contacts
        FROM categories k LEFT JOIN contact_categories cc ON cc.category_id = k.id
        GROUP BY k.name ORDER BY k.name""",
    )


def list_countries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """country, contacts; most contacts first."""
    return query_df(
        con,
        """
        SELECT country, count(*) AS contacts FROM contacts WHERE country IS NOT NULL
        GROUP BY country ORDER BY contacts DESC, country""",
    )


def browse(
    con: duckdb.DuckDBPyConnection,
    *,
    search: str | None = None,
    category: str | None = None,
    country: str | None = None,
    number_type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of contacts (id order) and the total matching the filters.

    `search` matches anywhere in the name or the phone (case-insensitive); digits typed with
    spaces or dashes still match the E.164 form. `number_type` is one of smscore.numbertypes'
    names (`fixed_line`: the Contacts page's "fixed lines" filter).
    """
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise ValueError(
            f"page must have 1..{MAX_PAGE} rows from offset >= 0; got limit={limit}, offset={offset}"
        )
    where, params = _filters(search, category, country)
    if number_type:
        where += " AND c.number_type = ?"
        params.append(number_type)
    total = con.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchall()[0][0]
    page = query_df(
        con,
        f"""
        WITH page AS (SELECT id, phone, name, country, number_type FROM contacts c WHERE {where}
                      ORDER BY id LIMIT ? OFFSET ?)
        SELECT p.id, p.phone, p.name, p.country, p.number_type,
               string_agg(k.name, ', ' ORDER BY k.name) AS categories
        FROM page p
        LEFT JOIN contact_categories cc ON cc.contact_id = p.id
        LEFT JOIN categories k ON k.id = cc.category_id
        GROUP BY ALL ORDER BY p.id""",
        [*params, limit, offset],
    )
    return page[BROWSE_COLUMNS], total


def _filters(search: str | None, category: str | None, country: str | None) -> tuple[str, list[object]]:
    clauses, params = ["true"], []
    if search and search.strip():
        text = search.strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        clauses.append("(c.name ILIKE ? OR c.phone LIKE ?)")
        params += [f"%{text}%", f"%{digits or text}%"]
    if category:
        clauses.append(
            "c.id IN (SELECT cc.contact_id FROM contact_categories cc "
            f"JOIN categories k ON k.id = cc.category_id WHERE {fold_sql('k.name')} = {fold_sql('?')})"
        )
        params.append(category)
    if country:
        clauses.append("c.country = ?")
        params.append(country.upper())
    return " AND ".join(clauses), params


def find_category(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, str] | None:
    """(id, name as stored) of the category `name` means, whatever its case or accents."""
    row = con.execute(
        f"SELECT id, name FROM categories WHERE {_NAMED} ORDER BY id LIMIT 1", [name]
    ).fetchall()
    return (int(row[0][0]), str(row[0][1])) if row else None


def _clean(name: str | None) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValueError(f"a category needs a name; got {name!r}")
    return cleaned


def add_category(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Create a category; False when it already exists (in any case or accents)."""
    name = _clean(name)

    def add(c: duckdb.DuckDBPyConnection) -> bool:
        if find_category(c, name) is not None:
            return False
        rows = c.execute(
            "INSERT INTO categories (name) VALUES (?) ON CONFLICT DO NOTHING RETURNING id", [name]
        ).fetchall()
        return bool(rows)

    return write(con, add)


def rename_category(con: duckdb.DuckDBPyConnection, name: str, new_name: str, actor: Actor) -> int:
    """Give a category a new name (its contacts stay in it); returns how many contacts it has.

    A new name that is another category's (in any case or accents) is refused: that is a
    merge, which moves contacts and must say so. Changing only the case or accents of the
    category's own name (`vip` -> `VIP`) is a rename. The change and its audit row commit
    together."""
    new_name = _clean(new_name)

    def rename(c: duckdb.DuckDBPyConnection) -> int:
        found = _existing(c, name)
        taken = find_category(c, new_name)
        if taken is not None and taken[0] != found[0]:
            raise CategoryError(f"a category named {taken[1]!r} exists already; merge into it instead")
        c.execute("UPDATE categories SET name = ? WHERE id = ?", [new_name, found[0]])
        members = _members(c, [found[0]])
        audit.record(c, actor, "category.rename", found[1], {"to": new_name, "contacts": members})
        return members

    return write(con, rename)


def merge_categories(con: duckdb.DuckDBPyConnection, name: str, into: str, actor: Actor) -> int:
    """Move every contact of category `name` into category `into` and remove `name`; returns
    how many contacts moved (those already in both count once, and stay in `into` once).
    The links, the removal and the audit row commit together."""

    def merge(c: duckdb.DuckDBPyConnection) -> int:
        source, target = _existing(c, name), _existing(c, into)
        if source[0] == target[0]:
            raise CategoryError(f"{source[1]!r} and {target[1]!r} are the same category")
        moved = _members(c, [source[0]])
        c.execute(
            """INSERT INTO contact_categories (contact_id, category_id)
               SELECT DISTINCT cc.contact_id, ?::INTEGER FROM contact_categories cc
               WHERE cc.category_id = ? AND NOT EXISTS (
                   SELECT 1 FROM contact_categories t
                   WHERE t.contact_id = cc.contact_id AND t.category_id = ?)""",
            [target[0], source[0], target[0]],
        )
        c.execute("DELETE FROM contact_categories WHERE category_id = ?", [source[0]])
        c.execute("DELETE FROM categories WHERE id = ?", [source[0]])
        audit.record(c, actor, "category.merge", target[1], {"from": source[1], "contacts": moved})
        return moved

    return write(con, merge)


def _existing(c: duckdb.DuckDBPyConnection, name: str) -> tuple[int, str]:
    found = find_category(c, name)
    if found is None:
        raise CategoryError(f"no category named {name!r}")
    return found


def _members(c: duckdb.DuckDBPyConnection, ids: list[int]) -> int:
    return int(
        c.execute(
            "SELECT count(DISTINCT contact_id) FROM contact_categories WHERE list_contains(?, category_id)",
            [ids],
        ).fetchall()[0][0]
    )


def remove_category(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Delete a category and its memberships (the contacts stay); returns contacts unlinked."""

    def remove(c: duckdb.DuckDBPyConnection) -> int | None:
        row = c.execute(f"SELECT id FROM categories WHERE {_NAMED}", [name]).fetchall()
        if not row:
            return None
        unlinked = c.execute("DELETE FROM contact_categories WHERE category_id = ?", [row[0][0]]).fetchall()[
            0
        ][0]
        c.execute("DELETE FROM categories WHERE id = ?", [row[0][0]])
        return int(unlinked)

    unlinked = write(con, remove)
    if unlinked is None:
        raise ValueError(f"no category named {name!r}")
    return unlinked


def suppress(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    reason: str = "opt-out",
    source: str | None = "console",
    default_country: str = "BR",
) -> str:
    """Add a number (any form) to the opt-out list; returns its E.164. A first reason is kept."""
    phone = phones.normalise(raw, default_country).e164
    write(
        con,
        lambda c: c.execute(
            "INSERT OR IGNORE INTO suppressions (phone, reason, source) VALUES (?, ?, ?)",
            [phone, reason, source],
        ),
    )
    return phone


def unsuppress(con: duckdb.DuckDBPyConnection, phone: str) -> bool:
    """Take an E.164 number off the opt-out list; False when it was not on it."""
    return (
        write(con, lambda c: c.execute("DELETE FROM suppressions WHERE phone = ?", [phone]).fetchall()[0][0])
        > 0
    )


def clear_suppressions(con: duckdb.DuckDBPyConnection, actor: Actor) -> int:
    """Empty the opt-out list; returns how many numbers came off it.

    The deletion and its audit row (who, how many) commit together, so the trail never misses a
    clearing nor records one that did not happen. Numbers that replied STOP stay blocked at
    Twilio (error 21610) whatever this list says; clearing it only lets the console quote them.
    Numbers erased at their holder's request (LGPD, kept as keyed hashes: smscore.contacts.erased)
    stay: clearing a marketing list must not undo an erasure.
    """

    def clear(c: duckdb.DuckDBPyConnection) -> int:
        removed = c.execute(
            "DELETE FROM suppressions WHERE NOT starts_with(phone, ?)", [erased.PREFIX]
        ).fetchall()[0][0]
        audit.record(c, actor, "opt-out.clear", None, {"removed": removed})
        return int(removed)

    return write(con, clear)


def list_suppressions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """phone, reason, source, created_at; newest first."""
    return query_df(
        con, "SELECT phone, reason, source, created_at FROM suppressions ORDER BY created_at DESC, phone"
    )


def is_suppressed(con: duckdb.DuckDBPyConnection, phone: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM suppressions WHERE phone = ?", [phone]).fetchall()[0][0])
