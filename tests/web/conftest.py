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
from vectorstore.embedder import HashingEmbedder

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.txt"))
TEST_DATA = ROOT / "tests" / "data"
PASSWORD = "correct-horse-battery"
USERS = {"sam": "staff", "sue": "staff", "eve": "editor", "ada": "admin"}
DEAD_LLM = "http://127.0.0.1:9/v1"  # the discard port: connections are refused at once

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
    if seeded.exists() and "DATABASE_URL" not in config:
        tokens = json.loads(seeded.read_text())
    else:
        tokens = {}
        with app.app_context():
            with session_scope() as db:
                for name, role in USERS.items():
                    tokens[name] = new_token(db, create_user(db, name, role, PASSWORD))
        if "DATABASE_URL" not in config:
            seeded.write_text(json.dumps(tokens))
    app.config["TEST_TOKENS"] = tokens
    return app


@pytest.fixture
def app(corpus_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(corpus_dir, data_dir)
    app = make_app(data_dir)
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


# -- the browser tests' server ---------------------------------------------------------------

SECTION_PAUSE = 0.35  # seconds between streamed sections, so progress can be watched and photographed


class PausingDrafter:
    """The real Drafter; each streamed section is held back a moment so the progress is observable."""

    def __init__(self, inner):
        self.inner = inner
        self.searcher = inner.searcher

    def plan(self, request):
        return self.inner.plan(request)

    def draft(self, request):
        return self.inner.draft(request)

    def stream(self, request):
        import time

        for section in self.inner.stream(request):
            time.sleep(SECTION_PAUSE)
            yield section


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, sample_store_dir):
    """The app on 127.0.0.1:<free port> (werkzeug, threaded, in a background thread); its store is a
    copy of the session's sample store (data/samples through the real CLI and the real m3e-small),
    so the browser tests may change it without touching anyone else's."""
    import shutil
    import socket
    import sqlite3
    import threading

    from werkzeug.serving import make_server

    from plandraft.resources import make_drafter, make_embedder
    from service import close, get_store

    data_dir = tmp_path_factory.mktemp("browser-data") / "data"
    with sqlite3.connect(sample_store_dir / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy must hold every committed row
    shutil.copytree(sample_store_dir, data_dir, ignore=shutil.ignore_patterns("ingest.lock"))
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
