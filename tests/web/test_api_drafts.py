"""The drafting API: create (whole or streamed), read, versions, restore, export, compare."""
from __future__ import annotations

import io
import json

import docx
import pytest

from drafting.model import SENTENCE_KINDS, WARNING_KINDS

# Drafts, versions, conflicts and jobs live in the service's database: these run on PostgreSQL too.
pytestmark = pytest.mark.sqlite_and_postgres


@pytest.fixture
def api(app, tokens, h):
    """A token-authenticated JSON client for one user."""

    class Api:
        def __init__(self, name):
            self.client = app.test_client()
            self.headers = h.bearer(tokens[name])

        def get(self, url, **kw):
            return self.client.get(url, headers=self.headers, **kw)

        def post(self, url, body=None, **kw):
            return self.client.post(url, json=body, headers=self.headers, **kw)

    return Api


def test_post_drafts_returns_a_cited_draft(app, api, draft_request):
    response = api("sam").post("/api/drafts", draft_request)
    assert response.status_code == 201
    draft = response.get_json()
    assert response.headers["Location"] == f"/api/drafts/{draft['id']}"
    assert draft["title"] == "杭川镇政协工作组2026年工作计划"
    assert [s["role"] for s in draft["sections"]] == draft_request["sections"]
    assert draft["version"]["number"] == 1 and draft["version"]["author"] == "sam"
    from service import get_store

    with app.app_context():
        store = get_store()
        for section in draft["sections"]:
            assert section["title"] and section["text"]
            assert {"role", "title", "text", "sentences", "sources", "warnings"} <= set(section)
            for source in section["sources"]:
                assert {"chunk_id", "doc_id", "doc_title", "source", "score"} <= set(source)
                assert store.chunks(ids=[source["chunk_id"]]), "a cited chunk must exist in the store"
            for sentence in section["sentences"]:
                assert sentence["kind"] in SENTENCE_KINDS and sentence["text"]
                cited = {s["chunk_id"] for s in section["sources"]}
                assert {s["chunk_id"] for s in sentence["sources"]} <= cited
    assert all(w["kind"] in WARNING_KINDS for w in draft["warnings"])
    assert sum(len(s["warnings"]) for s in draft["sections"]) == len(draft["warnings"])
    assert all(isinstance(w["section_index"], int) for w in draft["warnings"])
    # The draft is stored: reading it back gives the same content.
    again = api("sam").get(f"/api/drafts/{draft['id']}").get_json()
    assert again["sections"] == draft["sections"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"level": "村"}, "level"),
        ({"level": None}, "level"),
        ({"year": "明年"}, "year"),
        ({"year": 1999}, "year"),
        ({"org_name": ""}, "org_name"),
        ({"org_name": "长" * 61}, "org_name"),
        ({"topics": {"a": 1}}, "topics"),
        ({"topics": ["很长" * 20]}, "topics"),
        ({"sections": ["吃饭"]}, "sections"),
        ({"target_chars": 10}, "target_chars"),
    ],
)
def test_validation_errors_name_the_field(api, draft_request, change, field):
    response = api("sam").post("/api/drafts", {**draft_request, **change})
    assert response.status_code == 400
    body = response.get_json()
    assert body == {"ok": False, "error": body["error"], "status": 400}
    assert body["error"].startswith(f"{field}:")


def test_a_body_that_is_not_a_json_object_is_refused(app, tokens, h):
    client, auth = app.test_client(), h.bearer(tokens["sam"])
    for data, ctype in (("not json", "application/json"), ("[1, 2]", "application/json"), ("level=乡镇", "application/x-www-form-urlencoded")):
        response = client.post("/api/drafts", data=data, content_type=ctype, headers=auth)
        assert response.status_code == 400 and response.get_json()["error"].startswith("body:")


def test_stream_sends_plan_then_each_section_then_done(api, draft_request):
    response = api("sam").post("/api/drafts/stream", draft_request)
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    events = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [e["event"] for e in events] == ["plan"] + ["section"] * 4 + ["done"]
    plan, sections, done = events[0], events[1:-1], events[-1]
    titles = [s["title"] for s in plan["sections"]]
    assert plan["total"] == 4 and titles[0] == "总体要求" and titles[1].startswith("一、")
    assert [e["done"] for e in sections] == [1, 2, 3, 4] and all(e["total"] == 4 for e in sections)
    assert [e["section"]["title"] for e in sections] == [s["title"] for s in plan["sections"]]
    assert done["url"] == f"/drafts/{done['id']}" and done["version"] == 1
    stored = api("sam").get(f"/api/drafts/{done['id']}").get_json()
    assert [s["text"] for s in stored["sections"]] == [e["section"]["text"] for e in sections]


