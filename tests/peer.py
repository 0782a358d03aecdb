"""A loopback Twilio peer for the tests: Prism serving Twilio's own specs, behind a fault proxy.

Prism (tools/prism, installed by scripts/install-prism) answers with Twilio's wire format and
rejects requests that do not match Twilio's API, but it keeps no state and knows no Twilio error
codes. So:

* `derive_v2010_spec` writes a copy of the v2010 spec whose `POST Messages.json` also declares
  Twilio-shaped 400/401/429/5xx answers, one named example per error code; a request picks one
  with `Prefer: code=400, example=e21211`.
* `FaultProxy` sits between the SDK and Prism. It records every request it receives (method, path,
  form fields) so a test can count what the peer got, and follows a per-test fault plan: Twilio
  errors by `To` number or for the next N requests, delays past the client's timeout, connections
  closed before or after the request was forwarded.

Everything listens on 127.0.0.1 only, on free ports.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "tools" / "prism" / "node_modules" / ".bin" / "prism"
SPECS = ROOT / "tests" / "peer_specs"
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"

# Prism checks the SID pattern (AC + 32 hex) but accepts any password.
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "peer-token-7d1f0c9a4b"  # distinctive, so tests can prove it never leaks

# Twilio error code -> (HTTP status, Twilio's message). Sources: twilio.com/docs/api/errors/<code>
# and the test-credentials page (see ../shared/notes/twilio-api.md, section 4.4).
TWILIO_ERRORS: dict[int, tuple[int, str]] = {
    21211: (400, "The 'To' number is not a valid phone number."),
    21408: (
        400,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number.",
    ),
    21608: (400, "The number is unverified. Trial accounts cannot send messages to unverified numbers."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS."),
    21614: (400, "'To' number is not a valid mobile number"),
    20003: (401, "Authenticate"),
    20005: (401, "Account not active"),
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service unavailable"),
}


def twilio_error_body(code: int) -> dict[str, object]:
    status, message = TWILIO_ERRORS[code]
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def derive_v2010_spec(dest_dir: Path) -> Path:
    """A copy of Twilio's v2010 spec whose POST Messages.json can answer with Twilio errors."""
    spec = json.loads((SPECS / "twilio_api_v2010.json").read_text(encoding="utf-8"))
    # Only the resources the console uses: Prism then starts in a fraction of the time.
    spec["paths"] = {path: item for path, item in spec["paths"].items() if path in KEPT_PATHS}
    spec["components"]["schemas"] = _reachable_schemas(spec)
    responses = spec["paths"][MESSAGES_PATH]["post"]["responses"]
    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string"},
            "more_info": {"type": "string"},
            "status": {"type": "integer"},
        },
    }
    for code, (status, _) in TWILIO_ERRORS.items():
        answer = responses.setdefault(
            str(status),
            {
                "description": f"Twilio error (HTTP {status})",
                "content": {"application/json": {"schema": schema, "examples": {}}},
            },
        )
        answer["content"]["application/json"]["examples"][f"e{code}"] = {"value": twilio_error_body(code)}
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / "twilio_api_v2010.derived.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


KEPT_PATHS = (
    "/2010-04-01/Accounts/{Sid}.json",
    "/2010-04-01/Accounts/{AccountSid}/Balance.json",
    MESSAGES_PATH,
    "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json",
    "/2010-04-01/Accounts/{AccountSid}/OutgoingCallerIds.json",
    # Usage Triggers (spend alerts, smscore.twilio.usage)
    "/2010-04-01/Accounts/{AccountSid}/Usage/Triggers.json",
    "/2010-04-01/Accounts/{AccountSid}/Usage/Triggers/{Sid}.json",
)


