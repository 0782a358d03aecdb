"""The Users section of Settings (admins): accounts, roles, sign-in policy.

Each action checks the right again (ui.auth.permit) and goes through smscore.accounts, which
records it in the audit trail. A password typed here is cleared from the session at once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from smscore import accounts, store
from ui import access_words, auth, setup
from ui.i18n import current_language, t


def render(ctx: setup.Context) -> None:
    st.subheader(t("users.title"))
    users = accounts.list_users(ctx.con)
    lang = current_language()
    st.dataframe(_table(users, lang), hide_index=True,
                 column_config={c: st.column_config.TextColumn(t(f"users.col_{c}"))
                                for c in ("email", "role", "state", "signin")})
    with st.form("user_add", clear_on_submit=True):
        st.text_input(t("users.email"), key="user_email")
        st.selectbox(t("users.role"), accounts.ROLES, key="user_role",
                     format_func=lambda r: access_words.role(r, lang))
        st.text_input(t("users.password"), type="password", key="user_password")
        st.form_submit_button(t("users.add"), key="user_add_submit", on_click=_add)
    if users:
        c1, c2 = st.columns(2)
        email = c1.selectbox(t("users.account"), [u.email for u in users], key="user_pick")
        c2.selectbox(t("users.new_role"), accounts.ROLES, key="user_new_role",
                     format_func=lambda r: access_words.role(r, lang))
        b1, b2, b3 = st.columns(3)
        b1.button(t("users.change_role"), key="user_set_role", on_click=_set_role, args=(email,))
        b2.button(t("users.disable"), key="user_disable", on_click=_disable, args=(email, True))
        b3.button(t("users.enable"), key="user_enable", on_click=_disable, args=(email, False))
    _policy(ctx)
    problem = st.session_state.pop("_users_problem", None)
    if problem:
        st.error(problem, icon=":material/error:")


def _table(users: list[accounts.User], lang: str) -> pd.DataFrame:
    """The accounts as words of the operator's language (the e-mail stays as typed)."""
    return pd.DataFrame(
        [{"email": u.email, "role": access_words.role(u.role, lang),
          "state": t("users.disabled") if u.disabled else t("users.active"),
          "signin": t("users.via_password") if u.has_password else t("users.via_provider")}
         for u in users], columns=["email", "role", "state", "signin"])


def _policy(ctx: setup.Context) -> None:
    limit = accounts.idle_limit(ctx.con, ctx.config)
    st.number_input(t("users.idle"), min_value=1.0, step=5.0,
                    value=limit.total_seconds() / 60, key="idle_minutes", on_change=_idle,
                    disabled=bool(ctx.config.get(accounts.IDLE_ENV)),
                    help=t("users.idle_help", env=accounts.IDLE_ENV))
    st.toggle(t("users.viewer_exports"), key="viewer_exports",
              value=store.get_setting(ctx.con, accounts.VIEWER_EXPORTS, "false") == "true",
              on_change=_viewer_exports)


def _guarded(action) -> None:  # noqa: ANN001 - a callable doing one account change
    who = auth.permit("users")
    if who is None:
        return
    try:
        action(setup.cursor(), who.actor)
    except ValueError as exc:
        st.session_state["_users_problem"] = access_words.refusal(str(exc), current_language())


def _add() -> None:
    email, role = st.session_state.get("user_email", ""), st.session_state.get("user_role")
    password = st.session_state.get("user_password") or None
    st.session_state["user_password"] = ""
    _guarded(lambda con, actor: accounts.add_user(con, email, role, password, actor))


def _set_role(email: str) -> None:
    role = st.session_state.get("user_new_role")
    _guarded(lambda con, actor: accounts.set_role(con, email, role, actor))


def _disable(email: str, disabled: bool) -> None:
    _guarded(lambda con, actor: accounts.set_disabled(con, email, disabled, actor))


def _viewer_exports() -> None:
    value = "true" if st.session_state.get("viewer_exports") else "false"

    def change(con, actor) -> None:  # noqa: ANN001
        store.set_setting(con, accounts.VIEWER_EXPORTS, value)
        from smscore import audit  # noqa: PLC0415
        audit.record(con, actor, "settings.change", accounts.VIEWER_EXPORTS, {"value": value})
    _guarded(change)


def _idle() -> None:
    minutes = float(st.session_state.get("idle_minutes") or 0)
    _guarded(lambda con, actor: accounts.set_idle_minutes(con, minutes, actor))
