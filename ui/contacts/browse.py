"""The Contacts page's Browse tab: filters and paging done by the server (smscore.contacts.book), so
the page never pulls the whole workspace into pandas."""

from __future__ import annotations

import streamlit as st

from smscore import numbertypes
from smscore.contacts import book
from smscore.words import formats, vocab
from ui.contacts.upload import region_label
from ui.shell import tables
from ui.shell.setup import Context
from ui.words.i18n import current_language, t, tn, translate

PAGE_SIZES = (50, 100, 500)


def _first_page() -> None:
    st.session_state.browse_page = 1


def show(ctx: Context) -> None:
    """The Browse tab: search and filters, one page of contacts from the server, paging."""
    lang = current_language()
    categories = book.list_categories(ctx.con)
    countries = book.list_countries(ctx.con)
    c1, c2, c3 = st.columns([2, 1, 1])
    search = c1.text_input(
        t("contacts.search"),
        key="browse_search",
        on_change=_first_page,
        placeholder=t("contacts.search_hint"),
    )
    category = c2.selectbox(
        t("contacts.filter_category"),
        [None, *categories["name"]],
        key="browse_category",
        on_change=_first_page,
        format_func=lambda c: translate("contacts.all", lang) if c is None else c,
    )
    country = c3.selectbox(
        t("contacts.filter_country"),
        [None, *countries["country"]],
        key="browse_country",
        on_change=_first_page,
        format_func=lambda c: translate("contacts.all", lang) if c is None else region_label(c, lang),
    )
    # Numbers that cannot receive SMS and that batches leave out (smscore.numbertypes).
    fixed_only = st.toggle(
        t("fixed.browse_filter"),
        key="browse_fixed",
        on_change=_first_page,
        help=t("fixed.browse_filter_help"),
    )
    size = st.session_state.get("browse_size", PAGE_SIZES[0])
    number = st.session_state.get("browse_page", 1)
    frame, total = book.browse(
        ctx.con,
        search=search or None,
        category=category,
        country=country,
        number_type=numbertypes.FIXED_LINE if fixed_only else None,
        limit=size,
        offset=(number - 1) * size,
    )
    pages = max(1, -(-total // size))
    st.dataframe(
        vocab.localized(tables.private(frame), lang),
        hide_index=True,
        width="stretch",
        column_config={
            "id": None,
            "phone": t("contacts.col_phone"),
            "name": t("contacts.col_name"),
            "country": t("contacts.col_country"),
            "number_type": t("fixed.col_type"),
            "categories": t("contacts.col_categories"),
        },
    )
    p1, p2, p3 = st.columns([1, 1, 2])
    p1.number_input(t("contacts.page"), min_value=1, max_value=pages, step=1, key="browse_page")
    p2.selectbox(t("contacts.page_size"), PAGE_SIZES, key="browse_size", on_change=_first_page)
    first = (number - 1) * size + 1 if total else 0
    p3.caption(
        t(
            "contacts.showing",
            first=formats.number(first, lang),
            last=formats.number(min(number * size, total), lang),
            total=formats.number(total, lang),
            pages=tn("contacts.pages_n", pages),
        )
    )
