"""The sign-in screen and the role guard, run by ui.shell.setup.page() on every page run.

Who may open the console depends on where it listens and what is configured:
- loopback, no account and no [auth]: local mode, as before, labelled so;
- a local account exists or [auth] (OpenID Connect) is configured: everyone signs in;
- any other address with no sign-in configured: one page saying how to configure it, no data,
  and one sentence in the terminal.
Rights are checked on the server at each action (`permit`), not only by hiding buttons: a
widget message replayed over the websocket still runs the callback, and the callback asks here.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Mapping

import duckdb
import streamlit as st

from smscore.access import accounts, audit, sessions
from smscore.access.accounts import AccessDenied, Principal, SignInError
from smscore.clock import utcnow
from smscore.words import access_words
from ui.shell import session_routes
from ui.shell.connection import config, cursor
from ui.words.i18n import current_language, t

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_KEY = "_principal"  # an identity-provider (OIDC) sign-in: its e-mail and last activity
_TOKEN = "_session_token"  # a local account's session token (the cookie holds the same)
_COOKIE_OP = "_cookie_op"  # ("set", handoff code) or ("clear", "") for this run's browser
_NOTICE = "_auth_notice"
_WHO = "_who"  # (email, role, via) the last gate let through: for labels only
_warned = threading.Event()
_PROXY_HEADERS = {"x-forwarded-for", "forwarded", "x-real-ip", "x-forwarded-host"}


def bind_address() -> str:
    """The address the server listens on; Streamlit's unset default means every interface."""
    return str(st.get_option("server.address") or "0.0.0.0")


def on_loopback() -> bool:
    """Only this computer can reach the console: bound to loopback and not behind a proxy."""
    return bind_address() in LOOPBACK and not proxied()


def proxied() -> bool:
    """Whether this session came through a reverse proxy (which makes loopback reachable)."""
    try:
        names = {str(name).lower() for name in st.context.headers.keys()}
    except Exception:  # noqa: BLE001 - no request context (AppTest): not proxied
        return False
    return bool(names & _PROXY_HEADERS)


