"""The Send page's second step: the message box with placeholders and a live segment counter.

A body Twilio would fail on only at send time (NUL, half an emoji) is refused here; UCS-2
characters are named, with the GSM-7 replacements that would save segments.
"""

from __future__ import annotations

import streamlit as st

from smscore.cost import quote as quote_mod
from smscore.cost.limits import over_limit
from smscore.cost.segments import UCS2, BodyError, check_body, count_segments, gsm_suggestion
from smscore.words import formats
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t, tn


def _insert(field_name: str) -> None:
    st.session_state.body = f"{st.session_state.body}{{{field_name}}}"


def _replace_chars(text: str) -> None:
    st.session_state.body = text


def show(ctx: Context) -> tuple[str, bool]:
    """Step 2; returns (the body, whether it can be sent as typed)."""
    st.subheader(t("send.step_compose"))
    fields = quote_mod.placeholders(ctx.con)
    left, right = st.columns([3, 1])
    with right:
        chosen = st.selectbox(t("send.placeholder"), fields, key="placeholder_choice")
        st.button(t("send.insert"), key="insert_placeholder", on_click=_insert, args=(chosen,))
    with left:
        st.text_area(t("send.body"), key="body", height=140, placeholder=t("send.body_placeholder"))
    body = st.session_state.body
    try:
        check_body(body)
        body_ok = True
    except BodyError as exc:  # refused here, not as a codec error once the batch sends
        st.error(t("send.body_invalid", problem=md(problem_words.told(exc))), icon=":material/block:")
        body_ok = False
    _counter(ctx, body)
    return body, body_ok


def _counter(ctx: Context, body: str) -> None:
    lang = current_language()
    counted = count_segments(body, smart_encoding=ctx.settings.smart_encoding)
    # A row that wraps instead of columns that stack: on a phone the four figures take two
    # lines, not four screens' worth of one-metric rows.
    m = [st.container(horizontal=True, gap="medium")] * 4
    m[0].metric(t("send.encoding"), counted.encoding)
    # An empty box is no message at all: 0 segments, not the 1 an empty SMS would take.
    m[1].metric(t("send.segments"), formats.number(counted.segments if body else 0, lang))
    m[2].metric(t("send.characters"), formats.number(counted.characters, lang))
    m[3].metric(t("send.remaining"), formats.number(counted.remaining, lang))
    if over_limit(body):
        st.error(t("send.body_over", count=formats.number(len(body), lang)), icon=":material/block:")
    if body and counted.encoding == UCS2:
        st.warning(
            t("send.ucs2", chars=md("  ".join(counted.ucs2_chars)), per=counted.per_segment),
            icon=":material/translate:",
        )
        _suggest(body, lang)
    st.caption(t("send.counter_note"))


def _suggest(body: str, lang: str) -> None:
    """The GSM-7 look-alikes for the UCS-2 characters, and what replacing them saves."""
    suggestion = gsm_suggestion(body)
    if suggestion.replacements:
        pairs = ", ".join(f"{md(k)}→{md(v)}" for k, v in suggestion.replacements.items())
        saves = suggestion.after.segments < suggestion.before.segments
        st.info(
            t(
                "send.replace_saves" if saves else "send.replace_room",
                pairs=pairs,
                before=formats.number(suggestion.before.segments, lang),
                after=tn("common.segments_n", suggestion.after.segments),
                encoding=suggestion.after.encoding,
                room=formats.number(suggestion.after.remaining, lang),
            )
        )
        st.button(t("send.replace"), key="apply_gsm", on_click=_replace_chars, args=(suggestion.text,))
    if suggestion.unreplaceable:
        st.caption(t("send.unreplaceable", chars=md(" ".join(suggestion.unreplaceable))))
