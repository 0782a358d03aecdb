"""Settings: the account (ui.twilio.account_panel), the console's settings form, notices, limits, users."""

from __future__ import annotations

from zoneinfo import available_timezones

import phonenumbers
import streamlit as st

from smscore.access import audit
from smscore.money import CENT
from smscore.store.settings import FOLLOW_BROWSER, LANGUAGES, SENDER_TYPES, update_settings
from smscore.words import formats, numbers, vocab
from ui.access import limits, users
from ui.shell import setup
from ui.shell.untrusted import md
from ui.twilio import account_panel, notices_panel
from ui.words import i18n, problem_words
from ui.words.i18n import current_language, t

ctx = setup.page("nav.settings")
lang = current_language()
LANGUAGE_CHOICES = (FOLLOW_BROWSER, *LANGUAGES)  # "" first: a new workspace follows the browser
TYPED_KEYS = ("set_threshold", "set_reserve", "set_rate", "set_concurrency", "set_retention")
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
st.title(t("settings.title"))
s = ctx.settings

account_panel.render_mode(ctx)

st.subheader(t("settings.console_title"))
regions = sorted(phonenumbers.SUPPORTED_REGIONS)
currency = ctx.balance.currency if ctx.balance is not None else "USD"
setup.numbers_follow_language(*TYPED_KEYS, "sandbox_amount")
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
    # Typed as text and read on submit (smscore.words.numbers): a number input drops the decimal comma.
    threshold = st.text_input(
        f"{t('settings.threshold')} ({currency})",
        key="set_threshold",
        value=numbers.amount_text(s.low_balance_threshold, lang),
    )
    reserve = st.text_input(
        f"{t('settings.reserve')} ({currency})",
        key="set_reserve",
        value=numbers.amount_text(s.balance_reserve, lang),
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
    rate = st.text_input(
        t("settings.send_rate"),
        key="set_rate",
        value=numbers.quantity_text(s.send_rate, lang),
        help=t("settings.send_rate_help"),
    )
    concurrency = st.text_input(
        t("settings.concurrency"), key="set_concurrency", value=numbers.whole_text(s.concurrency, lang)
    )
    smart = st.checkbox(
        t("settings.smart_encoding"), value=s.smart_encoding, help=t("settings.smart_encoding_help")
    )
    retention = st.text_input(
        t("lgpd.retention_days"),
        key="set_retention",
        value=numbers.whole_text(s.retention_days, lang),
        help=t("lgpd.retention_help"),
    )
    # Fixed lines are left out of batches, except in the countries whose carriers read a text
    # aloud to a landline (smscore.numbertypes).
    fixed_in = st.multiselect(
        t("fixed.setting"),
        regions,
        default=[c for c in s.fixed_lines_in if c in regions],
        key="set_fixed_lines",
        format_func=lambda i: f"{formats.country_name(i, lang)} ({i})",
        help=t("fixed.setting_help"),
    )
    follow_browser = t("settings.language_browser")  # worded now, not when the widget formats
    language = st.selectbox(
        t("settings.language"),
        LANGUAGE_CHOICES,
        index=LANGUAGE_CHOICES.index(s.language) if s.language in LANGUAGE_CHOICES else 0,
        format_func=lambda v: i18n.LANGUAGE_NAMES.get(v) or follow_browser,
        key="set_language",
    )
    saved = st.form_submit_button(t("settings.save"), type="primary", key="save_settings")
if saved:
    try:
        typed = {
            "low_balance_threshold": numbers.parse_amount(threshold, lang, t("settings.threshold")),
            "balance_reserve": numbers.parse_amount(reserve, lang, t("settings.reserve")),
            "send_rate": numbers.parse_amount(rate, lang, t("settings.send_rate")),
            "concurrency": numbers.parse_whole(concurrency, lang, t("settings.concurrency")),
            "retention_days": numbers.parse_whole(retention, lang, t("lgpd.retention_days")),
        }
        update_settings(
            ctx.con,
            sender=sender.strip(),
            sender_type=sender_type,
            low_balance_threshold=typed["low_balance_threshold"].quantize(CENT),
            balance_reserve=typed["balance_reserve"].quantize(CENT),
            default_country=country,
            send_rate=typed["send_rate"],
            concurrency=typed["concurrency"],
            smart_encoding=smart,
            language=language,
            time_zone=zone,
            retention_days=typed["retention_days"],
            fixed_line_countries=",".join(fixed_in),
        )
    except numbers.Unreadable as exc:  # one sentence; the form keeps what was typed
        st.error(t("settings.invalid", problem=exc.sentence(md)))
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
                "threshold": str(typed["low_balance_threshold"].quantize(CENT)),
                "reserve": str(typed["balance_reserve"].quantize(CENT)),
                "rate": str(typed["send_rate"]),
                "concurrency": typed["concurrency"],
                "language": language,
                "retention_days": typed["retention_days"],
                "fixed_line_countries": ",".join(fixed_in),
            },
        )
        for key in TYPED_KEYS:  # shown again as stored, the language's way (2,5 -> 2,50)
            st.session_state.pop(key, None)
        if language != s.language:  # the workspace's new language shows at once, to its chooser too
            setup.follow_workspace_language()
        st.toast(t("settings.saved"), icon=":material/check:")
        st.rerun()

account_panel.render_sandbox(ctx, currency)
notices_panel.render_settings(ctx)
limits.render(ctx)
users.render(ctx)
