"""How fast the loopback Twilio peer is: Prism startup, and SDK requests/s direct and via the proxy.

Run: python bench/bench_peer.py [--n 300] [--threads 4]. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from peer import ACCOUNT_SID, AUTH_TOKEN, FaultProxy, PrismPeer, no_proxy_for_loopback  # noqa: E402

from smscore.twilio.credentials import Credentials  # noqa: E402
from smscore.twilio.live import TwilioGateway  # noqa: E402


def rate(gateway: TwilioGateway, n: int, threads: int) -> float:
    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda i: gateway.send(f"+4477009{i:05d}", "Hello", "+15017122661"), range(n)))
    return n / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    no_proxy_for_loopback()
    peer = PrismPeer.start(Path(tempfile.mkdtemp()))
    proxy = FaultProxy(peer)
    try:
        print(f"Prism startup (v2010 derived + pricing, in parallel): {peer.startup_seconds:.1f} s")
        creds = Credentials.from_mapping({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN})
        direct = TwilioGateway(creds, api_url=peer.api.url, timeout=10)
        proxied = TwilioGateway(creds, api_url=proxy.url, timeout=10)
        rate(direct, 20, 1)  # warm up
        for name, gw in (("direct to Prism", direct), ("through the proxy", proxied)):
            for threads in (1, args.threads):
                print(f"{name}, {threads} thread(s): {rate(gw, args.n, threads):.0f} creates/s")
    finally:
        proxy.stop()
        peer.stop()


if __name__ == "__main__":
    main()
