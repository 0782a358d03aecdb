"""Contacts as the console and the quote see them: counts, categories, paged browsing, opt-outs.

Browsing pages on the server (LIMIT/OFFSET plus a separate count), so the UI never pulls a
million rows into pandas; categories are aggregated only for the rows of the page shown.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from smscore.access import audit
from smscore.access.audit import Actor
from smscore.contacts import phones
from smscore.store import query_df
from smscore.store.writes import write

BROWSE_COLUMNS = ["id", "phone", "name", "country", "categories"]
MAX_PAGE = 10_000


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
    limit: int = 50,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of contacts (id order) and the total matching the filters.

    `search` matches anywhere in the name or the phone (case-insensitive); digits typed with
    spaces or dashes still match the E.164 form.
    """
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise ValueError(
            f"page must have 1..{MAX_PAGE} rows from offset >= 0; got limit={limit}, offset={offset}"
        )
    where, params = _filters(search, category, country)
    total = con.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchall()[0][0]
    page = query_df(
        con,
        f"""
        WITH page AS (SELECT id, phone, name, country FROM contacts c WHERE {where}
                      ORDER BY id LIMIT ? OFFSET ?)
        SELECT p.id, p.phone, p.name, p.country,
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
            "JOIN categories k ON k.id = cc.category_id WHERE k.name = ?)"
        )
        params.append(category)
    if country:
        clauses.append("c.country = ?")
        params.append(country.upper())
    return " AND ".join(clauses), params


def add_category(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Create a category; False when it already exists."""
    name = (name or "").strip()
    if not name:
        raise ValueError(f"a category needs a name; got {name!r}")

    def add(c: duckdb.DuckDBPyConnection) -> bool:
        rows = c.execute(
            "INSERT INTO categories (name) VALUES (?) ON CONFLICT DO NOTHING RETURNING id", [name]
        ).fetchall()
        return bool(rows)

    return write(con, add)


def remove_category(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Delete a category and its memberships (the contacts stay); returns contacts unlinked."""

    def remove(c: duckdb.DuckDBPyConnection) -> int | None:
        row = c.execute("SELECT id FROM categories WHERE name = ?", [name]).fetchall()
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
    """

    def clear(c: duckdb.DuckDBPyConnection) -> int:
        removed = c.execute("DELETE FROM suppressions").fetchall()[0][0]
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
