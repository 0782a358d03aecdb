"""Segment counting, checked against Twilio's message-segment-calculator and live-send results."""

from __future__ import annotations

import math

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from smscore.cost.gsm7 import GSM7_BASIC, GSM7_CHARS, GSM7_EXTENSION
from smscore.cost.segments import SegmentCount, count_segments, gsm_suggestion, segments_of
from smscore.cost.smart_encoding import SMART_ENCODING_MAP, apply_smart_encoding

DIGITS = "1234567890" * 40
EMOJI = "\U0001f600"  # 😀, one surrogate pair
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽, one grapheme of two surrogate pairs
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧, 8 UTF-16 units
ACUTE = "\u0301"  # combining acute accent


def both(text: str, smart_encoding: bool = False) -> SegmentCount:
    """count_segments, after checking that the fast path agrees with it."""
    result = count_segments(text, smart_encoding=smart_encoding)
    assert segments_of(text, smart_encoding=smart_encoding) == result.segments
    return result


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_limits_are_160_then_153_per_segment(length: int, segments: int) -> None:
    result = both("a" * length)
    assert (result.encoding, result.segments, result.units) == ("GSM-7", segments, length)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_ucs2_limits_are_70_then_67_per_segment(length: int, segments: int) -> None:
    result = both("中" * length)
    assert (result.encoding, result.segments, result.units) == ("UCS-2", segments, length)


def test_per_segment_and_remaining_describe_the_last_segment() -> None:
    single = both("a" * 150)
    assert (single.per_segment, single.remaining) == (160, 10)
    split = both("a" * 200)
    assert (split.per_segment, split.remaining) == (153, 153 * 2 - 200)
    ucs2 = both("ç" * 100)
    assert (ucs2.per_segment, ucs2.remaining) == (67, 67 * 2 - 100)


def test_empty_text_is_one_gsm7_segment_like_the_calculator() -> None:
    assert both("") == SegmentCount("GSM-7", 1, 0, 0, (), 160, 160)


# --- characters that cost two units ----------------------------------------------------------


def test_extension_chars_cost_two_septets() -> None:
    result = both("€" * 80)
    assert (result.units, result.segments) == (160, 1)
    assert both("€" * 80 + "a").segments == 2


def test_form_feed_is_an_extension_char() -> None:
    assert both("\f").units == 2


def test_extension_char_at_segment_boundary_moves_to_next_segment() -> None:
    # 152 + 2 + 152 = 306 septets would fit 2 x 153, but the euro cannot straddle segments.
    result = both("a" * 152 + "€" + "a" * 152)
    assert (result.units, result.segments, result.remaining) == (306, 3, 152)


def test_extension_chars_cost_one_unit_once_the_text_is_ucs2() -> None:
    # Calculator issue #18 / #57: "]" is 2 septets but a single UTF-16 unit.
    assert both(EMOJI + "]" * 68).segments == 1
    assert both(EMOJI + "]" * 69).segments == 2
    assert both("|" * 69 + "∞").units == 70


def test_emoji_surrogate_pair_at_ucs2_boundary_moves_to_next_segment() -> None:
    result = both("a" * 66 + EMOJI + "a" * 66)
    assert (result.units, result.segments, result.remaining) == (134, 3, 66)


def test_emoji_counts_two_units_and_one_character() -> None:
    result = both(EMOJI * 35)
    assert (result.encoding, result.units, result.characters, result.segments) == (
        "UCS-2",
        70,
        35,
        1,
    )
    assert both(EMOJI * 36).segments == 2


# --- grapheme clusters -----------------------------------------------------------------------


def test_skin_tone_emoji_is_never_split_between_segments() -> None:
    # Splitting between surrogate pairs would give 67 + 67; the cluster moves whole instead.
    result = both("a" * 65 + THUMBS_UP_MEDIUM + "a" * 65)
    assert (result.units, result.characters, result.segments) == (134, 131, 3)


