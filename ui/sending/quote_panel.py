"""The Send page's third step: the quote, priced as the operator types, and the cost panel.

Totals are costs to the cent rounded up with the exact figure on hover; unit prices keep every
digit. The last quote's need is kept for the Top-up guide.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from smscore import store
from smscore.cost import quote as quote_mod
from smscore.cost.quote import Quote
from smscore.money import shown_total
from smscore.twilio import balance
from smscore.words import formats, vocab
from ui.sending import quotes
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import charts, problem_words
from ui.words.i18n import current_language, t, tn


def suffix(ctx: Context) -> str:
    """` (sandbox)` after a money label while nothing is really charged."""
    return t("common.sandbox_suffix") if ctx.sandbox else ""


def _verified_numbers(ctx: Context) -> frozenset[str] | None:
    """The trial account's verified numbers; None (no filter) when Twilio cannot be asked."""
    try:
        return ctx.gateway.verified_numbers() if ctx.gateway else None
    except Exception as exc:  # noqa: BLE001 - Twilio then refuses the others one by one (21608)
        st.warning(t("send.quote_error", problem=md(exc)))
        return None


def priced(
    ctx: Context, body: str, selection: quote_mod.Selection | None, body_ok: bool
) -> tuple[Quote | None, quotes.PricedBatch | None]:
    """(quote, priced batch) for the body and recipients, or (None, None) with why not."""
    if not body.strip():
        st.info(t("send.need_body"))
    elif selection is None:
        st.info(t("send.need_recipients"))
    elif body_ok:  # otherwise the compose box already says why
        trial = ctx.account is not None and ctx.account.is_trial
        prefix = balance.TRIAL_PREFIX if trial else ""
        try:
            # A trial account reaches only its verified caller IDs: the rest are excluded.
            verified = _verified_numbers(ctx) if trial else None
            batch = quotes.priced(
                ctx.con,
                str(ctx.db_path),
                body,
                selection,
                smart_encoding=ctx.settings.smart_encoding,
                prefix=prefix,
                sender_type=ctx.settings.sender_type,
                only_to=verified,
                fixed_lines_in=ctx.settings.fixed_lines_in,
            )
            return batch.quote, batch
        except ValueError as exc:  # QuoteError: unknown placeholder, unknown category, ...
            st.error(t("send.quote_error", problem=md(problem_words.told(exc))))
    return None, None


def remember(ctx: Context, q: Quote) -> None:
    """Keep the last quote's need for the Top-up guide (any session, any page)."""
    value = json.dumps({"total_max": str(q.total_max), "currency": q.currency, "recipients": q.n_recipients})
    if store.get_setting(ctx.con, "ui.last_quote") != value:
        store.set_setting(ctx.con, "ui.last_quote", value)


def show(ctx: Context, q: Quote) -> None:
    """Recipients, segments and the cost range, per country as a table and a chart; who is
    left out and why; a preview of the first messages."""
    lang = current_language()
    cur = q.currency
    st.subheader(t("send.step_cost"))
    if prefix_note := q.prefix:
        st.caption(t("send.trial_prefix", prefix=prefix_note.strip()))
    c = [st.container(horizontal=True, gap="medium")] * 4
    c[0].metric(t("send.recipients"), formats.number(q.n_recipients, lang))
    c[1].metric(t("send.total_segments"), formats.number(q.segments, lang))
    for col, label, amount, lines in (
        (c[2], "send.total_min", q.total_min, q.by_country["subtotal_min"]),
        (c[3], "send.total_max", q.total_max, q.by_country["subtotal_max"]),
    ):
        col.metric(  # the sum of the table's lines as shown, so the column adds up; exact on hover
            t(label) + suffix(ctx),
            formats.cost(shown_total(lines), lang, cur),
            help=t("common.exact", amount=formats.exact(amount, lang, cur)),
        )
    st.caption(t("common.as_of", date=formats.day(q.price_list_as_of, lang)) + " · " + t("send.range_note"))
    _per_country(q, lang)
    _left_out(q, lang)
    if len(q.excluded):
        with st.expander(tn("send.excluded_n", len(q.excluded))):
            excluded = q.excluded.head(1000)
            st.dataframe(
                vocab.localized(excluded, lang),
                hide_index=True,
                column_config={"contact_id": None, **vocab.column_labels(excluded, lang)},
            )
    # Closed by default: the confirm dialog shows the message as sent, and a phone saves a screen.
    with st.expander(t("send.preview")):
        sample = q.recipients.head(5)[["phone", "country", "body", "encoding", "segments"]]
        st.dataframe(
            vocab.localized(sample, lang), hide_index=True, column_config=vocab.column_labels(sample, lang)
        )


