"""Approvals (admin): batches over the approval threshold wait here for a second admin."""

from __future__ import annotations

import streamlit as st

from smscore.access import approvals
from smscore.batchid import short_id
from smscore.words import formats, vocab
from ui.sending import jobs
from ui.shell import auth, setup
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t, tn

ctx = setup.page("nav.approvals")  # admins only: setup.page refuses every other role
lang = current_language()
st.title(t("approvals.title"))
st.caption(t("approvals.caption"))
if notice := st.session_state.pop("approval_notice", None):
    st.warning(notice, icon=":material/gavel:")


def _decided(batch_id: str, decide, refused: str) -> bool:  # noqa: ANN001 - approve or reject
    """An admin's decision on a held batch, checked against the role at the action; a refusal
    from the core is said in the notice. True when it was taken."""
    who = auth.permit("approve")
    if who is None:
        return False
    try:
        decide(setup.cursor(), batch_id, who.actor)
    except approvals.ApprovalError as exc:
        st.session_state.approval_notice = t(refused, reason=md(problem_words.told(exc)))
        return False
    return True


def _approve(batch_id: str) -> None:
    if not _decided(batch_id, approvals.approve, "approvals.not_approved"):
        return
    s = ctx.settings
    jobs.start(
        setup.root(ctx.config),
        ctx.config,
        batch_id,
        jobs.SendOptions(concurrency=s.concurrency, rate=float(s.send_rate), reserve=s.balance_reserve),
    )
    st.session_state.approval_notice = t("approvals.approved", batch=short_id(batch_id))


def _reject(batch_id: str) -> None:
    if _decided(batch_id, approvals.reject, "approvals.not_rejected"):
        st.session_state.approval_notice = t("approvals.rejected", batch=short_id(batch_id))


def _summary(row) -> str:  # noqa: ANN001 - a row of approvals.pending
    """Who confirmed the batch, when (operator's zone), and what it may cost, as plain text
    (st.text: the confirmer's e-mail is never read as Markdown, so no `\\$` escape either)."""
    return t(
        "approvals.summary",
        who=row.confirmed_by,
        when=formats.when(row.created_at, lang, ctx.settings.time_zone),
        mode=vocab.word("mode", row.mode, lang),
        recipients=tn("approvals.recipients_n", int(row.recipients)),
        segments=tn("common.segments_n", int(row.segments)),
        maximum=formats.cost(row.estimate_max, lang, row.currency).replace("\\$", "$"),
    )


waiting = approvals.pending(ctx.con)
if waiting.empty:
    st.info(t("approvals.none"))
for row in waiting.itertuples():
    with st.container(border=True):
        st.subheader(t("approvals.batch", batch=short_id(row.batch_id)))
        st.text(_summary(row))
        st.text(row.body)  # the message as typed: never rendered as Markdown
        countries = approvals.by_country(ctx.con, row.batch_id)
        shown = vocab.localized(countries, lang)
        shown["maximum"] = [formats.cents_up(v, lang) for v in countries["maximum"]]
        st.dataframe(shown, hide_index=True, column_config=vocab.column_labels(countries, lang))
        left, right = st.columns(2)
        left.button(
            t("approvals.approve"),
            key=f"approve_{row.batch_id}",
            type="primary",
            on_click=_approve,
            args=(row.batch_id,),
        )
        right.button(
            t("approvals.reject"), key=f"reject_{row.batch_id}", on_click=_reject, args=(row.batch_id,)
        )
