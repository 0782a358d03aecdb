"""Send: recipients, compose with a live segment counter, cost per country, balance gate, confirm.

Confirm only freezes the batch in the ledger and starts its background sender (ui.jobs); the
page then reads progress from the ledger. So a double click, a rerun, a page switch or a reload
cannot send twice: the batch id is derived from what is sent, and every row is claimed in the
ledger before its request.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import streamlit as st

from smscore import approvals, audit, balance, contacts, ledger, outcome, reports, schedule, store
from smscore import quote as quote_mod
from smscore.sandbox import SANDBOX_SENDER
from smscore.money import Money, format_money
from smscore.limits import over_limit
from smscore.segments import UCS2, BodyError, check_body, count_segments, gsm_suggestion
from ui import (auth, batchname, batchnotes, formats, jobs, outcomes, problem_words, quotes,
                resend_ui, scheduling, sendhours_ui, setup, vocab)
from ui.i18n import current_language, t, tn, translate
from ui.untrusted import md

ctx = setup.page("nav.send")
lang = current_language()
st.title(t("send.title"))
# Streamlit drops a widget's state when a run does not draw it (another page): keep a copy.
KEPT = {"body": "", "audience": "everyone", "send_categories": [], "picked_ids": []}
for key, default in KEPT.items():
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"_kept_{key}", default)


# -- the batch being sent (or interrupted) --------------------------------------------------------

def _adopt_running_batch() -> None:
    """After a reload (a new session) pick up a batch this server is still sending."""
    if st.session_state.job is None:
        running = jobs.running_batches()
        if running:
            st.session_state.job = {"batch_id": running[0], "state": "running"}


def _options() -> jobs.SendOptions:
    s = ctx.settings
    return jobs.SendOptions(concurrency=s.concurrency, rate=float(s.send_rate),
                            reserve=s.balance_reserve)


def _progress() -> None:
    """Counts and cost from the ledger; polled every second while the batch sends."""
    job = st.session_state.job
    if not job:
        return
    p = ledger.batch_progress(setup.cursor(), job["batch_id"])
    finished = p.accounted - p.queued - p.claimed
    st.progress(finished / p.total if p.total else 1.0,
                text=t("send.progress", done=formats.number(finished, lang),
                       total=formats.number(p.total, lang)))
    c = st.columns(5)
    c[0].metric(t("send.sent"), p.sent)
    c[1].metric(t("send.failed"), p.failed)
    c[2].metric(t("send.unknown"), p.unknown)
    c[3].metric(t("send.queued"), p.queued + p.claimed)
    c[4].metric(t("send.cost_so_far") + suffix(), formats.cost(p.cost_so_far, lang),
                help=t("send.cost_so_far_help", estimate=formats.cost(p.estimate_max, lang))
                + " " + t("common.exact", amount=formats.exact(p.cost_so_far, lang)))
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
    problem = jobs.error(batch_id)
    if problem:
        st.error(t("send.batch_error", problem=md(problem)))
    if p.done and p.status not in (ledger.SENDING, ledger.FROZEN):
        if job["state"] != "done":
            job["state"] = "done"
            setup.forget_account()
            st.rerun(scope="app")  # re-enables Send and refreshes the balance in the sidebar
        if p.status in (ledger.DONE, schedule.CANCELLED):
            if note := st.session_state.pop("cancel_result", None):
                st.success(note)
            resend_ui.show_finished(ctx.con, batch_id, p)
            scheduling.show_cancel(ctx.con, ctx.gateway, batch_id)
        elif p.status == ledger.NEEDS_RECONCILE:
            batchnotes.show_unknown(wait, running=False)
            if wait.pending:
                st.button(t("send.resume"), key="resume_job", on_click=_resume, args=(batch_id,))
        else:
            st.warning(t("send.status", status=md(vocab.word("status", p.status, lang)),
                         reason=md(problem_words.told_reason(p.problem, p.reason))))
    else:
        st.warning(t("send.interrupted", status=md(vocab.word("status", p.status, lang)),
                     reason=md(problem_words.told_reason(p.problem, p.reason))))
        batchnotes.show_unknown(wait, running=False)
        st.button(t("send.resume"), key="resume_job", on_click=_resume, args=(batch_id,))


_live_progress = st.fragment(run_every=1.0)(_progress)


def _resume(batch_id: str) -> None:
    if not auth.permit("resume"):
        return
    audit.record(setup.cursor(), ctx.principal.actor, "batch.resume", batch_id)
    st.session_state.job = {"batch_id": batch_id, "state": "running"}
    jobs.start(setup.root(ctx.config), ctx.config, batch_id, _options())


def suffix() -> str:
    return t("common.sandbox_suffix") if ctx.sandbox else ""


_adopt_running_batch()
job_running = bool(st.session_state.job) and st.session_state.job["state"] == "running"
if st.session_state.job:
    _job_id = st.session_state.job["batch_id"]
    _job_name = ledger.batch_info(setup.cursor(), _job_id).get("name") if _job_id else None
    st.subheader(t("send.batch_title", batch=md(_job_name or _job_id[:12])))
    if job_running:
        _live_progress()
    else:
        _progress()
    if not job_running:
        st.button(t("send.new_batch"), key="new_batch",
                  on_click=lambda: st.session_state.update(job=None))
    else:
        # While a batch sends, its progress is the page: the compose and cost sections below
        # would leave the view on a disabled Send button, far from the figures that move.
        st.stop()


def _interrupted() -> None:
    frame = reports.batches(ctx.con)
    left = frame["pending"] + frame["unknown"] - frame["undecided"]
    damaged = frame["status"] == ledger.DAMAGED
    stuck = frame[((left > 0) | damaged) & (~frame["batch_id"].isin(jobs.running_batches()))
                  & (~frame["status"].isin([approvals.AWAITING, approvals.REJECTED]))]
    if st.session_state.job:
        stuck = stuck[stuck["batch_id"] != st.session_state.job["batch_id"]]
    for row in stuck.head(5).itertuples():
        if row.status != ledger.DAMAGED:
            st.warning(t("send.interrupted_batch", batch=row.batch_id[:12],
                         pending=row.pending + row.unknown, total=row.recipients,
                         status=md(vocab.word("status", row.status, lang))))
        batchnotes.show_for_row(row, running=False)
        if row.status != ledger.DAMAGED:
            st.button(t("send.resume"), key=f"resume_{row.batch_id}", on_click=_resume,
                      args=(row.batch_id,))


_interrupted()
if notice := st.session_state.pop("send_notice", None):
    st.warning(notice, icon=":material/gavel:")


def _category_label(frame: pd.DataFrame, name: str) -> str:
    match = frame[frame["name"] == name]
    return f"{name} ({int(match['contacts'].iloc[0]):,})" if len(match) else name


def _selection() -> object | None:
    audience = st.session_state.audience
    if audience == "everyone":
        return quote_mod.Selection(everyone=True)
    if audience == "categories" and st.session_state.send_categories:
        return quote_mod.Selection(categories=tuple(st.session_state.send_categories))
    if audience == "picked" and st.session_state.picked_ids:
        return quote_mod.Selection(contact_ids=tuple(int(i) for i in st.session_state.picked_ids))
    return None


# -- 1. recipients --------------------------------------------------------------------------------

st.subheader(t("send.step_recipients"))
audiences = ("everyone", "categories", "picked")
st.radio(t("send.audience"), audiences, key="audience", horizontal=True,
         format_func=lambda a: translate(f"send.audience_{a}", lang))
categories = contacts.list_categories(ctx.con)
if st.session_state.audience == "categories":
    st.multiselect(t("send.categories"), list(categories["name"]), key="send_categories",
                   format_func=lambda n: _category_label(categories, n))
elif st.session_state.audience == "picked":
    search = st.text_input(t("send.pick_search"), key="pick_search")
    found, _total = contacts.browse(ctx.con, search=search or None, limit=50, offset=0)
    labels = st.session_state.setdefault("pick_labels", {})  # ids picked on earlier searches
    labels.update({int(i): f"{n or '—'} ({p})" for i, n, p in
                   zip(found["id"], found["name"], found["phone"])})
    options = list(dict.fromkeys([*st.session_state.picked_ids, *map(int, found["id"])]))
    st.multiselect(t("send.picked"), options, key="picked_ids",
                   format_func=lambda i: labels.get(i, str(i)))


# -- 2. compose -----------------------------------------------------------------------------------

st.subheader(t("send.step_compose"))


def _insert(field_name: str) -> None:
    st.session_state.body = f"{st.session_state.body}{{{field_name}}}"


def _replace_chars(text: str) -> None:
    st.session_state.body = text


fields = quote_mod.placeholders(ctx.con)
left, right = st.columns([3, 1])
with right:
    chosen = st.selectbox(t("send.placeholder"), fields, key="placeholder_choice")
    st.button(t("send.insert"), key="insert_placeholder", on_click=_insert, args=(chosen,))
with left:
    st.text_area(t("send.body"), key="body", height=140, placeholder=t("send.body_placeholder"))

body = st.session_state.body
try:
    check_body(body)
    body_ok = True
except BodyError as exc:  # refused here, not as a codec error once the batch sends
    st.error(t("send.body_invalid", problem=md(problem_words.told(exc))), icon=":material/block:")
    body_ok = False
counted = count_segments(body, smart_encoding=ctx.settings.smart_encoding)
# A row that wraps instead of columns that stack: on a phone the four figures take two lines,
# not four screens' worth of one-metric rows.
m = [st.container(horizontal=True, gap="medium")] * 4
m[0].metric(t("send.encoding"), counted.encoding)
# An empty box is no message at all: 0 segments, not the 1 an empty SMS would take.
m[1].metric(t("send.segments"), formats.number(counted.segments if body else 0, lang))
m[2].metric(t("send.characters"), formats.number(counted.characters, lang))
m[3].metric(t("send.remaining"), formats.number(counted.remaining, lang))
if over_limit(body):
    st.error(t("send.body_over", count=formats.number(len(body), lang)), icon=":material/block:")
if body and counted.encoding == UCS2:
    st.warning(t("send.ucs2", chars=md("  ".join(counted.ucs2_chars)),
                 per=counted.per_segment), icon=":material/translate:")
    suggestion = gsm_suggestion(body)
    if suggestion.replacements:
        pairs = ", ".join(f"{md(k)}→{md(v)}" for k, v in suggestion.replacements.items())
        saves = suggestion.after.segments < suggestion.before.segments
        st.info(t("send.replace_saves" if saves else "send.replace_room", pairs=pairs,
                  before=formats.number(suggestion.before.segments, lang),
                  after=tn("common.segments_n", suggestion.after.segments),
                  encoding=suggestion.after.encoding,
                  room=formats.number(suggestion.after.remaining, lang)))
        st.button(t("send.replace"), key="apply_gsm", on_click=_replace_chars,
                  args=(suggestion.text,))
    if suggestion.unreplaceable:
        st.caption(t("send.unreplaceable", chars=md(" ".join(suggestion.unreplaceable))))
st.caption(t("send.counter_note"))


# -- 3. quote ------------------------------------------------------------------------------------

def _verified_numbers() -> frozenset[str] | None:
    """The trial account's verified numbers; None (no filter) when Twilio cannot be asked."""
    try:
        return ctx.gateway.verified_numbers() if ctx.gateway else None
    except Exception as exc:  # noqa: BLE001 - Twilio then refuses the others one by one (21608)
        st.warning(t("send.quote_error", problem=md(exc)))
        return None