def _left_out(q: Quote, lang: str) -> None:
    """The numbers that cannot receive SMS (fixed lines ...), per country and type, and what
    leaving them out saves; each is also in the excluded list with its reason."""
    if not len(q.left_out):
        return
    n = int(q.left_out["contacts"].sum())
    saved = formats.cost(shown_total(q.left_out["saved_max"]), lang, q.currency)
    st.info(tn("fixed.quote_left_out", n, saved=saved), icon=":material/phone_disabled:")
    table = q.left_out.assign(
        iso=[formats.country_name(i, lang) for i in q.left_out["iso"]],
        number_type=[vocab.word("number_type", v, lang) for v in q.left_out["number_type"]],
        contacts=[formats.number(v, lang) for v in q.left_out["contacts"]],
        segments=[formats.number(v, lang) for v in q.left_out["segments"]],
        saved_min=[formats.cents_up(v, lang) for v in q.left_out["saved_min"]],
        saved_max=[formats.cents_up(v, lang) for v in q.left_out["saved_max"]],
    )
    st.dataframe(
        table,
        hide_index=True,
        column_order=["iso", "saved_max", "contacts", "number_type", "segments", "saved_min"],
        column_config={
            "iso": t("send.col_country"),
            "number_type": t("fixed.col_type"),
            "contacts": t("fixed.col_contacts"),
            "segments": t("send.segments"),
            "saved_min": f"{t('fixed.col_saved_min')} ({q.currency})",
            "saved_max": f"{t('fixed.col_saved_max')} ({q.currency})",
        },
    )


def _per_country(q: Quote, lang: str) -> None:
    cur = q.currency
    table = q.by_country.copy()
    money_cols = ["unit_price_min", "unit_price_max", "subtotal_min", "subtotal_max"]
    st.dataframe(
        _country_table(table, lang),
        hide_index=True,
        # the costs right after the country: what a 390 px phone shows before scrolling
        column_order=["iso", *money_cols[2:], "recipients", "segments", *money_cols[:2]],
        column_config={
            "iso": t("send.col_country"),
            "recipients": t("send.recipients"),
            "segments": t("send.segments"),
            **{col: f"{t('send.col_' + col)} ({cur})" for col in money_cols},
        },
    )
    chart = table.assign(  # the table's country names; amounts as numbers Vega formats in `lang`
        iso=[formats.country_name(i, lang) for i in table["iso"]],
        **{col: table[col].astype(float) for col in money_cols},
    )
    bars = (
        alt.Chart(chart)
        .mark_bar()
        .encode(
            x=alt.X("iso:N", sort="-y", title=t("send.col_country")),
            y=alt.Y("subtotal_max:Q", title=f"{t('send.col_subtotal_max')} ({cur})"),
            tooltip=["iso", "recipients", "segments", "subtotal_min", "subtotal_max"],
        )
    )
    ticks = alt.Chart(chart).mark_tick(color="black", thickness=2).encode(x="iso:N", y="subtotal_min:Q")
    st.altair_chart(charts.localized((bars + ticks).properties(height=200), lang), width="stretch")


def _country_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per-country quote for display: names, counts and money in the operator's notation;
    unit prices keep every digit, subtotals are costs (to the cent, rounded up)."""
    return table.assign(
        iso=[formats.country_name(i, lang) for i in table["iso"]],
        recipients=[formats.number(v, lang) for v in table["recipients"]],
        segments=[formats.number(v, lang) for v in table["segments"]],
        **{
            c: [formats.decimal_text(v, lang) for v in table[c]] for c in ("unit_price_min", "unit_price_max")
        },
        **{c: [formats.cents_up(v, lang) for v in table[c]] for c in ("subtotal_min", "subtotal_max")},
    )
