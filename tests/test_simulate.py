"""The sandbox simulates Twilio's status callbacks and replies through the webhook logic."""

from __future__ import annotations

import pytest

from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.sending import ledger, sender
from smscore.twilio import simulate
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway


@pytest.fixture
def con(fresh_db):
    import_contacts(fresh_db, b"name,phone\nAna,+5511987654321\nBia,+5521987654321\n", default_country="BR")
    return fresh_db


def _send(con) -> str:
    q = build_quote(con, "Oi {name}", Selection(everyone=True))
    batch = ledger.freeze_batch(con, q, sender=SANDBOX_SENDER, mode="sandbox")
    sender.run_batch(con, SandboxGateway(con), batch, rate_segments_per_second=1000)
    return batch


def test_simulated_callbacks_move_the_ledger_to_delivered_with_prices(con):
    batch = _send(con)
    assert simulate.status_callbacks(con) == 2  # queued -> sent
    assert simulate.status_callbacks(con) == 2  # sent -> delivered
    assert simulate.status_callbacks(con) == 0
    rows = con.execute(
        "SELECT twilio_status, actual_price FROM messages WHERE batch_id = ?", [batch]
    ).fetchall()
    assert {r[0] for r in rows} == {"delivered"} and all(r[1] > 0 for r in rows)


def test_simulated_stop_removes_the_contact_from_the_next_quote(con):
    simulate.reply(con, "+5511987654321", "PARAR")
    q = build_quote(con, "Oi {name}", Selection(everyone=True))
    assert list(q.recipients["phone"]) == ["+5521987654321"]
    assert list(q.excluded["reason"]) == ["opted out (replied PARAR)"]
    simulate.reply(con, "+5511987654321", "VOLTAR")
    assert build_quote(con, "Oi", Selection(everyone=True)).n_recipients == 2


def test_simulated_reply_needs_an_e164_number(con):
    with pytest.raises(ValueError, match="got '11987654321'"):
        simulate.reply(con, "11987654321", "STOP")
