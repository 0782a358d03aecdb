"""The Send page's batch view: the batch this session sends (progress polled from the ledger),
then the last batch's note once it has finished (ui.sending.last_batch), and batches left interrupted,
each with Resume (checked against the role at the action)."""

from __future__ import annotations

import streamlit as st

from smscore import reports
from smscore.access import approvals, audit
from smscore.batchid import short_id
from smscore.sending import ledger
from smscore.words import formats, vocab
from ui.sending import batchnotes, jobs, last_batch
from ui.sending.quote_panel import suffix
from ui.shell import auth, setup
from ui.shell.setup import Context
from ui.shell.untrusted import md
from ui.words import problem_words
from ui.words.i18n import current_language, t


def _adopt_running_batch() -> None:
    """After a reload (a new session) pick up a batch this server is still sending."""
    if st.session_state.job is None:
        running = jobs.running_batches()
        if running:
            st.session_state.job = {"batch_id": running[0], "state": "running"}


def options(ctx: Context) -> jobs.SendOptions:
    """How the background sender runs, from the settings."""
    s = ctx.settings
    return jobs.SendOptions(concurrency=s.concurrency, rate=float(s.send_rate), reserve=s.balance_reserve)


def _progress(ctx: Context) -> None:
    """Counts and cost from the ledger; polled every second while the batch sends."""
    lang = current_language()
    job = st.session_state.job
    if not job:
        return
    p = ledger.batch_progress(setup.cursor(), job["batch_id"])
    finished = p.accounted - p.queued - p.claimed
    st.progress(
        finished / p.total if p.total else 1.0,
        text=t("send.progress", done=formats.number(finished, lang), total=formats.number(p.total, lang)),
    )
    c = st.columns(5)
    c[0].metric(t("send.sent"), p.sent)
    c[1].metric(t("send.failed"), p.failed)
    c[2].metric(t("send.unknown"), p.unknown)
    c[3].metric(t("send.queued"), p.queued + p.claimed)
    c[4].metric(
        t("send.cost_so_far") + suffix(ctx),
        formats.cost(p.cost_so_far, lang),
        help=t("send.cost_so_far_help", estimate=formats.cost(p.estimate_max, lang))
        + " "
        + t("common.exact", amount=formats.exact(p.cost_so_far, lang)),
    )
    batch_id = job["batch_id"]
    if p.status == ledger.DAMAGED:
        info = ledger.batch_info(setup.cursor(), batch_id)
        batchnotes.show_damaged(batch_id, p.total, info["recipients"], info["created_at"])
        return
    wait = ledger.unknown_wait(setup.cursor(), batch_id)
    if jobs.is_running(batch_id):
        st.caption(t("send.sending_note"))
        batchnotes.show_unknown(wait, running=True)  # the job looks them up when due
        return
    failed = jobs.error(batch_id)
    if failed is not None:
        st.error(t("send.batch_error", problem=md(problem_words.told(failed))))
    if p.done and p.status not in (ledger.SENDING, ledger.FROZEN):
        if job["state"] != "done":
            job["state"] = "done"
            setup.forget_account()
            st.rerun(scope="app")  # the last batch's note, and the balance in the sidebar
        if p.status == ledger.NEEDS_RECONCILE:
            batchnotes.show_unknown(wait, running=False)
            if wait.pending:
                st.button(t("send.resume"), key="resume_job", on_click=resume, args=(ctx, batch_id))
        else:
            st.warning(
                t(
                    "send.status",
                    status=md(vocab.word("status", p.status, lang)),
                    reason=md(problem_words.told_reason(p.problem, p.reason)),
                )
            )
    else:
        st.warning(
            t(
                "send.interrupted",
                status=md(vocab.word("status", p.status, lang)),
                reason=md(problem_words.told_reason(p.problem, p.reason)),
            )
        )
        batchnotes.show_unknown(wait, running=False)
        st.button(t("send.resume"), key="resume_job", on_click=resume, args=(ctx, batch_id))


def resume(ctx: Context, batch_id: str) -> None:
    """Send what a batch has left, in the background."""
    if not auth.permit("resume"):
        return
    audit.record(setup.cursor(), ctx.principal.actor, "batch.resume", batch_id)
    st.session_state.job = {"batch_id": batch_id, "state": "running"}
    jobs.start(setup.root(ctx.config), ctx.config, batch_id, options(ctx))


def show_job(ctx: Context) -> bool:
    """This session's batch while it sends: its progress is the whole page (the run stops here).
    Then the last batch's note, or, for a batch that stopped short, what to do and Resume.
    Returns whether a batch is sending."""
    _adopt_running_batch()
    job = st.session_state.job
    if job and job["state"] == "running":
        _title(job["batch_id"])
        st.fragment(run_every=1.0)(_progress)(ctx)
        # While a batch sends, its progress is the page: the compose and cost sections below
        # would leave the view on a disabled Send button, far from the figures that move.
        st.stop()
    batch = last_batch.batch_id(ctx)
    if batch and not last_batch.show(ctx, batch) and job:
        _title(batch)
        _progress(ctx)
    return False


def _title(batch_id: str) -> None:
    name = ledger.batch_info(setup.cursor(), batch_id).get("name")
    st.subheader(t("send.batch_title", batch=md(name or short_id(batch_id))))


def show_interrupted(ctx: Context) -> None:
    """Batches left with messages to send (not this session's), each with Resume."""
    lang = current_language()
    frame = reports.batches(ctx.con)
    left = frame["pending"] + frame["unknown"] - frame["undecided"]
    damaged = frame["status"] == ledger.DAMAGED
    stuck = frame[
        ((left > 0) | damaged)
        & (~frame["batch_id"].isin(jobs.running_batches()))
        & (~frame["status"].isin([approvals.AWAITING, approvals.REJECTED]))
    ]
    if st.session_state.job:
        stuck = stuck[stuck["batch_id"] != st.session_state.job["batch_id"]]
    for row in stuck.head(5).itertuples():
        if row.status != ledger.DAMAGED:
            st.warning(
                t(
                    "send.interrupted_batch",
                    batch=short_id(row.batch_id),
                    pending=row.pending + row.unknown,
                    total=row.recipients,
                    status=md(vocab.word("status", row.status, lang)),
                )
            )
        batchnotes.show_for_row(row, running=False)
        if row.status != ledger.DAMAGED:
            st.button(
                t("send.resume"), key=f"resume_{row.batch_id}", on_click=resume, args=(ctx, row.batch_id)
            )
