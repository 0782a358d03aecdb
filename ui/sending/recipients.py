"""The Send page's first step: who gets the message (everyone, categories, or picked contacts).

Streamlit drops a widget's state when a run does not draw it (another page), so the choice and
the message are kept in copies that survive a visit elsewhere.
"""

from __future__ import annotations

from copy import copy

import pandas as pd
import streamlit as st

from smscore.contacts import book
from smscore.cost import quote as quote_mod
from ui.shell.setup import Context
from ui.words.i18n import current_language, t, translate

KEPT = {"body": "", "audience": "everyone", "send_categories": [], "picked_ids": []}
AUDIENCES = ("everyone", "categories", "picked")


def restore() -> None:
    """Give the widgets back what they held when the page was last drawn."""
    for key, default in KEPT.items():
        if key not in st.session_state:
            st.session_state[key] = st.session_state.get(f"_kept_{key}", default)


def keep() -> None:
    """Copy the widgets' values where a run of another page cannot drop them."""
    for key in KEPT:
        st.session_state[f"_kept_{key}"] = st.session_state[key]


def _category_label(frame: pd.DataFrame, name: str) -> str:
    match = frame[frame["name"] == name]
    return f"{name} ({int(match['contacts'].iloc[0]):,})" if len(match) else name


def selection() -> quote_mod.Selection | None:
    """The recipients chosen, or None while the choice is incomplete."""
    audience = st.session_state.audience
    if audience == "everyone":
        return quote_mod.Selection(everyone=True)
    if audience == "categories" and st.session_state.send_categories:
        return quote_mod.Selection(categories=tuple(st.session_state.send_categories))
    if audience == "picked" and st.session_state.picked_ids:
        return quote_mod.Selection(contact_ids=tuple(int(i) for i in st.session_state.picked_ids))
    return None


def show(ctx: Context) -> None:
    """Step 1: the audience, then the categories or the contacts it names."""
    lang = current_language()
    st.subheader(t("send.step_recipients"))
    st.radio(
        t("send.audience"),
        AUDIENCES,
        key="audience",
        horizontal=True,
        format_func=lambda a: translate(f"send.audience_{a}", lang),
    )
    categories = book.list_categories(ctx.con)
    if st.session_state.audience == "categories":
        st.multiselect(
            t("send.categories"),
            list(categories["name"]),
            key="send_categories",
            format_func=lambda n: _category_label(categories, n),
            placeholder=t("common.choose_options"),
        )
    elif st.session_state.audience == "picked":
        search = st.text_input(t("send.pick_search"), key="pick_search")
        found, _total = book.browse(ctx.con, search=search or None, limit=50, offset=0)
        labels = st.session_state.setdefault("pick_labels", {})  # ids picked on earlier searches
        labels.update(
            {int(i): f"{n or '—'} ({p})" for i, n, p in zip(found["id"], found["name"], found["phone"])}
        )
        options = list(dict.fromkeys([*st.session_state.picked_ids, *map(int, found["id"])]))
        st.multiselect(
            t("send.picked"),
            options,
            key="picked_ids",
            format_func=lambda i: labels.get(i, str(i)),
            placeholder=t("common.choose_options"),
        )


_PER_BATCH = ("batch_name", "_batch_name_auto", "schedule_on")  # said of the batch just sent


def clear() -> None:
    """Empty the composer once its batch is confirmed (a callback: before any widget is drawn).

    Everything goes back to what a fresh page shows (everyone, no message), kept copies too, so
    neither a rerun nor a visit to another page brings the batch back. The audience too: a radio
    given back a value other than its first while the batch's progress hid it is drawn on its
    first option in the browser, which would say "Everyone" above the categories list.
    """
    for key, default in KEPT.items():
        st.session_state[key] = st.session_state[f"_kept_{key}"] = copy(default)
    for key in _PER_BATCH:
        st.session_state.pop(key, None)
