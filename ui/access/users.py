"""The Users section of Settings (admins): accounts, roles, sign-in policy.

Each action checks the right again (ui.shell.auth.permit) and goes through smscore.access.accounts, which
records it in the audit trail. A password typed here is cleared from the session at once.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import streamlit as st

from smscore import store
from smscore.access import accounts
from smscore.words import access_words, numbers
from ui.shell import auth, setup
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t


def render(ctx: setup.Context) -> None:
    st.subheader(t("users.title"))
    users = accounts.list_users(ctx.con)
    lang = current_language()
    st.dataframe(
        _table(users, lang),
        hide_index=True,
        column_config={
            c: st.column_config.TextColumn(t(f"users.col_{c}")) for c in ("email", "role", "state", "signin")
        },
    )
    with st.form("user_add", clear_on_submit=True):
        st.text_input(t("users.email"), key="user_email")
        st.selectbox(
            t("users.role"), accounts.ROLES, key="user_role", format_func=lambda r: access_words.role(r, lang)
        )
        st.text_input(t("users.password"), type="password", key="user_password")
        st.form_submit_button(t("users.add"), key="user_add_submit", on_click=_add)
    if users:
        _change(ctx, users, lang)
    _policy(ctx)
    problem = st.session_state.pop("_users_problem", None)
    if problem:
        st.error(problem, icon=":material/error:")
    done = st.session_state.pop("_users_done", None)
    if done:
        st.success(done, icon=":material/check:")


def _change(ctx: setup.Context, users: list[accounts.User], lang: str) -> None:
    """Pick an account and what to do with it: nothing is chosen for the admin in advance."""
    c1, c2 = st.columns(2)
    email = c1.selectbox(
        t("users.account"), [u.email for u in users], key="user_pick", index=None, placeholder=t("users.pick")
    )
    role = c2.selectbox(
        t("users.new_role"),
        accounts.ROLES,
        key="user_new_role",
        index=None,
        placeholder=t("users.pick_role"),
        format_func=lambda r: access_words.role(r, lang),
    )
    pending = st.session_state.get(_PENDING)
    if pending is not None:
        _ask_first(pending, lang)
        return
    b1, b2, b3 = st.columns(3)
    b1.button(
        t("users.change_role"),
        key="user_set_role",
        on_click=_request,
        args=("role", email, role),
        disabled=email is None or role is None,
    )
    b2.button(
        t("users.disable"),
        key="user_disable",
        on_click=_request,
        args=("disable", email, None),
        disabled=email is None,
    )
    b3.button(
        t("users.enable"),
        key="user_enable",
        on_click=_request,
        args=("enable", email, None),
        disabled=email is None,
    )


_PENDING = "_users_pending"  # a change to one's own account, waiting for "yes"


def _request(kind: str, email: str | None, role: str | None) -> None:
    """Apply a change at once, unless it is to one's own account: then ask first."""
    if email is None or (kind == "role" and role is None):
        return
    me = auth.current()
    if me is not None and me.email == email and kind != "enable":
        st.session_state[_PENDING] = (kind, email, role)
        return
    _apply(kind, email, role)


def _ask_first(pending: tuple[str, str, str | None], lang: str) -> None:
    kind, email, role = pending
    text = (
        t("users.confirm_own_role", role=access_words.role(role, lang))
        if kind == "role"
        else t("users.confirm_own_disable")
    )
    st.warning(text, icon=":material/warning:")
    b1, b2 = st.columns(2)
    b1.button(
        t("users.confirm_yes"), key="user_confirm_yes", type="primary", on_click=_confirmed, args=(True,)
    )
    b2.button(t("users.confirm_no"), key="user_confirm_no", on_click=_confirmed, args=(False,))


def _confirmed(yes: bool) -> None:
    pending = st.session_state.pop(_PENDING, None)
    if yes and pending is not None:
        _apply(*pending)


def _apply(kind: str, email: str, role: str | None) -> None:
    if kind == "role":
        _guarded(
            lambda con, actor: accounts.set_role(con, email, role, actor),
            t("users.role_changed", email=email),
        )
    else:
        _guarded(
            lambda con, actor: accounts.set_disabled(con, email, kind == "disable", actor),
            t("users.disabled_done" if kind == "disable" else "users.enabled_done", email=email),
        )


def _table(users: list[accounts.User], lang: str) -> pd.DataFrame:
    """The accounts as words of the operator's language (the e-mail stays as typed)."""
    return pd.DataFrame(
        [
            {
                "email": u.email,
                "role": access_words.role(u.role, lang),
                "state": t("users.disabled") if u.disabled else t("users.active"),
                "signin": t("users.via_password") if u.has_password else t("users.via_provider"),
            }
            for u in users
        ],
        columns=["email", "role", "state", "signin"],
    )


def _policy(ctx: setup.Context) -> None:
    limit = accounts.idle_limit(ctx.con, ctx.config)
    setup.numbers_follow_language("idle_minutes")
    st.text_input(  # text, read by smscore.words.numbers: whole minutes the language's way (1.440)
        t("users.idle"),
        value=numbers.whole_text(Decimal(limit.total_seconds()) / 60, current_language()),
        key="idle_minutes",
        on_change=_idle,
        disabled=bool(ctx.config.get(accounts.IDLE_ENV)),
        help=t("users.idle_help", env=accounts.IDLE_ENV),
    )
    st.toggle(
        t("users.viewer_exports"),
        key="viewer_exports",
        value=store.get_setting(ctx.con, accounts.VIEWER_EXPORTS, "false") == "true",
        on_change=_viewer_exports,
    )


def _guarded(action, done: str | None = None) -> None:  # noqa: ANN001 - one account change
    who = auth.permit("users")
    if who is None:
        return
    try:
        action(setup.cursor(), who.actor)
    except ValueError as exc:
        st.session_state["_users_problem"] = access_words.refusal(str(exc), current_language())
        return
    if done:
        st.session_state["_users_done"] = done


def _add() -> None:
    email, role = st.session_state.get("user_email", ""), st.session_state.get("user_role")
    password = st.session_state.get("user_password") or None
    st.session_state["user_password"] = ""
    _guarded(lambda con, actor: accounts.add_user(con, email, role, password, actor))


def _viewer_exports() -> None:
    value = "true" if st.session_state.get("viewer_exports") else "false"

    def change(con, actor) -> None:  # noqa: ANN001
        store.set_setting(con, accounts.VIEWER_EXPORTS, value)
        from smscore.access import audit  # noqa: PLC0415

        audit.record(con, actor, "settings.change", accounts.VIEWER_EXPORTS, {"value": value})

    _guarded(change)


def _idle() -> None:
    lang = current_language()
    try:
        minutes = numbers.parse_whole(str(st.session_state.get("idle_minutes") or ""), lang, t("users.idle"))
    except numbers.Unreadable as exc:
        st.session_state["_users_problem"] = exc.sentence(md)  # it quotes what was typed
        return
    _guarded(lambda con, actor: accounts.set_idle_minutes(con, minutes, actor))
