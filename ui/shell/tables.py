"""Tables and charts shared by pages: money columns always carry their currency.

Tables show figures the way the operator's language writes them, costs to the cent rounded up
(never less than Twilio may charge); the CSV exports keep every digit and the stored codes.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from smscore.batchid import short_id
from smscore.money import shown_total
from smscore.words import formats, vocab
from ui.shell import setup
from ui.words import charts
from ui.words.i18n import current_language, t

_MONEY = ("estimate_min", "estimate_max", "actual", "variance", "estimate")
_COUNTS = ("messages", "sent", "failed", "pending", "segments", "priced", "recipients", "attempts", "unknown")


def _currency(frame: pd.DataFrame) -> str:
    currencies = sorted(set(frame["currency"].dropna())) if "currency" in frame else []
    return "/".join(currencies) or "USD"


def money_columns(frame: pd.DataFrame) -> dict[str, object]:
    cur = _currency(frame)
    return {col: f"{t(_money_key(col))} ({cur})" for col in _MONEY if col in frame}


def _money_key(col: str) -> str:
    return "col.estimate" if col == "estimate" else f"reports.col_{col}"


PHONE_COLUMNS = ("phone", "from_number", "to_number")


def private(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as this person may take it away: phone numbers masked unless their role may
    export them. Every grid has a download button of its own (Streamlit's toolbar), so what a
    grid shows is what its viewer can export: the mask is applied before the data leaves."""
    if setup.can("export_phones"):
        return frame
    out = frame.copy()
    for col in PHONE_COLUMNS:
        if col in out:
            out[col] = [formats.masked_phone(v) if isinstance(v, str) else v for v in out[col]]
    return out


def shown(frame: pd.DataFrame, zone: str, lang: str | None = None) -> pd.DataFrame:
    """`frame` for display: codes as words, countries by name, counts and money in the
    language's notation (costs to the cent, rounded up), times in the operator's zone."""
    lang = lang or current_language()
    out = vocab.localized(frame, lang)
    for col in frame.columns:
        if col in _MONEY:
            out[col] = [formats.cents_up(v, lang) for v in frame[col]]
        elif col in _COUNTS:
            out[col] = [formats.number(int(v), lang) if pd.notna(v) else "—" for v in frame[col]]
        elif col in ("created_at", "sent_at"):
            out[col] = [formats.when(v if pd.notna(v) else None, lang, zone) for v in frame[col]]
        elif col == "day":
            out[col] = [formats.day(v, lang) if pd.notna(v) else "—" for v in frame[col]]
    return out


# Money first after the row's name: on a 390 px phone a table scrolls sideways and shows its first
# three or four columns, so the cost columns must be among them (issue 18).
REPORT_ORDER = (
    "estimate_max",
    "actual",
    "variance",
    "estimate_min",
    "messages",
    "sent",
    "failed",
    "pending",
    "segments",
    "priced",
    "currency",
)


def batches_table(frame: pd.DataFrame, zone: str) -> None:
    """Batches with estimate vs actual; one row per batch."""
    # The short id every surface shows (smscore.batchid), which the CLI and notebooks accept.
    table = shown(frame, zone).assign(batch_id=frame["batch_id"].map(short_id))
    if "name" in frame:
        table["name"] = [
            n if isinstance(n, str) else short_id(b) for n, b in zip(frame["name"], frame["batch_id"])
        ]
    if "outcome" in frame:  # what happened, in the words and colours of smscore.sending.outcome
        from ui.words.outcomes import label  # noqa: PLC0415

        table["outcome"] = frame["outcome"].map(label)
    order = [  # money right after the name: what a phone shows before scrolling (REPORT_ORDER)
        "name",
        "estimate_max",
        "actual",
        "outcome",
        "recipients",
        "sent",
        "failed",
        "pending",
        "segments",
        "estimate_min",
        "created_at",
        "mode",
        "batch_id",
        "currency",
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_order=[c for c in order if c in table],
        column_config={
            "name": t("reports.col_name"),
            "batch_id": t("reports.col_batch"),
            "created_at": t("reports.col_created"),
            "mode": t("reports.col_mode"),
            "outcome": t("reports.col_status"),
            "recipients": t("send.recipients"),
            "segments": t("send.segments"),
            "sent": t("send.sent"),
            "failed": t("send.failed"),
            "pending": t("send.queued"),
            "currency": t("prices.col_currency"),
            **money_columns(frame),
        },
    )


def estimate_vs_actual_chart(frame: pd.DataFrame, key: str) -> None:
    """Grouped bars: estimate (max) and actual cost per `key` value."""
    if frame.empty:
        return
    cur = _currency(frame)
    lang = current_language()
    long = frame[[key, "estimate_max", "actual"]].copy()
    long[key] = [_label(v, key, lang) for v in long[key]]  # as the table beside it writes them
    long = long.melt(id_vars=key, var_name="measure", value_name="amount")
    long["amount"] = long["amount"].astype(float)
    long["measure"] = long["measure"].map(
        {"estimate_max": t("reports.col_estimate_max"), "actual": t("reports.col_actual")}
    )
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(f"{key}:N", title=t(f"reports.by_{key}")),
            xOffset="measure:N",
            y=alt.Y("amount:Q", title=f"{t('reports.cost')} ({cur})"),
            color=alt.Color("measure:N", title=None),
            tooltip=[key, "measure", alt.Tooltip("amount:Q", format=".4f")],
        )
    )
    st.altair_chart(charts.localized(chart, lang), width="stretch")


def _label(value: object, key: str, lang: str) -> str:
    """A chart's category as the report's table shows it: a day in CLDR's medium format, a
    country by name, anything else as it is."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if key == "day":
        return formats.day(pd.Timestamp(value).date(), lang)
    if key == "country":
        return formats.country_name(str(value), lang)
    return str(value)


def with_total(display: pd.DataFrame, frame: pd.DataFrame, key: str, lang: str | None = None) -> pd.DataFrame:
    """`display` (a report as `shown` writes it) with a total row that its lines add up to:
    counts summed, money as the sum of the lines as shown (each to the cent, rounded up), so
    the column and its total agree (issue 18). Nothing is added across currencies."""
    if frame.empty or ("currency" in frame and frame["currency"].nunique() > 1):
        return display
    lang = lang or current_language()
    total: dict[str, object] = {col: "" for col in display.columns}
    total[key] = t("reports.total")
    for col in frame.columns:
        if col in _MONEY:
            total[col] = formats.cents_up(shown_total(frame[col].dropna()), lang)
        elif col in _COUNTS:
            total[col] = formats.number(int(frame[col].fillna(0).sum()), lang)
    if "currency" in display:
        total["currency"] = display["currency"].iloc[0]
    return pd.concat([display, pd.DataFrame([total])], ignore_index=True)
