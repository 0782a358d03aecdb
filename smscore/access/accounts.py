"""Operator accounts: users, roles, Argon2id passwords, lock-out and idle sessions.

The console spends money, so it must know who is at the keyboard and what they may do. Local
accounts keep only an Argon2id hash (argon2-cffi, constant-time verify). A refused sign-in says
the same words whatever the cause (unknown e-mail, wrong password, locked account) and costs the
same work (an unknown e-mail is checked against a dummy hash), so nobody learns which accounts
exist or which guess was right. Five wrong passwords in a row lock an account, each lock-out
twice as long as the one before; every wrong password is counted and audited, even twelve at
once. The workspace always keeps an active admin. Rights are checked here, in the core, so every
caller (page callback, CLI, notebook) asks the same question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from smscore.access import audit, sessions
from smscore.access.audit import Actor
from smscore.clock import utcnow
from smscore.store import get_setting, set_setting
from smscore.store.writes import write

ROLES = ("viewer", "operator", "admin")
MAX_FAILURES = 5
FIRST_LOCKOUT = timedelta(seconds=60)
LONGEST_LOCKOUT = timedelta(hours=1)
DEFAULT_IDLE_MINUTES = 30
IDLE_ENV = "SMSCONSOLE_IDLE_MINUTES"
MIN_PASSWORD = 8

# The least role that holds each right. Viewer rights are reading; operator rights spend or
# change contacts; admin rights change how the console itself behaves.
RIGHTS: dict[str, str] = {
    "view": "viewer",
    "import": "operator",
    "categories": "operator",
    "optouts": "operator",
    "send": "operator",
    "resume": "operator",
    "poll": "operator",
    "export_phones": "operator",
    "settings": "admin",
    "users": "admin",
    "prices.refresh": "admin",
    "topup": "admin",
    "approve": "admin",
    "audit": "admin",
    "data_subject": "admin",  # find, export and erase a person's data (LGPD, smscore.person)
}
VIEWER_EXPORTS = "viewer_exports"  # admin setting: viewers may download phone numbers

_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccessDenied(PermissionError):
    """The signed-in role lacks the right for this action."""


class SignInError(ValueError):
    """A sign-in refused: wrong e-mail or password, disabled, or locked for a while."""


class LastAdmin(ValueError):
    """A change that would leave the workspace without an active admin."""


# One sentence for every refused sign-in (unknown e-mail, wrong password, locked account), so
# the answer never tells whether an account exists or which of many guesses was right.
REFUSED = (
    "wrong e-mail or password (after 5 failed tries sign-in pauses for a while: wait a minute and try again)"
)


@dataclass(frozen=True)
class User:
    email: str
    role: str
    disabled: bool
    has_password: bool
    locked_until: datetime | None


@dataclass(frozen=True)
class Principal:
    """Who a console session acts as; `via` says how they signed in."""

    email: str
    role: str
    via: str  # 'console' (local account), 'oidc', or 'local' (local mode, no sign-in)

    @property
    def actor(self) -> Actor:
        return Actor(self.email, self.via)


LOCAL_MODE = Principal("local", "admin", "local")


def normal_email(email: str) -> str:
    """The stored form of an e-mail; raise ValueError naming a malformed one."""
    value = (email or "").strip().lower()
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value):
        raise ValueError(f"an e-mail address like ana@example.com is required; got {email!r}")
    return value


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    return role


def can(con: duckdb.DuckDBPyConnection | None, role: str, right: str) -> bool:
    """Whether `role` holds `right` (admins may open phone exports to viewers)."""
    if right not in RIGHTS:
        raise ValueError(f"unknown right {right!r}")
    if right == "export_phones" and role == "viewer" and con is not None:
        return get_setting(con, VIEWER_EXPORTS, "false") == "true"
    return ROLES.index(role) >= ROLES.index(RIGHTS[right])


def require(con: duckdb.DuckDBPyConnection | None, principal: Principal | None, right: str) -> None:
    """Raise AccessDenied unless `principal` holds `right`; called at the action itself."""
    if principal is None or not can(con, principal.role, right):
        who = "nobody signed in" if principal is None else f"the {principal.role} role"
        raise AccessDenied(f"{who} may not do this ({right}); ask an admin")


# --- accounts -----------------------------------------------------------------------------------


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters; got {len(password or '')}")
    return password


def any_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """True once a local account exists: from then on every address requires sign-in."""
    return bool(con.execute("SELECT count(*) FROM users").fetchall()[0][0])


def add_user(
    con: duckdb.DuckDBPyConnection, email: str, role: str, password: str | None, actor: Actor
) -> User:
    """Create an account; `password` None makes an OIDC-only account (sign-in by e-mail match)."""
    email, role = normal_email(email), check_role(role)
    if get_user(con, email) is not None:
        raise ValueError(f"an account for {email} already exists")
    hashed = _HASHER.hash(_check_password(password)) if password is not None else None

    def add(c: duckdb.DuckDBPyConnection) -> None:
        c.execute("INSERT INTO users (email, role, password_hash) VALUES (?, ?, ?)", [email, role, hashed])
        audit.record(
            c, actor, "user.add", email, {"role": role, "sign_in": "local" if hashed else "identity provider"}
        )

    write(con, add)
    return get_user(con, email)


def get_user(con: duckdb.DuckDBPyConnection, email: str) -> User | None:
    rows = con.execute(
        "SELECT email, role, disabled, password_hash IS NOT NULL, locked_until FROM users WHERE email = ?",
        [email.strip().lower()],
    ).fetchall()
    return User(*rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    rows = con.execute(
        "SELECT email, role, disabled, password_hash IS NOT NULL, locked_until FROM users ORDER BY email"
    ).fetchall()
    return [User(*r) for r in rows]


def _existing(con: duckdb.DuckDBPyConnection, email: str) -> str:
    email = normal_email(email)
    if get_user(con, email) is None:
        raise ValueError(f"no account for {email}")
    return email


def set_role(con: duckdb.DuckDBPyConnection, email: str, role: str, actor: Actor) -> User:
    """Change a role; ends the person's sessions, so the new role applies from their next sign-in."""
    email, role = _existing(con, email), check_role(role)

    def change(c: duckdb.DuckDBPyConnection) -> None:
        if role != "admin":
            _keep_an_admin(c, email, actor, "user.set-role", role)
        c.execute("UPDATE users SET role = ?, updated_at = ? WHERE email = ?", [role, utcnow(), email])
        audit.record(c, actor, "user.set-role", email, {"role": role})
        sessions.revoke_all(c, email, "role change")

    _apply(con, change)
    return get_user(con, email)


