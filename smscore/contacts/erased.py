"""Numbers erased at their holder's request, kept blocked without keeping the number.

After an erasure (LGPD art. 18, smscore.person.erasure) the workspace must not import or text
the number again, yet must not hold it either. So the opt-out list gets HMAC-SHA256(key, E.164)
with a random key of this workspace (`workspace_keys`), written as `hmac:<hex>`: the number
cannot be read back from it, nor guessed by hashing every number without the key, yet the
importer can tell an erased number when a file brings it again. The key is made on first use
and never shown, logged or exported.

The hash is computed in SQL as well as in Python (one formula, tested equal), so an import of
a million rows checks them all in one statement.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import duckdb

KEY_NAME = "erasure-hmac"
PREFIX = "hmac:"
REASON = "erased (LGPD)"
SOURCE = "data subject request"
_BLOCK = 64  # SHA-256's block size: HMAC pads the key to it


def _key(con: duckdb.DuckDBPyConnection) -> bytes:
    """This workspace's key, made on first use (inside the caller's unit of work, if any)."""
    con.execute(
        "INSERT INTO workspace_keys (name, secret) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [KEY_NAME, secrets.token_bytes(32)],
    )
    key = _existing_key(con)
    assert key is not None  # inserted just above
    return key


def _existing_key(con: duckdb.DuckDBPyConnection) -> bytes | None:
    row = con.execute("SELECT secret FROM workspace_keys WHERE name = ?", [KEY_NAME]).fetchone()
    return bytes(row[0]) if row else None


def digest(key: bytes, e164: str) -> str:
    """`hmac:` and the hex HMAC-SHA256 of an E.164 number under `key`."""
    return PREFIX + hmac.new(key, e164.encode("utf-8"), hashlib.sha256).hexdigest()


def digest_of(con: duckdb.DuckDBPyConnection, e164: str) -> str:
    """The number's entry on the opt-out list in this workspace (the key is made if missing)."""
    return digest(_key(con), e164)


def digest_sql(key: bytes, column: str) -> tuple[str, list[object]]:
    """SQL computing `digest(key, column)` for every row, and its parameters (the padded keys).

    HMAC is H((K xor opad) || H((K xor ipad) || m)); DuckDB's sha256 of a BLOB and unhex give
    the two hashes over bytes.
    """
    padded = (
        key.ljust(_BLOCK, b"\0") if len(key) <= _BLOCK else hashlib.sha256(key).digest().ljust(_BLOCK, b"\0")
    )
    inner = bytes(b ^ 0x36 for b in padded)
    outer = bytes(b ^ 0x5C for b in padded)
    sql = f"'{PREFIX}' || sha256(?::BLOB || unhex(sha256(?::BLOB || encode({column}))))"
    return sql, [outer, inner]


def block(con: duckdb.DuckDBPyConnection, e164: str) -> str:
    """Put the number's keyed hash on the opt-out list (in the caller's unit of work)."""
    entry = digest_of(con, e164)
    con.execute(
        "INSERT INTO suppressions (phone, reason, source) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [entry, REASON, SOURCE],
    )
    return entry


def is_blocked(con: duckdb.DuckDBPyConnection, e164: str) -> bool:
    """Whether the number was erased here before."""
    key = _existing_key(con)
    if key is None:
        return False
    found = con.execute("SELECT count(*) FROM suppressions WHERE phone = ?", [digest(key, e164)]).fetchone()
    return bool(found and found[0])


def reject_blocked(con: duckdb.DuckDBPyConnection, rows: str) -> None:
    """Mark as rejected the rows of an import's temp table `rows` (e164, status, reason) whose
    number was erased: one statement, and none at all in a workspace that never erased."""
    key = _existing_key(con)
    if (
        key is None
        or not con.execute(
            "SELECT count(*) FROM suppressions WHERE starts_with(phone, ?)", [PREFIX]
        ).fetchall()[0][0]
    ):
        return
    hashed, params = digest_sql(key, "e164")
    con.execute(
        f"""UPDATE {rows} SET status = 'reject',
                reason = 'erased at its holder''s request (LGPD): this number may not be imported again'
            WHERE status <> 'reject' AND e164 IS NOT NULL
              AND {hashed} IN (SELECT phone FROM suppressions WHERE starts_with(phone, ?))""",
        [*params, PREFIX],
    )
