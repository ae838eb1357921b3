"""Fixtures shared by every test area.

``sample_store_dir`` ingests the bundled sample corpus once per test session, through the
real ``plandraft ingest`` command, the real m3e-small embedder and an embedded Chroma, so
the slow part is paid once and every integration test reads the same real store.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# No warm start in tests (each app would load the real embedder in a thread); a test that
# wants it sets WARM_START in its app's config (tests/web/test_pages_messages.py).
os.environ.setdefault("PLANDRAFT_WARM_START", "off")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"


def plandraft_cli(args: list[str], data_dir: Path, **env) -> subprocess.CompletedProcess:
    """Run the real ``plandraft`` command (as a user would) against ``data_dir``."""
    environ = {**os.environ, "PLANDRAFT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "plandraft.cli", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="session")
def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def sample_ingest(tmp_path_factory):
    """The sample corpus ingested once with the real CLI: (data dir, the --json report)."""
    data_dir = tmp_path_factory.mktemp("sample-store")
    result = plandraft_cli(["ingest", str(SAMPLES), "--json"], data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    return data_dir, json.loads(result.stdout)


@pytest.fixture(scope="session")
def sample_store_dir(sample_ingest) -> Path:
    return sample_ingest[0]


@pytest.fixture(scope="session")
def sample_store(sample_store_dir):
    """A CorpusStore over the ingested samples (real embedder, embedded Chroma)."""
    yield from _opened_store(sample_store_dir)


def _opened_store(data_dir: Path):
    from plandraft import settings
    from plandraft.resources import open_store

    store = open_store(settings.load({"DATA_DIR": str(data_dir)}))
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_searcher(sample_store):
    from vectorstore.search import Searcher

    return Searcher(sample_store)


@pytest.fixture
def hashing_store(tmp_path):
    """A store with the fast fake embedder, for unit tests of ingest and search logic."""
    from vectorstore.embedder import HashingEmbedder
    from vectorstore.store import CorpusStore

    store = CorpusStore(tmp_path / "store", embedder=HashingEmbedder())
    yield store
    store.close()


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the session (tests/server_support.py), stopped and
    removed at the end.  CI must have it (`make postgres-deps`); elsewhere the tests skip without it."""
    from server_support import Cluster, postgres_bin

    bindir = postgres_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's PostgreSQL is not installed: `make postgres-deps` installs it")
        pytest.skip("Debian's PostgreSQL is not installed (`make postgres-deps`)")
    cluster = Cluster(bindir).start()
    yield cluster
    cluster.stop()


OWN_PLANS = ROOT / "tests" / "data" / "own_plans"


@pytest.fixture(scope="session")
def own_store_dir(tmp_path_factory, sample_store_dir) -> Path:
    """The sample store with a body's own plans added (tests/data/own_plans: 政协云屏市桐溪区委员会's
    plans of 2024 and 2025, written for the tests), through the real CLI and the real embedder."""
    import shutil
    import sqlite3

    data_dir = tmp_path_factory.mktemp("own-store") / "data"
    with sqlite3.connect(sample_store_dir / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy must hold every committed row
    shutil.copytree(sample_store_dir, data_dir, ignore=shutil.ignore_patterns("ingest.lock"))
    result = plandraft_cli(["ingest", str(OWN_PLANS)], data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    return data_dir


SCHEDULE_CORPUS = [ROOT / "tests" / "data" / "schedule", *(ROOT / "tests" / "data" / n for n in ("sample_activities.xlsx", "sample_table.docx", "sample_months.txt"))]


@pytest.fixture(scope="session")
def schedule_store_dir(tmp_path_factory, sample_store_dir) -> Path:
    """The sample store with month-by-month plans added (tests/data/schedule: plans of a district,
    a street, a township and an off-topic 社区 plan; the format samples with activities), through
    the real CLI and the real embedder: a corpus for the 活动安排表."""
    import shutil
    import sqlite3

    data_dir = tmp_path_factory.mktemp("schedule-store") / "data"
    with sqlite3.connect(sample_store_dir / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy must hold every committed row
    shutil.copytree(sample_store_dir, data_dir, ignore=shutil.ignore_patterns("ingest.lock"))
    result = plandraft_cli(["ingest", *map(str, SCHEDULE_CORPUS)], data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    return data_dir


@pytest.fixture(scope="session")
def own_store(own_store_dir):
    """A CorpusStore over ``own_store_dir`` (real embedder, embedded Chroma)."""
    yield from _opened_store(own_store_dir)
