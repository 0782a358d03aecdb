"""Low-balance notices on the page: the Settings section where an admin sets channels,
recipients, the check interval, the reminder and the spend limits; and Home's line on when the
balance was last checked and the last notice with its channels.

Addresses, numbers and errors came from people or servers, so they are shown through md(); the
webhook URL (a Slack or Teams URL is its own secret) is typed in a password field and shown by
its host only. The SMTP password never reaches a page: only the server, port and security are
said.
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from smscore.access.audit import Actor
from smscore.money import Money
from smscore.notices import channels, spend, state
from smscore.notices.mail import SmtpConfig
from smscore.notices.message import Facts, notice_language, word
from smscore.notices.options import (
    WEBHOOK_SECRET_ENV,
    email_recipients,
    load_options,
    shown_url,
    update_options,
)
from smscore.notices.watch import topup_url
from smscore.twilio import usage
from smscore.twilio.connect import open_gateway
from smscore.twilio.gateway import GatewayError
from smscore.twilio.usage import UsageConfigError
from smscore.words import formats, numbers
from ui.shell import auth, setup
from ui.shell import watch as balance_watch
from ui.shell.connection import config, smtp_secrets
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t, tn

_TYPED = ("notice_check_minutes", "notice_reminder_hours", "notice_daily_limit", "notice_monthly_limit")


def _smtp(ctx: setup.Context) -> tuple[SmtpConfig | None, str | None]:
    try:
        return SmtpConfig.from_sources(ctx.config, smtp_secrets()), None
    except ValueError as exc:
        return None, str(exc)


def render_settings(ctx: setup.Context) -> None:
    """The admin's section of Settings (the page itself is admin-only; saving checks again)."""
    lang = current_language()
    st.subheader(t("notices.title"))
    st.caption(t("notices.caption"))
    options = load_options(ctx.con)
    smtp, smtp_problem = _smtp(ctx)
    if smtp_problem:
        st.error(t("notices.smtp_invalid", problem=md(smtp_problem)), icon=":material/error:")
    elif smtp is None:
        st.info(t("notices.smtp_missing"), icon=":material/mail:")
    else:
        st.caption(t("notices.smtp_ready", server=md(smtp.describe()), sender=md(smtp.sender)))
    recipients = email_recipients(ctx.con, options, ctx.config)
    currency = ctx.balance.currency if ctx.balance is not None else "USD"
    setup.numbers_follow_language(*_TYPED)
    with st.form("notices_form", enter_to_submit=False):
        st.checkbox(t("notices.email"), value=options.email, key="notice_email")
        st.caption(t("notices.email_to", to=md(", ".join(recipients) or "—")))
        st.text_input(
            t("notices.emails"), value=options.emails, key="notice_emails", help=t("notices.emails_help")
        )
        st.checkbox(t("notices.sms"), value=options.sms, key="notice_sms")
        st.text_input(
            t("notices.sms_numbers"),
            value=options.sms_numbers,
            key="notice_sms_numbers",
            help=t("notices.sms_help"),
        )
        st.checkbox(t("notices.webhook"), value=options.webhook, key="notice_webhook")
        st.text_input(
            t("notices.webhook_url"),
            value=options.webhook_url,
            key="notice_webhook_url",
            type="password",
            help=t("notices.webhook_help"),
        )
        left, right = st.columns(2)
        left.text_input(
            t("notices.check_minutes"), value=numbers.whole_text(options.check_minutes, lang), key=_TYPED[0]
        )
        right.text_input(
            t("notices.reminder_hours"),
            value=numbers.whole_text(options.reminder_hours, lang),
            key=_TYPED[1],
            help=t("notices.reminder_help"),
        )
        st.markdown(t("notices.spend_title"))
        st.caption(t("notices.spend_help"))
        left, right = st.columns(2)
        left.text_input(
            f"{t('notices.daily_limit')} ({currency})",
            value=_limit_text(options.daily_limit, lang),
            key=_TYPED[2],
        )
        right.text_input(
            f"{t('notices.monthly_limit')} ({currency})",
            value=_limit_text(options.monthly_limit, lang),
            key=_TYPED[3],
        )
        st.form_submit_button(t("notices.save"), key="notices_save", on_click=_save)
    if problem := st.session_state.pop("notices_problem", None):
        st.error(problem, icon=":material/error:")
    elif st.session_state.pop("notices_saved", False):
        st.success(t("notices.saved"), icon=":material/check:")
    if options.webhook and options.webhook_url:
        signed = bool(ctx.config.get(WEBHOOK_SECRET_ENV))
        key = "notices.webhook_signed" if signed else "notices.webhook_unsigned"
        st.caption(t(key, host=md(shown_url(options.webhook_url))))
    _triggers(ctx, lang)
    _sms_costs(ctx, options.sms_list(), lang)


def _triggers(ctx: setup.Context, lang: str) -> None:
    """The spend alerts as they stand at Twilio (or in the sandbox)."""
    for trigger in usage.stored(ctx.con):
        key = "notices.trigger_sandbox" if trigger.mode == "sandbox" else "notices.trigger_live"
        st.caption(
            t(
                key,
                period=t(f"notices.period_{trigger.recurring}"),
                value=formats.exact(trigger.value, lang),
                sid=md("…" + trigger.sid[-6:]),
                url=md(trigger.callback_url or ""),
            )
        )


