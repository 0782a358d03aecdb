"""Helpers for the browser tests: a `streamlit run console.py` server and Chromium waits.

Recipe from the team notes (streamlit-and-style.md §2.3): Debian's /usr/bin/chromium driven by
Playwright (no `playwright install`), the server on 127.0.0.1 and a free port with its own
temporary database, stopped through its own Popen handle.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Tests leave the checkout clean: their screenshots go to a scratch folder unless
# scripts/screenshots asks for the README's (SMSCONSOLE_SCREENSHOTS=docs/screenshots).
SCREENSHOTS = Path(os.environ.get("SMSCONSOLE_SCREENSHOTS") or ROOT / "tests" / "out" / "screenshots")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    db: Path,
    log: Path,
    extra_env: Mapping[str, str] | None = None,
    *,
    address: str = "127.0.0.1",
    env_extra: Mapping[str, str] | None = None,
    cwd: Path = ROOT,
    port: int | None = None,
) -> Iterator[str]:
    """`streamlit run console.py` on a free port of `address` with `db`; yields a loopback URL.

    `env_extra` / `extra_env` (e.g. Twilio credentials and a peer's URL for live mode) are added last.
    """
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SMSCONSOLE_"))}
    env["SMSCONSOLE_DB"] = str(db)
    env.update(env_extra or {})
    env.update(extra_env or {})
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "console.py"),
                "--server.headless",
                "true",
                "--server.address",
                address,
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--global.developmentMode",
                "false",
            ],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, log)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"streamlit not healthy after {timeout}s:\n{log.read_text()}")


def wait_for_run(page: Page, timeout: float = 20_000) -> None:
    """Wait until the app is connected and its script has finished running (Streamlit's e2e way)."""
    page.wait_for_timeout(155)  # the state flips only once the rerun request reached the server
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout
    )
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout
    )


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_run(page)
    no_error(page)


def no_error(page: Page) -> None:
    """Neither Streamlit's exception box nor the console's own error sentence is on the page."""
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator(".st-key-script_error")).to_have_count(0)


def button(page: Page, label: str):
    return page.get_by_test_id("stButton").filter(has_text=label).locator("button")


def nav_link(page: Page, label: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=label)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Widgets load lazily: until their code arrives Streamlit draws grey skeletons.
    expect(page.locator("[data-testid^='stSkeleton']")).to_have_count(0, timeout=15_000)
    # Streamlit scrolls inside its main container, so a "full page" shot is one viewport tall:
    # grow the viewport to the content for the picture, then put it back.
    size = page.viewport_size or {"width": 1280, "height": 900}
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')]"
        ".map(e => e.scrollHeight), window.innerHeight)"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 4000)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
