"""Real local servers the notice channels are tested against, all on 127.0.0.1.

* `HookReceiver`: an http.server that checks the webhook's HMAC-SHA256 signature the way a
  receiver would (with its own copy of the secret, not the console's code) and answers 401 to a
  POST that is not signed right, 200 otherwise.
* `MailServer`: aiosmtpd with an in-memory inbox, plain, STARTTLS or implicit TLS, optionally
  asking for a login, with a self-signed certificate made by openssl.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    valid: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class HookReceiver:
    secret: str | None
    status: int = 200  # what a correctly signed request is answered
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = receiver.check(
                    self.headers.get("X-Smsconsole-Timestamp", ""),
                    body,
                    self.headers.get("X-Smsconsole-Signature", ""),
                )
                receiver.received.append(Received(dict(self.headers.items()), body, valid))
                self.send_response(receiver.status if valid or receiver.secret is None else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/sms-alerts/T0SECRETPATH"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def check(self, timestamp: str, body: bytes, signature: str) -> bool:
        if self.secret is None:
            return True
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", signature)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802, ANN001 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: N802, ANN001
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@dataclass
class MailServer:
    """aiosmtpd on loopback: security 'none', 'starttls' or 'tls'; login required when `user` is set."""

    folder: Path
    security: str = "none"
    user: str | None = None
    password: str | None = None

    def __post_init__(self) -> None:
        self.inbox = _Inbox()
        self.cert, key = self_signed(self.folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, key)
        kwargs: dict = {}
        if self.security == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif self.security == "tls":
            kwargs.update(ssl_context=context)
        if self.user:
            kwargs.update(
                authenticator=self._authenticate,
                auth_require_tls=self.security == "starttls",
                auth_required=True,
            )
        self.port = _free_port()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, server_hostname="localhost", **kwargs
        )
        self.controller.start()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and (auth_data.password.decode() == self.password)
        )
        return AuthResult(success=ok, handled=False)

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        return self.inbox.messages

    def stop(self) -> None:
        self.controller.stop()
