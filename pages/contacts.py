"""Contacts: import a CSV, browse with server-side paging, manage categories and the opt-out list."""

from __future__ import annotations

import duckdb
import phonenumbers
import streamlit as st

from smscore import audit, contacts, csvsource, export, importer
from ui import auth, formats, setup, vocab
from ui.i18n import current_language, t, tn, translate
from ui.untrusted import md

ctx = setup.page("nav.contacts")
lang = current_language()
st.title(t("contacts.title"))
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
ROLES = ("phone", "name", "category")
PAGE_SIZES = (50, 100, 500)

tab_import, tab_browse, tab_categories, tab_optout = st.tabs(
    [t("contacts.tab_import"), t("contacts.tab_browse"), t("contacts.tab_categories"),
     t("contacts.tab_optout")])


# -- import --------------------------------------------------------------------------------------

def _mapping_from_widgets(columns: list[str], key: str) -> dict[str, str] | None:
    chosen = {role: st.session_state.get(f"map_{role}_{key}") for role in ROLES}
    chosen = {role: col for role, col in chosen.items() if col in columns}
    return chosen or None


def _import(data: bytes, mapping: dict[str, str], country: str, category: str,
            policy: str, name: str = "") -> None:
    if not auth.permit("import"):
        return
    try:
        report = importer.import_contacts(setup.cursor(), data, default_country=country,
                                          category=category or None, mapping=mapping,
                                          on_duplicate=policy)
    except (csvsource.CsvImportError, ValueError) as exc:
        st.session_state.import_result = {"error": str(exc)}
        return
    except duckdb.Error as exc:  # e.g. out of memory or disk: one sentence, never a traceback
        st.session_state.import_result = {"error": _first_line(exc)}
        return
    audit.record(setup.cursor(), ctx.principal.actor, "import", name,
                 {"imported": report.imported, "updated": report.updated,
                  "rejected": report.rejected})
    # Numbers already in the workspace are not faults in the file: counted apart, not listed
    # among the rows to fix.
    already = report.rejects["reason"].map(vocab.is_already_a_contact).astype(bool)
    st.session_state.import_result = {
        "imported": report.imported, "updated": report.updated,
        "already": int(already.sum()), "rejected": int((~already).sum()),
        "categories_created": list(report.categories_created),
        "rejects": report.rejects[~already],
    }


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _import_tab() -> None:
    upload = st.file_uploader(t("contacts.upload"), type=["csv", "txt", "tsv"], key="upload",
                              max_upload_size=500, help=t("contacts.upload_help"),
                              disabled=not setup.can("import"))
    if upload is None:
        st.caption(t("contacts.upload_hint"))
    else:
        data = upload.getvalue()
        key = f"{upload.name}-{len(data)}"
        try:
            preview = csvsource.preview_csv(data)
            columns = list(preview.columns)
            override = _mapping_from_widgets(columns, key)
            if override:
                preview = csvsource.preview_csv(data, mapping={**preview.mapping, **override})
        except (csvsource.CsvImportError, ValueError) as exc:
            st.error(t("contacts.unreadable", problem=md(exc)))
            return
        st.markdown(t("contacts.detected", encoding=preview.encoding,
                      delimiter=_delimiter_name(preview.delimiter), n=len(columns)))
        cols = st.columns(3)
        none = t("common.none")
        for col, role in zip(cols, ROLES):
            current = preview.mapping.get(role)
            options = [none, *columns]
            col.selectbox(t(f"contacts.role_{role}"), options, key=f"map_{role}_{key}",
                          index=options.index(current) if current in options else 0)
        st.dataframe(preview.rows.head(20), hide_index=True, width="stretch")
        c1, c2, c3 = st.columns(3)
        country = c1.selectbox(t("contacts.default_country"), REGIONS, key="import_country",
                               index=REGIONS.index(ctx.settings.default_country)
                               if ctx.settings.default_country in REGIONS else 0,
                               format_func=_region_label)
        category = c2.text_input(t("contacts.target_category"), key="import_category",
                                 help=t("contacts.target_category_help"))
        policy = c3.radio(t("contacts.duplicates"), ("skip", "update"), key="import_policy",
                          format_func=lambda p: translate(f"contacts.dup_{p}", lang), horizontal=True)
        mapping = {r: c for r, c in preview.mapping.items() if c in columns}
        st.button(t("contacts.import"), type="primary", key="import", on_click=_import,
                  args=(data, mapping, country, category, policy, upload.name))
    _import_report()


def _region_label(iso: str) -> str:
    return f"{formats.country_name(iso, lang)} ({iso})"


