"""The spending-limits section of Settings (admins): per batch, per day, approval threshold."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import streamlit as st

from smscore import approvals
from ui import auth, setup


def render(ctx: setup.Context) -> None:
    st.subheader("Spending limits")
    limits = approvals.load_limits(ctx.con)
    st.caption("Amounts in the account currency; empty means no limit. The per-day limit counts "
               "the maximum cost of every batch one person confirmed that day (UTC).")
    with st.form("limits_form", enter_to_submit=False):
        st.text_input("Currency", value=limits.currency, key="limit_currency")
        for name, label in (("per_batch", "Per batch"), ("per_day", "Per day, per operator"),
                            ("approval_over", "Approval needed above")):
            value = getattr(limits, name)
            st.text_input(label, value="" if value is None else str(value), key=f"limit_{name}")
        st.form_submit_button("Save limits", key="limits_save", on_click=_save)
    if problem := st.session_state.pop("limits_problem", None):
        st.error(problem, icon=":material/error:")


def _amount(name: str) -> Decimal | None:
    raw = str(st.session_state.get(f"limit_{name}") or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"a limit is an amount like 25.00; got {raw!r}") from None


def _save() -> None:
    who = auth.permit("settings")
    if who is None:
        return
    try:
        limits = approvals.Limits(_amount("per_batch"), _amount("per_day"),
                                  _amount("approval_over"),
                                  str(st.session_state.get("limit_currency") or "").strip().upper())
        approvals.save_limits(setup.cursor(), limits, who.actor)
    except ValueError as exc:
        st.session_state.limits_problem = str(exc)
