"""Phone numbers: E.164 + country as phonenumbers decides them, and the SQL path agrees."""

from __future__ import annotations

import duckdb
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat as Fmt
from phonenumbers import PhoneNumberType as Type

from smscore.contacts import phones, phonesql

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
TYPES = [
    Type.MOBILE,
    Type.FIXED_LINE,
    Type.TOLL_FREE,
    Type.PREMIUM_RATE,
    Type.SHARED_COST,
    Type.VOIP,
    Type.PERSONAL_NUMBER,
    Type.PAGER,
    Type.UAN,
    Type.VOICEMAIL,
]
EXAMPLES = [
    n for r in REGIONS for t in TYPES if (n := phonenumbers.example_number_for_type(r, t)) is not None
]


def run_sql(raws: list[str | None], default: str) -> list[tuple[str | None, ...]]:
    """(e164, country, status, reason) per raw number, from the SQL path alone."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT i + 1 AS key, raws[i + 1] AS raw "
        "FROM (SELECT ? AS raws), range(len(raws)) t(i)",
        [raws],
    )
    phonesql.normalise_sql(con, "src", default, "out", rare_code_rows=0)  # SQL for every code
    return [
        tuple(r) for r in con.execute("SELECT e164, country, status, reason FROM out ORDER BY key").fetchall()
    ]


def written_forms(number: phonenumbers.PhoneNumber) -> list[str]:
    e164 = phonenumbers.format_number(number, Fmt.E164)
    nsn = phonenumbers.national_significant_number(number)
    return [
        e164,
        phonenumbers.format_number(number, Fmt.INTERNATIONAL),
        phonenumbers.format_number(number, Fmt.NATIONAL),
        "00" + e164[1:],
        e164[1:],
        nsn,
    ]


def assert_sql_agrees(raws: list[str], default: str) -> tuple[int, int]:
    """Every number SQL accepts has phonenumbers' E.164 and country, every number it rejects
    has phonenumbers' reason, word for word; returns (decided by SQL, all rows)."""
    decided = 0
    for raw, (e164, country, status, reason) in zip(raws, run_sql(raws, default)):
        reference = phones.normalise_reason(raw, default)
        if status == "valid":
            assert reference == phones.Phone(e164, country), (raw, default)
        elif status == "invalid":
            assert reference == reason, (raw, default)
        decided += status != "check"
    return decided, len(raws)


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("+55 11 98765-4321", "+5511987654321"),
        ("(11) 98765-4321", "+5511987654321"),
        ("0044 20 7946 0958", "+442079460958"),
        ("5511987654321", "+5511987654321"),
        ("011 98765-4321", "+5511987654321"),
        ("0021 44 20 7946 0958", "+442079460958"),  # Brazil's own 00 + carrier prefix
        ("+1 (212) 555-0123", "+12125550123"),
    ],
)
def test_common_forms_normalise_to_e164_with_default_br(raw: str, e164: str) -> None:
    assert phones.normalise(raw, "BR").e164 == e164
    assert run_sql([raw], "BR")[0][0] == e164


def test_country_comes_from_the_number_not_the_default() -> None:
    assert phones.normalise("+7 701 123 4567", "BR").country == "KZ"
    assert phones.normalise("+7 912 345 6789", "BR").country == "RU"
    assert phones.normalise("+1 416 555 0123", "BR").country == "CA"


def test_00_rule_only_applies_when_invalid_as_written() -> None:
    # phonenumbers alone: Brazil's international prefix needs a carrier code, so this is invalid
    assert not phonenumbers.is_valid_number(phonenumbers.parse("0044 20 7946 0958", "BR"))
    assert phones.normalise("0044 20 7946 0958", "BR") == phones.Phone("+442079460958", "GB")


