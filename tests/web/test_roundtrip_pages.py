"""The draft page's 校对 and Word forms through the test client: an exported file edited with
python-docx and uploaded (a new version, sentences tied to their sources, the planted typo found),
a file that is not ours refused or imported as a new draft, a fix applied in one click (and
refused when the words moved), a finding dismissed with its reason, the compare view's lists."""
from __future__ import annotations

import io
import re

import docx
import pytest

TYPO, FIXED = "民童监督", "民主监督"
ADDED = "（九）开展专项视察。围绕集镇环境整治组织委员开展一次专项视察。"


@pytest.fixture
def drafted(login, draft_request):
    sam = login("sam")
    return sam, sam.post_json("/api/drafts", draft_request).get_json()


def _exported(client, draft, version=None) -> docx.Document:
    url = f"/drafts/{draft['id']}/export.docx" + (f"?version={version}" if version else "")
    response = client.get(url)
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.data))


def _bytes(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _body_paragraphs(document):
    return [p for p in document.paragraphs if p.style.name in ("正文", "二级标题") and p.text.strip() and "。" in p.text]


def _edit(document) -> tuple[str, str]:
    """Change the first body paragraph (planting the typo), add one after it: (old, new) text."""
    target = _body_paragraphs(document)[0]
    old = target.text
    new = old.rstrip("。") + f"，继续探索{TYPO}的新思路。"
    for run in target.runs[1:]:
        run._element.getparent().remove(run._element)
    target.runs[0].text = new
    added = document.add_paragraph(ADDED)  # appended after the 落款 would end the sections: put it after the target
    target._p.addnext(added._p)
    added.style = document.styles["二级标题"]
    return old, new


def _upload(client, draft, raw: bytes, name="计划（修改）.docx", **form):
    return client.client.post(f"/drafts/{draft['id']}/word", data={"csrf_token": client.csrf, "file": (io.BytesIO(raw), name), **form},
                              content_type="multipart/form-data")


def _latest(client, draft) -> dict:
    return client.get(f"/api/drafts/{draft['id']}").get_json()


def _content(app, draft_id, number=None):
    from service import history
    from service.db import DraftRecord, session_scope

    with app.app_context(), session_scope() as db:
        record = db.get(DraftRecord, draft_id)
        v = history.version_or_latest(db, record, number)
        return v.number, v.note, v.content, record.owner.name


def test_an_edited_word_file_becomes_a_version_whose_sentences_keep_their_sources(app, drafted):
    sam, draft = drafted
    document = _exported(sam, draft)
    old, new = _edit(document)
    response = _upload(sam, draft, _bytes(document))
    assert response.status_code == 303
    page = sam.get(f"/drafts/{draft['id']}").text
    assert "已从 Word 导入，保存为第2版" in page
    number, note, content, _ = _content(app, draft["id"])
    assert (number, note) == (2, "从 Word 导入（基于第1版）")
    sentences = [s for section in content["sections"] for s in section["sentences"]]
    changed = next(s for s in sentences if TYPO in s["text"])
    was = next(s for section in _content(app, draft["id"], 1)[2]["sections"] for s in section["sentences"] if s["text"] in old and s["sources"])
    assert changed["edited"] is True and changed["sources"] == was["sources"] and changed["kind"] == "adapted"
    added = [s for s in sentences if s["text"] in ADDED]
    assert added and all(s["kind"] == "new" and not s["sources"] for s in added)
    typo = [f for f in content["findings"] if f["text"] == TYPO]
    assert typo and typo[0]["kind"] == "typo" and typo[0]["fix"] == FIXED
    # The editor lists it with its one-click fix; the compare view lists it under its section.
    assert f"改为“{FIXED}”" in page and 'data-text="民童监督"' in page
    compare = sam.get(f"/drafts/{draft['id']}/compare").text
    assert re.search(r'class="section-finding" data-kind="typo"><span[^>]*>错别字</span>“民童监督”', compare)
    assert "人工修改" in compare and "新增" in compare


def test_one_click_applies_the_fix_as_a_new_version_and_refuses_when_the_words_moved(app, drafted):
    sam, draft = drafted
    document = _exported(sam, draft)
    _edit(document)
    _upload(sam, draft, _bytes(document))
    _, _, content, _ = _content(app, draft["id"])
    typo = next(f for f in content["findings"] if f["text"] == TYPO)
    form = {"kind": typo["kind"], "text": typo["text"], "section_index": typo["section_index"]}
    moved = sam.form(f"/drafts/{draft['id']}/findings/fix", {**form, "start": typo["start"] + 1}, follow_redirects=True)
    assert "未修改" in moved.text and _content(app, draft["id"])[0] == 2
    response = sam.form(f"/drafts/{draft['id']}/findings/fix", {**form, "start": typo["start"]})
    assert response.status_code == 303
    number, note, content, _ = _content(app, draft["id"])
    assert number == 3 and note == f"编辑：校对：“{TYPO}”改为“{FIXED}”"
    text = content["sections"][typo["section_index"]]["text"]
    assert TYPO not in text and f"继续探索{FIXED}的新思路" in text
    assert not [f for f in content["findings"] if f["text"] == TYPO]
    again = sam.form(f"/drafts/{draft['id']}/findings/fix", {**form, "start": typo["start"]}, follow_redirects=True)
    assert "未修改：原文此处已不是“民童监督”" in again.text and _content(app, draft["id"])[0] == 3


def test_a_finding_is_dismissed_with_a_reason_kept_with_the_version(app, drafted):
    sam, draft = drafted
    document = _exported(sam, draft)
    _edit(document)
    _upload(sam, draft, _bytes(document))
    typo = next(f for f in _content(app, draft["id"])[2]["findings"] if f["text"] == TYPO)
    form = {"kind": typo["kind"], "text": typo["text"], "section_index": typo["section_index"], "start": typo["start"]}
    refused = sam.form(f"/drafts/{draft['id']}/findings/dismiss", {**form, "reason": "  "}, follow_redirects=True)
    assert "请填写忽略的理由" in refused.text and _content(app, draft["id"])[0] == 2
    sam.form(f"/drafts/{draft['id']}/findings/dismiss", {**form, "reason": "引用原文，保留原样"})
    number, note, content, _ = _content(app, draft["id"])
    assert (number, note) == (3, "忽略校对提示")
    assert [(d["text"], d["reason"], d["user"]) for d in content["dismissed"]] == [(TYPO, "引用原文，保留原样", "sam")]
    assert not [f for f in content["findings"] if f["text"] == TYPO]


def test_a_file_older_than_the_latest_is_imported_on_top_and_the_note_says_so(app, drafted):
    sam, draft = drafted
    document = _exported(sam, draft)
    _edit(document)
    texts = [s["text"] for s in draft["sections"]]
    saved = sam.post_json(f"/api/drafts/{draft['id']}/versions", {"base_version": 1, "sections": [{"text": texts[0] + "\n另起一段。"}] + [None] * 3})
    assert saved.status_code == 201, saved.get_json()
    _upload(sam, draft, _bytes(document))
    number, note, content, _ = _content(app, draft["id"])
    assert (number, note) == (3, "从 Word 导入（基于第1版，其后已有第2版）")
    assert "另起一段。" not in content["sections"][0]["text"]  # the file's text, made from version 1


def test_a_file_that_is_not_ours_is_refused_or_imported_as_a_new_draft(app, drafted, login):
    sam, draft = drafted
    foreign = docx.Document()
    foreign.add_paragraph("某某镇政协2026年工作计划")
    foreign.add_paragraph("一、加强学习")
    foreign.add_paragraph("组织委员每月集中学习一次。")
    raw = _bytes(foreign)
    refused = _upload(sam, draft, raw, name="别处的计划.docx")
    assert refused.status_code == 303
    page = sam.get(f"/drafts/{draft['id']}").text
    assert "未导入：“别处的计划.docx”不是本系统导出的文件（没有草稿标识），不能作为本草稿的新版本" in page
    assert _content(app, draft["id"])[0] == 1
    sue = login("sue")
    other = sue.post_json("/api/drafts", dict(draft["request"], sections=["学习"])).get_json()
    theirs = _bytes(_exported(sue, other))
    _upload(sam, draft, theirs, name="他人的.docx")
    assert "是另一份草稿导出的" in sam.get(f"/drafts/{draft['id']}").text
    imported = _upload(sam, draft, raw, name="别处的计划.docx", as_new="1")
    assert imported.status_code == 303
    new_id = imported.headers["Location"].rsplit("/", 1)[-1]
    assert new_id != draft["id"]
    number, note, content, owner = _content(app, new_id)
    assert (number, owner, note) == (1, "sam", "从 Word 导入（别处的计划.docx）")
    assert content["title"] == "某某镇政协2026年工作计划"
    assert [s["title"] for s in content["sections"]] == ["一、加强学习"]
    assert {s["kind"] for s in content["sections"][0]["sentences"]} == {"new"}
    assert "已将“别处的计划.docx”导入为新草稿" in sam.get(f"/drafts/{new_id}").text
    assert _content(app, draft["id"])[0] == 1


def test_what_is_not_a_docx_is_refused_with_a_message(app, drafted):
    sam, draft = drafted
    _upload(sam, draft, b"plain text", name="notes.txt")
    assert "不是 .docx 文件" in sam.get(f"/drafts/{draft['id']}").text
    _upload(sam, draft, b"not a zip", name="broken.docx")
    assert "不是可读取的 Word（.docx）文件" in sam.get(f"/drafts/{draft['id']}").text
    assert _content(app, draft["id"])[0] == 1


def test_a_paragraph_moved_in_word_to_another_section_is_shown_moved_with_its_source(app, drafted):
    sam, draft = drafted
    document = _exported(sam, draft)
    items = [p for p in document.paragraphs if p.style.name == "二级标题"]
    headings = [p for p in document.paragraphs if p.style.name == "一级标题"]
    moved = items[-1]  # the last section's last item, moved under the first heading
    headings[0]._p.addnext(moved._p)
    _upload(sam, draft, _bytes(document))
    number, _, content, _ = _content(app, draft["id"])
    assert number == 2
    first = content["sections"][0]
    arrived = [s for s in first["sentences"] if s.get("moved")]
    assert arrived and all(s["sources"] for s in arrived if s["kind"] != "new")
    compare = sam.get(f"/drafts/{draft['id']}/compare").text
    assert compare.count("从其他部分移来") == len(arrived)
    chunk = next(s for s in arrived if s["sources"])["sources"][0]["chunk_id"]
    assert chunk in {r["chunk_id"] for r in first["sources"]}


@pytest.mark.parametrize("verb", ["fix", "dismiss"])
def test_a_save_landing_in_between_is_tried_again_and_a_busy_draft_refused(app, drafted, monkeypatch, verb):
    """Someone else's save between reading the latest and writing: the form reads the latest
    again (and saves on it); after three such saves in a row it gives up, saying so."""
    from service import history

    sam, draft = drafted
    document = _exported(sam, draft)
    _edit(document)
    _upload(sam, draft, _bytes(document))
    typo = next(f for f in _content(app, draft["id"])[2]["findings"] if f["text"] == TYPO)
    form = {"kind": typo["kind"], "text": typo["text"], "section_index": typo["section_index"], "start": typo["start"],
            "reason": "引用原文"}
    name, lost = ("edit", history.Conflict) if verb == "fix" else ("add_version", history.Superseded)
    real = getattr(history, name)
    calls = []

    def interrupted(db, record, *args, **kwargs):
        calls.append(1)
        if len(calls) <= landing:
            if lost is history.Conflict:
                latest = history.latest(db, record)
                raise history.Conflict(record, latest, latest, {}, None)
            raise history.Superseded()
        return real(db, record, *args, **kwargs)

    monkeypatch.setattr(history, name, interrupted)
    landing = 3
    busy = sam.form(f"/drafts/{draft['id']}/findings/{verb}", form, follow_redirects=True)
    assert "草稿正被频繁修改，请稍后再试" in busy.text and _content(app, draft["id"])[0] == 2
    calls.clear()
    landing = 1
    sam.form(f"/drafts/{draft['id']}/findings/{verb}", form)
    assert len(calls) == 2 and _content(app, draft["id"])[0] == 3
