"""Twilio credentials: where they come from, and how they are kept out of sight.

The console reads them from the environment or Streamlit secrets (both plain mappings). The auth
token or API secret is wrapped in `Secret` so that no repr, str, log line, exception or export can
show it by accident; only "set" and the last 4 characters of the Account SID are ever shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ACCOUNT_SID = "TWILIO_ACCOUNT_SID"
AUTH_TOKEN = "TWILIO_AUTH_TOKEN"
API_KEY = "TWILIO_API_KEY"
API_SECRET = "TWILIO_API_SECRET"
FROM_NUMBER = "TWILIO_FROM"
MESSAGING_SERVICE_SID = "TWILIO_MESSAGING_SERVICE_SID"
API_URL = "SMSCONSOLE_TWILIO_API_URL"
PRICING_URL = "SMSCONSOLE_TWILIO_PRICING_URL"

# Keys whose presence means "the operator wants live mode"; anything else alone stays sandbox.
CREDENTIAL_KEYS = (ACCOUNT_SID, AUTH_TOKEN, API_KEY, API_SECRET)

_ACCOUNT_SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
_API_KEY_RE = re.compile(r"^SK[0-9a-fA-F]{32}$")
_SERVICE_SID_RE = re.compile(r"^MG[0-9a-fA-F]{32}$")
_E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
REDACTED = "[redacted]"


class Secret:
    """A string that refuses to print itself. Call `reveal()` where the SDK needs the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self  # so dataclasses.asdict works and still shows only '********'

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value to disk (Streamlit caches pickle); refuse instead.
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True)
class Credentials:
    """An Account SID plus either its auth token or an API key and secret, and the sender.

    `sender` is the phone number (`TWILIO_FROM`) or Messaging Service SID messages go out from;
    the Messaging Service wins when both are set, since Twilio then picks the number itself.
    """

    account_sid: str
    auth_token: Secret | None = None
    api_key: str | None = None
    api_secret: Secret | None = None
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_url: str | None = None
    pricing_url: str | None = None

    def __post_init__(self) -> None:
        for name in ("auth_token", "api_secret"):  # a caller may pass a plain string
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Secret(value) if value else None)
        _check_credentials(self)

    @classmethod
    def from_mapping(cls, env_or_secrets: Mapping[str, str]) -> Credentials | None:
        """Credentials from the environment or Streamlit secrets; None (sandbox) when none is set.

        A half-configured account (a SID without a token, say) is an error rather than a silent
        fall back to the sandbox: the operator meant to go live.
        """
        get = _reader(env_or_secrets)
        if not any(get(k) for k in CREDENTIAL_KEYS):
            return None
        token, secret = get(AUTH_TOKEN), get(API_SECRET)
        return cls(
            account_sid=get(ACCOUNT_SID) or "",
            auth_token=Secret(token) if token else None,
            api_key=get(API_KEY),
            api_secret=Secret(secret) if secret else None,
            from_number=get(FROM_NUMBER),
            messaging_service_sid=get(MESSAGING_SERVICE_SID),
            api_url=get(API_URL),
            pricing_url=get(PRICING_URL),
        )

    @property
    def sender(self) -> str | None:
        return self.messaging_service_sid or self.from_number

    @property
    def sid_last4(self) -> str:
        return self.account_sid[-4:]

    @property
    def uses_api_key(self) -> bool:
        return self.api_key is not None

    def username_password(self) -> tuple[str, str]:
        """What HTTP Basic auth needs: (API key or Account SID, secret or token)."""
        if self.api_key and self.api_secret:
            return self.api_key, self.api_secret.reveal()
        assert self.auth_token is not None  # guaranteed by _check_credentials
        return self.account_sid, self.auth_token.reveal()

    def scrub(self, text: str) -> str:
        """`text` with the token and secret replaced, for messages that quote a server or library."""
        for secret in (self.auth_token, self.api_secret):
            if secret is not None and secret.reveal():
                text = text.replace(secret.reveal(), REDACTED)
        return text

    def describe(self) -> dict[str, str | bool | None]:
        """What may be shown or exported: never the token, only whether it is set."""
        return {
            "account_sid_last4": self.sid_last4,
            "auth": "api key" if self.uses_api_key else "auth token",
            "secret_set": True,
            "sender": self.sender,
            "api_url": self.api_url,
            "pricing_url": self.pricing_url,
        }

    def __repr__(self) -> str:
        return (
            f"Credentials(account_sid='…{self.sid_last4}', "
            f"auth={'api key' if self.uses_api_key else 'auth token'}, secret=set, "
            f"sender={self.sender!r})"
        )

    __str__ = __repr__


def _reader(mapping: Mapping[str, str]) -> Callable[[str], str | None]:
    def get(key: str) -> str | None:
        value = mapping.get(key)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    return get


def _check_credentials(c: Credentials) -> None:
    """Reject malformed settings early, naming the bad value (but never a secret)."""
    if not _ACCOUNT_SID_RE.match(c.account_sid or ""):
        raise ValueError(f"{ACCOUNT_SID} must be 'AC' followed by 32 hex digits; got {c.account_sid!r}")
    has_key = c.api_key is not None or c.api_secret is not None
    if has_key:
        if not c.api_key or not _API_KEY_RE.match(c.api_key):
            raise ValueError(f"{API_KEY} must be 'SK' followed by 32 hex digits; got {c.api_key!r}")
        if c.api_secret is None:
            raise ValueError(f"{API_SECRET} is required with {API_KEY} {c.api_key!r}")
    elif c.auth_token is None:
        raise ValueError(
            f"{AUTH_TOKEN} (or {API_KEY} and {API_SECRET}) is required for account …{c.account_sid[-4:]}"
        )
    if c.messaging_service_sid and not _SERVICE_SID_RE.match(c.messaging_service_sid):
        raise ValueError(
            f"{MESSAGING_SERVICE_SID} must be 'MG' followed by 32 hex digits; got {c.messaging_service_sid!r}"
        )
    if c.from_number and not _E164_RE.match(c.from_number):
        raise ValueError(f"{FROM_NUMBER} must be an E.164 number like +15017122661; got {c.from_number!r}")
    for key, url in ((API_URL, c.api_url), (PRICING_URL, c.pricing_url)):
        if url and not re.match(r"^https?://[^/\s]+", url):
            raise ValueError(f"{key} must be an http(s) URL like http://127.0.0.1:4010; got {url!r}")
