"""The notice's words, in the workspace's language (English or Brazilian Portuguese).

The notice leaves the console, often from a cron job with no browser to ask for a language,
so the core words it itself: the workspace's language (Settings), else Portuguese for a
workspace whose default country speaks it, else English. Every channel carries the same facts:
the balance, the threshold, the next batch scheduled to go out and its maximum cost, and the
address of the top-up guide (SMSCONSOLE_PUBLIC_URL + /topup). Balances are shown rounded down
to the cent, costs rounded up, as everywhere in the console. The SMS text keeps to GSM-7 (no
accents) so it costs as few segments as it can.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from zoneinfo import ZoneInfo

from smscore.clock import aware_utc
from smscore.money import Money

TOPUP_PATH = "/topup"
_SYMBOLS = {"USD": ("$", "US$ "), "BRL": ("R$ ", "R$ "), "EUR": ("€", "€ "), "GBP": ("£", "£ ")}
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
    """To the cent (costs up, balances down) in the language's way: `$1,234.50`, `US$ 1.234,50`."""
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_UP if up else ROUND_DOWN)
    sign = "-" if cents < 0 else ""
    text = f"{abs(cents):,.2f}"
    if lang == "pt-BR":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    symbols = _SYMBOLS.get(currency)
    if symbols is None:
        return f"{sign}{currency} {text}"
    return f"{sign}{symbols[1] if lang == 'pt-BR' else symbols[0]}{text}"


def _when(moment: datetime, zone: str, lang: str) -> str:
    local = aware_utc(moment).astimezone(ZoneInfo(zone))  # type: ignore[union-attr]
    shown = local.strftime("%d/%m/%Y %H:%M") if lang == "pt-BR" else local.strftime("%Y-%m-%d %H:%M")
    return f"{shown} ({zone})"