def test_stream_validates_before_streaming(api, draft_request):
    response = api("sam").post("/api/drafts/stream", {**draft_request, "org_name": ""})
    assert response.status_code == 400 and response.get_json()["error"].startswith("org_name:")


def test_llm_unreachable_falls_back_with_a_warning_per_section(api, draft_request):
    draft = api("sam").post("/api/drafts", {**draft_request, "llm": True, "sections": ["学习", "民主监督"]}).get_json()
    fallbacks = [w for w in draft["warnings"] if w["kind"] == "llm_fallback"]
    assert len(fallbacks) == 2 and all(s["mode"] == "extractive" for s in draft["sections"])


def test_edit_makes_a_new_version_and_keeps_provenance(api, draft_request):
    sam = api("sam")
    draft = sam.post("/api/drafts", draft_request).get_json()
    section = draft["sections"][1]
    first = section["sentences"][0]["text"]
    edited_text = section["text"].replace(first, first.rstrip("。") + "，并形成学习心得。", 1) + "\n（九）本镇另行安排的全新工作内容要落到实处。"
    response = sam.post(f"/api/drafts/{draft['id']}/versions", {"base_version": 1, "title": "杭川镇政协工作组2026年工作要点", "sections": [None, {"text": edited_text}, None, None]})
    assert response.status_code == 201
    v2 = response.get_json()
    assert v2["version"]["number"] == 2 and v2["version"]["author"] == "sam" and v2["version"]["note"] == "编辑"
    assert v2["title"] == "杭川镇政协工作组2026年工作要点"
    revised = v2["sections"][1]
    assert revised["text"] == edited_text and revised["edited"] is True
    assert v2["sections"][0] == draft["sections"][0]
    changed = next(s for s in revised["sentences"] if s["text"].endswith("并形成学习心得。"))
    assert changed["kind"] == "adapted" and changed["sources"] == section["sentences"][0]["sources"]
    added = revised["sentences"][-1]
    assert added["kind"] == "new" and added["sources"] == [] and not added["text"].startswith("（九）")
    versions = sam.get(f"/api/drafts/{draft['id']}/versions").get_json()["versions"]
    assert [(v["number"], v["author"]) for v in versions] == [(1, "sam"), (2, "sam")]
    assert sam.get(f"/api/drafts/{draft['id']}/versions/1").get_json()["sections"] == draft["sections"]


def test_restore_creates_a_new_version_with_the_old_content(api, draft_request):
    sam, eve = api("sam"), api("eve")
    draft = sam.post("/api/drafts", draft_request).get_json()
    sam.post(f"/api/drafts/{draft['id']}/versions", {"sections": [{"text": "（一）全部重写。"}, None, None, None]})
    restored = eve.post(f"/api/drafts/{draft['id']}/versions/1/restore")
    assert restored.status_code == 201
    body = restored.get_json()
    assert body["version"]["number"] == 3 and body["version"]["author"] == "eve" and body["version"]["note"] == "恢复第1版"
    assert body["sections"] == draft["sections"]
    assert sam.get(f"/api/drafts/{draft['id']}").get_json()["version"]["number"] == 3
    assert sam.post(f"/api/drafts/{draft['id']}/versions/9/restore").status_code == 404


def test_bad_version_requests(api, draft_request):
    sam = api("sam")
    draft = sam.post("/api/drafts", draft_request).get_json()
    url = f"/api/drafts/{draft['id']}/versions"
    assert sam.post(url, {"sections": [None]}).get_json()["error"].startswith("sections:")
    assert sam.post(url, {"sections": "text"}).get_json()["error"].startswith("sections:")
    assert sam.post(url, {"sections": [1, None, None, None]}).get_json()["error"].startswith("sections[0]:")
    assert sam.post(url, {"sections": [None] * 4, "title": ""}).get_json()["error"].startswith("title:")
    assert sam.post(url, {"sections": [None] * 4, "base_version": 7}).status_code == 404
    assert sam.get(f"{url}/7").status_code == 404
    unchanged = sam.post(url, {"sections": [{"text": s["text"]} for s in draft["sections"]], "title": draft["title"]})
    assert unchanged.status_code == 200 and unchanged.get_json()["version"]["number"] == 1
    assert len(sam.get(url).get_json()["versions"]) == 1


def test_saving_a_version_is_atomic(app, api, draft_request):
    """A failure while writing a version leaves neither the row nor the draft's new title behind."""
    from service import history
    from service.db import DraftRecord, User, session_scope

    draft = api("sam").post("/api/drafts", draft_request).get_json()
    with app.app_context():
        with session_scope() as db:
            record = db.get(DraftRecord, draft["id"])
            user = db.get(User, record.owner_id)
            content = dict(history.latest(db, record).content, title="不应保存的标题")
            content["sections"] = [dict(content["sections"][0], text={"not", "json"})]  # fails at flush
            with pytest.raises(Exception):
                history.add_version(db, record, content, user, "编辑")
            db.rollback()
        with session_scope() as db:
            record = db.get(DraftRecord, draft["id"])
            assert [v.number for v in history.versions(db, record)] == [1]
            assert record.title == draft["title"]


