"""The one setup call every page makes first: settings, database, gateway, state and sidebar.

Streamlit may run a page file directly (a deep link on a fresh server skips console.py), so
everything a page needs is built here, idempotently, on every run. Only the UI layer caches:
one shared store.Workspace per file per server process, and a cursor per script run, held as
one unit of work until the run's thread ends (so the CLI and notebooks get the file between
runs), since a DuckDB connection is not thread-safe and reruns happen on different threads.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import streamlit as st

from smscore import store
from smscore.access import accounts, audit, sessions
from smscore.access.accounts import Principal
from smscore.money import Money, format_money
from smscore.store.settings import Settings, load_settings
from smscore.twilio.connect import open_gateway
from smscore.twilio.credentials import Credentials
from smscore.words import access_words, formats
from ui.shell import auth

# Pages reach the connection through setup; it lives in ui.shell.connection (auth reads it too).
from ui.shell.connection import _open_or_stop, config, cursor, db_path, root, store_problem_key  # noqa: F401
from ui.shell.untrusted import md
from ui.words import i18n
from ui.words.i18n import t

ROOT = Path(__file__).resolve().parents[2]  # the checkout: ui/<room>/<module>.py
_log = logging.getLogger(__name__)
_LIVE_ACCOUNT_TTL = 30.0  # seconds between balance fetches from Twilio on reruns
# The right a page needs to open at all; actions inside a page check their own (ui.shell.auth.permit).
PAGE_RIGHTS = {
    "nav.send": "send",
    "nav.settings": "settings",
    "nav.audit": "audit",
    "nav.approvals": "approve",
}


@dataclass
class Context:
    """What a page gets from `page()`: the database for this run and everything around it."""

    db_path: Path
    settings: Settings
    config: Mapping[str, str]  # environment overlaid with Streamlit secrets
    mode: str  # "sandbox" or "live"
    gateway: object | None  # smscore.twilio.gateway.Gateway; None when it cannot be opened
    account: object | None  # smscore.twilio.gateway.Account
    problem: str | None  # why the gateway or account is unavailable, for the operator
    principal: Principal = accounts.LOCAL_MODE  # who this run acts as (ui.shell.auth)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The cursor of the run asking, not of the run that built this context.

        A dialog, a fragment or a callback runs later, in a run of its own, and by then the
        workspace may have been handed to another process and this page's cursor closed.
        """
        return cursor(self.config)

    @property
    def balance(self) -> Money | None:
        return getattr(self.account, "balance", None)

    @property
    def sandbox(self) -> bool:
        return self.mode != "live"


def language() -> str:
    """The console language for this run; cheap enough for console.py's page titles."""
    try:
        workspace = load_settings(cursor()).language
    except store.StoreError:  # the page's own setup call says why, in one sentence
        workspace = None
    return _settle_language(workspace)


def _settle_language(workspace: str | None) -> str:
    """The session's choice, else the workspace's, else the browser's (ui.words.i18n.choose).
    A signed-in session's choice is kept on the server too: a reload or a new tab finds it."""
    token = auth.session_token()
    if token and "lang_override" not in st.session_state and st.session_state.get("_lang_read") != token:
        try:  # once per sign-in, not on every rerun
            if chosen := sessions.language_of(cursor(), token):
                st.session_state["lang_override"] = chosen
            st.session_state["_lang_read"] = token
        except store.StoreError:  # the page's own setup call says why, in one sentence
            pass
    if "_lang_cookie_read" not in st.session_state:  # once a session: the cookie is the page load's
        st.session_state["_lang_cookie_read"] = True
        if "lang_override" not in st.session_state and (kept := _remembered_language()):
            st.session_state["lang_override"] = kept  # this browser's last choice, signed in or not
    lang = i18n.choose(st.session_state.get("lang_override"), workspace, _browser_language())
    st.session_state["lang"] = lang
    return lang


# A person's language choice, remembered by their browser: a reload or a second tab in local
# mode (no sign-in, so no server session to keep it) speaks what they chose. Not a secret and
# not trusted: read back only if it names a language we speak.
LANG_COOKIE = "smsconsole_lang"
_LANG_COOKIE_AGE = 365 * 24 * 3600


def _remembered_language() -> str | None:
    try:
        value = st.context.cookies.get(LANG_COOKIE)
    except Exception:  # noqa: BLE001 - no request context (AppTest): nothing remembered
        return None
    return value if value in i18n.LANGUAGE_NAMES else None


