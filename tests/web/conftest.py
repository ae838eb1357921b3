"""Fixtures for the web tests: an app over a real store holding the sample corpus, users of
every role, logged-in clients with their CSRF tokens, API tokens.

The store uses the hashing embedder here (fast, no model); the browser tests use the real one.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from plandraft import settings as settings_mod
from tests.web.fakes import CannedSearcher, PausingDrafter
from vectorstore.embedder import HashingEmbedder

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.txt"))
TEST_DATA = ROOT / "tests" / "data"
PASSWORD = "correct-horse-battery"
USERS = {"sam": "staff", "sue": "staff", "eve": "editor", "ada": "admin"}
DEAD_LLM = "http://127.0.0.1:9/v1"  # the discard port: connections are refused at once
CHEAP_HASH = "pbkdf2:sha256:1000"

DRAFT_REQUEST = {
    "level": "乡镇",
    "year": 2026,
    "org_name": "杭川镇政协工作组",
    "parent_body": "某某县政协",
    "topics": ["乡村振兴", "民生实事"],
    "sections": ["指导思想", "学习", "服务中心", "民主监督"],
    "llm": False,
}


def ingest_samples(data_dir: Path, embedder) -> None:
    from plandraft.resources import open_store

    values = settings_mod.load({"DATA_DIR": str(data_dir)}, environ={})
    store = open_store(values, embedder=embedder)
    try:
        report = ingest_paths(SAMPLES, store, max_bytes=20 * 1024 * 1024)
        assert not report.errors, report.errors
    finally:
        store.close()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A data directory holding the ingested sample corpus; tests get copies of it."""
    path = tmp_path_factory.mktemp("corpus")
    ingest_samples(path, HashingEmbedder())
    from service import close

    close(make_app(path))  # seeds the users, so every copy has them
    return path


def make_app(data_dir: Path, **config):
    """An app over ``data_dir`` with a user of every role and an API token each.

    Users are created once per data directory and remembered in ``test_tokens.json``, so
    copies of a seeded directory skip the (deliberately slow) password hashing.
    """
    import json

    from werkzeug.security import generate_password_hash

    from service import create_app
    from service.accounts import create_user, new_token
    from service.db import session_scope

    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "SECRET_KEY": "test-secret",
            "EMBEDDER": config.pop("EMBEDDER", None) or HashingEmbedder(),
            "LLM_BASE_URL": DEAD_LLM,
            "LLM_TIMEOUT": 2.0,
            **config,
        }
    )
    seeded = Path(data_dir) / "test_tokens.json"
    if app.config.get("TEST_TOKENS"):
        tokens = app.config["TEST_TOKENS"]  # a database copied from a seeded one (postgres_seed)
    elif seeded.exists() and "DATABASE_URL" not in config:
        tokens = json.loads(seeded.read_text())
    else:
        tokens = {}
        with app.app_context():
            with session_scope() as db:
                for name, role in USERS.items():
                    user = create_user(db, name, role, PASSWORD)
                    # Logging in is how most web tests start: their users' hashes are cheap to
                    # check (the production cost stays for every account made otherwise).
                    user.password_hash = generate_password_hash(PASSWORD, method=CHEAP_HASH)
                    tokens[name] = new_token(db, user)
        if "DATABASE_URL" not in config:
            seeded.write_text(json.dumps(tokens))
    app.config["TEST_TOKENS"] = tokens
    return app


def pytest_generate_tests(metafunc):
    """A module marked ``sqlite_and_postgres`` runs each test that takes ``app`` twice: on the
    default SQLite file and on PostgreSQL (the same tests, not a copy)."""
    if "database" in metafunc.fixturenames and metafunc.definition.get_closest_marker("sqlite_and_postgres"):
        metafunc.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def database(request) -> str:
    """Which database the app keeps users, drafts, versions and jobs in: "sqlite" or "postgres"."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres_seed(postgres, tmp_path_factory):
    """A PostgreSQL database with the test users and their tokens, made once; tests get copies."""
    from service import close

    name = postgres.create()
    seeded = make_app(tmp_path_factory.mktemp("pg-seed") / "data", DATABASE_URL=postgres.url(name))
    tokens = seeded.config["TEST_TOKENS"]
    close(seeded)  # a template database may have no open connection
    return name, tokens


@pytest.fixture
def app(corpus_dir, tmp_path, database, request):
    data_dir = tmp_path / "data"
    shutil.copytree(corpus_dir, data_dir)
    config = {}
    if database == "postgres":
        cluster = request.getfixturevalue("postgres")
        template, tokens = request.getfixturevalue("postgres_seed")
        config = {"DATABASE_URL": cluster.url(cluster.create(template)), "TEST_TOKENS": tokens}
    app = make_app(data_dir, **config)
    yield app
    from service import close

    close(app)


@pytest.fixture
def tokens(app) -> dict[str, str]:
    return app.config["TEST_TOKENS"]


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m, "page has no csrf-token meta"
    return m.group(1)


class LoggedIn:
    """A test client logged in through the login form, carrying its CSRF token."""

    def __init__(self, app, name: str):
        self.client = app.test_client()
        page = self.client.get("/login")
        response = self.client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
        assert response.status_code == 302, response.text
        self.csrf = csrf_of(self.client.get("/").text)

    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def post_json(self, url, body, **kw):
        return self.client.post(url, json=body, headers={"X-CSRFToken": self.csrf}, **kw)

    def form(self, url, data, **kw):
        return self.client.post(url, data={**data, "csrf_token": self.csrf}, **kw)

    def send(self, method, url, **kw):
        headers = {"X-CSRFToken": self.csrf, **kw.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kw)


@pytest.fixture
def login(app):
    return lambda name: LoggedIn(app, name)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def draft_request() -> dict:
    return dict(DRAFT_REQUEST, topics=list(DRAFT_REQUEST["topics"]), sections=list(DRAFT_REQUEST["sections"]))


@pytest.fixture
def h():
    """Helpers for test modules (conftest is not imported by name)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        PASSWORD=PASSWORD, USERS=USERS, TEST_DATA=TEST_DATA, SAMPLES=SAMPLES, csrf_of=csrf_of, bearer=bearer, make_app=make_app
    )


