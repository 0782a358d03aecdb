"""Sending hours in each recipient's local time, from the time zones of their number.

The operator sets a window (e.g. 09:00-20:00, Monday to Friday). A number's time zones come
from phonenumbers' timezone data: Brazil and the US span several, and a number whose prefix
does not pin one down (a mobile in a country of several zones) has several candidates; it then
gets the first moment that is inside the window in all of them, so nobody is woken up. A
recipient inside the window now goes now; the others get the next such moment as their
`send_at` (scheduled at Twilio with a Messaging Service, held by the sender without one). A
number whose zones share no moment of the window in the coming week cannot be placed and is
listed as excluded.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd
import phonenumbers
from phonenumbers import timezone as number_zones

from smscore.cost.quote import Quote
from smscore.problems import coded

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NO_OPENING = "no time inside the sending hours fits all of the number's time zones this week"
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Window:
    """Local hours [start, end) on some weekdays (0 = Monday)."""

    start: time
    end: time
    days: frozenset[int] = frozenset(range(7))

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise coded(
                ValueError, "hours.start_after_end", start=f"{self.start:%H:%M}", end=f"{self.end:%H:%M}"
            )
        if not self.days or not self.days <= set(range(7)):
            raise coded(ValueError, "hours.bad_days", days=str(sorted(self.days)))

    def contains(self, local: datetime) -> bool:
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        return f"{self.start:%H:%M}-{self.end:%H:%M} {days}"


def parse_window(hours: str, days: str = "mon-sun") -> Window:
    """`09:00-20:00` and `mon-fri` (or `mon,wed,sat`) as a Window; ValueError naming the bad part."""
    m = _WINDOW.match(hours)
    if not m:
        raise coded(ValueError, "hours.bad_window", got=hours)
    h1, m1, h2, m2 = map(int, m.groups())
    try:
        start, end = time(h1, m1), time(h2, m2) if (h2, m2) != (24, 0) else time.max
    except ValueError:
        raise coded(ValueError, "hours.bad_window", got=hours) from None
    return Window(start, end, _parse_days(days))


def _parse_days(text: str) -> frozenset[int]:
    chosen: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise coded(ValueError, "hours.bad_day_names", got=text)
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        chosen.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(chosen)


@lru_cache(maxsize=4096)
def zones_of(phone: str) -> tuple[str, ...]:
    """The IANA zones a number may be in; UTC when phonenumbers knows none."""
    try:
        found = number_zones.time_zones_for_number(phonenumbers.parse(phone))
    except phonenumbers.NumberParseException:
        found = ()
    zones = tuple(z for z in found if z != "Etc/Unknown")
    return zones or ("UTC",)


def next_opening(window: Window, zones: tuple[str, ...], now: datetime) -> datetime | None:
    """The first moment from `now` (naive UTC) inside the window in every zone; None if none
    within 8 days. Candidates are `now` and each zone's local window starts."""
    aware_now = now.replace(tzinfo=UTC)
    candidates = {aware_now}
    for name in zones:
        zone = ZoneInfo(name)
        local_day = aware_now.astimezone(zone).date()
        for offset in range(9):
            day = local_day + timedelta(days=offset)
            start = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
            if start >= aware_now:
                candidates.add(start)
    for moment in sorted(candidates):
        if all(window.contains(moment.astimezone(ZoneInfo(z))) for z in zones):
            return moment.replace(tzinfo=None)
    return None


@dataclass(frozen=True)
class HoursPlan:
    """When each recipient goes: None for now, a naive-UTC time, or excluded (no opening)."""

    send_at: dict[str, datetime | None]
    unplaceable: tuple[str, ...]

    @property
    def now(self) -> int:
        return sum(1 for at in self.send_at.values() if at is None)

    def later(self) -> list[tuple[datetime, int]]:
        """(time, how many) for the recipients held, earliest first."""
        counts = Counter(at for at in self.send_at.values() if at is not None)
        return sorted(counts.items())


def plan(phones: list[str], window: Window, now: datetime) -> HoursPlan:
    """Each phone's send time under `window`; numbers sharing zones are worked out once."""
    by_zones: dict[tuple[str, ...], datetime | None | str] = {}
    send_at: dict[str, datetime | None] = {}
    unplaceable: list[str] = []
    for phone in phones:
        zones = zones_of(phone)
        if zones not in by_zones:
            opening = next_opening(window, zones, now)
            by_zones[zones] = "none" if opening is None else (None if opening == now else opening)
        when = by_zones[zones]
        if when == "none":
            unplaceable.append(phone)
        else:
            send_at[phone] = when  # type: ignore[assignment]
    return HoursPlan(send_at, tuple(unplaceable))


def with_hours(quote: Quote, window: Window, now: datetime) -> tuple[Quote, HoursPlan]:
    """The quote with each recipient's `send_at`; numbers that cannot be placed are excluded
    (with the reason) and the totals priced without them."""
    phones = [str(p) for p in quote.recipients["phone"]]
    result = plan(phones, window, now)
    recipients = quote.recipients
    if result.unplaceable:
        gone = recipients["phone"].isin(result.unplaceable)
        dropped = recipients.loc[gone, ["contact_id", "phone", "country"]].assign(reason=NO_OPENING)
        excluded = (
            pd.concat([quote.excluded, dropped], ignore_index=True)
            if len(quote.excluded)
            else dropped.reset_index(drop=True)
        )
        recipients = recipients.loc[~gone].reset_index(drop=True)
        quote = replace(quote, excluded=excluded, **_totals(recipients))
    times = [result.send_at.get(str(p)) for p in recipients["phone"]]
    recipients = recipients.assign(send_at=pd.Series(times, dtype="datetime64[us]", index=recipients.index))
    return replace(quote, recipients=recipients), result


def _totals(recipients: pd.DataFrame) -> dict[str, object]:
    """by_country, totals and segments of the recipients left, as smscore.cost.quote computes them."""
    rows = []
    for iso, group in recipients.groupby("country", sort=False):
        rows.append(
            {
                "iso": iso,
                "recipients": len(group),
                "segments": int(group["segments"].sum()),
                "unit_price_min": group["unit_min"].iloc[0],
                "unit_price_max": group["unit_max"].iloc[0],
                "subtotal_min": sum(group["cost_min"].tolist(), Decimal(0)),
                "subtotal_max": sum(group["cost_max"].tolist(), Decimal(0)),
            }
        )
    by_country = pd.DataFrame(
        rows,
        columns=[
            "iso",
            "recipients",
            "segments",
            "unit_price_min",
            "unit_price_max",
            "subtotal_min",
            "subtotal_max",
        ],
    )
    return {
        "by_country": by_country,
        "total_min": sum(recipients["cost_min"].tolist(), Decimal(0)),
        "total_max": sum(recipients["cost_max"].tolist(), Decimal(0)),
        "segments": int(recipients["segments"].sum()) if len(recipients) else 0,
    }
