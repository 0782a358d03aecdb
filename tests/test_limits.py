"""Twilio's body limits in the quote: 1,600 characters per recipient after placeholders, and
the warning above 10 segments."""

from __future__ import annotations

import json

from smscore.cost.limits import ADVISED_MAX_SEGMENTS, MAX_BODY_CHARS, OVER_LIMIT_REASON, LengthCheck
from smscore.cost.quote import Selection, build_quote


def _contact(con, phone: str, country: str, name: str, **fields: str) -> int:
    return con.execute(
        "INSERT INTO contacts (phone, country, name, fields) VALUES (?, ?, ?, ?) RETURNING id",
        [phone, country, name, json.dumps(fields)],
    ).fetchone()[0]


def _two(con) -> None:
    _contact(con, "+5511987654321", "BR", "Ana", note="short")
    _contact(con, "+351912345678", "PT", "Rui", note="x" * 1590)


def test_quote_excludes_everyone_when_a_fixed_body_is_over_1600_characters(fresh_db):
    _two(fresh_db)
    q = build_quote(fresh_db, "a" * 1700, Selection(everyone=True))
    assert q.n_recipients == 0 and q.total_max == 0
    assert list(q.excluded["reason"]) == [OVER_LIMIT_REASON] * 2
    check = q.length_check()
    assert check.refused and check.over_limit == 2
    assert "1,600" in check.refusal()


def test_quote_of_a_million_character_body_prices_nothing(fresh_db):
    _two(fresh_db)
    q = build_quote(fresh_db, "é" * 1_000_000, Selection(everyone=True))
    assert q.segments == 0 and q.n_recipients == 0 and q.length_check().refused


def test_body_of_exactly_1600_characters_is_sendable(fresh_db):
    _two(fresh_db)
    q = build_quote(fresh_db, "a" * MAX_BODY_CHARS, Selection(everyone=True))
    assert q.n_recipients == 2 and not q.length_check().refused


def test_quote_excludes_only_recipients_whose_placeholders_push_them_over(fresh_db):
    _two(fresh_db)
    q = build_quote(fresh_db, "Hello {name}, " + "b" * 20 + " {note}", Selection(everyone=True))
    assert list(q.recipients["phone"]) == ["+5511987654321"]
    assert list(q.excluded["phone"]) == ["+351912345678"]
    assert list(q.excluded["reason"]) == [OVER_LIMIT_REASON]
    check = q.length_check()
    assert check.over_limit == 1 and not check.refused


def test_long_message_warns_above_ten_segments(fresh_db):
    _two(fresh_db)
    q = build_quote(fresh_db, "a" * MAX_BODY_CHARS, Selection(everyone=True))  # 11 segments
    check = q.length_check()
    assert check.max_segments == 11 and check.long_warning
    assert "10 segments" in check.warning()


def test_ten_segments_do_not_warn(fresh_db):
    _two(fresh_db)
    q = build_quote(fresh_db, "a" * (153 * 10), Selection(everyone=True))
    assert q.length_check().max_segments == ADVISED_MAX_SEGMENTS
    assert q.length_check().warning() is None


def test_length_check_without_exclusions_is_never_a_refusal():
    assert not LengthCheck(0, 0, 0).refused
