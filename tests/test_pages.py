"""The console's pages under AppTest: each renders in sandbox mode, and each main action works.

Every test gets its own DuckDB file through SMSCONSOLE_DB and no Twilio credentials (conftest's
autouse fixture clears them), so the console runs on the sandbox account.
"""

from __future__ import annotations

import ast
import json
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from smscore import store
from smscore.store.settings import update_settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
SMALL_CSV = (
    "nome;telefone;categoria;cidade\n"
    "João Araújo;(11) 98765-4321;equipe;São Paulo\n"
    "Inês Simões;+351 912 345 678;equipe;Lisboa\n"
    "Ana Souza;+55 21 99876-5432;equipe;Rio\n"
    "Sem Número;;equipe;Belém\n"
    "Número Ruim;12345;equipe;Belém\n"
).encode("cp1252")


UPLOAD_CSV = (
    "nome;telefone;categoria\n"
    "Conceição Brandão;(11) 98765-0000;clientes\n"
    "Gonçalo Sá;+351 913 000 111;clientes\n"
    "Sem Número;;clientes\n"
    "Número Curto;12345;clientes\n"
).encode("cp1252")


@pytest.fixture(autouse=True)
def _apptest_config(monkeypatch: pytest.MonkeyPatch):
    # AppTest keeps selectbox format_func lambdas in session state, which the serializable-state
    # check (on in .streamlit/config.toml for the real server) would reject.
    previous = st_config.get_option("runner.enforceSerializableSessionState")
    address = st_config.get_option("server.address")
    st_config.set_option("runner.enforceSerializableSessionState", False)
    st_config.set_option("server.address", "127.0.0.1")  # as .streamlit/config.toml: local mode
    monkeypatch.chdir(ROOT)  # st.Page("pages/x.py") resolves from the working directory
    yield
    st_config.set_option("runner.enforceSerializableSessionState", previous)
    st_config.set_option("server.address", address)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database holding three valid contacts (so no demo seed) and a fast send rate."""
    path = tmp_path / "console.duckdb"
    monkeypatch.setenv("SMSCONSOLE_DB", str(path))
    con = store.connect(path)
    from smscore.contacts.importer import import_contacts

    import_contacts(con, SMALL_CSV, default_country="BR")
    update_settings(con, send_rate=Decimal("200"))
    con.close()
    return path


@pytest.fixture
def pt(db: Path) -> Path:
    """`db` with the console in Portuguese (Brasil)."""
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    return db


def set_sandbox_balance(path: Path, amount: str) -> None:
    from smscore.twilio.sandbox import SandboxGateway

    con = store.connect(path)
    SandboxGateway(con).set_balance(Decimal(amount))
    con.close()


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "console.py"), default_timeout=30).run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return at


def texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts).replace("\\$", "$")  # money signs are escaped for Markdown


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


# -- every page renders ---------------------------------------------------------------------------


def test_every_page_file_is_registered_in_navigation():
    tree = ast.parse((ROOT / "console.py").read_text())
    registered = [
        name
        for node in tree.body
        if isinstance(node, ast.Assign) and node.targets[0].id in ("PAGES", "HIDDEN")
        for name in ast.literal_eval(node.value)
    ]
    assert sorted(registered) == PAGES


@pytest.mark.parametrize("page", [None, *PAGES])
def test_page_renders_in_sandbox_from_console(db, page):
    at = ok(app(page))
    assert "SANDBOX" in texts(at)
    assert at.title, "every page has a title"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_when_run_directly(db, page):
    at = ok(AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=30).run())
    assert "SANDBOX" in texts(at)


def test_home_shows_mode_balance_account_and_counts(db):
    shown = texts(ok(app()))
    assert "Mode: Sandbox" in shown
    assert "Sandbox balance: $20.00" in shown
    assert "Account type: Full" in shown
    assert "Contacts: 3" in shown
    assert "Categories: 1" in shown


def test_low_balance_warning_links_to_topup_guide(db):
    set_sandbox_balance(db, "1.50")
    at = ok(app())
    assert any(r"Low balance: \$1.50, below the threshold of \$2.00" in w.value for w in at.warning)
    assert any("Top-up guide" in str(link.proto) for link in at.get("page_link"))


def test_whole_console_switches_to_portuguese(db):
    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    at = ok(app("topup"))
    shown = texts(at)
    assert "Guia de recarga" in shown
    assert "Tax Information" in shown and "não posso informar" in shown
    at.switch_page("pages/send.py").run()
    assert "Enviar um lote" in texts(ok(at))


# -- top-up guide and settings ---------------------------------------------------------------------


def test_topup_guide_shows_balance_last_need_and_threshold(db):
    at = ok(app("send"))
    at.text_area(key="body").set_value("Olá {name}, promoção de verão!").run()
    at.switch_page("pages/topup.py").run()
    shown = texts(ok(at))
    assert "Sandbox balance: $20.00" in shown
    assert re.search(r"Last quoted batch needs: \$0\.\d\d\n", shown)
    assert "Low-balance threshold: $2.00" in shown
    assert "$20 and $2000" in shown


def test_settings_never_show_the_token_and_save_the_threshold(db, monkeypatch):
    at = ok(app("settings"))
    assert "Sandbox mode" in texts(at)
    at.text_input(key="set_threshold").set_value("5")
    at.button(key="save_settings").click().run()
    con = store.connect(db)
    from smscore.store.settings import load_settings

    assert load_settings(con).low_balance_threshold == Decimal("5.00")
    con.close()


def test_settings_show_sid_last4_but_not_the_token(db, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 28 + "beef")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "supersecrettoken1234")
    monkeypatch.setenv("SMSCONSOLE_TWILIO_API_URL", "http://127.0.0.1:9")  # nothing listens
    at = app("settings")
    shown = texts(at)
    assert "…**beef**" in shown
    assert "supersecrettoken1234" not in shown + str(at.exception)


# -- contacts ------------------------------------------------------------------------------------


def test_import_reports_imported_and_rejected_rows_with_reasons(db):
    at = ok(app("contacts"))
    at.file_uploader[0].set_value(("clientes.csv", UPLOAD_CSV, "text/csv")).run()
    shown = texts(ok(at))
    assert "encoding **Windows-1252**, delimiter **semicolon (;)**" in shown
    assert at.selectbox(key=f"map_phone_clientes.csv-{len(UPLOAD_CSV)}").value == "telefone"
    at.button(key="import").click().run()
    shown = texts(ok(at))
    assert "Imported: 2" in shown and "Updated: 0" in shown and "Rejected: 2" in shown
    rejects = next(d.value for d in at.dataframe if "line" in d.value.columns)
    assert list(rejects["line"]) == [4, 5]
    assert rejects["reason"].str.len().min() > 0
    assert at.get("download_button"), "the rejected rows can be downloaded"


def test_reimport_audit_detail_carries_the_counts_the_page_shows(db):
    at = ok(app("contacts"))
    for _ in range(2):
        at.file_uploader[0].set_value(("clientes.csv", UPLOAD_CSV, "text/csv")).run()
        at.button(key="import").click().run()
    names = ("Imported", "Updated", "Already in the workspace", "Rejected")
    metrics = {m.label: int(m.value) for m in ok(at).metric if m.label in names}
    con = store.connect(db)
    details = [
        json.loads(d)
        for (d,) in con.execute("SELECT detail FROM audit WHERE action = 'import' ORDER BY id").fetchall()
    ]
    con.close()
    assert details[-1] == {
        "imported": metrics["Imported"],
        "updated": metrics["Updated"],
        "already": metrics["Already in the workspace"],
        "rejected": metrics["Rejected"],
    }
    assert details[-1] == {"imported": 0, "updated": 0, "already": 2, "rejected": 2}


# -- send ----------------------------------------------------------------------------------------


def compose(at: AppTest, body: str = "Olá {name}, promoção de verão!") -> AppTest:
    at.text_area(key="body").set_value(body).run()
    return ok(at)


def test_quote_shows_cost_per_country_with_price_date(db):
    at = compose(ok(app("send")))
    shown = texts(at)
    assert "Encoding: UCS-2" in shown
    assert "Recipients: 3" in shown
    assert "Prices as of Sep 19, 2023" in shown
    assert re.search(r"Total at most \(sandbox\): \$\d+\.\d\d\n", shown)
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def test_gsm_replacement_saves_segments(db):
    at = compose(ok(app("send")), "Promoção " * 8)
    assert "Encoding: UCS-2" in texts(at)
    at.button(key="apply_gsm").click().run()
    assert "Encoding: GSM-7" in texts(ok(at))


def test_send_refused_when_balance_short(db):
    set_sandbox_balance(db, "0.01")
    at = compose(ok(app("send")))
    shown = texts(at)
    assert "Balance too low" in shown and "Short by $0.16" in shown
    assert at.button(key="send_open").disabled


def send_batch(db: Path) -> str:
    """Confirm a send of the three test contacts and wait for it; the batch id."""
    at = compose(ok(app("send")))
    assert not at.button(key="send_open").disabled
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    ok(at)
    batch = at.session_state["job"]["batch_id"]
    from ui.sending import jobs

    assert jobs.wait(batch, timeout=30)
    at.run()
    assert "Sent: all 3 messages went out" in texts(ok(at))
    con = duckdb.connect(str(db))
    rows = con.execute("SELECT phone, state FROM messages WHERE batch_id = ?", [batch]).fetchall()
    assert sorted(state for _, state in rows) == ["sent"] * 3
    assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == 1
    received = con.execute("SELECT to_number, count(*) FROM sandbox_messages GROUP BY 1").fetchall()
    assert sorted(n for _, n in received) == [1, 1, 1]
    con.close()
    return batch


def test_confirmed_send_sends_each_recipient_once(db):
    send_batch(db)


# -- reports -------------------------------------------------------------------------------------


def test_reports_export_csv(db):
    send_batch(db)
    at = ok(app("reports"))
    assert "Estimate" in texts(at)
    assert at.get("download_button")


# -- managing categories and the opt-out list; picking recipients ---------------------------------


def _db_rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_categories_are_created_and_removed_keeping_the_contacts(db):
    at = ok(app("contacts"))
    at.text_input(key="new_category").input("promo de natal")
    ok(at.button(key="add_category").click().run())
    assert ("promo de natal",) in _db_rows(db, "SELECT name FROM categories")
    at.selectbox(key="category_to_remove").select("equipe")
    ok(at.button(key="remove_category").click().run())
    assert ("equipe",) in _db_rows(db, "SELECT name FROM categories"), "asks first"
    assert any("Remove the category “equipe”? Its 3 contacts stay" in w.value for w in at.warning)
    ok(at.button(key="confirm_remove_category").click().run())
    assert ("equipe",) not in _db_rows(db, "SELECT name FROM categories")
    assert any("Category “equipe” removed; 3 contacts left it" in s.value for s in at.success)
    assert _db_rows(db, "SELECT count(*) FROM contacts") == [(3,)]


def test_opt_out_list_takes_local_numbers_refuses_bad_ones_and_excludes_from_quotes(db):
    at = ok(app("contacts"))
    at.text_input(key="optout_phone").input("(11) 98765-4321")
    ok(at.button(key="optout_add").click().run())
    assert _db_rows(db, "SELECT phone, reason FROM suppressions") == [("+5511987654321", "opt-out")]
    at.text_input(key="optout_phone").input("123")
    ok(at.button(key="optout_add").click().run())
    assert any("too short" in str(e.value) for e in at.error)
    send = compose(ok(app("send")))
    assert "opted out" in texts(send) or any("+5511987654321" in str(df.value) for df in send.dataframe)
    assert "Recipients: 2" in texts(send)
    contacts_page = ok(app("contacts"))
    contacts_page.selectbox(key="optout_to_remove").select("+5511987654321")
    ok(contacts_page.button(key="optout_remove").click().run())
    assert _db_rows(db, "SELECT count(*) FROM suppressions") == [(1,)], "asks first"
    ok(contacts_page.button(key="cancel_remove_optout").click().run())
    assert _db_rows(db, "SELECT count(*) FROM suppressions") == [(1,)], "cancel keeps it"
    ok(contacts_page.button(key="optout_remove").click().run())
    ok(contacts_page.button(key="confirm_remove_optout").click().run())
    assert _db_rows(db, "SELECT count(*) FROM suppressions") == [(0,)]
    assert any("is off the opt-out list" in s.value for s in contacts_page.success)


def test_send_to_picked_contacts_prices_only_them(db):
    at = ok(app("send"))
    at.radio(key="audience").set_value("picked").run()
    ok(at)
    ana = _db_rows(db, "SELECT id FROM contacts WHERE name = 'Ana Souza'")[0][0]
    at.multiselect(key="picked_ids").set_value([ana]).run()
    at = compose(ok(at))
    assert "Recipients: 1" in texts(at)


# -- live mode, against the loopback Twilio peer ---------------------------------------------------


def test_live_mode_reads_the_balance_from_twilio_and_warns_when_low(db, fault_proxy, monkeypatch):
    from peer import ACCOUNT_SID, AUTH_TOKEN

    for key, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+15017122661",
        "SMSCONSOLE_TWILIO_API_URL": fault_proxy.url,
        "SMSCONSOLE_TWILIO_PRICING_URL": fault_proxy.url,
    }.items():
        monkeypatch.setenv(key, value)
    at = ok(app())
    shown = texts(at)
    assert "Mode: Live" in shown and "Sandbox" not in shown
    assert "$0.05" in shown  # the balance Twilio's Balance.json example answers
    assert any("Low balance" in w.value for w in at.warning)
    assert "/Balance.json" in " ".join(r.path for r in fault_proxy.requests)
    assert AUTH_TOKEN not in shown


def test_an_interrupted_batch_is_resumed_from_its_ledger(db):
    from smscore.cost.quote import Selection, build_quote
    from smscore.sending import ledger
    from smscore.twilio.sandbox import SANDBOX_SENDER
    from ui.sending import jobs

    con = store.connect(db)
    quote = build_quote(con, "Oi {name}", Selection(everyone=True))
    batch = ledger.freeze_batch(con, quote, sender=SANDBOX_SENDER, mode="sandbox")
    con.close()  # frozen, never sent: what a crash between Confirm and the first send leaves
    at = ok(app("send"))
    assert any(batch[:12] in w.value for w in at.warning)
    ok(at.button(key=f"resume_{batch}").click().run())
    assert jobs.wait(batch, timeout=30)
    assert _db_rows(db, "SELECT state, count(*) FROM messages GROUP BY 1") == [("sent", 3)]
    assert _db_rows(db, "SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages") == [(3, 3)]


def test_reports_fetch_statuses_and_actual_prices(db):
    batch = send_batch(db)
    con = duckdb.connect(str(db))
    con.execute("UPDATE messages SET actual_price = NULL, twilio_status = NULL")  # not priced yet
    con.close()
    at = ok(app("reports"))
    ok(at.button(key="poll_statuses").click().run())
    priced = _db_rows(db, f"SELECT count(actual_price) FROM messages WHERE batch_id = '{batch}'")
    assert priced == [(3,)]


def test_reports_send_log_shows_each_message_with_its_state(db):
    batch = send_batch(db)
    at = ok(app("reports"))
    at.selectbox(key="report_batch").set_value(batch).run()
    ok(at)
    logs = [df.value for df in at.dataframe if "twilio_status" in df.value.columns]
    assert logs and len(logs[0]) == 3 and set(logs[0]["state"]) == {"sent"}
    assert "3 of 3 messages" in texts(at)


def test_trial_account_quotes_only_verified_numbers_with_the_prefix(db):
    from smscore.twilio.sandbox import SandboxGateway

    con = store.connect(db)
    account = SandboxGateway(con)
    account.set_type("Trial")
    account.verify("+5511987654321")
    con.close()
    at = compose(ok(app("send")))
    shown = texts(at)
    assert "Recipients: 1" in shown
    assert "Sent from your Twilio trial account" in shown


# -- batches that need the operator: unknown outcomes, damaged batches -----------------------------


def _frozen_batch(db: Path, *, lose: int = 0, claimed_ago: float = 0.0, drop_rows: bool = False) -> str:
    """The three contacts' batch; `lose` claims left by a crashed run `claimed_ago` seconds ago."""
    from datetime import timedelta

    from smscore.cost.quote import Selection, build_quote
    from smscore.sending import ledger
    from smscore.twilio.sandbox import SANDBOX_SENDER

    con = store.connect(db)
    try:
        quote = build_quote(con, "Oi {name}", Selection(everyone=True))
        batch = ledger.freeze_batch(con, quote, sender=SANDBOX_SENDER, mode="sandbox")
        if lose:
            claimed = ledger.utcnow() - timedelta(seconds=claimed_ago)
            ledger.claim(con, batch, "dead-run", after_seq=0, limit=lose, now=claimed)
            ledger.expire_claims(con, batch, [])
        if drop_rows:
            con.execute("DELETE FROM messages")  # the old freeze, killed between its commits
        return batch
    finally:
        con.close()


