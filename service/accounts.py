"""Accounts: users with a role, password hashes, bearer tokens.  No Flask here (the CLI uses it too)."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from service.db import ROLES, ApiToken, LoginFailure, User, utcnow

MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")
TOKEN_PREFIX = "pd_"


class AccountError(ValueError):
    """A user name, role or password plandraft cannot accept; the message says why."""


def create_user(db: Session, name: str, role: str, password: str) -> User:
    if not _NAME.match(name or ""):
        raise AccountError("user name: 1–64 letters, digits, '.', '@', '_' or '-'")
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    if find_user(db, name) is not None:
        raise AccountError(f"user {name!r} already exists")
    user = User(name=name, role=role, password_hash=generate_password_hash(password))
    db.add(user)
    db.flush()
    return user


def find_user(db: Session, name: str) -> User | None:
    return db.scalar(select(User).where(User.name == name))


def authenticate(db: Session, name: str, password: str) -> User | None:
    """The user if the password matches; the hash check runs even for unknown names (no timing hint)."""
    user = find_user(db, name)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def login_blocked(db: Session, name: str, attempts: int, window_seconds: float) -> bool:
    """Whether ``name`` has failed ``attempts`` times within the last ``window_seconds``."""
    since = utcnow() - timedelta(seconds=window_seconds)
    failures = db.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.name == name, LoginFailure.at > since))
    return failures >= attempts


def record_login(db: Session, name: str, succeeded: bool, window_seconds: float) -> None:
    """A failure is remembered for one window; a success forgets the name's failures."""
    if succeeded:
        db.execute(delete(LoginFailure).where(LoginFailure.name == name))
    else:
        db.add(LoginFailure(name=name[:64]))
        # Old rows are of no further use; dropping them here keeps the table small.
        db.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - timedelta(seconds=window_seconds)))
    db.commit()


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough and lets us look them up directly.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(db: Session, user: User) -> str:
    """A fresh API token for ``user``; only its hash is kept, so this is the one chance to see it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    db.flush()
    return token


def user_for_token(db: Session, token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    return row.user if row is not None else None


_DUMMY_HASH = generate_password_hash("plandraft-timing-equaliser")
