"""The console's upkeep thread: the balance watch and the daily retention purge, one thread per
server process, not per session.

`streamlit run console.py` starts it once (console.py, beside the webhook routes); it checks the
balance every `check_minutes` (an admin setting, default 30, read again before each wait) and at
once when poked, which the sender does right after a batch ends (ui.sending.jobs). The check
itself is smscore.notices.watch.check, the same one `smscore balance --notify` runs from cron;
the workspace's once-per-crossing state keeps the two from telling one crossing twice. A check
that fails is logged and tried again at the next turn; the thread never dies of it.

After each check it applies the retention setting once a day (smscore.person.retention), here
rather than in a page run: the first purge of a large ledger takes a minute, in units of a
second that let the pages and the CLI in between, and nobody's page waits for it.
"""

from __future__ import annotations

import logging
import threading

from smscore.access.audit import Actor
from smscore.notices import watch
from smscore.notices.options import load_options
from smscore.person import retention
from smscore.person.retention import PurgeReport
from smscore.store.settings import load_settings
from smscore.twilio.connect import open_gateway
from ui.shell.connection import config, root, smtp_secrets

_log = logging.getLogger("smsconsole.watch")
ACTOR = Actor("console:watch", "console")
RETENTION_ACTOR = Actor("console:retention", "console")  # the daily purge, in the audit trail
FIRST_CHECK_AFTER = 10.0  # seconds after the server starts: let it come up first
_LOCK = threading.Lock()
_POKE = threading.Event()
_THREAD: list[threading.Thread] = []


def start() -> bool:
    """Start this process's watch thread unless it runs already; True if started now."""
    with _LOCK:
        if _THREAD and _THREAD[0].is_alive():
            return False
        thread = threading.Thread(target=_loop, name="smsconsole-balance-watch", daemon=True)
        _THREAD[:] = [thread]
        thread.start()
        return True


def poke() -> None:
    """Check now rather than at the next interval (a batch just ended)."""
    _POKE.set()


def running() -> bool:
    return bool(_THREAD) and _THREAD[0].is_alive()


def _loop() -> None:
    _POKE.wait(FIRST_CHECK_AFTER)
    while True:
        _POKE.clear()
        minutes = 30
        try:
            minutes = check_once()
        except Exception:  # noqa: BLE001 - logged; the next turn tries again
            _log.exception("the balance check failed")
        try:
            upkeep_once()
        except Exception:  # noqa: BLE001 - logged; the next turn tries again
            _log.exception("the retention purge failed")
        _POKE.wait(minutes * 60)


def check_once() -> int:
    """One check with the console's configuration; returns the minutes until the next one."""
    cfg = config()
    ws = root(cfg)
    with ws.unit() as con:
        settings, options = load_settings(con), load_options(con)
    try:
        gateway = open_gateway(ws, cfg)
    except ValueError as exc:  # half-set credentials: recorded as a failed read, said on Home
        _log.warning("balance watch: %s", exc)
        gateway = None
    wiring = watch.Wiring.from_config(cfg, smtp_secrets(), watch.sender_for(gateway, settings.sender))
    result = watch.check(ws, gateway, wiring, by="console", actor=ACTOR)  # type: ignore[arg-type]
    if result.notice or result.outcomes or result.problem:
        _log.info(
            "balance watch: %s; notice %s; %s",
            result.problem or result.balance,
            result.notice or "none",
            ", ".join(f"{o.channel} {'failed' if o.error else 'sent'}" for o in result.outcomes)
            or "nothing sent",
        )
    return options.check_minutes


def upkeep_once() -> PurgeReport | None:
    """The retention purge when it is due (on, and a day since the last); None when it is not."""
    report = retention.purge_if_due(root(config()), RETENTION_ACTOR)
    if report is not None:
        _log.info("retention purge: %s messages, %s replies", report.messages, report.replies)
    return report
