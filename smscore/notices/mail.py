"""E-mail over SMTP (smtplib), configured from the environment or an `[smtp]` table in secrets.

The password is read here and handed to `smtplib.SMTP.login` only: it is never part of a
repr, an error sentence, a log line or the audit trail. An SMTP error is reported by its class,
code and the server's words, which never contain the password.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SECURITIES = ("starttls", "tls", "none")
_ENV = {
    "host": "SMSCONSOLE_SMTP_HOST",
    "port": "SMSCONSOLE_SMTP_PORT",
    "user": "SMSCONSOLE_SMTP_USER",
    "password": "SMSCONSOLE_SMTP_PASSWORD",
    "sender": "SMSCONSOLE_SMTP_FROM",
    "security": "SMSCONSOLE_SMTP_SECURITY",
}
_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
TIMEOUT = 20.0


class MailError(RuntimeError):
    """Sending failed; the sentence names the server and the cause, never the password."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    # Tests trust their self-signed certificate; a real server is checked against the system's CAs.
    ca_file: str | None = None

    @classmethod
    def from_sources(
        cls, environ: Mapping[str, str], secrets: Mapping[str, object] | None = None
    ) -> SmtpConfig | None:
        """The environment wins over the `[smtp]` table (keys host, port, user, password, from,
        security); None when no host is set. Raises ValueError naming a bad value."""
        table = {str(k).lower(): str(v) for k, v in (secrets or {}).items()}

        def get(name: str) -> str:
            return (environ.get(_ENV[name]) or table.get("from" if name == "sender" else name) or "").strip()

        host = get("host")
        if not host:
            return None
        security = (get("security") or "starttls").lower()
        if security not in SECURITIES:
            raise ValueError(f"{_ENV['security']} must be one of {', '.join(SECURITIES)}; got {security!r}")
        port_text = get("port") or str(_DEFAULT_PORTS[security])
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{_ENV['port']} must be a port number; got {port_text!r}")
        sender = get("sender") or get("user")
        if "@" not in sender:
            raise ValueError(f"{_ENV['sender']} must be the sender's e-mail address; got {sender!r}")
        return cls(host, int(port_text), sender, security, get("user"), get("password"))

    def describe(self) -> str:
        """Where mail goes, for the console and logs: no user name, no password."""
        return f"{self.host}:{self.port} ({self.security})"


def send_mail(config: SmtpConfig, to: list[str], subject: str, body: str) -> None:
    """One message to `to` (each address a recipient); MailError on any failure."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config.sender.split("@")[-1])
    message.set_content(body)
    context = ssl.create_default_context(cafile=config.ca_file)
    try:
        if config.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT)
        with client:
            if config.security == "starttls":
                client.starttls(context=context)
            if config.user:
                client.login(config.user, config.password)
            refused = client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        words = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        raise MailError(f"{config.describe()} refused: {exc.smtp_code} {words}".strip()) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError(f"{config.describe()}: {type(exc).__name__}: {_safe(exc, config)}") from None
    if refused:
        raise MailError(f"{config.describe()} refused {', '.join(sorted(refused))}")


def _safe(exc: BaseException, config: SmtpConfig) -> str:
    text = str(exc) or "no answer"
    return text.replace(config.password, "•••") if config.password else text