def test_zwj_family_emoji_is_one_character_of_eight_units() -> None:
    result = both(FAMILY + "a" * 62)
    assert (result.units, result.characters, result.segments) == (70, 63, 1)
    assert both("a" * 60 + FAMILY + "a" * 66).segments == 3


def test_letter_with_combining_mark_forces_ucs2_and_moves_whole() -> None:
    result = both("a" * 66 + "e" + ACUTE + "a" * 66)
    assert (result.encoding, result.units, result.segments) == ("UCS-2", 134, 3)
    assert result.ucs2_chars == ("e" + ACUTE,)


def test_triple_accented_letter_is_one_character_of_four_units() -> None:
    # Calculator issue #17.
    accented = "e" + ACUTE * 3
    assert both(accented).characters == 1
    assert both(accented + "a" * 66).segments == 1
    assert both(accented + "a" * 67).segments == 2


def test_grapheme_bigger_than_a_segment_gets_a_segment_of_its_own() -> None:
    zalgo = "e" + ACUTE * 79  # 80 units, more than fits anywhere
    assert both(zalgo).segments == 2  # the calculator leaves segment 1 empty, then overfills
    assert both(zalgo + "a").segments == 3


@pytest.mark.parametrize("accents", [20, 30, 31, 32, 33, 40, 66, 67, 68, 69])
def test_big_clusters_near_the_first_boundary_match_the_calculator(accents: int) -> None:
    cluster = "e" + ACUTE * accents
    for before in range(0, 71, 5):
        for after in (0, 3, 40, 80):
            text = "a" * before + cluster + "a" * after
            assert both(text).segments == reference_segments(text), (before, after)


# --- line breaks -----------------------------------------------------------------------------


def test_crlf_counts_as_two_characters() -> None:
    result = both("\rabcde\r\n123")
    assert (result.encoding, result.units, result.characters) == ("GSM-7", 11, 11)
    assert both("\nabcde\n\n123\n").units == 12


def test_crlf_can_straddle_a_ucs2_boundary_like_two_characters() -> None:
    result = both("ç" * 66 + "\r\n" + "ç" * 66)
    assert (result.units, result.segments) == (134, 2)


# --- which characters force UCS-2 ------------------------------------------------------------


def test_portuguese_cedilla_forces_ucs2() -> None:
    result = both("Promoção")
    assert (result.encoding, result.ucs2_chars) == ("UCS-2", ("ç", "ã"))


def test_accented_letters_in_gsm7_keep_gsm7() -> None:
    result = both("é è à ü ù ì ò Ç ñ Ñ Ä Ö Ü ß ¿ ¡ £ ¥ § Δ Ω")
    assert (result.encoding, result.ucs2_chars) == ("GSM-7", ())


def test_ucs2_chars_are_distinct_in_order_of_first_appearance() -> None:
    result = both(f"Olá, ação {EMOJI} já {THUMBS_UP_MEDIUM} á{EMOJI}")
    assert result.ucs2_chars == ("á", "ç", "ã", EMOJI, THUMBS_UP_MEDIUM)


def test_backtick_and_tab_are_not_gsm7() -> None:
    assert both("`").ucs2_chars == ("`",)
    assert both("a\tb").encoding == "UCS-2"


def test_escape_char_is_not_gsm7_even_beside_a_euro() -> None:
    result = both("\x1b€" + "a" * 80)
    assert (result.encoding, result.ucs2_chars, result.segments) == ("UCS-2", ("\x1b",), 2)


def test_greek_capitals_are_gsm7() -> None:
    assert both("ΔΦΓΛΩΠΨΣΘΞ" * 16).segments == 1


# --- smart encoding --------------------------------------------------------------------------


def test_smart_encoding_turns_curly_quotes_into_gsm7() -> None:
    text = "“Hi” it’s " + "a" * 100
    off, on = both(text), both(text, smart_encoding=True)
    assert (off.encoding, off.segments) == ("UCS-2", 2)
    assert (on.encoding, on.segments, on.ucs2_chars) == ("GSM-7", 1, ())


