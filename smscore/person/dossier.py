"""What the workspace holds about one person, as the JSON they may take away (LGPD art. 18).

The document is described by `docs/person-export.schema.json` (JSON Schema, draft 2020-12) and
tests validate every export against it, so a data protection officer can hand it over and a
program can read it. Amounts are decimal strings with their currency (exact, never floats),
dates ISO 8601 in UTC. Every export is recorded in the audit trail by the number's keyed hash
(smscore.contacts.erased), never by the number.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from smscore.access.audit import Actor, record
from smscore.clock import utcnow
from smscore.contacts import erased
from smscore.money import decimal_str
from smscore.person.finding import Subject, find
from smscore.store.writes import write

FORMAT = "smsconsole.person-export/1"
SCHEMA_FILE = "docs/person-export.schema.json"
# Tables whose rows the export lists by name; any other table holding the number is listed
# under `other_records`, so nothing found is left out of the answer.
_DESCRIBED = frozenset({"contacts", "messages", "inbound_messages", "suppressions"})


def build(con: duckdb.DuckDBPyConnection, subject: Subject, *, now: datetime | None = None) -> dict[str, Any]:
    """The export document of `subject` (a plain dict ready for json.dumps)."""
    contact = _contact(con, subject.e164)
    return {
        "format": FORMAT,
        "exported_at": _iso(now or utcnow()),
        "phone": subject.e164,
        "country": subject.country,
        "contact": contact,
        "opt_out": _opt_out(con, subject.e164),
        "messages": _messages(con, subject.e164),
        "replies": _replies(con, subject.e164),
        "other_records": [
            {"table": table, "column": column, "at": _iso(at)}
            for table, column, _, at, _ in find(con, subject).itertuples(index=False)
            if table not in _DESCRIBED
        ],
    }


def export(
    con: duckdb.DuckDBPyConnection, subject: Subject, path: str | Path, actor: Actor
) -> dict[str, Any]:
    """Write the document to `path` (UTF-8 JSON) and record the export; returns the document."""
    document = build(con, subject)
    Path(path).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    audit(con, subject, actor, document)
    return document


def audit(con: duckdb.DuckDBPyConnection, subject: Subject, actor: Actor, document: dict[str, Any]) -> None:
    """One audit row: who exported whose data (by the keyed hash) and how much of it."""

    def note(cur: duckdb.DuckDBPyConnection) -> None:
        record(
            cur,
            actor,
            "person.export",
            erased.digest_of(cur, subject.e164)[:21],
            {
                "contact": document["contact"] is not None,
                "messages": len(document["messages"]),
                "replies": len(document["replies"]),
                "other_records": len(document["other_records"]),
            },
        )

    write(con, note)


def _iso(moment: object) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return str(moment)


def _contact(con: duckdb.DuckDBPyConnection, e164: str) -> dict[str, Any] | None:
    row = con.execute(
        """SELECT id, name, CAST(fields AS VARCHAR), created_at, updated_at, consent_source, consent_date
           FROM contacts WHERE phone = ? ORDER BY id LIMIT 1""",
        [e164],
    ).fetchone()
    if row is None:
        return None
    contact_id, name, fields, created, updated, source, date = row
    categories = [
        r[0]
        for r in con.execute(
            """SELECT k.name FROM contact_categories cc JOIN categories k ON k.id = cc.category_id
               WHERE cc.contact_id = ? ORDER BY k.name""",
            [contact_id],
        ).fetchall()
    ]
    return {
        "id": int(contact_id),
        "name": name,
        "fields": json.loads(fields) if fields else {},
        "categories": categories,
        "consent": {"source": source, "date": date},
        "created_at": _iso(created),
        "updated_at": _iso(updated),
    }


def _opt_out(con: duckdb.DuckDBPyConnection, e164: str) -> dict[str, Any]:
    row = con.execute(
        "SELECT reason, source, created_at FROM suppressions WHERE phone = ?", [e164]
    ).fetchone()
    if row is None:
        return {"opted_out": False, "reason": None, "source": None, "since": None}
    return {"opted_out": True, "reason": row[0], "source": row[1], "since": _iso(row[2])}


def _messages(con: duckdb.DuckDBPyConnection, e164: str) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT m.batch_id, coalesce(m.sent_at, m.claimed_at, b.created_at) AS sent_on, m.body,
                  m.state, m.twilio_status, m.error_code, m.segments, m.price_min, m.price_max,
                  m.actual_price, coalesce(m.price_unit, b.currency), b.currency, m.sid
           FROM messages m JOIN batches b ON b.id = m.batch_id
           WHERE m.phone = ? ORDER BY sent_on, m.batch_id""",
        [e164],
    ).fetchall()
    return [
        {
            "batch": batch_id,
            "date": _iso(at),
            "body": body,
            "state": state,
            "twilio_status": twilio_status,
            "error_code": error_code,
            "segments": int(segments),
            "cost": {
                "estimate_min": decimal_str(price_min),
                "estimate_max": decimal_str(price_max),
                "actual": decimal_str(actual) if actual is not None else None,
                "currency": (actual_unit if actual is not None else currency or "").upper(),
            },
            "twilio_sid": sid,
        }
        for (
            batch_id,
            at,
            body,
            state,
            twilio_status,
            error_code,
            segments,
            price_min,
            price_max,
            actual,
            actual_unit,
            currency,
            sid,
        ) in rows
    ]


def _replies(con: duckdb.DuckDBPyConnection, e164: str) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT received_at, body, keyword, to_number, sid FROM inbound_messages
           WHERE from_number = ? ORDER BY received_at, sid""",
        [e164],
    ).fetchall()
    return [
        {"date": _iso(at), "body": body, "keyword": keyword, "to": to, "twilio_sid": sid}
        for at, body, keyword, to, sid in rows
    ]
