"""Twilio's webhooks through the real server: `streamlit run console.py` with its st.App routes.

Requests are form-encoded and signed the way Twilio signs them (HMAC-SHA1 of the public URL
plus the sorted parameters, keyed by the auth token); replays are signed by the twilio SDK's own
RequestValidator, as a captured request would be, and sent again with any idempotency token.
The ledger is read from the DuckDB file once the server has stopped and released it.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest
from browser import free_port, streamlit_server
from peer import ACCOUNT_SID, AUTH_TOKEN
from sendkit import make_quote
from test_webhooks import twilio_signature
from twilio.request_validator import RequestValidator

from smscore import store
from smscore.sending import ledger
from smscore.twilio.gateway import MessageResult

SIDS = ["SM" + digit * 32 for digit in "0ab"]
SID = SIDS[0]
PHONE, SENDER = "+447700900001", "+447700900999"
STATUS, INBOUND = "/twilio/status", "/twilio/inbound"


def _prepare(db: Path) -> None:
    """One batch of three messages (SIDS, the first to PHONE), accepted by Twilio as queued."""
    con = store.connect(db)
    batch = ledger.freeze_batch(
        con, make_quote([PHONE, "+447700900002", "+447700900003"]), sender=SENDER, mode="live"
    )
    claims = ledger.claim(con, batch, "t", after_seq=0, limit=3)
    for sid, claim in zip(SIDS, sorted(claims, key=lambda c: c.phone)):
        ledger.mark_sent(
            con, batch, "t", claim.phone, MessageResult(sid=sid, to=claim.phone, status="queued"), 1
        )
    con.close()


def _reply(digit: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": "SM" + digit * 32,
        "AccountSid": ACCOUNT_SID,
        "From": PHONE,
        "To": SENDER,
        "Body": body,
    }


class Console:
    """The running console, posting to it like Twilio does; `stop()` then reads the file."""

    def __init__(self, url: str, db: Path, server: contextlib.ExitStack) -> None:
        self.url, self.db, self.server = url, db, server

    def post(
        self, path: str, params: dict[str, str], *, signature: str | None = "sign", token: str | None = None
    ) -> int:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = twilio_signature(AUTH_TOKEN, self.url + path, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        if token:
            headers["I-Twilio-Idempotency-Token"] = token
        request = urllib.request.Request(
            self.url + path, method="POST", headers=headers, data=urllib.parse.urlencode(params).encode()
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def captured(self, path: str, params: dict[str, str]) -> str:
        """The signature Twilio's SDK makes for this request: valid for as long as the token."""
        return RequestValidator(AUTH_TOKEN).compute_signature(self.url + path, params)

    def replay(
        self, path: str, params: dict[str, str], signature: str, tokens: list[str | None]
    ) -> list[int]:
        """The same signed request once per idempotency token (None: without the header)."""
        return [self.post(path, params, signature=signature, token=token) for token in tokens]

    def stop(self) -> dict[str, object]:
        """Stop the server (releasing the file's lock) and read what the webhooks changed."""
        self.server.close()
        con = duckdb.connect(str(self.db))
        try:
            return {
                "status": con.execute(
                    "SELECT twilio_status, error_code, actual_price FROM messages WHERE sid = ?", [SID]
                ).fetchone(),
                "statuses": dict(con.execute("SELECT sid, twilio_status FROM messages").fetchall()),
                "suppressed": con.execute("SELECT phone, reason FROM suppressions").fetchall(),
                "events": con.execute("SELECT count(*) FROM webhook_events").fetchone()[0],
                "inbox": con.execute("SELECT from_number, body, keyword FROM inbound_messages").fetchall(),
            }
        finally:
            con.close()


@pytest.fixture
def console(tmp_path: Path):
    db = tmp_path / "hooks.duckdb"
    _prepare(db)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+447700900999",
        "SMSCONSOLE_PUBLIC_URL": url,
        "SMSCONSOLE_TWILIO_API_URL": "http://127.0.0.1:9",
    }  # never called by a webhook
    with contextlib.ExitStack() as server:
        served = server.enter_context(streamlit_server(db, tmp_path / "server.log", port=port, env_extra=env))
        assert served == url
        yield Console(url, db, server)


