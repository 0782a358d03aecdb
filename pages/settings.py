"""Settings: mode and credential status, sender, threshold, country, rate, language."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import available_timezones

import phonenumbers
import streamlit as st

from smscore.access import audit
from smscore.store.settings import FOLLOW_BROWSER, LANGUAGES, SENDER_TYPES, update_settings
from smscore.twilio.credentials import Credentials
from ui.access import limits, users
from ui.shell import setup
from ui.shell.untrusted import md
from ui.words import formats, i18n, problem_words, vocab
from ui.words.i18n import current_language, t

ctx = setup.page("nav.settings")
lang = current_language()
LANGUAGE_CHOICES = (FOLLOW_BROWSER, *LANGUAGES)  # "" first: a new workspace follows the browser
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
st.title(t("settings.title"))
s = ctx.settings

st.subheader(t("settings.mode_title"))
try:
    creds = Credentials.from_mapping(ctx.config)
    creds_error = None
except ValueError as exc:
    creds, creds_error = None, str(exc)
if creds_error:
    st.error(t("settings.creds_invalid", problem=md(creds_error)))
elif creds is None:
    st.info(t("settings.sandbox_mode"), icon=":material/science:")
else:
    described = creds.describe()
    st.success(t("settings.live_mode"), icon=":material/bolt:")
    st.markdown(
        t(
            "settings.creds_status",
            last4=md(described["account_sid_last4"]),
            auth=md(described["auth"]),
            sender=md(described["sender"] or "—"),
        )
    )
st.caption(t("settings.creds_help"))
st.caption(t("settings.db_path", path=md(ctx.db_path)))

st.subheader(t("settings.console_title"))
regions = sorted(phonenumbers.SUPPORTED_REGIONS)
currency = ctx.balance.currency if ctx.balance is not None else "USD"
with st.form("settings_form", enter_to_submit=False):
    sender = st.text_input(
        t("settings.sender"), key="set_sender", value=s.sender, help=t("settings.sender_help")
    )
    sender_type = st.selectbox(
        t("settings.sender_type"),
        SENDER_TYPES,
        index=SENDER_TYPES.index(s.sender_type),
        format_func=lambda v: vocab.word("sender_type", v, lang),
    )
    threshold = st.number_input(
        f"{t('settings.threshold')} ({currency})",
        key="set_threshold",
        min_value=0.0,
        step=1.0,
        value=float(s.low_balance_threshold),
        format="%.2f",
    )
    reserve = st.number_input(
        f"{t('settings.reserve')} ({currency})",
        min_value=0.0,
        step=1.0,
        value=float(s.balance_reserve),
        format="%.2f",
        help=t("settings.reserve_help"),
    )
    country = st.selectbox(
        t("settings.default_country"),
        regions,
        index=regions.index(s.default_country) if s.default_country in regions else 0,
        format_func=lambda i: f"{formats.country_name(i, lang)} ({i})",
    )
    zone = st.selectbox(
        t("settings.time_zone"),
        ZONES,
        key="set_time_zone",
        index=ZONES.index(s.time_zone) if s.time_zone in ZONES else 0,
        help=t("settings.time_zone_help"),
    )
    rate = st.number_input(
        t("settings.send_rate"),
        min_value=0.1,
        step=1.0,
        value=float(s.send_rate),
        help=t("settings.send_rate_help"),
    )
    concurrency = st.number_input(
        t("settings.concurrency"), min_value=1, max_value=64, step=1, value=int(s.concurrency)
    )
    smart = st.checkbox(
        t("settings.smart_encoding"), value=s.smart_encoding, help=t("settings.smart_encoding_help")
    )
    language = st.selectbox(
        t("settings.language"),
        LANGUAGE_CHOICES,
        index=LANGUAGE_CHOICES.index(s.language) if s.language in LANGUAGE_CHOICES else 0,
        format_func=lambda v: i18n.LANGUAGE_NAMES.get(v) or t("settings.language_browser"),
        key="set_language",
    )
    saved = st.form_submit_button(t("settings.save"), type="primary", key="save_settings")
if saved:
    try:
        update_settings(
            ctx.con,
            sender=sender.strip(),
            sender_type=sender_type,
            low_balance_threshold=Decimal(str(threshold)).quantize(Decimal("0.01")),
            balance_reserve=Decimal(str(reserve)).quantize(Decimal("0.01")),
            default_country=country,
            send_rate=Decimal(str(rate)),
            concurrency=int(concurrency),
            smart_encoding=smart,
            language=language,
            time_zone=zone,
        )
    except ValueError as exc:
        st.error(t("settings.invalid", problem=md(problem_words.told(exc))))
    else:
        audit.record(
            ctx.con,
            ctx.principal.actor,
            "settings.change",
            "settings",
            {
                "sender": sender.strip(),
                "threshold": threshold,
                "reserve": reserve,
                "rate": rate,
                "concurrency": int(concurrency),
                "language": language,
            },
        )
        if language != s.language:  # the workspace's new language shows at once, to its chooser too
            st.session_state.pop("lang_override", None)
        st.toast(t("settings.saved"), icon=":material/check:")
        st.rerun()

if ctx.sandbox and ctx.gateway is not None and hasattr(ctx.gateway, "top_up"):
    st.subheader(t("settings.sandbox_title"))
    st.caption(t("settings.sandbox_help"))
    amount = st.number_input(
        t("settings.sandbox_amount", currency=currency),
        min_value=0.0,
        value=20.0,
        step=10.0,
        format="%.2f",
        key="sandbox_amount",
    )
    top, set_ = st.columns(2)
    if top.button(t("settings.sandbox_topup"), key="sandbox_topup"):
        ctx.gateway.top_up(Decimal(str(amount)).quantize(Decimal("0.01")))
        audit.record(ctx.con, ctx.principal.actor, "sandbox.top-up", None, {"amount": amount})
        st.rerun()
    if set_.button(t("settings.sandbox_set"), key="sandbox_set"):
        ctx.gateway.set_balance(Decimal(str(amount)).quantize(Decimal("0.01")))
        audit.record(ctx.con, ctx.principal.actor, "sandbox.set-balance", None, {"amount": amount})
        st.rerun()
    if ctx.balance is not None:
        st.caption(t("settings.sandbox_now", balance=formats.balance(ctx.balance, lang)))

limits.render(ctx)
users.render(ctx)
