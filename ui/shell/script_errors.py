"""What a person sees when a page run fails: one sentence in their language, never a traceback.

Streamlit would draw the exception with its type, message and source lines: noise to an
operator, and a leak to anyone probing the console (which line failed tells which code path ran,
e.g. which of many guessed passwords was right). The server's log keeps the details, under a
short reference the sentence quotes so an admin can find them.
"""

from __future__ import annotations

import logging
import secrets

import streamlit as st

from smscore.store import writes
from ui.words.i18n import t

_log = logging.getLogger("smsconsole.errors")
CONTAINER = "script_error"


def on_script_error(exc: Exception) -> bool:
    """st.App's on_script_error: log with a reference, show one sentence, hide the traceback."""
    reference = secrets.token_hex(4)
    _log.error("page run failed (reference %s)", reference, exc_info=exc)
    key = (
        "error.busy"
        if writes.is_conflict(exc) or isinstance(exc, writes.WriteConflict)
        else ("error.unexpected")
    )
    try:
        with st.container(key=CONTAINER):  # tests look for it, as for Streamlit's stException
            st.error(t(key, reference=reference), icon=":material/error:")
    except Exception:  # noqa: BLE001 - drawing failed too: the log has it, show nothing more
        _log.exception("could not show the error sentence (reference %s)", reference)
    return True