def test_smart_encoding_off_leaves_text_alone() -> None:
    assert both("…").units == 1
    assert both("…", smart_encoding=True).units == 3


@pytest.mark.parametrize(("char", "replacement"), sorted(SMART_ENCODING_MAP.items()))
def test_smart_encoding_table_maps_each_char_to_gsm7(char: str, replacement: str) -> None:
    assert apply_smart_encoding(char) == replacement
    assert set(replacement) <= GSM7_CHARS


def test_smart_encoding_keeps_portuguese_accents() -> None:
    assert apply_smart_encoding("ação") == "ação"


def test_smart_encoding_single_angle_quotes_point_the_right_way() -> None:
    # Calculator 1.3.0 (PR #58) fixed a swap in the published table.
    assert apply_smart_encoding("‹a›") == "<a>"


# --- the 16 cases the calculator's maintainers sent through live Twilio (issue #66) ------------
LIVE_TWILIO_CASES = [
    ("1a", "a" * 80 + "\r\n" + "a" * 79, False, "GSM-7", 2),
    ("1b", "a" * 80 + "\n" + "a" * 79, False, "GSM-7", 1),
    ("1c", "a" * 200 + "\r\n" + "a" * 105, False, "GSM-7", 3),
    ("2a", "é" * 70, False, "GSM-7", 1),
    ("2b", ("e" + ACUTE) * 70, False, "UCS-2", 3),
    ("2c", "e" + ACUTE, False, "UCS-2", 1),
    ("3a", "“Hi”", False, "UCS-2", 1),
    ("3b", "“Hi”", True, "GSM-7", 1),
    # The plan's "low-quote + ZWNJ" input; the ZWNJ is invisible in its source, placed here.
    ("3c", "a„\u200cbc", False, "UCS-2", 1),
    ("3d", "a„\u200cbc", True, "GSM-7", 1),
    ("4", EMOJI + "|", False, "UCS-2", 1),
    ("5a", "a" * 160, False, "GSM-7", 1),
    ("5b", "a" * 161, False, "GSM-7", 2),
    ("5c", "中" * 70, False, "UCS-2", 1),
    ("5d", "中" * 71, False, "UCS-2", 2),
    ("5e", "|", False, "GSM-7", 1),
]


@pytest.mark.parametrize(
    ("case", "text", "smart", "encoding", "segments"),
    LIVE_TWILIO_CASES,
    ids=[case[0] for case in LIVE_TWILIO_CASES],
)
def test_matches_live_twilio_num_segments(
    case: str, text: str, smart: bool, encoding: str, segments: int
) -> None:
    result = both(text, smart_encoding=smart)
    assert (result.encoding, result.segments) == (encoding, segments)


# --- the calculator's own test data (tests/index.test.js, tests/segments.test.js) ------------
FLAG_IT = "\U0001f1ee\U0001f1f9"  # 🇮🇹, two regional indicators
RAINBOW_FLAG = "\U0001f3f3\ufe0f\u200d\U0001f308"  # 🏳️‍🌈, 6 UTF-16 units
CALCULATOR_CASES = [
    # text, encoding, segments, characters, units
    (DIGITS[:160], "GSM-7", 1, 160, 160),
    (DIGITS[:161], "GSM-7", 2, 161, 161),
    (DIGITS[:307], "GSM-7", 3, 307, 307),
    (EMOJI + DIGITS[1:69], "UCS-2", 1, 69, 70),
    (EMOJI + DIGITS[1:70], "UCS-2", 2, 70, 71),
    (EMOJI + DIGITS[1:134], "UCS-2", 3, 134, 135),
    (FLAG_IT + DIGITS[2:68], "UCS-2", 1, 67, 70),
    (FLAG_IT + DIGITS[2:69], "UCS-2", 2, 68, 71),
    (RAINBOW_FLAG + DIGITS[1:65], "UCS-2", 1, 65, 70),
    (RAINBOW_FLAG + DIGITS[1:66], "UCS-2", 2, 66, 71),
]


