"""The sandbox: a simulated Twilio account kept in the DuckDB file, used when no credentials are set.

It behaves like Twilio where the console's decisions depend on it: the balance starts at 20.00 USD
(Twilio's smallest top-up) and is drawn down per segment at the price book's price; messages move
queued -> sent -> delivered as they are fetched; Twilio's documented test numbers fail with their
real error codes; an exhausted balance is refused the way Twilio refuses an inactive account.
Everything it returns says mode "sandbox".
"""

from __future__ import annotations

import json
import threading
import uuid
from contextlib import ExitStack
from datetime import datetime
from decimal import Decimal

import duckdb
import phonenumbers

from smscore import crashpoints
from smscore.clock import aware_utc, naive_utc, utcnow
from smscore.cost.segments import segments_of
from smscore.money import Money, to_decimal
from smscore.store import Workspace, get_setting, set_setting
from smscore.store.writes import write
from smscore.twilio.balance import TRIAL_PREFIX
from smscore.twilio.gateway import MAX_LEAD, MIN_LEAD, Account, CarrierPrice, GatewayError, MessageResult

_VERIFIED_KEY = "sandbox_verified_numbers"  # a JSON list, kept with the console settings
SANDBOX_SENDER = "+15005550006"  # Twilio's test-credentials "From" number that always passes
STARTING_BALANCE = Money(Decimal("20.00"), "USD")  # Twilio's smallest top-up
MAX_BODY = 1600  # Twilio's limit on Body (error 21617)

# Twilio's test "To" numbers and the error each returns at create, with HTTP 400.
# Source: https://www.twilio.com/docs/iam/test-credentials (the "To" table for SMS).
TEST_NUMBER_ERRORS: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number {to} is not currently reachable via SMS."),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient {to}."),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number."),
}

# What Twilio answers when the account has no funds left: error 20005 "Account not active",
# documented as "potentially because you ran out of funds"
# (https://www.twilio.com/docs/api/errors/20005; see also 10001, whose causes list "account
# balance reached $0"). The docs do not give the HTTP status; 401 is assumed, as for 20003.
BALANCE_EXHAUSTED_CODE = 20005
BALANCE_EXHAUSTED_STATUS = 401

_NEXT_STATUS = {"queued": "sent", "sent": "delivered"}
_UNPRICED = ("queued", "scheduled", "canceled")  # Twilio prices a message once it has gone


