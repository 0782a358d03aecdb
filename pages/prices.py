"""Prices: the per-country price table with carriers and its date; refresh from Twilio when live."""

from __future__ import annotations

import streamlit as st

from smscore import audit, prices
from ui import auth, setup
from ui.i18n import t
from ui.untrusted import md

ctx = setup.page("nav.prices")
st.title(t("prices.title"))
plist = prices.ensure_prices(ctx.con)
st.caption(t("prices.source", date=str(plist.as_of), source=md(plist.source),
             loaded=plist.loaded_at.strftime("%Y-%m-%d %H:%M")))

table = prices.price_table(ctx.con, sender_type=ctx.settings.sender_type)
search = st.text_input(t("prices.search"), key="price_search", placeholder=t("prices.search_hint"))
if search:
    needle = search.strip().lower()
    table = table[table["iso"].str.lower().eq(needle)
                  | table["country"].fillna("").str.lower().str.contains(needle, regex=False)]
currency = table["currency"].iloc[0] if len(table) else "USD"
st.dataframe(
    table[["iso", "country", "carriers", "unit_min", "unit_max", "price_min", "price_max",
           "fee_min", "fee_max", "currency", "as_of"]],
    hide_index=True, width="stretch",
    column_config={
        "iso": t("prices.col_iso"), "country": t("prices.col_country"),
        "carriers": t("prices.col_carriers"), "currency": t("prices.col_currency"),
        "as_of": st.column_config.DateColumn(t("prices.col_as_of")),
        **{col: st.column_config.NumberColumn(f"{t('prices.col_' + col)} ({currency})",
                                              format="%.5f")
           for col in ("unit_min", "unit_max", "price_min", "price_max", "fee_min", "fee_max")},
    })
st.caption(t("prices.note", sender_type=ctx.settings.sender_type, n=len(table)))

st.subheader(t("prices.carriers_title"))
isos = list(table["iso"])
if isos:
    default = isos.index(ctx.settings.default_country) if ctx.settings.default_country in isos else 0
    iso = st.selectbox(t("prices.country"), isos, index=default, key="price_country",
                       format_func=lambda i: f"{i} · {dict(zip(table['iso'], table['country'])).get(i, '')}")
    rows = prices.carrier_rows(ctx.con, iso)
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "current_price": st.column_config.NumberColumn(f"{t('prices.col_current')} ({currency})",
                                                       format="%.5f"),
        "base_price": st.column_config.NumberColumn(f"{t('prices.col_base')} ({currency})",
                                                    format="%.5f")})
    st.caption(t("common.as_of", date=str(plist.as_of)))

st.subheader(t("prices.refresh_title"))
if ctx.sandbox:
    st.info(t("prices.refresh_sandbox"), icon=":material/science:")
elif ctx.gateway is None:
    st.error(t("home.gateway_problem", problem=md(ctx.problem or "")))
elif st.button(t("prices.refresh"), key="refresh_prices", disabled=not setup.can("prices.refresh")) \
        and auth.permit("prices.refresh"):
    audit.record(ctx.con, ctx.principal.actor, "prices.refresh")
    with st.spinner(t("prices.refreshing")):
        try:
            fresh = prices.refresh_from_gateway(ctx.con, ctx.gateway)
        except Exception as exc:  # noqa: BLE001 - the old list stays; say why
            st.error(t("prices.refresh_failed", problem=md(exc)))
        else:
            st.success(t("prices.refreshed", date=str(fresh.as_of)))