@pytest.mark.parametrize(
    "raw, words",
    [
        ("123", "too short for BR"),
        ("", "missing phone"),
        ("abc", "not a phone number"),
        ("+800 1234 5678", "non-geographic"),
        ("+55 11 1234", "too short"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(raw: str, words: str) -> None:
    with pytest.raises(phones.InvalidPhone, match=words):
        phones.normalise(raw, "BR")


def test_unknown_default_country_is_named() -> None:
    with pytest.raises(ValueError, match="'XX'"):
        phones.normalise("+5511987654321", "XX")


@pytest.mark.parametrize("default", ["BR", "AR"])  # AR: the most complex national-prefix rule
def test_sql_agrees_with_phonenumbers_on_every_regions_examples(default: str) -> None:
    raws = [form for number in EXAMPLES for form in written_forms(number)]
    decided, total = assert_sql_agrees(raws, default)
    assert decided > 0.95 * total  # SQL decides nearly all, else the fast path is not doing its job


@st.composite
def messy_numbers(draw: st.DrawFn) -> str:
    number = draw(st.sampled_from(EXAMPLES))
    nsn = phonenumbers.national_significant_number(number)
    tail = draw(st.integers(0, min(6, len(nsn))))
    digits = nsn[: len(nsn) - tail] + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=tail, max_size=tail))
    )
    digits += draw(st.sampled_from(["", "", "", "0", "12"]))  # sometimes too long
    if draw(st.booleans()) and len(digits) > 3:
        digits = digits[:-1]  # or too short
    cc = str(number.country_code)
    prefix = draw(
        st.sampled_from(["+" + cc, "00" + cc, cc, "", "0", "+" + cc + " (0)", "+1", "011" + cc, "0021" + cc])
    )
    text = prefix + digits
    separators = draw(st.lists(st.sampled_from([" ", "-", ".", "(", ")"]), max_size=3))
    for sep in separators:
        at = draw(st.integers(1, max(1, len(text) - 1)))
        text = text[:at] + sep + text[at:]
    return draw(st.sampled_from(["", " "])) + text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raws=st.lists(messy_numbers(), min_size=30, max_size=30),
    default=st.sampled_from(
        [
            "BR",
            "US",
            "GB",
            "DE",
            "PT",
            "AR",
            "MX",
            "IT",
            "JP",
            "AU",
            "RU",
            "KZ",
            "IN",
            "FR",
            "AG",
            "SM",
            "NF",
            "MG",
        ]
    ),
)
def test_sql_agrees_with_phonenumbers_on_random_variations(raws: list[str], default: str) -> None:
    assert_sql_agrees(raws, default)


def test_normalise_column_asks_phonenumbers_only_what_sql_cannot_decide() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT * FROM (VALUES (1, '(11) 98765-4321'), "
        "(2, '123'), (3, NULL), (4, '+44 20 7946 0958 ext. 12'), (5, 'n/a')) t(key, raw)"
    )
    slow = phonesql.normalise_column(con, "src", "BR", "out", rare_code_rows=0)
    rows = con.execute("SELECT key, e164, country, reason FROM out ORDER BY key").fetchall()
    assert rows[0] == (1, "+5511987654321", "BR", None)
    assert "too short for BR" in rows[1][3]
    assert rows[2][3] == "missing phone"
    assert rows[3][1:3] == ("+442079460958", "GB")  # the extension split off by `canonical`
    assert "not a phone number" in rows[4][3]  # parse refuses it outright: read_text
    assert slow == 0


@pytest.mark.parametrize("raw", ["\t", " \t ", "\t\u2009", "\u3000"])
def test_a_cell_of_whitespace_duckdb_does_not_trim_is_a_missing_phone(raw: str) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE src AS SELECT 1 AS key, ? AS raw", [raw])
    phonesql.normalise_column(con, "src", "BR", "out")
    assert con.execute("SELECT reason FROM out").fetchall() == [("missing phone",)]
    assert phones.normalise_reason(raw, "BR") == "missing phone"


@pytest.mark.parametrize("raw", ["-", "n/a", "5.511987654321E+12", "+55\u202f11\u202f96123-8041", "x" * 251])
def test_text_parse_refuses_outright_gets_phonenumbers_words_without_a_parse(raw: str) -> None:
    assert phones.read_text(raw) == (None, phones.normalise_reason(raw, "BR"))


def test_no_refusal_where_the_00_rule_may_still_read_a_number() -> None:
    assert phones.read_text("00\u202f55\u202f112303-0633") == (None, None)
    assert phones.read_text("(11) 98765-4321") == ("11987654321", None)


