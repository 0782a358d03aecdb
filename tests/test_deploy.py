"""The deploy/ examples, run for real: nginx (HTTPS) in front of the console, and the systemd unit.

nginx runs deploy/nginx-smsconsole.conf as shipped, with only the ports and certificate paths
of the test swapped in. Streamlit listens on loopback behind it, so the console must notice the
proxy and require sign-in rather than fall back to local mode.
"""

from __future__ import annotations

import contextlib
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browser import ROOT, free_port, streamlit_server
from signin import add_account
from websockets.sync.client import connect

DEPLOY = ROOT / "deploy"


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
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
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextlib.contextmanager
def nginx(folder: Path, upstream: int) -> Iterator[str]:
    """The shipped server blocks under a minimal nginx.conf; yields the HTTPS URL."""
    (folder / "logs").mkdir(parents=True)
    cert, key = self_signed(folder)
    https, http = free_port(), free_port()
    site = (DEPLOY / "nginx-smsconsole.conf").read_text()
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("/etc/ssl/smsconsole/fullchain.pem", str(cert)),
        ("/etc/ssl/smsconsole/privkey.pem", str(key)),
        ("127.0.0.1:8501", f"127.0.0.1:{upstream}"),
    ):
        assert old in site, old
        site = site.replace(old, new)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/logs/error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log {folder}/logs/access.log;\n"
        f"  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;\n"
        f"{site}\n}}\n"
    )
    proc = subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"https://127.0.0.1:{https}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.get(url + "/_stcore/health", verify=False, timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {proc.stdout.read().decode()}") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_page(url: str) -> str:
    """Home over the proxied websocket, as a browser would run it; every message as text."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    shown = []
    with connect(
        url.replace("https", "wss") + "/_stcore/stream",
        subprotocols=["streamlit"],
        ssl=insecure,
        origin=url,
        open_timeout=10,
    ) as ws:
        back = BackMsg()
        back.rerun_script.query_string = ""
        ws.send(back.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=20))
            shown.append(str(msg))
            if msg.WhichOneof("type") == "script_finished":
                return "\n".join(shown)


@pytest.fixture
def behind_nginx(tmp_path):
    def start(with_account: bool):
        db = tmp_path / "team.duckdb"
        if with_account:
            add_account(db, "admin@example.com", "admin")
        port = free_port()
        stack = contextlib.ExitStack()
        stack.enter_context(streamlit_server(db, tmp_path / "server.log", port=port))
        url = stack.enter_context(nginx(tmp_path / "nginx", port))
        return stack, url

    return start


def test_behind_the_nginx_example_with_an_account_the_console_asks_for_sign_in(behind_nginx):
    stack, url = behind_nginx(with_account=True)
    with stack:
        assert httpx.get(url + "/", verify=False).status_code == 200
        shown = run_page(url)
    assert "Sign in to smsconsole" in shown and "SANDBOX" not in shown


def test_behind_the_nginx_example_without_sign_in_nothing_is_served(behind_nginx, tmp_path):
    stack, url = behind_nginx(with_account=False)
    with stack:
        shown = run_page(url)
    assert "Sign-in required on this address" in shown
    assert "SANDBOX" not in shown and "Local mode" not in shown
    assert "refusing to serve on 127.0.0.1 behind a proxy" in (tmp_path / "server.log").read_text()


def test_the_nginx_example_redirects_http_to_https(tmp_path):
    site = (DEPLOY / "nginx-smsconsole.conf").read_text()
    assert "return 301 https://$http_host$request_uri;" in site


def test_the_systemd_unit_passes_systemd_analyze(tmp_path):
    unit = tmp_path / "smsconsole.service"
    text = (DEPLOY / "smsconsole.service").read_text()
    assert "--server.address 127.0.0.1" in text
    # Only the interpreter path is swapped for one that exists on this machine.
    unit.write_text(text.replace("/opt/smsconsole/.venv/bin/python", sys.executable))
    check = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    problems = [line for line in check.stderr.splitlines() if "smsconsole.service" in line]
    assert check.returncode == 0 and not problems, check.stderr


def test_the_notify_timer_and_its_service_pass_systemd_analyze(tmp_path):
    """The low-balance check's timer and oneshot service, verified together as installed."""
    service = (DEPLOY / "smsconsole-notify.service").read_text()
    timer = (DEPLOY / "smsconsole-notify.timer").read_text()
    assert "ExecStart=/opt/smsconsole/.venv/bin/python -m smscore balance --notify" in service
    assert "Type=oneshot" in service and "Unit=smsconsole-notify.service" in timer
    assert "OnCalendar=*:0/30" in timer and "Persistent=true" in timer
    (tmp_path / "smsconsole-notify.service").write_text(
        service.replace("/opt/smsconsole/.venv/bin/python", sys.executable)
    )
    (tmp_path / "smsconsole-notify.timer").write_text(timer)
    check = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(tmp_path / "smsconsole-notify.timer"),
            str(tmp_path / "smsconsole-notify.service"),
        ],
        capture_output=True,
        text=True,
    )
    problems = [line for line in check.stderr.splitlines() if "smsconsole-notify" in line]
    assert check.returncode == 0 and not problems, check.stderr


def test_the_notify_service_runs_the_check_it_names(tmp_path):
    """The ExecStart line, run as written (interpreter swapped), does one check on a workspace."""
    service = (DEPLOY / "smsconsole-notify.service").read_text()
    command = next(line for line in service.splitlines() if line.startswith("ExecStart="))[
        len("ExecStart=") :
    ]
    argv = command.replace("/opt/smsconsole/.venv/bin/python", sys.executable).split()
    env = {"PATH": "/usr/bin:/bin", "SMSCONSOLE_DB": str(tmp_path / "ws.duckdb"), "HOME": str(tmp_path)}
    run = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "balance: USD 20.00 (threshold USD 2.00)" in run.stdout
