"""Fixed lines are left out before money is spent (issue 20): the import says how many, the quote
leaves them out with a reason and the money saved, the batch sends only to the others (the real
SDK against the loopback Twilio peer), the send log says why, an admin may include them per
country, and workspaces from before get their types when they open (schema migration 14)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import phonenumbers
import pytest

from smscore import numbertypes, store
from smscore.contacts import book
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.reports import send_log
from smscore.sending import ledger
from smscore.sending.sender import run_batch
from smscore.sending.worker import RetryPolicy
from smscore.store.settings import load_settings, update_settings

ROOT = Path(__file__).resolve().parent.parent
# The file: two São Paulo and Rio fixed lines beside mobiles, as a CRM exports them.
SHOP = (
    "nome;telefone\n"
    "Ana;(11) 98765-4321\n"
    "Loja Paulista;(11) 3456-7890\n"
    "Escritório Rio;(21) 2233-4455\n"
    "Bia;(21) 99876-5432\n"
    "Hans;+49 30 901820\n"
    "Rui;+351 912 345 678\n"
).encode()
MOBILES = {"+5511987654321", "+5521998765432", "+351912345678"}
FIXED = {"+551134567890", "+552122334455", "+4930901820"}
REASON = "fixed line: cannot receive SMS"
FROM = "+15017122661"


@pytest.fixture
def shop(fresh_db):
    report = import_contacts(fresh_db, SHOP, default_country="BR")
    return fresh_db, report


def test_import_stores_each_numbers_type_and_counts_the_fixed_lines(shop):
    con, report = shop
    assert report.imported == 6 and report.no_sms == {"fixed_line": 3}
    stored = dict(con.execute("SELECT phone, number_type FROM contacts").fetchall())
    assert {p for p, t in stored.items() if t == "fixed_line"} == FIXED
    assert {p for p, t in stored.items() if t == "mobile"} == MOBILES


def test_reimport_counts_the_fixed_lines_already_there_and_update_keeps_types(shop):
    con, _ = shop
    again = import_contacts(con, SHOP, default_country="BR")
    assert (again.already, again.no_sms) == (6, {"fixed_line": 3})
    updated = import_contacts(con, SHOP, default_country="BR", on_duplicate="update")
    assert updated.updated == 6
    assert con.execute("SELECT count(*) FROM contacts WHERE number_type = 'fixed_line'").fetchall() == [(3,)]


def test_contacts_filter_shows_only_fixed_lines(shop):
    con, _ = shop
    page, total = book.browse(con, number_type="fixed_line")
    assert total == 3 and set(page["phone"]) == FIXED
    assert set(page["number_type"]) == {"fixed_line"}
    assert book.browse(con, number_type="fixed_line", country="DE")[1] == 1


def test_quote_leaves_fixed_lines_out_with_a_reason_and_the_money_saved(shop):
    con, _ = shop
    quote = build_quote(con, "Olá {nome}, promoção!", Selection(everyone=True))
    assert set(quote.recipients["phone"]) == MOBILES
    assert dict(zip(quote.excluded["phone"], quote.excluded["reason"])) == dict.fromkeys(FIXED, REASON)
    left = {r.iso: (r.number_type, int(r.contacts), r.saved_max) for r in quote.left_out.itertuples()}
    # BR 0.0599 and DE 0.094 a segment (the embedded 2023-09 price list), one segment each
    assert left == {
        "BR": ("fixed_line", 2, Decimal("0.119800")),
        "DE": ("fixed_line", 1, Decimal("0.094000")),
    }
    assert quote.saved_min == quote.saved_max == Decimal("0.213800")
    assert quote.total_max == Decimal("0.167100")  # 2 x BR 0.0599 + PT 0.0473: the mobiles only


def test_saved_money_counts_each_left_out_recipients_own_segments(shop):
    con, _ = shop
    long_name = "x" * 200
    con.execute("UPDATE contacts SET name = ? WHERE phone = '+551134567890'", [long_name])
    quote = build_quote(con, "Hi {nome}", Selection(everyone=True))
    br = quote.left_out[quote.left_out["iso"] == "BR"].iloc[0]
    assert int(br["segments"]) == 2 + 1  # 203 GSM-7 characters is two segments, "Hi Escritório Rio" one


def test_opted_out_fixed_line_keeps_its_opt_out_reason(shop):
    con, _ = shop
    book.suppress(con, "+551134567890", reason="opt-out")
    quote = build_quote(con, "Hi", Selection(everyone=True))
    reasons = dict(zip(quote.excluded["phone"], quote.excluded["reason"]))
    assert reasons["+551134567890"] == "opted out (opt-out)"
    assert int(quote.left_out["contacts"].sum()) == 2  # only what the type alone left out is "saved"


def test_setting_includes_fixed_lines_of_the_countries_an_admin_names(shop):
    con, _ = shop
    update_settings(con, fixed_line_countries="de")
    assert load_settings(con).fixed_lines_in == ("DE",)
    quote = build_quote(con, "Hi", Selection(everyone=True))
    assert "+4930901820" in set(quote.recipients["phone"])
    assert set(quote.excluded["phone"]) == FIXED - {"+4930901820"}
    # an explicit argument wins over the setting (the notebook's and tests' seam)
    assert set(build_quote(con, "Hi", Selection(everyone=True), fixed_lines_in=()).excluded["phone"]) == FIXED


def test_setting_refuses_what_is_not_a_country_code(fresh_db):
    with pytest.raises(ValueError, match="ISO codes") as caught:
        update_settings(fresh_db, fixed_line_countries="Alemanha")
    assert caught.value.code == "settings.bad_fixed_line_countries"
    assert load_settings(fresh_db).fixed_line_countries == ""


def prices_within_the_peers_balance(con: duckdb.DuckDBPyConnection) -> None:
    """A newer price list of USD 0.0001 a segment: Prism's account holds USD 0.05."""
    list_id = con.execute(
        "INSERT INTO price_lists (source, as_of) VALUES ('test', DATE '2026-12-01') RETURNING id"
    ).fetchall()[0][0]
    for iso in ("BR", "DE", "PT"):
        con.execute(
            "INSERT INTO prices (list_id, iso, country, current_price, currency) VALUES (?, ?, ?, 0.0001, 'USD')",
            [list_id, iso, iso],
        )


