"""smscore's problems in the session's language and time zone (smscore.words.problem_words words them)."""

from __future__ import annotations

from smscore.problems import Problem
from smscore.words.problem_words import error, key, reason, say

__all__ = ["error", "key", "reason", "say", "told", "told_problem", "told_reason"]
from ui.words.i18n import current_language


def _zone() -> str:
    import streamlit as st  # noqa: PLC0415 - say/error/reason stay usable without a script run

    return st.session_state.get("time_zone", "UTC")


def told(exc: BaseException) -> str:
    """`error` in the session's language and time zone."""
    return error(exc, current_language(), _zone())


def told_problem(problem: Problem) -> str:
    """`say` in the session's language and time zone."""
    return say(problem, current_language(), _zone())


def told_reason(problem: Problem | None, text: str | None) -> str:
    """`reason` in the session's language and time zone."""
    return reason(problem, text, current_language(), _zone())
