"""One name for a batch: the short id every surface shows, and the lookup that accepts it.

A batch id is `b-` and 24 hex digits (smscore.sending.ledger.batch_key), too long to read aloud or to
fit a table, so the console, the CLI listing, the notebook and the CSVs show its first
SHORT_ID characters (`b-fc845dcb42`). Whatever a person copies from one surface must work in
another, so every command and notebook call that takes a batch id resolves it here: the full
id, or any prefix at least as long as the short one. A shorter prefix is refused rather than
tried: "b-fc" may match one batch today and another tomorrow, and a mistyped short prefix could
approve or resend the wrong batch. Ten hex digits make two batches sharing one short id
vanishingly rare; when they do, the lookup names both instead of picking one.
"""

from __future__ import annotations

import duckdb

SHORT_ID = 12  # "b-" and 10 hex digits
EXAMPLE = "b-fc845dcb42"
_MAX_NAMED = 5  # candidates named in an ambiguity error


class BatchIdError(LookupError):
    """A batch id that names no batch, or more than one."""


def short_id(batch_id: str) -> str:
    """The form shown to people: the first SHORT_ID characters of the id."""
    return batch_id[:SHORT_ID]


def resolve_batch_id(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The full id of the one batch `text` names: a whole id, or a prefix of SHORT_ID or more.

    Raises BatchIdError, in one sentence, for a blank or too short id, no match, or a prefix
    several batches share (naming them).
    """
    wanted = (text or "").strip()
    if con.execute("SELECT count(*) FROM batches WHERE id = ?", [wanted]).fetchall()[0][0]:
        return wanted  # a whole id, whatever its length
    wanted = wanted.lower()
    if len(wanted) < SHORT_ID:
        shown = "" if not wanted else f"; got {text!r}"
        raise BatchIdError(
            f"a batch id has at least {SHORT_ID} characters, like {EXAMPLE} "
            f"(as the console and `batches` show it){shown}"
        )
    found = [
        r[0]
        for r in con.execute(
            "SELECT id FROM batches WHERE starts_with(id, ?) ORDER BY id LIMIT ?", [wanted, _MAX_NAMED + 1]
        ).fetchall()
    ]
    if not found:
        raise BatchIdError(f"no batch with id {text.strip()!r}")
    if len(found) > 1:
        more = "" if len(found) <= _MAX_NAMED else ", …"
        raise BatchIdError(
            f"{text.strip()!r} matches more than one batch: "
            f"{', '.join(found[:_MAX_NAMED])}{more}; give more of the id"
        )
    return found[0]


def resolve_all(con: duckdb.DuckDBPyConnection, texts: list[str] | tuple[str, ...]) -> list[str]:
    """`resolve_batch_id` for each of `texts`, in order."""
    return [resolve_batch_id(con, t) for t in texts]
