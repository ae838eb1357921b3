"""The corpus API: search, documents, corrections, removal, upload and re-ingest jobs, stats, OpenAPI."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from service import jobs

# Drafts, versions, conflicts and jobs live in the service's database: these run on PostgreSQL too.
pytestmark = pytest.mark.sqlite_and_postgres


@pytest.fixture
def as_user(app, tokens, h):
    def make(name):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[name]}"
        return client

    return make


def wait_for_job(app, client, body) -> dict:
    jobs.wait(app, body["job"]["id"], timeout=60)
    job = client.get(body["url"]).get_json()["job"]
    assert job["status"] == "done", job
    return job


def test_search_returns_ranked_passages_with_provenance(as_user):
    client = as_user("sam")
    results = client.get("/api/search", query_string={"q": "民主评议 提案督办", "level": "乡镇", "k": 4}).get_json()["results"]
    assert 0 < len(results) <= 4
    keys = {"chunk_id", "doc_id", "doc_title", "source", "text", "score", "level", "section_role", "heading_path"}
    assert all(keys <= set(r) for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert any("监督" in r["text"] or "评议" in r["text"] for r in results)


@pytest.mark.parametrize("query,field", [({}, "q"), ({"q": " "}, "q"), ({"q": "学习", "k": "x"}, "k"), ({"q": "学习", "k": 0}, "k"), ({"q": "学习", "k": 500}, "k"), ({"q": "学习", "level": "村"}, "level")])
def test_search_validation_names_the_parameter(as_user, query, field):
    response = as_user("sam").get("/api/search", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"].startswith(f"{field}:")


def test_documents_list_with_metadata_and_filters(as_user, h):
    client = as_user("eve")
    docs = client.get("/api/documents").get_json()["documents"]
    assert len(docs) > 10
    keys = {"id", "source", "source_name", "title", "level", "year", "kind", "on_topic", "topic_reason", "family_id", "family_size"}
    assert all(keys <= set(d) for d in docs)
    assert {Path(d["source"]).name for d in docs} == {p.name for p in h.SAMPLES}
    off = client.get("/api/documents?on_topic=no").get_json()["documents"]
    assert off and all(not d["on_topic"] and d["topic_reason"] for d in off)
    level = docs[0]["level"]
    assert all(d["level"] == level for d in client.get("/api/documents", query_string={"level": level}).get_json()["documents"])
    family = next(d["family_id"] for d in docs if d["family_size"] > 1)
    members = client.get("/api/documents", query_string={"family": family}).get_json()["documents"]
    assert len(members) == next(d["family_size"] for d in docs if d["family_id"] == family)


def test_one_document_with_text_and_chunk_spans(as_user):
    client = as_user("eve")
    doc = client.get("/api/documents").get_json()["documents"][0]
    full = client.get(f"/api/documents/{doc['id']}").get_json()
    assert full["title"] == doc["title"] and full["text"]
    for chunk in full["chunks"]:
        start, end = chunk["span"]
        assert 0 <= start < end <= len(full["text"])
    assert client.get("/api/documents/nope").status_code == 404


def test_admin_corrects_metadata_and_it_sticks(app, as_user):
    admin = as_user("ada")
    doc = next(d for d in admin.get("/api/documents").get_json()["documents"] if d["on_topic"] and d["level"] != "市")
    response = admin.patch(f"/api/documents/{doc['id']}", json={"level": "市", "year": 2019, "on_topic": False, "kind": "要点"})
    assert response.status_code == 200
    body = response.get_json()
    assert sorted(body["changed"]) == sorted(f for f, v in {"level": "市", "year": 2019, "on_topic": False, "kind": "要点"}.items() if doc[f] != v)
    assert (body["document"]["level"], body["document"]["year"], body["document"]["on_topic"], body["document"]["kind"]) == ("市", 2019, False, "要点")
    again = admin.get(f"/api/documents/{doc['id']}").get_json()
    assert again["level"] == "市" and "level" in again["overrides"]
    # An off-topic correction takes the document out of drafting's reach.
    results = admin.get("/api/search", query_string={"q": doc["title"], "k": 50}).get_json()["results"]
    assert doc["id"] not in {r["doc_id"] for r in results}
    # Clearing the year is allowed; nonsense is refused with the field named.
    assert admin.patch(f"/api/documents/{doc['id']}", json={"year": None}).get_json()["document"]["year"] is None
    for bad, field in (({"level": "村"}, "level"), ({"year": "去年"}, "year"), ({"on_topic": "maybe"}, "on_topic"), ({"title": "x"}, "title"), ({}, "body")):
        response = admin.patch(f"/api/documents/{doc['id']}", json=bad)
        assert response.status_code == 400 and response.get_json()["error"].startswith(field), bad
    assert admin.patch("/api/documents/nope", json={"level": "市"}).status_code == 404


def test_admin_removes_a_documents_source(as_user):
    admin = as_user("ada")
    docs = admin.get("/api/documents").get_json()["documents"]
    victim = docs[0]
    siblings = [d for d in docs if d["source"] == victim["source"]]
    response = admin.delete(f"/api/documents/{victim['id']}/source")
    assert response.get_json() == {"source": victim["source"], "removed": len(siblings)}
    left = admin.get("/api/documents").get_json()["documents"]
    assert victim["source"] not in {d["source"] for d in left} and len(left) == len(docs) - len(siblings)
    assert admin.delete(f"/api/documents/{victim['id']}/source").status_code == 404


def test_upload_ingests_in_the_background_and_keeps_the_original_name(app, as_user, h):
    admin = as_user("ada")
    data = (h.TEST_DATA / "sample_utf8.txt").read_bytes()
    response = admin.post(
        "/api/ingest",
        data={"files": [(io.BytesIO(data), "../../乡镇政协2024年工作计划.txt"), (io.BytesIO((h.TEST_DATA / "sample.docx").read_bytes()), "街道政协 计划.docx")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.text
    body = response.get_json()
    assert body["job"]["total"] == 2 and body["job"]["kind"] == "upload"
    job = wait_for_job(app, admin, body)
    assert job["done"] == 2 and job["report"]["summary"]["errors"] == 0
    uploads = Path(app.config["DATA_DIR"]) / "uploads"
    stored = sorted(uploads.iterdir())
    assert len(stored) == 2
    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{12}\.(txt|docx)", p.name) for p in stored)
    docs = admin.get("/api/documents").get_json()["documents"]
    names = {d["source_name"] for d in docs if d["source"].startswith(str(uploads.resolve()))}
    assert names == {"乡镇政协2024年工作计划.txt", "街道政协 计划.docx"}
    assert {d["source_name"] for d in job["report"]["documents"]} == names
    # Removing an uploaded source deletes the file too, so a re-ingest cannot bring it back.
    victim = next(d for d in docs if d["source_name"] == "街道政协 计划.docx")
    admin.delete(f"/api/documents/{victim['id']}/source")
    assert len(list(uploads.iterdir())) == 1


def test_upload_refuses_unknown_types_oversized_and_empty_files(app, as_user, tmp_path):
    admin = as_user("ada")
    uploads = Path(app.config["DATA_DIR"]) / "uploads"

    def send(name, payload):
        return admin.post("/api/ingest", data={"files": [(io.BytesIO(payload), name)]}, content_type="multipart/form-data")

    assert send("evil.exe", b"MZ...").get_json()["error"].startswith("files:")
    assert send("empty.txt", b"").status_code == 400
    app.config["UPLOAD_MAX_MB"] = 1
    too_big = send("big.txt", "政协".encode() * 400_000)
    assert too_big.status_code == 413 and too_big.get_json()["error"].startswith("files:")
    assert admin.post("/api/ingest", data={}, content_type="multipart/form-data").status_code == 400
    assert not uploads.exists() or not list(uploads.iterdir())


def test_an_upload_that_fails_to_ingest_is_reported_and_not_kept(app, as_user, h):
    admin = as_user("ada")
    files = [(io.BytesIO((h.TEST_DATA / "sample_broken.pdf").read_bytes()), "损坏的计划.pdf"), (io.BytesIO((h.TEST_DATA / "sample.md").read_bytes()), "好的计划.md")]
    body = admin.post("/api/ingest", data={"files": files}, content_type="multipart/form-data").get_json()
    jobs.wait(app, body["job"]["id"], timeout=60)
    job = admin.get(body["url"]).get_json()["job"]
    assert job["status"] == "done" and job["done"] == 2
    assert [e["source_name"] for e in job["report"]["errors"]] == ["损坏的计划.pdf"]
    assert {d["source_name"] for d in job["report"]["documents"]} == {"好的计划.md"}
    uploads = Path(app.config["DATA_DIR"]) / "uploads"
    assert [p.suffix for p in uploads.iterdir()] == [".md"]


def test_reingest_job_reports_unchanged_files(app, as_user):
    admin = as_user("ada")
    response = admin.post("/api/ingest", json={"reingest": True})
    assert response.status_code == 202
    job = wait_for_job(app, admin, response.get_json())
    assert job["kind"] == "reingest" and job["total"] == 4
    assert job["report"]["summary"]["unchanged_files"] == 4
    assert admin.post("/api/ingest", json={"reingest": "yes"}).status_code == 400
    assert admin.get("/api/ingest/jobs/nope").status_code == 404


def test_one_ingest_at_a_time(app, as_user, monkeypatch):
    import threading

    gate = threading.Event()
    real = jobs.ingest_paths

    def slow(*a, **kw):
        gate.wait(10)
        return real(*a, **kw)

    monkeypatch.setattr(jobs, "ingest_paths", slow)
    admin = as_user("ada")
    first = admin.post("/api/ingest", json={"reingest": True}).get_json()
    second = admin.post("/api/ingest", json={"reingest": True})
    assert second.status_code == 409 and second.get_json()["status"] == 409
    running = admin.get(first["url"]).get_json()["job"]
    assert running["status"] in ("queued", "running")
    gate.set()
    wait_for_job(app, admin, first)


def test_one_ingest_at_a_time_across_workers(app, as_user, tokens, h, monkeypatch):
    """A second app on the same database stands for another gunicorn worker: while the first runs
    an ingest, the second refuses to start one (the job table is the shared truth, read under the
    database's write lock), and says so in the one error shape."""
    import threading

    from service import close

    gate = threading.Event()
    real = jobs.ingest_paths

    def slow(*a, **kw):
        gate.wait(10)
        return real(*a, **kw)

    monkeypatch.setattr(jobs, "ingest_paths", slow)
    other = h.make_app(app.config["DATA_DIR"], DATABASE_URL=app.config["DATABASE_URL"], TEST_TOKENS=tokens)
    try:
        admin = as_user("ada")
        first = admin.post("/api/ingest", json={"reingest": True}).get_json()
        refused = other.test_client().post("/api/ingest", json={"reingest": True}, headers=h.bearer(tokens["ada"]))
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["ok"] is False and "ingest is already running" in refused.get_json()["error"]
    finally:
        gate.set()
        close(other)
    wait_for_job(app, admin, first)


def test_stats_and_families(as_user):
    admin = as_user("ada")
    stats = admin.get("/api/stats").get_json()
    assert stats["sources"] == 4 and stats["documents"] > 10 and stats["chunks"] >= stats["documents"]
    assert stats["off_topic_documents"] == stats["documents"] - stats["on_topic_documents"]
    families = admin.get("/api/families").get_json()["families"]
    assert len(families) == stats["document_families"]
    assert all(len(f["documents"]) > 1 for f in families)


def test_openapi_describes_every_api_route(app, as_user):
    spec = as_user("sam").get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {path}"
    documented = {p for p in spec["paths"]}
    routed = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert documented == routed
    assert spec["components"]["schemas"]["Error"]["required"] == ["ok", "error", "status"]


def test_a_job_whose_process_died_is_reported_failed_not_running(app, as_user):
    """A server killed mid-ingest leaves its job "running"; reading it settles it as failed."""
    import os
    import socket
    import subprocess

    from service.db import IngestJob, User, session_scope

    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs
    with app.app_context(), session_scope() as db:
        ada = db.query(User).filter_by(name="ada").one()
        for job_id, runner in (("orphan", f"{socket.gethostname()}:{gone.pid}"), ("alive", f"{socket.gethostname()}:{os.getppid()}")):
            db.add(IngestJob(id=job_id, kind="reingest", status="running", total=3, created_by=ada.id, runner=runner))
    admin = as_user("ada")
    job = admin.get("/api/ingest/jobs/orphan").get_json()["job"]
    assert job["status"] == "failed" and "ended" in job["error"] and job["finished_at"]
    page = admin.get("/admin/jobs/orphan").text
    assert "失败" in page and "任务未完成" in page
    # A job whose process still runs is left alone.
    assert admin.get("/api/ingest/jobs/alive").get_json()["job"]["status"] == "running"


def test_an_older_database_gets_the_new_job_column_and_keeps_its_rows(tmp_path):
    from sqlalchemy import create_engine, text

    from service.db import make_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    make_engine(url).dispose()
    old = create_engine(url)
    with old.begin() as conn:  # as the first release left it: no runner column, one job
        conn.execute(text("ALTER TABLE ingest_jobs DROP COLUMN runner"))
        conn.execute(text("INSERT INTO users (name, role, password_hash, created_at) VALUES ('ada', 'admin', 'x', '2026-01-01')"))
        conn.execute(text("INSERT INTO ingest_jobs (id, kind, status, total, done, current, error, created_by, created_at) "
                          "VALUES ('j1', 'upload', 'done', 1, 1, '', '', 1, '2026-01-01')"))
    old.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, status, runner FROM ingest_jobs")).all() == [("j1", "done", "")]
    engine.dispose()
