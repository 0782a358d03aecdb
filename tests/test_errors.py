"""Twilio error codes explained (meaning and what to do, EN and PT) and classified for resending."""

from __future__ import annotations

import json

import pytest

from smscore.twilio import errors


def test_known_code_is_explained_from_twilios_dictionary():
    e = errors.explain(30007, "en")
    assert e.meaning == "Message filtered" and e.from_dictionary
    assert "Messaging Policy" in e.action and "](" not in e.action  # links made plain text


def test_known_code_is_explained_in_portuguese():
    e = errors.explain(30003, "pt-BR")
    assert e.meaning.startswith("Aparelho de destino inacessível") and e.lang == "pt-BR"
    assert "Tente de novo" in e.action


def test_code_without_portuguese_wording_falls_back_to_twilios_english():
    e = errors.explain(30011, "pt-BR")
    assert e.from_dictionary and e.lang == "en" and e.meaning


def test_unknown_code_shows_twilios_message_from_the_response():
    e = errors.explain(63999, "pt-BR", "Brand new failure")
    assert (e.meaning, e.from_dictionary, e.kind) == ("Brand new failure", False, errors.PERMANENT)


def test_every_portuguese_entry_is_a_dictionary_code_with_meaning_and_action():
    data = json.loads(errors.PORTUGUESE.read_text(encoding="utf-8"))
    for code, pair in data.items():
        if code.startswith("_"):
            continue
        assert errors.known(int(code)), code
        assert len(pair) == 2 and all(part.strip() for part in pair)


def test_every_transient_code_is_in_the_dictionary_or_documented():
    # 30036 (validity period expired) is newer than the 2023 dictionary copy.
    missing = [c for c in errors.TRANSIENT_CODES if not errors.known(c)]
    assert missing == [30036]


@pytest.mark.parametrize(
    "code,kind",
    [
        (30003, errors.TRANSIENT),
        (30008, errors.TRANSIENT),
        (20429, errors.TRANSIENT),
        (30001, errors.TRANSIENT),
        (21611, errors.TRANSIENT),
        (30017, errors.TRANSIENT),
        (21610, errors.OPTED_OUT),
        (21211, errors.PERMANENT),
        (21614, errors.PERMANENT),
        (30004, errors.PERMANENT),
        (30005, errors.PERMANENT),
        (30006, errors.PERMANENT),
        (30007, errors.PERMANENT),
        (30034, errors.PERMANENT),
        (21408, errors.PERMANENT),
        (21617, errors.PERMANENT),
        (63999, errors.PERMANENT),
        (None, errors.PERMANENT),
    ],
)
def test_resend_classification_per_code(code, kind):
    assert errors.classify(code) == kind