def _limit_text(value: Decimal, lang: str) -> str:
    return "" if not value else numbers.amount_text(value, lang)


def _sms_costs(ctx: setup.Context, numbers_: list[str], lang: str) -> None:
    """What each notice SMS costs: the notice as it would go out now, priced per number."""
    if not numbers_:
        return
    settings = ctx.settings
    balance = ctx.balance or Money(settings.low_balance_threshold, "USD")
    facts = Facts(
        "low",
        balance,
        settings.low_balance_threshold,
        None,
        topup_url(ctx.config),
        ctx.mode,
        settings.time_zone,
    )
    text = word(facts, notice_language(settings.language, settings.default_country)).sms
    for cost in channels.sms_cost(ctx.con, numbers_, text, settings.sender_type):
        if cost.cost is None:
            st.caption(t("notices.sms_cost_unknown", number=md(cost.number)))
        else:
            st.caption(
                t(
                    "notices.sms_cost",
                    number=md(cost.number),
                    country=md(formats.country_name(cost.country, lang)),
                    segments=tn("common.segments_n", cost.segments),
                    cost=formats.cost(cost.cost, lang),
                )
            )


def _save() -> None:
    who = auth.permit("settings")
    if who is None:
        return
    lang = current_language()
    get = st.session_state.get
    try:
        changes = {
            "email": bool(get("notice_email")),
            "emails": str(get("notice_emails") or "").strip(),
            "sms": bool(get("notice_sms")),
            "sms_numbers": str(get("notice_sms_numbers") or "").strip(),
            "webhook": bool(get("notice_webhook")),
            "webhook_url": str(get("notice_webhook_url") or "").strip(),
            "check_minutes": numbers.parse_whole(str(get(_TYPED[0]) or ""), lang, t("notices.check_minutes")),
            "reminder_hours": numbers.parse_whole(
                str(get(_TYPED[1]) or "0"), lang, t("notices.reminder_hours")
            ),
            "daily_limit": _parse_limit(str(get(_TYPED[2]) or ""), lang, t("notices.daily_limit")),
            "monthly_limit": _parse_limit(str(get(_TYPED[3]) or ""), lang, t("notices.monthly_limit")),
        }
        update_options(setup.cursor(), who.actor, **changes)
    except numbers.Unreadable as exc:
        st.session_state.notices_problem = exc.sentence(md)
    except ValueError as exc:
        st.session_state.notices_problem = md(problem_words.told(exc))
    else:
        for key in _TYPED:
            st.session_state.pop(key, None)
        st.session_state.notices_saved = True
        _sync_triggers(who.actor)
        balance_watch.poke()  # the new interval and channels apply now, not after the old wait


def _sync_triggers(actor: Actor) -> None:
    """Twilio's Usage Triggers (or the sandbox's) made to match the limits just saved."""
    cfg = config()
    try:
        spend.sync(setup.root(cfg), open_gateway(setup.root(cfg), cfg), cfg, actor)
    except (UsageConfigError, GatewayError, ValueError) as exc:
        st.session_state.notices_saved = False
        st.session_state.notices_problem = t("notices.triggers_failed", problem=md(problem_words.told(exc)))


def _parse_limit(raw: str, lang: str, field: str) -> Decimal:
    return (
        Decimal("0") if not raw.strip() else numbers.parse_amount(raw, lang, field).quantize(Decimal("0.01"))
    )


def render_home(ctx: setup.Context) -> None:
    """When the balance was last checked (and by whom), the last notice and its channels."""
    lang, zone = current_language(), ctx.settings.time_zone
    seen = state.read_watch(ctx.con)
    if seen.checked_at is None:
        st.caption(t("notices.home_never"))
    else:
        by = t("notices.by_console") if seen.checked_by == "console" else t("notices.by_cli")
        st.caption(t("notices.home_checked", at=formats.when(seen.checked_at, lang, zone), by=by))
    if seen.problem:
        st.warning(t("notices.home_problem", problem=md(seen.problem)), icon=":material/sync_problem:")
    found = state.last_notice(ctx.con)
    if found is None:
        return
    notice, deliveries = found
    kind = t(f"notices.kind_{notice['kind']}")
    st.caption(t("notices.home_last", kind=kind, at=formats.when(notice["created_at"], lang, zone)))  # type: ignore[arg-type]
    if not deliveries:
        st.caption(t("notices.home_no_channel"))
    for d in deliveries:
        target = shown_url(str(d["target"])) if d["channel"] == channels.WEBHOOK else str(d["target"])
        channel = t(f"notices.channel_{d['channel']}")
        if d["state"] == state.SENT:
            st.caption(t("notices.home_sent", channel=channel, to=md(target)))
        elif d["state"] == state.FAILED:
            st.warning(
                t("notices.home_failed", channel=channel, to=md(target), error=md(d["error"] or "")),
                icon=":material/error:",
            )
        else:
            st.caption(t("notices.home_pending", channel=channel, to=md(target)))
