"""Sending 5,000 messages to the loopback Twilio peer: the sender next to what a user would write.

Figures from one run, against the peer the tests use (tests/peer.py: Prism serving Twilio's v2010
spec on 127.0.0.1, behind the counting fault proxy with no faults planned):
  raw     - requests.Session POSTs from `--concurrency` threads, straight to Prism and through
            the proxy: the most the peer sustains, with no SDK and no bookkeeping;
  naive   - a sequential loop of `client.messages.create` with the official SDK;
  sender  - freeze_batch + run_batch through TwilioGateway (ledger claim before every request,
            outcomes written to DuckDB), pacing set high enough not to throttle;
  sender via workspace - the same, but run_batch borrows the shared store.Workspace for each
            round (as the console and the CLI do since issue 9) instead of keeping a connection.
It also times freezing a 1,000,000-recipient batch.

Run: python bench/bench_send.py [--messages 5000] [--concurrency 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "tests"))

import requests  # noqa: E402
from peer import ACCOUNT_SID, FaultProxy, PrismPeer, no_proxy_for_loopback  # noqa: E402
from sendkit import make_quote, phones  # noqa: E402
from twilio.rest import Client  # noqa: E402

from smscore import store  # noqa: E402
from smscore.sending import ledger
from smscore.sending.sender import run_batch  # noqa: E402
from smscore.twilio.credentials import Credentials, Secret  # noqa: E402
from smscore.twilio.live import RedirectingHttpClient, TwilioGateway  # noqa: E402

SID = ACCOUNT_SID
FROM = "+15017122661"


def bench_raw(url: str, n: int, concurrency: int) -> float:
    endpoint = f"{url}/2010-04-01/Accounts/{SID}/Messages.json"
    numbers = iter(phones(n))
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        while True:
            with lock:
                to = next(numbers, None)
            if to is None:
                return
            r = session.post(
                endpoint, data={"To": to, "From": FROM, "Body": "bench"}, auth=(SID, "token"), timeout=10
            )
            assert r.status_code == 201, r.text

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return n / (time.perf_counter() - started)


def bench_naive(url: str, n: int) -> float:
    client = Client(SID, "token", http_client=RedirectingHttpClient({"api.twilio.com": url}, timeout=10))
    started = time.perf_counter()
    for to in phones(n):
        client.messages.create(to=to, from_=FROM, body="bench")
    return n / (time.perf_counter() - started)


def bench_sender(url: str, n: int, concurrency: int, via_workspace: bool = False) -> tuple[float, str]:
    gateway = TwilioGateway(
        Credentials(account_sid=SID, auth_token=Secret("token"), from_number=FROM),
        api_url=url,
        pool_size=concurrency + 2,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        con = store.connect(path)
        batch_id = ledger.freeze_batch(
            con, make_quote(phones(n), "bench", price="0"), sender=FROM, mode="live"
        )
        if via_workspace:
            con.close()
            source = store.Workspace(path, kind="bench")
        else:
            source = con
        started = time.perf_counter()
        progress = run_batch(source, gateway, batch_id, concurrency=concurrency, rate_segments_per_second=1e6)
        elapsed = time.perf_counter() - started
        if not via_workspace:
            con.close()
    assert progress.sent == n, progress
    return n / elapsed, progress.status


def interleaved(url: str, n: int, concurrency: int, repeat: int) -> tuple[float, float, str]:
    """Median msg/s with a connection and with a workspace, runs alternated: on a shared
    machine the load drifts within seconds, and alternating spreads it over both."""
    kept, lent, status = [], [], ""
    for _ in range(repeat):
        rate, status = bench_sender(url, n, concurrency)
        kept.append(rate)
        lent.append(bench_sender(url, n, concurrency, True)[0])
    return statistics.median(kept), statistics.median(lent), status


def bench_freeze(n: int, path: str = ":memory:") -> float:
    """Seconds to freeze n recipients: one transaction, batch row and message rows together."""
    quote = make_quote(phones(n), "bench")
    con = store.connect(path)
    started = time.perf_counter()
    ledger.freeze_batch(con, quote, sender=FROM, mode="sandbox")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--freeze", type=int, default=1_000_000)
    parser.add_argument(
        "--rtt",
        type=float,
        default=0.05,
        help="second round with this many seconds added to every answer, like a "
        "real round trip to Twilio (0 to skip)",
    )
    parser.add_argument("--rtt-messages", type=int, default=1000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="sender runs, alternating connection and workspace; medians shown",
    )
    args = parser.parse_args()
    no_proxy_for_loopback()
    with tempfile.TemporaryDirectory() as tmp:
        peer = PrismPeer.start(Path(tmp))
        proxy = FaultProxy(peer)  # as the tests run it: counting, no faults planned
        try:
            bench_raw(peer.api.url, 200, args.concurrency)  # warm the peer up
            raw_prism = bench_raw(peer.api.url, args.messages, args.concurrency)
            raw = bench_raw(proxy.url, args.messages, args.concurrency)
            naive = bench_naive(proxy.url, args.messages)
            sender, shared, status = interleaved(proxy.url, args.messages, args.concurrency, args.repeat)
            if args.rtt:
                proxy.delay(args.rtt)
                naive_rtt = bench_naive(proxy.url, args.rtt_messages)
                sender_rtt, shared_rtt, _ = interleaved(
                    proxy.url, args.rtt_messages, args.concurrency, args.repeat
                )
        finally:
            proxy.stop()
            peer.stop()
    print(f"{args.messages} messages, concurrency {args.concurrency}, Prism + proxy on loopback")
    print(f"  raw POSTs x{args.concurrency} straight to Prism: {raw_prism:8.0f} msg/s")
    print(f"  raw POSTs x{args.concurrency} via the proxy:     {raw:8.0f} msg/s")
    print(f"  naive sequential SDK loop:        {naive:8.0f} msg/s")
    print(f"  smscore sender ({status}):            {sender:8.0f} msg/s")
    print(
        f"  smscore sender via workspace:     {shared:8.0f} msg/s  "
        f"(workspace / connection = {shared / sender:.2f})"
    )
    print(f"  sender / naive = {sender / naive:.2f}; sender / raw = {sender / raw:.2f}")
    if args.rtt:
        print(f"{args.rtt_messages} messages with {args.rtt * 1000:.0f} ms added to each answer:")
        print(f"  naive sequential SDK loop: {naive_rtt:8.1f} msg/s")
        print(
            f"  smscore sender:            {sender_rtt:8.1f} msg/s  "
            f"(sender / naive = {sender_rtt / naive_rtt:.1f})"
        )
        print(
            f"  sender via workspace:      {shared_rtt:8.1f} msg/s  "
            f"(workspace / connection = {shared_rtt / sender_rtt:.2f})"
        )
    if args.freeze:
        print(f"freeze_batch of {args.freeze:,} recipients: {bench_freeze(args.freeze):.1f} s in memory")
        with tempfile.TemporaryDirectory() as tmp:
            on_file = bench_freeze(args.freeze, str(Path(tmp) / "freeze.duckdb"))
        print(f"freeze_batch of {args.freeze:,} recipients: {on_file:.1f} s on a DuckDB file")


if __name__ == "__main__":
    main()
