"""Extensions in Portuguese (issue 18): `ramal`, `r.` and `ext.` (any case) before the digits
that end a number mark an extension, as phonenumbers' own words do; the number is imported
without it, with a note in the import report."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smscore.contacts import phones, phonesql
from smscore.contacts.importer import import_contacts


@pytest.mark.parametrize(
    "raw",
    [
        "(11) 3456-7890 ramal 12",
        "(11) 3456-7890 Ramal 12",
        "(11) 3456-7890 RAMAL: 12",
        "(11) 3456-7890, ramal 12",
        "(11) 3456-7890 r. 12",
        "(11) 3456-7890 R.12",
        "(11) 3456-7890 ext. 12",
        "(11) 3456-7890 EXT.: 12",
        "11 3456-7890ramal12",
    ],
)
def test_an_extension_word_before_trailing_digits_is_left_out(raw):
    assert phones.normalise(raw, "BR").e164 == "+551134567890"
    assert phones.split_extension(raw)[1] == "12"


@pytest.mark.parametrize(
    "raw",
    [
        "(11) 3456-7890 ramal",  # no digits after the word: phonenumbers dials its letters
        "ramal 12",  # no number before the word
        "(11) 3456-7890 ramal 12 sala 3",  # the extension does not end the text
        "(11) 3456-7890 Dr. 12",  # `r.` inside another word
    ],
)
def test_other_texts_are_left_to_phonenumbers_as_written(raw):
    assert phones.split_extension(raw) == (raw, None)


def test_without_the_rule_phonenumbers_read_ramal_as_digits():
    """The bug: the letters of `ramal` were dialled, and the number was too long."""
    number = phonenumbers.parse("(11) 3456-7890 ramal 12", "BR")
    assert not phonenumbers.is_valid_number(number)
    assert "7262512" in str(number.national_number)


def _bulk(raws: list[str], default: str = "BR") -> list[tuple]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT i + 1 AS key, raws[i + 1] AS raw FROM (SELECT ? AS raws), range(len(raws)) t(i)",
        [raws],
    )
    phonesql.normalise_column(con, "src", default, "out", rare_code_rows=0)
    return con.execute("SELECT e164, country, reason FROM out ORDER BY key").fetchall()


_BR_NUMBERS = ["(11) 3456-7890", "+55 21 99876-5432", "011 98765-4321", "0055 11 3456 7890", "21 2345-6789"]
_WORDS = ["ramal", "RAMAL", "Ramal:", "r.", "R.", "ext.", "Ext.:", "EXT."]


@settings(max_examples=60, deadline=None)
@given(
    number=st.sampled_from(_BR_NUMBERS),
    word=st.sampled_from(_WORDS),
    before=st.sampled_from(["", " ", ", ", " ; ", "  "]),
    after=st.sampled_from(["", " ", "  "]),
    extension=st.integers(min_value=0, max_value=9_999_999),
)
def test_a_number_with_an_extension_is_the_number_without_it(number, word, before, after, extension):
    raw = f"{number}{before}{word}{after}{extension}"
    assert phones.split_extension(raw) == (number, str(extension))
    alone, got = phones.normalise_reason(number, "BR"), phones.normalise_reason(raw, "BR")
    bulk = _bulk([raw])[0]  # the bulk path (SQL + canonical forms) agrees
    if isinstance(alone, phones.Phone):
        assert got == alone and bulk == (alone.e164, alone.country, None)
    else:  # refused alike, the reason quoting the text as written
        assert isinstance(got, str) and repr(raw) in got and bulk == (None, None, got)


FILE = (
    "Nome;Telefone\n"
    "Loja Centro;(11) 3456-7890 ramal 12\n"
    "Ana;(11) 98765-4321\n"
    "Loja Norte;(21) 2345-6789 R. 7\n"
    "Escritório;(11) 3456-7891 ramal\n"
).encode()


def test_import_takes_the_number_without_its_extension_and_notes_it(fresh_db):
    report = import_contacts(fresh_db, FILE, default_country="BR")
    assert (report.imported, report.rejected) == (3, 1)
    phones_in = [r[0] for r in fresh_db.execute("SELECT phone FROM contacts ORDER BY id").fetchall()]
    assert phones_in == ["+551134567890", "+5511987654321", "+552123456789"]
    assert report.notes.to_dict("records") == [
        {"line": 2, "phone": "(11) 3456-7890 ramal 12", "e164": "+551134567890", "extension": "12"},
        {"line": 4, "phone": "(21) 2345-6789 R. 7", "e164": "+552123456789", "extension": "7"},
    ]
    assert "too long" in report.rejects["reason"].iloc[0]  # `ramal` with no digits: dialled


def test_a_file_without_extensions_has_no_notes(fresh_db):
    report = import_contacts(fresh_db, b"telefone\n(11) 98765-4321\n", default_country="BR")
    assert len(report.notes) == 0 and list(report.notes.columns) == ["line", "phone", "e164", "extension"]


def test_cli_import_says_which_extensions_were_left_out(db_path, tmp_path):
    csv = tmp_path / "lojas.csv"
    csv.write_bytes(FILE)
    run = subprocess.run(
        [sys.executable, "-m", "smscore", "--db", str(db_path), "import", str(csv)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "2 numbers written with an extension were imported without it" in run.stdout
    assert "line 2: '(11) 3456-7890 ramal 12' -> +551134567890 (extension 12)" in run.stdout