@pytest.mark.parametrize(
    "raw, form",
    [
        ("+44 20 7946 0958 ext. 12", "+442079460958"),
        ("0055 3004-7544,,12", "005530047544"),  # pause: an extension, not digits
        ("Tel: (11) 98765-4321", "11987654321"),
        ("\uff0b44 \u0667\u0669\u0661\u0661 034496", "+447911034496"),  # fullwidth plus, Arabic-Indic
        ("11\u00a098765\u20094321", None),  # thin space: not phonenumbers punctuation
        ("0800 FLOWERS", "08003569377"),  # vanity letters read as digits
        ("n/a", None),
        ("tel:+00 44 20 7946 0958", "+00442079460958"),  # a written plus: no 00 rule after it
    ],
)
def test_canonical_is_what_phonenumbers_parse_reads_in_the_text(raw: str, form: str | None) -> None:
    assert phones.canonical(raw) == form


def test_texts_read_through_canonical_get_phonenumbers_answer_and_words() -> None:
    raws = [
        "0055 3004-7544,,12",
        "(11) 98765-4321 (cel)",
        "0049 16432687 anexo 92670",
        "\u0660\u0660\u0664\u0664 \u0667\u0669\u0661\u0661\u0660\u0663\u0664\u0664\u0669\u0666",
        "11 9876-432 ramal 5",
        "\uff10\uff11\uff11 9876 54321",
        "Tel: 9999 x12",
        "+44 20 7946 09 ext 3",
        "'0xx11 98765-4321",
        "00 351 948088290 - trabalho",
    ]
    decided, total = assert_sql_agrees(raws, "BR")
    assert decided == total  # the last one's labels read as 22 digits: parse's "too long"


def test_rows_of_a_rare_calling_code_are_left_to_phonenumbers() -> None:
    raws = [
        "+44 20 7946 0958",
        "+351 912 345 678",
        "0044 20 7946 0958",
        "(11) 98765-4321",
        "+44 20 7946 095",
    ] + [f"(11) 98765-43{i:02d}" for i in range(20)]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT i + 1 AS key, raws[i + 1] AS raw "
        "FROM (SELECT ? AS raws), range(len(raws)) t(i)",
        [raws],
    )
    slow = phonesql.normalise_column(con, "src", "BR", "out", rare_code_rows=5)
    got = con.execute("SELECT e164, country, reason FROM out ORDER BY key").fetchall()
    assert slow == 4  # +44 (three rows, 00 reading included) and +351
    for raw, (e164, country, reason) in zip(raws, got):
        expected = phones.normalise_reason(raw, "BR")
        assert (phones.Phone(e164, country) if e164 else reason) == expected, raw


def test_normalise_column_when_sql_decides_no_row() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT * FROM (VALUES (1, ' +800 1234 5678 x 12 '), (2, 'abc')) t(key, raw)"
    )
    assert phonesql.normalise_column(con, "src", "BR", "out", rare_code_rows=0) == 1
    rows = con.execute("SELECT e164, country, reason FROM out ORDER BY key").fetchall()
    assert rows[0] == (None, None, phones.normalise_reason(" +800 1234 5678 x 12 ", "BR"))
    assert "not a phone number" in rows[1][2]


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("+1 201 088 2059", "not an assigned US number range ('+1 201 088 2059', read as +12010882059)"),
        ("+18761558702", "not an assigned JM number range ('+18761558702', read as +18761558702)"),
        ("001 2010108604", "too long for BR ('001 2010108604', read as +55012010108604)"),
        ("9999", "too short for BR ('9999', read as +559999)"),
    ],
)
def test_sql_words_common_invalid_numbers_as_phonenumbers_does(raw: str, reason: str) -> None:
    assert run_sql([raw], "BR")[0][2:] == ("invalid", "invalid number: " + reason)
    assert phones.normalise_reason(raw, "BR") == "invalid number: " + reason


def test_national_number_uses_the_default_regions_rules_when_it_shares_its_code() -> None:
    # AG shares +1 with the US; its national-prefix rule turns a 7-digit local number into +1268…
    assert phones.normalise(" 40)61200", "AG") == phones.Phone("+12684061200", "AG")
    assert run_sql([" 40)61200"], "AG")[0][:3] == ("+12684061200", "AG", "valid")
