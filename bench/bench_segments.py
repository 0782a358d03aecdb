"""How long segment counting takes per recipient, for the kinds of body a batch contains.

A quote for 1,000,000 personalised messages calls ``segments_of`` once per recipient, so the
figure that matters is microseconds per call on *distinct* texts.
Run from the repository root: python bench/bench_segments.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from smscore.cost.segments import count_segments, segments_of  # noqa: E402

N = 20_000
NAMES = ["Ana", "Bruno", "Carla", "Diego", "Elisa", "Fabio", "Gabi", "Hugo", "Iara", "Joana"]

TEMPLATES = {
    "GSM-7 short": (
        "Hi {name}, your appointment at Clinic {i} is confirmed for 12/03 at 14:30. "
        "Reply C to cancel or call 555-{i:04d}. Thanks!"
    ),
    "GSM-7 long": "Dear {name}, thanks for being a customer since 2019. " * 6,
    "GSM-7 long with €": "Dear {name}, invoice €{i} is ready; pay by Friday. " * 5,
    "Portuguese UCS-2": (
        "Olá {name}, sua consulta na Clínica {i} está confirmada para 12/03 às 14:30. "
        "Responda C para cancelar. Obrigado!"
    ),
    "Portuguese UCS-2 long": "Olá {name}, sua promoção nº {i} chegou. " * 4,
    "curly quotes (beyond Latin-1)": "Hi {name}, it’s your “lucky” day: code {i}. Don’t wait!",
    "emoji 😀": "Hi {name} 😀 order {i} shipped 🚚 arrives tomorrow 🎉 " * 2,
    "emoji clusters 👍🏽 ❤️": "Parabéns {name} 👍🏽 pedido {i} enviado ❤️ " * 2,
}


def per_call_us(fn: Callable[[str], object], texts: list[str]) -> float:
    """Best of 7 runs over the same distinct texts, in CPU microseconds per call.

    CPU time rather than wall time, so other work on a busy machine does not inflate it.
    """
    best = float("inf")
    for _ in range(7):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return best / len(texts) * 1e6


def smart(text: str) -> int:
    return segments_of(text, smart_encoding=True)


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {sys.version.split()[0]}, {N:,} distinct texts per row, best of 7 (CPU time), "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'body':34} {'len':>4} {'enc':>5} {'seg':>3} {'segments_of':>12} {'count_segments':>15}")
    for label, template in TEMPLATES.items():
        texts = [template.format(name=NAMES[i % len(NAMES)], i=i) for i in range(N)]
        sample = count_segments(texts[0])
        fast, full = per_call_us(segments_of, texts), per_call_us(count_segments, texts)
        print(
            f"{label:34} {len(texts[0]):4} {sample.encoding:>5} {sample.segments:3} "
            f"{fast:9.2f} µs {full:12.2f} µs"
        )
    texts = [TEMPLATES["GSM-7 short"].format(name=NAMES[i % 10], i=i) for i in range(N)]
    print(
        f"{'GSM-7 short, smart_encoding=True':34} {len(texts[0]):4} {'GSM-7':>5} {1:3} "
        f"{per_call_us(smart, texts):9.2f} µs"
    )


if __name__ == "__main__":
    main()
