"""The production profile under concurrent saves and a killed worker.

gunicorn with 4 gthread workers × 4 threads (``service.gunicorn_conf``, as `make serve-prod`),
PostgreSQL (a throwaway cluster) for users, drafts and versions, a `chroma run` server for the
vectors of the sample corpus (ingested with the real embedder through the real CLI).  Clients on
threads of this process save versions of a few shared drafts, each save made on the version the
client last saw, so they collide: the designed answer to a collision is 409 with the latest
version, on which the client saves again.

Each client records what the server acknowledged (201: draft, version number, the marker its
text carried).  Afterwards the database itself is read: every draft's numbers are 1..n with
none missing or twice, every acknowledged number holds the text that client sent (its marker
first appears in that version), and every version after the first carries exactly one new
marker (nothing was written that no client sent).
"""
from __future__ import annotations

import http.client
import random
import re
import shutil
import sqlite3
import threading
import time
from types import SimpleNamespace

import pytest

from server_support import Cluster, Gunicorn, api, chroma, chroma_cli, cli

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.postgres]

DRAFTS = 4
CLIENTS = 16
MARKER = re.compile(r"标记r\d+c\d+s\d+")
REQUEST = {"level": "乡镇", "year": 2026, "org_name": "杭川镇政协工作组", "parent_body": "某某县政协",
           "topics": ["乡村振兴"], "sections": ["指导思想", "学习", "民主监督"], "llm": False}


