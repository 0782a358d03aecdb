"""Choosing the gateway: live Twilio when credentials are set, else the workspace's sandbox.

The factory sits beside the implementations it picks from, so the protocol
(smscore.twilio.gateway) knows none of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from smscore.twilio.credentials import Credentials
from smscore.twilio.gateway import Gateway
from smscore.twilio.live import TwilioGateway
from smscore.twilio.sandbox import SandboxGateway
from smscore.twilio.webhooks import status_callback_url


def open_gateway(con: object, environ_or_secrets: Mapping[str, str]) -> Gateway:
    """The live gateway when Twilio credentials are set, else the sandbox account in `con`'s file.

    Raises ValueError (naming the bad setting, never a secret) for half-set credentials: an
    operator who set a SID meant to go live, so falling back to the sandbox would mislead.
    """
    credentials = Credentials.from_mapping(environ_or_secrets)
    if credentials is None:
        return SandboxGateway(con)  # type: ignore[arg-type]
    return TwilioGateway(credentials, status_callback=status_callback_url(environ_or_secrets))
