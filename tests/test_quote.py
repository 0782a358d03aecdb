"""Batch quotes: per-recipient segments after personalisation, per-country ranges, exclusions."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from smscore.cost.quote import QuoteError, Selection, build_quote, parse_template, placeholders

BR = Decimal("0.0599")
PT = Decimal("0.0473")
US_MIN, US_MAX = Decimal("0.0114"), Decimal("0.0124")  # 0.0079 + carrier fees 0.0035..0.0045


def _contact(con, phone, country, name, categories=(), **fields):
    cid = con.execute(
        "INSERT INTO contacts (phone, country, name, fields) VALUES (?, ?, ?, ?) RETURNING id",
        [phone, country, name, json.dumps(fields)],
    ).fetchone()[0]
    for cat in categories:
        con.execute("INSERT OR IGNORE INTO categories (name) VALUES (?)", [cat])
        con.execute("INSERT INTO contact_categories SELECT ?, id FROM categories WHERE name = ?", [cid, cat])
    return cid


@pytest.fixture
def contacts(fresh_db):
    con = fresh_db
    ids = {
        "ana": _contact(con, "+5511987654321", "BR", "Ana", ["vip"], city="Rio"),
        "joao": _contact(con, "+5521987654321", "BR", "João", ["vip", "clientes"], city="Niterói"),
        "rui": _contact(con, "+351912345678", "PT", "Rui", ["clientes"], city="Porto"),
        "bob": _contact(con, "+12025550123", "US", "Bob", [], city=""),
        "zed": _contact(con, "+290123456", "SH", "Zed", ["clientes"], city="Jamestown"),
    }
    con.execute("INSERT INTO suppressions (phone, reason) VALUES ('+5521987654321', 'replied STOP')")
    return ids


def test_fixed_body_is_priced_per_country_with_totals(fresh_db, contacts):
    q = build_quote(fresh_db, "Promo: 10% off today", Selection(categories=("vip", "clientes")))
    by = q.by_country.set_index("iso")
    assert list(q.recipients["phone"].sort_values()) == ["+351912345678", "+5511987654321"]
    assert by.loc["BR", "subtotal_max"] == BR and by.loc["PT", "subtotal_max"] == PT
    assert q.total_min == q.total_max == BR + PT
    assert q.currency == "USD" and str(q.price_list_as_of) == "2023-09-19"


def test_opted_out_and_unpriced_contacts_are_excluded_with_a_reason(fresh_db, contacts):
    q = build_quote(fresh_db, "Hello", Selection(everyone=True))
    reasons = dict(zip(q.excluded["phone"], q.excluded["reason"]))
    assert reasons["+5521987654321"] == "opted out (replied STOP)"
    assert reasons["+290123456"].startswith("no price for SH")
    assert "+5521987654321" not in set(q.recipients["phone"])


def test_us_destination_is_a_range_and_the_gate_uses_the_max(fresh_db, contacts):
    q = build_quote(fresh_db, "Hello", Selection(contact_ids=(contacts["bob"],)))
    assert (q.total_min, q.total_max) == (US_MIN, US_MAX)


def test_personalised_segments_are_counted_per_recipient(fresh_db, contacts):
    # 66 GSM-7 characters plus the name: "Ana" stays GSM-7 in one segment; "João" forces UCS-2
    # and the same text no longer fits in 70 units... so count per recipient.
    body = "Hi {name}, " + "x" * 140
    q = build_quote(fresh_db, body, Selection(contact_ids=(contacts["ana"], contacts["rui"])))
    segs = dict(zip(q.recipients["phone"], q.recipients["segments"]))
    assert segs == {"+5511987654321": 1, "+351912345678": 1}
    _contact(fresh_db, "+5511911112222", "BR", "Zoë", [])
    q2 = build_quote(fresh_db, body, Selection(everyone=True))
    row = q2.recipients.set_index("phone").loc["+5511911112222"]
    assert row["encoding"] == "UCS-2" and row["segments"] == 3
    assert q2.segments == sum(q2.recipients["segments"])


def test_placeholders_render_contact_fields(fresh_db, contacts):
    q = build_quote(fresh_db, "Olá {name} de {city}! {{promo}}", Selection(contact_ids=(contacts["ana"],)))
    assert q.recipients["body"].iloc[0] == "Olá Ana de Rio! {promo}"
    assert "city" in placeholders(fresh_db)


def test_missing_field_value_excludes_the_recipient(fresh_db, contacts):
    q = build_quote(fresh_db, "Hi {name} from {city}", Selection(contact_ids=(contacts["bob"],)))
    assert q.n_recipients == 0
    assert q.excluded["reason"].iloc[0] == "no value for {city}"


def test_a_field_of_only_tabs_and_line_breaks_is_no_value(fresh_db, contacts):
    cid = _contact(fresh_db, "+5511988887777", "BR", "Tab", [], city="\t\r\n\u2028")
    q = build_quote(fresh_db, "Hi {name} from {city}", Selection(contact_ids=(cid,)))
    assert q.n_recipients == 0
    assert q.excluded["reason"].iloc[0] == "no value for {city}"


def test_unknown_placeholder_is_refused_naming_it(fresh_db, contacts):
    with pytest.raises(QuoteError, match=r"\{nmae\}"):
        build_quote(fresh_db, "Hi {nmae}", Selection(everyone=True))


def test_unknown_category_is_refused(fresh_db, contacts):
    with pytest.raises(QuoteError, match="'promo'"):
        build_quote(fresh_db, "Hi", Selection(categories=("promo",)))


def test_empty_body_and_empty_selection_are_refused(fresh_db, contacts):
    with pytest.raises(QuoteError, match="empty"):
        build_quote(fresh_db, "   ", Selection(everyone=True))
    with pytest.raises(QuoteError, match="choose recipients"):
        build_quote(fresh_db, "Hi", Selection())


def test_trial_prefix_is_counted(fresh_db, contacts):
    body = "x" * 130
    plain = build_quote(fresh_db, body, Selection(contact_ids=(contacts["ana"],)))
    trial = build_quote(
        fresh_db,
        body,
        Selection(contact_ids=(contacts["ana"],)),
        prefix="Sent from your Twilio trial account - ",
    )
    assert plain.segments == 1 and trial.segments == 2
    assert trial.total_max == 2 * plain.total_max
    # Twilio prepends the prefix itself: the body we send must not carry it twice.
    assert trial.recipients["body"].iloc[0] == body


def test_trial_prefix_is_counted_per_recipient_but_not_stored(fresh_db, contacts):
    body = "Hi {name}, " + "x" * 130
    trial = build_quote(
        fresh_db,
        body,
        Selection(contact_ids=(contacts["ana"],)),
        prefix="Sent from your Twilio trial account - ",
    )
    assert trial.recipients["body"].iloc[0] == "Hi Ana, " + "x" * 130
    assert trial.segments == 2


def test_smart_encoding_changes_the_count(fresh_db, contacts):
    body = "It’s here " + "y" * 61  # the curly apostrophe forces UCS-2 without smart encoding
    off = build_quote(fresh_db, body, Selection(contact_ids=(contacts["ana"],)))
    on = build_quote(fresh_db, body, Selection(contact_ids=(contacts["ana"],)), smart_encoding=True)
    assert off.recipients["encoding"].iloc[0] == "UCS-2" and off.segments == 2
    assert on.recipients["encoding"].iloc[0] == "GSM-7" and on.segments == 1


def test_each_recipient_gets_its_first_category(fresh_db, contacts):
    q = build_quote(fresh_db, "Hi", Selection(contact_ids=(contacts["ana"],)))
    assert q.recipients["category"].iloc[0] == "vip"


def test_template_parsing():
    t = parse_template("A {name} {{x}} {city}")
    assert t.fields == ("name", "city") and not t.is_fixed
    assert parse_template("plain").is_fixed


# --- the vectorised count agrees with smscore.cost.segments ------------------------------------------

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from smscore.cost import quote as quote_module  # noqa: E402
from smscore.cost.segments import count_segments  # noqa: E402

_ALPHABET = st.sampled_from(list("abcXYZ 019.,!?\n\r@£$éÇñüà€^{}[]~|\\áçãõêôí’“”😀👍🏽\u0301\u200d`\t"))


def _sql_counts(bodies: list[str], smart: bool) -> dict[str, tuple[str, int]]:
    cur = duckdb.connect()
    cur.register(
        "_quote_rows",
        pa.table(
            {"body": pa.array(bodies, pa.string()), "reason": pa.array([None] * len(bodies), pa.string())}
        ),
    )
    table = quote_module._count_distinct_bodies(cur, smart, None)
    return {
        b: (e, s)
        for b, e, s in zip(
            table.column("body").to_pylist(),
            table.column("encoding").to_pylist(),
            table.column("segments").to_pylist(),
        )
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(_ALPHABET, min_size=1, max_size=400), min_size=1, max_size=30), st.booleans())
def test_vectorised_segment_count_matches_the_segment_counter(bodies, smart):
    got = _sql_counts(bodies, smart)
    for body in bodies:
        expected = count_segments(body, smart)
        assert got[body] == (expected.encoding, expected.segments), repr(body)


def test_vectorised_count_on_boundaries():
    bodies = [
        "a" * 160,
        "a" * 161,
        "a" * 306,
        "a" * 307,
        "ç" * 70,
        "ç" * 71,
        "ç" * 134,
        "ç" * 135,
        "[" * 80,
        "[" * 81,
        "a" * 152 + "€",
        "€" * 70,
    ]
    got = _sql_counts(bodies, False)
    for body in bodies:
        expected = count_segments(body)
        assert got[body] == (expected.encoding, expected.segments), body[:5]


def test_a_trial_account_prices_only_its_verified_numbers(fresh_db, contacts):
    q = build_quote(fresh_db, "Hi", Selection(everyone=True), only_to={"+5511987654321"})
    assert q.recipients["phone"].tolist() == ["+5511987654321"]
    reasons = dict(zip(q.excluded["phone"], q.excluded["reason"]))
    assert reasons["+351912345678"] == "not a verified number (trial account)"
    assert reasons["+5521987654321"].startswith("opted out")  # opt-out still says why first