selection = _selection()
quote = batch = None
if not body.strip():
    st.info(t("send.need_body"))
elif selection is None:
    st.info(t("send.need_recipients"))
elif body_ok:  # otherwise the compose box already says why
    trial = ctx.account is not None and ctx.account.is_trial
    prefix = balance.TRIAL_PREFIX if trial else ""
    try:
        # A trial account reaches only its verified caller IDs: the rest are excluded up front.
        verified = _verified_numbers() if trial else None
        batch = quotes.priced(ctx.con, str(ctx.db_path), body, selection,
                              smart_encoding=ctx.settings.smart_encoding, prefix=prefix,
                              sender_type=ctx.settings.sender_type, only_to=verified)
        quote = batch.quote
    except ValueError as exc:  # QuoteError: unknown placeholder, unknown category, ...
        st.error(t("send.quote_error", problem=md(problem_words.told(exc))))


def _remember(q: object) -> None:
    """Keep the last quote's need for the Top-up guide (any session, any page)."""
    value = json.dumps({"total_max": str(q.total_max), "currency": q.currency,
                        "recipients": q.n_recipients})
    if store.get_setting(ctx.con, "ui.last_quote") != value:
        store.set_setting(ctx.con, "ui.last_quote", value)


def _show_quote(q: object) -> None:
    cur = q.currency
    st.subheader(t("send.step_cost"))
    if prefix_note := q.prefix:
        st.caption(t("send.trial_prefix", prefix=prefix_note.strip()))
    c = [st.container(horizontal=True, gap="medium")] * 4
    c[0].metric(t("send.recipients"), formats.number(q.n_recipients, lang))
    c[1].metric(t("send.total_segments"), formats.number(q.segments, lang))
    for col, label, amount in ((c[2], "send.total_min", q.total_min),
                               (c[3], "send.total_max", q.total_max)):
        col.metric(t(label) + suffix(), formats.cost(amount, lang, cur),
                   help=t("common.exact", amount=formats.exact(amount, lang, cur)))
    st.caption(t("common.as_of", date=formats.day(q.price_list_as_of, lang)) + " · "
               + t("send.range_note"))
    table = q.by_country.copy()
    money_cols = ["unit_price_min", "unit_price_max", "subtotal_min", "subtotal_max"]
    st.dataframe(_country_table(table), hide_index=True, column_config={
        "iso": t("send.col_country"), "recipients": t("send.recipients"),
        "segments": t("send.segments"),
        **{col: f"{t('send.col_' + col)} ({cur})" for col in money_cols}})
    chart = table.assign(**{col: table[col].astype(float) for col in money_cols})
    bars = alt.Chart(chart).mark_bar().encode(
        x=alt.X("iso:N", sort="-y", title=t("send.col_country")),
        y=alt.Y("subtotal_max:Q", title=f"{t('send.col_subtotal_max')} ({cur})"),
        tooltip=["iso", "recipients", "segments", "subtotal_min", "subtotal_max"])
    ticks = alt.Chart(chart).mark_tick(color="black", thickness=2).encode(
        x="iso:N", y="subtotal_min:Q")
    st.altair_chart((bars + ticks).properties(height=200), width="stretch")
    if len(q.excluded):
        with st.expander(tn("send.excluded_n", len(q.excluded))):
            excluded = q.excluded.head(1000)
            st.dataframe(vocab.localized(excluded, lang), hide_index=True,
                         column_config={"contact_id": None,
                                        **vocab.column_labels(excluded, lang)})
    # Closed by default: the confirm dialog shows the message as sent, and a phone saves a screen.
    with st.expander(t("send.preview")):
        sample = q.recipients.head(5)[["phone", "country", "body", "encoding", "segments"]]
        st.dataframe(vocab.localized(sample, lang), hide_index=True,
                     column_config=vocab.column_labels(sample, lang))