def _delimiter_name(delimiter: str) -> str:
    return {",": t("contacts.delim_comma"), ";": t("contacts.delim_semicolon"),
            "\t": t("contacts.delim_tab")}.get(delimiter, md(repr(delimiter)))


def _import_report() -> None:
    result = st.session_state.get("import_result")
    if not result:
        return
    if "error" in result:
        st.error(t("contacts.import_failed", problem=md(result["error"])))
        return
    c = st.columns(4)
    c[0].metric(t("contacts.imported"), formats.number(result["imported"], lang))
    c[1].metric(t("contacts.updated"), formats.number(result["updated"], lang))
    c[2].metric(t("contacts.already"), formats.number(result["already"], lang),
                help=t("contacts.already_help"))
    c[3].metric(t("contacts.rejected"), formats.number(result["rejected"], lang))
    if result["categories_created"]:
        st.caption(t("contacts.categories_created",
                     names=md(", ".join(result["categories_created"]))))
    rejects = result["rejects"]
    if len(rejects):
        st.markdown(t("contacts.rejects_title"))
        shown = rejects.head(1000)
        shown = shown.assign(reason=[vocab.reason(r, lang) for r in shown["reason"]])
        st.dataframe(shown, hide_index=True, width="stretch",
                     column_config={"line": t("contacts.col_line"),
                                    "reason": t("contacts.col_reason")})
        st.download_button(t("contacts.download_rejects"), export.csv_bytes(rejects),
                           "rejected-rows.csv", "text/csv", key="download_rejects",
                           on_click=lambda: audit.record(setup.cursor(), ctx.principal.actor,
                                                         "export", "rejected-rows.csv",
                                                         {"rows": len(rejects)}))


with tab_import:
    _import_tab()


# -- browse --------------------------------------------------------------------------------------

def _first_page() -> None:
    st.session_state.browse_page = 1


