"""The notice's words, in the workspace's language (English or Brazilian Portuguese).

The notice leaves the console, often from a cron job with no browser to ask for a language:
the workspace's language (Settings), else Portuguese for a workspace whose default country
speaks it, else English. Its words are the console's catalogs' (`notices.*`), its amounts and
times smscore.words.formats', so a notice reads like the page it links to. Every channel carries the same facts:
the balance, the threshold, the next batch scheduled to go out and its maximum cost, and the
address of the top-up guide (SMSCONSOLE_PUBLIC_URL + /topup). Balances are shown rounded down
to the cent, costs rounded up, as everywhere in the console. The SMS text keeps to GSM-7 (no
accents) so it costs as few segments as it can.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from smscore.clock import aware_utc
from smscore.money import Money
from smscore.words import formats
from smscore.words.i18n import translate

TOPUP_PATH = "/topup"
_PORTUGUESE_COUNTRIES = frozenset({"BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"})


def notice_language(setting: str, default_country: str) -> str:
    """The workspace's chosen language, else the default country's, else English."""
    if setting in ("en", "pt-BR"):
        return setting
    return "pt-BR" if default_country.upper() in _PORTUGUESE_COUNTRIES else "en"


@dataclass(frozen=True)
class NextBatch:
    """The next batch scheduled to go out, and what it may still cost at most."""

    batch_id: str
    name: str | None
    send_at: datetime  # naive UTC
    max_cost: Money


@dataclass(frozen=True)
class Facts:
    """What a notice says, whatever the channel."""

    kind: str  # 'low', 'reminder', 'usage'
    balance: Money | None
    threshold: Decimal
    next_batch: NextBatch | None
    topup_url: str | None
    mode: str
    time_zone: str
    since: datetime | None = None  # naive UTC: when the balance fell below (reminders)
    spend: Money | None = None  # usage: what was spent in the period
    limit: Money | None = None  # usage: the limit it crossed
    period: str | None = None  # usage: 'daily' or 'monthly'

    def as_json(self) -> dict[str, str | None]:
        """The facts as strings for the webhook's JSON and the notices table."""
        nb = self.next_batch
        return {
            "kind": self.kind,
            "mode": self.mode,
            "balance": None if self.balance is None else str(self.balance.amount),
            "currency": self.currency,
            "threshold": str(self.threshold),
            "next_batch": None if nb is None else nb.batch_id[:12],
            "next_batch_name": None if nb is None else nb.name,
            "next_batch_send_at": None if nb is None else aware_utc(nb.send_at).isoformat(),  # type: ignore[union-attr]
            "next_batch_max_cost": None if nb is None else str(nb.max_cost.amount),
            "topup_url": self.topup_url,
            "spend": None if self.spend is None else str(self.spend.amount),
            "limit": None if self.limit is None else str(self.limit.amount),
            "period": self.period,
        }

    @property
    def currency(self) -> str:
        for money in (self.balance, self.limit, self.spend):
            if money is not None:
                return money.currency
        return "USD"


def amount(value: Decimal, currency: str, lang: str, *, up: bool) -> str:
    """To the cent, costs rounded up and balances down, as the console shows them (CLDR:
    `$1,234.50`, `US$ 1.234,50`), with a plain space: an SMS stays GSM-7."""
    face = formats.cost if up else formats.balance
    return face(value, lang, currency).replace("\\$", "$").replace("\xa0", " ")


def _when(moment: datetime, zone: str, lang: str) -> str:
    """A moment on the workspace's clock, the language's way, with the zone named (a notice is
    read far from the console)."""
    return f"{formats.when(moment, lang, zone)} ({zone})".replace("\u202f", " ").replace("\xa0", " ")


# The SMS keeps to GSM-7, which has no "á": the period's word without it.
_SMS_PERIOD = {"diário": "diario"}


def _words(lang: str) -> Callable[[str], str]:
    return lambda key: translate("notices." + key, lang)


@dataclass(frozen=True)
class Wording:
    """One notice in one language: an e-mail's subject and body (the webhook carries the body)
    and the short SMS text."""

    language: str
    subject: str
    body: str
    sms: str


def word(facts: Facts, lang: str) -> Wording:
    """The notice in `lang` ('en' or 'pt-BR')."""
    lang = "pt-BR" if lang == "pt-BR" else "en"
    w = _words(lang)
    cur = facts.currency
    fields = {
        "balance": "—" if facts.balance is None else amount(facts.balance.amount, cur, lang, up=False),
        "threshold": amount(facts.threshold, cur, lang, up=False),
        "since": "" if facts.since is None else _when(facts.since, facts.time_zone, lang),
        "period": w(f"period.{facts.period}") if facts.period else "",
        "spend": ""
        if facts.spend is None
        else amount(facts.spend.amount, facts.spend.currency, lang, up=True),
        "limit": ""
        if facts.limit is None
        else amount(facts.limit.amount, facts.limit.currency, lang, up=True),
    }
    head = w(facts.kind).format(**fields)
    lines = [head]
    if facts.kind == "usage" and facts.balance is not None:
        lines.append(w("balance").format(**fields))
    nb = facts.next_batch
    if nb is not None:
        cost = amount(nb.max_cost.amount, nb.max_cost.currency, lang, up=True)
        at = _when(nb.send_at, facts.time_zone, lang)
        name = f'"{nb.name}" ({nb.batch_id[:12]})' if nb.name else nb.batch_id[:12]
        lines.append(w("next").format(name=name, at=at, cost=cost))
        if facts.balance is not None and facts.balance.currency == nb.max_cost.currency:
            if facts.balance.amount < nb.max_cost.amount:
                lines.append(w("short"))
    else:
        lines.append(w("none"))
    lines.append(w("topup").format(url=facts.topup_url) if facts.topup_url else w("topup_nourl"))
    lines.append(w("mode").format(mode=w(f"mode.{facts.mode}")))
    subject = w(f"subject.{facts.kind}").format(**fields)
    return Wording(lang, subject, "\n".join(lines), _sms(facts, w, fields, lang))


def _sms(facts: Facts, w: Callable[[str], str], fields: dict[str, str], lang: str) -> str:
    """Short and in GSM-7 where the words allow, so a notice costs one or two segments."""
    sms_fields = {**fields, "period": _SMS_PERIOD.get(fields["period"], fields["period"])}
    parts = [w(f"sms.{facts.kind}").format(**sms_fields)]
    nb = facts.next_batch
    if nb is not None:
        at = _when(nb.send_at, facts.time_zone, lang).split(" (")[0]
        cost = amount(nb.max_cost.amount, nb.max_cost.currency, lang, up=True)
        parts.append(w("next_short").format(at=at, cost=cost))
    if facts.topup_url:
        parts.append(w("sms.topup").format(url=facts.topup_url))
    return " ".join(parts)