def _remember_language_step() -> None:
    """Write (or clear: "") the cookie of a choice made in this run, in the browser: a
    websocket sets no cookie."""
    lang = st.session_state.pop("_lang_to_remember", None)
    if lang is None or (lang and lang not in i18n.LANGUAGE_NAMES):
        return
    age = _LANG_COOKIE_AGE if lang else 0
    cookie = f"{LANG_COOKIE}={lang}; path=/; max-age={age}; SameSite=Lax"
    st.html(
        f"<script>document.cookie = {json.dumps(cookie)};</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def _browser_language() -> str | None:
    """What the browser asks for: navigator.language, else Accept-Language (None in AppTest,
    unless the test sets `at.context`)."""
    try:
        header = st.context.headers.get("Accept-Language")
    except Exception:  # noqa: BLE001 - no request context (AppTest): no header
        header = None
    return i18n.from_browser(st.context.locale, header)


def page(title_key: str, *, sidebar: bool = True) -> Context:
    """Set up one page run and draw the shared frame (mode badge, balance, notices, language)."""
    cfg = config()
    con = _open_or_stop(cfg)
    settings = load_settings(con)
    _settle_language(settings.language)
    st.session_state["time_zone"] = settings.time_zone  # ui.words.problem_words writes times in it
    for key, default in (("job", None), ("confirm_open", False), ("low_balance_toasted", False)):
        st.session_state.setdefault(key, default)
    st.set_page_config(page_title=f"{t(title_key)} · smsconsole", page_icon="✉️", layout="wide")
    who = auth.gate(con, cfg)  # before anything reads the account: no data without sign-in
    _page_right(con, who, PAGE_RIGHTS.get(title_key, "view"))
    ctx = _context(con, cfg, settings)
    ctx.principal = who
    if sidebar:
        _sidebar(ctx)
        _narrow_strip(ctx)
    auth.denial_notice()
    _remember_language_step()
    _low_balance_notice(ctx)
    return ctx


def _page_right(con: duckdb.DuckDBPyConnection, who: Principal, right: str) -> None:
    if accounts.can(con, who.role, right):
        return
    audit.record(con, who.actor, "denied", right)
    st.error(
        t("auth.page_refused", role=access_words.role(who.role, i18n.current_language())),
        icon=":material/block:",
    )
    st.stop()


def who() -> Principal | None:
    """Who this session acts as (None before sign-in); draws nothing, for console.py."""
    cfg = config()
    try:
        return auth.principal(cursor(cfg), cfg)
    except store.StoreError:  # the page's own setup call says why, in one sentence
        return None


def can(right: str) -> bool:
    """Whether the signed-in role holds `right`: to hide a button (the action checks again)."""
    found = (
        auth.current() if accounts.any_accounts(cursor()) or auth.oidc_configured() else (accounts.LOCAL_MODE)
    )
    return found is not None and accounts.can(cursor(), found.role, right)


def _context(con: duckdb.DuckDBPyConnection, cfg: Mapping[str, str], settings: Settings) -> Context:
    path = db_path(cfg)
    try:
        creds = Credentials.from_mapping(cfg)
    except ValueError as exc:  # half-configured credentials: say so rather than go sandbox
        return Context(path, settings, cfg, "live", None, None, str(exc))
    mode = "live" if creds else "sandbox"
    try:
        gateway = open_gateway(root(cfg), cfg)  # a sandbox borrows the workspace per call
        mode = getattr(gateway, "mode", mode)
        account = _account(gateway)
    except Exception as exc:  # noqa: BLE001 - network, auth: shown to the operator, not raised
        return Context(path, settings, cfg, mode, None, None, str(exc))
    return Context(path, settings, cfg, mode, gateway, account, None)


def _account(gateway: object) -> object:
    if getattr(gateway, "mode", "sandbox") != "live":
        return gateway.account()  # the sandbox lives in the DB file: always fresh, always cheap
    cached = st.session_state.get("_live_account")
    if cached and time.monotonic() - cached[0] < _LIVE_ACCOUNT_TTL:
        return cached[1]
    account = gateway.account()
    st.session_state["_live_account"] = (time.monotonic(), account)
    return account


def forget_account() -> None:
    """Fetch the live balance again on the next run (after a send or a top-up)."""
    st.session_state.pop("_live_account", None)


def _sidebar(ctx: Context) -> None:
    with st.sidebar:
        auth.sidebar(ctx.principal)
        if ctx.sandbox:
            st.badge(t("mode.sandbox_badge"), icon=":material/science:", color="orange")
        else:
            st.badge(t("mode.live_badge"), icon=":material/bolt:", color="green")
        if ctx.balance is not None:
            label = t("sidebar.balance_sandbox") if ctx.sandbox else t("sidebar.balance")
            st.metric(
                label,
                formats.balance(ctx.balance, i18n.current_language()),
                help=t("common.exact", amount=formats.exact(ctx.balance, i18n.current_language())),
            )
        elif ctx.problem:
            st.caption(t("sidebar.account_problem", problem=md(ctx.problem)))
        if ctx.account is not None:
            kind = t("account.trial") if ctx.account.is_trial else t("account.full")
            st.caption(t("sidebar.account", kind=kind, last4=md(ctx.account.sid_last4 or "—")))
        _sync_language_control("_lang_choice")
        st.selectbox(
            t("sidebar.language"),
            list(i18n.LANGUAGE_NAMES),
            format_func=i18n.LANGUAGE_NAMES.get,
            key="_lang_choice",
            on_change=_language_changed,
            args=("_lang_choice",),
        )


# On a phone the sidebar starts collapsed (Streamlit collapses it below 768 px), and the balance
# and the language with it: repeat them above the page there, and only there.
_NARROW_ONLY = "<style>@media (min-width: 768px) { .st-key-narrow_strip { display: none; } }</style>"
# The language control above the page: each language in its own words, short enough for 390 px.
_SHORT_NAMES = {"en": "English", "pt-BR": "Português"}


def _narrow_strip(ctx: Context) -> None:
    st.html(_NARROW_ONLY)  # style only: Streamlit puts it out of the layout
    # One row (wrapping if it must): the strip costs a phone one line of height.
    with st.container(key="narrow_strip", horizontal=True, vertical_alignment="center"):
        _narrow_balance(ctx)
        _sync_language_control("_lang_quick")
        st.segmented_control(
            t("sidebar.language"),
            list(_SHORT_NAMES),
            format_func=_SHORT_NAMES.get,
            key="_lang_quick",
            label_visibility="collapsed",
            on_change=_language_changed,
            args=("_lang_quick",),
        )


def _narrow_balance(ctx: Context) -> None:
    if ctx.balance is None:
        return
    lang = i18n.current_language()
    label = t("sidebar.balance_sandbox") if ctx.sandbox else t("sidebar.balance")
    with st.container(key="narrow_balance", width="content"):
        st.caption(f"{label}: **{formats.balance(ctx.balance, lang)}**")


def _sync_language_control(key: str) -> None:
    """Show the language this run speaks, whichever control (or Settings) chose it last."""
    st.session_state[key] = st.session_state["lang"]


def _language_changed(key: str) -> None:
    """This session's choice (sidebar or the strip above the page): it wins over the
    workspace's, set in Settings, and over the browser's, for this session only."""
    chosen = st.session_state.get(key)
    if chosen in i18n.LANGUAGE_NAMES:  # None: the selected segment clicked again, no change
        st.session_state["lang_override"] = chosen
        st.session_state["lang"] = chosen
        _keep_language(chosen)


def _keep_language(lang: str) -> None:
    """Keep the choice past this session: a signed-in session's on the server (its other tabs,
    any browser), and every choice in this browser's cookie (a reload or a new tab in local mode)."""
    if token := auth.session_token():
        sessions.set_language(cursor(), token, lang)
    st.session_state["_lang_to_remember"] = lang


def follow_workspace_language() -> None:
    """The workspace's language was just changed in Settings: its chooser sees it at once, so
    their own earlier choice (this session's, this sign-in's, this browser's) is dropped."""
    st.session_state.pop("lang_override", None)
    st.session_state["_lang_to_remember"] = ""
    if token := auth.session_token():
        sessions.set_language(cursor(), token, None)


def numbers_follow_language(*keys: str) -> None:
    """Redraw the number inputs `keys` from their values when the language changed since they
    were drawn. A keyed input keeps its text across runs, and `2,00` shown in Portuguese is
    refused in English (or `2.500` misread): the operator would be blamed for text we wrote."""
    lang = i18n.current_language()
    for key in keys:
        if st.session_state.get(f"_{key}_lang", lang) != lang:
            st.session_state.pop(key, None)
        st.session_state[f"_{key}_lang"] = lang


def is_low(ctx: Context) -> bool:
    balance = ctx.balance
    return balance is not None and balance.amount < ctx.settings.low_balance_threshold


def _low_balance_notice(ctx: Context) -> None:
    if not is_low(ctx):
        return
    lang = i18n.current_language()
    threshold = formats.plain(ctx.settings.low_balance_threshold, lang, ctx.balance.currency)
    text = t("notice.low_balance", balance=formats.balance(ctx.balance, lang), threshold=threshold)
    st.warning(text, icon=":material/savings:")
    link("topup", t("nav.topup"), icon=":material/add_card:")
    if not st.session_state.get("low_balance_toasted"):
        st.session_state["low_balance_toasted"] = True
        st.toast(text, icon=":material/savings:")


def link(
    stem: str, label: str, icon: str | None = None, query_params: Mapping[str, str] | None = None
) -> None:
    """A link to another page that works both under st.navigation and for a page run directly."""
    try:
        st.page_link(f"pages/{stem}.py", label=label, icon=icon, query_params=query_params)
    except Exception:  # noqa: BLE001 - StreamlitAPIException/KeyError when the page is not known
        query = f"?{urlencode(dict(query_params))}" if query_params else ""
        st.markdown(f"[{label}](/{stem}{query})")


def money(amount: object, currency: str) -> str:
    return format_money(amount, currency)
