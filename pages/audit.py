"""Audit (admin): who did what and when, filtered, and as spreadsheet-safe CSV and workbook.

Actions are shown in the operator's language, in the page and in the files (smscore.words.files),
with the times on the operator's clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from smscore.access import audit
from smscore.clock import naive_utc
from smscore.words import access_words, formats, vocab
from ui.shell import auth, downloads, setup
from ui.words.i18n import current_language, t, tn

LIMIT = 5000

ctx = setup.page("nav.audit")  # admins only: setup.page refuses every other role
lang = current_language()
st.title(t("audit.title"))
st.caption(t("audit.caption"))

left, middle, right = st.columns(3)
actor = left.selectbox(
    t("audit.who"),
    [None, *audit.actors(ctx.con)],
    key="audit_actor",
    format_func=lambda v: t("audit.everyone") if v is None else v,
)
action = middle.selectbox(
    t("audit.action"),
    [None, *audit.actions(ctx.con)],
    key="audit_action",
    format_func=lambda v: t("audit.every_action") if v is None else access_words.action(v, lang),
)
days = right.date_input(
    t("audit.between"), value=(), key="audit_days", format=formats.date_input_format(lang)
)
since = until = None
zone = ZoneInfo(ctx.settings.time_zone)  # the days picked are the operator's, the trail keeps UTC
if isinstance(days, tuple) and len(days) == 2:
    since = naive_utc(datetime.combine(days[0], time.min, tzinfo=zone))
    until = naive_utc(datetime.combine(days[1] + timedelta(days=1), time.min, tzinfo=zone))

frame = audit.trail(ctx.con, actor=actor, action=action, since=since, until=until, limit=LIMIT)
shown = frame.copy()
shown["action"] = [access_words.action(v, lang) for v in frame["action"]]
# when, as every other page writes it: the operator's zone and the language's format
shown["at"] = [formats.when(v, lang, ctx.settings.time_zone) for v in frame["at"]]
labels = vocab.column_labels(frame, lang)
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        c: st.column_config.TextColumn(labels.get(c, c))
        for c in ("actor", "via", "action", "target", "detail")
    }
    | {
        c: labels[c]
        for c in frame.columns
        if c in labels and c not in ("actor", "via", "action", "target", "detail")
    },
)
st.caption(tn("audit.rows_n", len(frame), limit=formats.number(LIMIT, lang)))


def _exported(name: str, rows: int) -> None:
    if auth.permit("audit"):
        audit.record(setup.cursor(), ctx.principal.actor, "export", name, {"rows": rows})


downloads.offer(frame, "audit", key="export_audit", zone=ctx.settings.time_zone, on_download=_exported)
