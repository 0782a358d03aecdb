"""UTC time as the store keeps it: naive UTC in DuckDB, aware UTC towards Twilio and callers.

DuckDB's TIMESTAMP has no zone, so every timestamp written is naive UTC; Twilio's dates arrive
aware. These three helpers are the one place the two forms meet.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in the naive-UTC form every stored timestamp has."""
    return datetime.now(UTC).replace(tzinfo=None)


def naive_utc(moment: datetime | None) -> datetime | None:
    """An aware datetime (as Twilio's dates parse) in the stored naive-UTC form."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def aware_utc(moment: datetime | None) -> datetime | None:
    """A stored naive-UTC timestamp as an aware one."""
    return None if moment is None else moment.replace(tzinfo=UTC)