def _browse_tab() -> None:
    categories = contacts.list_categories(ctx.con)
    countries = contacts.list_countries(ctx.con)
    c1, c2, c3 = st.columns([2, 1, 1])
    search = c1.text_input(t("contacts.search"), key="browse_search", on_change=_first_page,
                           placeholder=t("contacts.search_hint"))
    category = c2.selectbox(t("contacts.filter_category"), [None, *categories["name"]],
                            key="browse_category", on_change=_first_page,
                            format_func=lambda c: translate("contacts.all", lang) if c is None else c)
    country = c3.selectbox(t("contacts.filter_country"), [None, *countries["country"]],
                           key="browse_country", on_change=_first_page,
                           format_func=lambda c: translate("contacts.all", lang) if c is None else _region_label(c))
    size = st.session_state.get("browse_size", PAGE_SIZES[0])
    number = st.session_state.get("browse_page", 1)
    frame, total = contacts.browse(ctx.con, search=search or None, category=category,
                                   country=country, limit=size, offset=(number - 1) * size)
    pages = max(1, -(-total // size))
    st.dataframe(vocab.localized(frame, lang), hide_index=True, width="stretch",
                 column_config={"id": None, "phone": t("contacts.col_phone"),
                                "name": t("contacts.col_name"),
                                "country": t("contacts.col_country"),
                                "categories": t("contacts.col_categories")})
    p1, p2, p3 = st.columns([1, 1, 2])
    p1.number_input(t("contacts.page"), min_value=1, max_value=pages, step=1, key="browse_page")
    p2.selectbox(t("contacts.page_size"), PAGE_SIZES, key="browse_size", on_change=_first_page)
    first = (number - 1) * size + 1 if total else 0
    p3.caption(t("contacts.showing", first=formats.number(first, lang),
                 last=formats.number(min(number * size, total), lang),
                 total=formats.number(total, lang), pages=tn("contacts.pages_n", pages)))


with tab_browse:
    _browse_tab()


# -- categories and opt-outs ------------------------------------------------------------------------

def _add_category() -> None:
    name = st.session_state.get("new_category", "").strip()
    if name and auth.permit("categories"):
        contacts.add_category(setup.cursor(), name)
        audit.record(setup.cursor(), ctx.principal.actor, "category.add", name)
        st.session_state.new_category = ""


def _ask(kind: str, value: str) -> None:
    st.session_state.pending_removal = (kind, value)


def _cancel_removal() -> None:
    st.session_state.pending_removal = None


def _confirm_removal() -> None:
    """Do the removal the operator confirmed, and keep one sentence saying what happened."""
    kind, value = st.session_state.pending_removal
    st.session_state.pending_removal = None
    if kind == "category":
        if not auth.permit("categories"):
            return
        unlinked = contacts.remove_category(setup.cursor(), value)
        audit.record(setup.cursor(), ctx.principal.actor, "category.remove", value)
        st.session_state.removal_done = (kind, t("contacts.category_removed", name=md(value),
                                                 n=formats.number(unlinked, lang)))
    elif kind == "optout_clear":
        who = auth.permit("optouts")  # the same right as taking one number off
        if who is None:
            return
        removed = contacts.clear_suppressions(setup.cursor(), who.actor)
        st.session_state.removal_done = (kind, tn("contacts.optouts_cleared", removed))
    else:
        if not auth.permit("optouts"):
            return
        contacts.unsuppress(setup.cursor(), value)
        audit.record(setup.cursor(), ctx.principal.actor, "opt-out.remove", value)
        st.session_state.removal_done = (kind, t("contacts.optout_removed", phone=md(value)))


def _removal_prompt(kind: str, question: str) -> None:
    """Confirm and Cancel for a pending removal of this kind; then what was done."""
    pending = st.session_state.get("pending_removal")
    if pending and pending[0] == kind:
        st.warning(question, icon=":material/warning:")
        with st.container(horizontal=True):
            st.button(t("contacts.confirm_remove"), type="primary", key=f"confirm_remove_{kind}",
                      on_click=_confirm_removal)
            st.button(t("send.cancel"), key=f"cancel_remove_{kind}", on_click=_cancel_removal)
    elif (done := st.session_state.get("removal_done")) and done[0] == kind:  # in its own tab
        st.session_state.removal_done = None
        st.success(done[1], icon=":material/check:")


def _categories_tab() -> None:
    frame = contacts.list_categories(ctx.con)
    st.dataframe(frame, hide_index=True, column_config={"name": t("contacts.col_category"),
                                                        "contacts": t("home.contacts")})
    c1, c2 = st.columns(2)
    with c1:
        st.text_input(t("contacts.new_category"), key="new_category")
        st.button(t("contacts.add_category"), key="add_category", on_click=_add_category,
                  disabled=not setup.can("categories"))
    with c2:
        if len(frame):
            victim = st.selectbox(t("contacts.remove_category"), list(frame["name"]),
                                  key="category_to_remove")
            st.button(t("contacts.remove"), key="remove_category", on_click=_ask,
                      args=("category", victim), help=t("contacts.remove_category_help"),
                      disabled=not setup.can("categories"))
        pending = st.session_state.get("pending_removal") or ("", "")
        members = frame.loc[frame["name"] == pending[1], "contacts"]
        _removal_prompt("category", t(
            "contacts.confirm_remove_category", name=md(pending[1]),
            n=formats.number(int(members.iloc[0]) if len(members) else 0, lang)))


def _add_optout() -> None:
    raw = st.session_state.get("optout_phone", "").strip()
    if not raw or not auth.permit("optouts"):
        return
    try:
        contacts.suppress(setup.cursor(), raw, reason="opt-out",
                          default_country=ctx.settings.default_country)
    except ValueError as exc:
        st.session_state.optout_error = str(exc)
    else:
        st.session_state.optout_error = None
        st.session_state.optout_phone = ""
        audit.record(setup.cursor(), ctx.principal.actor, "opt-out.add", raw)


def _optout_tab() -> None:
    st.caption(t("contacts.optout_help"))
    frame = contacts.list_suppressions(ctx.con)
    shown = vocab.localized(frame, lang).assign(
        created_at=[formats.when(v, lang, ctx.settings.time_zone) for v in frame["created_at"]],
        reason=[vocab.word("reason", v, lang) for v in frame["reason"]])
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config=vocab.column_labels(frame, lang))
    c1, c2 = st.columns(2)
    with c1:
        st.text_input(t("contacts.optout_phone"), key="optout_phone")
        st.button(t("contacts.optout_add"), key="optout_add", on_click=_add_optout,
                  disabled=not setup.can("optouts"))
        if st.session_state.get("optout_error"):
            st.error(md(vocab.reason(st.session_state.optout_error, lang)))
    with c2:
        if len(frame):
            phone = st.selectbox(t("contacts.optout_remove"), list(frame["phone"]),
                                 key="optout_to_remove")
            st.button(t("contacts.remove"), key="optout_remove", on_click=_ask,
                      args=("optout", phone), disabled=not setup.can("optouts"))
            st.button(t("contacts.optout_clear"), key="optout_clear", on_click=_ask,
                      args=("optout_clear", ""), disabled=not setup.can("optouts"))
        # After the last number leaves, the list is empty but what happened is still said.
        pending = st.session_state.get("pending_removal") or ("", "")
        _removal_prompt("optout", t("contacts.confirm_remove_optout", phone=md(pending[1])))
        _removal_prompt("optout_clear", tn("contacts.confirm_clear_optouts", len(frame)))


with tab_categories:
    _categories_tab()
with tab_optout:
    _optout_tab()
