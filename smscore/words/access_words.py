"""Roles, rights, audit actions and the access refusals, shown in the operator's language.

smscore.access.accounts and smscore.access.approvals keep stable codes (`admin`, `user.add`, `settings`) and
word their refusals in English with a fixed shape (tests and the CLI read them). The console
turns both into the catalog's words at the last moment; the audit trail and its CSV keep the
codes, so an export means the same in any language. A refusal this module does not know is
shown as smscore worded it rather than lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from smscore.money import to_decimal
from smscore.words import formats
from smscore.words.i18n import translate
from smscore.words.vocab import word


def role(code: str | None, lang: str) -> str:
    """`admin` -> `administrador`."""
    return word("role", code, lang)


def right(code: str | None, lang: str) -> str:
    """`settings` -> `configurações`: the right a refusal names."""
    return word("right", code, lang)


def action(code: str | None, lang: str) -> str:
    """An audit action (`user.add`) as words; English keeps the code the CSV carries."""
    return word("action", code, lang)


# -- refusals ---------------------------------------------------------------------------------

_MONEY = re.compile(r"(?P<cur>[A-Z]{3}) (?P<amount>-?\d+(?:\.\d+)?)$")
_LIMIT_NAMES = {
    "per batch": "limits.per_batch",
    "per day": "limits.per_day",
    "approval over": "limits.approval_over",
}


def _money(text: str, lang: str) -> str:
    """`USD 0.1671` (smscore.money.format_money) written the language's way, every digit kept;
    plain text like the whole refusal, which a Markdown notice wraps in ui.shell.untrusted.md."""
    if m := _MONEY.match(text):
        return formats.exact(to_decimal(m.group("amount")), lang, m.group("cur")).replace("\\$", "$")
    return text


Fields = Callable[[dict[str, str], str], dict[str, str]]


def _as_is(found: dict[str, str], lang: str) -> dict[str, str]:
    return found


def _role_right(found: dict[str, str], lang: str) -> dict[str, str]:
    return {**found, "role": role(found["role"], lang), "right": right(found["right"], lang)}


def _right(found: dict[str, str], lang: str) -> dict[str, str]:
    return {**found, "right": right(found["right"], lang)}


def _amounts(found: dict[str, str], lang: str) -> dict[str, str]:
    if lang == "en":  # smscore's own wording, which the CLI shows too
        return found
    return {k: _money(v, lang) if k in ("maximum", "total", "limit") else v for k, v in found.items()}


def _status(found: dict[str, str], lang: str) -> dict[str, str]:
    return {**found, "status": word("status", found["status"], lang)}


def _limit_name(found: dict[str, str], lang: str) -> dict[str, str]:
    key = _LIMIT_NAMES.get(found["name"])
    if lang == "en" or key is None:  # smscore's own wording
        return found
    return {**found, "name": translate(key, lang)}


_REFUSALS: list[tuple[re.Pattern[str], str, Fields]] = [
    (
        re.compile(r"nobody signed in may not do this \((?P<right>[^)]*)\); ask an admin$"),
        "refusal.nobody",
        _right,
    ),
    (
        re.compile(r"the (?P<role>\w+) role may not do this \((?P<right>[^)]*)\); ask an admin$"),
        "refusal.role",
        _role_right,
    ),
    (
        re.compile(r"an e-mail address like ana@example.com is required; got (?P<got>.*)$", re.DOTALL),
        "refusal.bad_email",
        _as_is,
    ),
    (
        re.compile(r"a password needs at least (?P<least>\d+) characters; got (?P<got>\d+)$"),
        "refusal.short_password",
        _as_is,
    ),
    (re.compile(r"an account for (?P<email>.+) already exists$"), "refusal.account_exists", _as_is),
    (re.compile(r"no account for (?P<email>.+)$"), "refusal.no_account", _as_is),
    (
        re.compile(
            r"wrong e-mail or password \(after 5 failed tries sign-in pauses for a while: "
            r"wait a minute and try again\)$"
        ),
        "refusal.wrong_password",
        _as_is,
    ),
    (
        re.compile(r"(?P<email>.+) is the last active admin; make another account admin first$"),
        "refusal.last_admin",
        _as_is,
    ),
    (re.compile(r"this account is disabled; ask an admin$"), "refusal.disabled", _as_is),
    (re.compile(r"the idle time must be positive; got (?P<got>.*)$"), "refusal.idle", _as_is),
    (
        re.compile(
            r"the (?P<name>per batch|per day|approval over) limit cannot be negative; "
            r"got (?P<got>.*)$"
        ),
        "refusal.negative_limit",
        _limit_name,
    ),
    (re.compile(r"ISO 4217 currency code required; got (?P<got>.*)$"), "refusal.currency", _as_is),
    (
        re.compile(
            r"spending limits are in (?P<limits>[A-Z]{3}); this batch is priced in "
            r"(?P<batch>[A-Z]{3}), so it cannot be checked; ask an admin$"
        ),
        "refusal.other_currency",
        _as_is,
    ),
    (
        re.compile(
            r"this batch may cost up to (?P<maximum>[A-Z]{3} [\d.]+), over the per-batch "
            r"limit of (?P<limit>[A-Z]{3} [\d.]+)$"
        ),
        "refusal.over_per_batch",
        _amounts,
    ),
    (
        re.compile(
            r"with this batch (?P<who>.+) would confirm up to (?P<total>[A-Z]{3} [\d.]+) "
            r"today, over the per-day limit of (?P<limit>[A-Z]{3} [\d.]+)$"
        ),
        "refusal.over_per_day",
        _amounts,
    ),
    (
        re.compile(r"batch (?P<batch>\S+) awaits approval by an admin; nothing was sent$"),
        "refusal.awaits_approval",
        _as_is,
    ),
    (re.compile(r"batch (?P<batch>\S+) was rejected; nothing was sent$"), "refusal.was_rejected", _as_is),
    (
        re.compile(r"batch (?P<batch>\S+) is (?P<status>.+), not awaiting approval$"),
        "refusal.not_awaiting",
        _status,
    ),
    (re.compile(r"no batch (?P<batch>'.*')$"), "refusal.no_batch", _as_is),
    (
        re.compile(r"the admin who confirmed a batch cannot approve it; another admin must$"),
        "refusal.same_admin",
        _as_is,
    ),
]


def refusal(text: str, lang: str) -> str:
    """One of smscore's access or approval refusals in `lang` (English stays word for word)."""
    for pattern, key, fields in _REFUSALS:
        if m := pattern.match(text):
            return translate(key, lang, **fields(m.groupdict(), lang))
    return text