def _country_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per-country quote for display: names, counts and money in the operator's notation;
    unit prices keep every digit, subtotals are costs (to the cent, rounded up)."""
    return table.assign(
        iso=[formats.country_name(i, lang) for i in table["iso"]],
        recipients=[formats.number(v, lang) for v in table["recipients"]],
        segments=[formats.number(v, lang) for v in table["segments"]],
        **{c: [formats.decimal_text(v, lang) for v in table[c]]
           for c in ("unit_price_min", "unit_price_max")},
        **{c: [formats.cents_up(v, lang) for v in table[c]]
           for c in ("subtotal_min", "subtotal_max")})


def _balance_gate(q: object) -> tuple[bool, str | None]:
    """(ok, why not) for sending `q` now: balance vs the quote's maximum plus the reserve."""
    if ctx.gateway is None:
        return False, t("send.no_gateway", problem=md(ctx.problem or ""))
    check = balance.judge(ctx.balance, Money(q.total_max, q.currency),
                          reserve=Money(ctx.settings.balance_reserve, q.currency))
    if check.ok:
        return True, None
    if check.shortfall is None:  # currencies differ, or a subaccount without a balance
        return False, md(problem_words.told_problem(check.problem))
    return False, t("send.short", needed=formats.cost(check.needed, lang),
                    balance=formats.balance(check.balance, lang),
                    shortfall=formats.cost(check.shortfall, lang),
                    reserve=formats.plain(ctx.settings.balance_reserve, lang, q.currency))


