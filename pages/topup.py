"""Top-up guide: how to add Twilio credit, next to the balance and what the last quote needs."""

from __future__ import annotations

import json

import streamlit as st

from smscore import store
from smscore.words import formats
from ui.shell import setup
from ui.words.i18n import current_language, t

ctx = setup.page("nav.topup")
lang = current_language()
st.title(t("topup.title"))
if ctx.sandbox:
    st.info(t("topup.sandbox_note"), icon=":material/science:")

balance_col, need_col, threshold_col = st.columns(3)
if ctx.balance is not None:
    label = t("sidebar.balance_sandbox") if ctx.sandbox else t("sidebar.balance")
    balance_col.metric(
        label,
        formats.balance(ctx.balance, lang),
        help=t("common.exact", amount=formats.exact(ctx.balance, lang)),
    )
last = store.get_setting(ctx.con, "ui.last_quote")
if last:
    quote = json.loads(last)
    need_col.metric(
        t("topup.last_need"),
        formats.cost(quote["total_max"], lang, quote["currency"]),
        help=t("topup.last_need_help", recipients=formats.number(quote["recipients"], lang))
        + " "
        + t("common.exact", amount=formats.exact(quote["total_max"], lang, quote["currency"])),
    )
else:
    need_col.metric(t("topup.last_need"), "—", help=t("topup.no_quote"))
currency = ctx.balance.currency if ctx.balance is not None else "USD"
threshold_col.metric(t("topup.threshold"), formats.plain(ctx.settings.low_balance_threshold, lang, currency))
st.caption(
    t("topup.threshold_reminder", threshold=formats.plain(ctx.settings.low_balance_threshold, lang, currency))
)

st.subheader(t("topup.steps_title"))
st.markdown("\n".join(f"{i}. {t(f'topup.step{i}')}" for i in range(1, 9)))
st.caption(t("topup.after"))
setup.link("settings", t("nav.settings"), ":material/settings:")