def set_disabled(con: duckdb.DuckDBPyConnection, email: str, disabled: bool, actor: Actor) -> User:
    email = _existing(con, email)

    def change(c: duckdb.DuckDBPyConnection) -> None:
        if disabled:
            _keep_an_admin(c, email, actor, "user.disable", None)
        c.execute(
            "UPDATE users SET disabled = ?, updated_at = ? WHERE email = ?", [disabled, utcnow(), email]
        )
        audit.record(c, actor, "user.disable" if disabled else "user.enable", email)
        if disabled:
            sessions.revoke_all(c, email, "disabled")

    _apply(con, change)
    return get_user(con, email)


def reset_password(con: duckdb.DuckDBPyConnection, email: str, password: str, actor: Actor) -> User:
    """Set a new password, lift any lock-out and end the account's sessions."""
    email = _existing(con, email)
    hashed = _HASHER.hash(_check_password(password))  # the slow part, before the unit

    def change(c: duckdb.DuckDBPyConnection) -> None:
        c.execute(
            "UPDATE users SET password_hash = ?, failures = 0, lockouts = 0, "
            "locked_until = NULL, updated_at = ? WHERE email = ?",
            [hashed, utcnow(), email],
        )
        audit.record(c, actor, "user.reset-password", email)
        sessions.revoke_all(c, email, "password reset")

    write(con, change)
    return get_user(con, email)


def active_admins(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT email FROM users WHERE role = 'admin' AND NOT disabled ORDER BY email"
        ).fetchall()
    ]


def _keep_an_admin(
    con: duckdb.DuckDBPyConnection, email: str, actor: Actor, action: str, role: str | None
) -> None:
    """Refuse (and audit) a change that would leave no active admin: nobody could undo it."""
    others = [a for a in active_admins(con) if a != email]
    user = get_user(con, email)
    if others or user is None or user.role != "admin" or user.disabled:
        return
    audit.record(
        con,
        actor,
        f"{action}-refused",
        email,
        {"reason": "last active admin", **({"role": role} if role else {})},
    )
    raise LastAdmin(f"{email} is the last active admin; make another account admin first")


