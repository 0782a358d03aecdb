"""Contacts: import a CSV, browse with server-side paging, manage categories and the opt-out list;
for admins, a data subject's data under LGPD."""

from __future__ import annotations

import streamlit as st

from ui.contacts import browse, categories, data_subject, optouts, upload
from ui.shell import setup
from ui.words.i18n import t

ctx = setup.page("nav.contacts")
st.title(t("contacts.title"))

tab_import, tab_browse, tab_categories, tab_optout = st.tabs(
    [
        t("contacts.tab_import"),
        t("contacts.tab_browse"),
        t("contacts.tab_categories"),
        t("contacts.tab_optout"),
    ]
)
with tab_import:
    upload.show(ctx)
with tab_browse:
    browse.show(ctx)
with tab_categories:
    categories.show(ctx)
with tab_optout:
    optouts.show(ctx)
if setup.can(data_subject.RIGHT):  # admins only: no other role is sent the panel
    with st.expander(t("lgpd.tab"), icon=":material/person_search:", expanded=data_subject.open_now()):
        data_subject.show(ctx)