def test_signed_status_callback_updates_the_ledger(console):
    assert (
        console.post(
            "/twilio/status",
            {
                "MessageSid": SID,
                "MessageStatus": "delivered",
                "Price": "-0.0400",
                "PriceUnit": "USD",
                "AccountSid": ACCOUNT_SID,
            },
        )
        == 204
    )
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
    assert (
        console.post("/twilio/status", {"MessageSid": SID, "MessageStatus": "sent"}, token="idem-2") == 204
    )  # arrives late
    state = console.stop()
    assert state["status"][0] == "delivered" and state["events"] == 2


def test_inbound_stop_opts_out_at_once_and_is_kept_in_the_inbox(console):
    assert (
        console.post(
            "/twilio/inbound",
            {"MessageSid": "SM" + "2" * 32, "From": "+447700900001", "To": "+447700900999", "Body": "Parar"},
        )
        == 200
    )
    state = console.stop()
    assert state["suppressed"] == [("+447700900001", "replied PARAR")]
    assert state["inbox"] == [("+447700900001", "Parar", "stop")]


def test_a_stop_replayed_with_a_fresh_token_after_start_leaves_the_number_opted_in(console):
    stop, start = _reply("3", "STOP"), _reply("4", "START")
    captured = console.captured(INBOUND, stop)
    assert console.post(INBOUND, stop, signature=captured, token="idem-stop") == 200
    assert console.post(INBOUND, start, signature=console.captured(INBOUND, start), token="idem-start") == 200
    assert console.replay(INBOUND, stop, captured, ["idem-fresh", "idem-stop", None]) == [200] * 3
    state = console.stop()
    assert state["suppressed"] == []
    assert state["events"] == 2 and [row[2] for row in state["inbox"]] == ["stop", "start"]


def test_a_start_replayed_after_a_later_stop_leaves_the_number_opted_out(console):
    start = _reply("4", "START")
    captured = console.captured(INBOUND, start)
    for params, token in ((_reply("3", "STOP"), "t1"), (start, "t2"), (_reply("5", "PARAR"), "t3")):
        assert console.post(INBOUND, params, signature=console.captured(INBOUND, params), token=token) == 200
    assert console.replay(INBOUND, start, captured, ["t4", None]) == [200, 200]
    state = console.stop()
    assert state["suppressed"] == [(PHONE, "replied PARAR")] and state["events"] == 3


def test_a_status_callback_replayed_with_a_new_token_is_a_repeat(console):
    delivered = {
        "MessageSid": SID,
        "MessageStatus": "delivered",
        "Price": "-0.0400",
        "PriceUnit": "USD",
        "AccountSid": ACCOUNT_SID,
    }
    captured = console.captured(STATUS, delivered)
    assert console.replay(STATUS, delivered, captured, ["idem-1", "idem-2", None]) == [204] * 3
    state = console.stop()
    assert state["events"] == 1  # one event recorded, whatever the unsigned header said
    status, code, price = state["status"]
    assert (status, code, str(price)) == ("delivered", None, "0.040000")


def test_read_after_failed_or_undelivered_leaves_the_final_state(console):
    for sid, final in zip(SIDS, ("failed", "undelivered", "delivered")):
        callback = {"MessageSid": sid, "MessageStatus": final, "AccountSid": ACCOUNT_SID}
        if final != "delivered":
            callback["ErrorCode"] = "30008"
        read = {"MessageSid": sid, "MessageStatus": "read", "AccountSid": ACCOUNT_SID}
        assert (
            console.post(STATUS, callback, signature=console.captured(STATUS, callback), token=f"{sid}-1")
            == 204
        )
        assert console.replay(STATUS, read, console.captured(STATUS, read), [f"{sid}-2", f"{sid}-3"]) == [
            204,
            204,
        ]
    state = console.stop()
    assert state["statuses"] == {SIDS[0]: "failed", SIDS[1]: "undelivered", SIDS[2]: "read"}
    assert state["status"][:2] == ("failed", 30008)


def test_two_concurrent_deliveries_of_one_stop_apply_once(console):
    stop = _reply("3", "STOP")
    captured = console.captured(INBOUND, stop)
    gate = threading.Barrier(2)
    answers: list[int] = []

    def deliver(token: str) -> None:
        gate.wait()
        answers.append(console.post(INBOUND, stop, signature=captured, token=token))

    threads = [threading.Thread(target=deliver, args=(f"idem-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    state = console.stop()
    assert state["events"] == 1 and state["suppressed"] == [(PHONE, "replied STOP")]
    assert state["inbox"] == [(PHONE, "STOP", "stop")]
