"""Erasing a person (LGPD art. 18, VI): nothing of their number, name or texts stays, the money does.

What goes: the contact with its categories' links, consent and fields; the opt-out row; their
replies; the sandbox's copies of their messages; and, through Twilio's API, each Message record
at Twilio (`DELETE /Messages/{Sid}`), listing any Twilio would not delete. What stays, without
the person in it: each ledger row's batch, country, segments, prices, states and dates
(smscore.person.anonymise), so reports and totals do not change. Whatever else still holds the
number after that (an audit detail, a Twilio error text, a settings value) has the number
replaced by `[erased]`, found by the same schema-wide search as `finding`, and a last search
proves nothing is left.

The number stays blocked from imports by its keyed hash on the opt-out list
(smscore.contacts.erased), and one audit row records the erasure by that hash and counts,
never by the number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from smscore.access.audit import Actor, record
from smscore.contacts import erased
from smscore.person import anonymise
from smscore.person.finding import Subject, find, matches, quoted, text_columns
from smscore.store.writes import write
from smscore.twilio.gateway import Gateway, GatewayError

REPLACEMENT = "[erased]"


class ErasureRefused(RuntimeError):
    """An erasure that cannot run now, said in one sentence (nothing was changed)."""


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure will take away: shown before anyone confirms it."""

    subject: Subject
    name: str | None
    contact: bool
    categories: int
    messages: int
    replies: int
    opted_out: bool
    at_twilio: int  # message records to delete at Twilio (or in the sandbox)
    other_rows: int  # rows elsewhere whose text quotes the number


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure did; `not_deleted` lists (SID, reason) Twilio would not delete, and
    `left` the (table, column) still holding the number (empty when all went)."""

    contacts: int
    links: int
    messages: int
    stopped: int
    replies: int
    sandbox: int
    twilio_deleted: int
    scrubbed: int
    not_deleted: list[tuple[str, str]] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)


def plan(con: duckdb.DuckDBPyConnection, subject: Subject) -> ErasurePlan:
    """Count what the erasure of `subject` would remove or anonymise."""
    e164 = subject.e164
    contact = con.execute("SELECT id, name FROM contacts WHERE phone = ?", [e164]).fetchall()
    ids = [r[0] for r in contact]
    links = (
        con.execute(
            "SELECT count(*) FROM contact_categories WHERE contact_id IN (SELECT unnest(?::BIGINT[]))", [ids]
        ).fetchall()[0][0]
        if ids
        else 0
    )
    found = find(con, subject)
    described = found["table"].isin(
        ["contacts", "messages", "inbound_messages", "suppressions", "sandbox_messages"]
    )
    return ErasurePlan(
        subject=subject,
        name=contact[0][1] if contact else None,
        contact=bool(contact),
        categories=int(links),
        messages=_count(con, "SELECT count(*) FROM messages WHERE phone = ?", e164),
        replies=_count(con, "SELECT count(*) FROM inbound_messages WHERE from_number = ?", e164),
        opted_out=bool(_count(con, "SELECT count(*) FROM suppressions WHERE phone = ?", e164)),
        at_twilio=len(_records(con, e164)),
        other_rows=int((~described).sum()),
    )


def erase(
    con: duckdb.DuckDBPyConnection, subject: Subject, gateway: Gateway | None, actor: Actor
) -> ErasureReport:
    """Erase `subject`: Twilio's records first (network calls stay outside the unit of work),
    then every change in the workspace as one unit with its audit row, then a last search.

    Raises ErasureRefused, changing nothing, while a message to the number is being sent.
    """
    e164 = subject.e164
    claimed = con.execute(
        "SELECT DISTINCT batch_id FROM messages WHERE phone = ? AND state = 'claimed'", [e164]
    ).fetchall()
    if claimed:
        raise ErasureRefused(
            f"a message to this number is being sent right now (batch {claimed[0][0][:12]}); "
            "erase it once that batch has finished or paused"
        )
    deleted, by_sandbox, not_deleted, sandbox_sids = _delete_at_twilio(con, e164, gateway)
    counts: dict[str, int] = {}

    def work(cur: duckdb.DuckDBPyConnection) -> None:
        counts.update(_erase_rows(cur, e164, sandbox_sids))
        counts["sandbox"] += by_sandbox
        counts["scrubbed"] = _scrub(cur, subject)
        entry = erased.block(cur, e164)
        record(
            cur,
            actor,
            "person.erase",
            entry[:21],
            {**counts, "twilio_deleted": deleted, "twilio_not_deleted": [sid for sid, _ in not_deleted]},
        )

    write(con, work)
    left = sorted({(t, c) for t, c, *_ in find(con, subject).itertuples(index=False)})
    return ErasureReport(
        contacts=counts["contacts"],
        links=counts["links"],
        messages=counts["messages"],
        stopped=counts["stopped"],
        replies=counts["replies"],
        sandbox=counts["sandbox"],
        twilio_deleted=deleted,
        scrubbed=counts["scrubbed"],
        not_deleted=not_deleted,
        left=left,
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str, e164: str) -> int:
    return int(con.execute(sql, [e164]).fetchall()[0][0])


def _records(con: duckdb.DuckDBPyConnection, e164: str) -> list[tuple[str, str, str | None]]:
    """(SID, mode, Twilio status) of every message record about the number: the ledger's
    messages to it (mode of their batch) and its replies (whose mode is unknown: None)."""
    sent = con.execute(
        """SELECT m.sid, b.mode, m.twilio_status FROM messages m JOIN batches b ON b.id = m.batch_id
           WHERE m.phone = ? AND m.sid IS NOT NULL ORDER BY m.sid""",
        [e164],
    ).fetchall()
    received = con.execute(
        "SELECT sid, NULL, NULL FROM inbound_messages WHERE from_number = ? ORDER BY sid", [e164]
    ).fetchall()
    return [(sid, mode, status) for sid, mode, status in [*sent, *received]]


def _delete_at_twilio(
    con: duckdb.DuckDBPyConnection, e164: str, gateway: Gateway | None
) -> tuple[int, int, list[tuple[str, str]], list[str]]:
    """DELETE each of the number's message records where it lives: (deleted at Twilio, deleted by
    the sandbox, [(SID, why not)], sandbox SIDs left for the unit of work). A scheduled message
    is canceled first, as Twilio requires."""
    deleted, by_sandbox, failed, sandbox = 0, 0, [], []
    for sid, mode, status in _records(con, e164):
        if mode == "sandbox" and (gateway is None or gateway.mode != "sandbox"):
            sandbox.append(sid)  # the sandbox's records are in this file: gone inside the unit
            continue
        if mode == "sandbox":
            try:  # the sandbox deletes its own record, as Twilio would
                if status == "scheduled":
                    gateway.cancel(sid)  # type: ignore[union-attr]
                gateway.delete(sid)  # type: ignore[union-attr]
                by_sandbox += 1
            except GatewayError:
                sandbox.append(sid)  # not deletable that way: the unit of work removes it
            continue
        if mode is None and (gateway is None or gateway.mode != "live"):
            continue  # a reply received by the sandbox: it has no record but the inbox row
        if gateway is None or gateway.mode != "live":
            failed.append((sid, "no Twilio credentials set: delete it in Twilio's Console"))
            continue
        try:
            if status == "scheduled":
                gateway.cancel(sid)
            gateway.delete(sid)
            deleted += 1
        except GatewayError as exc:
            failed.append((sid, str(exc)))
    return deleted, by_sandbox, failed, sandbox


def _erase_rows(cur: duckdb.DuckDBPyConnection, e164: str, sandbox_sids: list[str]) -> dict[str, int]:
    ids = [r[0] for r in cur.execute("SELECT id FROM contacts WHERE phone = ?", [e164]).fetchall()]
    links = 0
    if ids:
        links = cur.execute(
            "DELETE FROM contact_categories WHERE contact_id IN (SELECT unnest(?::BIGINT[]))", [ids]
        ).fetchall()[0][0]
    contacts = cur.execute("DELETE FROM contacts WHERE phone = ?", [e164]).fetchall()[0][0]
    cur.execute("DELETE FROM suppressions WHERE phone = ?", [e164])
    replies = cur.execute("DELETE FROM inbound_messages WHERE from_number = ?", [e164]).fetchall()[0][0]
    sandbox = 0
    if sandbox_sids:
        sandbox = cur.execute(
            "DELETE FROM sandbox_messages WHERE sid IN (SELECT unnest(?::VARCHAR[]))", [sandbox_sids]
        ).fetchall()[0][0]
    sandbox += anonymise.sandbox_copies(cur, "s.to_number = ?", [e164])
    messages, stopped = anonymise.messages(cur, "m.phone = ?", [e164])
    return {
        "contacts": int(contacts),
        "links": int(links),
        "messages": messages,
        "stopped": stopped,
        "replies": int(replies),
        "sandbox": int(sandbox),
    }


def _scrub(cur: duckdb.DuckDBPyConnection, subject: Subject) -> int:
    """Replace the number wherever else it is written, by the schema-wide search; JSON stays
    JSON (strings inside it are replaced, a bare number becomes the string "[erased]")."""
    pattern = subject.python_pattern()
    changed = 0
    for column in text_columns(cur):
        for rowid, _, value in matches(cur, subject, column):
            if column.is_json:
                new = json.dumps(_scrub_json(json.loads(value), pattern), ensure_ascii=False)
            else:
                new = pattern.sub(REPLACEMENT, value)
            cur.execute(
                f"UPDATE {quoted(column.table)} SET {quoted(column.column)} = ? WHERE rowid = ?", [new, rowid]
            )
            changed += 1
    return changed


def _scrub_json(node: Any, pattern: Any) -> Any:
    if isinstance(node, dict):
        return {pattern.sub(REPLACEMENT, k): _scrub_json(v, pattern) for k, v in node.items()}
    if isinstance(node, list):
        return [_scrub_json(v, pattern) for v in node]
    if isinstance(node, str):
        return pattern.sub(REPLACEMENT, node)
    if isinstance(node, int | float) and not isinstance(node, bool) and pattern.search(str(node)):
        return REPLACEMENT
    return node
