"""Destructive actions on the Contacts page ask first, then say what happened (issue 11).

A removal is pending as (kind, value) in the session; its prompt shows the question with
Confirm and Cancel side by side, and, once done, one sentence in the tab that asked (the
kind says which), even when the list it emptied is no longer drawn.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.words.i18n import t

# Does the confirmed removal of `value`; returns the sentence saying what happened, or None
# when it was refused (the refusal is reported by ui.shell.auth).
Action = Callable[[str], "str | None"]


def ask(kind: str, value: str) -> None:
    st.session_state.pending_removal = (kind, value)


def pending_value() -> str:
    """What the pending removal names ("" when none)."""
    return (st.session_state.get("pending_removal") or ("", ""))[1]


def _cancel() -> None:
    st.session_state.pending_removal = None


def _confirm(action: Action) -> None:
    kind, value = st.session_state.pending_removal
    st.session_state.pending_removal = None
    done = action(value)
    if done is not None:
        st.session_state.removal_done = (kind, done)


def prompt(kind: str, question: str, action: Action, confirm: str | None = None) -> None:
    """Confirm and Cancel for a pending removal of this kind; then what was done. `confirm`
    words the Confirm button for a change that removes no contact (a rename, a merge)."""
    pending = st.session_state.get("pending_removal")
    if pending and pending[0] == kind:
        st.warning(question, icon=":material/warning:")
        with st.container(horizontal=True):
            st.button(
                confirm or t("contacts.confirm_remove"),
                type="primary",
                key=f"confirm_remove_{kind}",
                on_click=_confirm,
                args=(action,),
            )
            st.button(t("send.cancel"), key=f"cancel_remove_{kind}", on_click=_cancel)
    elif (done := st.session_state.get("removal_done")) and done[0] == kind:  # in its own tab
        st.session_state.removal_done = None
        st.success(done[1], icon=":material/check:")
