"""Operator accounts: users, roles, Argon2id passwords, lock-out and idle sessions.

The console spends money, so it must know who is at the keyboard and what they may do. Local
accounts keep only an Argon2id hash (argon2-cffi, constant-time verify); an unknown e-mail is
checked against a dummy hash so timing does not tell which accounts exist. Five wrong
passwords in a row lock an account, each lock-out twice as long as the one before. Rights are
checked here, in the core, so every caller (page callback, CLI, notebook) asks the same question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from smscore import audit
from smscore.audit import Actor
from smscore.clock import utcnow
from smscore.store import get_setting, set_setting

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
    "import": "operator", "categories": "operator", "optouts": "operator",
    "send": "operator", "resume": "operator", "poll": "operator", "export_phones": "operator",
    "settings": "admin", "users": "admin", "prices.refresh": "admin", "topup": "admin",
    "approve": "admin", "audit": "admin",
}
VIEWER_EXPORTS = "viewer_exports"  # admin setting: viewers may download phone numbers

_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's RFC 9106 low-memory profile
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccessDenied(PermissionError):
    """The signed-in role lacks the right for this action."""


class SignInError(ValueError):
    """A sign-in refused: wrong e-mail or password, disabled, or locked for a while."""


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
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters; "
                         f"got {len(password or '')}")
    return password


def any_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """True once a local account exists: from then on every address requires sign-in."""
    return bool(con.execute("SELECT count(*) FROM users").fetchall()[0][0])


def add_user(con: duckdb.DuckDBPyConnection, email: str, role: str, password: str | None,
             actor: Actor) -> User:
    """Create an account; `password` None makes an OIDC-only account (sign-in by e-mail match)."""
    email, role = normal_email(email), check_role(role)
    if get_user(con, email) is not None:
        raise ValueError(f"an account for {email} already exists")
    hashed = _HASHER.hash(_check_password(password)) if password is not None else None
    con.execute("INSERT INTO users (email, role, password_hash) VALUES (?, ?, ?)",
                [email, role, hashed])
    audit.record(con, actor, "user.add", email, {"role": role, "sign_in": "local" if hashed else "identity provider"})
    return get_user(con, email)


def get_user(con: duckdb.DuckDBPyConnection, email: str) -> User | None:
    rows = con.execute("SELECT email, role, disabled, password_hash IS NOT NULL, locked_until "
                       "FROM users WHERE email = ?", [email.strip().lower()]).fetchall()
    return User(*rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    rows = con.execute("SELECT email, role, disabled, password_hash IS NOT NULL, locked_until "
                       "FROM users ORDER BY email").fetchall()
    return [User(*r) for r in rows]


def _existing(con: duckdb.DuckDBPyConnection, email: str) -> str:
    email = normal_email(email)
    if get_user(con, email) is None:
        raise ValueError(f"no account for {email}")
    return email


def set_role(con: duckdb.DuckDBPyConnection, email: str, role: str, actor: Actor) -> User:
    email, role = _existing(con, email), check_role(role)
    con.execute("UPDATE users SET role = ?, updated_at = ? WHERE email = ?", [role, utcnow(), email])
    audit.record(con, actor, "user.set-role", email, {"role": role})
    return get_user(con, email)


def set_disabled(con: duckdb.DuckDBPyConnection, email: str, disabled: bool, actor: Actor) -> User:
    email = _existing(con, email)
    con.execute("UPDATE users SET disabled = ?, updated_at = ? WHERE email = ?",
                [disabled, utcnow(), email])
    audit.record(con, actor, "user.disable" if disabled else "user.enable", email)
    return get_user(con, email)


def reset_password(con: duckdb.DuckDBPyConnection, email: str, password: str,
                   actor: Actor) -> User:
    """Set a new password and lift any lock-out."""
    email = _existing(con, email)
    hashed = _HASHER.hash(_check_password(password))
    con.execute("UPDATE users SET password_hash = ?, failures = 0, lockouts = 0, "
                "locked_until = NULL, updated_at = ? WHERE email = ?", [hashed, utcnow(), email])
    audit.record(con, actor, "user.reset-password", email)
    return get_user(con, email)


# --- sign-in ------------------------------------------------------------------------------------

def sign_in(con: duckdb.DuckDBPyConnection, email: str, password: str,
            now: datetime | None = None, *, via: str = "console") -> Principal:
    """Check a password; count failures, lock after MAX_FAILURES, audit every outcome.

    `via` is where the password was typed ('console', 'cli'), for the Principal and the trail.
    """
    now = now or utcnow()
    key = (email or "").strip().lower()
    rows = con.execute("SELECT role, password_hash, disabled, failures, lockouts, locked_until "
                       "FROM users WHERE email = ?", [key]).fetchall()
    if not rows or rows[0][1] is None:
        _verify(_DUMMY_HASH, password)  # same work as a real check: timing reveals nothing
        # Not the typed e-mail: people type their password into that field by mistake.
        audit.record(con, Actor("(unknown account)", via), "sign-in.failure", None,
                     {"reason": "unknown account"}, at=now)
        raise SignInError("wrong e-mail or password")
    role, hashed, disabled, failures, lockouts, locked_until = rows[0]
    if locked_until is not None and locked_until > now:
        wait = int((locked_until - now).total_seconds()) + 1
        audit.record(con, Actor(key, via), "sign-in.locked", key, {"wait_s": wait}, at=now)
        raise SignInError(f"this account is locked after {MAX_FAILURES} failed sign-ins; "
                          f"try again in {wait} s")
    if not _verify(hashed, password):
        _failed(con, key, failures + 1, lockouts, now, via)
    if disabled:
        audit.record(con, Actor(key, via), "sign-in.failure", key, {"reason": "disabled"},
                     at=now)
        raise SignInError("this account is disabled; ask an admin")
    con.execute("UPDATE users SET failures = 0, locked_until = NULL WHERE email = ?", [key])
    if _HASHER.check_needs_rehash(hashed):
        con.execute("UPDATE users SET password_hash = ? WHERE email = ?",
                    [_HASHER.hash(password), key])
    audit.record(con, Actor(key, via), "sign-in", key, at=now)
    return Principal(key, role, via)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def lockout_length(lockouts: int) -> timedelta:
    """The n-th lock-out (0-based) lasts FIRST_LOCKOUT * 2**n, capped at LONGEST_LOCKOUT."""
    return min(FIRST_LOCKOUT * (2 ** min(lockouts, 16)), LONGEST_LOCKOUT)


def _failed(con: duckdb.DuckDBPyConnection, email: str, failures: int, lockouts: int,
            now: datetime, via: str = "console") -> None:
    actor = Actor(email, via)
    if failures < MAX_FAILURES:
        con.execute("UPDATE users SET failures = ? WHERE email = ?", [failures, email])
        audit.record(con, actor, "sign-in.failure", email, {"failures": failures}, at=now)
        raise SignInError("wrong e-mail or password")
    until = now + lockout_length(lockouts)
    con.execute("UPDATE users SET failures = 0, lockouts = ?, locked_until = ? WHERE email = ?",
                [lockouts + 1, until, email])
    audit.record(con, actor, "sign-in.lockout", email,
                 {"failures": failures, "locked_s": int((until - now).total_seconds())}, at=now)
    raise SignInError(f"this account is locked after {MAX_FAILURES} failed sign-ins; "
                      f"try again in {int((until - now).total_seconds())} s")


def principal_for_email(con: duckdb.DuckDBPyConnection, email: str, via: str) -> Principal | None:
    """The workspace role of an (OIDC or re-checked) e-mail; None when unknown or disabled."""
    user = get_user(con, email or "")
    if user is None or user.disabled:
        return None
    return Principal(user.email, user.role, via)


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
    set_setting(con, "session_idle_minutes", str(minutes))
    audit.record(con, actor, "settings.change", "session_idle_minutes", {"value": minutes})


def is_idle(last_seen: datetime, now: datetime, limit: timedelta) -> bool:
    return now - last_seen > limit
