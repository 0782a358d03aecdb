"""Console sessions on the server: they last, they end, and the workspace holds no usable token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from smscore.access import accounts, audit, sessions
from smscore.access.audit import Actor
from smscore.clock import utcnow
from ui.shell import session_routes

ADMIN = Actor("cli:tests", "cli")
IDLE = timedelta(minutes=30)


@pytest.fixture
def con(fresh_db):
    accounts.add_user(fresh_db, "boss@example.com", "admin", "correct horse", ADMIN)
    accounts.add_user(fresh_db, "ana@example.com", "operator", "correct horse", ADMIN)
    return fresh_db


def test_a_session_resumes_with_its_token_and_the_current_role(con):
    token = sessions.start(con, "ana@example.com", "console")
    assert sessions.resume(con, token, IDLE) == sessions.Session("ana@example.com", "console", "operator")
    assert sessions.resume(con, token + "x", IDLE) is None
    assert sessions.resume(con, None, IDLE) is None


def test_the_workspace_keeps_only_a_digest_of_the_token(con):
    token = sessions.start(con, "ana@example.com", "console")
    stored = con.execute("SELECT * FROM sessions").fetchall()
    assert token not in repr(stored)


def test_an_idle_session_ends_and_the_trail_says_so(con):
    now = utcnow()
    token = sessions.start(con, "ana@example.com", "console", now)
    assert sessions.resume(con, token, IDLE, now + timedelta(minutes=29)) is not None
    assert sessions.resume(con, token, IDLE, now + timedelta(minutes=58)) is not None  # touched
    assert sessions.resume(con, token, IDLE, now + timedelta(minutes=90)) is None
    assert sessions.resume(con, token, IDLE, now + timedelta(minutes=91)) is None
    assert list(audit.trail(con, action="sign-out.idle").target) == ["ana@example.com"]


def test_a_session_ends_twelve_hours_after_sign_in_however_active(con):
    now = utcnow()
    token = sessions.start(con, "ana@example.com", "console", now)
    for minutes in range(0, 12 * 60, 20):
        assert sessions.resume(con, token, IDLE, now + timedelta(minutes=minutes)) is not None
    assert sessions.resume(con, token, IDLE, now + sessions.ABSOLUTE + timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    "change,reason",
    [
        (lambda c: accounts.set_role(c, "ana@example.com", "viewer", ADMIN), "role change"),
        (lambda c: accounts.set_disabled(c, "ana@example.com", True, ADMIN), "disabled"),
        (lambda c: accounts.reset_password(c, "ana@example.com", "new horse 1", ADMIN), "password reset"),
    ],
)
def test_every_session_of_a_changed_account_is_revoked(con, change, reason):
    tokens = [sessions.start(con, "ana@example.com", "console") for _ in range(2)]
    other = sessions.start(con, "boss@example.com", "console")
    change(con)
    assert [sessions.resume(con, t, IDLE) for t in tokens] == [None, None]
    assert sessions.resume(con, other, IDLE) is not None
    assert con.execute(
        "SELECT DISTINCT end_reason FROM sessions WHERE email = ?", ["ana@example.com"]
    ).fetchall() == [(reason,)]


def test_sign_out_ends_one_session_once(con):
    token = sessions.start(con, "ana@example.com", "console")
    assert sessions.end(con, token, "sign-out") == "ana@example.com"
    assert sessions.end(con, token, "sign-out") is None
    assert sessions.resume(con, token, IDLE) is None


# -- the cookie route ---------------------------------------------------------------------------


@pytest.fixture
def client():
    return TestClient(Starlette(routes=session_routes.ROUTES), base_url="http://console.test")


def test_the_route_trades_a_one_time_code_for_an_httponly_lax_cookie(client):
    code = session_routes.offer("the-token")
    answer = client.post("/auth/session", data={"code": code})
    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=the-token;")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Path=/" in cookie and f"Max-Age={int(sessions.ABSOLUTE.total_seconds())}" in cookie
    again = client.post("/auth/session", data={"code": code})
    assert again.status_code == 403 and "set-cookie" not in again.headers


def test_the_cookie_is_secure_behind_an_https_proxy(client):
    code = session_routes.offer("the-token")
    answer = client.post("/auth/session", data={"code": code}, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in answer.headers["set-cookie"]


def test_another_site_cannot_set_or_clear_the_cookie(client):
    code = session_routes.offer("the-token")
    assert (
        client.post(
            "/auth/session", data={"code": code}, headers={"Origin": "https://evil.example"}
        ).status_code
        == 403
    )
    assert client.post("/auth/signout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert (
        client.post(
            "/auth/session", data={"code": code}, headers={"Origin": "http://console.test"}
        ).status_code
        == 204
    )


def test_an_unknown_or_stale_code_sets_nothing(client, monkeypatch):
    assert client.post("/auth/session", data={"code": "guessed"}).status_code == 403
    monkeypatch.setattr(session_routes, "HANDOFF_SECONDS", -1.0)
    code = session_routes.offer("the-token")
    assert client.post("/auth/session", data={"code": code}).status_code == 403


def test_sign_out_route_clears_the_cookie(client):
    answer = client.post("/auth/signout")
    assert answer.status_code == 204
    assert answer.headers["set-cookie"].startswith(f'{sessions.COOKIE}="";')
    assert "Max-Age=0" in answer.headers["set-cookie"]


def test_a_session_keeps_its_language_choice_until_it_ends(fresh_db):
    token = sessions.start(fresh_db, "ana@example.com", "console")
    assert sessions.language_of(fresh_db, token) is None  # follows the workspace until it chooses
    sessions.set_language(fresh_db, token, "pt-BR")
    assert sessions.language_of(fresh_db, token) == "pt-BR"
    sessions.end(fresh_db, token, "sign-out")
    assert sessions.language_of(fresh_db, token) is None
