"""The Contacts page's Opt-out tab: the numbers never sent to, adding one, taking one off, and
clearing the list; the last two ask first. All three need the opt-outs right, checked at the
action. Clearing the list does not unblock anyone at Twilio: a number that replied STOP gets
error 21610 until it replies START, and the confirmation says so."""

from __future__ import annotations

import streamlit as st

from smscore.access import audit
from smscore.contacts import book, erased
from smscore.words import formats, vocab
from ui.contacts import removals
from ui.shell import auth, setup, tables
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t, tn


def _add(ctx: Context) -> None:
    raw = st.session_state.get("optout_phone", "").strip()
    if not raw or not auth.permit("optouts"):
        return
    try:
        book.suppress(setup.cursor(), raw, reason="opt-out", default_country=ctx.settings.default_country)
    except ValueError as exc:
        st.session_state.optout_error = str(exc)
    else:
        st.session_state.optout_error = None
        st.session_state.optout_phone = ""
        audit.record(setup.cursor(), ctx.principal.actor, "opt-out.add", raw)


def _remove(ctx: Context, phone: str) -> str | None:
    if not auth.permit("optouts"):
        return None
    book.unsuppress(setup.cursor(), phone)
    audit.record(setup.cursor(), ctx.principal.actor, "opt-out.remove", phone)
    return t("contacts.optout_removed", phone=md(phone))


def _clear(_: str) -> str | None:
    who = auth.permit("optouts")  # the same right as taking one number off
    if who is None:
        return None
    removed = book.clear_suppressions(setup.cursor(), who.actor)
    return tn("contacts.optouts_cleared", removed)


def show(ctx: Context) -> None:
    """The list (newest first) and its actions."""
    lang = current_language()
    st.caption(t("contacts.optout_help"))
    frame = book.list_suppressions(ctx.con)
    shown = vocab.localized(tables.private(frame), lang).assign(
        created_at=[formats.when(v, lang, ctx.settings.time_zone) for v in frame["created_at"]],
        reason=[vocab.word("reason", v, lang) for v in frame["reason"]],
    )
    st.dataframe(shown, hide_index=True, width="stretch", column_config=vocab.column_labels(frame, lang))
    c1, c2 = st.columns(2)
    with c1:
        st.text_input(t("contacts.optout_phone"), key="optout_phone")
        st.button(
            t("contacts.optout_add"),
            key="optout_add",
            on_click=_add,
            args=(ctx,),
            disabled=not setup.can("optouts"),
        )
        if st.session_state.get("optout_error"):
            st.error(md(vocab.reason(st.session_state.optout_error, lang)))
    with c2:
        if len(frame):
            phone = st.selectbox(
                t("contacts.optout_remove"), list(tables.private(frame)["phone"]), key="optout_to_remove"
            )
            st.button(
                t("contacts.remove"),
                key="optout_remove",
                on_click=removals.ask,
                args=("optout", phone),
                disabled=not setup.can("optouts"),
            )
            st.button(
                t("contacts.optout_clear"),
                key="optout_clear",
                on_click=removals.ask,
                args=("optout_clear", ""),
                disabled=not setup.can("optouts"),
            )
        # After the last number leaves, the list is empty but what happened is still said.
        removals.prompt(
            "optout",
            t("contacts.confirm_remove_optout", phone=md(removals.pending_value())),
            lambda value: _remove(ctx, value),
        )
        clearable = int((~frame["phone"].str.startswith(erased.PREFIX)).sum()) if len(frame) else 0
        removals.prompt("optout_clear", tn("contacts.confirm_clear_optouts", clearable), _clear)
