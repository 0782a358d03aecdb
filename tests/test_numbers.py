"""Numbers the operator types, read the way their language writes them (issue 18): the one
parser (smscore.words.numbers) on its own, then on the real pages under AppTest with the real DuckDB
file: Settings, the sandbox top-up, the spending limits and the idle minutes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_pages import _apptest_config, app, db, ok, pt, texts  # noqa: F401

from smscore import store
from smscore.access import approvals
from smscore.store.settings import load_settings
from smscore.words import numbers
from smscore.words.numbers import Unreadable

# -- the parser -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, typed, read",
    [
        ("pt-BR", "2,50", "2.50"),
        ("pt-BR", "1.234,56", "1234.56"),
        ("pt-BR", "1234,56", "1234.56"),
        ("pt-BR", "1.234.567,8", "1234567.8"),
        ("pt-BR", "0,05995", "0.05995"),
        ("pt-BR", ",5", "0.5"),
        ("pt-BR", " 2,5 ", "2.5"),
        ("pt-BR", "-2,50", "-2.50"),  # smscore says a threshold cannot be negative, not the parser
        ("pt-BR", "2.500", "2500"),  # the point groups thousands in pt-BR: two thousand five hundred
        ("pt-BR", "20", "20"),
        ("en", "2.50", "2.50"),
        ("en", "1,234.56", "1234.56"),
        ("en", "1234.56", "1234.56"),
        ("en", ".5", "0.5"),
        ("en", "2,500", "2500"),
        ("en", "+3", "3"),
    ],
)
def test_amounts_are_read_the_languages_way(lang, typed, read):
    value = numbers.parse_amount(typed, lang, "Limit")
    assert value == Decimal(read) and str(value) == read  # every digit typed is kept


@pytest.mark.parametrize(
    "lang, typed",
    [
        ("pt-BR", "2.50"),  # the point cannot group two digits: an English 2.50, not 250
        ("pt-BR", "1,234.56"),
        ("pt-BR", "1234.56"),
        ("pt-BR", "12.34"),
        ("pt-BR", "1,2,3"),
        ("pt-BR", "2,5.0"),
        ("pt-BR", "1.2345,6"),
        ("pt-BR", "1 234,56"),
        ("en", "2,50"),  # the comma cannot group two digits: a Portuguese 2,50, not 250
        ("en", "1.234,56"),
        ("en", "1234,56"),
        ("en", "1,2,3"),
        ("en", "2,5.0"),
        ("en", "1,23"),
        ("en", "12.34.567"),
    ],
)
def test_ambiguous_or_misplaced_signs_are_refused_never_repaired(lang, typed):
    with pytest.raises(Unreadable) as refused:
        numbers.parse_amount(typed, lang, "Limit")
    assert f"“{typed}”" in str(refused.value)


@pytest.mark.parametrize(
    "typed",
    [
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "1e5",
        "2E-3",
        "R$ 2,50",
        "$2.50",
        "US$ 2",
        "abc",
        "--2",
        "+-2",
        "٣",
        "２",
    ],
)
@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_anything_but_digits_and_the_two_signs_is_refused(typed, lang):
    with pytest.raises(Unreadable):
        numbers.parse_amount(typed, lang, "Limit")


def test_the_refusal_is_one_sentence_in_the_operators_language():
    with pytest.raises(Unreadable) as pt_refusal:
        numbers.parse_amount("2.50", "pt-BR", "Limite de saldo baixo")
    assert str(pt_refusal.value) == (
        "não foi possível ler “2.50” em “Limite de saldo baixo”: escreva números com vírgula antes "
        "das casas decimais, como 2,50 ou 1.234,56."
    )
    with pytest.raises(Unreadable) as en_refusal:
        numbers.parse_amount("2,50", "en", "Low-balance threshold")
    assert str(en_refusal.value) == (
        "could not read “2,50” in “Low-balance threshold”: write numbers with a point before the "
        "decimals, like 2.50 or 1,234.56."
    )


def test_an_empty_field_is_refused_by_name():
    with pytest.raises(Unreadable, match="“Reserva de saldo” está vazio: digite um número."):
        numbers.parse_amount("  ", "pt-BR", "Reserva de saldo")


def test_the_refusal_escapes_what_was_typed_for_markdown():
    with pytest.raises(Unreadable) as refused:
        numbers.parse_amount("[x](http://e.example)", "en", "Limit")
    assert "“<[x](http://e.example)>”" in refused.value.sentence(lambda text: f"<{text}>")


@pytest.mark.parametrize(
    "lang, typed, read",
    [
        ("pt-BR", "30", 30),
        ("pt-BR", "1.440", 1440),
        ("pt-BR", "30,0", 30),
        ("en", "1,440", 1440),
        ("en", "4", 4),
    ],
)
def test_whole_numbers(lang, typed, read):
    assert numbers.parse_whole(typed, lang, "Minutes") == read


@pytest.mark.parametrize("lang, typed", [("pt-BR", "30,5"), ("en", "30.5"), ("pt-BR", "1.44"), ("en", "4,0")])
def test_a_fraction_or_misplaced_sign_in_a_whole_number_is_refused(lang, typed):
    with pytest.raises(Unreadable, match="whole number|número inteiro"):
        numbers.parse_whole(typed, lang, "Minutes")


def test_inputs_show_amounts_with_cents_and_counts_without_decimals():
    assert numbers.amount_text(Decimal("2"), "pt-BR") == "2,00"
    assert numbers.amount_text(Decimal("1234.5"), "pt-BR") == "1.234,50"
    assert numbers.amount_text(Decimal("1234.5"), "en") == "1,234.50"
    assert numbers.amount_text(Decimal("0.05995"), "en") == "0.05995"  # every stored digit
    assert numbers.quantity_text(Decimal("10"), "pt-BR") == "10"
    assert numbers.quantity_text(Decimal("0.5"), "pt-BR") == "0,5"
    assert numbers.whole_text(30.0, "en") == "30"
    assert numbers.whole_text(1440, "pt-BR") == "1.440"


_AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(amount=_AMOUNTS, lang=st.sampled_from(["en", "pt-BR"]))
def test_an_amount_shown_in_an_input_reads_back_as_itself(amount, lang):
    assert numbers.parse_amount(numbers.amount_text(amount, lang), lang, "x") == amount


@given(
    amount=st.decimals(min_value=0, max_value=10**6, places=5, allow_nan=False, allow_infinity=False),
    lang=st.sampled_from(["en", "pt-BR"]),
)
def test_a_rate_shown_in_an_input_reads_back_as_itself(amount, lang):
    assert numbers.parse_amount(numbers.quantity_text(amount, lang), lang, "x") == amount


@given(count=st.integers(min_value=0, max_value=10**9), lang=st.sampled_from(["en", "pt-BR"]))
def test_a_count_shown_in_an_input_reads_back_as_itself(count, lang):
    assert numbers.parse_whole(numbers.whole_text(count, lang), lang, "x") == count


@given(amount=_AMOUNTS, written=st.sampled_from([("en", "pt-BR"), ("pt-BR", "en")]))
def test_an_amount_with_cents_written_in_one_language_is_never_read_in_the_other(amount, written):
    """The factor of 100 the issue found (2,50 stored as 250.00) cannot happen either way."""
    shown_in, read_in = written
    with pytest.raises(Unreadable):
        numbers.parse_amount(numbers.amount_text(amount, shown_in), read_in, "x")


@settings(max_examples=300)
@given(typed=st.text(alphabet="0123456789.,-+ eE$nafi", max_size=12), lang=st.sampled_from(["en", "pt-BR"]))
def test_any_text_is_a_finite_number_or_one_refusal(typed, lang):
    try:
        value = numbers.parse_amount(typed, lang, "x")
    except Unreadable as refused:
        assert str(refused).count("“") <= 2 and str(refused).endswith(".")
    else:
        assert value.is_finite()


# -- on the pages -----------------------------------------------------------------------------------


def stored(path):
    con = store.connect(path)
    try:
        return load_settings(con)
    finally:
        con.close()


def unescaped(at) -> str:
    return texts(at).replace("\\", "")  # what was typed is Markdown-escaped in a refusal


def test_settings_show_amounts_and_counts_the_portuguese_way(pt):
    at = ok(app("settings"))
    assert at.text_input(key="set_threshold").value == "2,00"
    assert at.text_input(key="set_reserve").value == "0,00"
    assert at.text_input(key="set_rate").value == "200"
    assert at.text_input(key="set_concurrency").value == "4"
    assert at.text_input(key="sandbox_amount").value == "20,00"


def test_settings_store_2_50_from_2_comma_50_in_portuguese(pt):
    at = ok(app("settings"))
    at.text_input(key="set_threshold").set_value("2,50")
    at.text_input(key="set_reserve").set_value("1.234,56")
    at.text_input(key="set_rate").set_value("0,5")
    at.text_input(key="set_concurrency").set_value("8")
    at.button(key="save_settings").click().run()
    assert not ok(at).error, [e.value for e in at.error]
    saved = stored(pt)
    assert saved.low_balance_threshold == Decimal("2.50")
    assert saved.balance_reserve == Decimal("1234.56")
    assert saved.send_rate == Decimal("0.5") and saved.concurrency == 8
    assert at.text_input(key="set_threshold").value == "2,50"  # shown back the same way
    assert at.text_input(key="set_reserve").value == "1.234,56"


def test_settings_refuse_an_english_point_in_portuguese_with_one_sentence(pt):
    at = ok(app("settings"))
    at.text_input(key="set_threshold").set_value("2.50")
    at.button(key="save_settings").click().run()
    assert [e.value.replace("\\", "") for e in ok(at).error] == [
        "Não salvo: não foi possível ler “2.50” em “Limite de saldo baixo”: escreva números com "
        "vírgula antes das casas decimais, como 2,50 ou 1.234,56."
    ]
    assert stored(pt).low_balance_threshold == Decimal("2.00")  # nothing changed, no 250.00
    assert at.text_input(key="set_threshold").value == "2.50"  # kept as typed, to correct


@pytest.mark.parametrize(
    "field, typed", [("set_concurrency", "4,5"), ("set_rate", "1,2,3"), ("set_reserve", "")]
)
def test_settings_refuse_a_bad_rate_count_or_empty_amount_and_store_nothing(pt, field, typed):
    before = stored(pt)
    at = ok(app("settings"))
    at.text_input(key=field).set_value(typed)
    at.button(key="save_settings").click().run()
    assert len(ok(at).error) == 1 and at.error[0].value.startswith("Não salvo:")
    assert stored(pt) == before


def test_settings_in_english_read_grouping_and_the_point(db):
    at = ok(app("settings"))
    assert at.text_input(key="set_threshold").value == "2.00"
    at.text_input(key="set_threshold").set_value("1,234.56")
    at.button(key="save_settings").click().run()
    assert stored(db).low_balance_threshold == Decimal("1234.56")
    at.text_input(key="set_threshold").set_value("2,50")
    at.button(key="save_settings").click().run()
    assert "could not read “2,50” in “Low-balance threshold”" in unescaped(ok(at))
    assert stored(db).low_balance_threshold == Decimal("1234.56")


def sandbox_balance(path) -> Decimal:
    from smscore.twilio.sandbox import SandboxGateway

    con = store.connect(path)
    try:
        return SandboxGateway(con).balance().amount
    finally:
        con.close()


def test_sandbox_top_up_reads_the_decimal_comma(pt):
    at = ok(app("settings"))
    at.text_input(key="sandbox_amount").set_value("5,50")
    at.button(key="sandbox_topup").click().run()
    ok(at)
    assert sandbox_balance(pt) == Decimal("25.50")  # 20,00 + 5,50, not + 550,00
    at.text_input(key="sandbox_amount").set_value("7,25")
    at.button(key="sandbox_set").click().run()
    assert sandbox_balance(pt) == Decimal("7.25")


def test_sandbox_top_up_refuses_an_ambiguous_amount(pt):
    at = ok(app("settings"))
    at.text_input(key="sandbox_amount").set_value("5.50")
    at.button(key="sandbox_topup").click().run()
    assert "não foi possível ler “5.50” em “Valor (USD, sandbox)”" in unescaped(ok(at))
    assert sandbox_balance(pt) == Decimal("20.00")


def saved_limits(path) -> approvals.Limits:
    con = store.connect(path)
    try:
        return approvals.load_limits(con)
    finally:
        con.close()


def test_limits_read_grouping_and_the_comma_in_portuguese(pt):
    at = ok(app("settings"))
    at.text_input(key="limit_per_batch").input("1.234,50")
    at.text_input(key="limit_per_day").input("2,5")
    at.button(key="limits_save").click().run()
    assert not ok(at).error, [e.value for e in at.error]
    limits = saved_limits(pt)
    assert limits.per_batch == Decimal("1234.50") and limits.per_day == Decimal("2.5")
    at = ok(app("settings"))  # a new session shows them the language's way
    assert at.text_input(key="limit_per_batch").value == "1.234,50"
    assert at.text_input(key="limit_per_day").value == "2,50"


def test_limits_refuse_an_english_amount_in_portuguese(pt):
    at = ok(app("settings"))
    at.text_input(key="limit_per_batch").input("1,234.50")
    at.button(key="limits_save").click().run()
    assert "não foi possível ler “1,234.50” em “Por lote”" in unescaped(ok(at))
    assert saved_limits(pt).per_batch is None


def test_limits_in_english_read_grouping(db):
    at = ok(app("settings"))
    at.text_input(key="limit_per_batch").input("1,234.50")
    at.button(key="limits_save").click().run()
    assert saved_limits(db).per_batch == Decimal("1234.50")


def test_idle_minutes_are_whole_and_grouped_the_portuguese_way(pt):
    at = ok(app("settings"))
    assert at.text_input(key="idle_minutes").value == "30"
    at.text_input(key="idle_minutes").input("1.440").run()
    con = store.connect(pt)
    assert store.get_setting(con, "session_idle_minutes") == "1440"
    con.close()
    at.text_input(key="idle_minutes").input("30,5").run()
    assert "não foi possível ler “30,5” em “Encerrar a sessão após estes minutos sem atividade”" in unescaped(
        ok(at)
    )
    con = store.connect(pt)
    assert store.get_setting(con, "session_idle_minutes") == "1440"
    con.close()


def test_switching_language_redraws_the_numbers_the_new_way(pt):
    at = ok(app("settings"))
    assert at.text_input(key="set_threshold").value == "2,00"
    at.segmented_control(key="_lang_quick").set_value("en").run()
    assert ok(at).text_input(key="set_threshold").value == "2.00"  # not 2,00, refused in English
    assert at.text_input(key="sandbox_amount").value == "20.00"
    at.button(key="save_settings").click().run()
    assert not ok(at).error, [e.value for e in at.error]
    assert stored(pt).low_balance_threshold == Decimal("2.00")
