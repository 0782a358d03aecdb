"""A person's data under LGPD: find, export, erase and retention, on a real DuckDB file with
messages sent by the real sender (the sandbox account, and the official SDK against the Prism
Twilio peer for the DELETE of each message)."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path

import jsonschema
import pytest
from sendkit import make_quote

from smscore import reports
from smscore.access.audit import Actor, record
from smscore.clock import utcnow
from smscore.contacts import erased
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import Selection, build_quote
from smscore.person import dossier, erasure, finding, retention
from smscore.sending import ledger, sender
from smscore.store.settings import update_settings
from smscore.twilio import webhooks
from smscore.twilio.sandbox import SANDBOX_SENDER, SandboxGateway

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "person-export.schema.json").read_text(encoding="utf-8"))
ADMIN = Actor("dpo@example.com", "console")
FROM = "+15017122661"  # the peer's sender

NUMBER = "+5511987654321"
NAME = "Genoveva Quintanilha"  # distinctive: no other row can hold it by chance
CSV = (
    "nome;celular;cidade;telefone_fixo;categoria;data_optin\n"
    f"{NAME};(11) 98765-4321;Campinas;+55 11 98765-4321;vip|clientes;01/03/2025\n"
    "Outro Cliente;(21) 99876-5432;Niterói;;clientes;2025-02-10\n"
    "Terceira Pessoa;(31) 99111-2233;BH;;vip;\n"
).encode()
BODY = "Olá {nome}, sua promoção em {cidade} chegou"
RENDERED = f"Olá {NAME}, sua promoção em Campinas chegou"


def _send(con, gateway, body: str = BODY) -> str:
    q = build_quote(con, body, Selection(everyone=True))
    batch_id = ledger.freeze_batch(con, q, sender=SANDBOX_SENDER, mode="sandbox")
    sender.run_batch(con, gateway, batch_id, rate_segments_per_second=1000)
    return batch_id


def _send_live(con, gateway, body: str = RENDERED) -> str:
    """A live batch through the official SDK to the peer, priced under Prism's example balance
    (USD 0.05), to the person (contact 1) and one other."""
    q = make_quote([NUMBER, "+5521998765432"], body, price="0.0001")
    batch_id = ledger.freeze_batch(con, q, sender=FROM, mode="live")
    sender.run_batch(con, gateway, batch_id, rate_segments_per_second=1000)
    return batch_id


@pytest.fixture
def held(fresh_db):
    """A workspace holding the person everywhere a person can be: contact with categories,
    consent and a field quoting the number, two sent messages, a STOP reply, an audit detail."""
    import_contacts(fresh_db, CSV, default_country="BR", consent_source="formulário do site, 2025")
    gateway = SandboxGateway(fresh_db)
    _send(fresh_db, gateway)
    _send(fresh_db, gateway, body="Oi {nome}, última chance")
    webhooks.handle_inbound(
        fresh_db, {"MessageSid": "SM" + "ab" * 16, "From": NUMBER, "To": SANDBOX_SENDER, "Body": "PARAR"}
    )
    fresh_db.execute("BEGIN")
    record(fresh_db, ADMIN, "optout.add", None, {"phone": "(11) 98765-4321", "note": f"pedido de {NUMBER}"})
    fresh_db.execute("COMMIT")
    return fresh_db


def _every_text(con) -> list[tuple[str, str, str]]:
    """(table, column, value) of every value of every column of every table, as text."""
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema = 'main' AND table_catalog = current_database()"
        ).fetchall()
    ]
    found = []
    for table in tables:
        columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "AND table_schema = 'main' AND table_catalog = current_database()",
                [table],
            ).fetchall()
        ]
        for column in columns:
            for (value,) in con.execute(f'SELECT CAST("{column}" AS VARCHAR) FROM "{table}"').fetchall():
                if value is not None:
                    found.append((table, column, value))
    return found


def _traces(con) -> list[tuple[str, str, str]]:
    digits = "5511987654321"
    return [
        (t, c, v)
        for t, c, v in _every_text(con)
        if digits in "".join(ch for ch in v if ch.isdigit())
        or "98765-4321" in v
        or "Genoveva" in v
        or "Quintanilha" in v
        or "promoção em Campinas" in v
        or "PARAR" in v
    ]


# --- the subject, however written ----------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["(11) 98765-4321", "+55 11 98765-4321", "0055 11 987654321", "11987654321"]
)
def test_a_number_is_the_same_person_however_written(written):
    subject = finding.subject_of(written, "BR")
    assert (subject.e164, subject.country, subject.national) == (NUMBER, "BR", "11987654321")


def test_find_reads_every_table_and_column_for_the_number(held):
    found = finding.find(held, finding.subject_of("(11) 98765-4321"))
    places = set(zip(found["table"], found["column"]))
    assert ("contacts", "phone") in places
    assert ("contacts", "fields") in places  # the file's second phone column, kept as a field
    assert ("messages", "phone") in places
    assert ("inbound_messages", "from_number") in places
    assert ("suppressions", "phone") in places  # the PARAR reply opted it out
    assert ("sandbox_messages", "to_number") in places
    assert ("audit", "detail") in places  # written "(11) 98765-4321" and in E.164
    assert (found["table"] == "messages").sum() == 2
    assert found.loc[found["table"] == "messages", "at"].notna().all()


def test_find_does_not_take_a_longer_number_for_the_person(fresh_db):
    import_contacts(
        fresh_db, b"nome,celular\nX,+55 11 98765-43210\nY,+1 415 555 0100\n", default_country="BR"
    )
    assert finding.find(fresh_db, finding.subject_of(NUMBER)).empty


# --- export --------------------------------------------------------------------------------------


def test_export_is_valid_against_its_documented_schema_and_audited(held, tmp_path):
    out = tmp_path / "titular.json"
    document = dossier.export(held, finding.subject_of("(11) 98765-4321"), out, ADMIN)
    written = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(written, SCHEMA)
    assert written == json.loads(json.dumps(document))
    contact = written["contact"]
    assert contact["name"] == NAME and contact["categories"] == ["clientes", "vip"]
    assert contact["consent"] == {"source": "formulário do site, 2025", "date": "2025-03-01"}
    assert contact["fields"]["cidade"] == "Campinas"
    assert written["opt_out"]["opted_out"] is True and written["opt_out"]["reason"] == "replied PARAR"
    assert len(written["messages"]) == 2 and RENDERED in {m["body"] for m in written["messages"]}
    assert all(
        m["cost"]["currency"] == "USD" and m["twilio_sid"].startswith("SM") for m in written["messages"]
    )
    assert [r["body"] for r in written["replies"]] == ["PARAR"]
    others = {(r["table"], r["column"]) for r in written["other_records"]}
    assert others >= {("audit", "detail"), ("sandbox_messages", "to_number")}
    row = held.execute(
        "SELECT actor, target, CAST(detail AS VARCHAR) FROM audit WHERE action = 'person.export'"
    ).fetchone()
    assert row[0] == ADMIN.name and row[1].startswith("hmac:") and "98765" not in row[2] + row[1]


def test_export_of_an_unknown_number_is_valid_and_empty(fresh_db):
    document = dossier.build(fresh_db, finding.subject_of("+5521999990000"))
    jsonschema.validate(document, SCHEMA)
    assert document["contact"] is None and document["messages"] == [] and document["replies"] == []


def test_schema_refuses_a_document_missing_the_messages(held):
    document = dossier.build(held, finding.subject_of(NUMBER))
    del document["messages"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


# --- erase ---------------------------------------------------------------------------------------


def test_erase_leaves_no_trace_in_any_column_of_any_table(held):
    assert _traces(held), "the fixture must hold the person before"
    report = erasure.erase(held, finding.subject_of("(11) 98765-4321"), SandboxGateway(held), ADMIN)
    assert _traces(held) == []
    assert report.left == [] and report.not_deleted == []
    assert (report.contacts, report.links, report.messages, report.replies, report.sandbox) == (1, 2, 2, 1, 2)
    assert held.execute("SELECT count(*) FROM contacts").fetchone()[0] == 2  # the others stay


def test_erase_keeps_reports_and_totals_unchanged(held):
    before = {by: reports.cost_report(held, by) for by in ("batch", "country", "category", "day")}
    batches_before = reports.batches(held).drop(columns=["name"], errors="ignore")
    erasure.erase(held, finding.subject_of(NUMBER), SandboxGateway(held), ADMIN)
    for by, frame in before.items():
        assert reports.cost_report(held, by).equals(frame), by
    assert reports.batches(held).drop(columns=["name"], errors="ignore").equals(batches_before)


def test_erase_writes_one_audit_row_without_the_number(held):
    erasure.erase(held, finding.subject_of(NUMBER), SandboxGateway(held), ADMIN)
    rows = held.execute(
        "SELECT actor, target, CAST(detail AS VARCHAR) FROM audit WHERE action = 'person.erase'"
    ).fetchall()
    assert len(rows) == 1
    actor, target, detail = rows[0]
    assert actor == ADMIN.name and target.startswith("hmac:")
    assert "5511987654321" not in detail and json.loads(detail)["messages"] == 2


def test_an_erased_number_is_blocked_from_later_imports_by_its_keyed_hash(held):
    erasure.erase(held, finding.subject_of(NUMBER), SandboxGateway(held), ADMIN)
    listed = [r[0] for r in held.execute("SELECT phone FROM suppressions").fetchall()]
    assert NUMBER not in listed and any(p.startswith("hmac:") for p in listed)
    again = import_contacts(
        held, f"nome,celular\n{NAME},011 98765 4321\nNova,+5511900001111\n".encode(), default_country="BR"
    )
    assert (again.imported, again.rejected) == (1, 1)
    assert "erased" in again.rejects["reason"][0]
    assert held.execute("SELECT count(*) FROM contacts WHERE phone = ?", [NUMBER]).fetchone()[0] == 0
    quote = build_quote(held, "Oi", Selection(everyone=True))
    assert NUMBER not in set(quote.recipients["phone"])


def test_the_keyed_hash_in_sql_is_hmac_sha256(fresh_db):
    key = b"k" * 32
    sql, params = erased.digest_sql(key, "p")
    got = fresh_db.execute(f"SELECT {sql} FROM (SELECT ? AS p)", [*params, NUMBER]).fetchone()[0]
    assert got == erased.digest(key, NUMBER)
    assert erased.digest(key, NUMBER) != erased.digest(b"j" * 32, NUMBER)  # keyed: another workspace differs


def test_erase_stops_messages_not_yet_sent_without_sending_them(fresh_db):
    import_contacts(fresh_db, CSV, default_country="BR")
    q = build_quote(fresh_db, BODY, Selection(everyone=True))
    batch_id = ledger.freeze_batch(fresh_db, q, sender=SANDBOX_SENDER, mode="sandbox")
    report = erasure.erase(fresh_db, finding.subject_of(NUMBER), SandboxGateway(fresh_db), ADMIN)
    assert report.stopped == 1
    sandbox = SandboxGateway(fresh_db)
    sender.run_batch(fresh_db, sandbox, batch_id, rate_segments_per_second=1000)
    sent_to = [r[0] for r in fresh_db.execute("SELECT to_number FROM sandbox_messages").fetchall()]
    assert len(sent_to) == 2 and all(not t.startswith("erased:") for t in sent_to)


def test_erase_deletes_each_message_at_twilio_through_the_sdk(fresh_db, fault_proxy, peer_gateway):
    import_contacts(fresh_db, CSV, default_country="BR")
    _send_live(fresh_db, peer_gateway)
    _send_live(fresh_db, peer_gateway, body=f"Oi {NAME}")
    sids = sorted(
        r[0] for r in fresh_db.execute("SELECT sid FROM messages WHERE phone = ?", [NUMBER]).fetchall()
    )
    assert len(sids) == 2
    reply = "SM" + "cd" * 16  # the person's reply is a Message at Twilio too
    webhooks.handle_inbound(fresh_db, {"MessageSid": reply, "From": NUMBER, "To": FROM, "Body": "quem é?"})
    fault_proxy.requests.clear()
    report = erasure.erase(fresh_db, finding.subject_of(NUMBER), peer_gateway, ADMIN)
    deletes = [r for r in fault_proxy.requests if r.method == "DELETE"]
    assert sorted(r.path.rsplit("/", 1)[1].removesuffix(".json") for r in deletes) == sorted([*sids, reply])
    assert all(r.forwarded and r.status == 204 for r in deletes)  # Prism checked them against Twilio's spec
    assert report.twilio_deleted == 3 and report.not_deleted == [] and report.left == []


def test_erase_lists_what_twilio_would_not_delete(fresh_db, fault_proxy, peer_gateway):
    import_contacts(fresh_db, CSV, default_country="BR")
    _send_live(fresh_db, peer_gateway)
    sid = fresh_db.execute("SELECT sid FROM messages WHERE phone = ?", [NUMBER]).fetchone()[0]
    fault_proxy.error(20500, method="DELETE", path=".json")
    report = erasure.erase(fresh_db, finding.subject_of(NUMBER), peer_gateway, ADMIN)
    assert [s for s, _ in report.not_deleted] == [sid] and report.twilio_deleted == 0
    assert report.left == []  # the workspace still forgets the person


def test_erase_without_credentials_lists_live_messages_as_not_deleted(fresh_db, fault_proxy, peer_gateway):
    import_contacts(fresh_db, CSV, default_country="BR")
    _send_live(fresh_db, peer_gateway)
    report = erasure.erase(fresh_db, finding.subject_of(NUMBER), SandboxGateway(fresh_db), ADMIN)
    assert len(report.not_deleted) == 1 and "Console" in report.not_deleted[0][1]


def test_plan_names_what_will_go(held):
    plan = erasure.plan(held, finding.subject_of(NUMBER))
    assert (plan.name, plan.contact, plan.categories, plan.messages, plan.replies, plan.opted_out) == (
        NAME,
        True,
        2,
        2,
        1,
        True,
    )
    assert plan.at_twilio == 3 and plan.other_rows >= 1


# --- consent -------------------------------------------------------------------------------------


def test_consent_source_and_date_are_kept_per_contact(fresh_db):
    import_contacts(fresh_db, CSV, default_country="BR", consent_source="  formulário do site,   2025 ")
    rows = dict(
        (phone, (source, date))
        for phone, source, date in fresh_db.execute(
            "SELECT phone, consent_source, consent_date FROM contacts"
        ).fetchall()
    )
    assert rows[NUMBER] == ("formulário do site, 2025", "2025-03-01")
    assert rows["+5521998765432"][1] == "2025-02-10"
    assert rows["+5531991112233"][1] is None


def test_a_consent_column_is_mapped_by_its_header_or_by_hand(fresh_db):
    report = import_contacts(fresh_db, b"phone,opt-in\n+5511987654321,sim (loja)\n", default_country="BR")
    assert report.mapping["consent"] == "opt-in"
    assert fresh_db.execute("SELECT consent_date, fields FROM contacts").fetchone() == ("sim (loja)", None)
    other = import_contacts(
        fresh_db, b"phone,quando\n+5511900001111,2024-12-31\n", mapping={"consent": "quando"}
    )
    assert other.imported == 1
    assert (
        fresh_db.execute("SELECT consent_date FROM contacts WHERE phone = '+5511900001111'").fetchone()[0]
        == "2024-12-31"
    )


# --- retention -----------------------------------------------------------------------------------


def test_retention_purges_only_what_is_older(held):
    old, new = held.execute("SELECT batch_id FROM messages GROUP BY batch_id ORDER BY min(seq)").fetchall()
    held.execute("UPDATE messages SET sent_at = sent_at - INTERVAL 40 DAY WHERE batch_id = ?", [old[0]])
    held.execute("UPDATE inbound_messages SET received_at = received_at - INTERVAL 40 DAY")
    totals = reports.cost_report(held, "country")
    update_settings(held, retention_days=30)
    report = retention.purge(held, ADMIN)
    assert (report.messages, report.replies) == (3, 1)
    kept = held.execute("SELECT batch_id, phone, body FROM messages ORDER BY batch_id").fetchall()
    assert all(p.startswith("erased:") and b == "" for b_id, p, b in kept if b_id == old[0])
    assert all(p.startswith("+") and b for b_id, p, b in kept if b_id == new[0])
    assert reports.cost_report(held, "country").equals(totals)
    audit = held.execute(
        "SELECT CAST(detail AS VARCHAR) FROM audit WHERE action = 'retention.purge'"
    ).fetchall()
    assert len(audit) == 1 and json.loads(audit[0][0])["messages"] == 3


def test_retention_goes_through_a_large_ledger_a_chunk_per_unit_of_work(held, monkeypatch):
    """Each unit rewrites at most CHUNK rows, so others get the workspace in between."""
    held.execute("UPDATE messages SET sent_at = sent_at - INTERVAL 40 DAY")
    monkeypatch.setattr(retention, "CHUNK", 2)
    units = []
    real = retention.write
    monkeypatch.setattr(retention, "write", lambda con, work: units.append(1) or real(con, work))
    report = retention.purge(held, ADMIN, days=30)
    assert report.messages == 6
    assert len(units) == 5  # three chunks of two, an empty one, then replies and the audit row
    assert held.execute(
        "SELECT count(*) FROM messages WHERE NOT starts_with(phone, 'erased:')"
    ).fetchall() == [(0,)]


def test_retention_is_off_by_default_and_runs_once_a_day(held):
    assert retention.purge_if_due(held, ADMIN) is None
    update_settings(held, retention_days=1)
    now = utcnow()
    assert retention.purge_if_due(held, ADMIN, now=now) is not None
    assert retention.purge_if_due(held, ADMIN, now=now + timedelta(hours=23)) is None
    assert retention.purge_if_due(held, ADMIN, now=now + timedelta(hours=25)) is not None


def test_retention_days_must_be_sensible(fresh_db):
    with pytest.raises(ValueError, match="days to keep"):
        update_settings(fresh_db, retention_days=-1)


# --- the sandbox deletes its own records, as Twilio does -----------------------------------------


def test_the_sandbox_deletes_a_message_record_like_twilio(sandbox):
    from smscore.twilio.gateway import GatewayError

    sid = sandbox.send(NUMBER, "Oi", SANDBOX_SENDER).sid
    sandbox.delete(sid)
    with pytest.raises(GatewayError) as gone:
        sandbox.fetch(sid)
    assert gone.value.code == 20404
    with pytest.raises(GatewayError) as unknown:
        sandbox.delete(sid)
    assert unknown.value.code == 20404


def test_the_sandbox_refuses_to_delete_a_scheduled_message_until_canceled(sandbox):
    from smscore.twilio.gateway import GatewayError

    service = "MG" + "0" * 32
    sid = sandbox.send(NUMBER, "Oi", service, send_at=utcnow().replace(tzinfo=UTC) + timedelta(hours=2)).sid
    with pytest.raises(GatewayError) as refused:
        sandbox.delete(sid)
    assert refused.value.code == 20009
    sandbox.cancel(sid)
    sandbox.delete(sid)
