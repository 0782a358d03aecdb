"""smscore's refusals and batch reasons reach pt-BR pages in Portuguese, worded from their codes
(issue 11): per family, the real page (AppTest) provokes the real core error on a real DuckDB
file and must show the Portuguese sentence and none of the English one."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from test_i18n import ENGLISH, PORTUGUESE, fields, forms
from test_pages import _apptest_config, _frozen_batch, app, compose, db, ok, set_sandbox_balance, texts  # noqa: F401
from test_portuguese_pages import pt  # noqa: F401 - the pt-BR workspace fixture

from smscore import problems, store
from smscore.access import approvals
from smscore.access.audit import Actor
from smscore.money import Money
from smscore.sending import ledger
from smscore.store.settings import update_settings
from smscore.twilio.balance import judge
from smscore.words import vocab
from ui.sending import jobs
from ui.words import problem_words

NBSP = "\xa0"
SERVICE = "MG" + "0" * 32


def shown(at) -> str:
    """What the page says, as read: Markdown escapes and invisible joiners (ui.shell.untrusted) gone."""
    text = texts(ok(at)).replace(NBSP, " ").replace("\u2060", "")
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# -- the registry and the catalogs ---------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(problems.MESSAGES))
def test_every_problem_code_the_core_can_emit_has_a_catalog_entry_in_both_languages(code):
    key = problem_words.key(code)
    for catalog in (ENGLISH, PORTUGUESE):
        entry = catalog.get(key)
        assert entry is not None and all(text.strip() for text in forms(entry)), key
        assert {n for text in forms(entry) for n in fields(text)} == problems.fields_of(code)


def test_a_problem_keeps_money_and_times_exact_through_its_stored_form():
    problem = problems.Problem(
        "batch.unknown_outcomes", {"count": 2, "batch": "b-1", "ready": datetime(2026, 12, 1, 9, 5)}
    )
    again = problems.Problem.from_stored(problem.code, problem.params_json())
    assert again == problem and again.text == problem.text
    short = judge(Money("0.01", "USD"), Money("0.174975", "USD")).problem
    back = problems.Problem.from_stored(short.code, short.params_json())
    assert back.params["needed"] == Money(Decimal("0.174975"), "USD")


OLD_ROWS = [
    problems.Problem("batch.stopped_by_operator"),
    problems.Problem("batch.held", {"count": 3, "at": datetime(2026, 12, 1, 9, 5), "batch": "b-a7f0406bda"}),
    problems.Problem("batch.throttled", {"attempts": 5, "error": "HTTP 429: Too Many Requests"}),
    problems.Problem(
        "balance.short",
        {
            "balance": Money("0.01", "USD"),
            "needed": Money("0.174975", "USD"),
            "shortfall": Money("0.164975", "USD"),
        },
    ),
    problems.Problem("approvals.rejected_by", {"who": "ana@example.com"}),
    problems.Problem(
        "approvals.rejected_by_because", {"who": "ana@example.com", "why": "too costly: not today"}
    ),
]


@pytest.mark.parametrize("problem", OLD_ROWS, ids=lambda p: p.code)
def test_a_reason_stored_before_codes_is_read_back_from_its_english_text(problem):
    assert problems.recognise(problem.text) == problem


def test_a_reason_no_template_fits_is_shown_as_written():
    assert problems.Problem.from_stored(None, None) is None
    assert problems.recognise("paused by a tool we never wrote") is None
    assert (
        problem_words.reason(None, "paused by a tool we never wrote", "pt-BR")
        == "paused by a tool we never wrote"
    )


def test_english_pages_say_what_the_cli_says():
    problem = problems.Problem("quote.no_category", {"name": "vip"})
    assert problem_words.say(problem, "en") == problem.text


# -- quote and body errors -----------------------------------------------------------------------


def test_unknown_placeholder_is_refused_in_portuguese(pt):
    text = shown(compose(ok(app("send")), "Olá {apelido}"))
    # the fields by the names the file gave them (`nome;telefone;categoria;cidade`, issue 18)
    assert "campo desconhecido {apelido}; os contatos têm: {nome}, {telefone}, {country}, {cidade}" in text
    assert "unknown placeholder" not in text


def test_a_body_with_a_nul_character_is_refused_in_portuguese(pt):
    text = shown(compose(ok(app("send")), "Olá\x00 mundo"))
    assert "a mensagem contém um caractere NUL (caractere 4); apague-o" in text
    assert "the message contains" not in text


# -- scheduling and sending hours ----------------------------------------------------------------


def test_a_send_time_in_the_past_is_refused_in_portuguese(pt):
    con = store.connect(pt)
    update_settings(con, sender=SERVICE)
    con.close()
    at = compose(ok(app("send")))
    at.checkbox(key="schedule_on").check().run()
    at.date_input(key="schedule_day").set_value(date.today() - timedelta(days=1)).run()
    at.time_input(key="schedule_time").set_value(time(9, 0)).run()
    text = shown(at)
    assert "o horário de envio precisa ser daqui a mais de 5 minutos; foi escolhido" in text
    assert "the send time must be" not in text and " UTC" not in text
    assert at.button(key="send_open").disabled


def test_sending_hours_that_end_before_they_start_are_refused_in_portuguese(pt):
    at = compose(ok(app("send")))
    at.checkbox(key="hours_on").check().run()
    at.text_input(key="hours_window").set_value("20:00-09:00").run()
    text = shown(at)
    assert "o horário de envio precisa começar antes de terminar; foi digitado 20:00-09:00" in text
    assert "sending hours must" not in text
    at.text_input(key="hours_window").set_value("9h às 18h").run()
    assert "o horário de envio se escreve como 09:00-20:00; foi digitado '9h às 18h'" in shown(at)


# -- settings, limits and approvals --------------------------------------------------------------


@pytest.mark.parametrize(
    "field, typed, save, portuguese, english",
    [
        (
            "set_sender",
            "5511999990000",
            "save_settings",
            "o remetente precisa ser um número no formato E.164 (+55…)",
            "sender must be",
        ),
        (
            "limit_per_batch",
            "-5",
            "limits_save",
            "o limite “Por lote” não pode ser negativo; foi digitado -5",
            "cannot be negative",
        ),
    ],
)
def test_an_invalid_setting_or_limit_is_refused_in_portuguese(pt, field, typed, save, portuguese, english):
    at = ok(app("settings"))
    at.text_input(key=field).set_value(typed)
    at.button(key=save).click().run()
    text = shown(at)
    assert portuguese in text and english not in text


def test_a_batch_over_the_per_batch_limit_is_refused_in_portuguese_money(pt):
    con = store.connect(pt)
    approvals.save_limits(con, approvals.Limits(per_batch=Decimal("0.10")), Actor.cli())
    con.close()
    at = compose(ok(app("send")))  # said before the click, and Send is disabled
    text = shown(at)
    assert "Limite por lote: US$ 0,10. Este lote pode custar até US$ 0,17." in text
    assert (
        "Este lote seria recusado: este lote pode custar até US$ 0,17, acima do limite por lote de US$ 0,10."
    ) in text
    assert "this batch may cost" not in text and "USD" not in text
    assert at.button(key="send_open").disabled
    assert store.connect(pt).execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_approving_a_batch_that_does_not_wait_is_refused_in_portuguese(pt):
    batch = _frozen_batch(pt)
    con = store.connect(pt)
    with pytest.raises(approvals.ApprovalError) as caught:
        approvals.approve(con, batch, Actor.cli())
    con.close()
    assert caught.value.code == "approvals.not_awaiting"
    assert str(caught.value) == f"batch {batch[:12]} is frozen, not awaiting approval"
    assert (
        problem_words.error(caught.value, "pt-BR")
        == f"o lote {batch[:12]} está {vocab.word('status', 'frozen', 'pt-BR')}, não aguarda aprovação"
    )


# -- why a batch stopped: the sender and the balance gate ----------------------------------------


def test_a_batch_paused_by_the_balance_gate_says_why_in_portuguese(pt):
    batch = _frozen_batch(pt)
    set_sandbox_balance(pt, "0.01")
    at = ok(app("send"))
    ok(at.button(key=f"resume_{batch}").click().run())
    assert jobs.wait(batch, timeout=30)
    text = shown(at.run())
    assert "O saldo de US$ 0,01 não cobre os US$ 0," in text
    assert "Adicione saldo ou envie para menos destinatários." in text
    assert "The balance" not in text and "top up" not in text.lower()


def test_a_batch_paused_before_codes_existed_says_why_in_portuguese(pt):
    batch = _frozen_batch(pt)
    con = store.connect(pt)
    ledger.set_status(con, batch, ledger.PAUSED, "stopped by the operator")  # text, no code
    con.close()
    assert rows_of(pt, "SELECT status_code FROM batches") == [(None,)]
    at = ok(app("send"))
    at.session_state["job"] = {"batch_id": batch, "state": "done"}
    text = shown(at.run())
    assert "interrompido pelo operador" in text and "stopped by the operator" not in text


def rows_of(db, sql: str) -> list[tuple]:
    con = store.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_batch_stopped_by_the_operator_says_so_in_portuguese(pt):
    batch = _frozen_batch(pt)
    con = store.connect(pt)
    ledger.set_status(con, batch, ledger.PAUSED, problems.Problem("batch.stopped_by_operator"))
    con.close()
    at = ok(app("send"))
    at.session_state["job"] = {"batch_id": batch, "state": "done"}  # the batch this session ran
    text = shown(at.run())
    assert "interrompido pelo operador" in text and "stopped by the operator" not in text


def test_a_background_send_the_core_refuses_is_worded_in_portuguese(pt):
    """The worker thread keeps the core's coded refusal itself, so the page words it in the
    viewer's language; it used to keep only the English sentence."""
    batch = _frozen_batch(pt)
    con = store.connect(pt)
    ledger.set_status(con, batch, approvals.AWAITING, problems.Problem("approvals.held"))
    con.close()
    options = jobs.SendOptions(concurrency=1, rate=10.0, reserve=Decimal("0"))
    assert jobs.start(store.Workspace(pt, kind="console", linger=0), {}, batch, options)
    assert jobs.wait(batch, timeout=30)
    assert problems.problem_of(jobs.error(batch)).code == "approvals.awaits"
    at = ok(app("send"))
    at.session_state["job"] = {"batch_id": batch, "state": "running"}
    text = shown(at.run())
    assert f"o lote {batch[:12]} aguarda aprovação de um administrador; nada foi enviado" in text
    assert "awaits approval" not in text