def test_concurrent_saves_get_distinct_version_numbers(app, api, draft_request):
    """Saves without a base apply to the latest version: all are kept, with consecutive numbers.
    (Saves on one base are refused but the first: tests/web/test_conflicts.py.)"""
    import threading

    from service import history
    from service.db import DraftRecord, User, session_scope

    draft = api("sam").post("/api/drafts", draft_request).get_json()
    errors = []

    def save(i):
        try:
            with app.app_context(), session_scope() as db:
                record = db.get(DraftRecord, draft["id"])
                history.edit(db, record, db.get(User, record.owner_id), title=None, texts=[f"（一）第{i}次修改。", None, None, None], base=None)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    versions = api("sam").get(f"/api/drafts/{draft['id']}/versions").get_json()["versions"]
    assert sorted(v["number"] for v in versions) == [1, 2, 3, 4, 5]


def test_export_docx_and_markdown(api, draft_request):
    sam = api("sam")
    draft = sam.post("/api/drafts", draft_request).get_json()
    response = sam.get(f"/api/drafts/{draft['id']}/export.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == draft["title"]
    assert [s["title"] for s in draft["sections"]] == [t for t in texts if t[:2] in ("总体", "一、", "二、", "三、")]
    md = sam.get(f"/api/drafts/{draft['id']}/export.md")
    assert md.mimetype == "text/markdown"
    text = md.get_data(as_text=True)
    assert text.startswith(f"# {draft['title']}\n") and f"## {draft['sections'][0]['title']}" in text
    assert sam.get(f"/api/drafts/{draft['id']}/export.pdf").status_code == 404
    assert sam.get(f"/api/drafts/{draft['id']}/export.docx?version=5").status_code == 404


def test_compare_api_gives_sentences_sources_diffs_and_warnings(api, draft_request):
    draft = api("sam").post("/api/drafts", draft_request).get_json()
    data = api("eve").get(f"/api/drafts/{draft['id']}/compare").get_json()
    assert data["version"] == 1 and len(data["sections"]) == 4
    sentences = [s for sec in data["sections"] for s in sec["sentences"]]
    assert len(sentences) == sum(len(s["sentences"]) for s in draft["sections"])
    for s in sentences:
        assert s["kind_label"] in ("照录", "改写", "新增")
        if s["kind"] == "adapted":
            assert "<ins>" in s["diff_html"] or "<del>" in s["diff_html"]
        if s["kind"] != "new":
            assert s["sources"] and s["sources"][0]["doc_title"]
    assert len(data["warnings"]) == len(draft["warnings"])
    anchors = {sec["anchor"] for sec in data["sections"]} | {s["anchor"] for s in sentences}
    assert all(w["anchor"] in anchors for w in data["warnings"])


def test_list_drafts(api, draft_request):
    sam = api("sam")
    first = sam.post("/api/drafts", draft_request).get_json()
    second = sam.post("/api/drafts", {**draft_request, "year": 2027}).get_json()
    listed = sam.get("/api/drafts").get_json()["drafts"]
    assert [d["id"] for d in listed] == [second["id"], first["id"]]
    assert listed[0]["year"] == 2027 and listed[0]["owner"] == "sam"


def test_plandraft_check_finds_no_layout_fault_in_an_exported_draft(api, draft_request, tmp_path):
    """What staff download passes the same GB/T 9704 check a returned Word file gets (issue #12)."""
    from click.testing import CliRunner
    from docx.shared import Inches

    from plandraft.cli import main

    sam = api("sam")
    draft = sam.post("/api/drafts", draft_request).get_json()
    exported = tmp_path / "草稿.docx"
    exported.write_bytes(sam.get(f"/api/drafts/{draft['id']}/export.docx").data)
    result = CliRunner().invoke(main, ["check", str(exported), "--json", "--year", str(draft_request["year"])])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)["findings"]
    assert [f for f in findings if f["kind"] == "layout"] == []
    # the same file with its page setup spoiled is caught by the same command
    document = docx.Document(io.BytesIO(exported.read_bytes()))
    document.sections[0].page_width = Inches(8.5)
    spoiled = tmp_path / "改过.docx"
    document.save(spoiled)
    result = CliRunner().invoke(main, ["check", str(spoiled), "--json"])
    assert result.exit_code == 1
    assert [f["source"] for f in json.loads(result.stdout)["findings"] if f["kind"] == "layout"] == ["GB/T 9704—2012 5.1 幅面尺寸"]
