"""Taking the person out of ledger rows while the money stays: shared by erasure and retention.

A sent message is also a cost the business paid: reports, totals and estimate-against-actual
read its batch, country, segments, prices, states and dates. Those stay. What identifies a
person goes: the phone becomes `erased:` and a random token (the ledger's key is batch and
phone, so each row needs its own, and a token made from the number could be matched back to
it), the rendered body becomes empty, Twilio's error text (which may quote the number) and the
contact link are cleared. Replies and the sandbox's copies lose number and text the same way.
"""

from __future__ import annotations

import uuid

import duckdb

ERASED_PREFIX = "erased:"
# Rows not yet final: sending them after anonymising would text a made-up number, so they
# end failed with this reason instead (the batch's counts stay whole).
ERASED_REASON = "erased at the data subject's request (LGPD)"
_UNSENT_STATES = ("queued", "unknown")


def token() -> str:
    """A replacement phone: random, so it says nothing about the number it replaces."""
    return ERASED_PREFIX + uuid.uuid4().hex[:16]


def messages(
    con: duckdb.DuckDBPyConnection, where: str, params: list[object], *, limit: int | None = None
) -> tuple[int, int]:
    """Anonymise the ledger rows `where` selects (aliased m), at most `limit` of them; returns
    (rows, rows stopped before sending). Rows already anonymised are left alone. One statement
    for all the rows (each draws its own random token)."""
    chosen = f"({where}) AND NOT starts_with(m.phone, '{ERASED_PREFIX}')"
    if limit is not None:
        chosen = f"m.rowid IN (SELECT m.rowid FROM messages m WHERE {chosen} LIMIT {int(limit)})"
    unsent = f"m.state IN {_UNSENT_STATES!r}"
    rows, stopped = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {unsent}) FROM messages m WHERE {chosen}", params
    ).fetchall()[0]
    con.execute(
        f"""UPDATE messages AS m SET phone = '{ERASED_PREFIX}' || substr(md5(random()::VARCHAR || m.phone), 1, 16),
               body = '', contact_id = NULL,
               error_message = CASE WHEN {unsent} THEN ? ELSE NULL END,
               state = CASE WHEN {unsent} THEN 'failed' ELSE m.state END,
               claim_token = NULL
           WHERE {chosen}""",
        [ERASED_REASON, *params],
    )
    return int(rows), int(stopped)


def left_out(con: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> int:
    """Anonymise the contacts batches left out (batch_left_out, aliased l: fixed lines and
    other numbers that cannot receive SMS); the country, type and reason stay for the counts."""
    return con.execute(
        f"""UPDATE batch_left_out AS l SET phone = '{ERASED_PREFIX}' || substr(md5(random()::VARCHAR), 1, 16),
                   contact_id = NULL
            WHERE ({where}) AND NOT starts_with(l.phone, '{ERASED_PREFIX}')""",
        params,
    ).fetchall()[0][0]


def replies(con: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> int:
    """Anonymise inbound messages `where` selects (aliased i): number and text go, the keyword
    (stop, start, help) and the date stay, so opt-out counts over time still add up."""
    return con.execute(
        f"""UPDATE inbound_messages AS i SET from_number = '{ERASED_PREFIX}' || substr(md5(random()::VARCHAR), 1, 16),
                   body = '', to_number = NULL
            WHERE ({where}) AND NOT starts_with(i.from_number, '{ERASED_PREFIX}')""",
        params,
    ).fetchall()[0][0]


def sandbox_copies(con: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> int:
    """Anonymise the sandbox account's own message records `where` selects (aliased s)."""
    return con.execute(
        f"""UPDATE sandbox_messages AS s SET to_number = '{ERASED_PREFIX}' || substr(md5(random()::VARCHAR), 1, 16),
                   body = '', error_message = NULL
            WHERE ({where}) AND NOT starts_with(s.to_number, '{ERASED_PREFIX}')""",
        params,
    ).fetchall()[0][0]
