"""The Contacts page's Import tab: a CSV's preview and column roles, then what the import did.

Numbers already in the workspace are counted apart from the rows to fix (issue 11), by the
importer itself, so the page, the CLI and the audit trail give the same counts (issue 17); the
rejected rows download as a CSV and an Excel workbook (ui.shell.downloads), like every export.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import phonenumbers
import streamlit as st

from smscore import numbertypes
from smscore.access import audit
from smscore.contacts import csvsource, importer
from smscore.store.writes import write
from smscore.words import formats, vocab
from ui.shell import auth, downloads, setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t, tn, translate

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
ROLES = ("phone", "name", "category", "consent")


def _mapping_from_widgets(columns: list[str], key: str) -> dict[str, str] | None:
    chosen = {role: st.session_state.get(f"map_{role}_{key}") for role in ROLES}
    chosen = {role: col for role, col in chosen.items() if col in columns}
    return chosen or None


def _import(
    ctx: Context,
    data: bytes,
    mapping: dict[str, str],
    country: str,
    category: str,
    policy: str,
    name: str = "",
    consent_source: str = "",
) -> None:
    if not auth.permit("import"):
        return
    try:
        report = importer.import_contacts(
            setup.cursor(),
            data,
            default_country=country,
            category=category or None,
            mapping=mapping,
            on_duplicate=policy,
            consent_source=st.session_state.get("import_consent_source", consent_source),
        )
    except (csvsource.CsvImportError, ValueError) as exc:
        st.session_state.import_result = {"error": str(exc)}
        return
    except duckdb.Error as exc:  # e.g. out of memory or disk: one sentence, never a traceback
        st.session_state.import_result = {"error": _first_line(exc)}
        return
    # The trail holds the very counts the page shows, under the same names (report.counts()).
    write(setup.cursor(), lambda con: audit.record(con, ctx.principal.actor, "import", name, report.counts()))
    st.session_state.import_result = {
        **report.counts(),
        "categories_created": list(report.categories_created),
        "rejects": report.rejects,
        "notes": report.notes,
        "no_sms": dict(report.no_sms),
    }


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def show(ctx: Context) -> None:
    """The Import tab: upload, column roles, options, then what the import did."""
    lang = current_language()
    upload = st.file_uploader(
        t("contacts.upload"),
        type=["csv", "txt", "tsv"],
        key="upload",
        max_upload_size=500,
        help=t("contacts.upload_help"),
        disabled=not setup.can("import"),
    )
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
        st.markdown(
            t(
                "contacts.detected",
                encoding=_encoding_name(preview.encoding),
                delimiter=_delimiter_name(preview.delimiter),
                n=len(columns),
            )
        )
        cols = st.columns(len(ROLES))
        none = t("common.none")
        for col, role in zip(cols, ROLES):
            current = preview.mapping.get(role)
            options = [none, *columns]
            col.selectbox(
                t("lgpd.role_consent") if role == "consent" else t(f"contacts.role_{role}"),
                options,
                key=f"map_{role}_{key}",
                index=options.index(current) if current in options else 0,
            )
        st.dataframe(preview.rows.head(20), hide_index=True, width="stretch")
        c1, c2, c3 = st.columns(3)
        country = c1.selectbox(
            t("contacts.default_country"),
            REGIONS,
            key="import_country",
            index=REGIONS.index(ctx.settings.default_country)
            if ctx.settings.default_country in REGIONS
            else 0,
            format_func=lambda iso: region_label(iso, lang),
        )
        category = c2.text_input(
            t("contacts.target_category"), key="import_category", help=t("contacts.target_category_help")
        )
        policy = c3.radio(
            t("contacts.duplicates"),
            ("skip", "update"),
            key="import_policy",
            format_func=lambda p: translate(f"contacts.dup_{p}", lang),
            horizontal=True,
        )
        st.text_input(
            t("lgpd.consent_source"),
            key="import_consent_source",
            placeholder=t("lgpd.consent_source_example"),
            help=t("lgpd.consent_source_help"),
        )
        mapping = {r: c for r, c in preview.mapping.items() if c in columns}
        st.button(
            t("contacts.import"),
            type="primary",
            key="import",
            on_click=_import,
            args=(ctx, data, mapping, country, category, policy, upload.name),
        )
    _import_report(ctx)


def region_label(iso: str, lang: str) -> str:
    """`Brasil (BR)`: a country by name in `lang`, with its code."""
    return f"{formats.country_name(iso, lang)} ({iso})"


_ENCODINGS = {
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-8": "UTF-8",
    "windows-1252": "Windows-1252",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1",
    "iso-8859-1": "Latin-1",
    "utf-16": "UTF-16",
}


def _encoding_name(codec: str) -> str:
    """A codec as a spreadsheet's save dialog names it (UTF-8 (BOM), not utf-8-sig)."""
    return _ENCODINGS.get(codec.lower(), codec.upper())


