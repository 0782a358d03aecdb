"""Placeholders as the file wrote them (issue 18): `{Nome}`, `{nome}`, `{NOME}` and `{name}` are
the file's `Nome` column; the placeholder list shows the file's headers; an unknown one is
refused with the closest name suggested, in both languages."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smscore import problems, store
from smscore.contacts.importer import import_contacts
from smscore.cost.quote import QuoteError, Selection, build_quote, field_book, placeholders
from ui.words import problem_words

FILE = "Nome;Telefone;Cidade;Data de Nascimento\nAna Souza;(11) 98765-4321;São Paulo;01/02/1990\n".encode()


@pytest.fixture
def con(fresh_db):
    import_contacts(fresh_db, FILE, default_country="BR")
    return fresh_db


def _body(con, body: str) -> str:
    q = build_quote(con, body, Selection(everyone=True))
    assert q.n_recipients == 1, q.excluded
    return str(q.recipients["body"].iloc[0])


@pytest.mark.parametrize("typed", ["{Nome}", "{nome}", "{NOME}", "{name}", "{Name}"])
def test_the_name_column_answers_to_its_header_in_any_case_and_to_name(con, typed):
    assert _body(con, f"Olá {typed}!") == "Olá Ana Souza!"


@pytest.mark.parametrize("typed", ["{Cidade}", "{cidade}", "{CIDADE}"])
def test_an_extra_column_answers_to_its_header_in_any_case(con, typed):
    assert _body(con, f"Loja de {typed}") == "Loja de São Paulo"


@pytest.mark.parametrize("typed", ["{Data de Nascimento}", "{data_de_nascimento}", "{data de nascimento}"])
def test_a_header_of_several_words_answers_as_written_and_as_its_key(con, typed):
    assert _body(con, f"Parabéns em {typed}") == "Parabéns em 01/02/1990"


def test_the_phone_column_answers_to_its_header(con):
    assert _body(con, "{Telefone}") == "+5511987654321"


def test_placeholder_list_shows_the_files_own_headers(con):
    assert placeholders(con) == ["Nome", "Telefone", "country", "Cidade", "Data de Nascimento"]


def test_the_first_file_names_a_field_and_a_later_file_header_works_too(con):
    later = b"Cliente;Celular;CIDADE\nBia;(21) 99876-5432;Rio\n"
    import_contacts(con, later, default_country="BR")
    assert placeholders(con)[:2] == ["Nome", "Telefone"]
    q = build_quote(con, "{Cliente} de {Cidade}", Selection(everyone=True))
    assert sorted(q.recipients["body"].astype(str)) == ["Ana Souza de São Paulo", "Bia de Rio"]


def test_an_unknown_placeholder_suggests_the_closest_name(con):
    with pytest.raises(QuoteError) as caught:
        build_quote(con, "Olá {Nmoe}", Selection(everyone=True))
    found = problems.problem_of(caught.value)
    assert found.code == "quote.unknown_placeholder_near"
    assert found.params["near"] == "Nome"
    assert "did you mean {Nome}?" in str(caught.value)
    said = problem_words.say(found, "pt-BR")
    assert said.startswith("campo desconhecido {Nmoe}; você quis dizer {Nome}?")
    assert "{Cidade}" in said


def test_an_unknown_placeholder_far_from_every_name_suggests_none(con):
    with pytest.raises(QuoteError) as caught:
        build_quote(con, "Olá {apelido}", Selection(everyone=True))
    found = problems.problem_of(caught.value)
    assert found.code == "quote.unknown_placeholder"
    assert found.params["known"] == "Nome, Telefone, country, Cidade, Data de Nascimento"


def test_a_workspace_imported_before_headers_were_kept_still_takes_them_without_case(fresh_db):
    fresh_db.execute(
        "INSERT INTO contacts (phone, country, name, fields) VALUES (?, 'BR', 'Ana', ?)",
        ["+5511987654321", json.dumps({"cidade": "Rio"})],
    )
    assert placeholders(fresh_db) == ["name", "phone", "country", "cidade"]
    assert _body(fresh_db, "{Nome} de {Cidade}") == "Ana de Rio"


def test_a_header_with_quotes_or_a_dollar_sign_is_read_as_text_not_sql(fresh_db):
    import_contacts(fresh_db, b"telefone;$Saldo;Nome d'Ana\n(11) 98765-4321;10;x\n", default_country="BR")
    assert _body(fresh_db, "{saldo}") == "10"


def test_headers_seen_are_stored_beside_their_keys(con):
    rows = con.execute("SELECT key, header FROM field_headers ORDER BY key").fetchall()
    assert rows == [
        ("cidade", "Cidade"),
        ("data_de_nascimento", "Data de Nascimento"),
        ("name", "Nome"),
        ("phone", "Telefone"),
    ]


def _spelled(text: str, flips: list[bool], strip_accents: bool) -> str:
    if strip_accents:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips + [False] * len(text)))


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """One workspace for every example: importing is the slow part, and it never changes."""
    con = store.connect(tmp_path_factory.mktemp("fields") / "ws.duckdb")
    header = "Nome;Telefone;Cidade;Endereço;Observação;Data de Nascimento\n"
    row = "Ana;(11) 98765-4321;Rio;Rua 1;ok;01/02/1990\n"
    import_contacts(con, (header + row).encode(), default_country="BR")
    yield field_book(con)
    con.close()


@settings(max_examples=200, deadline=None)
@given(
    header=st.sampled_from(["Nome", "Cidade", "Endereço", "Observação", "Data de Nascimento", "Telefone"]),
    flips=st.lists(st.booleans(), max_size=20),
    strip_accents=st.booleans(),
)
def test_any_case_or_accents_of_a_header_means_its_field(many, header, flips, strip_accents):
    key = many.resolve(header)
    assert key is not None
    assert many.resolve(_spelled(header, flips, strip_accents)) == key
