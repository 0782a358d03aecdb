"""The CLI's side of the send lifecycle: the length limit, honest outcomes, send-again."""

from __future__ import annotations

from datetime import UTC

import pytest

from smscore import store
from smscore.cli import main
from smscore.contacts.importer import import_contacts

CSV = b"name,phone\nInvalid,+15005550001\nLandline,+15005550009\nAna,+5511987654321\n"


@pytest.fixture
def db(db_path):
    con = store.connect(db_path)
    import_contacts(con, CSV, default_country="BR")
    con.close()
    return db_path


def _ids(db, like: str) -> list[str]:
    con = store.connect(db)
    try:
        return [
            str(r[0]) for r in con.execute("SELECT id FROM contacts WHERE phone LIKE ?", [like]).fetchall()
        ]
    finally:
        con.close()


def test_send_refuses_a_body_over_1600_characters_for_everyone(db, capsys):
    assert main(["--db", str(db), "send", "--body", "x" * 1700, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "error: the message is over Twilio's limit of 1,600 characters" in err
    con = store.connect(db)
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 0  # nothing frozen
    con.close()


def test_quote_lists_over_limit_recipients_and_exits_non_zero(db, capsys):
    assert main(["--db", str(db), "quote", "--body", "y" * 1601]) == 1
    out = capsys.readouterr()
    assert "3: message over 1,600 characters" in out.out and "21617" in out.err


def test_quote_warns_above_ten_segments(db, capsys):
    assert main(["--db", str(db), "quote", "--body", "z" * 1600]) == 0
    assert "Twilio advises at most 10 segments" in capsys.readouterr().err


def test_send_exits_non_zero_when_nothing_was_sent(db, capsys):
    args = ["--db", str(db), "send", "--body", "Hello", "--yes", "--rate", "1000"]
    for contact in _ids(db, "+1500%"):
        args += ["--contact", contact]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "failed: sent 0, failed 2" in out
    assert "21211 Invalid 'To' Phone Number" in out and "21614" in out


def test_send_with_some_failures_exits_zero_and_names_them(db, capsys):
    assert main(["--db", str(db), "send", "--body", "Hello", "--yes", "--rate", "1000"]) == 0
    out = capsys.readouterr().out
    assert "sent with failures: sent 1, failed 2" in out
    assert main(["--db", str(db), "batches"]) == 0
    assert "sent with failures" in capsys.readouterr().out


def test_send_again_leaves_out_permanent_failures(db, capsys):
    assert main(["--db", str(db), "send", "--body", "Hello", "--yes", "--rate", "1000"]) == 0
    con = store.connect(db)
    batch_id = con.execute("SELECT id FROM batches").fetchone()[0]
    con.close()
    capsys.readouterr()
    assert main(["--db", str(db), "send-again", batch_id, "--yes"]) == 1
    err = capsys.readouterr().err
    assert "no failure worth sending again (left out: 2 permanent)" in err


def test_send_at_needs_a_messaging_service(db, capsys):
    assert main(["--db", str(db), "send", "--body", "Hi", "--yes", "--send-at", "2099-01-01T09:00"]) == 1
    assert "Messaging Service" in capsys.readouterr().err


def test_scheduled_send_then_cancel(db, capsys):
    from datetime import datetime, timedelta

    service = "MG" + "ab" * 16
    at = (datetime.now(UTC) + timedelta(hours=3)).isoformat(timespec="minutes")
    ana = _ids(db, "+55%")
    assert (
        main(
            [
                "--db",
                str(db),
                "send",
                "--body",
                "Hi",
                "--yes",
                "--from",
                service,
                "--send-at",
                at,
                "--contact",
                ana[0],
                "--rate",
                "1000",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "scheduled at" in out and "Twilio charges when it sends" in out
    assert "scheduled: sent 1" in out
    con = store.connect(db)
    batch_id, status = con.execute("SELECT id, status FROM batches").fetchone()
    con.close()
    assert main(["--db", str(db), "cancel", batch_id]) == 0
    assert "cancelled at Twilio 1, never sent 0, already gone out 0" in capsys.readouterr().out
    assert main(["--db", str(db), "batches"]) == 0
    assert "cancelled" in capsys.readouterr().out


def test_send_with_sending_hours_says_how_many_go_now_and_when_the_rest_go(db, capsys):
    ana = _ids(db, "+55%")
    # A window that holds everyone: 00:00-00:01 local, no one is inside it now (or only rarely).
    assert main(
        [
            "--db",
            str(db),
            "send",
            "--body",
            "Hi",
            "--yes",
            "--contact",
            ana[0],
            "--hours",
            "03:00-03:01",
            "--rate",
            "1000",
        ]
    ) in (0, 1)
    out = capsys.readouterr()
    assert "sending hours 03:00-03:01 mon,tue,wed,thu,fri,sat,sun" in out.out
    assert "held by the sender" in out.out


def test_bad_sending_hours_are_one_sentence(db, capsys):
    assert main(["--db", str(db), "send", "--body", "Hi", "--yes", "--hours", "9-17"]) == 1
    assert "sending hours look like 09:00-20:00; got '9-17'" in capsys.readouterr().err
