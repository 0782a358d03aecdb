"""Reports: batches with estimate vs actual cost, per country, per category, over time; CSV and Excel."""

from __future__ import annotations

import streamlit as st

from smscore import reports
from smscore.access import audit
from smscore.batchid import short_id
from smscore.sending import sender
from smscore.words import formats, vocab
from ui.shell import auth, downloads, setup
from ui.shell.tables import (
    REPORT_ORDER,
    batches_table,
    estimate_vs_actual_chart,
    money_columns,
    private,
    shown,
    with_total,
)
from ui.twilio import inbox
from ui.words import outcomes
from ui.words.i18n import current_language, t, translate
from ui.words.outcomes import explained


def _no_error(value: object) -> str:
    """An error code or message as text; a dash where Twilio reported none."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return str(int(value)) if isinstance(value, float) else str(value)


ctx = setup.page("nav.reports")
lang = current_language()
st.title(t("reports.title"))
if ctx.sandbox:
    st.caption(t("reports.sandbox_note"))

all_batches = reports.batches(ctx.con)
if all_batches.empty:
    st.info(t("reports.empty"))
    inbox.show(ctx.con, ctx.config, sandbox=ctx.sandbox, zone=ctx.settings.time_zone)
    st.stop()

st.subheader(t("reports.batches"))
batches_table(all_batches, ctx.settings.time_zone)
st.caption(t("reports.estimate_note"))


def _exported(name: str, rows: int) -> None:
    """Record a download in the audit trail (the file left the console)."""
    audit.record(setup.cursor(), ctx.principal.actor, "export", name, {"rows": rows})


downloads.offer(
    all_batches, "batches", key="export_batches", zone=ctx.settings.time_zone, on_download=_exported
)


def _poll() -> None:
    if not auth.permit("poll"):
        return
    for batch_id in all_batches.loc[all_batches["sent"] > 0, "batch_id"]:
        sender.poll_statuses(setup.cursor(), ctx.gateway, batch_id, concurrency=ctx.settings.concurrency)


if ctx.gateway is not None:
    st.button(
        t("reports.poll"),
        key="poll_statuses",
        on_click=_poll,
        help=t("reports.poll_help"),
        disabled=not setup.can("poll"),
    )

labels = {
    b: f"{n if isinstance(n, str) else short_id(b)} · {formats.when(c, lang, ctx.settings.time_zone)}"
    for b, n, c in zip(all_batches["batch_id"], all_batches["name"], all_batches["created_at"])
}
if (wanted := st.query_params.get("batch")) in labels and "report_batch" not in st.session_state:
    st.session_state.report_batch = wanted  # opened from a batch's link (the Send page's note)
choice = st.selectbox(
    t("reports.batch_filter"),
    [None, *labels],
    key="report_batch",
    format_func=lambda b: translate("reports.all_batches", lang) if b is None else labels[b],
)

tabs = st.tabs(
    [
        t("reports.by_country"),
        t("reports.by_category"),
        t("reports.by_day"),
        t("reports.by_operator"),
        t("reports.log"),
    ]
)
for tab, by in zip(tabs[:4], ("country", "category", "day", "operator")):
    with tab:
        frame = reports.cost_report(ctx.con, by=by, batch_id=choice)
        st.dataframe(
            with_total(shown(frame, ctx.settings.time_zone), frame, by),
            hide_index=True,
            width="stretch",
            column_order=[by, *REPORT_ORDER],
            column_config={
                by: t(f"reports.by_{by}"),
                "messages": t("reports.col_messages"),
                "sent": t("send.sent"),
                "failed": t("send.failed"),
                "pending": t("send.queued"),
                "segments": t("send.segments"),
                "priced": t("reports.col_priced"),
                "currency": t("prices.col_currency"),
                **money_columns(frame),
            },
        )
        estimate_vs_actual_chart(frame, by)
        downloads.offer(
            frame, f"cost-by-{by}", key=f"export_{by}", zone=ctx.settings.time_zone, on_download=_exported
        )


def _send_log(batch_id: str | None) -> None:
    """Each message of one batch: state, Twilio status and error code; failures first."""
    if batch_id is None:
        st.caption(t("reports.log_pick"))
        return
    state = st.selectbox(
        t("reports.log_state"),
        [None, *reports.LOG_STATES],
        key="log_state",
        format_func=lambda s: (
            translate("reports.log_all", lang) if s is None else vocab.word("state", s, lang)
        ),
    )
    page, total = reports.send_log(ctx.con, batch_id, state=state, limit=LOG_ROWS)
    page = explained(page)
    log = shown(private(page), ctx.settings.time_zone)
    for col in ("error_code", "error_message"):  # a message without an error says so, not "None"
        if col in log:
            log[col] = [_no_error(v) for v in page[col]]
    left_out = page["state"] == "left out"  # the reason it was not sent to (a fixed line ...)
    log.loc[left_out, "error_message"] = [
        vocab.reason(str(v), lang) for v in page.loc[left_out, "error_message"]
    ]
    st.dataframe(
        log,
        hide_index=True,
        width="stretch",
        column_config={
            **vocab.column_labels(page, lang),
            "meaning": t("outcome.col_meaning"),
            "action": t("outcome.col_action"),
            "state": t("reports.col_state"),
            "twilio_status": t("reports.col_twilio_status"),
            "error_code": t("reports.col_error_code"),
            "error_message": t("reports.col_error"),
            **money_columns(page),
        },
    )
    st.caption(
        t("reports.log_shown", shown=formats.number(len(page), lang), total=formats.number(total, lang))
    )
    if not setup.can("export_phones"):  # no button at all: a viewer never receives the files
        st.caption(t("reports.export_phones_forbidden"))
        return
    everything, _ = reports.send_log(ctx.con, batch_id, state=state, limit=max(total, 1))
    downloads.offer(
        everything,
        f"send-log-{short_id(batch_id)}",
        key="export_log",
        zone=ctx.settings.time_zone,
        on_download=_exported,
    )


LOG_ROWS = 1000
with tabs[4]:
    _send_log(choice)
    if choice is not None:
        outcomes.show_reasons(ctx.con, choice)

inbox.show(ctx.con, ctx.config, sandbox=ctx.sandbox, zone=ctx.settings.time_zone)
