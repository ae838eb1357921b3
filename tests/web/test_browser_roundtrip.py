"""Issue #12's round trip in Debian's chromium (Playwright): a draft exported to Word through its
page, one paragraph changed (a typo from the confusion list planted in it) and one added with
python-docx, uploaded on the draft's page; the new version's compare view ties the changed
paragraph to its old source and marks the added one 新增; the typo is underlined in the editor,
its message shown, listed, and fixed by one click (a new version without it).  A file that is
not ours is refused with the message, and imported as a new draft when asked.  Underlines follow
typing.  Screenshots: test-artifacts/screenshots/roundtrip-*.png."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest

from test_browser import SHOTS, log_in, shot  # sibling module (pytest puts tests/web on the path)
from test_browser_editor import REQUEST, context, page  # noqa: F401  (fixtures: console errors fail the test)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

TYPO, FIXED = "民童监督", "民主监督"
ADDED = "（九）开展专项视察。围绕集镇环境整治组织委员开展一次专项视察。"


def _draft(page, live_server, h) -> dict:
    tokens = live_server.app.config["TEST_TOKENS"]
    response = page.request.post("/api/drafts", data=REQUEST, headers=h.bearer(tokens["sue"]))
    assert response.status == 201, response.text()
    return response.json()


def _download(page, tmp_path) -> Path:
    with page.expect_download() as info:
        page.click("#export-docx")
    path = tmp_path / "exported.docx"
    info.value.save_as(path)
    return path


def _edit_in_word(path: Path, out: Path) -> tuple[str, str]:
    """What a person does in Word, with python-docx: a body paragraph retyped with the typo in
    it, a new item added after it.  Returns the paragraph's old and new text."""
    document = docx.Document(path)
    target = next(p for p in document.paragraphs if p.style.name in ("正文", "二级标题") and "。" in p.text)
    old = target.text
    new = old.rstrip("。") + f"，继续探索{TYPO}的新思路。"
    for run in target.runs[1:]:
        run._element.getparent().remove(run._element)
    target.runs[0].text = new
    added = document.add_paragraph(ADDED)
    target._p.addnext(added._p)
    added.style = document.styles["二级标题"]
    document.save(out)
    return old, new