@pytest.mark.parametrize(("text", "encoding", "segments", "characters", "units"), CALCULATOR_CASES)
def test_matches_calculator_test_data(
    text: str, encoding: str, segments: int, characters: int, units: int
) -> None:
    result = both(text)
    assert (result.encoding, result.segments, result.characters, result.units) == (
        encoding,
        segments,
        characters,
        units,
    )


def test_ucs2_three_segments_leave_one_character_in_the_last() -> None:
    result = both(EMOJI + DIGITS[1:134])
    assert result.remaining == 66


@pytest.mark.parametrize("escape", sorted(GSM7_EXTENSION - {"\f"}))
def test_each_extension_char_fills_a_segment_as_two(escape: str) -> None:
    assert both(escape + DIGITS[:158]).segments == 1
    assert both(escape + DIGITS[:159]).segments == 2


@pytest.mark.parametrize("char", ["Á", "Ú", "ú", "ç", "í", "Í", "ó", "Ó"])
def test_single_accented_char_fills_ucs2_segments(char: str) -> None:
    assert both(char * 70).segments == 1
    assert both(char * 71).segments == 2


def test_non_gsm_chars_reported_like_calculator() -> None:
    assert both("más").ucs2_chars == ("á",)


# --- gsm_suggestion --------------------------------------------------------------------------
PORTUGUESE = (
    "Olá Conceição, sua promoção de verão está disponível até amanhã. "
    "Responda SIM para confirmar ou NÃO para cancelar. Obrigado pela preferência!"
)


def test_gsm_suggestion_makes_portuguese_text_one_segment() -> None:
    suggestion = gsm_suggestion(PORTUGUESE)
    assert (suggestion.before.encoding, suggestion.before.segments) == ("UCS-2", 3)
    assert (suggestion.after.encoding, suggestion.after.segments) == ("GSM-7", 1)
    assert suggestion.replacements == {
        "á": "a",
        "ç": "c",
        "ã": "a",
        "í": "i",
        "Ã": "A",
        "ê": "e",
    }
    assert suggestion.unreplaceable == ()
    assert suggestion.text.startswith("Ola Conceicao, sua promocao de verao esta disponivel até")
    assert segments_of(suggestion.text) == 1


def test_gsm_suggestion_keeps_gsm7_accents() -> None:
    suggestion = gsm_suggestion("Até já, José! Ça va? Über año. Promoção")
    assert "é" not in suggestion.replacements
    assert suggestion.text == "Até ja, José! Ça va? Über año. Promocao"


def test_gsm_suggestion_prefers_smart_encoding_replacements() -> None:
    suggestion = gsm_suggestion("It’s “ready” — ça")
    assert suggestion.replacements == {"’": "'", "“": '"', "”": '"', "—": "-", "ç": "c"}
    assert suggestion.after.encoding == "GSM-7"


def test_gsm_suggestion_composes_decomposed_accents_into_gsm7() -> None:
    suggestion = gsm_suggestion("Jose" + ACUTE)
    assert suggestion.replacements == {"e" + ACUTE: "é"}
    assert suggestion.text == "José"


def test_gsm_suggestion_reports_emoji_and_cjk_as_unreplaceable() -> None:
    suggestion = gsm_suggestion(f"Oi {THUMBS_UP_MEDIUM} 中 ação")
    assert suggestion.unreplaceable == (THUMBS_UP_MEDIUM, "中")
    assert suggestion.replacements == {"ç": "c", "ã": "a"}
    assert suggestion.after.encoding == "UCS-2"


def test_gsm_suggestion_on_gsm7_text_changes_nothing() -> None:
    suggestion = gsm_suggestion("Hello José")
    assert (suggestion.replacements, suggestion.unreplaceable) == ({}, ())
    assert suggestion.text == "Hello José"
    assert suggestion.before == suggestion.after