# -- a fast app whose drafter searches canned passages ----------------------------------------

@pytest.fixture(scope="session")
def canned_app(tmp_path_factory):
    """An app whose drafter composes for real from CANNED_PASSAGES (no corpus, no embedder, no LLM):
    fast enough to send it many requests."""
    from drafting.engine import Drafter
    from service import close

    app = make_app(tmp_path_factory.mktemp("canned") / "data")
    app.extensions["plandraft.drafter"] = Drafter(CannedSearcher())
    yield app
    close(app)


@pytest.fixture(scope="session")
def canned_staff(canned_app) -> LoggedIn:
    """A staff member logged in to ``canned_app`` through its form (session and CSRF token)."""
    return LoggedIn(canned_app, "sam")


# -- the browser tests' browser and server -----------------------------------------------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, one for every browser test module (Playwright's sync
    API runs one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sample_store_dir):
    """The app on 127.0.0.1:<free port> (werkzeug, threaded, in a background thread); its store is a
    copy of the session's sample store (data/samples through the real CLI and the real m3e-small),
    so the browser tests may change it without touching anyone else's."""
    yield from _serve(tmp_path_factory, sample_store_dir)


@pytest.fixture(scope="session")
def own_live_server(tmp_path_factory, own_store_dir):
    """The same over a copy of the sample store with a body's own plans (tests/data/own_plans)."""
    yield from _serve(tmp_path_factory, own_store_dir)


@pytest.fixture(scope="session")
def schedule_live_server(tmp_path_factory, schedule_store_dir):
    """The same over a copy of the sample store with month-by-month plans (tests/data/schedule)."""
    yield from _serve(tmp_path_factory, schedule_store_dir)


@pytest.fixture(scope="session")
def schedule_corpus_dir(tmp_path_factory) -> Path:
    """A data directory (hashing embedder, users seeded) holding tests/data/schedule and the format
    samples with activities: a corpus whose drafts have a full 活动安排表; tests get copies."""
    from plandraft.resources import open_store
    from service import close

    path = tmp_path_factory.mktemp("schedule-corpus")
    store = open_store(settings_mod.load({"DATA_DIR": str(path)}, environ={}), embedder=HashingEmbedder())
    files = [*sorted((TEST_DATA / "schedule").glob("*.txt")), *(TEST_DATA / n for n in ("sample_activities.xlsx", "sample_table.docx", "sample_months.txt"))]
    try:
        report = ingest_paths(files, store, max_bytes=20 * 1024 * 1024)
        assert not report.errors, report.errors
    finally:
        store.close()
    close(make_app(path))  # seeds the users, so every copy has them
    return path


def _serve(tmp_path_factory, store_dir):
    import shutil
    import socket
    import sqlite3
    import threading

    from werkzeug.serving import make_server

    from plandraft.resources import make_drafter, make_embedder
    from service import close, get_store

    data_dir = tmp_path_factory.mktemp("browser-data") / "data"
    with sqlite3.connect(store_dir / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy must hold every committed row
    shutil.copytree(store_dir, data_dir, ignore=shutil.ignore_patterns("ingest.lock"))
    embedder = make_embedder(settings_mod.load(environ={}))
    app = make_app(data_dir, EMBEDDER=embedder)
    with app.app_context():
        app.extensions["plandraft.drafter"] = PausingDrafter(make_drafter(app.config, get_store()))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    from types import SimpleNamespace

    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app, data_dir=data_dir)
    server.shutdown()
    thread.join(10)
    close(app)
