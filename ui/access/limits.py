"""Spending limits on the page: the Settings section where admins set them (per batch, per day,
approval threshold), and what they make of a batch in step 4 of Send, before the click.

Amounts are typed and shown the language's way (`1.234,50` in pt-BR, `1,234.50` in English),
read by the one parser every typed number goes through (smscore.words.numbers).
"""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from smscore.access import approvals
from smscore.cost.quote import Quote
from smscore.money import Money
from smscore.words import formats, numbers
from ui.shell import auth, setup
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t

_FIELDS = (
    ("per_batch", "limits.per_batch"),
    ("per_day", "limits.per_day"),
    ("approval_over", "limits.approval_over"),
)


def render(ctx: setup.Context) -> None:
    st.subheader(t("limits.title"))
    limits = approvals.load_limits(ctx.con)
    lang = current_language()
    st.caption(t("limits.caption"))
    setup.numbers_follow_language(*(f"limit_{name}" for name, _ in _FIELDS))
    with st.form("limits_form", enter_to_submit=False):
        st.text_input(t("limits.currency"), value=limits.currency, key="limit_currency")
        for name, label in _FIELDS:
            st.text_input(t(label), value=amount_text(getattr(limits, name), lang), key=f"limit_{name}")
        st.form_submit_button(t("limits.save"), key="limits_save", on_click=_save)
    if problem := st.session_state.pop("limits_problem", None):
        st.error(problem, icon=":material/error:")
    elif st.session_state.pop("limits_saved", False):
        st.success(t("limits.saved"), icon=":material/check:")


def amount_text(value: Decimal | None, lang: str) -> str:
    """A stored limit as the operator types it: empty for none, else the language's way."""
    return "" if value is None else numbers.amount_text(value, lang)


def parse_amount(raw: str, lang: str, field: str) -> Decimal | None:
    """A typed limit: empty is no limit; anything else goes through the one parser
    (smscore.words.numbers), which raises Unreadable in the operator's language."""
    if not raw.strip():
        return None
    return numbers.parse_amount(raw, lang, field)


def parse_currency(raw: str) -> str:
    """A typed currency: three letters (ISO 4217); raise ValueError in the operator's language."""
    code = raw.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValueError(t("limits.bad_currency", raw=repr(raw.strip())))
    return code


def _save() -> None:
    who = auth.permit("settings")
    if who is None:
        return
    lang = current_language()
    try:
        amounts = [
            parse_amount(str(st.session_state.get(f"limit_{name}") or ""), lang, t(label))
            for name, label in _FIELDS
        ]
        limits = approvals.Limits(*amounts, parse_currency(str(st.session_state.get("limit_currency") or "")))
        approvals.save_limits(setup.cursor(), limits, who.actor)
    except numbers.Unreadable as exc:
        st.session_state.limits_problem = exc.sentence(md)  # it quotes what was typed
    except ValueError as exc:
        st.session_state.limits_problem = problem_words.told(exc)
    else:
        st.session_state.limits_saved = True


def for_batch(ctx: setup.Context, q: Quote) -> approvals.Verdict:
    """Step 4's word on the limits for the signed-in person: those that apply, what they
    confirmed today and what this batch adds; then whether a limit refuses it (the caller
    disables Send) or it will wait for approval, said for the person's role."""
    lang = current_language()
    who = ctx.principal
    found = approvals.verdict(ctx.con, who.actor.name, Money(q.total_max, q.currency))
    if not found.any_limit:
        st.caption(t("send.limits_none"))
        return found
    if lines := _lines(found, lang):
        st.markdown("\n".join(f"- {line}" for line in lines))
    if found.refusal is not None:
        st.error(
            t("send.limit_refused", reason=md(problem_words.told_problem(found.refusal))),
            icon=":material/block:",
        )
    elif found.needs_approval:
        st.warning(approval_note(found, who.role, lang), icon=":material/gavel:")
    return found


def _lines(found: approvals.Verdict, lang: str) -> list[str]:
    """The limits that apply, each with what this batch makes of it (limits as set, costs to
    the cent rounded up)."""
    limits, cur, maximum = found.limits, found.limits.currency, found.maximum
    lines = []
    if limits.per_batch is not None:
        lines.append(
            t(
                "send.limit_per_batch",
                limit=formats.exact(limits.per_batch, lang, cur),
                maximum=formats.cost(maximum, lang),
            )
        )
    if limits.per_day is not None and maximum.currency == cur:
        lines.append(
            t(
                "send.limit_per_day",
                limit=formats.exact(limits.per_day, lang, cur),
                spent=formats.cost(found.spent_today, lang, cur),
                total=formats.cost(found.with_batch, lang, cur),
            )
        )
    if limits.approval_over is not None and not found.needs_approval:
        lines.append(t("send.limit_approval_ok", threshold=formats.exact(limits.approval_over, lang, cur)))
    return lines


def approval_note(found: approvals.Verdict, role: str, lang: str) -> str:
    """'Needs approval', naming who must approve in words that fit `role`: an admin cannot
    approve their own batch, so they are told another admin must; an operator, that an admin
    must."""
    approver = t("send.approver_admin" if role == "admin" else "send.approver_operator")
    limits = found.limits
    if found.maximum.currency != limits.currency:
        return t(
            "send.needs_approval_currency",
            limits=limits.currency,
            batch=found.maximum.currency,
            approver=approver,
        )
    return t(
        "send.needs_approval",
        maximum=formats.cost(found.maximum, lang),
        threshold=formats.exact(limits.approval_over, lang, limits.currency),
        approver=approver,
    )
