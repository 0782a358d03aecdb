"""The send ledger: deterministic batches, idempotent freezing, claims that cannot be taken twice."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sendkit import SENDER, make_quote, phones

from smscore import reports, store
from smscore.cli.common import unknown_notice
from smscore.sending import ledger
from smscore.twilio.gateway import MessageResult

NOW = datetime(2026, 11, 26, 9, 0, 0)


@pytest.fixture
def con():
    connection = store.connect(":memory:")
    yield connection
    connection.close()


def freeze(con, n=10, **kw):
    return ledger.freeze_batch(con, make_quote(phones(n), **kw), sender=SENDER, mode="sandbox", now=NOW)


def states(con, batch_id):
    return ledger.counts(con, batch_id)


def test_batch_key_ignores_recipient_order():
    day = date(2026, 11, 26)
    assert ledger.batch_key("hi", ["+1", "+2"], day) == ledger.batch_key("hi", ["+2", "+1"], day)


@pytest.mark.parametrize(
    "other",
    [
        ("hi!", ["+1", "+2"], date(2026, 11, 26)),
        ("hi", ["+1", "+3"], date(2026, 11, 26)),
        ("hi", ["+1"], date(2026, 11, 26)),
        ("hi", ["+1", "+2"], date(2026, 11, 27)),
    ],
)
def test_batch_key_changes_with_body_recipients_or_day(other):
    assert ledger.batch_key("hi", ["+1", "+2"], date(2026, 11, 26)) != ledger.batch_key(*other)


def test_freezing_twice_the_same_day_is_the_same_batch(con):
    first = freeze(con)
    second = freeze(con)
    assert first == second
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 10


def test_freezing_again_does_not_reset_sent_rows(con):
    batch_id = freeze(con)
    [claim] = ledger.claim(con, batch_id, "run", after_seq=0, limit=1)
    ledger.mark_sent(con, batch_id, "run", claim.phone, MessageResult("SM1", claim.phone, "queued"), 1)
    freeze(con)
    assert states(con, batch_id)["sent"] == 1


def test_freeze_stores_batch_totals_and_exact_prices(con):
    batch_id = freeze(con, n=3, segments=2, price="0.0423")
    info = ledger.batch_info(con, batch_id)
    assert (info["status"], info["recipients"], info["segments"]) == ("frozen", 3, 6)
    assert info["estimate_max"] == Decimal("0.253800")
    prices = con.execute("SELECT DISTINCT price_max FROM messages").fetchall()
    assert prices == [(Decimal("0.084600"),)]


def test_freeze_keeps_one_row_per_phone(con):
    quote = make_quote(phones(3) + phones(1))
    batch_id = ledger.freeze_batch(con, quote, sender=SENDER, mode="sandbox", now=NOW)
    assert sum(states(con, batch_id).values()) == 3


def test_freeze_refuses_a_quote_without_recipients(con):
    with pytest.raises(ValueError, match="at least one recipient"):
        ledger.freeze_batch(con, make_quote([]), sender=SENDER, mode="sandbox")


def test_freeze_of_100k_recipients_is_one_bulk_insert(con):
    # Row by row this takes minutes; in bulk about a second (a million: see bench/README.md).
    quote = make_quote(phones(100_000))
    started = time.perf_counter()
    batch_id = ledger.freeze_batch(con, quote, sender=SENDER, mode="sandbox", now=NOW)
    elapsed = time.perf_counter() - started
    assert states(con, batch_id)["queued"] == 100_000
    assert elapsed < 20, f"freezing 100k rows took {elapsed:.1f} s"


def test_claim_takes_queued_rows_in_order_and_only_once(con):
    batch_id = freeze(con)
    first = ledger.claim(con, batch_id, "a", after_seq=0, limit=4)
    second = ledger.claim(con, batch_id, "b", after_seq=0, limit=100)
    assert [c.seq for c in first] == [1, 2, 3, 4]
    assert [c.seq for c in second] == list(range(5, 11))
    assert ledger.claim(con, batch_id, "c", after_seq=0, limit=100) == []


def test_racing_claims_from_many_threads_never_share_a_row(con):
    batch_id = freeze(con, n=600)
    taken: list[str] = []
    lock = threading.Lock()

    def claimer(token: str) -> None:
        cur = con.cursor()
        while claims := ledger.claim(cur, batch_id, token, after_seq=0, limit=7):
            with lock:
                taken.extend(c.phone for c in claims)

    threads = [threading.Thread(target=claimer, args=(f"t{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 600 and len(set(taken)) == 600


def test_only_the_claim_holder_can_settle_it(con):
    batch_id = freeze(con, n=1)
    [claim] = ledger.claim(con, batch_id, "mine", after_seq=0, limit=1)
    ledger.mark_failed(con, batch_id, "theirs", claim.phone, code=21211, message="x", attempts=1)
    assert states(con, batch_id)["claimed"] == 1
    ledger.mark_failed(con, batch_id, "mine", claim.phone, code=21211, message="bad To", attempts=1)
    row = con.execute("SELECT state, error_code, error_message, attempts FROM messages").fetchone()
    assert row == ("failed", 21211, "bad To", 1)


def test_claims_of_a_dead_run_become_unknown_and_live_ones_stay(con):
    batch_id = freeze(con, n=4)
    ledger.claim(con, batch_id, "dead", after_seq=0, limit=2)
    ledger.claim(con, batch_id, "alive", after_seq=0, limit=1)
    assert ledger.expire_claims(con, batch_id, {"alive"}) == 2
    assert states(con, batch_id) == {"queued": 1, "claimed": 1, "sent": 0, "failed": 0, "unknown": 2}


def test_numbers_suppressed_after_freezing_are_not_sent(con):
    batch_id = freeze(con, n=3)
    ledger.suppress(con, phones(1)[0], "opt-out", "test")
    assert ledger.skip_suppressed(con, batch_id) == 1
    row = con.execute("SELECT state, error_message FROM messages WHERE phone = ?", [phones(1)[0]]).fetchone()
    assert row == ("failed", "suppressed: opt-out")


def test_unknown_row_settles_to_sent_with_sid_or_back_to_queued(con):
    batch_id = freeze(con, n=2)
    ledger.claim(con, batch_id, "dead", after_seq=0, limit=2)
    ledger.expire_claims(con, batch_id, set())
    a, b = phones(2)
    ledger.settle_unknown(con, batch_id, a, MessageResult("SM9", a, "delivered"))
    ledger.settle_unknown(con, batch_id, b, None)
    rows = con.execute("SELECT phone, state, sid FROM messages ORDER BY seq").fetchall()
    assert rows == [(a, "sent", "SM9"), (b, "queued", None)]


def test_progress_reports_counts_cost_rate_and_eta(con):
    batch_id = freeze(con, n=10, segments=2, price="0.05")
    ledger.set_status(con, batch_id, ledger.SENDING, now=NOW)
    claims = ledger.claim(con, batch_id, "run", after_seq=0, limit=4, now=NOW)
    for i, claim in enumerate(claims[:3]):
        result = MessageResult(f"SM{i}", claim.phone, "queued")
        ledger.mark_sent(con, batch_id, "run", claim.phone, result, 1, now=NOW + timedelta(seconds=i))
    progress = ledger.batch_progress(con, batch_id, now=NOW + timedelta(seconds=6))
    assert (progress.sent, progress.claimed, progress.queued, progress.total) == (3, 1, 6, 10)
    assert progress.segments_sent == 6 and progress.segments_left == 14
    assert str(progress.cost_so_far) == "USD 0.30"
    assert progress.segments_per_second == pytest.approx(1.0)
    assert progress.eta_seconds == pytest.approx(14.0)
    assert progress.accounted == 10 and not progress.done


def test_report_compares_estimate_and_actual_per_country(con):
    batch_id = freeze(con, n=2, price="0.05")
    for claim in ledger.claim(con, batch_id, "run", after_seq=0, limit=2):
        ledger.mark_sent(
            con, batch_id, "run", claim.phone, MessageResult("SM" + claim.phone, claim.phone, "queued"), 1
        )
        ledger.record_status(
            con,
            batch_id,
            claim.phone,
            MessageResult(
                "SM" + claim.phone, claim.phone, "delivered", price=Decimal("0.0431"), price_unit="USD"
            ),
        )
    [row] = reports.cost_report(con, "country", batch_id).to_dict("records")
    assert row["country"] == "GB" and row["sent"] == 2 and row["priced"] == 2
    assert row["estimate_max"] == Decimal("0.1") and row["actual"] == Decimal("0.0862")
    listed = reports.batches(con).to_dict("records")[0]
    assert listed["actual"] == Decimal("0.0862") and listed["sent"] == 2


def test_unknown_batch_id_is_named_in_the_error(con):
    with pytest.raises(KeyError, match="b-nope"):
        ledger.batch_progress(con, "b-nope")


# -- atomic freeze and damaged batches -------------------------------------------------------------


def _break_rows(con, batch_id, keep=0):
    """What the old two-commit freeze left when killed between its commits: rows missing."""
    con.execute("DELETE FROM messages WHERE batch_id = ? AND seq > ?", [batch_id, keep])


def test_freeze_that_fails_midway_leaves_no_batch_at_all(con):
    quote = make_quote(phones(3))
    quote.recipients.loc[2, "body"] = None  # a row the messages table refuses (body NOT NULL)
    with pytest.raises(Exception, match="NOT NULL"):
        ledger.freeze_batch(con, quote, sender=SENDER, mode="sandbox", now=NOW)
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_batch_missing_rows_is_damaged_never_done(con):
    batch_id = freeze(con, n=3)
    _break_rows(con, batch_id)
    progress = ledger.batch_progress(con, batch_id, now=NOW)
    assert progress.status == ledger.DAMAGED and "0 of its 3 message rows" in progress.reason
    listed = reports.batches(con, now=NOW).iloc[0]
    assert (listed["status"], listed["rows"], listed["recipients"]) == ("damaged", 0, 3)
    assert "send the same message to the same recipients again today" in listed["status_reason"]


def test_batch_with_some_rows_missing_is_damaged_in_the_cost_report(con):
    batch_id = freeze(con, n=3)
    _break_rows(con, batch_id, keep=1)
    assert reports.cost_report(con, "batch").iloc[0]["status"] == "damaged"
    assert "1 of its 3 message rows" in ledger.damage(con, batch_id, NOW.date())


def test_damaged_batch_of_an_earlier_day_says_send_it_as_a_new_batch(con):
    batch_id = freeze(con, n=2)
    _break_rows(con, batch_id)
    reason = ledger.damage(con, batch_id, NOW.date() + timedelta(days=1))
    assert "frozen on 2026-11-26" in reason and "as a new batch" in reason


def test_freezing_the_same_campaign_again_repairs_a_damaged_batch(con):
    batch_id = freeze(con, n=4)
    _break_rows(con, batch_id, keep=1)
    [claim] = ledger.claim(con, batch_id, "run", after_seq=0, limit=1)
    ledger.mark_sent(con, batch_id, "run", claim.phone, MessageResult("SM1", claim.phone, "queued"), 1)
    assert freeze(con, n=4) == batch_id
    assert ledger.damage(con, batch_id, NOW.date()) is None
    assert states(con, batch_id) == {"queued": 3, "claimed": 0, "sent": 1, "failed": 0, "unknown": 0}


# -- waiting for reconcile ----------------------------------------------------------------------


def test_unknown_rows_say_when_they_can_be_looked_up_in_twilio(con):
    batch_id = freeze(con, n=3)
    ledger.claim(con, batch_id, "dead", after_seq=0, limit=2, now=NOW)
    ledger.expire_claims(con, batch_id, [], now=NOW)
    wait = ledger.unknown_wait(con, batch_id)
    assert (wait.count, wait.ready_at) == (2, NOW + ledger.RECONCILE_SETTLE)
    notice = unknown_notice(wait, batch_id, NOW + timedelta(seconds=18))
    assert notice == (
        f"outcome unknown for 2 messages; they can be looked up in Twilio from "
        f"09:01:00 UTC (in 42 s): run `smscore reconcile {batch_id}` then"
    )
    later = unknown_notice(wait, batch_id, NOW + timedelta(seconds=61))
    assert later.endswith(f"they can be looked up in Twilio now: run `smscore reconcile {batch_id}`")
