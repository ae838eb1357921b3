"""Users, drafts, versions, uploads and ingest jobs, kept with SQLAlchemy 2.x.

The engine is created on first use and cached on the app (disposed when the app goes away);
each request gets its own session, closed on teardown.  The CLI opens the same database
through ``open_session(settings)``.
"""
from __future__ import annotations

import re
import weakref
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from flask import current_app, g
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker

from plandraft import settings as settings_mod

ROLES = ("staff", "editor", "admin")
ROLE_NAMES = {"staff": "工作人员", "editor": "审核人员", "admin": "管理员"}
_ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    # Flask-Login's user interface (a token-authenticated request uses the same object).
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def can(self, role: str) -> bool:
        """Roles are ranked: an editor may do what staff may, an admin everything."""
        return _ROLE_RANK.get(self.role, -1) >= _ROLE_RANK[role]

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a leaked database reveals no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[User] = relationship()


class FirstRun(Base):
    """The first run's setup, done: one row at most (a fixed id), so two racing setups make one admin."""

    __tablename__ = "first_run"
    THE_ONE = 1

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginFailure(Base):
    """One failed login for a user name; recent ones throttle further attempts (service.accounts)."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class DraftRecord(Base):
    """A draft and its history; the text itself lives in its versions."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    request: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when the draft is deleted: it leaves every list but "已删除", and is purged with its
    # versions PLANDRAFT_DELETED_DRAFT_DAYS later (service.history.purge_deleted).
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, default=None)
    owner: Mapped[User] = relationship()
    versions: Mapped[list["DraftVersion"]] = relationship(
        back_populates="draft", order_by="DraftVersion.number", cascade="all, delete-orphan"
    )


class DraftVersion(Base):
    """One saved state of a draft: the whole content (sections, sentences, sources, warnings)."""

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[dict] = mapped_column(JSON)
    draft: Mapped[DraftRecord] = relationship(back_populates="versions")
    author: Mapped[User] = relationship()


