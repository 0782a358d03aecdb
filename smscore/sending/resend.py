"""'Send again to the failed': a new batch for the recipients whose failure may not recur.

Only failures classified transient (smscore.twilio.errors: the handset was off, a queue or a carrier
was congested, a rate limit hit) are offered; opt-outs, permanent refusals and codes we do not
know are left out and counted, so the operator sees why. The new batch is an ordinary one: the
same message template, re-rendered and priced for those contacts, confirmed and frozen like
any other, so the ledger's exactly-once holds for it too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import duckdb

from smscore.cost.quote import Quote, Selection, build_quote
from smscore.sending import ledger
from smscore.twilio import errors


@dataclass(frozen=True)
class ResendPlan:
    """Who gets the message again, and how many failures were left out and why."""

    batch_id: str
    body: str
    contact_ids: tuple[int, ...]
    left_out: dict[str, int]  # kind (opted out, permanent, no contact) -> how many

    @property
    def empty(self) -> bool:
        return not self.contact_ids


def plan(con: duckdb.DuckDBPyConnection, batch_id: str) -> ResendPlan:
    """The failed recipients of `batch_id` a resend may reach; KeyError for an unknown id."""
    info = ledger.batch_info(con, batch_id)
    rows = con.execute(
        """SELECT m.contact_id, m.error_code, s.phone IS NOT NULL,
                  m.contact_id IN (SELECT id FROM contacts)
           FROM messages m LEFT JOIN suppressions s ON s.phone = m.phone
           WHERE m.batch_id = ? AND (m.state = 'failed'
                 OR (m.state = 'sent' AND m.twilio_status IN ('failed', 'undelivered')))
           ORDER BY m.seq""",
        [batch_id],
    ).fetchall()
    chosen: list[int] = []
    left_out: Counter[str] = Counter()
    for contact_id, code, suppressed, exists in rows:
        kind = errors.OPTED_OUT if suppressed else errors.classify(code)
        if kind != errors.TRANSIENT:
            left_out[kind] += 1
        elif contact_id is None or not exists:
            left_out["no contact"] += 1
        else:
            chosen.append(int(contact_id))
    return ResendPlan(batch_id, info["body"], tuple(dict.fromkeys(chosen)), dict(left_out))


def quote(con: duckdb.DuckDBPyConnection, resend: ResendPlan, **quote_options: object) -> Quote:
    """Price the resend like any batch (opt-outs since then are excluded by the quote too)."""
    if resend.empty:
        raise ValueError(
            f"batch {resend.batch_id} has no failure worth sending again "
            f"(left out: {describe_left_out(resend.left_out) or 'none'})"
        )
    return build_quote(con, resend.body, Selection(contact_ids=resend.contact_ids), **quote_options)  # type: ignore[arg-type]


def describe_left_out(left_out: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(left_out.items()))