def _apply(con: duckdb.DuckDBPyConnection, change) -> None:  # noqa: ANN001 - a unit of work
    """Run an account change as one unit; a refusal raised inside still commits its audit row."""
    refusal: list[LastAdmin] = []

    def unit(c: duckdb.DuckDBPyConnection) -> None:
        refusal.clear()
        try:
            change(c)
        except LastAdmin as exc:
            refusal.append(exc)

    write(con, unit)
    if refusal:
        raise refusal[0]


# --- sign-in ------------------------------------------------------------------------------------


def sign_in(
    con: duckdb.DuckDBPyConnection,
    email: str,
    password: str,
    now: datetime | None = None,
    *,
    via: str = "console",
) -> Principal:
    """Check a password; count every failure, lock after MAX_FAILURES, audit every outcome.

    The Argon2 check runs first, outside the unit of work, and costs the same for an unknown
    e-mail; the bookkeeping then runs as one retried unit, so parallel attempts each count.
    """
    now = now or utcnow()
    key = (email or "").strip().lower()
    rows = con.execute("SELECT password_hash FROM users WHERE email = ?", [key]).fetchall()
    hashed = rows[0][0] if rows else None
    right = _verify(hashed or _DUMMY_HASH, password) and hashed is not None
    outcome: list[Principal | str] = []

    def settle(c: duckdb.DuckDBPyConnection) -> None:
        outcome[:] = [_settle(c, key, right, hashed, now, via)]

    write(con, settle)
    if isinstance(outcome[0], str):
        raise SignInError(outcome[0])
    if right and _HASHER.check_needs_rehash(hashed):
        new_hash = _HASHER.hash(password)
        write(con, lambda c: c.execute("UPDATE users SET password_hash = ? WHERE email = ?", [new_hash, key]))
    return outcome[0]


def _settle(
    con: duckdb.DuckDBPyConnection, key: str, right: bool, checked_hash: str | None, now: datetime, via: str
) -> Principal | str:
    """Record one attempt; the Principal, or the refusal's words."""
    rows = con.execute(
        "SELECT role, password_hash, disabled, failures, lockouts, locked_until FROM users WHERE email = ?",
        [key],
    ).fetchall()
    if not rows or rows[0][1] is None:
        # Not the typed e-mail: people type their password into that field by mistake.
        audit.record(
            con,
            Actor("(unknown account)", via),
            "sign-in.failure",
            None,
            {"reason": "unknown account"},
            at=now,
        )
        return REFUSED
    role, hashed, disabled, failures, lockouts, locked_until = rows[0]
    actor = Actor(key, via)
    locked = locked_until is not None and locked_until > now
    if not right or hashed != checked_hash:  # a reset in between: the old password is wrong
        _count_failure(con, key, failures + 1, lockouts, locked, now, via)
        return REFUSED
    if locked:
        audit.record(
            con,
            actor,
            "sign-in.locked",
            key,
            {"wait_s": int((locked_until - now).total_seconds()) + 1},
            at=now,
        )
        return REFUSED
    if disabled:  # the password was right: saying so tells nothing a guesser could use
        audit.record(con, actor, "sign-in.failure", key, {"reason": "disabled"}, at=now)
        return "this account is disabled; ask an admin"
    con.execute("UPDATE users SET failures = 0, locked_until = NULL WHERE email = ?", [key])
    audit.record(con, actor, "sign-in", key, at=now)
    return Principal(key, role, via)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def lockout_length(lockouts: int) -> timedelta:
    """The n-th lock-out (0-based) lasts FIRST_LOCKOUT * 2**n, capped at LONGEST_LOCKOUT."""
    return min(FIRST_LOCKOUT * (2 ** min(lockouts, 16)), LONGEST_LOCKOUT)


