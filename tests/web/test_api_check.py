"""校对 in the service: POST /api/check, and the findings every saved version carries."""
from __future__ import annotations

import io

import docx
import pytest

from service import corpus_answers


@pytest.fixture
def client(canned_app, h):
    c = canned_app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = h.bearer(canned_app.config["TEST_TOKENS"]["sam"])["Authorization"]
    return c


def test_post_check_answers_the_findings_of_a_text(client):
    response = client.post("/api/check", json={"text": "截止目前，我镇政协已召开常委会。", "year": 2026, "level": "乡镇"})
    assert response.status_code == 200
    body = corpus_answers.CheckResult.model_validate(response.get_json())
    assert [(f.kind, f.text, f.fix, f.start) for f in body.findings] == [("usage", "截止", "截至", 0), ("level_word", "常委会", None, 12)]
    # Without a level, another level's words are not judged.
    plain = client.post("/api/check", json={"text": "截止目前，我镇政协已召开常委会。"}).get_json()
    assert [f["kind"] for f in plain["findings"]] == ["usage"]


def test_post_check_reads_an_uploaded_word_file(client):
    document = docx.Document()
    document.add_paragraph("杭川镇政协工作组工作计划")
    document.add_paragraph("深入学习党的十九大精神。")
    raw = io.BytesIO()
    document.save(raw)
    response = client.post("/api/check", data={"file": (io.BytesIO(raw.getvalue()), "plan.docx"), "year": "2026"},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    found = response.get_json()["findings"]
    assert "layout" in {f["kind"] for f in found}  # a blank python-docx file is no 公文
    (finding,) = [f for f in found if f["kind"] != "layout"]
    assert (finding["kind"], finding["text"], finding["paragraph"], finding["start"]) == ("outdated", "党的十九大", 1, 4)


def test_post_check_refuses_what_it_cannot_check_in_the_one_error_shape(client):
    for response, field in (
        (client.post("/api/check", json={"year": 2026}), "text"),
        (client.post("/api/check", json={"text": "x", "level": "村"}), "level"),
        (client.post("/api/check", data={"file": (io.BytesIO(b"%PDF"), "plan.pdf")}, content_type="multipart/form-data"), "file"),
        (client.post("/api/check", data={"file": (io.BytesIO(b"not a zip"), "plan.docx")}, content_type="multipart/form-data"), "file"),
    ):
        body = response.get_json()
        assert response.status_code == 400 and body["ok"] is False and body["status"] == 400
        assert body["error"].split(":", 1)[0] == field
    assert "plan.docx" in body["error"]


def _latest_content(app, draft_id):
    from service import history
    from service.db import DraftRecord, get_db

    with app.app_context():
        db = get_db()
        return history.latest(db, db.get(DraftRecord, draft_id)).content


def test_every_saved_version_carries_its_findings_and_a_dismissed_one_stays_dismissed(canned_app, client, draft_request):
    draft = client.post("/api/drafts", json=draft_request).get_json()
    first = _latest_content(canned_app, draft["id"])
    assert isinstance(first["findings"], list) and first["dismissed"] == []
    assert all(f["section_index"] >= -1 for f in first["findings"])
    planted = draft["sections"][1]["text"] + "\n（九）继续探索民童监督的新思路。"
    texts = [None] * len(draft["sections"])
    texts[1] = {"text": planted}
    saved = client.post(f"/api/drafts/{draft['id']}/versions", json={"sections": texts, "base_version": 1})
    assert saved.status_code == 201, saved.get_json()
    content = _latest_content(canned_app, draft["id"])
    (typo,) = [f for f in content["findings"] if f["kind"] == "typo"]
    section_text = content["sections"][1]["text"]
    assert typo["section_index"] == 1 and section_text[typo["start"]: typo["end"]] == "民童监督" and typo["fix"] == "民主监督"

    from service import history, proofing
    from service.db import DraftRecord, User, get_db

    with canned_app.app_context():
        db = get_db()
        record = db.get(DraftRecord, draft["id"])
        sam = db.query(User).filter_by(name="sam").one()
        with pytest.raises(ValueError):
            proofing.dismiss(content, typo, " ", sam)
        kept = proofing.dismiss(content, typo, "原文如此", sam)
        history.add_version(db, record, kept, sam, "忽略校对意见")
    after = _latest_content(canned_app, draft["id"])
    assert not [f for f in after["findings"] if f["kind"] == "typo"]
    assert after["dismissed"][0] | {"at": None} == {"kind": "typo", "text": "民童监督", "section_index": 1, "reason": "原文如此", "user": "sam", "at": None}
    # A later edit elsewhere does not bring it back.
    texts = [None] * len(draft["sections"])
    texts[0] = {"text": draft["sections"][0]["text"] + "其它工作也要抓好。"}
    client.post(f"/api/drafts/{draft['id']}/versions", json={"sections": texts})
    later = _latest_content(canned_app, draft["id"])
    assert not [f for f in later["findings"] if f["kind"] == "typo"]
    assert [f["text"] for f in later["findings"] if f["kind"] == "usage" and f["section_index"] == 0] == ["其它"]
