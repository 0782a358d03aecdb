"""The Send page's last step: the batch name, what stands in the way of sending (balance, length,
schedule, sending hours, sender, spending limits), whether it will wait for approval, and the
Send button that opens the confirm dialog: all of it said before the click."""

from __future__ import annotations

import streamlit as st

from smscore.batchid import short_id
from smscore.cost.quote import Quote
from smscore.money import Money
from smscore.sending import ledger, outcome
from smscore.twilio import balance
from smscore.words import formats
from ui.access import limits
from ui.sending import batchname, confirm_dialog, hours, quotes, scheduling
from ui.shell import setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import outcomes, problem_words
from ui.words.i18n import current_language, t, tn


def _balance_gate(ctx: Context, q: Quote) -> tuple[bool, str | None]:
    """(ok, why not) for sending `q` now: balance vs the quote's maximum plus the reserve."""
    lang = current_language()
    if ctx.gateway is None:
        return False, t("send.no_gateway", problem=md(ctx.problem or ""))
    check = balance.judge(
        ctx.balance, Money(q.total_max, q.currency), reserve=Money(ctx.settings.balance_reserve, q.currency)
    )
    if check.ok:
        return True, None
    if check.shortfall is None:  # currencies differ, or a subaccount without a balance
        return False, md(problem_words.told_problem(check.problem))
    return False, t(
        "send.short",
        needed=formats.cost(check.needed, lang),
        balance=formats.balance(check.balance, lang),
        shortfall=formats.cost(check.shortfall, lang),
        reserve=formats.plain(ctx.settings.balance_reserve, lang, q.currency),
    )


def _existing_batch(ctx: Context, batch: quotes.PricedBatch) -> dict | None:
    """The batch Confirm would resume: same body, same recipients, same day."""
    try:
        info = ledger.batch_info(ctx.con, batch.batch_key())
    except KeyError:
        return None
    if ledger.damage(ctx.con, info["id"]):
        info["status"] = ledger.DAMAGED  # Confirm repairs it: freezing adds the missing rows
    n = ledger.counts(ctx.con, info["id"])
    info["outcome"] = outcome.judge(
        info["status"],
        sent=n["sent"],
        failed=n["failed"],
        unknown=n["unknown"],
        pending=n["queued"] + n["claimed"],
    ).kind
    return info


def _name_input(body: str) -> None:
    """The batch name, prefilled from the message and the audience until the operator edits it."""
    default = batchname.default_name(
        body,
        st.session_state.audience,
        st.session_state.send_categories,
        len(st.session_state.picked_ids),
        current_language(),
    )
    if st.session_state.get("batch_name") in (None, st.session_state.get("_batch_name_auto")):
        st.session_state.batch_name = default
    st.session_state._batch_name_auto = default
    st.text_input(
        t("send.batch_name"), key="batch_name", max_chars=ledger.NAME_MAX, help=t("send.batch_name_help")
    )


def _blocker(ctx: Context, quote: Quote) -> tuple[Quote, bool, str | None]:
    """(the quote timed by the sending hours, whether it may be sent, why not)."""
    ok, why = _balance_gate(ctx, quote)
    length = quote.length_check()
    if length.long_warning:
        st.warning(t("send.long_warning", segments=length.max_segments), icon=":material/warning:")
    if length.over_limit and not length.refused:
        st.warning(t("send.too_long_some", n=length.over_limit), icon=":material/content_cut:")
    if quote.n_recipients == 0:
        ok, why = False, t("send.too_long") if length.refused else t("send.nobody")
    sender = confirm_dialog.sender(ctx)
    send_at, not_schedulable = scheduling.choose(sender)
    st.session_state["_send_at"] = send_at
    quote, bad_hours = hours.apply(quote, sender, send_at)
    if not_schedulable or bad_hours:
        ok, why = False, not_schedulable or bad_hours
    if not ctx.sandbox and not sender:
        ok, why = False, t("send.no_sender")
    return quote, ok, why


def show(ctx: Context, quote: Quote, batch: quotes.PricedBatch, body: str, job_running: bool) -> None:
    """Step 4: name, blockers or the balance that covers it, the spending limits, and Send."""
    st.subheader(t("send.step_send"))
    _name_input(body)
    quote, ok, why = _blocker(ctx, quote)
    if why:
        st.error(why, icon=":material/block:")
        setup.link("topup", t("nav.topup"), ":material/add_card:")
    elif ctx.balance is not None:
        st.success(
            t("send.balance_ok", balance=formats.balance(ctx.balance, current_language())),
            icon=":material/check:",
        )
    verdict = limits.for_batch(ctx, quote)
    if verdict.refusal is not None:  # said just above the disabled button
        ok = False
    if (existing := _existing_batch(ctx, batch)) is not None and not job_running:
        st.info(
            t("send.already", batch=short_id(existing["id"]), status=md(outcomes.label(existing["outcome"]))),
            icon=":material/history:",
        )
    st.button(
        tn("send.send_n", quote.n_recipients),
        type="primary",
        key="send_open",
        disabled=not ok or job_running or not setup.can("send"),
        on_click=confirm_dialog.open_confirm,
    )
    if job_running:
        st.caption(t("send.wait_running"))
    if st.session_state.confirm_open and ok and not job_running:
        confirm_dialog.show(ctx, quote, batch, verdict)
