"""Webhook logic on a real DuckDB file: signatures, idempotency by what Twilio signs, statuses
only moving forward and never off a failure, STOP and START keywords. The HTTP side (replays
with fresh idempotency tokens among it) is tested through the real server in
test_webhook_server.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

import pytest
from sendkit import make_quote

from smscore import store
from smscore.sending import ledger
from smscore.twilio import webhooks
from smscore.twilio.gateway import MessageResult

TOKEN = "test-auth-token-0f3a"
URL = "https://sms.example.com/twilio/status"


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's documented scheme, written out: HMAC-SHA1 over the URL and sorted name+value."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


@pytest.fixture
def sent(fresh_db):
    """A batch of two, accepted by Twilio as queued, with their sids."""
    q = make_quote(["+447700900001", "+447700900002"])
    batch = ledger.freeze_batch(fresh_db, q, sender="+447700900999", mode="live")
    claims = ledger.claim(fresh_db, batch, "t", after_seq=0, limit=2)
    for i, c in enumerate(claims):
        ledger.mark_sent(
            fresh_db, batch, "t", c.phone, MessageResult(sid=f"SM{i:032x}", to=c.phone, status="queued"), 1
        )
    return fresh_db, batch


def _status(con, sid: str, _unused: str = ""):
    return con.execute(
        "SELECT twilio_status, error_code, actual_price FROM messages WHERE sid = ?", [sid]
    ).fetchone()


SID = f"SM{0:032x}"


def test_signature_made_like_twilio_verifies():
    params = {"MessageSid": SID, "MessageStatus": "delivered", "To": "+447700900001"}
    assert webhooks.verify(TOKEN, URL, params, twilio_signature(TOKEN, URL, params))


@pytest.mark.parametrize("change", ["token", "url", "param", "missing"])
def test_forged_signature_is_refused(change):
    params = {"MessageSid": SID, "MessageStatus": "delivered"}
    signature = twilio_signature(TOKEN, URL, params)
    if change == "token":
        signature = twilio_signature("another-token", URL, params)
    elif change == "url":
        signature = twilio_signature(TOKEN, "https://evil.example.com/twilio/status", params)
    elif change == "param":
        params = {**params, "MessageStatus": "failed"}
    else:
        signature = None
    assert not webhooks.verify(TOKEN, URL, params, signature)


def test_no_token_configured_verifies_nothing():
    params = {"MessageSid": SID}
    assert not webhooks.verify(None, URL, params, twilio_signature(TOKEN, URL, params))


def test_status_callback_updates_status_error_and_price(sent):
    con, _ = sent
    result = webhooks.handle_status(
        con,
        {
            "MessageSid": SID,
            "MessageStatus": "undelivered",
            "ErrorCode": "30003",
            "Price": "-0.0400",
            "PriceUnit": "USD",
        },
    )
    assert result.outcome == webhooks.APPLIED
    status, code, price = _status(con, SID, "")
    assert (status, code, str(price)) == ("undelivered", 30003, "0.040000")


@pytest.mark.parametrize("price", ["NaN", "1e30", "abc"])
def test_a_callback_whose_price_cannot_be_stored_still_records_the_status(sent, price):
    con, _ = sent
    result = webhooks.handle_status(
        con, {"MessageSid": SID, "MessageStatus": "delivered", "Price": price, "PriceUnit": "USD"}
    )
    assert result.outcome == webhooks.APPLIED
    assert _status(con, SID) == ("delivered", None, None)


@pytest.mark.parametrize("code", ["99999999999", "30003.0", "x"])
def test_a_callback_whose_error_code_cannot_be_stored_still_records_the_status(sent, code):
    con, _ = sent
    result = webhooks.handle_status(
        con, {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": code}
    )
    assert result.outcome == webhooks.APPLIED
    assert _status(con, SID) == ("undelivered", None, None)


def test_repeated_callback_changes_nothing_twice(sent):
    con, _ = sent
    params = {"MessageSid": SID, "MessageStatus": "sent"}
    assert webhooks.handle_status(con, params).outcome == webhooks.APPLIED
    con.execute("UPDATE messages SET twilio_status = 'queued' WHERE sid = ?", [SID])
    assert webhooks.handle_status(con, params).outcome == webhooks.REPEAT
    assert _status(con, SID, "")[0] == "queued"  # the repeat did not apply again


def test_a_callback_is_known_by_its_message_and_status_not_its_error_code(sent):
    con, _ = sent
    first = {"MessageSid": SID, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert webhooks.handle_status(con, first).outcome == webhooks.APPLIED
    again = webhooks.handle_status(con, {**first, "ErrorCode": "30005", "Price": "-0.04"})
    assert again.outcome == webhooks.REPEAT
    assert _status(con, SID) == ("undelivered", 30003, None)
    assert con.execute("SELECT key FROM webhook_events").fetchall() == [(f"status:{SID}:undelivered",)]


def test_out_of_order_callback_never_moves_a_message_back(sent):
    con, _ = sent
    webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": "delivered"})
    late = webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": "sent"})
    assert late.outcome == webhooks.IGNORED and _status(con, SID, "")[0] == "delivered"
    failed = webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": "30008"})
    assert failed.outcome == webhooks.IGNORED and _status(con, SID, "")[:2] == ("delivered", None)


@pytest.mark.parametrize("failure", ["failed", "undelivered", "canceled"])
def test_read_after_a_failure_leaves_the_failure(sent, failure):
    con, _ = sent
    webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": failure, "ErrorCode": "30008"})
    read = webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": "read"})
    assert read == webhooks.Result(webhooks.IGNORED, "already further along")
    assert _status(con, SID)[:2] == (failure, 30008)


@pytest.mark.parametrize("before", ["sent", "delivered", "partially_delivered"])
def test_read_still_follows_a_message_that_got_through(sent, before):
    con, _ = sent
    webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": before})
    assert (
        webhooks.handle_status(con, {"MessageSid": SID, "MessageStatus": "read"}).outcome == webhooks.APPLIED
    )
    assert _status(con, SID)[0] == "read"


def test_no_status_moves_a_message_off_a_failure_or_back():
    statuses = list(webhooks._RANK)
    for failure in ("failed", "undelivered", "canceled"):
        assert not [new for new in statuses if webhooks.moves(failure, new)], failure
    for old in statuses:
        for new in statuses:
            if webhooks.moves(old, new):
                assert webhooks._RANK[old] < webhooks._RANK[new], (old, new)
    assert webhooks.moves("delivered", "read") and webhooks.moves("queued", "failed")
    assert webhooks.moves(None, "sent") and webhooks.moves("receiving", "sent")


def test_callback_for_someone_elses_message_is_ignored(sent):
    con, _ = sent
    result = webhooks.handle_status(con, {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"})
    assert result == webhooks.Result(webhooks.IGNORED, "not a message of ours")


@pytest.mark.parametrize(
    "body", ["STOP", " stop ", "Parar", "SAIR", "cancelar", "StopAll", "unsubscribe", "END", "quit", "Stop."]
)
def test_stop_family_keywords_opt_out(fresh_db, body):
    webhooks.handle_inbound(fresh_db, {"MessageSid": "SM1", "From": "+5511987654321", "Body": body})
    assert (
        fresh_db.execute("SELECT count(*) FROM suppressions WHERE phone = '+5511987654321'").fetchone()[0]
        == 1
    )


def test_configured_keyword_opts_out_and_a_sentence_does_not(fresh_db):
    extra = webhooks.extra_stop_words({webhooks.KEYWORDS_SETTING: "remover, chega"})
    webhooks.handle_inbound(
        fresh_db, {"MessageSid": "SM1", "From": "+551", "Body": "Chega"}, extra_stop=extra
    )
    webhooks.handle_inbound(
        fresh_db, {"MessageSid": "SM2", "From": "+552", "Body": "please stop sending me these"}
    )
    rows = fresh_db.execute("SELECT phone FROM suppressions").fetchall()
    assert rows == [("+551",)]


@pytest.mark.parametrize("word", ["START", "yes", "unstop", "Voltar"])
def test_start_keywords_opt_back_in(fresh_db, word):
    webhooks.handle_inbound(fresh_db, {"MessageSid": "SM1", "From": "+551", "Body": "STOP"})
    webhooks.handle_inbound(fresh_db, {"MessageSid": "SM2", "From": "+551", "Body": word})
    assert fresh_db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_help_and_replies_are_kept_for_the_inbox(fresh_db):
    webhooks.handle_inbound(fresh_db, {"MessageSid": "SM1", "From": "+551", "Body": "HELP"})
    webhooks.handle_inbound(
        fresh_db, {"MessageSid": "SM2", "From": "+552", "Body": '=HYPERLINK("x") **obrigado**'}
    )
    box = webhooks.inbox(fresh_db)
    assert set(zip(box["from_number"], box["keyword"].fillna("-"))) == {("+551", "help"), ("+552", "-")}
    assert fresh_db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_repeated_inbound_stop_is_applied_once(fresh_db):
    params = {"MessageSid": "SM1", "From": "+551", "Body": "STOP"}
    assert webhooks.handle_inbound(fresh_db, params).outcome == webhooks.APPLIED
    fresh_db.execute("DELETE FROM suppressions")  # the operator took it off since
    assert webhooks.handle_inbound(fresh_db, params).outcome == webhooks.REPEAT
    assert fresh_db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def test_a_stop_replayed_after_start_leaves_the_number_opted_in(fresh_db):
    stop = {"MessageSid": "SM1", "From": "+551", "Body": "STOP"}
    webhooks.handle_inbound(fresh_db, stop)
    webhooks.handle_inbound(fresh_db, {"MessageSid": "SM2", "From": "+551", "Body": "START"})
    assert webhooks.handle_inbound(fresh_db, stop).outcome == webhooks.REPEAT
    assert fresh_db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0


def _deliver_at_once(con, deliver, times: int = 2) -> list[webhooks.Result]:
    """`deliver(cursor)` from `times` threads released together, each on its own cursor."""
    gate = threading.Barrier(times)
    results: list[webhooks.Result] = []
    errors: list[BaseException] = []

    def one() -> None:
        cur = con.cursor()
        try:
            gate.wait()
            results.append(deliver(cur))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            cur.close()

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_two_concurrent_deliveries_of_one_stop_apply_once(fresh_db):
    stop = {"MessageSid": "SM1", "From": "+551", "Body": "STOP"}
    results = _deliver_at_once(fresh_db, lambda cur: webhooks.handle_inbound(cur, stop))
    assert sorted(r.outcome for r in results) == [webhooks.APPLIED, webhooks.REPEAT]
    assert fresh_db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 1
    assert fresh_db.execute("SELECT key FROM webhook_events").fetchall() == [("inbound:SM1",)]


def test_two_concurrent_deliveries_of_one_status_callback_apply_once(sent):
    con, _ = sent
    params = {"MessageSid": SID, "MessageStatus": "delivered", "Price": "-0.04", "PriceUnit": "USD"}
    results = _deliver_at_once(con, lambda cur: webhooks.handle_status(cur, params))
    assert sorted(r.outcome for r in results) == [webhooks.APPLIED, webhooks.REPEAT]
    assert _status(con, SID)[0] == "delivered"
    assert con.execute("SELECT count(*) FROM webhook_events").fetchone()[0] == 1


def test_a_stop_received_before_the_upgrade_is_still_a_repeat_after_it(db_path):
    """Version 11 gives replies already in the inbox their signed key (they had token keys)."""
    import duckdb

    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for version, statements in store.MIGRATIONS:
        if version <= 9:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    con.execute("""INSERT INTO inbound_messages VALUES ('SM1', '+551', '+552', 'STOP', 'stop',
                   now())""")
    con.execute("INSERT INTO webhook_events VALUES ('token:idem-1', 'inbound', now())")
    con.close()
    con = store.connect(db_path)
    try:
        assert con.execute("SELECT key FROM webhook_events").fetchall() == [("inbound:SM1",)]
        replay = {"MessageSid": "SM1", "From": "+551", "Body": "STOP"}
        assert webhooks.handle_inbound(con, replay).outcome == webhooks.REPEAT
        assert con.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 0
    finally:
        con.close()


def test_public_url_must_be_a_base_url():
    assert (
        webhooks.status_callback_url({webhooks.PUBLIC_URL: "https://sms.example.com/"})
        == "https://sms.example.com/twilio/status"
    )
    assert webhooks.status_callback_url({}) is None
    with pytest.raises(webhooks.WebhookConfigError, match="got 'sms.example.com'"):
        webhooks.public_url({webhooks.PUBLIC_URL: "sms.example.com"})


# -- StatusCallback on create, through the real SDK to the Prism peer ----------------------------


def test_send_passes_status_callback_when_a_public_url_is_configured(fault_proxy, peer_credentials):
    from smscore.twilio.live import TwilioGateway

    callback = webhooks.status_callback_url({webhooks.PUBLIC_URL: "https://sms.example.com"})
    gateway = TwilioGateway(peer_credentials, api_url=fault_proxy.url, timeout=2.0, status_callback=callback)
    gateway.send("+447700900125", "Hi", "+15017122661")
    [received] = fault_proxy.creates("+447700900125")
    assert received.form["StatusCallback"] == "https://sms.example.com/twilio/status"


def test_open_gateway_without_public_url_sends_no_status_callback(fault_proxy):
    from peer import ACCOUNT_SID, AUTH_TOKEN

    from smscore.twilio.connect import open_gateway

    cfg = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SMSCONSOLE_TWILIO_API_URL": fault_proxy.url,
    }
    assert open_gateway(None, cfg).status_callback is None
    with_url = open_gateway(None, {**cfg, webhooks.PUBLIC_URL: "https://sms.example.com"})
    with_url.send("+447700900126", "Hi", "+15017122661")
    [received] = fault_proxy.creates("+447700900126")
    assert received.form["StatusCallback"] == "https://sms.example.com/twilio/status"
