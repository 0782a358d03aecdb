"""Differential: a number's type in SQL (smscore.numbertypes) against phonenumbers.number_type.

Generated numbers: each region's example number of each type, its last 1-4 digits drawn at
random, kept when phonenumbers calls the result valid (as every stored contact is). Zero
different types is the bar, over every region and type phonenumbers knows; and a whole import
types its contacts as phonenumbers does, the SQL path and the rare-region path alike.
"""

from __future__ import annotations

import random
from collections import Counter

import duckdb
import pandas as pd
import phonenumbers
import pytest

from smscore import numbertypes
from smscore.contacts.importer import import_contacts

TYPES = range(11)  # PhoneNumberType.FIXED_LINE .. VOICEMAIL
PER_EXAMPLE = 12


def generated(seed: int = 20) -> list[tuple[str, str]]:
    """(E.164, region) of valid numbers of every region and type, a dozen per example number."""
    rng = random.Random(seed)
    found: dict[str, str] = {}
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in TYPES:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            digits = list(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:])
            for _ in range(PER_EXAMPLE):
                drawn = digits[:]
                for i in range(len(drawn) - rng.randint(1, 4), len(drawn)):
                    drawn[i] = str(rng.randint(0, 9))
                number = phonenumbers.parse("+" + "".join(drawn))
                if phonenumbers.is_valid_number(number):
                    found["+" + "".join(drawn)] = phonenumbers.region_code_for_number(number)
    return sorted(found.items())


def reference(e164: str) -> str:
    """phonenumbers' own answer, named as the tests' words (not smscore's table)."""
    kind = phonenumbers.number_type(phonenumbers.parse(e164))
    return phonenumbers.PhoneNumberType.to_string(kind).lower()


def test_sql_types_agree_with_phonenumbers_on_generated_numbers_of_every_region():
    numbers = generated()
    con = duckdb.connect()
    con.register("n", pd.DataFrame(numbers, columns=["e164", "country"]))
    regions = {r for _, r in numbers}
    got = dict(con.execute(f"SELECT e164, {numbertypes.type_sql(regions)} FROM n").fetchall())
    different = [(e, got[e], reference(e)) for e, _ in numbers if got[e] != reference(e)]
    assert different == []
    kinds = Counter(got.values())
    assert len(numbers) > 15_000 and len(regions) > 200
    # every type phonenumbers has came up, so each branch of the SQL was exercised
    assert len(kinds) == 11, kinds


def test_one_number_by_phonenumbers_has_the_stored_words():
    assert numbertypes.number_type("+551134567890") == "fixed_line"
    assert numbertypes.number_type("+5511987654321") == "mobile"
    assert numbertypes.number_type("+14155552671") == "fixed_line_or_mobile"
    assert numbertypes.number_type("+558001234567") == "toll_free"


def test_an_import_types_its_contacts_as_phonenumbers_does_common_and_rare_regions(fresh_db):
    numbers = generated(seed=7)
    rng = random.Random(3)
    picked = rng.sample(numbers, 3000)
    # 300 Brazilian fixed lines make BR a common region (SQL); most others are rare (phonenumbers)
    picked += [(f"+55113{n:07d}", "BR") for n in range(1000, 1300)]
    rows = "\n".join(e for e, _ in picked)
    report = import_contacts(fresh_db, ("phone\n" + rows + "\n").encode(), default_country="BR")
    assert report.rejected == 0
    stored = fresh_db.execute("SELECT phone, number_type FROM contacts").fetchall()
    assert len(stored) == len(picked)
    assert [(p, t) for p, t in stored if t != reference(p)] == []
    assert report.no_sms["fixed_line"] == sum(1 for p, t in stored if t == "fixed_line")


@pytest.mark.parametrize(
    ("kind", "country", "included", "receives"),
    [
        ("mobile", "BR", (), True),
        ("fixed_line_or_mobile", "US", (), True),
        ("toll_free", "BR", (), True),
        ("voip", "GB", (), True),
        ("fixed_line", "BR", (), False),
        ("fixed_line", "DE", ("DE",), True),
        ("fixed_line", "BR", ("DE",), False),
        ("premium_rate", "DE", ("DE",), False),
        ("shared_cost", "FR", (), False),
        ("uan", "BR", (), False),
        ("voicemail", "AT", (), False),
        (None, "BR", (), True),
    ],
)
def test_which_types_receive_sms(kind, country, included, receives):
    assert numbertypes.receives_sms(kind, country, included) is receives


def test_the_countries_setting_reads_iso_codes_and_names_a_bad_one():
    assert numbertypes.parse_countries("de, gb;DE") == ("DE", "GB")
    assert numbertypes.parse_countries("") == ()
    with pytest.raises(ValueError, match="'Germany'"):
        numbertypes.parse_countries("Germany")
