"""Prices: the per-country price table with carriers and its date; refresh from Twilio when live."""

from __future__ import annotations

import streamlit as st

from smscore.access import audit
from smscore.cost import prices
from smscore.words import formats, vocab
from ui.shell import auth, setup
from ui.shell.untrusted import md
from ui.words.i18n import current_language, t

ctx = setup.page("nav.prices")
lang = current_language()
st.title(t("prices.title"))
plist = prices.ensure_prices(ctx.con)
# The embedded list's name is the core's English constant: shown in the operator's language.
source = t("prices.embedded_source") if plist.source == prices.EMBEDDED_SOURCE else plist.source
st.caption(
    t(
        "prices.source",
        date=formats.day(plist.as_of, lang),
        source=md(source),
        loaded=formats.when(plist.loaded_at, lang, ctx.settings.time_zone),
    )
)
PRICE_COLUMNS = ("unit_min", "unit_max", "price_min", "price_max", "fee_min", "fee_max")


def _shown(frame, currency: str):
    """Unit prices as the language writes them, every digit kept (they are not rounded)."""
    out = frame.assign(
        country=[formats.country_name(i, lang) for i in frame["iso"]],
        as_of=[formats.day(d, lang) for d in frame["as_of"]],
    )
    return out.assign(**{c: [formats.decimal_text(v, lang) for v in frame[c]] for c in PRICE_COLUMNS})


table = prices.price_table(ctx.con, sender_type=ctx.settings.sender_type)
search = st.text_input(t("prices.search"), key="price_search", placeholder=t("prices.search_hint"))
if search:
    table = table[[formats.country_matches(iso, search) for iso in table["iso"]]]
    if table.empty:
        st.warning(t("prices.no_match", search=md(search.strip())), icon=":material/search_off:")
currency = table["currency"].iloc[0] if len(table) else "USD"
st.dataframe(
    _shown(table, currency)[
        [
            "country",
            "iso",
            "unit_min",
            "unit_max",
            "carriers",
            "price_min",
            "price_max",
            "fee_min",
            "fee_max",
            "currency",
            "as_of",
        ]
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "iso": t("prices.col_iso"),
        "country": t("prices.col_country"),
        "carriers": t("prices.col_carriers"),
        "currency": t("prices.col_currency"),
        "as_of": t("prices.col_as_of"),
        **{col: f"{t('prices.col_' + col)} ({currency})" for col in PRICE_COLUMNS},
    },
)
st.caption(
    t(
        "prices.note",
        sender_type=vocab.word("sender_type", ctx.settings.sender_type, lang),
        n=formats.number(len(table), lang),
    )
)

st.subheader(t("prices.carriers_title"))
isos = list(table["iso"])
if isos:
    default = isos.index(ctx.settings.default_country) if ctx.settings.default_country in isos else 0
    iso = st.selectbox(
        t("prices.country"),
        isos,
        index=default,
        key="price_country",
        format_func=lambda i: f"{formats.country_name(i, lang)} ({i})",
    )
    rows = prices.carrier_rows(ctx.con, iso).drop(columns=["iso", "country"])  # chosen above
    shown = vocab.localized(rows, lang).assign(
        **{c: [formats.decimal_text(v, lang) for v in rows[c]] for c in ("base_price", "current_price")},
        **{c: [("—" if v != v or v is None else str(int(v))) for v in rows[c]] for c in ("mcc", "mnc")},
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            **vocab.column_labels(rows, lang),
            "current_price": f"{t('prices.col_current')} ({currency})",
            "base_price": f"{t('prices.col_base')} ({currency})",
        },
    )
    st.caption(t("common.as_of", date=formats.day(plist.as_of, lang)))

st.subheader(t("prices.refresh_title"))
if ctx.sandbox:
    st.info(t("prices.refresh_sandbox"), icon=":material/science:")
elif ctx.gateway is None:
    st.error(t("home.gateway_problem", problem=md(ctx.problem or "")))
elif st.button(
    t("prices.refresh"), key="refresh_prices", disabled=not setup.can("prices.refresh")
) and auth.permit("prices.refresh"):
    audit.record(ctx.con, ctx.principal.actor, "prices.refresh")
    with st.spinner(t("prices.refreshing")):
        try:
            fresh = prices.refresh_from_gateway(ctx.con, ctx.gateway)
        except Exception as exc:  # noqa: BLE001 - the old list stays; say why
            st.error(t("prices.refresh_failed", problem=md(exc)))
        else:
            st.success(t("prices.refreshed", date=str(fresh.as_of)))
