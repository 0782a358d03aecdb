"""Differential: the bulk path (SQL + phonenumbers fallback) against phonenumbers itself.

A seeded generator of messy numbers (bench/gen_contacts.py's messy mode: extensions, labels,
vanity letters, Arabic-Indic and fullwidth digits, fullwidth plus, odd spaces, 00, 0xx and
carrier codes, Excel's E+ form, digits missing or extra, blanks, duplicates) across many
default countries, decided row by row by phonenumbers plus the documented `00` rule and
extension words (`ramal`, `r.`, `ext.`), written here from the rules' words rather than from
smscore's code. Zero different E.164 is the bar;
a rejected row's reason is, word for word, the one `normalise_reason` gives it alone.
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata
from pathlib import Path

import duckdb
import phonenumbers
import pytest

from smscore.contacts import phones, phonesql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from gen_contacts import messy_phone  # noqa: E402

DEFAULTS = ["BR", "US", "GB", "DE", "PT", "AR", "MX", "IT", "JP", "AU", "KZ", "IN", "FR", "AG", "CN", "EG"]
ROWS_PER_DEFAULT = 1500  # 24,000 rows in all
# Two leading zero digits (any script), nothing before them that is a digit or a plus sign.
_LEADING_00 = re.compile(r"^([^\d+\uff0b]*)(\d)([^\d]*?)(\d)(.*)$", re.S)
# `ramal`, `r.` or `ext.` (any case; spaces, a colon, or a comma before it) and the digits that
# end the text, after a number ending in a digit: an extension, left out of the number.
_EXTENSION_WORDS = re.compile(r"^(.*?\d)[\s,;]*(?:ramal|r\.|ext\.)\s*:?\s*\d+$", re.I | re.S)


def reference(raw: str | None, default: str) -> tuple[str, str] | None:
    """(E.164, region) by phonenumbers plus the README's rules, None when invalid."""
    text = (raw or "").strip()
    if not text:
        return None
    extension = _EXTENSION_WORDS.match(text)
    if extension:
        text = extension[1]
    first = _valid(text, default)
    if first is not None:
        return first
    m = _LEADING_00.match(text)
    if m and all(unicodedata.digit(m[g]) == 0 for g in (2, 4)):
        return _valid(m[1] + "+" + m[5], default)
    return None


def _valid(text: str, default: str) -> tuple[str, str] | None:
    try:
        number = phonenumbers.parse(text, default)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)
    if not phonenumbers.is_valid_number(number) or region in (None, "001"):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), region


def _names_001(reason: str | None, raw: str | None) -> bool:
    """The reason names phonenumbers' pseudo-region "001" (outside the quoted text)."""
    rest = (reason or "").replace(repr(raw or ""), "").replace(raw or "", "")
    return bool(re.search(r"(?<![\d+])001(?!\d)", rest))


def corpus(default: str, seed: int) -> list[str | None]:
    """Messy numbers mostly of the default country, the rest of others; some repeated."""
    rng = random.Random(seed)
    others = sorted(phonenumbers.SUPPORTED_REGIONS)
    rows: list[str | None] = []
    for _ in range(ROWS_PER_DEFAULT):
        if rows and rng.random() < 0.03:
            rows.append(rng.choice(rows))
        elif rng.random() < 0.01:
            rows.append(None)
        else:
            region = default if rng.random() < 0.6 else rng.choice(others)
            rows.append(messy_phone(rng, region, default))
    return rows


def bulk(raws: list[str | None], default: str) -> list[tuple[str | None, str | None, str | None]]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT i + 1 AS key, raws[i + 1] AS raw "
        "FROM (SELECT ? AS raws), range(len(raws)) t(i)",
        [raws],
    )
    phonesql.normalise_column(con, "src", default, "out", rare_code_rows=0)  # SQL for every code
    return con.execute("SELECT e164, country, reason FROM out ORDER BY key").fetchall()


@pytest.mark.parametrize("default", DEFAULTS)
def test_bulk_import_gives_phonenumbers_e164_on_messy_numbers(default: str) -> None:
    raws = corpus(default, seed=DEFAULTS.index(default))
    wrong = []
    for raw, (e164, country, reason) in zip(raws, bulk(raws, default)):
        expected = reference(raw, default)
        got = None if e164 is None else (e164, country)
        if got != expected or (got is None and not reason) or _names_001(reason, raw):
            wrong.append((raw, expected, got, reason))
        elif got is None and reason != phones.normalise_reason(raw, default):
            wrong.append((raw, "reason", reason, phones.normalise_reason(raw, default)))
    assert not wrong, wrong[:10]
    assert sum(r is not None and not r.isascii() for r in raws) > 0  # the corpus is messy


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("0055 3004-7544,,12", "+5530047544"),  # the extension stays an extension
        ("0049 16432687 anexo 92670", "+4916432687"),
        ("00880 51-OHHAB", "+8805164422"),  # vanity letters, as after a +
        ("٠٠٤٤ ٧٩١١٠٣٤٤٩٦", "+447911034496"),  # Arabic-Indic digits
        ("００４４ ７９１１ ０３４４９６", "+447911034496"),  # fullwidth digits
    ],
)
def test_00_rule_reads_the_text_as_phonenumbers_reads_it_after_a_plus(raw: str, e164: str) -> None:
    assert phones.normalise(raw, "BR").e164 == e164
    assert bulk([raw], "BR")[0][0] == e164