def _existing_batch() -> dict | None:
    """The batch Confirm would resume: same body, same recipients, same day."""
    try:
        info = ledger.batch_info(ctx.con, batch.batch_key())
    except KeyError:
        return None
    if ledger.damage(ctx.con, info["id"]):
        info["status"] = ledger.DAMAGED  # Confirm repairs it: freezing adds the missing rows
    n = ledger.counts(ctx.con, info["id"])
    info["outcome"] = outcome.judge(info["status"], sent=n["sent"], failed=n["failed"],
                                    unknown=n["unknown"], pending=n["queued"] + n["claimed"]).kind
    return info


def _sender() -> str:
    from smscore.credentials import Credentials  # noqa: PLC0415

    if ctx.settings.sender:
        return ctx.settings.sender
    if ctx.sandbox:
        return SANDBOX_SENDER
    creds = Credentials.from_mapping(ctx.config)
    return (creds.sender if creds else None) or ""


@st.dialog(t("send.confirm_title"), width="large",
           on_dismiss=lambda: st.session_state.update(confirm_open=False))
def _confirm(q: object) -> None:
    """What is about to happen, all of it: the text, who gets it, the worst-case cost and what
    the balance will be afterwards; Confirm and Cancel next to each other."""
    cur = q.currency
    st.markdown(t("send.confirm_intro", n=formats.number(q.n_recipients, lang),
                  segments=formats.number(q.segments, lang),
                  mode=t("mode.sandbox") if ctx.sandbox else t("mode.live")))
    if len(q.recipients):
        first = q.recipients.iloc[0]
        body_sent = first["body"] if isinstance(first["body"], str) else q.body
        st.caption(t("send.confirm_first", phone=md(first["phone"])))
        st.text(f"{q.prefix}{body_sent}")  # plain text: never Markdown, whatever it holds
    per = q.by_country[["iso", "recipients", "segments", "subtotal_max"]]
    shown = per.assign(iso=[formats.country_name(i, lang) for i in per["iso"]],
                       recipients=[formats.number(v, lang) for v in per["recipients"]],
                       segments=[formats.number(v, lang) for v in per["segments"]],
                       subtotal_max=[formats.cents_up(v, lang) for v in per["subtotal_max"]])
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "iso": t("send.col_country"), "recipients": t("send.recipients"),
        "segments": t("send.segments"),
        "subtotal_max": f"{t('send.col_subtotal_max')} ({cur})"})
    worst = Money(q.total_max, cur)
    c = st.columns(3)
    c[0].metric(t("send.confirm_max") + suffix(), formats.cost(worst, lang),
                help=t("common.exact", amount=formats.exact(worst, lang)))
    if ctx.balance is not None and ctx.balance.currency == cur:
        c[1].metric(t("send.confirm_balance_before"), formats.balance(ctx.balance, lang),
                    help=t("common.exact", amount=formats.exact(ctx.balance, lang)))
        after = ctx.balance - worst
        c[2].metric(t("send.confirm_balance_after"), formats.balance(after, lang),
                    help=t("common.exact", amount=formats.exact(after, lang)))
    st.caption(t("common.as_of", date=formats.day(q.price_list_as_of, lang)) + " · "
               + t("send.range_note"))
    with st.container(horizontal=True):
        confirmed = st.button(t("send.confirm"), type="primary", key="send_confirm")
        cancelled = st.button(t("send.cancel"), key="send_cancel")
    if confirmed:
        _start(q)
        st.session_state.confirm_open = False
        st.session_state.show_progress = True
        st.rerun()
    if cancelled:
        st.session_state.confirm_open = False
        st.rerun()


