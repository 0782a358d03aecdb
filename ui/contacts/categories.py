"""The Contacts page's Categories tab: add one, or remove one (asked first; contacts stay)."""

from __future__ import annotations

import streamlit as st

from smscore.access import audit
from smscore.contacts import book
from ui.contacts import removals
from ui.shell import auth, setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import formats
from ui.words.i18n import current_language, t


def _add(ctx: Context) -> None:
    name = st.session_state.get("new_category", "").strip()
    if name and auth.permit("categories"):
        book.add_category(setup.cursor(), name)
        audit.record(setup.cursor(), ctx.principal.actor, "category.add", name)
        st.session_state.new_category = ""


def _remove(ctx: Context, name: str) -> str | None:
    if not auth.permit("categories"):
        return None
    unlinked = book.remove_category(setup.cursor(), name)
    audit.record(setup.cursor(), ctx.principal.actor, "category.remove", name)
    return t("contacts.category_removed", name=md(name), n=formats.number(unlinked, current_language()))


def show(ctx: Context) -> None:
    """The categories with their contact counts, and the add and remove actions."""
    frame = book.list_categories(ctx.con)
    st.dataframe(
        frame,
        hide_index=True,
        column_config={"name": t("contacts.col_category"), "contacts": t("home.contacts")},
    )
    c1, c2 = st.columns(2)
    with c1:
        st.text_input(t("contacts.new_category"), key="new_category")
        st.button(
            t("contacts.add_category"),
            key="add_category",
            on_click=_add,
            args=(ctx,),
            disabled=not setup.can("categories"),
        )
    with c2:
        if len(frame):
            victim = st.selectbox(
                t("contacts.remove_category"), list(frame["name"]), key="category_to_remove"
            )
            st.button(
                t("contacts.remove"),
                key="remove_category",
                on_click=removals.ask,
                args=("category", victim),
                help=t("contacts.remove_category_help"),
                disabled=not setup.can("categories"),
            )
        name = removals.pending_value()
        members = frame.loc[frame["name"] == name, "contacts"]
        removals.prompt(
            "category",
            t(
                "contacts.confirm_remove_category",
                name=md(name),
                n=formats.number(int(members.iloc[0]) if len(members) else 0, current_language()),
            ),
            lambda value: _remove(ctx, value),
        )
