"""Settings' account sections: which Twilio account the console uses (live credentials or the
sandbox), and the sandbox's pretend money, topped up or set with an amount typed the language's
way."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from smscore.access import audit
from smscore.money import CENT
from smscore.twilio.credentials import Credentials
from smscore.words import formats, numbers
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t


def render_mode(ctx: Context) -> None:
    """Live or sandbox, and the credentials' state without the secret."""
    st.subheader(t("settings.mode_title"))
    try:
        creds = Credentials.from_mapping(ctx.config)
        creds_error = None
    except ValueError as exc:
        creds, creds_error = None, str(exc)
    if creds_error:
        st.error(t("settings.creds_invalid", problem=md(creds_error)))
    elif creds is None:
        st.info(t("settings.sandbox_mode"), icon=":material/science:")
    else:
        described = creds.describe()
        st.success(t("settings.live_mode"), icon=":material/bolt:")
        st.markdown(
            t(
                "settings.creds_status",
                last4=md(described["account_sid_last4"]),
                auth=md(described["auth"]),
                sender=md(described["sender"] or "—"),
            )
        )
    st.caption(t("settings.creds_help"))
    st.caption(t("settings.db_path", path=md(ctx.db_path)))


def render_sandbox(ctx: Context, currency: str) -> None:
    """Top up or set the sandbox's balance (sandbox mode only)."""
    if not (ctx.sandbox and ctx.gateway is not None and hasattr(ctx.gateway, "top_up")):
        return
    lang = current_language()
    st.subheader(t("settings.sandbox_title"))
    st.caption(t("settings.sandbox_help"))
    amount_label = t("settings.sandbox_amount", currency=currency)
    typed_amount = st.text_input(
        amount_label, value=numbers.amount_text(Decimal("20.00"), lang), key="sandbox_amount"
    )
    top, set_ = st.columns(2)
    for column, key, action in ((top, "sandbox_topup", "top-up"), (set_, "sandbox_set", "set-balance")):
        if column.button(t(f"settings.{key}"), key=key):
            try:
                amount = numbers.parse_amount(typed_amount, lang, amount_label).quantize(CENT)
                (ctx.gateway.top_up if action == "top-up" else ctx.gateway.set_balance)(amount)
            except numbers.Unreadable as exc:
                st.error(exc.sentence(md), icon=":material/error:")
            except ValueError as exc:  # zero or negative: the sandbox refuses it
                st.error(md(problem_words.told(exc)), icon=":material/error:")
            else:
                audit.record(ctx.con, ctx.principal.actor, f"sandbox.{action}", None, {"amount": str(amount)})
                st.rerun()
    if ctx.balance is not None:
        st.caption(t("settings.sandbox_now", balance=formats.balance(ctx.balance, lang)))