def _name_input() -> None:
    """The batch name, prefilled from the message and the audience until the operator edits it."""
    default = batchname.default_name(body, st.session_state.audience,
                                     st.session_state.send_categories,
                                     len(st.session_state.picked_ids), lang)
    if st.session_state.get("batch_name") in (None, st.session_state.get("_batch_name_auto")):
        st.session_state.batch_name = default
    st.session_state._batch_name_auto = default
    st.text_input(t("send.batch_name"), key="batch_name", max_chars=ledger.NAME_MAX,
                  help=t("send.batch_name_help"))


def _start(q: object) -> None:
    if st.session_state.job and st.session_state.job["state"] == "running":
        return  # a second Confirm while the first batch runs does nothing
    if not auth.permit("send"):
        return
    who, maximum = ctx.principal.actor, Money(q.total_max, q.currency)
    try:
        approvals.check_limits(ctx.con, who.name, maximum)
    except approvals.LimitExceeded as exc:
        st.session_state.send_notice = t("send.not_sent", reason=md(problem_words.told(exc)))
        return
    batch_id = ledger.freeze_batch(ctx.con, q, sender=_sender(), mode=ctx.mode,
                                   name=st.session_state.get("batch_name"),
                                   send_at=st.session_state.get("_send_at"))
    audit.confirm_batch(ctx.con, who, batch_id, q.n_recipients, q.total_max, q.currency)
    try:
        if approvals.hold_if_needed(ctx.con, batch_id, maximum):
            st.session_state.send_notice = t("send.awaits_approval", batch=batch_id[:12],
                                             maximum=formats.cost(maximum, current_language()))
            return
        approvals.ensure_sendable(ctx.con, batch_id)
    except approvals.ApprovalError as exc:
        st.session_state.send_notice = f"{md(problem_words.told(exc))}."
        return
    st.session_state.job = {"batch_id": batch_id, "state": "running"}
    jobs.start(setup.root(ctx.config), ctx.config, batch_id, _options())


