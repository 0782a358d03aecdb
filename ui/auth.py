"""The sign-in screen and the role guard, run by ui.setup.page() on every page run.

Who may open the console depends on where it listens and what is configured:
- loopback, no account and no [auth]: local mode, as before, labelled so;
- a local account exists or [auth] (OpenID Connect) is configured: everyone signs in;
- any other address with no sign-in configured: one page saying how to configure it, no data,
  and one sentence in the terminal.
Rights are checked on the server at each action (`permit`), not only by hiding buttons: a
widget message replayed over the websocket still runs the callback, and the callback asks here.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping

import duckdb
import streamlit as st

from smscore import accounts, audit
from smscore.accounts import AccessDenied, Principal, SignInError
from smscore.clock import utcnow
from ui import access_words
from ui.i18n import current_language, t

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_KEY = "_principal"
_NOTICE = "_auth_notice"
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
    return (f"smsconsole: refusing to serve on {where} without sign-in: add an account "
            "(python -m smscore user add EMAIL --role admin) or an [auth] table in secrets, "
            "or listen on 127.0.0.1.")


def principal(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> Principal | None:
    """Who this session acts as now, re-read from the database; None when not signed in.

    Draws nothing, so page callbacks and console.py can call it too. A session idle for longer
    than the configured limit is signed out here.
    """
    if not sign_in_required(con):
        return accounts.LOCAL_MODE if on_loopback() else None
    held = st.session_state.get(_KEY)
    if held is None:
        return _from_oidc(con)
    now = utcnow()
    if accounts.is_idle(held["last_seen"], now, accounts.idle_limit(con, cfg)):
        _end(con, held, "sign-out.idle")
        st.session_state[_NOTICE] = t("auth.expired")
        return None
    found = accounts.principal_for_email(con, held["email"], held["via"])
    if found is None:  # disabled or removed since sign-in
        _end(con, held, "sign-out.disabled")
        return None
    held["last_seen"] = now
    held["role"] = found.role  # a role changed by an admin applies from this run on
    return found


def _from_oidc(con: duckdb.DuckDBPyConnection) -> Principal | None:
    """An identity-provider sign-in, matched by e-mail to a workspace role."""
    if not oidc_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    email = str(st.user.get("email") or "")
    found = accounts.principal_for_email(con, email, "oidc")
    if found is None:
        st.session_state[_NOTICE] = t("auth.no_role", email=email)
        return None
    _hold(found)
    audit.record(con, found.actor, "sign-in", found.email)
    return found


def _hold(p: Principal) -> None:
    st.session_state[_KEY] = {"email": p.email, "role": p.role, "via": p.via,
                              "last_seen": utcnow()}


def _end(con: duckdb.DuckDBPyConnection, held: Mapping[str, object], action: str) -> None:
    st.session_state.pop(_KEY, None)
    audit.record(con, audit.Actor(str(held["email"]), str(held["via"])), action,
                 str(held["email"]))
    if held["via"] == "oidc":  # else the provider's cookie would sign the session straight back in
        st.logout()


def gate(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str]) -> Principal:
    """The principal of this run, or draw the refusal or the sign-in screen and stop."""
    if not sign_in_required(con) and not on_loopback():
        _refuse()
    found = principal(con, cfg)
    if found is None:
        _sign_in_screen(con)
        st.stop()
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
        st.button(t("auth.oidc_signin"), key="signin_oidc", type="primary",
                  on_click=st.login)  # Streamlit's own OpenID Connect flow ([auth] in secrets)
    if accounts.any_accounts(con):
        with st.form("signin"):
            st.text_input(t("auth.email"), key="signin_email")
            st.text_input(t("auth.password"), type="password", key="signin_password")
            st.form_submit_button(t("auth.submit"), type="primary", key="signin_submit",
                                  on_click=_submit)
        error = st.session_state.pop("_signin_error", None)
        if error:
            st.error(error, icon=":material/error:")


def _submit() -> None:
    from ui.setup import cursor  # noqa: PLC0415 - setup imports this module

    email = st.session_state.get("signin_email", "")
    password = st.session_state.get("signin_password", "")
    st.session_state["signin_password"] = ""  # never kept past this callback
    try:
        _hold(accounts.sign_in(cursor(), email, password))
    except SignInError as exc:
        st.session_state["_signin_error"] = _refusal(str(exc))


def sign_out() -> None:
    """End this session (and the identity provider's cookie when signed in through it)."""
    from ui.setup import cursor  # noqa: PLC0415

    held = st.session_state.get(_KEY)
    if held:
        _end(cursor(), held, "sign-out")


def permit(right: str) -> Principal | None:
    """Check `right` for this session at the action itself: who acts, or None (refusal recorded
    and reported)."""
    from ui.setup import config, cursor  # noqa: PLC0415

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
    held = st.session_state.get(_KEY)
    if held is None:
        return None
    return Principal(held["email"], held["role"], held["via"])