def test_an_edited_word_file_comes_back_with_its_sources_and_its_typo_is_fixed_in_one_click(page, live_server, h, tmp_path):
    draft = _draft(page, live_server, h)
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    edited = tmp_path / "计划（修改稿）.docx"
    old, new = _edit_in_word(_download(page, tmp_path), edited)

    page.set_input_files("#word-file", str(edited))
    shot(page, "roundtrip-01-upload-form")
    page.click("#word-upload")
    expect(page.locator(".flash-success")).to_contain_text("已从 Word 导入，保存为第2版（从 Word 导入（基于第1版））")
    expect(page.locator(".version-list li")).to_have_count(2)
    area = page.locator("textarea.edit-text", has_text=TYPO)
    expect(area).to_have_count(1)

    # Underlined in the mirror behind the text, under the typo's own words.
    mark = page.locator(".slot-mirror .finding-mark.finding-typo", has_text=TYPO)
    expect(mark).to_have_count(1)
    box, frame = mark.bounding_box(), area.bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"] + 1
    assert "wavy" in mark.evaluate("m => getComputedStyle(m).textDecorationStyle")
    # Its message on hover, and where the caret is.
    tip = area.locator("xpath=../following-sibling::p[contains(@class, 'finding-tip')]")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"“{TYPO}”")
    expect(tip).to_contain_text(f"建议改为“{FIXED}”")
    shot(page, "roundtrip-02-typo-underlined-hover", full=False)
    item = page.locator(".finding-item", has_text=TYPO)
    expect(item).to_have_count(1)
    item.locator(".finding-jump").click()
    assert page.evaluate("() => { const a = document.activeElement; return a.value.slice(a.selectionStart, a.selectionEnd); }") == TYPO
    expect(tip).to_contain_text("错")
    item.scroll_into_view_if_needed()
    shot(page, "roundtrip-03-findings-list")

    # The compare view: the changed paragraph tied to its old source, the added one new.
    page.click("#compare-link")
    changed = page.locator("tr.sentence", has_text="继续探索")
    expect(changed).to_have_count(1)
    expect(changed.locator(".kind-badge")).to_have_text("改写")
    expect(changed.locator(".tag", has_text="人工修改")).to_be_visible()
    expect(changed.locator(".source-cell .source")).not_to_have_count(0)
    expect(changed.locator(".sentence-text ins")).not_to_have_count(0)
    for sentence in ("开展专项视察。", "围绕集镇环境整治组织委员开展一次专项视察。"):
        row = page.locator("tr.sentence", has_text=sentence)
        expect(row.locator(".kind-badge")).to_have_text("新增")
        expect(row.locator(".source-cell")).to_contain_text("无来源")
    listed = page.locator(".section-finding[data-kind='typo']", has_text=TYPO)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(f"建议：{FIXED}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    changed.locator("xpath=ancestor::section[1]").screenshot(path=str(SHOTS / "roundtrip-04-compare-changed-and-new.png"))

    # One click on the fix: a third version without the typo.
    page.click("text=返回编辑")
    # With unsaved typing the fix asks first (it is made from the saved version); declined, nothing happens.
    page.fill("#version-note", "还没保存的说明")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.locator(".finding-item", has_text=TYPO).locator(".finding-fix").click()
    expect(page.locator("#version-note")).to_have_value("还没保存的说明")
    assert asked and "未保存的修改" in asked[0]
    expect(page.locator(".version-list li")).to_have_count(2)
    page.once("dialog", lambda d: d.accept())
    page.locator(".finding-item", has_text=TYPO).locator(".finding-fix").click()
    expect(page.locator(".flash-success")).to_contain_text(f"已将“{TYPO}”改为“{FIXED}”，保存为第3版")
    expect(page.locator(".version-list li")).to_have_count(3)
    expect(page.locator("textarea.edit-text", has_text=TYPO)).to_have_count(0)
    expect(page.locator("textarea.edit-text", has_text=f"继续探索{FIXED}的新思路")).to_have_count(1)
    expect(page.locator(".finding-mark", has_text=TYPO)).to_have_count(0)
    expect(page.locator(".finding-item", has_text=TYPO)).to_have_count(0)
    shot(page, "roundtrip-05-fixed-v3")


def test_underlines_follow_what_is_typed(page, live_server, h):
    draft = _draft(page, live_server, h)
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    area = page.locator("#section-1")
    expect(page.locator("#s1 .finding-mark")).to_have_count(0)
    area.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("为更好地覆行政协职能，对意见进行疏理。")
    # After the pause the section is checked again: both typos are underlined, unsaved.
    expect(page.locator("#s1 .finding-mark.finding-typo")).to_have_count(2)
    expect(page.locator("#s1 .finding-mark.finding-typo").first).to_have_text("覆行")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#s1 .finding-tip")).to_contain_text("“疏理”")
    shot(page, "roundtrip-06-typed-typos-underlined", full=False)
    page.keyboard.press("Control+A")
    page.keyboard.type("组织委员集中学习。")
    expect(page.locator("#s1 .finding-mark")).to_have_count(0)


def test_a_file_that_is_not_ours_is_refused_and_imported_as_a_new_draft_when_asked(page, live_server, h, tmp_path):
    draft = _draft(page, live_server, h)
    log_in(page, "sue", h.PASSWORD)
    foreign = docx.Document()
    for text in ("某某镇政协2026年工作要点", "一、加强学习", "组织委员每月集中学习一次。", "二、民主监督", "开展民主评议。"):
        foreign.add_paragraph(text)
    path = tmp_path / "别处的计划.docx"
    foreign.save(path)
    page.goto(f"/drafts/{draft['id']}")
    page.set_input_files("#word-file", str(path))
    page.click("#word-upload")
    refused = page.locator(".flash-error")
    expect(refused).to_contain_text("未导入：“别处的计划.docx”不是本系统导出的文件（没有草稿标识），不能作为本草稿的新版本")
    expect(refused).to_contain_text("请勾选“作为新草稿导入”")
    expect(page.locator(".version-list li")).to_have_count(1)
    shot(page, "roundtrip-07-foreign-refused", full=False)

    page.set_input_files("#word-file", str(path))
    page.check("#word-as-new")
    page.click("#word-upload")
    expect(page.locator(".flash-success")).to_contain_text("已将“别处的计划.docx”导入为新草稿《某某镇政协2026年工作要点》")
    assert draft["id"] not in page.url
    expect(page.locator("#title")).to_have_value("某某镇政协2026年工作要点")
    expect(page.locator(".section-title")).to_have_count(2)
    expect(page.locator(".version-list li")).to_have_count(1)
    shot(page, "roundtrip-08-foreign-as-new-draft")
    page.click("#compare-link")
    expect(page.locator("#compare-summary")).to_contain_text("照录 0 句")
    expect(page.locator("tr.sentence .kind-badge", has_text="新增")).to_have_count(2)