class Upload(Base):
    """A file an admin uploaded: where it is stored, and the name it had on their machine."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stored_path: Mapped[str] = mapped_column(String(500), unique=True)
    original_name: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class IngestJob(Base):
    """Progress of one background ingest; kept in the database so every worker can report it."""

    __tablename__ = "ingest_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # upload / reingest
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued / running / done / failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    current: Mapped[str] = mapped_column(String(300), default="")
    # "host:pid" of the process whose thread runs the job: a job left "running" by a process
    # that died is told apart from one still at work (service.jobs.settle).
    runner: Mapped[str] = mapped_column(String(300), default="")
    report: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "total": self.total,
            "done": self.done,
            "current": self.current,
            "report": self.report,
            "error": self.error or None,
            "created_at": self.created_at.isoformat(timespec="seconds") + "Z",
            "finished_at": self.finished_at.isoformat(timespec="seconds") + "Z" if self.finished_at else None,
        }


# -- engine and sessions ---------------------------------------------------------------------


def database_url(values: Mapping[str, Any]) -> str:
    """PLANDRAFT_DATABASE_URL, or a SQLite file in the data directory."""
    url = str(values.get("DATABASE_URL") or "").strip()
    if url:
        return url
    path = settings_mod.data_dir(values) / "plandraft.sqlite"
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    """An engine with the tables created; SQLite gets WAL and a busy timeout for several workers.

    ``postgresql://`` URLs are served by psycopg 3 (SQLAlchemy would reach for psycopg2, which
    plandraft does not install)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "postgresql":
        # pre_ping: a managed server's failover or restart leaves pooled connections dead.
        engine = create_engine(parsed, pool_pre_ping=True)
    else:
        engine = create_engine(parsed)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            if engine.url.database not in (None, "", ":memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        if engine.url.database not in (None, "", ":memory:"):
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "postgresql":
        _create_schema_locked(engine)
    else:
        Base.metadata.create_all(engine)
        _add_new_columns(engine)
    return engine


# Columns added after a table was first released: (table, column, SQL type and default).
# create_all makes missing tables, never missing columns, so a database file from an older
# version gets them here, with its rows kept.
_ADDED_COLUMNS = [("ingest_jobs", "runner", "VARCHAR(300) NOT NULL DEFAULT ''"), ("drafts", "deleted_at", "DATETIME")]

# SQLite's names for types PostgreSQL spells otherwise, so one _ADDED_COLUMNS entry serves both.
_POSTGRES_TYPES = {"DATETIME": "TIMESTAMP WITHOUT TIME ZONE", "BLOB": "BYTEA"}
# Any fixed number: the key of the advisory lock under which one process at a time sets up the schema.
_SCHEMA_LOCK = 715_015


def column_spec(dialect: str, spec: str) -> str:
    """An _ADDED_COLUMNS type and default as ``dialect`` spells it."""
    if dialect != "postgresql":
        return spec
    return re.sub(r"\b(" + "|".join(_POSTGRES_TYPES) + r")\b", lambda m: _POSTGRES_TYPES[m.group(1).upper()], spec, flags=re.IGNORECASE)


def _create_schema_locked(engine: Engine) -> None:
    """PostgreSQL: tables and added columns in one transaction, under an advisory lock.

    Several gunicorn workers start at the same moment; without the lock two of them run
    CREATE TABLE together and one fails on the catalog's unique index (DDL is transactional
    there, so the lock makes the second see the first's tables instead)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
        Base.metadata.create_all(conn)
        inspector = inspect(conn)
        for table, column, spec in _ADDED_COLUMNS:
            if column not in {c["name"] for c in inspector.get_columns(table)}:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {column_spec('postgresql', spec)}"))


def _add_new_columns(engine: Engine) -> None:
    for table, column, spec in _ADDED_COLUMNS:
        if column in {c["name"] for c in inspect(engine).get_columns(table)}:
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {column_spec(engine.dialect.name, spec)}"))
        except OperationalError:
            # Another worker starting at the same moment added it first.
            if column not in {c["name"] for c in inspect(engine).get_columns(table)}:
                raise


def lock_for_writing(session: Session, name: str) -> None:
    """Take a write lock for the rest of ``session``'s transaction, named ``name``, so that a check
    and the write it allows cannot interleave with another worker's (the caller has committed or
    not yet begun).  SQLite: BEGIN IMMEDIATE (the database's one write lock); PostgreSQL: an
    advisory lock on the name, released at commit or rollback."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))
    else:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def get_engine() -> Engine:
    """The app's engine, created on first use and disposed when the app is garbage-collected."""
    app = current_app._get_current_object()
    engine = app.extensions.get("plandraft.db")
    if engine is None:
        engine = make_engine(database_url(app.config))
        app.extensions["plandraft.db"] = engine
        app.extensions["plandraft.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
        weakref.finalize(app, engine.dispose)
    return engine


def get_db() -> Session:
    """This request's session."""
    if "plandraft_db" not in g:
        get_engine()
        g.plandraft_db = current_app.extensions["plandraft.sessionmaker"]()
    return g.plandraft_db


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session of its own (background threads, streamed responses): committed or rolled back."""
    get_engine()
    with _committed(current_app.extensions["plandraft.sessionmaker"]()) as session:
        yield session


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("plandraft_db", None)
    if session is not None:
        session.close()


def dispose(app) -> None:
    """Close the app's engine now (tests, and anything that drops an app explicitly)."""
    engine = app.extensions.pop("plandraft.db", None)
    if engine is not None:
        engine.dispose()


@contextmanager
def open_session(values: Mapping[str, Any]) -> Iterator[Session]:
    """A session outside any app, for the CLI; committed on success."""
    engine = make_engine(database_url(values))
    try:
        with _committed(Session(engine, expire_on_commit=False)) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def _committed(session: Session) -> Iterator[Session]:
    """``session``, committed when the block succeeds, rolled back when it raises, then closed."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