def _delimiter_name(delimiter: str) -> str:
    return {
        ",": t("contacts.delim_comma"),
        ";": t("contacts.delim_semicolon"),
        "\t": t("contacts.delim_tab"),
    }.get(delimiter, md(repr(delimiter)))


def _extension_notes(notes: pd.DataFrame | None) -> None:
    """Numbers written with an extension (`ramal 12`), imported without it: said, and listed
    as written (a table: their text is the file's, never Markdown)."""
    if notes is None or not len(notes):
        return
    st.info(tn("contacts.extension_notes_n", len(notes)), icon=":material/info:")
    st.dataframe(
        notes.head(1000),
        hide_index=True,
        width="stretch",
        key="extension_notes",
        column_config={
            "line": t("contacts.col_line"),
            "phone": t("contacts.col_phone_written"),
            "e164": t("contacts.col_imported_as"),
            "extension": t("contacts.col_extension"),
        },
    )


def _no_sms_notes(no_sms: dict[str, int], lang: str) -> None:
    """The file's numbers that cannot receive SMS (fixed lines ...): batches leave them out."""
    for kind, n in no_sms.items():
        if kind == numbertypes.FIXED_LINE:
            st.warning(tn("fixed.import_fixed_lines_n", n), icon=":material/phone_disabled:")
        else:
            st.warning(
                tn("fixed.import_no_sms_n", n, kind=vocab.word("number_type", kind, lang)),
                icon=":material/phone_disabled:",
            )


def _import_report(ctx: Context) -> None:
    lang = current_language()
    result = st.session_state.get("import_result")
    if not result:
        return
    if "error" in result:
        st.error(t("contacts.import_failed", problem=md(result["error"])))
        return
    c = st.columns(4)
    c[0].metric(t("contacts.imported"), formats.number(result["imported"], lang))
    c[1].metric(t("contacts.updated"), formats.number(result["updated"], lang))
    c[2].metric(
        t("contacts.already"), formats.number(result["already"], lang), help=t("contacts.already_help")
    )
    c[3].metric(t("contacts.rejected"), formats.number(result["rejected"], lang))
    if result["categories_created"]:
        st.caption(t("contacts.categories_created", names=md(", ".join(result["categories_created"]))))
    _extension_notes(result.get("notes"))
    _no_sms_notes(result.get("no_sms") or {}, lang)
    rejects = result["rejects"]
    if len(rejects):
        st.markdown(t("contacts.rejects_title"))
        shown = rejects.head(1000)
        shown = shown.assign(reason=[vocab.reason(r, lang) for r in shown["reason"]])
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={"line": t("contacts.col_line"), "reason": t("contacts.col_reason")},
        )
        downloads.offer(
            rejects,
            "rejected-rows",
            key="download_rejects",
            zone=ctx.settings.time_zone,
            csv_label=t("contacts.download_rejects"),
            xlsx_label=t("contacts.download_rejects_xlsx"),
            only=("line", "reason"),  # the file's own columns keep the file's own headers
            on_download=lambda name, rows: audit.record(
                setup.cursor(), ctx.principal.actor, "export", name, {"rows": rows}
            ),
        )