class SandboxGateway:
    """Gateway to the simulated account in `con`'s database. Safe to share between threads."""

    mode = "sandbox"

    def __init__(self, con: duckdb.DuckDBPyConnection | Workspace) -> None:
        # A shared Workspace is borrowed per call (a sender lets other processes in between
        # its requests); a plain connection gets our own cursor, since the caller's may be busy
        # on another thread.
        self._workspace = con if isinstance(con, Workspace) else None
        self._con: duckdb.DuckDBPyConnection | None = None if self._workspace else con.cursor()
        self._lock = threading.Lock()
        self._prices: dict[tuple[int, str], tuple] = {}  # (list id, ISO) -> price row
        with self._use():
            if self._con.execute("SELECT count(*) FROM sandbox_account").fetchone()[0]:
                return  # the usual case: no write on every page run
            self._write_held(
                "INSERT OR IGNORE INTO sandbox_account (id, sid, type, status, balance, currency) "
                "VALUES (1, ?, 'Full', 'active', ?, ?)",
                ["AC" + uuid.uuid4().hex, STARTING_BALANCE.amount, STARTING_BALANCE.currency],
            )

    def _use(self) -> ExitStack:
        """Hold `self._con` for one call: the lock, and a unit of work when the file is shared.

        The unit is taken before the lock, as the sender takes its round before asking the
        balance: one order everywhere, so no two threads wait on each other.
        """
        stack = ExitStack()
        if self._workspace is None:
            stack.enter_context(self._lock)
            return stack
        con = stack.enter_context(self._workspace.unit())
        stack.enter_context(self._lock)
        self._con = con
        stack.callback(setattr, self, "_con", None)
        return stack

    def __repr__(self) -> str:
        return "SandboxGateway()"

    # -- account -------------------------------------------------------------------------------

    def account(self) -> Account:
        sid, kind, status, balance, currency = self._row(
            "SELECT sid, type, status, balance, currency FROM sandbox_account WHERE id = 1"
        )
        return Account(
            sid_last4=sid[-4:], type=kind, status=status, balance=Money(balance, currency), mode=self.mode
        )

    def balance(self) -> Money:
        balance, currency = self._row("SELECT balance, currency FROM sandbox_account WHERE id = 1")
        return Money(balance, currency)

    def top_up(self, amount: Decimal | str) -> Money:
        """Add funds, as the operator would in Twilio's Console."""
        value = _positive(amount, "a top-up")
        self._write(
            "UPDATE sandbox_account SET balance = balance + ?, updated_at = current_timestamp WHERE id = 1",
            [value],
        )
        return self.balance()

    def set_balance(self, amount: Decimal | str) -> Money:
        """Put the balance at an exact figure (tests, demos)."""
        value = to_decimal(amount)
        if value < 0:
            raise ValueError(f"a sandbox balance cannot be negative; got {amount!r}")
        self._write(
            "UPDATE sandbox_account SET balance = ?, updated_at = current_timestamp WHERE id = 1", [value]
        )
        return self.balance()

    def set_type(self, kind: str) -> None:
        """Make the simulated account a "Trial" or a "Full" one."""
        if kind not in ("Trial", "Full"):
            raise ValueError(f"account type must be 'Trial' or 'Full'; got {kind!r}")
        self._write("UPDATE sandbox_account SET type = ? WHERE id = 1", [kind])

    def verify(self, number: str) -> None:
        """Add a verified caller ID, as a trial account owner does in Twilio's console."""
        numbers = self.verified_numbers() | {number}
        with self._use():  # the sender's threads share this connection
            set_setting(self._con, _VERIFIED_KEY, json.dumps(sorted(numbers)))

    def verified_numbers(self) -> frozenset[str]:
        with self._use():
            stored = get_setting(self._con, _VERIFIED_KEY, "[]")
        return frozenset(json.loads(stored or "[]"))

    # -- prices --------------------------------------------------------------------------------

    def price_countries(self) -> list[str]:
        self._ensure_prices()
        rows = self._all(
            "SELECT DISTINCT iso FROM prices WHERE list_id = (SELECT max(id) FROM price_lists) ORDER BY iso"
        )
        return [r[0] for r in rows]

    def country_prices(self, iso: str) -> list[CarrierPrice]:
        self._ensure_prices()
        rows = self._all(
            "SELECT iso, country, carrier, mcc, mnc, number_type, base_price, current_price, "
            "currency FROM prices WHERE list_id = (SELECT max(id) FROM price_lists) AND iso = ? "
            "ORDER BY carrier",
            [iso.upper()],
        )
        return [CarrierPrice(*r) for r in rows]

    # -- messages ------------------------------------------------------------------------------

    def send(self, to: str, body: str, sender: str, send_at: datetime | None = None) -> MessageResult:
        _refuse_bad_request(to, body, sender)
        when = _scheduled_time(sender, send_at)
        account = self.account()
        if account.is_trial:
            if to not in self.verified_numbers():
                raise GatewayError(
                    f"The number {to} is unverified. Trial accounts cannot send "
                    "messages to unverified numbers",
                    code=21608,
                    status=400,
                )
            body = TRIAL_PREFIX + body
        segments = segments_of(body)
        cost = Money(self._unit_price(to, account.balance.currency) * segments, account.balance.currency)
        now = utcnow()
        sid = "SM" + uuid.uuid4().hex
        status = "queued" if when is None else "scheduled"

        def pay_and_create(con: duckdb.DuckDBPyConnection) -> None:
            paid = con.execute(
                "UPDATE sandbox_account SET balance = balance - ?, updated_at = ? "
                "WHERE id = 1 AND balance >= ? RETURNING balance",
                [cost.amount, now, cost.amount],
            ).fetchall()
            if not paid:
                left = con.execute("SELECT balance, currency FROM sandbox_account WHERE id = 1").fetchall()[0]
                raise _exhausted(cost, Money(*left))
            con.execute(
                "INSERT INTO sandbox_messages (sid, to_number, sender, body, status, "
                "num_segments, price, price_unit, date_created, date_updated, send_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sid, to, sender, body, status, segments, cost.amount, cost.currency, now, now, when],
            )

        with self._use():
            write(self._con, pay_and_create)
        crashpoints.committed()  # "Twilio" has the message; our ledger does not yet
        # Like Twilio at create time: queued, segments known, price not yet reported.
        return MessageResult(
            sid=sid,
            to=to,
            status="queued" if when is None else "scheduled",
            num_segments=segments,
            price=None,
            price_unit=None,
            date_created=aware_utc(now),
        )

    def cancel(self, sid: str) -> MessageResult:
        """Cancel a scheduled message and give its price back (Twilio charges when it sends)."""
        with self._use():
            row = self._con.execute(
                "SELECT status, price FROM sandbox_messages WHERE sid = ?", [sid]
            ).fetchone()
            if row is None or row[0] != "scheduled":
                raise GatewayError(
                    f"This message cannot be canceled ({sid} is {row[0] if row else 'unknown'})",
                    code=30409,
                    status=400,
                )

            def refund(con: duckdb.DuckDBPyConnection) -> None:
                con.execute(
                    "UPDATE sandbox_messages SET status = 'canceled', date_updated = ? WHERE sid = ?",
                    [utcnow(), sid],
                )
                con.execute("UPDATE sandbox_account SET balance = balance + ? WHERE id = 1", [row[1]])

            write(self._con, refund)
        return self._messages("WHERE sid = ?", [sid])[0]

    def fetch(self, sid: str) -> MessageResult:
        """The message one step further along: queued -> sent -> delivered."""
        with self._use():
            row = self._con.execute("SELECT status FROM sandbox_messages WHERE sid = ?", [sid]).fetchone()
            if row is None:
                raise GatewayError(
                    f"The requested resource /Messages/{sid}.json was not found",
                    code=20404,
                    status=404,
                    sent=True,
                )
            if row[0] == "scheduled":
                self._write_held(
                    "UPDATE sandbox_messages SET status = 'queued', date_updated = ?"
                    " WHERE sid = ? AND send_at <= ?",
                    [utcnow(), sid, utcnow()],
                )
            elif row[0] in _NEXT_STATUS:
                self._write_held(
                    "UPDATE sandbox_messages SET status = ?, date_updated = ? WHERE sid = ?",
                    [_NEXT_STATUS[row[0]], utcnow(), sid],
                )
        return self._messages("WHERE sid = ?", [sid])[0]

    def delete(self, sid: str) -> None:
        """Delete the record as Twilio does: 404 (20404) for an unknown SID; a scheduled message
        must be canceled first (20009). The sandbox's queue is instant, so nothing else waits."""
        with self._use():
            row = self._con.execute("SELECT status FROM sandbox_messages WHERE sid = ?", [sid]).fetchone()
            if row is None:
                raise GatewayError(
                    f"The requested resource /Messages/{sid}.json was not found", code=20404, status=404
                )
            if row[0] == "scheduled":
                raise GatewayError(
                    f"Cannot delete message {sid}: it is still {row[0]}", code=20009, status=409
                )
            self._write_held("DELETE FROM sandbox_messages WHERE sid = ?", [sid])

    def messages_to(self, to: str, since: datetime, *, sender: str | None = None) -> list[MessageResult]:
        """By creation time, as reconcile needs: a message still queued has no sent date yet."""
        where, params = "WHERE to_number = ? AND date_created >= ?", [to, naive_utc(since)]
        if sender and not sender.startswith("MG"):
            where, params = where + " AND sender = ?", [*params, sender]
        return self._messages(where + " ORDER BY date_created", params)

    # -- internals -----------------------------------------------------------------------------

    def _messages(self, where: str, params: list[object]) -> list[MessageResult]:
        rows = self._all(
            "SELECT sid, to_number, status, num_segments, price, price_unit, "
            "error_code, error_message, date_created, body, sender "
            f"FROM sandbox_messages {where}",
            params,
        )
        return [
            MessageResult(
                sid=sid,
                to=to,
                status=status,
                num_segments=segments,
                price=price if status not in _UNPRICED else None,
                price_unit=unit if status not in _UNPRICED else None,
                error_code=code,
                error_message=message,
                date_created=aware_utc(created),
                body=body,
                **_origin(sender),
            )
            for sid, to, status, segments, price, unit, code, message, created, body, sender in rows
        ]

    def _unit_price(self, to: str, currency: str) -> Decimal:
        """The most expensive carrier's price in the destination country: a safe upper bound."""
        list_id = self._ensure_prices()
        iso = _iso_of(to)
        key = (list_id, iso or "")
        if key not in self._prices:
            self._prices[key] = self._row(
                "SELECT max(current_price), any_value(currency), count(DISTINCT currency) "
                "FROM prices WHERE list_id = ? AND iso = ?",
                [list_id, iso],
            )
        price, price_currency, currencies = self._prices[key]
        if price is None:
            raise GatewayError(
                f"Permission to send an SMS has not been enabled for the region "
                f"indicated by the 'To' number: {to} (the sandbox price book has "
                f"no price for {iso or 'its country'})",
                code=21408,
                status=400,
            )
        if currencies != 1 or price_currency != currency:
            raise GatewayError(
                f"the price book prices {iso} in {price_currency}, but the sandbox "
                f"account is in {currency}; not charging blindly",
                status=400,
            )
        return price

    def _ensure_prices(self) -> int:
        """The current price list's id, loading the embedded default into an empty database."""
        list_id = self._row("SELECT max(id) FROM price_lists")[0]
        if list_id is not None:
            return int(list_id)
        from smscore.cost.prices import ensure_prices  # the embedded default price list

        with self._use():
            return ensure_prices(self._con).id

    def _row(self, sql: str, params: list[object] | None = None) -> tuple:
        with self._use():
            row = self._con.execute(sql, params or []).fetchone()
        if row is None:
            raise RuntimeError(f"the sandbox account is missing from the database: {sql}")
        return row

    def _all(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        with self._use():
            return self._con.execute(sql, params or []).fetchall()

    def _write(self, sql: str, params: list[object]) -> None:
        with self._use():
            self._write_held(sql, params)

    def _write_held(self, sql: str, params: list[object]) -> None:
        """One statement as a unit of work on the connection `_use` holds (a page's top-up and
        a sender's debit change the same account row)."""
        write(self._con, lambda con: con.execute(sql, params))


def _origin(sender: str) -> dict[str, str | None]:
    """Like Twilio: a Messaging Service send shows the service SID and a number from its pool."""
    if sender.startswith("MG"):
        return {"from_": SANDBOX_SENDER, "messaging_service_sid": sender}
    return {"from_": sender, "messaging_service_sid": None}


def _refuse_bad_request(to: str, body: str, sender: str) -> None:
    """The create-time errors Twilio gives before any money moves."""
    if not sender:
        raise GatewayError(
            "A 'From' phone number or a Messaging Service SID is required.", code=21603, status=400
        )
    if not body:
        raise GatewayError("Message body is required.", code=21602, status=400)
    if len(body) > MAX_BODY:
        raise GatewayError(
            f"The concatenated message body exceeds the {MAX_BODY} character limit ({len(body)} characters).",
            code=21617,
            status=400,
        )
    if to in TEST_NUMBER_ERRORS:
        code, text = TEST_NUMBER_ERRORS[to]
        raise GatewayError(text.format(to=to), code=code, status=400)
    if not _iso_of(to):
        raise GatewayError(f"The 'To' number {to} is not a valid phone number.", code=21211, status=400)


def _scheduled_time(sender: str, send_at: datetime | None) -> datetime | None:
    """Twilio's scheduling rules: a Messaging Service, more than 300 s and at most 35 days."""
    if send_at is None:
        return None
    when, now = naive_utc(send_at), utcnow()
    if not sender.startswith("MG"):
        raise GatewayError("MessagingServiceSid is required to schedule a message", code=35118, status=400)
    if not now + MIN_LEAD < when <= now + MAX_LEAD:
        raise GatewayError(
            "SendAt must be more than 300 seconds and at most 35 days ahead", code=35114, status=400
        )
    return when


def _exhausted(cost: Money, balance: Money) -> GatewayError:
    return GatewayError(
        f"Account not active: the sandbox balance {balance} cannot pay "
        f"{cost} for this message; top up to continue",
        code=BALANCE_EXHAUSTED_CODE,
        status=BALANCE_EXHAUSTED_STATUS,
        sent=True,
        details={"balance": str(balance.amount), "needed": str(cost.amount), "currency": cost.currency},
    )


def _iso_of(number: str) -> str | None:
    """The destination country, from the number's calling code when it is not a known range."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if region and region != "001":
        return region
    fallback = phonenumbers.region_code_for_country_code(parsed.country_code)
    return fallback if fallback not in ("ZZ", "001") else None


def _positive(amount: Decimal | str, what: str) -> Decimal:
    value = to_decimal(amount)
    if value <= 0:
        raise ValueError(f"{what} must be a positive amount; got {amount!r}")
    return value
