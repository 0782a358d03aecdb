"""The Contacts page's Categories tab: add, remove, rename or merge one (asked first).

Names are compared without case or accents (`VIP` is `vip`: smscore.contacts.book), so adding
`vip` beside `VIP` adds nothing, and renaming to another category's name is refused in favour
of a merge, which says how many contacts move. A rename or a merge waits for its Confirm as a
removal does (ui.contacts.removals), its two names kept as one JSON value.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from smscore.access import audit
from smscore.contacts import book
from smscore.words import formats
from ui.contacts import removals
from ui.shell import auth, setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t, tn

_PROBLEM = "category_problem"  # a refusal left by a callback for this run


def _add(ctx: Context) -> None:
    name = st.session_state.get("new_category", "").strip()
    if name and auth.permit("categories"):
        if book.add_category(setup.cursor(), name):
            audit.record(setup.cursor(), ctx.principal.actor, "category.add", name)
        else:
            found = book.find_category(setup.cursor(), name)
            st.session_state[_PROBLEM] = t("contacts.category_exists", name=md(found[1] if found else name))
        st.session_state.new_category = ""


def _remove(ctx: Context, name: str) -> str | None:
    if not auth.permit("categories"):
        return None
    unlinked = book.remove_category(setup.cursor(), name)
    audit.record(setup.cursor(), ctx.principal.actor, "category.remove", name)
    return t("contacts.category_removed", name=md(name), n=formats.number(unlinked, current_language()))


def _ask_rename() -> None:
    """Ask first, unless the new name is empty or another category's (that is a merge)."""
    old = st.session_state.get("category_to_rename") or ""
    new = (st.session_state.get("category_new_name") or "").strip()
    if not old or not new:
        return
    taken = book.find_category(setup.cursor(), new)
    if taken is not None and taken != book.find_category(setup.cursor(), old):
        st.session_state[_PROBLEM] = t("contacts.category_taken", name=md(taken[1]))
        return
    removals.ask("category_rename", json.dumps([old, new]))


def _ask_merge() -> None:
    source = st.session_state.get("category_to_merge") or ""
    target = st.session_state.get("category_merge_into") or ""
    if source and target and source == target:
        st.session_state[_PROBLEM] = t("contacts.merge_same")
    elif source and target:
        removals.ask("category_merge", json.dumps([source, target]))


def _rename(ctx: Context, value: str) -> str | None:
    if not auth.permit("categories"):
        return None
    old, new = json.loads(value)
    try:
        members = book.rename_category(setup.cursor(), old, new, ctx.principal.actor)
    except book.CategoryError:  # taken or gone since it was asked: the page shows why
        st.session_state[_PROBLEM] = t("contacts.category_taken", name=md(new))
        return None
    st.session_state.category_new_name = ""
    return tn("contacts.category_renamed_n", members, name=md(old), new=md(new))


def _merge(ctx: Context, value: str) -> str | None:
    if not auth.permit("categories"):
        return None
    source, target = json.loads(value)
    try:
        moved = book.merge_categories(setup.cursor(), source, target, ctx.principal.actor)
    except book.CategoryError:  # removed by someone else since it was asked
        st.session_state[_PROBLEM] = t("contacts.merge_gone")
        return None
    return tn("contacts.category_merged_n", moved, name=md(source), into=md(target))


def _members(frame: pd.DataFrame, name: str) -> int:
    members = frame.loc[frame["name"] == name, "contacts"]
    return int(members.iloc[0]) if len(members) else 0


def _pending(kind: str) -> list[str]:
    pending = st.session_state.get("pending_removal")
    return json.loads(pending[1]) if pending and pending[0] == kind else ["", ""]


def show(ctx: Context) -> None:
    """The categories with their contact counts, and the add, remove, rename and merge actions."""
    frame = book.list_categories(ctx.con)
    st.dataframe(
        frame,
        hide_index=True,
        column_config={"name": t("contacts.col_category"), "contacts": t("home.contacts")},
    )
    if problem := st.session_state.pop(_PROBLEM, None):
        st.error(problem, icon=":material/block:")
    c1, c2 = st.columns(2)
    with c1:
        _add_form(ctx)
    with c2:
        _remove_form(ctx, frame)
    if len(frame):
        c3, c4 = st.columns(2)
        with c3:
            _rename_form(ctx, frame)
        with c4:
            _merge_form(ctx, frame)


def _add_form(ctx: Context) -> None:
    st.text_input(t("contacts.new_category"), key="new_category")
    st.button(
        t("contacts.add_category"),
        key="add_category",
        on_click=_add,
        args=(ctx,),
        disabled=not setup.can("categories"),
    )


def _remove_form(ctx: Context, frame: pd.DataFrame) -> None:
    if len(frame):
        victim = st.selectbox(t("contacts.remove_category"), list(frame["name"]), key="category_to_remove")
        st.button(
            t("contacts.remove"),
            key="remove_category",
            on_click=removals.ask,
            args=("category", victim),
            help=t("contacts.remove_category_help"),
            disabled=not setup.can("categories"),
        )
    name = removals.pending_value()
    removals.prompt(
        "category",
        t(
            "contacts.confirm_remove_category",
            name=md(name),
            n=formats.number(_members(frame, name), current_language()),
        ),
        lambda value: _remove(ctx, value),
    )


def _rename_form(ctx: Context, frame: pd.DataFrame) -> None:
    st.selectbox(t("contacts.rename_category"), list(frame["name"]), key="category_to_rename")
    st.text_input(t("contacts.rename_to"), key="category_new_name")
    st.button(
        t("contacts.rename"),
        key="rename_category",
        on_click=_ask_rename,
        help=t("contacts.rename_help"),
        disabled=not setup.can("categories"),
    )
    old, new = _pending("category_rename")
    removals.prompt(
        "category_rename",
        tn("contacts.confirm_rename_category_n", _members(frame, old), name=md(old), new=md(new)),
        lambda value: _rename(ctx, value),
        confirm=t("contacts.confirm_rename"),
    )


def _merge_form(ctx: Context, frame: pd.DataFrame) -> None:
    names = list(frame["name"])
    st.selectbox(t("contacts.merge_category"), names, key="category_to_merge")
    st.selectbox(t("contacts.merge_into"), names, index=min(1, len(names) - 1), key="category_merge_into")
    st.button(
        t("contacts.merge"),
        key="merge_category",
        on_click=_ask_merge,
        help=t("contacts.merge_help"),
        disabled=not setup.can("categories") or len(names) < 2,
    )
    source, target = _pending("category_merge")
    removals.prompt(
        "category_merge",
        tn("contacts.confirm_merge_category_n", _members(frame, source), name=md(source), into=md(target)),
        lambda value: _merge(ctx, value),
        confirm=t("contacts.confirm_merge"),
    )
