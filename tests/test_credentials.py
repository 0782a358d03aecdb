"""Credentials: read from a mapping, validated, and never shown."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from smscore.twilio.credentials import Credentials

SID = "AC" + "a1b2c3d4" * 4
TOKEN = "tok-3e9f1d7c2b8a"
KEY = "SK" + "0f" * 16
SECRET = "sec-88c1a0d4e2"


def creds(**extra: str) -> Credentials:
    found = Credentials.from_mapping({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, **extra})
    assert found is not None
    return found


def test_nothing_set_means_sandbox() -> None:
    assert Credentials.from_mapping({}) is None
    assert Credentials.from_mapping({"TWILIO_FROM": "+15017122661", "PATH": "/bin"}) is None


def test_blank_values_count_as_unset() -> None:
    assert Credentials.from_mapping({"TWILIO_ACCOUNT_SID": "  ", "TWILIO_AUTH_TOKEN": ""}) is None


def test_auth_token_credentials_authenticate_with_the_sid() -> None:
    c = creds(TWILIO_FROM="+15017122661")
    assert c.username_password() == (SID, TOKEN)
    assert c.sender == "+15017122661"
    assert c.sid_last4 == SID[-4:]


def test_api_key_credentials_authenticate_with_the_key() -> None:
    c = Credentials.from_mapping(
        {"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY, "TWILIO_API_SECRET": SECRET}
    )
    assert c is not None and c.uses_api_key
    assert c.username_password() == (KEY, SECRET)


def test_messaging_service_wins_over_from_number_as_sender() -> None:
    service = "MG" + "9" * 32
    c = creds(TWILIO_FROM="+15017122661", TWILIO_MESSAGING_SERVICE_SID=service)
    assert c.sender == service


def test_base_url_overrides_are_read() -> None:
    c = creds(
        SMSCONSOLE_TWILIO_API_URL="http://127.0.0.1:4010",
        SMSCONSOLE_TWILIO_PRICING_URL="http://127.0.0.1:4011/",
    )
    assert (c.api_url, c.pricing_url) == ("http://127.0.0.1:4010", "http://127.0.0.1:4011/")


def test_sid_without_token_is_refused_not_sent_to_sandbox() -> None:
    with pytest.raises(ValueError, match="TWILIO_AUTH_TOKEN"):
        Credentials.from_mapping({"TWILIO_ACCOUNT_SID": SID})


def test_token_without_sid_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID") as err:
        Credentials.from_mapping({"TWILIO_AUTH_TOKEN": TOKEN})
    assert TOKEN not in str(err.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("TWILIO_ACCOUNT_SID", "ACxxxxxxxx"),
        ("TWILIO_FROM", "0044 7700 900123"),
        ("TWILIO_MESSAGING_SERVICE_SID", "MGbad"),
        ("SMSCONSOLE_TWILIO_API_URL", "localhost:4010"),
    ],
)
def test_malformed_setting_is_refused_naming_the_value(key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key) as err:
        creds(**{key: value})
    assert repr(value) in str(err.value)
    assert TOKEN not in str(err.value)


def test_api_key_without_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="TWILIO_API_SECRET"):
        Credentials.from_mapping({"TWILIO_ACCOUNT_SID": SID, "TWILIO_API_KEY": KEY})


def test_token_never_in_repr_str_or_asdict() -> None:
    c = Credentials.from_mapping(
        {
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_API_KEY": KEY,
            "TWILIO_API_SECRET": SECRET,
        }
    )
    shown = [
        repr(c),
        str(c),
        str(dataclasses.asdict(c)),
        repr(copy.deepcopy(c)),
        str(c.describe()),
        f"{c}",
        repr(c.auth_token),
    ]
    for text in shown:
        assert TOKEN not in text and SECRET not in text
    assert SID not in repr(c)  # only the last 4
    assert SID[-4:] in repr(c)


def test_describe_says_whether_the_secret_is_set_and_the_sid_last4() -> None:
    d = creds(TWILIO_FROM="+15017122661").describe()
    assert d["account_sid_last4"] == SID[-4:]
    assert d["secret_set"] is True
    assert d["auth"] == "auth token"
    assert d["sender"] == "+15017122661"


def test_credentials_refuse_to_be_pickled() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(creds())


def test_scrub_removes_token_from_quoted_text() -> None:
    text = f"server said: bad password {TOKEN} for {SID}"
    scrubbed = creds().scrub(text)
    assert TOKEN not in scrubbed
    assert SID in scrubbed and "[redacted]" in scrubbed


def test_plain_string_token_is_wrapped_and_hidden() -> None:
    c = Credentials(account_sid=SID, auth_token=TOKEN)  # type: ignore[arg-type]
    assert c.username_password() == (SID, TOKEN)
    assert TOKEN not in repr(c) and TOKEN not in repr(c.auth_token)
