"""Crash points: a test hook that kills the process right after its Nth database commit.

Exactly-once has to survive a crash at any commit of a send, and a crash lands where it lands;
the only way to prove every boundary safe is to stop a real process at each one in turn. With
SMSCONSOLE_CRASH_AFTER_COMMIT=N in the environment, the Nth commit announced here is followed by
SIGKILL (no cleanup, no flush: what a power cut or the OOM killer does). Unset, this costs one
dictionary lookup per commit.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "SMSCONSOLE_CRASH_AFTER_COMMIT"

_lock = threading.Lock()
_commits = 0


def committed() -> None:
    """Announce a commit that is now durable; SIGKILL here when the test hook says so."""
    global _commits
    target = os.environ.get(ENV)
    if not target:
        return
    with _lock:
        _commits += 1
        if _commits == int(target):
            os.kill(os.getpid(), signal.SIGKILL)