# --- properties ------------------------------------------------------------------------------
BASIC_ONLY = st.text(alphabet=sorted(GSM7_BASIC), max_size=700)
GSM_ANY = st.text(alphabet=sorted(GSM7_CHARS), max_size=700)
MIXED_ALPHABET = (
    sorted(GSM7_CHARS)
    + list("çãõáíóúâêôÀ’“”…中ł`\t\u00ad")
    + [EMOJI, "\U0001f3fd", "\u200d", "\ufe0f", ACUTE, "\U0001f1ee", "\U0001f1f9", "\u0308"]
    + ["\r\n", "\U0001f468", "\u1100", "\u1161", "\u0915\u094d", "\u0600", "\x1b", "Δ"]
    + ["e" + ACUTE * 20, "e" + ACUTE * 40, FAMILY, "\u2764\ufe0f"]
)
MIXED = st.lists(st.sampled_from(MIXED_ALPHABET), max_size=300).map("".join)


@given(BASIC_ONLY)
def test_gsm7_without_extension_chars_follows_the_simple_formula(text: str) -> None:
    n = len(text)
    expected = 1 if n <= 160 else math.ceil(n / 153)
    assert segments_of(text) == count_segments(text).segments == expected


@given(GSM_ANY)
def test_gsm7_fast_path_agrees_with_full_count(text: str) -> None:
    result = count_segments(text)
    assert result.encoding == "GSM-7"
    assert segments_of(text) == result.segments == reference_segments(text)


@settings(max_examples=300)
@given(MIXED, st.booleans())
def test_every_path_agrees_with_a_bit_level_model_of_the_calculator(text: str, smart: bool) -> None:
    expected = reference_segments(apply_smart_encoding(text) if smart else text)
    assert segments_of(text, smart_encoding=smart) == expected
    assert count_segments(text, smart_encoding=smart).segments == expected


@settings(max_examples=300)
@given(MIXED)
def test_characters_and_ucs2_chars_follow_graphemes(text: str) -> None:
    graphemes = reference_graphemes(text)
    result = count_segments(text)
    assert result.characters == len(graphemes)
    if result.encoding == "UCS-2":
        outside = [g for g in graphemes if len(g) > 1 or g not in GSM7_CHARS]
        assert result.ucs2_chars == tuple(dict.fromkeys(outside))
    else:
        assert result.ucs2_chars == ()


@given(MIXED)
def test_gsm_suggestion_without_leftovers_yields_gsm7(text: str) -> None:
    suggestion = gsm_suggestion(text)
    assert set(suggestion.replacements) <= set(suggestion.before.ucs2_chars)
    if not suggestion.unreplaceable:
        assert suggestion.after.encoding == "GSM-7"


def reference_graphemes(text: str) -> list[str]:
    """Graphemes as the calculator sees them: CR LF is two."""
    graphemes: list[str] = []
    for g in regex.findall(r"\X", text):
        graphemes.extend(["\r", "\n"] if g == "\r\n" else [g])
    return graphemes


def reference_segments(text: str) -> int:
    """The calculator's algorithm as written: graphemes, bits, 140-octet segments, 6-octet UDH."""
    graphemes = reference_graphemes(text)
    ucs2 = any(len(g) > 1 or g not in GSM7_CHARS for g in graphemes)

    def bits(g: str) -> int:
        if ucs2:
            return 16 * (len(g.encode("utf-16-le", "surrogatepass")) // 2)
        return 14 if g in GSM7_EXTENSION else 7

    segments: list[list[int]] = [[]]
    headers = [0]
    for g in graphemes:
        size = bits(g)
        if 1120 - headers[-1] - sum(segments[-1]) < size:
            previous = segments[-1]
            segments.append([])
            headers.append(48)
            if headers[-2] == 0:
                headers[-2] = 48
                moved: list[int] = []
                while 1120 - 48 - sum(previous) < 0:
                    moved.insert(0, previous.pop())
                segments[-1].extend(moved)
        segments[-1].append(size)
    return len(segments)
