"""Why something was refused, paused or stopped: a stable code and its parameters, with English.

The CLI and the notebook print the English sentence, as smscore always worded it. The console
words the same problem in the operator's language from the code (`problem.<code>` in its
catalogs) and writes the parameters (money, counts, times) the language's way, so no sentence is
recognised by its English shape. Batch statuses store the code and the parameters as JSON next
to the English text (smscore.sending.ledger.set_status); rows written before codes existed keep only
their text, which still reads.

`MESSAGES` is the registry: every code the core can emit, with its English template. Parameter
values are str, int, Decimal, Money or datetime (naive UTC); templates may use format specs
(`{at:%H:%M}`) and conversions (`{got!r}`), which the English sentence applies.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from smscore.money import Money

Param = str | int | Decimal | Money | datetime | time  # a time of day: UTC, from old rows

MESSAGES: dict[str, str] = {
    # the body (smscore.cost.segments, smscore.cost.quote)
    "body.nul": "the message contains a NUL character (character {position}); remove it",
    "body.surrogate": (
        "the message contains an unpaired surrogate {char} (character {position}),"
        " half of an emoji or symbol; retype that character"
    ),
    "quote.empty_body": "the message body is empty",
    "quote.unknown_placeholder": "unknown placeholder {{{name}}}; contacts have: {known}",
    "quote.unknown_placeholder_near": (
        "unknown placeholder {{{name}}}; did you mean {{{near}}}? Contacts have: {known}"
    ),
    "quote.no_category": "no category named {name!r}",
    "quote.no_recipients": "choose recipients: everyone, one or more categories, or contacts",
    "quote.mixed_currencies": "the price list mixes currencies {currencies}",
    # scheduling (smscore.sending.schedule)
    "schedule.needs_service": (
        "scheduling needs a Messaging Service as the sender (MG…, Twilio error 35118); got {sender!r}"
    ),
    "schedule.too_soon": (
        "the send time must be more than 5 minutes ahead; got {at:%Y-%m-%d %H:%M} UTC, now is {now:%H:%M} UTC"
    ),
    "schedule.too_far": "the send time must be at most 35 days ahead; got {at:%Y-%m-%d %H:%M} UTC",
    # sending hours (smscore.sending.sendhours)
    "hours.start_after_end": "sending hours must start before they end; got {start}-{end}",
    "hours.bad_days": "sending days must be some of Monday..Sunday; got {days}",
    "hours.bad_window": "sending hours look like 09:00-20:00; got {got!r}",
    "hours.bad_day_names": "days look like mon-fri or mon,wed,sat; got {got!r}",
    # settings (smscore.store.settings)
    "settings.negative_threshold": "the low-balance threshold cannot be negative; got {got}",
    "settings.negative_reserve": "the balance reserve cannot be negative; got {got}",
    "settings.bad_country": "default country must be an ISO 3166 code like BR; got {got!r}",
    "settings.bad_sender_type": "sender type must be one of {choices}; got {got!r}",
    "settings.bad_rate": "the send rate must be positive; got {got}",
    "settings.bad_concurrency": "concurrency must be between 1 and 64; got {got}",
    "settings.bad_language": "language must be one of {choices}; got {got!r}",
    "settings.bad_retention": ("days to keep numbers and texts must be 0 (keep them) to {most}; got {got}"),
    "settings.bad_fixed_line_countries": (
        "countries for fixed lines are ISO codes separated by commas, like DE, GB; got {got!r}"
    ),
    "settings.bad_zone": "time zone must be an IANA name like America/Sao_Paulo; got {got!r}",
    "settings.bad_sender": ("sender must be an E.164 number or a Messaging Service SID; got {got!r}"),
    # low-balance notices (smscore.notices.options)
    "notices.bad_email": "not an e-mail address: {got!r}",
    "notices.bad_number": "an SMS number must be in E.164 like +5511987654321; got {got!r}",
    "notices.bad_webhook": "the webhook URL must start with https:// (or http:// on a private network)",
    "notices.bad_interval": "the check interval must be 1 to 1440 minutes; got {got}",
    "notices.bad_reminder": "the reminder must be 0 (none) to 168 hours; got {got}",
    "notices.negative_limit": "a spend limit cannot be negative; got {got}",
    # spending limits and approvals (smscore.access.approvals)
    "limits.negative": "the {which} limit cannot be negative; got {got}",
    "limits.other_currency": (
        "spending limits are in {limits}; this batch is priced in {batch}, "
        "so it cannot be checked; ask an admin"
    ),
    "limits.over_per_batch": ("this batch may cost up to {maximum}, over the per-batch limit of {limit}"),
    "limits.over_per_day": (
        "with this batch {who} would confirm up to {total} today, over the per-day limit of {limit}"
    ),
    "approvals.no_batch": "no batch {batch!r}",
    "approvals.awaits": "batch {batch} awaits approval by an admin; nothing was sent",
    "approvals.was_rejected": "batch {batch} was rejected; nothing was sent",
    "approvals.not_awaiting": "batch {batch} is {status}, not awaiting approval",
    "approvals.same_admin": "the admin who confirmed a batch cannot approve it; another admin must",
    "approvals.held": "maximum cost over the approval threshold",
    "approvals.rejected_by": "rejected by {who}",
    "approvals.rejected_by_because": "rejected by {who}: {why}",
    # the balance gate (smscore.twilio.balance)
    "balance.reserve_currency": (
        "The reserve is in {reserve} but the quote is in {quote}; set the reserve in {quote}."
    ),
    "balance.none": (
        "This account reports no balance (Twilio subaccounts have none of their "
        "own), so the cost of the batch cannot be checked; sending is refused. Use "
        "the parent account's credentials."
    ),
    "balance.other_currency": (
        "The account's balance is in {balance} but the prices are in "
        "{prices}; refusing to compare amounts in two currencies. Refresh "
        "the price list from this account first."
    ),
    "balance.covers": "The balance {balance} covers up to {needed}.",
    "balance.covers_with_reserve": (
        "The balance {balance} covers up to {total} ({needed} for the messages + {reserve} reserve)."
    ),
    "balance.short": (
        "The balance {balance} is short of the {needed} this batch may cost: "
        "{shortfall} more is needed. Top up, or send to fewer recipients."
    ),
    "balance.short_with_reserve": (
        "The balance {balance} is short of the {total} ({needed} for "
        "the messages + {reserve} reserve) this batch may cost: "
        "{shortfall} more is needed. Top up, or send to fewer "
        "recipients."
    ),
    # why a batch stopped or waits (smscore.sending.sender, written to batches.status_reason)
    "batch.stopped_by_operator": "stopped by the operator",
    "batch.not_started": "not started",
    "batch.credentials_refused": "Twilio refused the credentials: {error}",
    "batch.out_of_funds": "the account ran out of funds: {error}; top up and resume",
    "batch.throttled": ("still throttled after {attempts} attempts: {error}; resume later or lower the rate"),
    "batch.balance_unreadable": "could not read the balance: {error}",
    "batch.held_one": (
        "held: 1 message waits for its recipient's sending hours, at "
        "{at:%Y-%m-%d %H:%M} UTC; it goes out when the batch runs then (the console "
        "resumes it by itself; or run `python -m smscore batch-resume {batch}`)"
    ),
    "batch.held": (
        "held: {count} messages wait for their recipients' sending hours, the first "
        "at {at:%Y-%m-%d %H:%M} UTC; they go out when the batch runs then (the console "
        "resumes it by itself; or run `python -m smscore batch-resume {batch}`)"
    ),
    "batch.unknown_outcomes": (
        "outcome unknown for {count} messages; they can be looked up in "
        "Twilio from {ready:%H:%M:%S} UTC: run `python -m smscore "
        "reconcile {batch}` then"
    ),
    "batch.unknown_outcomes_now": (
        "outcome unknown for {count} messages; they can be looked up "
        "in Twilio from now: run `python -m smscore reconcile {batch}` "
        "then"
    ),
}

E = TypeVar("E", bound=BaseException)


@dataclass(frozen=True)
class Problem:
    """One problem: its registry code and the values its sentence names."""

    code: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise KeyError(f"no problem code {self.code!r} in smscore.problems.MESSAGES")

    @property
    def text(self) -> str:
        """The English sentence (what the CLI and the notebook print)."""
        return MESSAGES[self.code].format(**self.params)

    def params_json(self) -> str:
        """The parameters as JSON, money and times kept exact (see `from_stored`)."""
        return json.dumps({k: _encode(v) for k, v in self.params.items()}, sort_keys=True)

    @classmethod
    def from_stored(cls, code: str | None, params: str | None) -> Problem | None:
        """The problem a row stored, or None for a row without a (known) code."""
        if not code or code not in MESSAGES:
            return None
        decoded = {k: _decode(v) for k, v in json.loads(params or "{}").items()}
        return cls(code, decoded)


def coded(kind: type[E], code: str, **params: Param) -> E:
    """An exception of `kind` worded in English, carrying `.problem`, `.code` and `.params`.

    The exception keeps its class (callers catch ValueError, QuoteError... as before).
    """
    problem = Problem(code, params)
    error = kind(problem.text)
    error.problem = problem  # type: ignore[attr-defined]
    error.code = code  # type: ignore[attr-defined]
    error.params = dict(params)  # type: ignore[attr-defined]
    return error


def problem_of(error: BaseException) -> Problem | None:
    """The Problem an exception carries, if the core raised it with `coded`."""
    found = getattr(error, "problem", None)
    return found if isinstance(found, Problem) else None


def recognise(text: str | None) -> Problem | None:
    """The Problem an English sentence was made from, for rows stored before codes existed
    (their batches.status_code is NULL); None when no template fits it word for word."""
    if not text:
        return None
    for code, (pattern, specs) in _readers():
        if found := pattern.fullmatch(text):
            params = {name: _read(value, specs.get(name, "")) for name, value in found.groupdict().items()}
            return Problem(code, params)
    return None


@cache
def _readers() -> list[tuple[str, tuple[re.Pattern[str], dict[str, str]]]]:
    """Each template as a pattern, literal text exact and each field a lazy group; the most
    literal first, so `rejected by {who}: {why}` is tried before `rejected by {who}`."""
    readers = {}
    for code, template in MESSAGES.items():
        parts, specs = [], {}
        for literal, name, spec, conversion in string.Formatter().parse(template):
            parts.append(re.escape(literal))
            if name is None:
                continue
            parts.append(f"(?P={name})" if name in specs else f"(?P<{name}>.+?)")
            specs[name] = "!r" if conversion == "r" else spec or ""
        readers[code] = (re.compile("".join(parts), re.DOTALL), specs)
    literal = {
        code: sum(len(part[0]) for part in string.Formatter().parse(template))
        for code, template in MESSAGES.items()
    }
    return sorted(readers.items(), key=lambda item: -literal[item[0]])


_MONEY_TEXT = re.compile(r"(?P<currency>[A-Z]{3}) (?P<amount>-?\d+(?:\.\d+)?)")


def _read(value: str, spec: str) -> Param:
    """A field read back from its English text: a time by its format, money, a count, or text."""
    if spec == "!r":
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value
    if "%" in spec:
        try:
            moment = datetime.strptime(value, spec)
        except ValueError:
            return value
        # A time of day alone (`%H:%M:%S`) has no date to place it in a zone: kept as a time.
        return moment if "%Y" in spec else moment.time()
    if money := _MONEY_TEXT.fullmatch(value):
        return Money(Decimal(money["amount"]), money["currency"])
    return int(value) if value.isdigit() else value


def fields_of(code: str) -> set[str]:
    """The parameter names a code's sentence uses (the catalogs must use the same)."""
    return {name for _, name, _, _ in string.Formatter().parse(MESSAGES[code]) if name}


def _encode(value: Param) -> Any:
    if isinstance(value, Money):
        return {"money": str(value.amount), "currency": value.currency}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"time": value.isoformat()}
    return value


def _decode(value: Any) -> Param:
    if isinstance(value, dict):
        if "money" in value:
            return Money(Decimal(value["money"]), value["currency"])
        if "decimal" in value:
            return Decimal(value["decimal"])
        if "time" in value:
            return datetime.fromisoformat(value["time"])
    return value