def test_batch_sends_only_to_the_others_through_the_sdk_and_logs_why(shop, peer_gateway, fault_proxy):
    con, _ = shop
    prices_within_the_peers_balance(con)
    quote = build_quote(con, "Oi {nome}", Selection(everyone=True))
    assert quote.saved_max == Decimal("0.000300")
    batch_id = ledger.freeze_batch(con, quote, sender=FROM, mode="live")
    progress = run_batch(
        con,
        peer_gateway,
        batch_id,
        rate_segments_per_second=1000,
        retry=RetryPolicy(attempts=4, base=0.01, cap=0.05),
    )
    assert progress.sent == 3
    assert {r.to for r in fault_proxy.creates()} == MOBILES  # what Twilio was asked to send
    log, total = send_log(con, batch_id)
    assert total == 6
    left = log[log["state"] == "left out"]
    assert dict(zip(left["phone"], left["error_message"])) == dict.fromkeys(FIXED, REASON)
    assert set(log[log["state"] == "sent"]["phone"]) == MOBILES
    only_left, n = send_log(con, batch_id, state="left out")
    assert n == 3 and set(only_left["phone"]) == FIXED
    # freezing the same batch again (a second press of Send) lists them once
    ledger.freeze_batch(con, quote, sender=FROM, mode="live")
    assert send_log(con, batch_id)[1] == 6


def test_retention_takes_the_numbers_out_of_old_batches_left_out_lists(shop):
    """LGPD retention (smscore.person.retention) reaches the fixed lines a batch left out too."""
    from smscore.access.audit import Actor
    from smscore.person import retention

    con, _ = shop
    quote = build_quote(con, "Oi {nome}", Selection(everyone=True))
    old = ledger.freeze_batch(con, quote, sender=FROM, mode="sandbox")
    con.execute("UPDATE batches SET created_at = created_at - INTERVAL 40 DAY WHERE id = ?", [old])
    new = ledger.freeze_batch(
        con, build_quote(con, "Olá {nome}", Selection(everyone=True)), sender=FROM, mode="sandbox"
    )
    update_settings(con, retention_days=30)
    retention.purge(con, Actor("admin@example.com", "console"))
    rows = con.execute("SELECT batch_id, phone, number_type, reason FROM batch_left_out").fetchall()
    assert {(t, r) for b, _, t, r in rows if b == old} == {("fixed_line", REASON)}  # the counts stay
    assert all(p.startswith("erased:") for b, p, _, _ in rows if b == old)
    assert {p for b, p, _, _ in rows if b == new} == FIXED  # younger than the setting: kept


