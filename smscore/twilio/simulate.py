"""The sandbox's side of Twilio's webhooks: status callbacks and replies, without an account.

The simulated events go through the same pure steps as real webhooks (smscore.twilio.webhooks), only
without the HTTP and the signature, so trying the whole lifecycle in the sandbox exercises the
code that runs live: a delivery status moving the ledger forward, a STOP opting a number out.
"""

from __future__ import annotations

import uuid

import duckdb

from smscore.twilio import webhooks
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway

_FINAL = ("delivered", "undelivered", "failed", "canceled")


def status_callbacks(con: duckdb.DuckDBPyConnection) -> int:
    """Move every sandbox message one step (queued -> sent -> delivered; scheduled ones once
    due) and post each change as Twilio's status callback would; how many changed."""
    account = SandboxGateway(con)
    rows = con.execute(
        "SELECT sid, status FROM sandbox_messages WHERE status NOT IN (SELECT unnest(?::VARCHAR[]))",
        [list(_FINAL)],
    ).fetchall()
    changed = 0
    for sid, before in rows:
        result = account.fetch(sid)
        if result.status == before:
            continue
        params = {"MessageSid": sid, "MessageStatus": result.status, "To": result.to, "From": SANDBOX_SENDER}
        if result.error_code:
            params["ErrorCode"] = str(result.error_code)
        if result.price is not None:
            params.update(Price=f"-{result.price}", PriceUnit=result.price_unit or "USD")
        webhooks.handle_status(con, params)
        changed += 1
    return changed


def reply(
    con: duckdb.DuckDBPyConnection, phone: str, body: str, extra_stop: frozenset[str] = frozenset()
) -> webhooks.Result:
    """A recipient's reply, as Twilio's incoming-message webhook would bring it."""
    if not phone.strip().startswith("+"):
        raise ValueError(f"the reply's number must be in E.164, like +5511987654321; got {phone!r}")
    return webhooks.handle_inbound(
        con,
        {"MessageSid": "SM" + uuid.uuid4().hex, "From": phone.strip(), "To": SANDBOX_SENDER, "Body": body},
        extra_stop=extra_stop,
    )
