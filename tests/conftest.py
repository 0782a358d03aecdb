"""Shared fixtures. Each block belongs to one part of the product; keep blocks separate."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from smscore import store  # noqa: E402

# --- store --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's Twilio credentials, database or language."""
    for key in list(os.environ):
        if key.startswith(("TWILIO_", "SMSCONSOLE_")):
            monkeypatch.delenv(key, raising=False)
    # The CLI speaks the environment's language (smscore.cli.words): the developer's own
    # LANG=pt_BR must not turn English assertions Portuguese. Tests that want pt_BR set it.
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def fresh_db(db_path: Path):
    """An empty, migrated database file of the test's own."""
    con = store.connect(db_path)
    yield con
    con.close()


# --- Twilio peer (account gateway): Prism + fault proxy, and the sandbox -----------------------


@pytest.fixture(scope="session")
def prism_peer(tmp_path_factory: pytest.TempPathFactory):
    """Prism serving Twilio's v2010 (with error examples) and Pricing v1 specs, once per session."""
    from peer import PrismPeer, no_proxy_for_loopback

    no_proxy_for_loopback()
    peer = PrismPeer.start(tmp_path_factory.mktemp("prism"))
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def _fault_proxy(prism_peer):
    from peer import FaultProxy

    proxy = FaultProxy(prism_peer)
    yield proxy
    proxy.stop()


@pytest.fixture
def fault_proxy(_fault_proxy):
    """The counting, fault-injecting proxy in front of Prism, with an empty plan and record."""
    _fault_proxy.reset()
    yield _fault_proxy
    _fault_proxy.reset()


@pytest.fixture
def peer_credentials():
    from peer import ACCOUNT_SID, AUTH_TOKEN

    from smscore.twilio.credentials import Credentials

    return Credentials.from_mapping(
        {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": "+15017122661"}
    )


@pytest.fixture
def peer_gateway(fault_proxy, peer_credentials):
    """A real TwilioGateway (official SDK) pointed at the fault proxy; 1 s timeout."""
    from smscore.twilio.live import TwilioGateway

    return TwilioGateway(peer_credentials, api_url=fault_proxy.url, pricing_url=fault_proxy.url, timeout=1.0)


@pytest.fixture
def sandbox(fresh_db):
    """The sandbox account in a fresh database file (starts at USD 20.00)."""
    from smscore.twilio.sandbox import SandboxGateway

    return SandboxGateway(fresh_db)