def _open_confirm() -> None:
    if not auth.permit("send"):
        return
    if not (st.session_state.job and st.session_state.job["state"] == "running"):
        st.session_state.confirm_open = True


for key in KEPT:
    st.session_state[f"_kept_{key}"] = st.session_state[key]

if quote is not None:
    _remember(quote)
    _show_quote(quote)
    st.subheader(t("send.step_send"))
    _name_input()
    ok, why = _balance_gate(quote)
    length = quote.length_check()
    if length.long_warning:
        st.warning(t("send.long_warning", segments=length.max_segments), icon=":material/warning:")
    if length.over_limit and not length.refused:
        st.warning(t("send.too_long_some", n=length.over_limit), icon=":material/content_cut:")
    if quote.n_recipients == 0:
        ok, why = False, t("send.too_long") if length.refused else t("send.nobody")
    send_at, not_schedulable = scheduling.choose(_sender())
    st.session_state["_send_at"] = send_at
    quote, bad_hours = sendhours_ui.apply(quote, _sender(), send_at)
    if not_schedulable or bad_hours:
        ok, why = False, not_schedulable or bad_hours
    if not ctx.sandbox and not _sender():
        ok, why = False, t("send.no_sender")
    if why:
        st.error(why, icon=":material/block:")
        setup.link("topup", t("nav.topup"), ":material/add_card:")
    elif ctx.balance is not None:
        st.success(t("send.balance_ok", balance=formats.balance(ctx.balance, lang)),
                   icon=":material/check:")
    if (existing := _existing_batch()) is not None and not job_running:
        st.info(t("send.already", batch=existing["id"][:12],
                  status=md(outcomes.label(existing["outcome"]))), icon=":material/history:")
    st.button(tn("send.send_n", quote.n_recipients), type="primary", key="send_open",
              disabled=not ok or job_running or not setup.can("send"), on_click=_open_confirm)
    if job_running:
        st.caption(t("send.wait_running"))
    if st.session_state.confirm_open and ok and not job_running:
        _confirm(quote)