@pytest.fixture(scope="module")
def production(postgres: Cluster, tmp_path_factory, sample_store_dir):
    if chroma_cli() is None:
        pytest.skip("the chroma CLI (installed by the chromadb package) is not on this machine")
    root = tmp_path_factory.mktemp("production")
    database = postgres.create()
    # The session's sample store (real CLI, real m3e-small): its catalog, and its embedded
    # Chroma folder served by `chroma run` (the same on-disk format), so nothing is embedded twice.
    with sqlite3.connect(sample_store_dir / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy must hold every committed row
    shutil.copytree(sample_store_dir, root / "data", ignore=shutil.ignore_patterns("ingest.lock"))
    (root / "data" / "chroma").rename(root / "chroma")
    with chroma(root / "chroma") as chroma_url:
        env = {"PLANDRAFT_DATA_DIR": str(root / "data"), "PLANDRAFT_CHROMA_URL": chroma_url,
               "PLANDRAFT_DATABASE_URL": postgres.url(database), "PLANDRAFT_WARM_START": "on",
               "PLANDRAFT_LLM_BASE_URL": "http://127.0.0.1:9/v1"}
        cli(["users", "add", "saver", "--role", "staff"], env, stdin="prod-test-password\n")
        token = cli(["users", "token", "saver"], env).strip().split()[-1]
        server = Gunicorn(env, root / "gunicorn.log", workers=4, threads=4).start()
        try:
            drafts = []
            for _ in range(DRAFTS):
                status, body = api(server.url, token, "POST", "/api/drafts", REQUEST, timeout=300)
                assert status == 201, body
                drafts.append(body["id"])
            yield SimpleNamespace(server=server, token=token, drafts=drafts, cluster=postgres, database=database)
        finally:
            server.stop()


class Clients:
    """CLIENTS threads saving versions until ``stop`` is set; four clients per draft."""

    runs = 0  # both tests save on the same drafts: a run's markers must differ from the last run's

    def __init__(self, production):
        Clients.runs += 1
        self.run_id = Clients.runs
        self.p = production
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged: list[tuple[str, int, str]] = []  # (draft, number, marker)
        self.conflicts = 0
        self.cut: list[str] = []  # requests whose connection died (a killed worker's)
        self.errors: list[str] = []  # anything else

    def run(self, seconds: float, during=None) -> None:
        threads = [threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        if during is not None:
            during()
        time.sleep(seconds)
        self.stop.set()
        for t in threads:
            t.join(180)

    def _latest(self, draft: str) -> tuple[int, list[dict]]:
        while True:
            try:
                status, body = api(self.p.server.url, self.p.token, "GET", f"/api/drafts/{draft}")
            except (OSError, http.client.HTTPException) as exc:
                with self.lock:
                    self.cut.append(f"GET: {exc!r}")
                continue
            if status != 200:
                with self.lock:
                    self.errors.append(f"GET {status}: {body}")
                time.sleep(0.5)
                continue
            return body["version"]["number"], body["sections"]

    def _client(self, n: int) -> None:
        draft = self.p.drafts[n % DRAFTS]
        rng = random.Random(n)
        number, sections = self._latest(draft)
        k = 0
        while not self.stop.is_set():
            k += 1
            marker = f"标记r{self.run_id}c{n}s{k}"
            i = rng.randrange(len(sections))
            texts = [None] * len(sections)
            texts[i] = {"text": sections[i]["text"] + f"\n{marker}。"}
            try:
                status, body = api(self.p.server.url, self.p.token, "POST", f"/api/drafts/{draft}/versions",
                                   {"base_version": number, "sections": texts})
            except (OSError, http.client.HTTPException) as exc:  # the worker died under this save: not acknowledged, so nothing is owed
                with self.lock:
                    self.cut.append(f"POST: {exc!r}")
                number, sections = self._latest(draft)
                continue
            if status == 201:
                with self.lock:
                    self.acknowledged.append((draft, body["version"]["number"], marker))
                number, sections = body["version"]["number"], body["sections"]
            elif status == 409:
                with self.lock:
                    self.conflicts += 1
                number, sections = body["latest"]["version"]["number"], body["latest"]["sections"]
            else:
                with self.lock:
                    self.errors.append(f"POST {status}: {body}")
                number, sections = self._latest(draft)


def versions_in_database(p) -> dict[str, list[tuple[int, str]]]:
    """Each test draft's versions as stored: (number, the whole text), read with SQL."""
    rows = p.cluster.sql(
        "SELECT draft_id, number, content FROM draft_versions ORDER BY draft_id, number", database=p.database)
    out: dict[str, list[tuple[int, str]]] = {d: [] for d in p.drafts}
    for draft_id, number, content in rows:
        if draft_id in out:
            out[draft_id].append((number, "\n".join(s["text"] for s in content["sections"])))
    return out


def check_history(p, clients: Clients, *, every_request_answered: bool) -> dict[str, int]:
    stored = versions_in_database(p)
    acknowledged = {(d, n): m for d, n, m in clients.acknowledged}
    assert len(acknowledged) == len(clients.acknowledged), "a version number was acknowledged twice"
    for draft, versions in stored.items():
        numbers = [n for n, _ in versions]
        assert numbers == list(range(1, len(numbers) + 1)), f"{draft}: numbers not contiguous: {numbers}"
        seen: set[str] = set()
        for number, text in versions:
            markers = set(MARKER.findall(text))
            new = markers - seen
            if number > 1:
                assert len(new) == 1, f"{draft} v{number}: {len(new)} new markers (each save adds one)"
            if (draft, number) in acknowledged:
                assert new == {acknowledged[draft, number]}, f"{draft} v{number} does not hold the acknowledged text"
            seen = markers
        ours = {n for d, n in acknowledged if d == draft}
        assert ours <= set(numbers), f"{draft}: acknowledged versions missing: {sorted(ours - set(numbers))}"
        if every_request_answered:
            assert len(numbers) == 1 + len(ours), f"{draft}: {len(numbers) - 1 - len(ours)} versions nobody was told of"
    return {"versions": sum(len(v) for v in stored.values()), "acknowledged": len(acknowledged)}


def every_answer_is_warm(p, n: int = 24) -> bool:
    """/api/health from ``n`` fresh connections (spread over the workers): each says warm, since a
    worker accepts only after its warm start (service.gunicorn_conf.post_worker_init)."""
    answers = [api(p.server.url, p.token, "GET", "/api/health") for _ in range(n)]
    return all(status == 200 and body.get("warm") is True for status, body in answers)


def test_every_worker_is_warm_before_it_answers(production):
    assert every_answer_is_warm(production)


def test_concurrent_saves_lose_and_duplicate_nothing(production):
    clients = Clients(production)
    clients.run(20)
    assert clients.errors == [] and clients.cut == []
    counts = check_history(production, clients, every_request_answered=True)
    print(f"\nconcurrent saves: {counts}, 409s {clients.conflicts}")  # the figures docs/reliability.md quotes (pytest -s)
    assert counts["acknowledged"] >= CLIENTS, counts  # every client saved at least once on average
    assert clients.conflicts > 0  # the saves did collide, and the collisions were 409s


def test_a_worker_killed_mid_save_loses_nothing_acknowledged(production):
    server = production.server

    def kill_three_workers():
        def run():
            rng = random.Random(15)
            for _ in range(3):
                time.sleep(4)
                pids = server.worker_pids()
                if pids:
                    server.kill_worker(rng.choice(pids))

        threading.Thread(target=run, daemon=True).start()

    clients = Clients(production)
    clients.run(20, during=kill_three_workers)
    assert clients.errors == [], clients.errors[:5]
    assert clients.cut, "no request was cut: the kills hit no save in flight"
    counts = check_history(production, clients, every_request_answered=False)
    print(f"\nkilled workers: {counts}, 409s {clients.conflicts}, requests cut {len(clients.cut)}")
    # The master replaced the killed workers, and the service still answers.
    deadline = time.monotonic() + 300
    while len(server.worker_pids()) < 4 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(server.worker_pids()) == 4
    assert every_answer_is_warm(production)  # no worker answers cold, the replacements included
