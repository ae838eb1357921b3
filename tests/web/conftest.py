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

# Passages as past plans word them: other bodies' names, years, numbers, item numbering.
CANNED_PASSAGES = (
    ("指导思想", "以习近平新时代中国特色社会主义思想为指导，围绕镇党委中心工作，坚持团结和民主两大主题，认真履行政治协商、民主监督、参政议政职能。"),
    ("学习", "（一）加强理论学习。每季度组织一次委员集中学习，邀请县政协领导专题授课。\n（二）开展履职培训。围绕乡村振兴举办2期委员履职培训班，提高委员履职能力。"),
    ("政治协商", "（一）开展专题协商。围绕全镇经济社会发展中的重点问题，每年开展2次专题协商，形成协商意见报送镇党委。"),
    ("民主监督", "（一）开展民主评议。组织委员对镇政府职能部门开展民主评议，推动问题整改落实。\n（二）加强提案督办。对重点提案开展跟踪督办，提高提案办理质量。"),
    ("参政议政", "（一）深入调研视察。组织委员围绕民生实事开展调研视察，撰写高质量调研报告。\n（二）反映社情民意。全年报送社情民意信息不少于20条。"),
    ("服务中心", "（一）助力招商引资。发挥委员人脉优势，积极引荐项目，服务2020年度重点项目建设。"),
    ("委员作用", "（一）深化“四个一”活动。每名委员每年联系一批群众、办成一件实事，密切联系群众。"),
    ("自身建设", "（一）加强制度建设。健全委员履职档案，完善委员管理制度，推进工作规范化。"),
    ("宣传信息", "（一）做好宣传报道。及时宣传委员先进事迹，在县级以上媒体刊发稿件10篇以上。"),
    ("工作要求", "（一）加强组织领导。精心组织、强化落实，切实改进作风，确保各项工作任务落到实处。"),
    ("other", "（一）认真完成上级政协和镇党委交办的其他工作任务，努力开创政协工作新局面。"),
)


class CannedStore:
    """What the drafter reads of a store, for the canned passages: their units (ingest's own
    unit builder over each passage), no documents (so the default length is the fallback)."""

    def __init__(self):
        from ingest.model import Chunk
        from ingest.units import build_units

        self._units = []
        for i, (role, text) in enumerate(CANNED_PASSAGES):
            chunk = Chunk(f"c{i}", f"d{i}", f"canned{i}.txt", text, [], role, (0, len(text)))
            self._units += build_units(f"d{i}", text, [chunk])

    def units(self, chunk_ids=None):
        return [u for u in self._units if chunk_ids is None or u.chunk_id in set(chunk_ids)]

    def documents(self, include_off_topic=True):
        return []

    def bodies(self):
        return {}

    def generation(self):
        return 0

    @property
    def embedder(self):
        from vectorstore.embedder import HashingEmbedder

        return HashingEmbedder()

    def chunk_tokens(self):
        from vectorstore.lexical import tokenize

        return {f"c{i}": tokenize(text) for i, (_, text) in enumerate(CANNED_PASSAGES)}


class CannedSearcher:
    """Stands in for the hybrid search, with no store: the canned passages of the role asked for, else all."""

    def __init__(self):
        self.store = CannedStore()

    def search(self, query, k=10, filters=None):
        from vectorstore.search import SearchResult

        role = getattr(filters, "section_role", None)
        level = getattr(filters, "level", None) or "乡镇"
        chosen = [(i, r, t) for i, (r, t) in enumerate(CANNED_PASSAGES) if role is None or r == role]
        return [
            SearchResult(
                chunk_id=f"c{i}", doc_id=f"d{i}", doc_title=f"某某镇政协{2020 + i % 4}年工作计划", source=f"canned{i}.txt",
                text=text, score=1.0 - n / 100, level=level, year=2020 + i % 4, kind="计划", section_role=r,
                heading_path=[], span=(0, len(text)), family_id=f"f{i}", doc_family_id=f"df{i}", foreign_names=["某某镇"],
            )
            for n, (i, r, text) in enumerate(chosen[:k])
        ]


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


SECTION_PAUSE = 0.35  # seconds between streamed sections, so progress can be watched and photographed


class PausingDrafter:
    """The real Drafter; each streamed section is held back a moment so the progress is observable."""

    def __init__(self, inner):
        self.inner = inner
        self.searcher = inner.searcher

    def plan(self, request):
        return self.inner.plan(request)

    def titles(self, request):
        return self.inner.titles(request)

    def title(self, request):
        return self.inner.title(request)

    def draft(self, request):
        return self.inner.draft(request)

    def schedule(self, request):
        return self.inner.schedule(request)

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
