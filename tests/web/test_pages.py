"""The HTML pages: each renders for its role, escapes what it shows, carries no inline script,
and the plain form flows (no JavaScript) work: draft, save, restore, correct, remove, upload."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from service import jobs

_TAG = re.compile(r"<[a-zA-Z][^>]*>")


def assert_no_inline_code(html: str) -> None:
    """What the Content-Security-Policy would block: inline scripts, handlers, style attributes."""
    for tag in _TAG.findall(html):
        assert not re.match(r"<script\b", tag) or " src=" in tag, tag
        assert not re.search(r"\son[a-z]+\s*=", tag), tag
        assert not re.search(r"\sstyle\s*=", tag), tag
        assert "javascript:" not in tag, tag
    assert "<style" not in html


@pytest.fixture
def drafted(login, draft_request):
    staff = login("sam")
    draft = staff.post_json("/api/drafts", draft_request).get_json()
    return staff, draft


def test_every_page_renders_in_chinese_without_inline_code(app, login, drafted):
    staff, draft = drafted
    editor, admin = login("eve"), login("ada")
    source = draft["sections"][0]["sources"][0]
    job = admin.post_json("/api/ingest", {"reingest": True}).get_json()["job"]
    jobs.wait(app, job["id"], 60)
    pages = [
        (app.test_client(), "/login", "登录"),
        (staff, "/", "我的草稿"),
        (staff, "/drafts/new", "新建工作计划草稿"),
        (staff, f"/drafts/{draft['id']}", "保存为新版本"),
        (editor, f"/drafts/{draft['id']}/compare", "对照审核"),
        (editor, f"/documents/{source['doc_id']}?chunk={source['chunk_id']}", "高亮部分"),
        (admin, "/admin/documents", "文档列表"),
        (admin, "/admin/upload", "上传往年计划"),
        (admin, "/admin/families", "相似文档"),
        (admin, "/admin/off-topic", "非政协文档"),
        (admin, "/admin/stats", "来源文件"),
        (admin, f"/admin/jobs/{job['id']}", "重新入库"),
        (admin, f"/admin/documents/{source['doc_id']}/edit", "更正元数据"),
    ]
    for client, path, marker in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert marker in response.text, path
        assert '<html lang="zh-CN">' in response.text
        assert_no_inline_code(response.text)


def test_everything_shown_is_escaped(login, draft_request):
    staff, editor = login("sam"), login("eve")
    nasty = '<script>alert(1)</script>镇政协'
    draft = staff.post_json("/api/drafts", {**draft_request, "org_name": nasty, "topics": ["<b>x</b>"]}).get_json()
    staff.post_json(f"/api/drafts/{draft['id']}/versions", {"sections": [{"text": "（一）<img src=x onerror=alert(1)>要落实。"}, None, None, None]})
    for client, path in ((staff, "/"), (staff, f"/drafts/{draft['id']}"), (staff, f"/drafts/{draft['id']}/versions/1"), (editor, f"/drafts/{draft['id']}/compare")):
        html = client.get(path).text
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<b>x</b>" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in editor.get(f"/drafts/{draft['id']}/compare").text


def test_new_draft_form_works_without_javascript(login):
    staff = login("sam")
    # The corpus holds plans of 香山街道's own: "none" drafts afresh rather than carrying one forward.
    response = staff.form("/drafts/new", {"level": "街道", "year": "2026", "org_name": "香山街道政协工委", "topics": "老旧小区改造、民生实事", "sections": ["指导思想", "政治协商"],
                                          "base_plan": "none"})
    assert response.status_code == 302
    page = staff.get(response.headers["Location"])
    # 指导思想 opens the plan as its unnumbered preamble (总体要求); 政治协商 is 一、.
    assert "香山街道政协工委2026年工作计划" in page.text and "总体要求" in page.text and "一、深化协商议事" in page.text
    bad = staff.form("/drafts/new", {"level": "街道", "year": "2026", "org_name": ""})
    assert bad.status_code == 400 and "单位名称：必填（例如 香山街道政协工委）" in bad.text and 'class="invalid"' in bad.text
    bad = staff.form("/drafts/new", {"level": "街道", "year": "1999", "org_name": "香山街道政协工委"})
    assert bad.status_code == 400 and "年份：须在2000至2100之间" in bad.text


def test_edit_save_and_restore_through_forms(login, drafted):
    staff, draft = drafted
    page = staff.get(f"/drafts/{draft['id']}").text
    for i, section in enumerate(draft["sections"]):
        assert f'name="section-{i}"' in page
    texts = {f"section-{i}": s["text"] for i, s in enumerate(draft["sections"])}
    same = staff.form(f"/drafts/{draft['id']}", {"base_version": "1", "title": draft["title"], **texts})
    assert "没有改动，未生成新版本" in staff.get(same.headers["Location"]).text
    texts["section-2"] = texts["section-2"] + "\n（九）认真完成镇党委交办的其他工作。"
    saved = staff.form(f"/drafts/{draft['id']}", {"base_version": "1", "title": draft["title"], **texts})
    assert saved.status_code == 302
    page = staff.get(f"/drafts/{draft['id']}").text
    assert "已保存为第2版" in page and "认真完成镇党委交办的其他工作" in page and "第2版" in page
    old = staff.get(f"/drafts/{draft['id']}/versions/1").text
    assert "认真完成镇党委交办的其他工作" not in old and "恢复此版本" in old
    restored = staff.form(f"/drafts/{draft['id']}/versions/1/restore", {})
    assert restored.status_code == 302
    page = staff.get(f"/drafts/{draft['id']}").text
    assert "已将第1版恢复为第3版" in page and "认真完成镇党委交办的其他工作" not in page
    docx = staff.get(f"/drafts/{draft['id']}/export.docx?version=2")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"


def test_compare_page_shows_sources_diffs_and_linked_warnings(login, drafted):
    _, draft = drafted
    html = login("eve").get(f"/drafts/{draft['id']}/compare").text
    for section in draft["sections"]:
        for source in section["sources"]:
            assert f"/documents/{source['doc_id']}?chunk={source['chunk_id']}#passage" in html
    kinds = [s["kind"] for sec in draft["sections"] for s in sec["sentences"]]
    assert html.count('<tr class="sentence') == len(kinds)
    if "adapted" in kinds:
        assert "<ins>" in html or "<del>" in html
    assert html.count('class="warning-link"') == len(draft["warnings"])
    for anchor in re.findall(r'class="warning-link" href="#([^"]+)"', html):
        assert f'id="{anchor}"' in html


def test_document_page_highlights_the_passage(app, login, drafted):
    _, draft = drafted
    source = draft["sections"][1]["sources"][0]
    html = login("eve").get(f"/documents/{source['doc_id']}?chunk={source['chunk_id']}").text
    m = re.search(r'<mark id="passage" class="passage">(.*?)</mark>', html, re.S)
    assert m
    from markupsafe import escape

    assert m.group(1) == str(escape(source["text"]))
    missing = login("eve").get(f"/documents/{source['doc_id']}?chunk=gone")
    assert "已不在语料库中" in missing.text


def test_admin_corrects_and_removes_through_forms(app, login):
    admin = login("ada")
    html = admin.get("/admin/documents").text
    doc_id = re.search(r'data-doc-id="([^"]+)"', html).group(1)
    response = admin.form(f"/admin/documents/{doc_id}/edit", {"level": "省", "kind": "计划", "year": "2020", "on_topic": "1"})
    assert response.status_code == 302
    listing = admin.get("/admin/documents?level=省").text
    assert f'data-doc-id="{doc_id}"' in listing and "已更正" in listing
    bad = admin.form(f"/admin/documents/{doc_id}/edit", {"level": "省", "kind": "计划", "year": "去年", "on_topic": "1"})
    # The form names the field in its own words.
    assert bad.status_code == 400 and "年份：须为数字（例如 2023）" in bad.text and "保存更正" in bad.text
    removed = admin.form(f"/admin/documents/{doc_id}/remove", {})
    assert removed.status_code == 302
    assert "已移除文档" in admin.get("/admin/documents").text
    assert f'data-doc-id="{doc_id}"' not in admin.get("/admin/documents").text


def test_admin_uploads_through_the_form(app, login, h):
    admin = login("ada")
    response = admin.client.post(
        "/admin/upload",
        data={"csrf_token": admin.csrf, "files": [(io.BytesIO((h.TEST_DATA / "sample_utf8.txt").read_bytes()), "镇政协计划.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("job=", 1)[-1]  # the upload page, showing the job
    jobs.wait(app, job_id, 60)
    assert 'data-url="/api/ingest/jobs/' in admin.get(response.headers["Location"]).text
    assert "镇政协计划.txt" in admin.get("/admin/documents").text
    assert "镇政协计划.txt" in admin.get("/admin/upload").text
    assert all(p.parent == Path(app.config["DATA_DIR"]) / "uploads" for p in (Path(app.config["DATA_DIR"]) / "uploads").iterdir())


def test_admin_filters_and_family_pages(login):
    admin = login("ada")
    off = admin.get("/admin/documents?on_topic=no").text
    assert off.count("data-doc-id=") >= 1 and 'class="off-topic"' in off
    assert admin.get("/admin/off-topic").text.count("data-doc-id=") == off.count("data-doc-id=")
    families = admin.get("/admin/families").text
    family_id = re.search(r'/admin/documents\?family=([0-9a-f]+)', families).group(1)
    members = admin.get(f"/admin/documents?family={family_id}").text
    assert members.count("data-doc-id=") > 1
