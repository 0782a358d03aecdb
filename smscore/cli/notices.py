"""`smscore balance --notify`: one balance check that tells a low balance by e-mail, SMS and
webhook, for cron or the systemd timer in deploy/ (the console's server runs the same check).

It borrows the workspace per unit of work (smscore.notices.watch), so a console that is open
meanwhile waits only for the moments the check writes; the network (Twilio, SMTP, the webhook)
is never waited on while the workspace is held.
"""

from __future__ import annotations

import argparse
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from smscore import store
from smscore.access.audit import Actor
from smscore.cli.common import CliError, gateway_for
from smscore.money import format_money
from smscore.notices import watch
from smscore.store.settings import load_settings

SECRETS = Path(".streamlit") / "secrets.toml"  # where the console reads its secrets, from its folder


def smtp_table(folder: Path | None = None) -> Mapping[str, object] | None:
    """The `[smtp]` table of the console's secrets file, when the command runs beside it."""
    path = (folder or Path.cwd()) / SECRETS
    if not path.is_file():
        return None
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("smtp")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CliError(f"cannot read {path}: {type(exc).__name__}") from None
    return table if isinstance(table, dict) else None


def notify(args: argparse.Namespace, ws: store.Workspace) -> int:
    """Check the balance now, tell a fall below the threshold once, retry failed channels."""
    if args.threshold:
        raise CliError("--notify uses the threshold set in the console's Settings; leave out --threshold")
    gateway = gateway_for(ws)
    with ws.unit() as con:
        settings = load_settings(con)
    wiring = watch.Wiring.from_config(os.environ, smtp_table(), watch.sender_for(gateway, settings.sender))
    result = watch.check(ws, gateway, wiring, by="cli", actor=Actor.cli())  # type: ignore[arg-type]
    if result.problem:
        print(f"balance: {result.problem}")
    elif result.balance is not None and result.threshold is not None:
        threshold = format_money(result.threshold, result.balance.currency)
        print(f"balance: {result.balance} (threshold {threshold})")
    if result.notice:
        print(
            f"notice: {'low balance' if result.notice == 'low' else 'reminder'} (notice {result.notice_id})"
        )
    elif not result.problem:
        below = (
            result.balance is not None
            and result.threshold is not None
            and result.balance.amount < result.threshold
        )
        print(
            "notice: none (already told for this fall below)"
            if below
            else "notice: none (balance above the threshold)"
        )
    for outcome in result.outcomes:
        print(f"{'failed' if outcome.error else 'sent'}: {outcome.channel} {outcome.target}", end="")
        print(f": {outcome.error}" if outcome.error else "")
    return 1 if result.problem or any(o.error for o in result.outcomes) else 0
