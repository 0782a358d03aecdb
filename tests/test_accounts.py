"""Operator accounts: Argon2id hashes, roles, lock-out with a growing delay, idle sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from smscore.access import accounts, audit
from smscore.access.accounts import AccessDenied, Principal, SignInError
from smscore.access.audit import Actor
from smscore.clock import utcnow

ADMIN = Actor("cli:test", "cli")
PASSWORD = "correct horse battery"


@pytest.fixture
def con(fresh_db):
    accounts.add_user(fresh_db, "Ana@Example.com", "operator", PASSWORD, ADMIN)
    return fresh_db


def test_password_is_stored_only_as_an_argon2id_hash(con):
    stored = con.execute("SELECT password_hash FROM users").fetchall()[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_with_the_right_password_gives_the_role(con):
    assert accounts.sign_in(con, "ana@example.com", PASSWORD) == Principal(
        "ana@example.com", "operator", "console"
    )


@pytest.mark.parametrize(
    "email,password", [("ana@example.com", "wrong password"), ("nobody@example.com", PASSWORD)]
)
def test_sign_in_refused_with_one_message_for_wrong_password_or_unknown_account(con, email, password):
    with pytest.raises(SignInError) as refused:
        accounts.sign_in(con, email, password)
    assert str(refused.value) == accounts.REFUSED


def test_a_locked_account_gets_the_same_words_as_an_unknown_one(con):
    now = utcnow()
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(SignInError):
            accounts.sign_in(con, "ana@example.com", "nope nope", now)
    answers = set()
    for email, password in (
        ("ana@example.com", PASSWORD),
        ("ana@example.com", "nope nope"),
        ("nobody@example.com", PASSWORD),
    ):
        with pytest.raises(SignInError) as refused:
            accounts.sign_in(con, email, password, now + timedelta(seconds=5))
        answers.add(str(refused.value))
    assert answers == {accounts.REFUSED}
    assert audit.actions(con).count("sign-in.locked") == 1


def test_disabled_account_cannot_sign_in(con):
    accounts.set_disabled(con, "ana@example.com", True, ADMIN)
    with pytest.raises(SignInError, match="disabled"):
        accounts.sign_in(con, "ana@example.com", PASSWORD)


def test_five_failures_lock_the_account_even_for_the_right_password(con):
    now = utcnow()
    for _ in range(accounts.MAX_FAILURES - 1):
        with pytest.raises(SignInError, match="wrong"):
            accounts.sign_in(con, "ana@example.com", "nope nope", now)
    with pytest.raises(SignInError, match="wrong"):
        accounts.sign_in(con, "ana@example.com", "nope nope", now)
    assert accounts.get_user(con, "ana@example.com").locked_until == now + timedelta(seconds=60)
    with pytest.raises(SignInError, match="wrong"):
        accounts.sign_in(con, "ana@example.com", PASSWORD, now + timedelta(seconds=30))
    assert accounts.sign_in(con, "ana@example.com", PASSWORD, now + timedelta(seconds=61))
    assert "sign-in.lockout" in audit.actions(con) and "sign-in.locked" in audit.actions(con)


def test_each_lockout_lasts_longer_than_the_one_before():
    lengths = [accounts.lockout_length(n) for n in range(8)]
    assert lengths[:3] == [timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert lengths == sorted(lengths) and lengths[-1] == accounts.LONGEST_LOCKOUT


def test_reset_password_lifts_the_lockout(con):
    now = utcnow()
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(SignInError):
            accounts.sign_in(con, "ana@example.com", "nope nope", now)
    accounts.reset_password(con, "ana@example.com", "another long one", ADMIN)
    assert accounts.sign_in(con, "ana@example.com", "another long one", now).role == "operator"


@pytest.mark.parametrize(
    "role,right,allowed",
    [
        ("viewer", "view", True),
        ("viewer", "import", False),
        ("viewer", "send", False),
        ("viewer", "settings", False),
        ("operator", "send", True),
        ("operator", "settings", False),
        ("operator", "approve", False),
        ("admin", "settings", True),
        ("admin", "audit", True),
    ],
)
def test_roles_hold_exactly_their_rights(fresh_db, role, right, allowed):
    assert accounts.can(fresh_db, role, right) is allowed


def test_require_refuses_a_viewer_and_nobody(fresh_db):
    with pytest.raises(AccessDenied, match="viewer role may not"):
        accounts.require(fresh_db, Principal("v@example.com", "viewer", "console"), "send")
    with pytest.raises(AccessDenied, match="nobody signed in"):
        accounts.require(fresh_db, None, "view")


def test_viewer_exports_phone_numbers_only_when_an_admin_allows_it(fresh_db):
    assert not accounts.can(fresh_db, "viewer", "export_phones")
    fresh_db.execute("INSERT INTO settings VALUES (?, 'true')", [accounts.VIEWER_EXPORTS])
    assert accounts.can(fresh_db, "viewer", "export_phones")


@pytest.mark.parametrize("email", ["", "ana", "ana@localhost", "a na@example.com"])
def test_add_user_refuses_a_malformed_email(fresh_db, email):
    with pytest.raises(ValueError, match="e-mail address like"):
        accounts.add_user(fresh_db, email, "viewer", PASSWORD, ADMIN)


def test_add_user_refuses_a_short_password_and_an_unknown_role(fresh_db):
    with pytest.raises(ValueError, match="at least 8 characters; got 3"):
        accounts.add_user(fresh_db, "b@example.com", "viewer", "abc", ADMIN)
    with pytest.raises(ValueError, match="role must be one of"):
        accounts.add_user(fresh_db, "b@example.com", "boss", PASSWORD, ADMIN)
    assert not accounts.any_accounts(fresh_db)


def test_idle_limit_comes_from_env_then_setting_then_default(fresh_db):
    assert accounts.idle_limit(fresh_db, {}) == timedelta(minutes=30)
    accounts.set_idle_minutes(fresh_db, 5, ADMIN)
    assert accounts.idle_limit(fresh_db, {}) == timedelta(minutes=5)
    assert accounts.idle_limit(fresh_db, {accounts.IDLE_ENV: "0.5"}) == timedelta(seconds=30)
    with pytest.raises(ValueError, match="number of minutes; got 'soon'"):
        accounts.idle_limit(fresh_db, {accounts.IDLE_ENV: "soon"})


def test_nothing_secret_reaches_the_audit_trail(con):
    with pytest.raises(SignInError):
        accounts.sign_in(con, "ana@example.com", "my secret guess")
    accounts.sign_in(con, "ana@example.com", PASSWORD)
    accounts.reset_password(con, "ana@example.com", "another long one", ADMIN)
    dump = audit.trail(con).to_csv()
    for secret in (PASSWORD, "my secret guess", "another long one", "$argon2"):
        assert secret not in dump


def test_a_failed_sign_in_of_an_unknown_account_does_not_record_what_was_typed(con):
    with pytest.raises(SignInError):
        accounts.sign_in(con, "my-password-typed-in-the-wrong-box", "x")
    assert "my-password" not in audit.trail(con).to_csv()
    assert list(audit.trail(con, action="sign-in.failure").actor) == ["(unknown account)"]


def test_twelve_parallel_sign_ins_count_every_wrong_password_and_lock_the_account(con):
    """11 wrong passwords and the right one, all at once, each on its own cursor (a session)."""
    import threading

    guesses = [f"wrong guess {n}" for n in range(11)] + [PASSWORD]
    answers: list[str] = []
    start = threading.Barrier(len(guesses))

    def attempt(password: str) -> None:
        cur = con.cursor()
        start.wait()
        try:
            accounts.sign_in(cur, "ana@example.com", password)
            answers.append("signed in")
        except SignInError as exc:
            answers.append(str(exc))
        finally:
            cur.close()

    threads = [threading.Thread(target=attempt, args=(g,)) for g in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12 and set(answers) <= {"signed in", accounts.REFUSED}
    failures = audit.trail(con, action="sign-in.failure")
    assert len(failures) == 11
    assert accounts.get_user(con, "ana@example.com").locked_until is not None


def test_the_last_active_admin_cannot_be_demoted_or_disabled(fresh_db):
    accounts.add_user(fresh_db, "boss@example.com", "admin", PASSWORD, ADMIN)
    with pytest.raises(accounts.LastAdmin, match="last active admin"):
        accounts.set_role(fresh_db, "boss@example.com", "viewer", ADMIN)
    with pytest.raises(accounts.LastAdmin, match="last active admin"):
        accounts.set_disabled(fresh_db, "boss@example.com", True, ADMIN)
    assert accounts.get_user(fresh_db, "boss@example.com").role == "admin"
    assert not accounts.get_user(fresh_db, "boss@example.com").disabled
    refusals = audit.trail(fresh_db)
    assert {"user.set-role-refused", "user.disable-refused"} <= set(refusals.action)


def test_an_admin_may_step_down_once_another_admin_is_active(fresh_db):
    accounts.add_user(fresh_db, "boss@example.com", "admin", PASSWORD, ADMIN)
    accounts.add_user(fresh_db, "deputy@example.com", "admin", PASSWORD, ADMIN)
    accounts.set_disabled(fresh_db, "deputy@example.com", True, ADMIN)
    with pytest.raises(accounts.LastAdmin):  # a disabled admin does not count
        accounts.set_role(fresh_db, "boss@example.com", "operator", ADMIN)
    accounts.set_disabled(fresh_db, "deputy@example.com", False, ADMIN)
    assert accounts.set_role(fresh_db, "boss@example.com", "operator", ADMIN).role == "operator"


def test_two_admins_demoting_each_other_at_once_leave_one_admin(fresh_db):
    import threading

    accounts.add_user(fresh_db, "a@example.com", "admin", PASSWORD, ADMIN)
    accounts.add_user(fresh_db, "b@example.com", "admin", PASSWORD, ADMIN)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(email: str) -> None:
        cur = fresh_db.cursor()
        start.wait()
        try:
            accounts.set_role(cur, email, "viewer", ADMIN)
            outcomes.append("demoted")
        except accounts.LastAdmin:
            outcomes.append("refused")
        finally:
            cur.close()

    threads = [threading.Thread(target=demote, args=(e,)) for e in ("a@example.com", "b@example.com")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["demoted", "refused"]
    assert len(accounts.active_admins(fresh_db)) == 1


def test_every_refused_sign_in_costs_one_argon2_check(con, monkeypatch):
    """Unknown e-mail, wrong password and locked account do the same work: timing tells nothing."""
    checks: list[str] = []
    real = accounts._verify

    def counted(hashed: str, password: str) -> bool:
        checks.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(accounts, "_verify", counted)
    now = utcnow()
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(SignInError):
            accounts.sign_in(con, "ana@example.com", "nope nope", now)
    for email, password in (
        ("nobody@example.com", "x"),
        ("ana@example.com", PASSWORD),
        ("ana@example.com", "nope"),
    ):
        checks.clear()
        with pytest.raises(SignInError):
            accounts.sign_in(con, email, password, now)
        assert len(checks) == 1 and checks[0].startswith("$argon2id$")
