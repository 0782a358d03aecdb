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
from smscore.cli.words import _, money
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
        raise CliError(_("cannot read {path}: {why}").format(path=path, why=type(exc).__name__)) from None
    return table if isinstance(table, dict) else None


def notify(args: argparse.Namespace, ws: store.Workspace) -> int:
    """Check the balance now, tell a fall below the threshold once, retry failed channels."""
    if args.threshold:
        raise CliError(_("--notify uses the threshold set in the console's Settings; leave out --threshold"))
    gateway = gateway_for(ws)
    with ws.unit() as con:
        settings = load_settings(con)
    wiring = watch.Wiring.from_config(os.environ, smtp_table(), watch.sender_for(gateway, settings.sender))
    result = watch.check(ws, gateway, wiring, by="cli", actor=Actor.cli())  # type: ignore[arg-type]
    if result.problem:
        print(_("balance: {balance}").format(balance=result.problem))
    elif result.balance is not None and result.threshold is not None:
        print(
            _("balance: {balance} (threshold {threshold})").format(
                balance=money(result.balance.amount, result.balance.currency),
                threshold=money(result.threshold, result.balance.currency),
            )
        )
    if result.notice:
        kind = _("low balance") if result.notice == "low" else _("reminder")
        print(_("notice: {kind} (notice {id})").format(kind=kind, id=result.notice_id))
    elif not result.problem:
        below = (
            result.balance is not None
            and result.threshold is not None
            and result.balance.amount < result.threshold
        )
        print(
            _("notice: none (already told for this fall below)")
            if below
            else _("notice: none (balance above the threshold)")
        )
    for outcome in result.outcomes:
        if outcome.error:
            print(
                _("failed: {channel} {target}: {error}").format(
                    channel=outcome.channel, target=outcome.target, error=outcome.error
                )
            )
        else:
            print(_("sent: {channel} {target}").format(channel=outcome.channel, target=outcome.target))
    return 1 if result.problem or any(o.error for o in result.outcomes) else 0