@pytest.mark.parametrize(
    "raw", ["00 351 948088290 - trabalho", "＋0044 20 7946 0958", "tel:+0044 20 7946 0958"]
)
def test_00_rule_refuses_what_the_same_text_with_a_written_plus_refuses(raw: str) -> None:
    with pytest.raises(phones.InvalidPhone):
        phones.normalise(raw, "BR")
    assert bulk([raw], "BR")[0][0] is None


@pytest.mark.parametrize("raw", ["+800 1234", "+800 1234 5678", "+882 12", "+870 1234 56789 12"])
def test_reasons_never_name_the_pseudo_region_001(raw: str) -> None:
    reason = bulk([raw], "BR")[0][2]
    assert not _names_001(reason, raw)
    assert "non-geographic" in reason


def test_messy_corpus_is_seeded_and_holds_every_class() -> None:
    first, again = corpus("BR", seed=7), corpus("BR", seed=7)
    assert first == again and first != corpus("BR", seed=8)
    text = "\n".join(r or "" for r in first)
    for mark in ("ramal", ",,", "trabalho", "E+", "xx", "٠", "０", "＋", "\u00a0", "tel:"):
        assert mark in text, mark


def test_texts_alike_but_for_their_digits_share_parse_first_steps_and_answers() -> None:
    """`read_texts` works parse's first steps out once per shape of text; every text of the
    corpus still gets what `canonical` (no sharing) and phonenumbers give it alone."""
    texts = sorted(
        {text for default in DEFAULTS for raw in corpus(default, seed=7) if (text := (raw or "").strip())}
    )
    shapes = {re.sub(r"\d", "1", text) for text in texts}
    assert len(shapes) < len(texts) / 2  # the corpus does share shapes
    answers = phones.read_texts(texts)
    assert sum(refusal is not None for _, refusal in answers) > 100
    for text, (form, refusal) in zip(texts, answers):
        assert form == phones.canonical(text), text
        assert refusal in (None, phones.normalise_reason(text, "BR")), text
        if refusal is not None:
            assert form is None and phones.read_00_as_plus(text) is None, text


# Pieces of texts that broke the bulk path before it was fuzzed with them: RFC 3966 URIs and
# their parameters, whitespace DuckDB's trim() keeps, plus signs, extension and pause marks,
# digits of other scripts, letters, spreadsheet formulas.
HOSTILE_PIECES = [
    "tel:",
    ";phone-context=",
    ";isub=",
    "+55",
    "+1",
    "+44",
    "+",
    "++",
    "\uff0b",
    "00",
    "0",
    "1",
    "9",
    "11",
    "21",
    "98765",
    "4321",
    "3004",
    "(",
    ")",
    "-",
    ".",
    " ",
    "\t",
    "\u00a0",
    "\u2009",
    "\u3000",
    "\u200b",
    "\u0660",
    "\u0661",
    "\uff11",
    "\u06f5",
    "\u00b2",
    "ext",
    "x",
    "\uff58",
    "#",
    "*",
    ",",
    ";",
    "~",
    "/",
    "\\",
    "'",
    '"',
    "=1+2",
    "E+",
    "a",
    "B",
    "ramal",
    "anexo",
    "example.com",
]


@pytest.mark.parametrize("default", ["BR", "US", "GB", "DE", "IN", "AG"])
def test_bulk_path_agrees_with_phonenumbers_on_texts_built_from_hostile_pieces(default: str) -> None:
    rng = random.Random(f"hostile {default}")
    raws = ["".join(rng.choice(HOSTILE_PIECES) for _ in range(rng.randint(1, 8))) for _ in range(800)]
    got = bulk(raws, default)
    for raw, row in zip(raws, got):
        answer = phones.normalise_reason(raw, default)
        expected = (
            (answer.e164, answer.country, None) if isinstance(answer, phones.Phone) else (None, None, answer)
        )
        assert row == expected, raw
    assert any("phone-context" in raw for raw in raws) and len(set(got)) > 100  # varied
