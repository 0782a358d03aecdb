"""Home: mode, balance, account type, contact and category counts, the last batches."""

from __future__ import annotations

import streamlit as st

from smscore import reports
from smscore.contacts import book
from smscore.words import formats
from ui.sending import batchnotes, jobs
from ui.shell.setup import Context, can, link
from ui.shell.tables import batches_table
from ui.shell.untrusted import md
from ui.twilio import notices_panel
from ui.words.i18n import current_language, t


def render(ctx: Context) -> None:
    lang = current_language()
    st.title(t("home.title"))
    st.caption(t("home.caption_sandbox") if ctx.sandbox else t("home.caption_live"))
    mode, balance, account = st.columns(3)
    mode.metric(t("home.mode"), t("mode.sandbox") if ctx.sandbox else t("mode.live"))
    if ctx.balance is not None:
        label = t("sidebar.balance_sandbox") if ctx.sandbox else t("sidebar.balance")
        balance.metric(
            label,
            formats.balance(ctx.balance, lang),
            help=t("common.exact", amount=formats.exact(ctx.balance, lang)),
        )
    else:
        balance.metric(t("sidebar.balance"), "—")
    if ctx.account is not None:
        kind = t("account.trial") if ctx.account.is_trial else t("account.full")
        account.metric(t("home.account_type"), kind)
    if ctx.problem:
        st.error(t("home.gateway_problem", problem=md(ctx.problem)))
    st.caption(t("home.threshold", threshold=_threshold(ctx)))
    notices_panel.render_home(ctx)
    _counts(ctx)
    _last_batches(ctx)
    c1, c2, c3 = st.columns(3)
    with c1:
        link("contacts", t("nav.contacts"), ":material/contacts:")
    if can("send"):  # viewers have no Send page
        with c2:
            link("send", t("nav.send"), ":material/send:")
    with c3:
        link("topup", t("nav.topup"), ":material/add_card:")


def _threshold(ctx: Context) -> str:
    currency = ctx.balance.currency if ctx.balance is not None else "USD"
    return formats.plain(ctx.settings.low_balance_threshold, current_language(), currency)


def _counts(ctx: Context) -> None:
    lang = current_language()
    c1, c2, c3 = st.columns(3)
    c1.metric(t("home.contacts"), formats.number(book.count_contacts(ctx.con), lang))
    c2.metric(t("home.categories"), formats.number(book.count_categories(ctx.con), lang))
    c3.metric(t("home.opted_out"), formats.number(len(book.list_suppressions(ctx.con)), lang))


def _last_batches(ctx: Context) -> None:
    st.subheader(t("home.last_batches"))
    frame = reports.batches(ctx.con).head(5)
    if frame.empty:
        st.caption(t("home.no_batches"))
    else:
        batches_table(frame, ctx.settings.time_zone)
        running = set(jobs.running_batches())
        for row in frame.itertuples():
            batchnotes.show_for_row(row, running=row.batch_id in running)
