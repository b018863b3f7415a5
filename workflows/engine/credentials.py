"""Password attempts, for signing in and for signing a record alike (both prove who acts): each one is
kept, five failures in fifteen minutes lock the account, twenty failed sign-ins from one client address
in fifteen minutes refuse that address whatever names it tries, and an unknown name costs the same time as
a known one. ``attempt`` runs in its own short transaction, committed whatever the outcome, so the counts
cannot be outrun by parallel requests or by other worker processes, and a failed signature is not rolled
back with its use case."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import text
from sqlmodel import Session, func, select

from storage.errors import StewardError
from storage.models import LoginAttempt, Person

_hasher = PasswordHash((Argon2Hasher(),))
MIN_LENGTH = 10
LOCK_AFTER = 5
LOCK_WINDOW = timedelta(minutes=15)
ADDRESS_LIMIT = 20  # a plant's office signs in from one address: twenty failures is a guesser, not a bad morning
ADDRESS_WINDOW = timedelta(minutes=15)


class Locked(StewardError):
    status = 429


class WrongPassword(StewardError):
    status = 401


def locked_error() -> Locked:
    return Locked("locked", "密码错误次数过多，账号已锁定 15 分钟（登录和签名都不可用）",
                  "Too many wrong passwords; the account is locked for 15 minutes (no sign-in, no signing)",
                  field="password")


def throttled_error(wait: timedelta) -> Locked:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return Locked("address_throttled", f"此地址登录失败次数过多，请 {minutes} 分钟后再试",
                  f"Too many failed sign-ins from this address; try again in {minutes} minute"
                  + ("s" if minutes > 1 else ""), field="password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(person: Person, password: str) -> bool:
    return bool(person.password_hash) and _hasher.verify(password, person.password_hash)


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # ~30,000 passwords seen in breaches, bundled by zxcvbn
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_policy(username: str | None, password: str) -> None:
    """At least ten characters, not the user's own name, not a password from the bundled breach list."""
    if len(password) < MIN_LENGTH:
        raise StewardError("weak_password", f"密码至少 {MIN_LENGTH} 位", f"A password needs at least {MIN_LENGTH} "
                           "characters", field="password")
    if username and username.lower() in password.lower():
        raise StewardError("weak_password", "密码不能包含用户名", "A password must not contain the username",
                           field="password")
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) < 4:
        raise StewardError("weak_password", "这是常见密码，很容易被猜到，请换一个", "This is a common password and "
                           "easily guessed; choose another", field="password")


def set_password(session: Session, person: Person, password: str, *, must_change: bool = False) -> None:
    """Set a password under the policy. Every session of the person ends; one set by someone else must be
    changed at the next sign-in."""
    check_policy(person.username, password)
    person.password_hash = hash_password(password)
    person.must_change_password = must_change
    person.session_version += 1
    session.add(person)
    session.flush()


@cache
def _decoy_hash() -> str:
    return _hasher.hash("no such user: this hash only makes a wrong name cost the same time")


def failures(session: Session, username: str, exclude: int | None = None) -> int:
    since = datetime.now(timezone.utc) - LOCK_WINDOW
    query = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.username == username[:60], LoginAttempt.ok.is_(False), LoginAttempt.at >= since)
    if exclude is not None:
        query = query.where(LoginAttempt.id != exclude)
    return session.exec(query).one()


def is_locked(session: Session, username: str) -> bool:
    return failures(session, username) >= LOCK_AFTER


def address_wait(session: Session, address: str, exclude: int | None = None) -> timedelta | None:
    """How long sign-in from ``address`` stays refused, or None when it is not: until the ``ADDRESS_LIMIT``-th
    latest failure leaves the window."""
    now = datetime.now(timezone.utc)
    query = select(LoginAttempt.at).where(LoginAttempt.address == address[:64], LoginAttempt.ok.is_(False),
                                          LoginAttempt.at >= now - ADDRESS_WINDOW)
    if exclude is not None:
        query = query.where(LoginAttempt.id != exclude)
    nth = session.exec(query.order_by(LoginAttempt.at.desc()).offset(ADDRESS_LIMIT - 1).limit(1)).first()
    if nth is None:
        return None
    return (nth if nth.tzinfo else nth.replace(tzinfo=timezone.utc)) + ADDRESS_WINDOW - now


def _take_turns(session: Session, username: str, address: str | None) -> None:
    """On PostgreSQL, attempts from one address, then on one name, wait for each other (always in that order,
    so two never wait on each other); on SQLite the first write does the same."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if address:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 7717))"), {"key": address[:64]})
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 7716))"), {"name": username[:60]})


def attempt(session: Session, username: str, password: str, address: str | None = None) -> Person | None:
    """Check one password (``address``: the client's, for a sign-in). The attempt is written first and counted
    as a failure until the password proves right, under the address's and the name's locks, so twenty parallel
    guesses cannot all pass the counts."""
    _take_turns(session, username, address)
    row = LoginAttempt(username=username[:60], address=address[:64] if address else None, ok=False)
    session.add(row)
    session.flush()  # on SQLite this takes the write lock: the counts below see every earlier attempt
    if address and (wait := address_wait(session, address, exclude=row.id)):
        raise throttled_error(wait)
    if failures(session, username, exclude=row.id) >= LOCK_AFTER:
        raise locked_error()
    person = session.exec(select(Person).where(Person.username == username, Person.active)).first()
    if person is None or not person.password_hash:
        _hasher.verify(password, _decoy_hash())  # the same work as for a real account
        return None
    if not check_password(person, password):
        return None
    row.ok = True
    session.add(row)
    return person