def _reachable_schemas(spec: dict) -> dict:
    """The component schemas the kept paths refer to, directly or through other schemas."""
    schemas = spec["components"]["schemas"]
    prefix = "#/components/schemas/"
    wanted: set[str] = set()
    todo = [spec["paths"]]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] not in wanted:
                wanted.add(ref[len(prefix) :])
                todo.append(schemas[ref[len(prefix) :]])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return {name: schemas[name] for name in sorted(wanted)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Prism --------------------------------------------------------------------------------------


class PrismProcess:
    """One `prism mock` server (Prism serves one spec per process)."""

    def __init__(self, spec: Path, log: Path) -> None:
        if not PRISM.exists():
            raise RuntimeError(f"Prism is not installed at {PRISM}; run scripts/install-prism")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115 - closed in stop()
        # The binary itself, not npx: its pid is then the node server we must stop.
        self.process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(self.port), str(spec)],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def wait_until_healthy(self, probe_path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"Prism exited with {self.process.returncode}: "
                    f"{self.log.read_text(errors='replace')[-2000:]}"
                )
            with suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", probe_path, headers={"Authorization": "Basic dTpw"})
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Prism did not answer {probe_path} within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log_file.close()


@dataclass
class PrismPeer:
    """Prism for v2010 (derived spec) and for Pricing v1, started together."""

    api: PrismProcess
    pricing: PrismProcess
    startup_seconds: float

    @classmethod
    def start(cls, workdir: Path) -> PrismPeer:
        began = time.perf_counter()
        api = PrismProcess(derive_v2010_spec(workdir), workdir / "prism-api.log")
        pricing = PrismProcess(SPECS / "twilio_pricing_v1.json", workdir / "prism-pricing.log")
        try:
            api.wait_until_healthy(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Balance.json")
            pricing.wait_until_healthy("/v1/Messaging/Countries/US")
        except Exception:
            api.stop()
            pricing.stop()
            raise
        return cls(api, pricing, time.perf_counter() - began)

    def stop(self) -> None:
        self.api.stop()
        self.pricing.stop()


# --- the fault proxy ----------------------------------------------------------------------------


@dataclass
class Recorded:
    """One request as the proxy received it, and what became of it."""

    method: str
    path: str
    form: dict[str, str]
    forwarded: bool = False  # reached Prism, i.e. "Twilio" saw it
    status: int | None = None  # what the client was answered; None when the connection was cut
    fault: str | None = None

    @property
    def to(self) -> str | None:
        return self.form.get("To")

    @property
    def is_create(self) -> bool:
        return self.method == "POST" and self.path.endswith("/Messages.json")


@dataclass
class Rule:
    """One fault: what it does, which requests it hits, and how many more times."""

    action: str  # "error", "delay", "drop"
    to: str | None = None
    method: str | None = "POST"
    path: str | None = "/Messages.json"
    times: int | None = None  # None: every matching request
    code: int | None = None
    seconds: float = 0.0
    after_forward: bool = False

    def matches(self, rec: Recorded) -> bool:
        return (
            (self.method is None or rec.method == self.method)
            and (self.path is None or rec.path.split("?")[0].endswith(self.path))
            and (self.to is None or rec.to == self.to)
            and (self.times is None or self.times > 0)
        )


@dataclass
class FaultProxy:
    """A counting, fault-injecting HTTP proxy on loopback in front of the Prism peer."""

    peer: PrismPeer
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    # With `remember_messages()`, the messages Twilio would hold: every create that reached
    # Prism, in Twilio's wire format; message lists are then answered from them (see _Messages).
    messages: list[dict] | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fault-proxy")
        self._thread.start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class; a subclass may answer some requests itself."""
        return _handler_for(self)

    # The fault plan ---------------------------------------------------------------------------

    def error(
        self,
        code: int,
        *,
        to: str | None = None,
        times: int | None = None,
        method: str | None = "POST",
        path: str | None = "/Messages.json",
    ) -> Rule:
        """Answer with Twilio error `code` (via Prism's derived spec for message creates)."""
        if code not in TWILIO_ERRORS:
            raise ValueError(f"no Twilio error example for code {code}; known: {sorted(TWILIO_ERRORS)}")
        return self._add(Rule("error", to, method, path, times, code=code))

    def delay(
        self,
        seconds: float,
        *,
        to: str | None = None,
        times: int | None = None,
        after_forward: bool = True,
        method: str | None = "POST",
        path: str | None = "/Messages.json",
    ) -> Rule:
        """Hold the answer back (after Prism has seen the request, by default); message
        creates unless told otherwise (`method="GET", path=".json"`: message fetches)."""
        return self._add(Rule("delay", to, method, path, times, seconds=seconds, after_forward=after_forward))

    def drop(self, *, to: str | None = None, times: int | None = None, after_forward: bool = False) -> Rule:
        """Close the connection without answering, before (default) or after forwarding."""
        return self._add(Rule("drop", to, times=times, after_forward=after_forward))

    def remember_messages(self) -> None:
        """Make the peer stateful for messages: creates are kept, lists answer from them.

        Prism keeps no state, so its list always shows the spec's example. Reconcile needs a
        list that shows what was created: each create Prism accepted is stored with its real
        To, From or MessagingServiceSid, Body, a fresh SID and creation time, status `queued`
        and no sent date (as Twilio's queue holds it), and a list request is first validated by
        Prism, then given these messages, filtered the way Twilio filters (To, From, DateSent).
        """
        with self._lock:
            self.messages = []

    def deliver_kept(self) -> None:
        """Every kept message leaves Twilio's queue: delivered, with a sent date from now on."""
        sent = email.utils.format_datetime(datetime.now(UTC))
        with self._lock:
            for message in self.messages or []:
                message.update(status="delivered", date_sent=sent, date_updated=sent)

    def reset(self) -> None:
        with self._lock:
            self.rules.clear()
            self.requests.clear()
            self.messages = None

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def _take(self, rec: Recorded) -> Rule | None:
        with self._lock:
            self.requests.append(rec)
            for rule in self.rules:
                if rule.matches(rec):
                    if rule.times is not None:
                        rule.times -= 1
                    rec.fault = rule.action
                    return rule
        return None

    # What the peer received ------------------------------------------------------------------

    def creates(self, to: str | None = None) -> list[Recorded]:
        """Message creates the proxy received (to one number, if given)."""
        with self._lock:
            return [r for r in self.requests if r.is_create and (to is None or r.to == to)]

    def delivered_to_peer(self, to: str | None = None) -> list[Recorded]:
        """Message creates that reached Prism: what Twilio would have seen."""
        return [r for r in self.creates(to) if r.forwarded]

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def upstream_for(self, path: str) -> int:
        return self.peer.pricing.port if path.startswith("/v1/") else self.peer.api.port


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        pass

    Handler.proxy = proxy
    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API and the SDK's session use
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms ACK stall
    proxy: FaultProxy

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib's name
        self._handle()

    do_POST = do_DELETE = do_PUT = do_GET

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        rec = Recorded(self.command, self.path, form)
        rule = self.proxy._take(rec)
        if rule is not None and not rule.after_forward:
            if rule.action == "drop":
                self.close_connection = True
                return
            if rule.action == "delay":
                self.proxy.stopping.wait(rule.seconds)
            if rule.action == "error" and not rec.is_create:
                self._answer(rec, *_local_error(rule.code or 0))
                return
        prefer = None
        if rule is not None and rule.action == "error":
            status = TWILIO_ERRORS[rule.code or 0][0]
            prefer = f"code={status}, example=e{rule.code}"
        status, content_type, payload = self._forward(body, prefer)
        rec.forwarded = True
        status, payload = self._remember(rec, status, payload)
        if rule is not None and rule.after_forward:
            if rule.action == "drop":
                self.close_connection = True
                return
            self.proxy.stopping.wait(rule.seconds)
        self._answer(rec, status, content_type, payload)

    def _remember(self, rec: Recorded, status: int, payload: bytes) -> tuple[int, bytes]:
        """In stateful mode, keep an accepted create and answer lists from what was kept."""
        proxy = self.proxy
        if proxy.messages is None or status >= 300:
            return status, payload
        path, _, query = rec.path.partition("?")
        if rec.is_create:
            message = _created_message(json.loads(payload), rec.form)
            with proxy._lock:
                proxy.messages.append(message)
            return status, json.dumps(message).encode()
        if rec.method == "GET" and path.endswith("/Messages.json"):
            page = json.loads(payload)
            with proxy._lock:
                kept = list(proxy.messages)
            page.update(
                messages=_listed(kept, parse_qs(query)), next_page_uri=None, previous_page_uri=None, page=0
            )
            return status, json.dumps(page).encode()
        return status, payload

    def _forward(self, body: bytes, prefer: str | None) -> tuple[int, str, bytes]:
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() in ("authorization", "content-type", "accept", "user-agent")
        }
        if prefer:
            headers["Prefer"] = prefer
        upstream = self.proxy.upstream_for(self.path)
        for attempt in (1, 2):
            conn = self._upstream(upstream, fresh=attempt == 2)
            try:
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                return (
                    response.status,
                    response.getheader("Content-Type", "application/json"),
                    response.read(),
                )
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if attempt == 2:  # a stale keep-alive connection gets one fresh retry
                    raise
        raise AssertionError("unreachable")

    def _upstream(self, port: int, *, fresh: bool) -> http.client.HTTPConnection:
        pool: dict[int, http.client.HTTPConnection] = self.__dict__.setdefault("_pool", {})
        if fresh and port in pool:
            pool.pop(port).close()
        if port not in pool:
            pool[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        return pool[port]

    def _answer(self, rec: Recorded, status: int, content_type: str, payload: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            rec.status = status
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (timeout) before the answer

    def finish(self) -> None:
        with suppress(OSError):
            super().finish()
        for conn in self.__dict__.get("_pool", {}).values():
            conn.close()


def _created_message(template: dict, form: dict[str, str]) -> dict:
    """Prism's create example made into the message Twilio would have created from `form`."""
    sid = "SM" + uuid.uuid4().hex
    service = form.get("MessagingServiceSid")
    message = dict(template)
    message.update(
        sid=sid,
        to=form.get("To"),
        body=form.get("Body"),
        status="queued",
        messaging_service_sid=service,
        # With a Messaging Service, Twilio picks the From number from the service's pool.
        **{"from": form.get("From") or template.get("from")},
        date_created=email.utils.format_datetime(datetime.now(UTC)),
        date_sent=None,
        price=None,
        price_unit=None,
        error_code=None,
        error_message=None,
        uri=f"{template.get('uri', '').rsplit('/', 1)[0]}/{sid}.json",
    )
    return message


def _listed(messages: list[dict], query: dict[str, list[str]]) -> list[dict]:
    """Twilio's filters: To, From, and DateSent (a message not sent yet never matches one)."""

    def wanted(m: dict) -> bool:
        for name, key in (("To", "to"), ("From", "from")):
            if name in query and m.get(key) != query[name][0]:
                return False
        for name, keep in (
            ("DateSent>", lambda d, v: d >= v),
            ("DateSent<", lambda d, v: d <= v),
            ("DateSent", lambda d, v: d.date() == v.date()),
        ):
            if name in query:
                sent = m.get("date_sent")
                if sent is None or not keep(
                    email.utils.parsedate_to_datetime(sent), _query_date(query[name][0])
                ):
                    return False
        return True

    return [m for m in reversed(messages) if wanted(m)]  # newest first


def _query_date(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _local_error(code: int) -> tuple[int, str, bytes]:
    """A Twilio error answered by the proxy itself, for routes the derived spec does not cover."""
    status = TWILIO_ERRORS[code][0]
    return status, "application/json", json.dumps(twilio_error_body(code)).encode()


def no_proxy_for_loopback() -> None:
    """requests honours HTTP(S)_PROXY; loopback peers must bypass any proxy the machine sets."""
    current = os.environ.get("NO_PROXY", "")
    wanted = ["127.0.0.1", "localhost"]
    missing = [h for h in wanted if h not in current.split(",")]
    if missing:
        os.environ["NO_PROXY"] = ",".join([p for p in [current, *missing] if p])
