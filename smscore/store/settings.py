"""The operator's console settings, kept in the database (never any secret).

Credentials stay in the environment or Streamlit secrets (smscore.twilio.credentials); what lives here
is what an operator tunes: the low-balance threshold, the default country for imports, the
sender, the send rate and the console's language (unset: each browser's).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal
from functools import cache
from zoneinfo import available_timezones

import duckdb

from smscore import numbertypes
from smscore.money import to_decimal
from smscore.problems import coded
from smscore.store import get_setting, set_setting
from smscore.store.writes import write

LANGUAGES = ("en", "pt-BR")
# The language setting when no one chose one: the console follows each person's browser
# (ui.shell.setup), which an explicit "en" would override.
FOLLOW_BROWSER = ""
SENDER_TYPES = ("long code", "toll free", "short code")
MAX_RETENTION_DAYS = 3650  # ten years: past that, "keep" is the honest setting


@dataclass(frozen=True)
class Settings:
    """Console settings with the defaults a fresh workspace starts from."""

    low_balance_threshold: Decimal = Decimal("2.00")
    balance_reserve: Decimal = Decimal("0.00")
    default_country: str = "BR"
    sender: str = ""  # a phone number in E.164 or a Messaging Service SID (MG...)
    sender_type: str = "long code"
    send_rate: Decimal = Decimal("10")  # segments per second; Twilio's default outside +1
    concurrency: int = 4
    smart_encoding: bool = False
    language: str = FOLLOW_BROWSER  # or one of LANGUAGES, chosen for the whole workspace
    # IANA zone the console shows dates and times in (stored times stay UTC); Brazil's main
    # zone by default, like default_country.
    time_zone: str = "America/Sao_Paulo"
    # Days the numbers and texts of sent messages and replies are kept (LGPD art. 15-16,
    # smscore.person.retention); 0 keeps them for good (the default).
    retention_days: int = 0
    # Countries (ISO codes, comma-separated) whose fixed lines batches include: some carriers
    # read a text aloud to a landline. Elsewhere a fixed line is left out (smscore.numbertypes).
    fixed_line_countries: str = ""

    @property
    def fixed_lines_in(self) -> tuple[str, ...]:
        """The countries whose fixed lines are sent to, as ISO codes."""
        return numbertypes.parse_countries(self.fixed_line_countries)

    def validated(self) -> Settings:
        """Raise ValueError naming the bad value; return self when all is well."""
        if self.low_balance_threshold < 0:
            raise coded(ValueError, "settings.negative_threshold", got=self.low_balance_threshold)
        if self.balance_reserve < 0:
            raise coded(ValueError, "settings.negative_reserve", got=self.balance_reserve)
        if len(self.default_country) != 2 or not self.default_country.isalpha():
            raise coded(ValueError, "settings.bad_country", got=self.default_country)
        if self.sender_type not in SENDER_TYPES:
            raise coded(
                ValueError, "settings.bad_sender_type", choices=", ".join(SENDER_TYPES), got=self.sender_type
            )
        if self.send_rate <= 0:
            raise coded(ValueError, "settings.bad_rate", got=self.send_rate)
        if not 1 <= self.concurrency <= 64:
            raise coded(ValueError, "settings.bad_concurrency", got=self.concurrency)
        if self.language != FOLLOW_BROWSER and self.language not in LANGUAGES:
            raise coded(ValueError, "settings.bad_language", choices=", ".join(LANGUAGES), got=self.language)
        if self.time_zone not in _zones():
            raise coded(ValueError, "settings.bad_zone", got=self.time_zone)
        if not 0 <= self.retention_days <= MAX_RETENTION_DAYS:
            raise coded(
                ValueError, "settings.bad_retention", most=MAX_RETENTION_DAYS, got=self.retention_days
            )
        try:
            numbertypes.parse_countries(self.fixed_line_countries)
        except ValueError:
            raise coded(
                ValueError, "settings.bad_fixed_line_countries", got=self.fixed_line_countries
            ) from None
        if self.sender and not (self.sender.startswith("+") or self.sender.startswith("MG")):
            raise coded(ValueError, "settings.bad_sender", got=self.sender)
        return self


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


_PARSERS = {
    Decimal: to_decimal,
    int: int,
    bool: lambda v: str(v).lower() in ("1", "true", "yes"),
    str: str,
}


def load_settings(con: duckdb.DuckDBPyConnection) -> Settings:
    """The stored settings, with defaults for anything never set."""
    values = {}
    for f in fields(Settings):
        raw = get_setting(con, f.name)
        if raw is not None:
            kind = type(getattr(Settings(), f.name))
            values[f.name] = _PARSERS[kind](raw)
    return Settings(**values)


def save_settings(con: duckdb.DuckDBPyConnection, settings: Settings) -> Settings:
    """Validate and store every setting."""
    settings.validated()

    def store_all(c: duckdb.DuckDBPyConnection) -> None:
        for name, value in asdict(settings).items():
            set_setting(c, name, str(value).lower() if isinstance(value, bool) else str(value))

    write(con, store_all)
    return settings


def update_settings(con: duckdb.DuckDBPyConnection, **changes: object) -> Settings:
    """Change some settings, keeping the others (read and written in one unit of work, so two
    admins changing different settings at once both keep their change)."""
    saved: list[Settings] = []

    def change(c: duckdb.DuckDBPyConnection) -> None:
        saved[:] = [save_settings(c, replace(load_settings(c), **changes))]

    write(con, change)
    return saved[0]
