"""Send: recipients, compose with a live segment counter, cost per country, balance gate, confirm.

Confirm only freezes the batch in the ledger and starts its background sender (ui.sending.jobs); the
page then reads progress from the ledger. So a double click, a rerun, a page switch or a reload
cannot send twice: the batch id is derived from what is sent, and every row is claimed in the
ledger before its request. The steps are ui/ pieces: recipients, compose, quote_panel,
send_step (with confirm_dialog and the spending limits of ui/limits), and send_progress for the
batch being sent; once confirmed, the composer is emptied and the batch is ui/last_batch's note.
"""

from __future__ import annotations

import streamlit as st

from ui.sending import compose, quote_panel, recipients, send_progress, send_step
from ui.shell import setup
from ui.words.i18n import t

ctx = setup.page("nav.send")
st.title(t("send.title"))
recipients.restore()

job_running = send_progress.show_job(ctx)  # while a batch sends, the run stops there
send_progress.show_interrupted(ctx)
if notice := st.session_state.pop("send_notice", None):
    st.warning(notice, icon=":material/gavel:")

recipients.show(ctx)
body, body_ok = compose.show(ctx)
quote, batch = quote_panel.priced(ctx, body, recipients.selection(), body_ok)
recipients.keep()

if quote is not None:
    quote_panel.remember(ctx, quote)
    quote_panel.show(ctx, quote)
    send_step.show(ctx, quote, batch, body, job_running)