_WORDS = {
    "en": {
        "subject.low": "Twilio balance low: {balance} (threshold {threshold})",
        "subject.reminder": "Reminder: Twilio balance still low, {balance} (threshold {threshold})",
        "subject.usage": "Twilio spend alert: {period} spend reached {spend} (limit {limit})",
        "low": "Your Twilio balance is {balance}, below the low-balance threshold of {threshold}.",
        "reminder": "Your Twilio balance is still {balance}, below the threshold of {threshold} since {since}.",
        "usage": "Twilio says the account's {period} spend reached {spend}, the limit of {limit} set in "
        "smsconsole (whoever spent it: this console or another app on the same account).",
        "balance": "The balance is now {balance}.",
        "next": "Next batch scheduled to go out: {name} at {at}, up to {cost}.",
        "next_short": "Next batch {at}, up to {cost}.",
        "short": "Scheduled batches may fail when the balance runs out.",
        "none": "Nothing is scheduled to go out.",
        "topup": "Add credit in Twilio before it runs out; the console's top-up guide: {url}",
        "topup_nourl": "Add credit in Twilio before it runs out; the console's Top-up guide page says how.",
        "mode": "Account: {mode}.",
        "period.daily": "daily",
        "period.monthly": "monthly",
        "sms.low": "smsconsole: Twilio balance {balance}, below {threshold}.",
        "sms.reminder": "smsconsole: Twilio balance still {balance}, below {threshold}.",
        "sms.usage": "smsconsole: Twilio {period} spend reached {spend} (limit {limit}).",
        "sms.topup": "Top up: {url}",
    },
    "pt-BR": {
        "subject.low": "Saldo Twilio baixo: {balance} (limite de aviso {threshold})",
        "subject.reminder": "Lembrete: saldo Twilio ainda baixo, {balance} (limite de aviso {threshold})",
        "subject.usage": "Alerta de gastos Twilio: o gasto {period} chegou a {spend} (limite {limit})",
        "low": "Seu saldo Twilio é {balance}, abaixo do limite de aviso de {threshold}.",
        "reminder": "Seu saldo Twilio continua em {balance}, abaixo do limite de aviso de {threshold} "
        "desde {since}.",
        "usage": "A Twilio avisa que o gasto {period} da conta chegou a {spend}, o limite de {limit} "
        "definido no smsconsole (seja quem for que gastou: este console ou outro app na mesma conta).",
        "balance": "O saldo agora é {balance}.",
        "next": "Próximo lote agendado para sair: {name} em {at}, até {cost}.",
        "next_short": "Proximo lote {at}, ate {cost}.",
        "short": "Lotes agendados podem falhar quando o saldo acabar.",
        "none": "Nada está agendado para sair.",
        "topup": "Adicione crédito na Twilio antes que acabe; o guia de recarga do console: {url}",
        "topup_nourl": "Adicione crédito na Twilio antes que acabe; a página Guia de recarga do console "
        "explica como.",
        "mode": "Conta: {mode}.",
        "period.daily": "diário",
        "period.monthly": "mensal",
        "sms.low": "smsconsole: saldo Twilio {balance}, abaixo de {threshold}.",
        "sms.reminder": "smsconsole: saldo Twilio ainda {balance}, abaixo de {threshold}.",
        "sms.usage": "smsconsole: gasto Twilio {period} chegou a {spend} (limite {limit}).",
        "sms.topup": "Recarga: {url}",
    },
}
_MODES = {"en": {"live": "live", "sandbox": "sandbox"}, "pt-BR": {"live": "real", "sandbox": "sandbox"}}
_SMS_PERIOD = {"diário": "diario"}


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
    w = _WORDS["pt-BR" if lang == "pt-BR" else "en"]
    cur = facts.currency
    fields = {
        "balance": "—" if facts.balance is None else amount(facts.balance.amount, cur, lang, up=False),
        "threshold": amount(facts.threshold, cur, lang, up=False),
        "since": "" if facts.since is None else _when(facts.since, facts.time_zone, lang),
        "period": w[f"period.{facts.period}"] if facts.period else "",
        "spend": ""
        if facts.spend is None
        else amount(facts.spend.amount, facts.spend.currency, lang, up=True),
        "limit": ""
        if facts.limit is None
        else amount(facts.limit.amount, facts.limit.currency, lang, up=True),
    }
    head = w[facts.kind].format(**fields)
    lines = [head]
    if facts.kind == "usage" and facts.balance is not None:
        lines.append(w["balance"].format(**fields))
    nb = facts.next_batch
    if nb is not None:
        cost = amount(nb.max_cost.amount, nb.max_cost.currency, lang, up=True)
        at = _when(nb.send_at, facts.time_zone, lang)
        name = f'"{nb.name}" ({nb.batch_id[:12]})' if nb.name else nb.batch_id[:12]
        lines.append(w["next"].format(name=name, at=at, cost=cost))
        if facts.balance is not None and facts.balance.currency == nb.max_cost.currency:
            if facts.balance.amount < nb.max_cost.amount:
                lines.append(w["short"])
    else:
        lines.append(w["none"])
    lines.append(w["topup"].format(url=facts.topup_url) if facts.topup_url else w["topup_nourl"])
    lines.append(w["mode"].format(mode=_MODES["pt-BR" if lang == "pt-BR" else "en"][facts.mode]))
    subject = w[f"subject.{facts.kind}"].format(**fields)
    return Wording(lang, subject, "\n".join(lines), _sms(facts, w, fields, lang))


def _sms(facts: Facts, w: dict[str, str], fields: dict[str, str], lang: str) -> str:
    """Short and in GSM-7 where the words allow, so a notice costs one or two segments."""
    sms_fields = {**fields, "period": _SMS_PERIOD.get(fields["period"], fields["period"])}
    parts = [w[f"sms.{facts.kind}"].format(**sms_fields)]
    nb = facts.next_batch
    if nb is not None:
        at = _when(nb.send_at, facts.time_zone, lang).split(" (")[0]
        cost = amount(nb.max_cost.amount, nb.max_cost.currency, lang, up=True)
        parts.append(w["next_short"].format(at=at, cost=cost))
    if facts.topup_url:
        parts.append(w["sms.topup"].format(url=facts.topup_url))
    return " ".join(parts)
