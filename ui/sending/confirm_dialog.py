"""The Send page's confirm dialog, and what Confirm does.

The dialog shows all of what is about to happen: the text as the first recipient gets it, who
gets it per country, the worst-case cost and the balance before and after; Confirm and Cancel
side by side. Confirm checks the right and the spending limits at the action, freezes the
batch in the ledger (or holds it for approval) and starts its background sender (ui.sending.jobs).
Confirm is a callback: it runs whatever the next run of the page draws, so a limit lowered
while the dialog was open still refuses it in words, with its row in the audit trail. Once the
batch is confirmed the composer is emptied: what was sent is the last batch's note, not a form.
"""

from __future__ import annotations

import streamlit as st

from smscore.access import approvals, audit
from smscore.cost.quote import Quote
from smscore.money import Money, shown_total
from smscore.sending import ledger
from smscore.twilio.sandbox import SANDBOX_SENDER
from smscore.words import formats
from ui.access import limits
from ui.sending import jobs, quotes, recipients
from ui.sending.quote_panel import suffix
from ui.sending.send_progress import options
from ui.shell import auth, setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t


def sender(ctx: Context) -> str:
    """Who the messages come from: the setting, the sandbox's number, or the credentials'."""
    from smscore.twilio.credentials import Credentials  # noqa: PLC0415

    if ctx.settings.sender:
        return ctx.settings.sender
    if ctx.sandbox:
        return SANDBOX_SENDER
    creds = Credentials.from_mapping(ctx.config)
    return (creds.sender if creds else None) or ""


def open_confirm() -> None:
    """The Send button: opens the dialog unless a batch is sending (checked at the action)."""
    if not auth.permit("send"):
        return
    if not (st.session_state.job and st.session_state.job["state"] == "running"):
        st.session_state.confirm_open = True


def show(ctx: Context, q: Quote, batch: quotes.PricedBatch, verdict: approvals.Verdict) -> None:
    """Open the dialog for `q` (titled in the session's language)."""
    st.dialog(
        t("send.confirm_title"), width="large", on_dismiss=lambda: st.session_state.update(confirm_open=False)
    )(_dialog)(ctx, q, batch, verdict)


def _dialog(ctx: Context, q: Quote, batch: quotes.PricedBatch, verdict: approvals.Verdict) -> None:
    """What is about to happen, all of it: the text, who gets it, the worst-case cost and what
    the balance will be afterwards, whether it waits for approval; Confirm and Cancel next to
    each other."""
    if not st.session_state.confirm_open:  # Confirm or Cancel ran: the page shows what follows
        st.rerun()
    lang = current_language()
    cur = q.currency
    st.markdown(
        t(
            "send.confirm_intro",
            n=formats.number(q.n_recipients, lang),
            segments=formats.number(q.segments, lang),
            mode=t("mode.sandbox") if ctx.sandbox else t("mode.live"),
        )
    )
    if len(q.recipients):
        first = q.recipients.iloc[0]
        body_sent = first["body"] if isinstance(first["body"], str) else q.body
        st.caption(t("send.confirm_first", phone=md(first["phone"])))
        st.text(f"{q.prefix}{body_sent}")  # plain text: never Markdown, whatever it holds
    per = q.by_country[["iso", "recipients", "segments", "subtotal_max"]]
    shown = per.assign(
        iso=[formats.country_name(i, lang) for i in per["iso"]],
        recipients=[formats.number(v, lang) for v in per["recipients"]],
        segments=[formats.number(v, lang) for v in per["segments"]],
        subtotal_max=[formats.cents_up(v, lang) for v in per["subtotal_max"]],
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=["iso", "subtotal_max", "recipients", "segments"],  # the cost on a phone's screen
        column_config={
            "iso": t("send.col_country"),
            "recipients": t("send.recipients"),
            "segments": t("send.segments"),
            "subtotal_max": f"{t('send.col_subtotal_max')} ({cur})",
        },
    )
    _money(ctx, q, lang)
    st.caption(t("common.as_of", date=formats.day(q.price_list_as_of, lang)) + " · " + t("send.range_note"))
    if verdict.needs_approval:
        st.warning(limits.approval_note(verdict, ctx.principal.role, lang), icon=":material/gavel:")
    with st.container(horizontal=True):
        st.button(
            t("send.confirm"), type="primary", key="send_confirm", on_click=_confirm, args=(ctx, q, batch)
        )
        st.button(
            t("send.cancel"), key="send_cancel", on_click=lambda: st.session_state.update(confirm_open=False)
        )


def _money(ctx: Context, q: Quote, lang: str) -> None:
    """The most it may cost, and the balance before and after (when in the same currency)."""
    worst = Money(q.total_max, q.currency)
    shown = Money(shown_total(q.by_country["subtotal_max"]), q.currency)  # what the lines above add up to
    c = st.columns(3)
    c[0].metric(
        t("send.confirm_max") + suffix(ctx),
        formats.cost(shown, lang),
        help=t("common.exact", amount=formats.exact(worst, lang)),
    )
    if ctx.balance is not None and ctx.balance.currency == q.currency:
        c[1].metric(
            t("send.confirm_balance_before"),
            formats.balance(ctx.balance, lang),
            help=t("common.exact", amount=formats.exact(ctx.balance, lang)),
        )
        after = ctx.balance - worst
        c[2].metric(
            t("send.confirm_balance_after"),
            formats.balance(after, lang),
            help=t("common.exact", amount=formats.exact(after, lang)),
        )


def _confirm(ctx: Context, q: Quote, batch: quotes.PricedBatch) -> None:
    st.session_state.confirm_open = False
    _start(ctx, q, batch)


def _start(ctx: Context, q: Quote, batch: quotes.PricedBatch) -> None:
    if st.session_state.job and st.session_state.job["state"] == "running":
        return  # a second Confirm while the first batch runs does nothing
    who = auth.permit("send")
    if who is None:
        return
    maximum = Money(q.total_max, q.currency)
    try:  # a refusal is recorded in the audit trail by the core
        approvals.check_limits(
            ctx.con, who.actor, maximum, batch=batch.batch_key(), recipients=q.n_recipients
        )
    except approvals.LimitExceeded as exc:
        st.session_state.send_notice = t("send.not_sent", reason=md(problem_words.told(exc)))
        return
    batch_id = ledger.freeze_batch(
        ctx.con,
        q,
        sender=sender(ctx),
        mode=ctx.mode,
        name=st.session_state.get("batch_name"),
        send_at=st.session_state.get("_send_at"),
    )
    audit.confirm_batch(ctx.con, who.actor, batch_id, q.n_recipients, q.total_max, q.currency)
    try:
        if approvals.hold_if_needed(ctx.con, batch_id, maximum):
            recipients.clear()  # confirmed: the next batch starts from an empty composer
            st.session_state.job = None  # the last batch's note says it awaits approval
            return
        approvals.ensure_sendable(ctx.con, batch_id)
    except approvals.ApprovalError as exc:
        st.session_state.send_notice = f"{md(problem_words.told(exc))}."
        return
    recipients.clear()
    st.session_state.job = {"batch_id": batch_id, "state": "running"}
    jobs.start(setup.root(ctx.config), ctx.config, batch_id, options(ctx))
