"""Send, Home and Reports under AppTest: the length limit, honest outcomes, errors explained in
the operator's language, and 'send again to the failed' filling the composer."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_pages import _apptest_config, app, compose, ok, texts  # noqa: F401 - fixture

from smscore import store
from smscore.store.settings import update_settings
from smscore.twilio.gateway import MessageResult

FAILING = b"name,phone\nInvalid,+15005550001\nLandline,+15005550009\n"


def _db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, csv: bytes) -> Path:
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    con = store.connect(path)
    from smscore.contacts.importer import import_contacts

    import_contacts(con, csv, default_country="BR")
    update_settings(con, send_rate=Decimal("200"))
    con.close()
    return path


def _confirm(at):
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    batch = ok(at).session_state["job"]["batch_id"]
    from ui.sending import jobs

    assert jobs.wait(batch, timeout=30)
    return ok(at.run()), batch


def test_send_page_refuses_a_body_over_1600_characters(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, b"name,phone\nAna,+5511987654321\n")
    at = compose(ok(app("send")), "x" * 1700)
    shown = texts(at)
    assert "1,700 characters: Twilio refuses messages over 1,600 characters" in shown
    assert "over Twilio's limit of 1,600 characters for every recipient" in shown
    assert at.button(key="send_open").disabled


def test_send_page_warns_above_ten_segments(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, b"name,phone\nAna,+5511987654321\n")
    at = compose(ok(app("send")), "y" * 1600)
    assert "Twilio advises at most 10 segments" in texts(at)
    assert not at.button(key="send_open").disabled


def test_failed_batch_is_shown_failed_with_reasons_in_portuguese(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, FAILING)
    at, batch = _confirm(compose(ok(app("send")), "Oi"))
    # Switched after composing: AppTest cannot set widgets whose labels it formats in English.
    at.selectbox(key="_lang_choice").set_value("pt-BR").run()
    assert "Falhou: nada foi enviado. As 2 mensagens falharam." in texts(at)
    assert any(e.value.startswith("Falhou") for e in at.error)
    reasons = next(df.value for df in at.dataframe if "meaning" in df.value.columns)
    assert set(reasons["code"]) == {21211, 21614}
    assert "Número de destino inválido" in set(reasons["meaning"])
    home = ok(at.switch_page("pages/home.py").run())  # the sidebar's choice is this session's
    table = next(df.value for df in home.dataframe if "outcome" in df.value.columns)
    assert list(table["outcome"]) == ["🔴 falhou"]


def test_reports_list_the_outcome_and_explain_each_error(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, FAILING + b"Ana,+5511987654321\n")
    _confirm(compose(ok(app("send")), "Hi"))
    at = ok(app("reports"))
    table = next(df.value for df in at.dataframe if "outcome" in df.value.columns)
    assert list(table["outcome"]) == ["🟠 sent with failures"]
    con = duckdb.connect(str(tmp_path / "console.duckdb"))
    batch_id = con.execute("SELECT id FROM batches").fetchone()[0]
    con.close()
    at.selectbox(key="report_batch").set_value(batch_id).run()
    log = next(df.value for df in ok(at).dataframe if "twilio_status" in df.value.columns)
    failed = log[log["state"] == "failed"].set_index("phone")
    assert failed.loc["+15005550009", "meaning"] == "'To' number is not a valid mobile number"
    assert "Lookup API" in failed.loc["+15005550009", "action"]


def test_send_again_fills_the_composer_with_only_the_transient_failures(tmp_path, monkeypatch):
    path = _db(tmp_path, monkeypatch, FAILING + b"Ana,+5511987654321\nBia,+5511987654322\n")
    at, batch = _confirm(compose(ok(app("send")), "Olá {name}"))
    con = store.connect(path)
    from smscore.sending import ledger

    sid = con.execute("SELECT sid FROM messages WHERE phone = '+5511987654321'").fetchone()[0]
    ledger.record_status(
        con,
        batch,
        "+5511987654321",
        MessageResult(sid=sid, to="+5511987654321", status="undelivered", error_code=30003),
    )
    ana = con.execute("SELECT id FROM contacts WHERE phone = '+5511987654321'").fetchone()[0]
    con.close()
    at.run()
    assert "Sent with failures: 1 went out, 3 failed." in texts(ok(at))
    assert "Not sent again: 0 opted out, 2 permanent failures, 0 no longer in contacts." in texts(at)
    at.button(key="send_again").click().run()
    ok(at)
    assert at.session_state["picked_ids"] == [ana]
    assert at.text_area(key="body").value == "Olá {name}"
    assert "Recipients: 1" in texts(at)  # priced like any batch, ready to confirm
    assert not at.button(key="send_open").disabled


def test_reports_inbox_shows_replies_as_plain_text(tmp_path, monkeypatch):
    path = _db(tmp_path, monkeypatch, b"name,phone\nAna,+5511987654321\n")
    from smscore.twilio import webhooks

    con = store.connect(path)
    webhooks.handle_inbound(
        con, {"MessageSid": "SM1", "From": "+5511987654321", "Body": "**obrigado** [x](http://evil)"}
    )
    webhooks.handle_inbound(con, {"MessageSid": "SM2", "From": "+5511987654321", "Body": "SAIR"})
    con.close()
    at = ok(app("reports"))
    box = next(df.value for df in at.dataframe if "from_number" in df.value.columns)
    assert list(box["body"]) in (
        ["SAIR", "**obrigado** [x](http://evil)"],
        ["**obrigado** [x](http://evil)", "SAIR"],
    )
    assert "obrigado" not in " ".join(m.value for m in at.markdown)
    assert "SMSCONSOLE_PUBLIC_URL" in texts(at)  # says how to turn webhooks on


def test_send_page_holds_recipients_outside_their_sending_hours(tmp_path, monkeypatch):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    path = _db(tmp_path, monkeypatch, b"name,phone\nAna,+5511987654321\n")
    local = datetime.now(UTC).astimezone(ZoneInfo("America/Sao_Paulo"))
    start = (local + timedelta(hours=2)) if local.hour < 20 else (local - timedelta(hours=4))
    window = f"{start.hour:02d}:00-{start.hour + 1:02d}:00"
    at = compose(ok(app("send")), "Oi {name}")
    at.checkbox(key="hours_on").check().run()
    at.text_input(key="hours_window").set_value(window).run()
    shown = texts(ok(at))
    assert "0 go now; later: 1 at" in shown and "held by the console" in shown
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    batch = ok(at).session_state["job"]["batch_id"]
    import time

    from ui.sending import jobs

    con = duckdb.connect(str(path))
    try:
        for _ in range(300):  # the job sends what is due, then waits for the held message
            status, reason = con.execute("SELECT status, status_reason FROM batches").fetchone()
            if status == "paused":
                break
            time.sleep(0.1)
        row = con.execute("SELECT state, send_at FROM messages").fetchone()
    finally:
        con.close()
    assert jobs.is_running(batch)  # still waiting for the opening
    jobs.stop(batch)
    assert jobs.wait(batch, timeout=30)
    assert row[0] == "queued" and row[1] is not None
    assert status == "paused" and reason.startswith("held: 1 message wait")


def test_sandbox_reply_simulated_on_reports_opts_the_number_out(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, b"name,phone\nAna,+5511987654321\nBia,+5521987654321\n")
    at = ok(app("reports"))
    at.text_input(key="sim_from").set_value("+5511987654321")
    at.text_input(key="sim_body").set_value("sair")
    at.button(key="sim_reply").click().run()
    assert "Reply received (sair)." in texts(ok(at))
    at.switch_page("pages/send.py").run()
    assert "Recipients: 1" in texts(compose(ok(at), "Oi {name}"))


# -- after a batch: a clean composer, and the last batch as a note ---------------------------------


def _clean_with_the_note(at, batch: str, outcome: str) -> None:
    """No form left over from the batch sent: no message, categories, quote, cost, balance
    warning or Send button; the note names the batch, says its outcome and links its report."""
    shown = texts(ok(at)).replace("\\", "")  # the name is Markdown-escaped (ui.shell.untrusted.md)
    assert at.text_area(key="body").value == ""
    assert at.session_state["send_categories"] == []
    assert not [b for b in at.button if b.key in ("send_open", "new_batch")]
    for stale in ("Total at most", "Balance too low", "Short by", "Recipients: 2", "covers this batch"):
        assert stale not in shown, stale
    assert "Segments: 0" in shown and "Write a message to see its cost." in shown
    assert "Last batch: Oi, promo · vip" in shown and outcome in shown
    [report] = [link for link in at.get("page_link") if "reports" in link.proto.page]
    assert report.proto.label == "Open its report" and report.proto.query_string == f"batch={batch}"


def test_after_a_batch_the_send_page_is_a_clean_composer_with_the_outcome_note(tmp_path, monkeypatch):
    from test_pages import set_sandbox_balance

    path = _db(
        tmp_path,
        monkeypatch,
        b"name,phone,category\nAna,+5511987654321,vip\nBia,+5511987654322,vip\nCaio,+5511987654323,\n",
    )
    set_sandbox_balance(path, "0.20")  # enough for this batch, not for it a second time
    at = ok(app("send"))
    at.radio(key="audience").set_value("categories").run()
    at.multiselect(key="send_categories").set_value(["vip"]).run()
    at = compose(ok(at), "Oi, promo")
    assert "Recipients: 2" in texts(at)
    at, batch = _confirm(at)
    _clean_with_the_note(at, batch, "Sent: all 2 messages went out.")
    assert at.radio(key="audience").value == "everyone"  # as a fresh page: nobody chosen yet
    at.switch_page("pages/contacts.py").run()
    at.switch_page("pages/send.py").run()
    _clean_with_the_note(at, batch, "Sent: all 2 messages went out.")
    _clean_with_the_note(ok(app("send")), batch, "Sent: all 2 messages went out.")  # a reload


def test_the_note_links_to_the_batch_report_with_the_batch_chosen(tmp_path, monkeypatch):
    from test_pages import ROOT

    _db(tmp_path, monkeypatch, b"name,phone\nAna,+5511987654321\n")
    _, batch = _confirm(compose(ok(app("send")), "Oi"))
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "reports.py"), default_timeout=30)
    at.query_params["batch"] = batch
    assert ok(at.run()).selectbox(key="report_batch").value == batch
    assert "1 of 1 messages" in texts(at)
