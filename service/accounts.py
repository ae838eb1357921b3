"""Accounts: users with a role, password hashes, bearer tokens, and the first run's one admin.
No Flask here (the CLI uses it too).

The first run: while no account exists, one admin may be made through the setup page
(``create_first_admin``).  A setup token (``setup_token``) lets a person on another machine
do it; it lies in the data directory, so every worker of one server checks the same one.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from service.db import ROLES, ApiToken, FirstRun, LoginFailure, User, utcnow

MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")
TOKEN_PREFIX = "pd_"


class AccountError(ValueError):
    """A user name, role or password plandraft cannot accept; the message says why."""


def create_user(db: Session, name: str, role: str, password: str) -> User:
    if not _NAME.match(name or ""):
        raise AccountError("name: 用户名须为 1–64 个字母、数字或 . @ _ - (1–64 letters, digits, '.', '@', '_' or '-')")
    if role not in ROLES:
        raise AccountError(f"role: 角色须为 {'、'.join(ROLES)} 之一 (must be one of {', '.join(ROLES)})")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"password: 密码至少 {MIN_PASSWORD} 个字符 (at least {MIN_PASSWORD} characters)")
    if find_user(db, name) is not None:
        raise AccountError(f"name: 用户名 {name} 已存在 (user {name!r} already exists)")
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


# -- the first run ------------------------------------------------------------------------------


def has_accounts(db: Session) -> bool:
    return db.scalar(select(User.id).limit(1)) is not None


def create_first_admin(db: Session, name: str, password: str) -> User | None:
    """The first admin, committed; None when an account exists already (then nothing is made).

    Two setups racing past the ``has_accounts`` check are settled by the one ``FirstRun`` row
    (a fixed primary key): the loser's insert fails and its user is rolled back with it, so
    exactly one admin comes of them whatever names they chose.
    """
    if has_accounts(db):
        return None
    try:
        user = create_user(db, name, "admin", password)
        db.add(FirstRun(id=FirstRun.THE_ONE, user_id=user.id))
        db.commit()
    except (IntegrityError, OperationalError):
        db.rollback()
        if has_accounts(db) or db.get(FirstRun, FirstRun.THE_ONE) is not None:
            return None
        raise
    except AccountError:
        db.rollback()
        # The name check sees the winner's user once it is committed: this setup lost the race.
        if has_accounts(db):
            return None
        raise
    return user


def _setup_token_path(data_dir: Path) -> Path:
    return Path(data_dir) / "setup_token"


def setup_token(data_dir: Path) -> str:
    """The setup token of the data directory, made on first call (readable by its owner only)."""
    path = _setup_token_path(data_dir)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if token:
            return token
        path.unlink(missing_ok=True)  # an empty file left by a crash: make a fresh one
        return setup_token(data_dir)
    token = secrets.token_urlsafe(24)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token)
    return token


def setup_token_matches(data_dir: Path, given: str | None) -> bool:
    """Whether ``given`` is the data directory's setup token (never true when none was made)."""
    try:
        token = _setup_token_path(data_dir).read_text(encoding="ascii").strip()
    except OSError:
        return False
    return bool(token and given) and secrets.compare_digest(token.encode(), given.strip().encode("utf-8", "replace"))


def drop_setup_token(data_dir: Path) -> None:
    """Once an account exists the token opens nothing; it is removed so it cannot leak later."""
    _setup_token_path(data_dir).unlink(missing_ok=True)


_DUMMY_HASH = generate_password_hash("plandraft-timing-equaliser")
