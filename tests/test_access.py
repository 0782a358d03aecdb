"""Operator access in the console under AppTest: the gate, roles at each action, sessions.

Accounts are made with tests/signin.py's add_account and signed in through the console's own
form (sign_in), so the Argon2id check, the session and the audit rows are the real ones.
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path

import duckdb
import pytest
from signin import PASSWORD, add_account, sign_in
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest
from test_pages import PAGES, _apptest_config, app, compose, db, ok, set_sandbox_balance, texts  # noqa: F401 - fixtures

from smscore.access import accounts

ROOT = Path(__file__).resolve().parent.parent


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def sidebar_texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.sidebar.caption, *at.sidebar.text])


def replay_click(at: AppTest, key: str) -> AppTest:
    """Click a button the page drew disabled, as a client replaying the widget message would."""
    button = at.button(key=key)
    assert button.disabled
    button.proto.disabled = False  # the browser's idea of "disabled" is the client's to ignore
    return button.click().run()


def signed_in(db: Path, role: str, page: str | None = None) -> AppTest:
    email = f"{role}@example.com"
    add_account(db, email, role)
    at = sign_in(ok(app()), email)
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return ok(at)


# -- safe defaults ---------------------------------------------------------------------------------


def test_local_mode_is_labelled_when_no_account_exists(db):
    at = ok(app())
    assert "Local mode: only this computer can open it." in sidebar_texts(at)
    assert not at.text_input  # no sign-in form


@pytest.mark.parametrize("page", PAGES)
def test_every_page_asks_for_sign_in_once_an_account_exists(db, page):
    add_account(db, "admin@example.com", "admin")
    # Every address exists before sign-in (a typed URL, a reload): each shows the sign-in form.
    for at in (app(), app(page), AppTest.from_file(str(ROOT / "pages" / f"{page}.py")).run()):
        ok(at)
        assert [t.value for t in at.title] == ["Sign in to smsconsole"]
        shown = texts(at)
        assert "SANDBOX" not in shown and "USD" not in shown and not at.dataframe


@pytest.mark.parametrize("page", [None, *PAGES])
def test_off_loopback_without_sign_in_no_page_serves_data(db, page):
    st_config.set_option("server.address", "0.0.0.0")
    at = ok(app() if page is None else AppTest.from_file(str(ROOT / "pages" / f"{page}.py")).run())
    assert [t.value for t in at.title] == ["Sign-in required on this address"]
    assert "python -m smscore user add" in "\n".join(str(t.value) for t in at.text)
    assert "SANDBOX" not in texts(at) and not at.dataframe and not at.metric


def test_off_loopback_with_an_account_shows_the_sign_in_form(db):
    st_config.set_option("server.address", "0.0.0.0")
    add_account(db, "admin@example.com", "admin")
    at = ok(app())
    assert [t.value for t in at.title] == ["Sign in to smsconsole"]
    assert "SANDBOX" in texts(sign_in(at, "admin@example.com"))


# -- sign-in, lock-out, idle expiry, sign-out ------------------------------------------------------


def test_sign_in_shows_who_and_the_role(db):
    at = signed_in(db, "operator")
    assert "operator@example.com (operator)" in sidebar_texts(at)
    assert "SANDBOX" in texts(at)
    assert rows(db, "SELECT actor, action FROM audit WHERE action = 'sign-in'") == [
        ("operator@example.com", "sign-in")
    ]


def test_wrong_password_is_refused_and_the_fifth_locks_the_account(db):
    add_account(db, "ana@example.com", "operator")
    at = ok(app())
    for _ in range(5):
        sign_in(at, "ana@example.com", "wrong password")
        assert [e.value for e in at.error] == [accounts.REFUSED]
    sign_in(at, "ana@example.com", PASSWORD)  # locked: the same words, nothing more
    assert [e.value for e in at.error] == [accounts.REFUSED]
    assert at.title[0].value == "Sign in to smsconsole"
    assert rows(db, "SELECT count(*) FROM audit WHERE action = 'sign-in.lockout'") == [(1,)]


def test_idle_session_expires(db, monkeypatch):
    monkeypatch.setenv("SMSCONSOLE_IDLE_MINUTES", "0.005")  # 0.3 s
    at = signed_in(db, "viewer")
    time.sleep(0.5)
    at.run()
    assert at.title[0].value == "Sign in to smsconsole"
    assert "expired" in at.warning[0].value
    assert ("sign-out.idle",) in rows(db, "SELECT action FROM audit")


def test_sign_out_ends_the_session(db):
    at = signed_in(db, "viewer")
    at.button(key="sign_out").click().run()
    assert at.title[0].value == "Sign in to smsconsole"
    at.switch_page("pages/reports.py").run()  # a typed URL after sign-out: the form, no data
    assert at.title[0].value == "Sign in to smsconsole" and not at.dataframe
    assert ("sign-out",) in rows(db, "SELECT action FROM audit")
    assert rows(db, "SELECT end_reason FROM sessions") == [("sign-out",)]


def test_disabling_an_account_ends_its_open_session(db):
    at = signed_in(db, "operator")
    con = duckdb.connect(str(db))
    con.execute("UPDATE users SET disabled = true")
    con.close()
    at.run()
    assert at.title[0].value == "Sign in to smsconsole"


# -- roles, checked at the action ------------------------------------------------------------------


@pytest.mark.parametrize("page", ["settings", "audit"])
def test_viewer_and_operator_cannot_open_admin_pages(db, page):
    for role in ("viewer", "operator"):
        at = signed_in(db, role, page)  # hidden from their navigation; the address says why
        assert f"The {role} role may not open this page" in at.error[0].value
        assert not at.get("form") and not at.dataframe
        at = ok(AppTest.from_file(str(ROOT / "pages" / f"{page}.py")).run())  # deep link
        sign_in(at, f"{role}@example.com")
        assert f"The {role} role may not open this page" in at.error[0].value
        assert not at.get("form") and not at.dataframe


def demote(db: Path, email: str, role: str) -> None:
    con = duckdb.connect(str(db))
    con.execute("UPDATE users SET role = ? WHERE email = ?", [role, email])
    con.close()


def test_viewer_cannot_add_a_category_even_by_sending_the_click(db):
    at = signed_in(db, "viewer", "contacts")
    at.text_input(key="new_category").input("hackers")
    replay_click(at, "add_category")
    assert ("hackers",) not in rows(db, "SELECT name FROM categories")


def test_category_refused_at_the_action_when_the_role_was_lowered_after_the_page_drew(db):
    at = signed_in(db, "operator", "contacts")
    demote(db, "operator@example.com", "viewer")  # the button on screen is still enabled
    at.text_input(key="new_category").input("hackers")
    at.button(key="add_category").click().run()
    assert "the viewer role may not do this (categories)" in texts(at)
    assert ("hackers",) not in rows(db, "SELECT name FROM categories")
    assert ("operator@example.com", "denied", "categories") in rows(
        db, "SELECT actor, action, target FROM audit"
    )


def test_viewer_has_no_send_page_even_by_its_url(db):
    at = signed_in(db, "viewer", "send")
    assert "The viewer role may not open this page" in at.error[0].value
    assert not at.text_area
    at = ok(AppTest.from_file(str(ROOT / "pages" / "send.py")).run())
    sign_in(at, "viewer@example.com")
    assert "The viewer role may not open this page" in at.error[0].value
    assert not at.text_area


def test_send_button_replayed_while_disabled_does_nothing(db):
    set_sandbox_balance(db, "0.01")  # the page draws Send disabled: balance too low
    at = compose(signed_in(db, "operator", "send"))
    replay_click(at, "send_open")
    assert not at.session_state["confirm_open"]
    assert rows(db, "SELECT count(*) FROM batches") == [(0,)]


def test_send_refused_at_the_action_when_the_role_was_lowered_after_the_page_drew(db):
    at = compose(signed_in(db, "operator", "send"))
    demote(db, "operator@example.com", "viewer")
    at.button(key="send_open").click().run()
    assert not at.session_state["confirm_open"]
    assert "The viewer role may not open this page" in at.error[0].value
    assert ("operator@example.com", "denied", "send") in rows(db, "SELECT actor, action, target FROM audit")
    assert rows(db, "SELECT count(*) FROM batches") == [(0,)]


def test_viewer_gets_no_phone_number_export_of_the_send_log(db):
    from test_pages import send_batch

    send_batch(db)  # local mode: no account yet
    at = signed_in(db, "viewer", "reports")
    at.selectbox(key="report_batch").select_index(1).run()
    assert not [b for b in at.get("download_button") if b.proto.id.endswith("export_log")]
    assert "Downloading phone numbers is for operators" in texts(at)


def test_operator_send_records_who_confirmed_it_and_reports_group_by_operator(db):
    add_account(db, "op@example.com", "operator")
    at = sign_in(ok(app()), "op@example.com")
    at.switch_page("pages/send.py").run()
    at = compose(ok(at))
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    from ui.sending import jobs

    assert jobs.wait(ok(at).session_state["job"]["batch_id"], timeout=30)
    assert rows(db, "SELECT confirmed_by FROM batches") == [("op@example.com",)]
    detail = rows(db, "SELECT actor, detail FROM audit WHERE action = 'batch.confirm'")
    assert detail[0][0] == "op@example.com" and '"recipients": 3' in detail[0][1]
    con = duckdb.connect(str(db))
    from smscore.reports import cost_report

    frame = cost_report(con, "operator")
    con.close()
    assert list(frame["operator"]) == ["op@example.com"] and list(frame["sent"]) == [3]


def test_admin_sees_the_audit_page_with_filters(db):
    at = signed_in(db, "admin", "audit")
    assert at.title[0].value == "Audit trail"
    frame = at.dataframe[0].value
    assert {"sign-in", "user.add"} <= set(frame["action"])
    at.selectbox(key="audit_action").select("sign-in").run()
    assert set(at.dataframe[0].value["action"]) == {"sign-in"}
    assert at.get("download_button")


def test_admin_adds_a_user_in_settings(db):
    at = signed_in(db, "admin", "settings")
    at.text_input(key="user_email").input("new@example.com")
    at.selectbox(key="user_role").select("viewer")
    at.text_input(key="user_password").input("a fine password")
    at.button(key="user_add_submit").click().run()
    ok(at)
    assert ("new@example.com", "viewer") in rows(db, "SELECT email, role FROM users")
    assert ("admin@example.com", "user.add", "new@example.com") in rows(
        db, "SELECT actor, action, target FROM audit"
    )


# -- spending limits and two-person approval -------------------------------------------------------


def set_limits(db: Path, **kw: str) -> None:
    from decimal import Decimal

    from smscore import store
    from smscore.access import approvals

    con = store.connect(db)
    approvals.save_limits(
        con,
        approvals.Limits(**{k: Decimal(v) for k, v in kw.items()}),
        importlib.import_module("smscore.access.audit").Actor.cli(),
    )
    con.close()


def confirm_send(at: AppTest) -> AppTest:
    at.switch_page("pages/send.py").run()
    at = compose(ok(at))
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    return ok(at)


def composed(db: Path, email: str, role: str) -> AppTest:
    add_account(db, email, role)
    at = sign_in(ok(app()), email)
    at.switch_page("pages/send.py").run()
    return compose(ok(at))


def unescaped(at: AppTest) -> str:
    """The page's text without ui.shell.untrusted.md's escapes (and the joiner it puts after an @)."""
    return texts(at).replace("\\", "").replace("\u2060", "")


def refusal_rows(db: Path) -> list[tuple]:
    return rows(db, "SELECT actor, target, detail FROM audit WHERE action = 'batch.confirm-refused'")


def test_operator_is_told_before_the_click_that_the_per_batch_limit_refuses_the_batch(db):
    set_limits(db, per_batch="0.10")
    at = composed(db, "op@example.com", "operator")
    shown = unescaped(at)
    assert "Per-batch limit: $0.10. This batch may cost up to $0.17." in shown
    # the cost to the cent rounded up, as everywhere on the page; the CLI keeps USD 0.1671
    assert (
        "This batch would be refused: this batch may cost up to $0.17, over the per-batch "
        "limit of $0.10. An admin can change the spending limits"
    ) in shown
    assert at.button(key="send_open").disabled
    assert rows(db, "SELECT count(*) FROM batches") == [(0,)]


def test_operator_sees_what_they_confirmed_today_against_the_per_day_limit(db):
    set_limits(db, per_day="0.30")
    at = composed(db, "op@example.com", "operator")
    assert "Per-day limit: $0.30. You confirmed up to $0.00 today; with this batch, $0.17." in (unescaped(at))
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    from ui.sending import jobs

    assert jobs.wait(ok(at).session_state["job"]["batch_id"], timeout=30)
    at = compose(ok(at.run()), "Oi {name}, de novo!")
    shown = unescaped(at)
    assert "You confirmed up to $0.17 today; with this batch, $0.34." in shown
    assert (
        "This batch would be refused: with this batch op@example.com would confirm up to "
        "$0.34 today, over the per-day limit of $0.30"
    ) in shown
    assert at.button(key="send_open").disabled


def test_admin_is_told_before_the_click_that_another_admin_must_approve(db):
    set_limits(db, per_batch="5", per_day="10.00", approval_over="0.10")
    at = composed(db, "first@example.com", "admin")
    shown = unescaped(at)
    assert "Per-batch limit: $5.00. This batch may cost up to $0.17." in shown
    assert "Per-day limit: $10.00. You confirmed up to $0.00 today; with this batch, $0.17." in shown
    needs = (
        "Needs approval: this batch may cost up to $0.17, over the approval threshold of "
        "$0.10. Once confirmed, it waits until another admin (not you) approves it; "
        "nothing is sent before."
    )
    assert needs in shown
    assert not at.button(key="send_open").disabled
    at.button(key="send_open").click().run()
    assert [w.value.replace("\\", "") for w in ok(at).warning].count(needs) == 2  # and the dialog
    at.button(key="send_confirm").click().run()
    assert "it awaits approval by another admin" in texts(ok(at))


def test_operator_is_told_an_admin_must_approve_before_and_after_the_click(db):
    set_limits(db, approval_over="0.10")
    at = composed(db, "op@example.com", "operator")
    shown = unescaped(at)
    assert "Once confirmed, it waits until an admin approves it; nothing is sent before." in shown
    assert "another admin" not in shown
    assert "Approval needed above" not in shown  # the threshold is said in the warning
    at.button(key="send_open").click().run()
    at.button(key="send_confirm").click().run()
    shown = unescaped(ok(at))
    assert "over the approval threshold: it awaits approval by an admin." in shown
    assert "another admin" not in shown
    assert at.text_area(key="body").value == "" and not [b for b in at.button if b.key == "send_open"]
    assert rows(db, "SELECT status FROM batches") == [("awaiting approval",)]


def test_a_limit_lowered_while_the_dialog_is_open_refuses_the_confirm_and_records_it(db):
    at = composed(db, "op@example.com", "operator")
    assert "No spending limit applies to you." in texts(at)
    at.button(key="send_open").click().run()
    set_limits(db, per_batch="0.10")  # an admin, meanwhile, in Settings
    at.button(key="send_confirm").click().run()
    assert "Not sent: this batch may cost up to $0.17, over the per-batch limit of $0.10" in unescaped(ok(at))
    assert rows(db, "SELECT count(*) FROM batches") == [(0,)]
    [(actor, target, detail)] = refusal_rows(db)
    assert actor == "op@example.com" and target.startswith("b-")
    assert '"limit": "per_batch"' in detail and '"recipients": 3' in detail
    assert at.text_area(key="body").value == "Olá {name}, promoção de verão!"  # kept: not sent


def test_costly_batch_waits_for_a_different_admin(db):
    set_limits(db, approval_over="0.10")
    add_account(db, "first@example.com", "admin")
    add_account(db, "second@example.com", "admin")
    first = confirm_send(sign_in(ok(app()), "first@example.com"))
    assert "it awaits approval by another admin" in texts(first)
    batch = rows(db, "SELECT id, status FROM batches")
    assert batch[0][1] == "awaiting approval"
    first.switch_page("pages/approvals.py").run()
    first.button(key=f"approve_{batch[0][0]}").click().run()
    assert "Not approved: the admin who confirmed a batch cannot approve it" in texts(first)
    assert rows(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == [(0,)]

    second = sign_in(ok(app()), "second@example.com")
    second.switch_page("pages/approvals.py").run()
    assert "Olá {name}, promoção de verão!" in [t.value for t in second.text]
    second.button(key=f"approve_{batch[0][0]}").click().run()
    from ui.sending import jobs

    assert jobs.wait(batch[0][0], timeout=30)
    assert rows(db, "SELECT count(*) FROM messages WHERE state = 'sent'") == [(3,)]
    assert rows(db, "SELECT confirmed_by, approved_by FROM batches") == [
        ("first@example.com", "second@example.com")
    ]


def test_rejected_batch_is_cancelled(db):
    set_limits(db, approval_over="0.10")
    add_account(db, "op@example.com", "operator")
    add_account(db, "admin@example.com", "admin")
    confirm_send(sign_in(ok(app()), "op@example.com"))
    batch_id = rows(db, "SELECT id FROM batches")[0][0]
    admin = sign_in(ok(app()), "admin@example.com")
    admin.switch_page("pages/approvals.py").run()
    admin.button(key=f"reject_{batch_id}").click().run()
    assert "rejected: it will not send" in texts(admin)
    assert rows(db, "SELECT status FROM batches") == [("rejected",)]
    assert rows(db, "SELECT count(*) FROM sandbox_messages") == [(0,)]
    operator = sign_in(ok(app()), "op@example.com")  # the operator's next visit to Send
    operator.switch_page("pages/send.py").run()
    assert "Rejected: rejected by admin@example.com. Nothing was sent." in unescaped(ok(operator))


def test_admin_sets_limits_in_settings_and_a_bad_amount_is_one_sentence(db):
    at = signed_in(db, "admin", "settings")
    at.text_input(key="limit_per_batch").input("25.00")
    at.text_input(key="limit_approval_over").input("lots")
    at.button(key="limits_save").click().run()
    assert (
        "could not read “lots” in “Approval needed above”: write numbers with a point before the "
        "decimals, like 2.50 or 1,234.56."
    ) in texts(at)
    assert "Limits saved." not in texts(at)
    at.text_input(key="limit_approval_over").input("10")
    at.button(key="limits_save").click().run()
    assert "Limits saved." in [s.value for s in ok(at).success]
    assert "could not read" not in texts(at)
    at.text_input(key="limit_currency").input("dollars")
    at.button(key="limits_save").click().run()
    assert "the currency is a three-letter code like USD; got 'dollars'" in texts(ok(at))
    assert "Limits saved." not in texts(at)
    assert rows(db, "SELECT key, value FROM settings WHERE key LIKE 'limit.%' ORDER BY 1") == [
        ("limit.approval_over", "10"),
        ("limit.currency", "USD"),
        ("limit.per_batch", "25.00"),
        ("limit.per_day", ""),
    ]


def test_viewer_language_choice_changes_only_their_session(db):
    at = signed_in(db, "viewer")
    at.sidebar.selectbox(key="_lang_choice").select("pt-BR").run()
    assert "Contatos: 3" in texts(ok(at))
    assert rows(db, "SELECT value FROM settings WHERE key = 'language'") in ([], [("",)])


def test_exports_are_recorded_in_the_audit_trail(db):
    from test_pages import send_batch

    send_batch(db)
    at = signed_in(db, "operator", "reports")
    at.get("download_button")[0].click().run()
    assert ("operator@example.com", "export", "batches.csv") in rows(
        db, "SELECT actor, action, target FROM audit"
    )


def test_a_lowered_role_greys_out_the_buttons_on_the_next_run(db):
    at = signed_in(db, "operator", "contacts")
    assert not at.button(key="add_category").disabled
    demote(db, "operator@example.com", "viewer")
    at.run()
    assert at.button(key="add_category").disabled


def test_sign_in_screen_speaks_the_workspace_language(db):
    from smscore import store
    from smscore.store.settings import update_settings

    con = store.connect(db)
    update_settings(con, language="pt-BR")
    con.close()
    add_account(db, "ana@example.com", "viewer")
    at = ok(app())
    assert at.title[0].value == "Entrar no smsconsole"
    assert [b.label for b in at.button] == ["Entrar"]


def test_admin_sets_the_idle_time_in_settings(db):
    at = signed_in(db, "admin", "settings")
    assert at.text_input(key="idle_minutes").value == "30"  # whole minutes, no decimals
    at.text_input(key="idle_minutes").input("45").run()
    ok(at)
    assert rows(db, "SELECT value FROM settings WHERE key = 'session_idle_minutes'") == [("45",)]
    assert ("admin@example.com", "settings.change", "session_idle_minutes") in rows(
        db, "SELECT actor, action, target FROM audit"
    )


def test_viewer_home_has_no_link_to_send(db):
    def links_to_send(at: AppTest) -> bool:
        return any("send" in str(link.proto.page) for link in at.get("page_link"))

    assert links_to_send(signed_in(db, "operator"))
    assert not links_to_send(signed_in(db, "viewer"))


# -- errors -----------------------------------------------------------------------------------------


def test_an_error_escaping_a_page_is_one_sentence_with_a_reference_not_a_traceback():
    def failing_page() -> None:
        import duckdb

        from ui.shell import script_errors

        try:
            raise duckdb.TransactionException("TransactionContext Error: Conflict on update!")
        except duckdb.TransactionException as exc:
            script_errors.on_script_error(exc)

    at = AppTest.from_function(failing_page).run()
    assert not at.exception
    [shown] = [e.value for e in at.error]
    assert shown.startswith("The workspace was busy and this change was not saved")
    assert "Conflict" not in shown and "duckdb" not in shown.lower()
