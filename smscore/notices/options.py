"""What an admin sets for notices: channels, recipients, the check interval, the reminder and
the spend limits. Kept in the workspace's settings rows under `notice_*` keys, never a secret
(the SMTP password and the webhook's HMAC secret stay in the environment or secrets).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal

import duckdb

from smscore.access import audit
from smscore.money import to_decimal
from smscore.problems import coded
from smscore.store import get_setting, set_setting
from smscore.store.writes import write

EMAILS_ENV = "SMSCONSOLE_NOTIFY_EMAILS"  # extra e-mail recipients, comma-separated
WEBHOOK_SECRET_ENV = "SMSCONSOLE_NOTIFY_WEBHOOK_SECRET"  # the HMAC key of the webhook
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class NoticeOptions:
    """The notice settings with the defaults a fresh workspace starts from."""

    email: bool = True  # to every active admin plus `emails` (needs SMTP configured)
    emails: str = ""  # extra addresses, comma-separated
    sms: bool = False
    sms_numbers: str = ""  # E.164 numbers, comma-separated
    webhook: bool = False
    webhook_url: str = ""
    check_minutes: int = 30  # the console's watch reads the balance this often
    reminder_hours: int = 24  # while the balance stays below; 0: no reminder
    daily_limit: Decimal = Decimal("0")  # spend limits as Twilio Usage Triggers; 0: none
    monthly_limit: Decimal = Decimal("0")

    def validated(self) -> NoticeOptions:
        """Raise ValueError naming the bad value; return self when all is well."""
        for address in split(self.emails):
            if not _EMAIL.match(address):
                raise coded(ValueError, "notices.bad_email", got=address)
        for number in split(self.sms_numbers):
            if not _E164.match(number):
                raise coded(ValueError, "notices.bad_number", got=number)
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise coded(ValueError, "notices.bad_webhook")
        if not 1 <= self.check_minutes <= 24 * 60:
            raise coded(ValueError, "notices.bad_interval", got=self.check_minutes)
        if not 0 <= self.reminder_hours <= 24 * 7:
            raise coded(ValueError, "notices.bad_reminder", got=self.reminder_hours)
        for name in ("daily_limit", "monthly_limit"):
            if getattr(self, name) < 0:
                raise coded(ValueError, "notices.negative_limit", got=getattr(self, name))
        return self

    def sms_list(self) -> list[str]:
        return split(self.sms_numbers)


def split(text: str) -> list[str]:
    """A comma- (or semicolon-) separated list, trimmed, without blanks or repeats, in order."""
    seen: dict[str, None] = {}
    for part in re.split(r"[,;\n]+", text or ""):
        if part.strip():
            seen.setdefault(part.strip(), None)
    return list(seen)


def _key(name: str) -> str:
    return f"notice_{name}"


_PARSERS: dict[type, Callable[[str], object]] = {
    bool: lambda v: str(v).lower() in ("1", "true", "yes"),
    int: int,
    Decimal: to_decimal,
    str: str,
}


def load_options(con: duckdb.DuckDBPyConnection) -> NoticeOptions:
    """The stored notice settings, with defaults for anything never set."""
    values: dict[str, object] = {}
    defaults = NoticeOptions()
    for f in fields(NoticeOptions):
        raw = get_setting(con, _key(f.name))
        if raw is not None:
            values[f.name] = _PARSERS[type(getattr(defaults, f.name))](raw)
    return NoticeOptions(**values)  # type: ignore[arg-type]


def update_options(con: duckdb.DuckDBPyConnection, actor: audit.Actor, **changes: object) -> NoticeOptions:
    """Change some notice settings in one unit of work, audited (the webhook URL's path is left
    out of the trail: a Slack or Teams URL carries its own secret)."""
    saved: list[NoticeOptions] = []

    def change(c: duckdb.DuckDBPyConnection) -> None:
        before = load_options(c)
        after = replace(before, **changes).validated()  # type: ignore[arg-type]
        changed = {k: v for k, v in asdict(after).items() if asdict(before)[k] != v}
        for name, value in changed.items():
            set_setting(c, _key(name), str(value).lower() if isinstance(value, bool) else str(value))
        if changed:
            shown = {k: (shown_url(str(v)) if k == "webhook_url" else v) for k, v in changed.items()}
            audit.record(c, actor, "settings.change", "notices", shown)
        saved[:] = [after]

    write(con, change)
    return saved[0]


def shown_url(url: str) -> str:
    """A webhook URL as it may be shown or logged: scheme and host only."""
    if not url:
        return ""
    head, _, rest = url.partition("://")
    return f"{head}://{rest.split('/')[0]}/…" if rest else url


def email_recipients(
    con: duckdb.DuckDBPyConnection, options: NoticeOptions, environ: Mapping[str, str]
) -> list[str]:
    """Every active admin's e-mail, the setting's and SMSCONSOLE_NOTIFY_EMAILS', once each."""
    admins = [
        r[0]
        for r in con.execute(
            "SELECT email FROM users WHERE role = 'admin' AND NOT disabled ORDER BY email"
        ).fetchall()
    ]
    listed = split(",".join([*admins, options.emails, environ.get(EMAILS_ENV, "")]))
    seen: dict[str, str] = {}
    for address in listed:
        if _EMAIL.match(address):
            seen.setdefault(address.lower(), address)
    return list(seen.values())
