"""The Contacts page's "Titular de dados / Data subject" panel (admins): find what the workspace
holds about one number, download it as the documented JSON, and erase it behind a
confirmation that names what will go (smscore.person). Every action checks the right again on
the server; the panel itself is drawn only for a role holding it, so no other role is ever sent
the data."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import streamlit as st

from smscore.contacts.phones import InvalidPhone
from smscore.person import dossier, erasure, finding
from smscore.words import formats, vocab
from ui.contacts import removals
from ui.shell import auth, setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t

RIGHT = "data_subject"
_KEY = "ds_subject"  # the E.164 being looked at


def _find(ctx: Context) -> None:
    raw = st.session_state.get("ds_phone", "").strip()
    if not raw or not auth.permit(RIGHT):
        return
    try:
        st.session_state[_KEY] = finding.subject_of(raw, ctx.settings.default_country).e164
        st.session_state.ds_error = None
    except (InvalidPhone, ValueError) as exc:
        st.session_state[_KEY] = None
        st.session_state.ds_error = str(exc)


def _downloaded(ctx: Context, e164: str, document: dict) -> None:
    who = auth.permit(RIGHT)
    if who is not None:
        dossier.audit(setup.cursor(), finding.subject_of(e164), who.actor, document)


def _erase(ctx: Context, e164: str) -> str | None:
    who = auth.permit(RIGHT)
    if who is None:
        return None
    try:
        report = erasure.erase(setup.cursor(), finding.subject_of(e164), ctx.gateway, who.actor)  # type: ignore[arg-type]
    except erasure.ErasureRefused as exc:
        return t("lgpd.erase_refused", problem=md(exc))
    st.session_state[_KEY] = None
    st.session_state.ds_phone = ""
    lang = current_language()
    done = t(
        "lgpd.erased",
        contacts=formats.number(report.contacts, lang),
        messages=formats.number(report.messages, lang),
        replies=formats.number(report.replies, lang),
        twilio=formats.number(report.twilio_deleted + report.sandbox, lang),
    )
    if report.not_deleted:
        done += " " + t("lgpd.not_deleted", sids=md(", ".join(sid for sid, _ in report.not_deleted)))
    if report.left:
        done += " " + t("lgpd.left", places=md(", ".join(f"{a}.{b}" for a, b in report.left)))
    return done


def open_now() -> bool:
    """Whether the panel is in use (a number found, an erasure asked or just done): it then
    stays open across reruns."""
    pending = st.session_state.get("pending_removal") or ("", "")
    done = st.session_state.get("removal_done") or ("", "")
    return bool(st.session_state.get(_KEY) or st.session_state.get("ds_error")) or "data_subject" in (
        pending[0],
        done[0],
    )


def show(ctx: Context) -> None:
    """Search, what was found, the download and the erasure."""
    lang = current_language()
    st.caption(t("lgpd.help"))
    with st.container(horizontal=True, vertical_alignment="bottom"):
        # Enter in the field searches too, as a search box does (the button is for a mouse).
        st.text_input(
            t("lgpd.phone"), key="ds_phone", placeholder="(11) 98765-4321", on_change=_find, args=(ctx,)
        )
        st.button(t("lgpd.find"), key="ds_find", on_click=_find, args=(ctx,), icon=":material/search:")
    if st.session_state.get("ds_error"):
        st.error(md(vocab.reason(st.session_state.ds_error, lang)))
    e164 = st.session_state.get(_KEY)
    pending = st.session_state.get("pending_removal") or ("", "")
    question = _question(ctx, pending[1]) if pending[0] == "data_subject" else ""
    removals.prompt("data_subject", question, lambda v: _erase(ctx, v))
    if not e164:
        return
    subject = finding.subject_of(e164)
    found = finding.find(ctx.con, subject)
    st.markdown(t("lgpd.found", phone=md(e164), rows=formats.number(len(found), lang)))
    if len(found):
        shown = found.drop(columns=["row"]).assign(
            at=[formats.when(None if pd.isna(v) else v, lang, ctx.settings.time_zone) for v in found["at"]]
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "table": t("lgpd.col_table"),
                "column": t("lgpd.col_column"),
                "at": t("lgpd.col_at"),
                "value": t("lgpd.col_value"),
            },
        )
    document = dossier.build(ctx.con, subject)
    with st.container(horizontal=True):
        st.download_button(
            t("lgpd.download"),
            data=_deferred(document),
            file_name=f"titular-{e164.lstrip('+')}.json",
            mime="application/json",
            key="ds_download",
            on_click=_downloaded,
            args=(ctx, e164, document),
            icon=":material/download:",
        )
        st.button(
            t("lgpd.erase"),
            key="ds_erase",
            on_click=removals.ask,
            args=("data_subject", e164),
            icon=":material/delete_forever:",
        )


def _deferred(document: dict) -> Callable[[], bytes]:
    """The JSON's bytes, made when the admin asks for them (Streamlit's deferred download)."""
    return lambda: (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _question(ctx: Context, e164: str) -> str:
    """The confirmation naming what will go."""
    if not e164:
        return ""
    plan = erasure.plan(ctx.con, finding.subject_of(e164))
    lang = current_language()
    return t(
        "lgpd.confirm_erase",
        phone=md(e164),
        name=md(plan.name or "—") if plan.contact else t("lgpd.no_contact"),
        categories=formats.number(plan.categories, lang),
        messages=formats.number(plan.messages, lang),
        replies=formats.number(plan.replies, lang),
        twilio=formats.number(plan.at_twilio, lang),
        other=formats.number(plan.other_rows, lang),
    )