def _count_failure(
    con: duckdb.DuckDBPyConnection,
    email: str,
    failures: int,
    lockouts: int,
    locked: bool,
    now: datetime,
    via: str,
) -> None:
    """Every wrong password is audited; the MAX_FAILURES-th in a row starts a lock-out."""
    actor = Actor(email, via)
    audit.record(
        con,
        actor,
        "sign-in.failure",
        email,
        {"failures": failures, **({"while_locked": True} if locked else {})},
        at=now,
    )
    if locked:  # audited above; the lock already runs, and its length is not the guesser's
        return
    if failures < MAX_FAILURES:
        con.execute("UPDATE users SET failures = ? WHERE email = ?", [failures, email])
        return
    until = now + lockout_length(lockouts)
    con.execute(
        "UPDATE users SET failures = 0, lockouts = ?, locked_until = ? WHERE email = ?",
        [lockouts + 1, until, email],
    )
    audit.record(
        con,
        actor,
        "sign-in.lockout",
        email,
        {"failures": failures, "locked_s": int((until - now).total_seconds())},
        at=now,
    )


def principal_for_email(con: duckdb.DuckDBPyConnection, email: str, via: str) -> Principal | None:
    """The workspace role of an (OIDC or re-checked) e-mail; None when unknown or disabled."""
    user = get_user(con, email or "")
    if user is None or user.disabled:
        return None
    return Principal(user.email, user.role, via)


# --- acting from the command line ---------------------------------------------------------------


class Refused(PermissionError):
    """A named person may not do this from the command line; the message says why."""


def sign_in_to(
    con: duckdb.DuckDBPyConnection,
    email: str,
    password: str,
    right: str,
    *,
    action: str,
    doing: str,
    target: str | None = None,
) -> Principal:
    """Sign a named person in from outside the console (via 'cli') to do one thing needing `right`.

    The console signs a person in once per session; the CLI signs one in for each action, so
    the rights, the two-person rule and the per-day limits see the real person, never the OS
    user. A refused sign-in (which `sign_in` counts and audits itself) and a role without the
    right are each recorded as '`action`-refused' on `target`, saying who tried and why, and
    raised as Refused after that row commits. `doing` completes "only an admin may ...".
    """
    try:
        principal = sign_in(con, email, password, via="cli")
    except SignInError as exc:
        user = get_user(con, email or "")
        who = user.email if user else "(unknown account)"  # never what a stranger typed
        _refused(con, Actor(who, "cli"), action, target, f"sign-in refused: {exc}")
        raise Refused(str(exc)) from None
    try:
        require(con, principal, right)
    except AccessDenied:
        _refused(con, principal.actor, action, target, f"the {principal.role} role")
        raise Refused(
            f"{principal.email} is {_a(principal.role)}: only {_holders(right)} may {doing}"
        ) from None
    return principal


def _refused(con: duckdb.DuckDBPyConnection, actor: Actor, action: str, target: str | None, why: str) -> None:
    write(con, lambda cur: audit.record(cur, actor, f"{action}-refused", target, {"reason": why}))


def _holders(right: str) -> str:
    """The roles holding `right`, in words: 'an admin', 'an operator or an admin'."""
    return " or ".join(_a(role) for role in ROLES[ROLES.index(RIGHTS[right]) :])


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


# --- sessions -----------------------------------------------------------------------------------


def idle_limit(con: duckdb.DuckDBPyConnection, environ: Mapping[str, str]) -> timedelta:
    """How long a console session may sit idle: env, else the admin setting, else 30 min."""
    raw = environ.get(IDLE_ENV) or get_setting(con, "session_idle_minutes")
    if raw is None:
        return timedelta(minutes=DEFAULT_IDLE_MINUTES)
    try:
        minutes = float(raw)
    except ValueError:
        raise ValueError(f"{IDLE_ENV} must be a number of minutes; got {raw!r}") from None
    if minutes <= 0:
        raise ValueError(f"{IDLE_ENV} must be positive; got {raw!r}")
    return timedelta(minutes=minutes)


def set_idle_minutes(con: duckdb.DuckDBPyConnection, minutes: float, actor: Actor) -> None:
    if minutes <= 0:
        raise ValueError(f"the idle time must be positive; got {minutes}")

    def change(c: duckdb.DuckDBPyConnection) -> None:
        set_setting(c, "session_idle_minutes", str(minutes))
        audit.record(c, actor, "settings.change", "session_idle_minutes", {"value": minutes})

    write(con, change)


def is_idle(last_seen: datetime, now: datetime, limit: timedelta) -> bool:
    return now - last_seen > limit
