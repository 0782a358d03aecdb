"""Twilio's webhooks through the real server: `streamlit run console.py` with its st.App routes.

Requests are form-encoded and signed the way Twilio signs them (HMAC-SHA1 of the public URL
plus the sorted parameters, keyed by the auth token); the ledger is read from the DuckDB file
once the server has stopped and released it.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

from browser import free_port, streamlit_server
from peer import ACCOUNT_SID, AUTH_TOKEN
from smscore import ledger, store
from smscore.gateway import MessageResult
from sendkit import make_quote
from test_webhooks import twilio_signature

SID = "SM" + "0" * 32


def _prepare(db: Path) -> None:
    """One batch of one message, accepted by Twilio as queued."""
    con = store.connect(db)
    batch = ledger.freeze_batch(con, make_quote(["+447700900001"]), sender="+447700900999",
                                mode="live")
    [claim] = ledger.claim(con, batch, "t", after_seq=0, limit=1)
    ledger.mark_sent(con, batch, "t", claim.phone,
                     MessageResult(sid=SID, to=claim.phone, status="queued"), 1)
    con.close()


class Console:
    """The running console, posting to it like Twilio does; `stop()` then reads the file."""

    def __init__(self, url: str, db: Path, server: contextlib.ExitStack) -> None:
        self.url, self.db, self.server = url, db, server

    def post(self, path: str, params: dict[str, str], *, signature: str | None = "sign",
             token: str | None = None) -> int:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = twilio_signature(AUTH_TOKEN, self.url + path, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        if token:
            headers["I-Twilio-Idempotency-Token"] = token
        request = urllib.request.Request(self.url + path, method="POST", headers=headers,
                                         data=urllib.parse.urlencode(params).encode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def stop(self) -> dict[str, object]:
        """Stop the server (releasing the file's lock) and read what the webhooks changed."""
        self.server.close()
        con = duckdb.connect(str(self.db))
        try:
            return {
                "status": con.execute("SELECT twilio_status, error_code, actual_price "
                                      "FROM messages WHERE sid = ?", [SID]).fetchone(),
                "suppressed": con.execute("SELECT phone, reason FROM suppressions").fetchall(),
                "events": con.execute("SELECT count(*) FROM webhook_events").fetchone()[0],
                "inbox": con.execute("SELECT from_number, body, keyword FROM inbound_messages"
                                     ).fetchall(),
            }
        finally:
            con.close()


@pytest.fixture
def console(tmp_path: Path):
    db = tmp_path / "hooks.duckdb"
    _prepare(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_FROM": "+447700900999", "SMSCONSOLE_PUBLIC_URL": url,
           "SMSCONSOLE_TWILIO_API_URL": "http://127.0.0.1:9"}  # never called by a webhook
    with contextlib.ExitStack() as server:
        served = server.enter_context(
            streamlit_server(db, tmp_path / "server.log", port=port, env_extra=env))
        assert served == url
        yield Console(url, db, server)


def test_signed_status_callback_updates_the_ledger(console):
    assert console.post("/twilio/status", {"MessageSid": SID, "MessageStatus": "delivered",
                                           "Price": "-0.0400", "PriceUnit": "USD",
                                           "AccountSid": ACCOUNT_SID}) == 204
    status, code, price = console.stop()["status"]
    assert (status, code, str(price)) == ("delivered", None, "0.040000")


def test_forged_or_unsigned_requests_get_403_and_change_nothing(console):
    params = {"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": "30008"}
    assert console.post("/twilio/status", params, signature=None) == 403
    forged = twilio_signature("not-the-token", console.url + "/twilio/status", params)
    assert console.post("/twilio/status", params, signature=forged) == 403
    stop = {"MessageSid": "SM" + "1" * 32, "From": "+447700900001", "Body": "STOP"}
    other_url = twilio_signature(AUTH_TOKEN, "https://elsewhere.example/twilio/inbound", stop)
    assert console.post("/twilio/inbound", stop, signature=other_url) == 403
    state = console.stop()
    assert state["status"][0] == "queued" and state["events"] == 0
    assert state["suppressed"] == [] and state["inbox"] == []


def test_replayed_and_out_of_order_callbacks_never_move_a_message_back(console):
    delivered = {"MessageSid": SID, "MessageStatus": "delivered"}
    assert console.post("/twilio/status", delivered, token="idem-1") == 204
    assert console.post("/twilio/status", delivered, token="idem-1") == 204  # Twilio's retry
    assert console.post("/twilio/status", {"MessageSid": SID, "MessageStatus": "sent"},
                        token="idem-2") == 204  # arrives late
    state = console.stop()
    assert state["status"][0] == "delivered" and state["events"] == 2


def test_inbound_stop_opts_out_at_once_and_is_kept_in_the_inbox(console):
    assert console.post("/twilio/inbound", {"MessageSid": "SM" + "2" * 32,
                                            "From": "+447700900001", "To": "+447700900999",
                                            "Body": "Parar"}) == 200
    state = console.stop()
    assert state["suppressed"] == [("+447700900001", "replied PARAR")]
    assert state["inbox"] == [("+447700900001", "Parar", "stop")]
