"""The spending-limits section of Settings (admins): per batch, per day, approval threshold.

Amounts are typed and shown with the language's decimal sign (`25,00` in pt-BR, `25.00` in
English); a Portuguese operator typing the comma they write everywhere must not be refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import streamlit as st

from smscore import approvals
from ui import auth, problem_words, setup
from ui.i18n import current_language, t

_FIELDS = (("per_batch", "limits.per_batch"), ("per_day", "limits.per_day"),
           ("approval_over", "limits.approval_over"))


def render(ctx: setup.Context) -> None:
    st.subheader(t("limits.title"))
    limits = approvals.load_limits(ctx.con)
    lang = current_language()
    st.caption(t("limits.caption"))
    with st.form("limits_form", enter_to_submit=False):
        st.text_input(t("limits.currency"), value=limits.currency, key="limit_currency")
        for name, label in _FIELDS:
            st.text_input(t(label), value=amount_text(getattr(limits, name), lang),
                          key=f"limit_{name}")
        st.form_submit_button(t("limits.save"), key="limits_save", on_click=_save)
    if problem := st.session_state.pop("limits_problem", None):
        st.error(problem, icon=":material/error:")


def amount_text(value: Decimal | None, lang: str) -> str:
    """A stored limit as the operator types it: every digit, the language's decimal sign."""
    if value is None:
        return ""
    return str(value).replace(".", ",") if lang == "pt-BR" else str(value)


def parse_amount(raw: str, lang: str) -> Decimal | None:
    """A typed limit: empty is no limit; pt-BR takes the decimal comma. Raise ValueError in
    the operator's language for anything else."""
    text = raw.strip()
    if not text:
        return None
    if lang == "pt-BR" and "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():  # `nan` and `inf` parse, but limit nothing
        raise ValueError(t("limits.bad_amount", raw=repr(raw.strip())))
    return value


def _save() -> None:
    who = auth.permit("settings")
    if who is None:
        return
    lang = current_language()
    try:
        amounts = [parse_amount(str(st.session_state.get(f"limit_{name}") or ""), lang)
                   for name, _ in _FIELDS]
        limits = approvals.Limits(*amounts,
                                  str(st.session_state.get("limit_currency") or "").strip().upper())
        approvals.save_limits(setup.cursor(), limits, who.actor)
    except ValueError as exc:
        st.session_state.limits_problem = problem_words.told(exc)
