"""The 落款 of a draft: made with it, edited through the form and the API, kept in versions,
printed in the Word file with the draft's identity; versions stored before it existed still work."""
from __future__ import annotations

import html
import io
from datetime import date

import docx
from sqlalchemy import select

from proofread.docx_text import read_docx
from service.db import DraftVersion, session_scope
from service.signature import beijing_date


def _signature_paragraphs(raw: bytes) -> list[str]:
    return [p.text for p in read_docx(raw).of_kind("signature")]


def test_a_new_draft_is_signed_by_its_body_today_and_the_file_knows_its_draft(login, draft_request):
    staff = login("sam")
    draft = staff.post_json("/api/drafts", draft_request).get_json()
    today = beijing_date().isoformat()
    assert draft["signature"] == {"body": "杭川镇政协工作组", "date": today}
    raw = staff.get(f"/drafts/{draft['id']}/export.docx").data
    d = date.fromisoformat(today)
    assert _signature_paragraphs(raw) == ["杭川镇政协工作组", f"{d.year}年{d.month}月{d.day}日"]
    text = read_docx(raw)
    assert (text.draft_id, text.version) == (draft["id"], 1)
    page = staff.get(f"/drafts/{draft['id']}").text
    assert 'name="signature_body" value="杭川镇政协工作组"' in page and f'name="signature_date" type="date" value="{today}"' in page


def test_the_form_saves_the_signature_as_a_new_version(login, draft_request):
    staff = login("sam")
    draft = staff.post_json("/api/drafts", draft_request).get_json()
    texts = {f"section-{i}": s["text"] for i, s in enumerate(draft["sections"])}
    form = {"base_version": "1", "title": draft["title"], **texts}
    unchanged = staff.form(f"/drafts/{draft['id']}", {**form, "signature_body": "杭川镇政协工作组", "signature_date": draft["signature"]["date"]})
    assert "没有改动，未生成新版本" in staff.get(unchanged.headers["Location"]).text
    saved = staff.form(f"/drafts/{draft['id']}", {**form, "signature_body": "杭川镇政协工作组办公室", "signature_date": "2026年1月5日"})
    assert saved.status_code == 302 and "已保存为第2版" in staff.get(saved.headers["Location"]).text
    latest = staff.get(f"/api/drafts/{draft['id']}").get_json()
    assert latest["signature"] == {"body": "杭川镇政协工作组办公室", "date": "2026-01-05"}
    raw = staff.get(f"/drafts/{draft['id']}/export.docx").data
    assert _signature_paragraphs(raw) == ["杭川镇政协工作组办公室", "2026年1月5日"]
    assert read_docx(raw).version == 2
    old = staff.get(f"/drafts/{draft['id']}/export.docx?version=1").data
    assert _signature_paragraphs(old)[0] == "杭川镇政协工作组" and read_docx(old).version == 1
    bad = staff.form(f"/drafts/{draft['id']}", {"base_version": "2", "title": draft["title"], **texts, "signature_body": "某", "signature_date": "明年元旦"})
    assert bad.status_code == 400 and "落款" in html.unescape(bad.text)
    assert 'value="明年元旦"' in bad.text  # what was typed is kept


def test_the_api_saves_the_signature(app, login, draft_request):
    staff = login("sam")
    draft = staff.post_json("/api/drafts", draft_request).get_json()
    nothing = [None] * len(draft["sections"])
    response = staff.post_json(f"/api/drafts/{draft['id']}/versions", {"base_version": 1, "sections": nothing, "signature": {"body": "某某县政协", "date": "2026-02-01"}})
    assert response.status_code == 201
    assert response.get_json()["signature"] == {"body": "某某县政协", "date": "2026-02-01"}
    refused = staff.post_json(f"/api/drafts/{draft['id']}/versions", {"sections": nothing, "signature": {"body": "x", "date": "2026-13-01"}})
    assert refused.status_code == 400 and refused.get_json()["error"].startswith("signature")


def test_a_version_stored_before_signatures_loads_exports_and_saves(app, login, draft_request):
    staff = login("sam")
    draft = staff.post_json("/api/drafts", draft_request).get_json()
    with app.app_context(), session_scope() as db:
        row = db.scalar(select(DraftVersion).where(DraftVersion.draft_id == draft["id"]))
        content = {k: v for k, v in row.content.items() if k != "signature"}
        row.content = content
        db.commit()
        made = beijing_date(row.draft.created_at)
    assert "signature" not in content
    page = staff.get(f"/drafts/{draft['id']}")
    assert page.status_code == 200 and 'value="杭川镇政协工作组"' in page.text
    assert staff.get(f"/api/drafts/{draft['id']}").get_json()["signature"] == {"body": "杭川镇政协工作组", "date": made.isoformat()}
    raw = staff.get(f"/drafts/{draft['id']}/export.docx").data
    assert _signature_paragraphs(raw)[-1] == f"{made.year}年{made.month}月{made.day}日"
    assert docx.Document(io.BytesIO(raw)).paragraphs[0].text == draft["title"]
    texts = {f"section-{i}": s["text"] for i, s in enumerate(draft["sections"])}
    same = staff.form(f"/drafts/{draft['id']}", {"base_version": "1", "title": draft["title"], **texts, "signature_body": "杭川镇政协工作组", "signature_date": made.isoformat()})
    assert "没有改动，未生成新版本" in staff.get(same.headers["Location"]).text  # the default sent back is no change