UNKNOWN_WAIT = re.compile(
    r"Outcome unknown for 2 messages: they can be looked up in Twilio "
    r"from \d\d:\d\d:\d\d UTC \(in (\d+) s\)\. Resume sending does it then "
    r"by itself, and sends only what Twilio never got\."
)


@pytest.mark.parametrize("page", [None, "send"])
def test_console_says_when_unknown_outcomes_can_be_looked_up(db, page):
    batch = _frozen_batch(db, lose=2)
    at = ok(app(page))
    found = UNKNOWN_WAIT.search(texts(at))
    assert found and 50 <= int(found.group(1)) <= 60
    assert "needs reconcile" not in texts(at)
    if page == "send":
        assert at.button(key=f"resume_{batch}")


def test_console_looks_unknown_outcomes_up_by_itself_once_due(db):
    from ui.sending import jobs

    batch = _frozen_batch(db, lose=2, claimed_ago=58)  # due in about 2 s
    at = ok(app("send"))
    ok(at.button(key=f"resume_{batch}").click().run())
    assert jobs.wait(batch, timeout=30)  # sent the third, waited, looked up, sent the two
    assert _db_rows(db, "SELECT state, count(*) FROM messages GROUP BY 1") == [("sent", 3)]
    assert _db_rows(db, "SELECT count(*), count(DISTINCT to_number) FROM sandbox_messages") == [(3, 3)]


@pytest.mark.parametrize("page", [None, "send"])
def test_console_shows_a_damaged_batch_with_what_to_do_and_no_resume(db, page):
    batch = _frozen_batch(db, drop_rows=True)
    at = ok(app(page))
    errors = " ".join(e.value for e in at.error)
    assert f"Batch {batch[:12]} is damaged: it has 0 of its 3 messages" in errors
    assert "Send the same message to the same recipients again today" in errors
    assert not [b for b in at.button if b.key == f"resume_{batch}"]
