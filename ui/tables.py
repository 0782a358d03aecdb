"""Tables and charts shared by pages: money columns always carry their currency."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ui.i18n import t

_MONEY = ("estimate_min", "estimate_max", "actual", "variance")


def _currency(frame: pd.DataFrame) -> str:
    currencies = sorted(set(frame["currency"].dropna())) if "currency" in frame else []
    return "/".join(currencies) or "USD"


def money_columns(frame: pd.DataFrame) -> dict[str, object]:
    cur = _currency(frame)
    return {col: st.column_config.NumberColumn(f"{t('reports.col_' + col)} ({cur})",
                                               format="%.4f")
            for col in _MONEY if col in frame}


REPORT_ORDER = ("messages", "sent", "failed", "pending", "segments", "estimate_min",
                "estimate_max", "actual", "variance", "priced", "currency")


def batches_table(frame: pd.DataFrame) -> None:
    """Batches with estimate vs actual; one row per batch."""
    shown = frame.assign(batch_id=frame["batch_id"].str[:12])
    if "outcome" in shown:  # what happened, in the words and colours of smscore.outcome
        from ui.outcomes import label  # noqa: PLC0415

        shown["outcome"] = shown["outcome"].map(label)
    order = ["batch_id", "created_at", "mode", "outcome", "recipients", "sent", "failed",
             "pending", "segments", "estimate_min", "estimate_max", "actual", "currency"]
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_order=[c for c in order if c in shown], column_config={
        "batch_id": t("reports.col_batch"), "created_at": t("reports.col_created"),
        "mode": t("reports.col_mode"), "outcome": t("reports.col_status"),
        "recipients": t("send.recipients"), "segments": t("send.segments"),
        "sent": t("send.sent"), "failed": t("send.failed"), "pending": t("send.queued"),
        "currency": t("prices.col_currency"), **money_columns(frame)})


def estimate_vs_actual_chart(frame: pd.DataFrame, key: str) -> None:
    """Grouped bars: estimate (max) and actual cost per `key` value."""
    if frame.empty:
        return
    cur = _currency(frame)
    long = frame[[key, "estimate_max", "actual"]].copy()
    long[key] = long[key].astype(str)
    long = long.melt(id_vars=key, var_name="measure", value_name="amount")
    long["amount"] = long["amount"].astype(float)
    long["measure"] = long["measure"].map({"estimate_max": t("reports.col_estimate_max"),
                                           "actual": t("reports.col_actual")})
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X(f"{key}:N", title=t(f"reports.by_{key}")),
        xOffset="measure:N",
        y=alt.Y("amount:Q", title=f"{t('reports.cost')} ({cur})"),
        color=alt.Color("measure:N", title=None),
        tooltip=[key, "measure", alt.Tooltip("amount:Q", format=".4f")])
    st.altair_chart(chart, width="stretch")
