"""The batch sender against a stateful in-process account: exactly once, whatever happens."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sendkit import SENDER, LedgerTwilio, fail_with, make_quote, no_retry_sleep, phones

from smscore import reports, store
from smscore.sending import ledger, sender
from smscore.sending.sender import reconcile, run_batch
from smscore.sending.worker import RetryPolicy, classify
from smscore.twilio.gateway import GatewayError

FAST = dict(concurrency=4, rate_segments_per_second=1000, sleep=no_retry_sleep)


@pytest.fixture
def con():
    connection = store.connect(":memory:")
    yield connection
    connection.close()


def freeze(con, n=20, **kw):
    return ledger.freeze_batch(con, make_quote(phones(n), **kw), sender=SENDER, mode="sandbox")


def row(con, phone):
    return con.execute(
        "SELECT state, attempts, sid, error_code, error_message FROM messages WHERE phone = ?", [phone]
    ).fetchone()


def assert_each_once(con, batch_id, twilio, n):
    progress = ledger.batch_progress(con, batch_id)
    assert progress.accounted == n
    assert twilio.duplicates() == {}
    sids = con.execute("SELECT count(sid), count(DISTINCT sid) FROM messages").fetchone()
    assert sids[0] == sids[1]
    return progress


def test_batch_sends_every_recipient_exactly_once(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=50)
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert (progress.status, progress.sent) == ("done", 50)
    assert sum(twilio.accepted.values()) == 50
    assert_each_once(con, batch_id, twilio, 50)


def test_running_a_finished_batch_again_sends_nothing(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con)
    run_batch(con, twilio, batch_id, **FAST)
    again = ledger.freeze_batch(con, make_quote(phones(20)), sender=SENDER, mode="sandbox")
    progress = run_batch(con, twilio, again, **FAST)
    assert again == batch_id and progress.sent == 20
    assert sum(twilio.attempts.values()) == 20


def test_two_threads_racing_on_one_batch_send_each_message_once(con):
    twilio = LedgerTwilio(latency=0.002)
    batch_id = freeze(con, n=200)
    threads = [
        threading.Thread(target=run_batch, args=(con, twilio, batch_id), kwargs=FAST) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(twilio.attempts.values()) == 200
    progress = assert_each_once(con, batch_id, twilio, 200)
    assert (progress.sent, progress.status) == (200, "done")


def test_throttling_is_retried_and_sent_once(con):
    twilio = LedgerTwilio()
    twilio.default_action = fail_with(20429, 429, times=2)
    batch_id = freeze(con, n=10)
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert progress.sent == 10
    assert row(con, phones(1)[0])[:2] == ("sent", 3)
    assert_each_once(con, batch_id, twilio, 10)


@pytest.mark.parametrize(
    ("code", "status", "sent"),
    [
        (None, 503, True),  # Twilio answered 5xx: it did not take the message
        (None, 500, True),
        (None, None, False),  # connection refused before the request left
    ],
)
def test_server_errors_and_refused_connections_are_retried(con, code, status, sent):
    twilio = LedgerTwilio()
    twilio.default_action = fail_with(code, status, sent=sent, times=1)
    batch_id = freeze(con, n=5)
    assert run_batch(con, twilio, batch_id, **FAST).sent == 5
    assert_each_once(con, batch_id, twilio, 5)


def test_throttled_past_all_retries_pauses_and_requeues(con):
    twilio = LedgerTwilio()
    twilio.default_action = fail_with(20429, 429)
    batch_id = freeze(con, n=3)
    progress = run_batch(con, twilio, batch_id, retry=RetryPolicy(attempts=3), **FAST)
    assert progress.status == "paused" and "throttled" in progress.reason
    assert progress.queued == 3 and progress.sent == 0
    twilio.default_action = None
    assert run_batch(con, twilio, batch_id, **FAST).sent == 3


def test_timeout_after_the_request_left_is_unknown_and_not_resent(con):
    twilio = LedgerTwilio()
    lost = phones(1)[0]
    twilio.actions[lost] = fail_with(None, None, sent=True, message="no answer within 15 s")
    batch_id = freeze(con, n=5)
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert (progress.status, progress.unknown, progress.sent) == ("needs reconcile", 1, 4)
    run_batch(con, twilio, batch_id, **FAST)  # settle window not over: still not resent
    assert twilio.attempts[lost] == 1
    assert row(con, lost)[0] == "unknown"


def test_reconcile_adopts_a_message_twilio_has(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=3)
    lost = phones(1)[0]

    def accepted_then_lost(to, attempt):  # Twilio creates the message; the answer is lost
        twilio.actions.pop(to)
        twilio.send(to, "Hello from the test", SENDER)  # the body the batch sends
        raise GatewayError("connection reset after the request left", sent=True)

    twilio.actions[lost] = accepted_then_lost
    run_batch(con, twilio, batch_id, **FAST)
    result = reconcile(con, twilio, batch_id, settle=0)
    assert (result.found, result.requeued, result.left) == (1, 0, 0)
    state, _, sid, _, _ = row(con, lost)
    assert state == "sent" and sid in twilio.messages
    assert run_batch(con, twilio, batch_id, **FAST).status == "done"
    assert twilio.accepted[lost] == 1


def test_reconcile_requeues_what_twilio_never_got_and_next_run_sends_it(con):
    twilio = LedgerTwilio()
    lost = phones(1)[0]
    twilio.actions[lost] = fail_with(None, None, sent=True, times=1)
    batch_id = freeze(con, n=3)
    run_batch(con, twilio, batch_id, **FAST)
    assert reconcile(con, twilio, batch_id, settle=0).requeued == 1
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert (progress.status, progress.sent) == ("done", 3)
    assert twilio.accepted[lost] == 1


def test_reconcile_does_not_adopt_a_message_another_row_owns(con):
    twilio = LedgerTwilio()
    first = freeze(con, n=1, body="first")
    run_batch(con, twilio, first, **FAST)  # +4477009 00000 got "first" earlier today
    second = freeze(con, n=1, body="second")
    twilio.actions[phones(1)[0]] = fail_with(None, None, sent=True, times=1)
    run_batch(con, twilio, second, **FAST)
    assert reconcile(con, twilio, second, settle=0).requeued == 1


@pytest.mark.parametrize("code", [21211, 21408, 21608, 21614, 21612])
def test_permanent_errors_are_recorded_with_the_code_and_not_retried(con, code):
    twilio = LedgerTwilio()
    bad = phones(1)[0]
    twilio.actions[bad] = fail_with(code, 400, message=f"Twilio says no ({code})")
    batch_id = freeze(con, n=4)
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert (progress.status, progress.sent, progress.failed) == ("done", 3, 1)
    assert row(con, bad) == ("failed", 1, None, code, f"Twilio says no ({code})")
    assert twilio.attempts[bad] == 1


def test_opted_out_number_is_suppressed_for_later_batches(con):
    twilio = LedgerTwilio()
    stopped = phones(1)[0]
    twilio.actions[stopped] = fail_with(21610, 400, message="Attempt to send to unsubscribed")
    run_batch(con, twilio, freeze(con, n=2), **FAST)
    assert con.execute("SELECT reason FROM suppressions WHERE phone = ?", [stopped]).fetchone() == (
        "twilio 21610",
    )
    later = freeze(con, n=2, body="another day, another text")
    run_batch(con, twilio, later, **FAST)
    assert twilio.attempts[stopped] == 1
    assert row(con, stopped)[0] == "failed"


def test_auth_failure_stops_the_batch_at_once_and_resumes_once_fixed(con):
    twilio = LedgerTwilio()
    twilio.default_action = fail_with(20003, 401, message="Authenticate")
    batch_id = freeze(con, n=40)
    progress = run_batch(
        con, twilio, batch_id, concurrency=2, rate_segments_per_second=1000, sleep=no_retry_sleep
    )
    assert progress.status == "stopped: auth" and "Authenticate" in progress.reason
    assert sum(twilio.attempts.values()) <= 2  # the requests in flight, none after them
    assert (progress.queued, progress.sent, progress.failed) == (40, 0, 0)
    twilio.default_action = None
    assert run_batch(con, twilio, batch_id, **FAST).status == "done"
    assert_each_once(con, batch_id, twilio, 40)


def test_send_refused_when_balance_short_before_the_first_message(con):
    twilio = LedgerTwilio(balance="0.50")
    batch_id = freeze(con, n=20, price="0.04")  # needs 0.80
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert progress.status == "paused" and sum(twilio.attempts.values()) == 0
    assert "USD 0.80" in progress.reason and "USD 0.30 more is needed" in progress.reason


def test_reserve_is_kept_on_top_of_the_estimate(con):
    twilio = LedgerTwilio(balance="1.00")
    batch_id = freeze(con, n=20, price="0.04")
    progress = run_batch(con, twilio, batch_id, reserve=Decimal("0.50"), **FAST)
    assert progress.status == "paused" and progress.sent == 0


def test_balance_in_another_currency_is_refused_not_compared(con):
    twilio = LedgerTwilio(balance="1000", currency="EUR")
    progress = run_batch(con, twilio, freeze(con, n=2), **FAST)
    assert progress.status == "paused" and "EUR" in progress.reason
    assert sum(twilio.attempts.values()) == 0


def test_balance_running_out_mid_batch_pauses_and_resumes_after_top_up(con):
    twilio = LedgerTwilio(balance="2.00", price="0.04")
    batch_id = freeze(con, n=30, price="0.04")  # 1.20 estimated

    def drain_elsewhere(to, attempt):  # someone spends the balance while we send
        if to == phones(1, 10)[0]:
            twilio.balance_amount = Decimal("0.05")

    twilio.default_action = drain_elsewhere
    progress = run_batch(
        con, twilio, batch_id, concurrency=1, rate_segments_per_second=1000, sleep=no_retry_sleep
    )
    assert progress.status == "paused" and "funds" in progress.reason
    assert 0 < progress.sent < 30 and progress.unknown == 0
    twilio.balance_amount = Decimal("5.00")
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert (progress.status, progress.sent) == ("done", 30)
    assert_each_once(con, batch_id, twilio, 30)


def test_balance_rechecked_during_the_batch_pauses_before_twilio_refuses(con):
    twilio = LedgerTwilio(balance="2.00", price="0.01")
    batch_id = freeze(con, n=30, price="0.04")

    def drain_elsewhere(to, attempt):
        twilio.balance_amount = Decimal("0.30")

    twilio.default_action = drain_elsewhere
    progress = run_batch(
        con,
        twilio,
        batch_id,
        concurrency=1,
        rate_segments_per_second=1000,
        balance_every=5,
        sleep=no_retry_sleep,
    )
    assert progress.status == "paused" and "is short of" in progress.reason
    # checked after the 5th settled; the 4 claimed ahead (4 x concurrency) may have gone out
    assert 5 <= progress.sent <= 9 and twilio.balance_reads == 2
    assert progress.queued == 30 - progress.sent


def test_stop_event_pauses_and_a_new_run_finishes(con):
    twilio = LedgerTwilio()
    stop = threading.Event()
    batch_id = freeze(con, n=30)
    twilio.default_action = lambda to, attempt: stop.set() if to == phones(1, 5)[0] else None
    progress = run_batch(con, twilio, batch_id, stop_event=stop, concurrency=1, rate_segments_per_second=1000)
    assert progress.status == "paused" and progress.reason == "stopped by the operator"
    assert progress.sent < 30
    twilio.default_action = None
    assert run_batch(con, twilio, batch_id, **FAST).sent == 30


def test_progress_is_reported_while_sending(con):
    twilio = LedgerTwilio(latency=0.01)
    seen = []
    batch_id = freeze(con, n=40)
    run_batch(con, twilio, batch_id, on_progress=seen.append, progress_every=0.05, **FAST)
    assert len(seen) >= 2
    assert seen[-1].sent == 40 and seen[-1].status == "done"
    assert any(0 < p.sent < 40 for p in seen)
    assert str(seen[-1].cost_so_far) == "USD 1.60"


def test_rate_limit_paces_segments_per_second(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=10, segments=2)  # 20 segments at 10/s, 10 of them as a burst
    started = time.monotonic()
    run_batch(con, twilio, batch_id, concurrency=4, rate_segments_per_second=10)
    assert time.monotonic() - started >= 0.9


def test_default_pace_comes_from_the_sender(con):
    batch_id = ledger.freeze_batch(con, make_quote(phones(3)), sender="+15017122661", mode="sandbox")
    started = time.monotonic()
    run_batch(con, LedgerTwilio(), batch_id, concurrency=3)  # US long code: 1 segment/s
    assert time.monotonic() - started >= 1.9


def test_poll_stores_status_and_actual_price(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=3, price="0.05")
    run_batch(con, twilio, batch_id, **FAST)
    assert sender.poll_statuses(con, twilio, batch_id) == 3
    report = reports.cost_report(con, "country", batch_id).to_dict("records")[0]
    assert report["actual"] == Decimal("0.12") and report["estimate_max"] == Decimal("0.15")
    assert sender.poll_statuses(con, twilio, batch_id) == 0  # all final and priced


def test_claims_of_a_crashed_run_are_reconciled_on_the_next_run(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=4)
    claims = ledger.claim(
        con, batch_id, "dead-run", after_seq=0, limit=2, now=ledger.utcnow() - timedelta(minutes=5)
    )
    twilio.send(claims[0].phone, claims[0].body, SENDER)  # the dead run got it out, unrecorded
    progress = run_batch(con, twilio, batch_id, **FAST)
    assert (progress.status, progress.sent) == ("done", 4)
    assert_each_once(con, batch_id, twilio, 4)


@pytest.mark.parametrize(
    ("error", "action"),
    [
        (GatewayError("x", code=20429, status=429), "retry"),
        (GatewayError("x", status=502), "retry"),
        (GatewayError("x", sent=False), "retry"),
        (GatewayError("x", sent=True), "unknown"),
        (GatewayError("x", code=21211, status=400), "failed"),
        (GatewayError("x", code=20003, status=401), "auth"),
        (GatewayError("x", code=20005, status=401), "balance"),
    ],
)
def test_classify_gateway_errors(error, action):
    assert classify(error) == action


def test_concurrency_must_be_positive(con):
    with pytest.raises(ValueError, match="got 0"):
        run_batch(con, LedgerTwilio(), freeze(con), concurrency=0)


def test_damaged_batch_is_refused_and_nothing_is_sent(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=3)
    con.execute("DELETE FROM messages WHERE batch_id = ?", [batch_id])  # the old freeze's gap
    with pytest.raises(ledger.DamagedBatch, match="damaged: it has 0 of its 3 message rows"):
        run_batch(con, twilio, batch_id, **FAST)
    assert twilio.attempts == {} and ledger.batch_info(con, batch_id)["status"] == "frozen"


def test_damaged_batch_repaired_by_freezing_again_sends_each_once(con):
    twilio = LedgerTwilio()
    batch_id = freeze(con, n=3)
    con.execute("DELETE FROM messages WHERE batch_id = ?", [batch_id])
    assert freeze(con, n=3) == batch_id
    assert run_batch(con, twilio, batch_id, **FAST).status == "done"
    assert_each_once(con, batch_id, twilio, 3)