def test_notebook_quote_follows_the_same_rule(shop, db_path):
    con, _ = shop
    update_settings(con, fixed_line_countries="DE")
    con.close()
    import smscore

    ws = smscore.workspace(db_path)
    quote = ws.quote("Hi {nome}")
    assert set(quote.recipients["phone"]) == MOBILES | {"+4930901820"}
    assert set(quote.left_out["iso"]) == {"BR"} and quote.saved_max == Decimal("0.119800")


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_import_quote_send_and_log_leave_the_fixed_lines_out(db_path, tmp_path):
    csv = tmp_path / "loja.csv"
    csv.write_bytes(SHOP)
    imported = cli(db_path, "import", str(csv))
    assert imported.returncode == 0, imported.stderr
    assert "3 fixed lines: they cannot receive SMS and will be left out of batches" in imported.stdout
    quoted = cli(db_path, "quote", "--body", "Oi {nome}", "--json")
    assert quoted.returncode == 0, quoted.stderr
    out = json.loads(quoted.stdout)
    assert out["recipients"] == 3
    assert out["saved_max"] == "0.213800"
    assert {(c["iso"], c["number_type"], c["contacts"]) for c in out["left_out"]} == {
        ("BR", "fixed_line", 2),
        ("DE", "fixed_line", 1),
    }
    assert {e["phone"] for e in out["excluded"] if e["reason"] == REASON} == FIXED
    text = cli(db_path, "quote", "--body", "Oi {nome}").stdout
    assert "saved: USD 0.2138 not spent on 3 numbers" in text
    sent = cli(db_path, "send", "--body", "Oi {nome}", "--yes", "--rate", "100")
    assert sent.returncode == 0, sent.stderr
    con = duckdb.connect(str(db_path))
    received = {p for (p,) in con.execute("SELECT to_number FROM sandbox_messages").fetchall()}
    batch = con.execute("SELECT id FROM batches").fetchall()[0][0]
    con.close()
    assert received == MOBILES  # the sandbox account got the mobiles' messages only
    log = cli(db_path, "log", batch[:12], "--state", "left out")
    assert log.returncode == 0, log.stderr
    assert all(p in log.stdout for p in FIXED) and REASON in log.stdout


# -- the migration ------------------------------------------------------------------------------


def workspace_at_13(path: Path) -> duckdb.DuckDBPyConnection:
    """A file as smsconsole left it at schema version 13 (before number types)."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMP)")
    for version, statements in store.MIGRATIONS:
        if version < 14:
            for statement in statements:
                assert isinstance(statement, str)
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    return con


def test_the_migration_types_existing_contacts(db_path):
    con = workspace_at_13(db_path)
    con.execute("""INSERT INTO contacts (phone, country, name) VALUES
        ('+551134567890', 'BR', 'Loja'), ('+5511987654321', 'BR', 'Ana'),
        ('+3545101234', 'IS', 'Reykjavík'), ('+14155552671', 'US', 'Bob')""")
    con.close()
    con = store.connect(db_path)
    assert store.schema_version(con) == store.LATEST_VERSION  # 14 typed them, later ones followed
    assert dict(con.execute("SELECT phone, number_type FROM contacts").fetchall()) == {
        "+551134567890": "fixed_line",
        "+5511987654321": "mobile",
        "+3545101234": "fixed_line",
        "+14155552671": "fixed_line_or_mobile",
    }
    assert set(build_quote(con, "Hi", Selection(everyone=True)).excluded["phone"]) == {
        "+551134567890",
        "+3545101234",
    }
    con.close()


def test_the_migration_types_a_million_existing_contacts(db_path):
    """10^6 contacts of five common regions (SQL) and a few of a rare one (phonenumbers)."""
    con = workspace_at_13(db_path)
    con.execute("""
        INSERT INTO contacts (phone, country)
        SELECT CASE i % 5 WHEN 0 THEN '+55119' || (60000000 + i)      -- BR mobiles
                          WHEN 1 THEN '+551130' || lpad((i % 1000000)::VARCHAR, 6, '0')  -- BR fixed
                          WHEN 2 THEN '+1202' || (2000000 + i)        -- US, fixed or mobile
                          WHEN 3 THEN '+4930' || (10000000 + i)       -- DE fixed
                          ELSE '+3519' || (12000000 + i) END,         -- PT mobiles
               CASE i % 5 WHEN 0 THEN 'BR' WHEN 1 THEN 'BR' WHEN 2 THEN 'US' WHEN 3 THEN 'DE'
                          ELSE 'PT' END
        FROM range(1000000) t(i)""")
    con.execute("INSERT INTO contacts (phone, country) VALUES ('+3545101234', 'IS'), ('+3546111234', 'IS')")
    con.close()
    started = time.perf_counter()
    con = store.connect(db_path)
    seconds = time.perf_counter() - started
    counts = dict(con.execute("SELECT number_type, count(*) FROM contacts GROUP BY ALL").fetchall())
    sample = con.execute("SELECT phone, number_type FROM contacts USING SAMPLE 2000 ROWS").fetchall()
    con.close()
    assert sum(counts.values()) == 1_000_002 and None not in counts
    assert counts["fixed_line"] == 400_001 and counts["mobile"] == 400_001
    assert counts["fixed_line_or_mobile"] == 200_000
    wrong = [
        (p, t)
        for p, t in sample
        if t
        != phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(phonenumbers.parse(p))).lower()
    ]
    assert wrong == []
    print(f"migration 14 typed 1,000,002 contacts in {seconds:.2f} s")


def test_reasons_name_every_type_that_cannot_receive_sms():
    assert numbertypes.NO_SMS_REASONS["fixed_line"] == REASON
    assert set(numbertypes.NO_SMS_REASONS) == {
        "fixed_line",
        "premium_rate",
        "shared_cost",
        "uan",
        "voicemail",
    }