def oidc_configured() -> bool:
    """Whether secrets hold an [auth] table for st.login (OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError):  # no secrets.toml at all
        return False


def sign_in_required(con: duckdb.DuckDBPyConnection) -> bool:
    return accounts.any_accounts(con) or oidc_configured()


def refusal_sentence() -> str:
    where = f"{bind_address()} behind a proxy" if proxied() else bind_address()
    return (
        f"smsconsole: refusing to serve on {where} without sign-in: add an account "
        "(python -m smscore user add EMAIL --role admin) or an [auth] table in secrets, "
        "or listen on 127.0.0.1."
    )


def principal(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> Principal | None:
    """Who this session acts as now, re-read from the database; None when not signed in.

    Draws nothing, so page callbacks and console.py can call it too. A local account's session
    is the one its cookie (or this tab's sign-in) names, checked on the server at every run: a
    reload or a second tab finds it, an ended one (sign-out, idle, revoked) signs nobody in.
    """
    if not sign_in_required(con):
        return accounts.LOCAL_MODE if on_loopback() else None
    ours = st.session_state.get(_TOKEN)
    token = ours or _cookie()
    if token:
        found = sessions.resume(con, token, accounts.idle_limit(con, cfg))
        if found is not None:
            st.session_state[_TOKEN] = token
            return Principal(found.email, found.role, found.via)
        if ours:  # this tab's session ended under it (idle, revoked): say so once
            st.session_state.pop(_TOKEN, None)
            st.session_state[_NOTICE] = t("auth.expired")
            _forget_cookie()
    return _from_oidc(con, cfg)


def session_token() -> str | None:
    """This tab's session token (a local account's sign-in), or None (local mode, OIDC)."""
    return st.session_state.get(_TOKEN) or _cookie()


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no request context: no cookie
        return None
    return value if isinstance(value, str) and value else None  # AppTest has no real cookies


def _from_oidc(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> Principal | None:
    """An identity-provider sign-in, matched by e-mail to a workspace role."""
    if not oidc_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    email = str(st.user.get("email") or "")
    found = accounts.principal_for_email(con, email, "oidc")
    if found is None:
        st.session_state[_NOTICE] = t("auth.no_role", email=email)
        return None
    held = st.session_state.get(_KEY)
    now = utcnow()
    if held is None:
        audit.record(con, found.actor, "sign-in", found.email)
    elif accounts.is_idle(held["last_seen"], now, accounts.idle_limit(con, cfg)):
        st.session_state.pop(_KEY, None)
        audit.record(con, found.actor, "sign-out.idle", found.email)
        st.session_state[_NOTICE] = t("auth.expired")
        st.logout()  # else the provider's cookie would sign the session straight back in
        return None
    st.session_state[_KEY] = {"email": found.email, "last_seen": now}
    return found


def gate(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> Principal:
    """The principal of this run, or draw the refusal or the sign-in screen and stop."""
    if not sign_in_required(con) and not on_loopback():
        _refuse()
    found = principal(con, cfg)
    cookie_step()
    if found is None:
        st.session_state.pop(_WHO, None)
        _sign_in_screen(con)
        st.stop()
    st.session_state[_WHO] = (found.email, found.role, found.via)
    return found


def _refuse() -> None:
    if not _warned.is_set():
        _warned.set()
        print(refusal_sentence(), file=sys.stderr, flush=True)
    st.title(t("auth.refused_title"))
    st.text(t("auth.refused_why"))
    st.text(t("auth.refused_how"))
    st.stop()


def _sign_in_screen(con: duckdb.DuckDBPyConnection) -> None:
    st.title(t("auth.signin_title"))
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.warning(notice, icon=":material/lock:")
    if oidc_configured() and getattr(st.user, "is_logged_in", False):  # known there, not here
        st.button(t("auth.oidc_signout"), key="signout_oidc", on_click=st.logout)
    elif oidc_configured():
        st.button(
            t("auth.oidc_signin"), key="signin_oidc", type="primary", on_click=st.login
        )  # Streamlit's own OpenID Connect flow ([auth] in secrets)
    if accounts.any_accounts(con):
        with st.form("signin"):
            st.text_input(t("auth.email"), key="signin_email")
            st.text_input(t("auth.password"), type="password", key="signin_password")
            st.form_submit_button(t("auth.submit"), type="primary", key="signin_submit", on_click=_submit)
        error = st.session_state.pop("_signin_error", None)
        if error:
            st.error(error, icon=":material/error:")


def _submit() -> None:

    email = st.session_state.get("signin_email", "")
    password = st.session_state.get("signin_password", "")
    st.session_state["signin_password"] = ""  # never kept past this callback
    con = cursor()
    try:
        found = accounts.sign_in(con, email, password)
    except SignInError as exc:
        st.session_state["_signin_error"] = _refusal(str(exc))
        return
    old = st.session_state.pop(_TOKEN, None) or _cookie()
    if old:  # a new session id at every sign-in: the old one ends here
        sessions.end(con, old, "signed in again")
    token = sessions.start(con, found.email, found.via)
    st.session_state[_TOKEN] = token
    st.session_state[_COOKIE_OP] = ("set", session_routes.offer(token))


def sign_out() -> None:
    """End this session on the server, and ask the browser to drop its cookie."""

    con = cursor()
    token = st.session_state.pop(_TOKEN, None)
    if token:
        email = sessions.end(con, token, "sign-out")
        if email is not None:
            audit.record(con, audit.Actor(email, "console"), "sign-out", email)
        st.session_state[_COOKIE_OP] = ("clear", "")  # set by this tab or an earlier one
        return
    held = st.session_state.pop(_KEY, None)
    if held:  # an identity-provider session
        audit.record(con, audit.Actor(str(held["email"]), "oidc"), "sign-out", str(held["email"]))
        st.logout()


def _forget_cookie() -> None:
    if _cookie():
        st.session_state[_COOKIE_OP] = ("clear", "")


def cookie_step() -> None:
    """Run the cookie change a sign-in or sign-out left for this run, in the browser.

    A same-origin POST to the console's own route (ui.shell.session_routes): the response sets or
    clears the HttpOnly cookie. Only a one-time handoff code ever reaches the page.
    """
    op = st.session_state.pop(_COOKIE_OP, None)
    if op is None:
        return
    kind, code = op
    path = session_routes.SESSION_PATH if kind == "set" else session_routes.SIGNOUT_PATH
    body = json.dumps(f"code={code}")
    st.html(
        f"<script>fetch(new URL({json.dumps(path.lstrip('/'))}, document.baseURI), "
        "{method: 'POST', credentials: 'same-origin', headers: {'Content-Type': "
        f"'application/x-www-form-urlencoded'}}, body: {body}}});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def permit(right: str) -> Principal | None:
    """Check `right` for this session at the action itself: who acts, or None (refusal recorded
    and reported)."""

    con = cursor()
    who = principal(con, config())
    try:
        accounts.require(con, who, right)
    except AccessDenied as exc:
        actor = who.actor if who else audit.Actor("?", "console")
        audit.record(con, actor, "denied", right)
        st.session_state[_NOTICE] = _refusal(str(exc))
        return None
    return who


def denial_notice() -> None:
    """Show the refusal a callback left for this run."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.error(notice, icon=":material/block:")


def sidebar(p: Principal) -> None:
    """Who is signed in, or the local-mode label, and the sign-out button."""
    if p.via == "local":
        st.caption(t("auth.local_mode"))
        return
    st.text(f"{p.email} ({_role(p.role)})")
    st.button(t("auth.sign_out"), key="sign_out", icon=":material/logout:", on_click=sign_out)


def _refusal(text: str) -> str:
    return access_words.refusal(text, current_language())


def _role(code: str) -> str:
    return access_words.role(code, current_language())


def current() -> Principal | None:
    """The principal the last gate let through in this session (for labels, not for checks)."""
    held = st.session_state.get(_WHO)
    return None if held is None else Principal(*held)
