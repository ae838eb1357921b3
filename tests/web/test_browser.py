"""The service in a real browser: Debian's chromium driven by Playwright (sync API) against the app
served on loopback (``live_server`` in conftest.py: the sample corpus embedded by the real model).

Screenshots of every page go to test-artifacts/screenshots/ (gitignored).
"""
from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")  # the browser itself is conftest's ``browser``, one per session
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True, base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    # A refused stale save is a page answered 409 on purpose; chromium logs every 4xx document.
    expected = "Failed to load resource: the server responded with a status of 409"
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith(expected) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    # A Content-Security-Policy violation or a script error shows up on the console.
    assert not errors, errors


def shot(page, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def log_in(page, name: str, password: str, screenshot: str | None = None) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.fill("#name", name)
    page.fill("#password", password)
    if screenshot:
        shot(page, screenshot)
    page.click("button:has-text('登录')")
    expect(page.locator(".username")).to_have_text(name)


def fill_request(page, *, level: str, org: str, parent: str, topics: str, llm: bool = False, base_plan: str | None = None) -> None:
    page.goto("/drafts/new")
    page.select_option("#level", level)
    page.fill("#year", "2026")
    page.fill("#org_name", org)
    page.fill("#parent_body", parent)
    page.fill("#topics", topics)
    if base_plan is not None:
        page.select_option("#base_plan", base_plan)
    if llm:
        page.check("#llm")


def test_staff_drafts_edits_saves_restores_and_exports(page, h, tmp_path):
    log_in(page, "sam", h.PASSWORD, screenshot="01-login")
    shot(page, "02-drafts-empty")
    fill_request(page, level="乡镇", org="杭川镇政协工作组", parent="某某县政协", topics="乡村振兴、民生实事")
    # The township outline is preselected; choosing it again keeps the usual nine sections.
    checked = page.locator('input[name="sections"]:checked')
    expect(checked).to_have_count(9)
    shot(page, "03-new-draft-form")

    # Record every value the progress counter shows while the draft streams in.
    page.evaluate(
        """() => { window.__progress = [];
          new MutationObserver(() => window.__progress.push(document.getElementById('progress-count').textContent))
            .observe(document.getElementById('progress-count'), {childList: true, characterData: true, subtree: true}); }"""
    )
    page.click("#generate-button")
    expect(page.locator("#draft-progress")).to_be_visible()
    page.wait_for_function("() => document.getElementById('progress-bar').value >= 3")
    shot(page, "04-draft-streaming", full=False)
    assert page.locator("#draft-output .draft-section").count() < 9
    expect(page.locator("#progress-done")).to_be_visible(timeout=60_000)
    expect(page.locator("#progress-count")).to_have_text("9/9")
    expect(page.locator("#draft-output .draft-section")).to_have_count(9)
    seen = page.evaluate("window.__progress")
    assert [s for s in seen if s.endswith("/9")] == [f"{i}/9" for i in range(10)], seen
    assert page.locator("#progress-outline li.done").count() == 9
    shot(page, "05-draft-complete")

    # Open the draft and edit a section in place.
    page.click("#open-draft")
    expect(page.locator("#title")).to_have_value("杭川镇政协工作组2026年工作计划")
    expect(page.locator("textarea.section-text")).to_have_count(9)
    shot(page, "06-draft-editor")
    area = page.locator("#section-2")
    original = area.input_value()
    added = "（九）组织委员围绕杭川镇乡村振兴开展专题调研，形成高质量调研报告。"
    area.fill(original + "\n" + added)
    expect(page.locator("#dirty-flag")).to_be_visible()
    page.fill("#title", "杭川镇政协工作组2026年工作计划（征求意见稿）")
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第2版")
    expect(page.locator("#section-2")).to_have_value(original + "\n" + added)
    expect(page.locator(".version-list li")).to_have_count(2)
    shot(page, "07-draft-saved-v2")

    # Export the edited version as Word and read it back.
    with page.expect_download() as info:
        page.click("#export-docx")
    download = info.value
    assert download.suggested_filename == "杭川镇政协工作组2026年工作计划（征求意见稿）（第2版）.docx"
    path = tmp_path / "draft.docx"
    download.save_as(path)
    paragraphs = [p.text for p in docx.Document(path).paragraphs if p.text]
    assert paragraphs[0] == "杭川镇政协工作组2026年工作计划（征求意见稿）"
    headings = [p for p in paragraphs if re.match(r"^[一二三四五六七八九十]+、", p)]
    # Nine sections: the unnumbered preamble 总体要求, then 一、 to 八、.
    assert "总体要求" in paragraphs and len(headings) == 8 and headings[0].startswith("一、")
    assert added in paragraphs
    with page.expect_download() as info:
        page.click("#export-md")
    assert info.value.suggested_filename.endswith("（第2版）.md")

    # Look at version 1, then restore it: a third version with the old text.
    page.click(".version[data-version='1'] a:has-text('查看')")
    expect(page.locator(".flash-info").first).to_contain_text("正在查看第1版")
    assert added not in page.locator(".doc-card").inner_text()
    shot(page, "08-version-1")
    page.once("dialog", lambda d: d.accept())
    page.click("#restore-this")
    expect(page.locator(".flash-success")).to_have_text("已将第1版恢复为第3版")
    expect(page.locator("#section-2")).to_have_value(original)
    expect(page.locator("#title")).to_have_value("杭川镇政协工作组2026年工作计划")
    notes = page.locator(".version-note").all_inner_texts()
    assert notes == ["恢复第1版", "编辑", "生成"]
    shot(page, "09-restored-v3")
    page.goto("/")
    expect(page.locator("#draft-list tbody tr")).to_have_count(1)
    shot(page, "10-my-drafts")


def test_editor_compares_sentences_with_sources_and_follows_every_warning(page, h):
    log_in(page, "eve", h.PASSWORD)
    # LLM mode against an unreachable server: every section falls back, with a warning.
    # The corpus holds 香山街道's own plans: "none" drafts afresh, so every section meets the LLM.
    fill_request(page, level="街道", org="香山街道政协工委", parent="某某区政协", topics="老旧小区改造", llm=True, base_plan="none")
    page.click("#generate-button")
    expect(page.locator("#progress-done")).to_be_visible(timeout=60_000)
    page.click("#open-draft")
    draft_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.click("#compare-link")
    expect(page.locator("h1")).to_contain_text("对照审核")
    shot(page, "11-compare-top", full=False)
    shot(page, "12-compare-full")

    draft = page.request.get(f"/api/drafts/{draft_id}").json()
    sentences = [s for sec in draft["sections"] for s in sec["sentences"]]
    rows = page.locator("tr.sentence")
    expect(rows).to_have_count(len(sentences))
    labels = {"verbatim": "照录", "adapted": "改写", "new": "新增"}
    for i, s in enumerate(sentences):
        row = rows.nth(i)
        expect(row.locator(".kind-badge")).to_have_text(labels[s["kind"]])
        if s["kind"] == "new":
            expect(row.locator(".source")).to_have_count(0)
        else:
            expect(row.locator(".source")).to_have_count(len(s["sources"]))
            expect(row.locator(".source-link").first).to_be_visible()
            if s["source_text"]:
                expect(row.locator(".passage mark").first).to_have_text(s["source_text"])
        if s["kind"] == "adapted" and s["text"] != s["source_text"]:
            assert row.locator(".sentence-text ins, .sentence-text del").count() > 0
    kinds = {w["kind"] for w in draft["warnings"]}
    assert "llm_fallback" in kinds and len(kinds) >= 3

    links = page.locator(".warning-link")
    expect(links).to_have_count(len(draft["warnings"]))
    for i in range(links.count()):
        link = links.nth(i)
        target = page.locator(f"#{link.get_attribute('data-target')}")
        link.click()
        expect(target).to_be_in_viewport()
        expect(target).to_have_class(re.compile(r"flash-target"))
        if i == 0:
            shot(page, "13-compare-warning-clicked", full=False)

    # The source link opens the document with the passage highlighted.
    first_source = page.locator(".source-link").first
    passage_text = first_source.locator("xpath=ancestor::div[contains(@class,'source')]").locator(".passage").inner_text()
    first_source.click()
    mark = page.locator("mark#passage")
    expect(mark).to_be_visible()
    expect(mark).to_be_in_viewport()
    assert mark.inner_text().strip() == passage_text.strip()
    shot(page, "14-document-passage", full=False)


def test_admin_uploads_sees_metadata_corrects_and_removes(page, h, live_server):
    log_in(page, "ada", h.PASSWORD)
    page.goto("/admin/documents")
    shot(page, "15-admin-documents")
    page.click("nav.tabs a:has-text('上传文件')")
    page.set_input_files("#files", [str(h.TEST_DATA / "sample_utf8.txt"), str(h.TEST_DATA / "sample.docx")])
    shot(page, "16-admin-upload")
    page.click("#upload-button")
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("#job-count")).to_have_text("2/2")
    expect(page.locator("#job-documents tbody tr").first).to_be_visible()
    assert "sample_utf8.txt" in page.locator("#job-documents").inner_text()
    shot(page, "17-admin-ingest-done")

    page.goto("/admin/documents?q=sample_utf8.txt")
    row = page.locator('tr[data-source-name="sample_utf8.txt"]').first
    expect(row).to_be_visible()
    level_before = row.locator(".col-level").inner_text()
    assert row.locator(".col-kind").inner_text() and row.locator(".col-year").inner_text() and row.locator(".col-topic").inner_text()
    shot(page, "18-admin-uploaded-listed")
    new_level, new_label = ("省", "省") if level_before != "省" else ("市", "市")
    row.locator(".edit-link").click()
    shot(page, "19-admin-correct-form")
    page.select_option("#level", new_level)
    page.click("#save-correction")
    expect(page.locator(".flash-success")).to_contain_text("层级")
    page.goto("/admin/documents?q=sample_utf8.txt")
    row = page.locator('tr[data-source-name="sample_utf8.txt"]').first
    expect(row.locator(".col-level")).to_have_text(new_label)
    expect(row.locator(".tag-fixed")).to_be_visible()
    shot(page, "20-admin-corrected")

    page.once("dialog", lambda d: d.accept())
    row.locator(".remove-file-button").click()
    expect(page.locator(".flash-success")).to_contain_text("sample_utf8.txt")
    page.goto("/admin/documents?q=sample_utf8.txt")
    expect(page.locator('tr[data-source-name="sample_utf8.txt"]')).to_have_count(0)
    uploads = Path(live_server.data_dir) / "uploads"
    assert all("sample" not in p.name for p in uploads.iterdir())  # stored under generated names
    assert len(list(uploads.iterdir())) == 1  # the removed upload is gone from disk; the docx stays
    shot(page, "21-admin-removed")

    for path, name in (("/admin/families", "22-admin-families"), ("/admin/off-topic", "23-admin-off-topic"), ("/admin/stats", "24-admin-stats")):
        page.goto(path)
        expect(page.locator("nav.tabs a.active")).to_be_visible()
        shot(page, name)


def test_a_stale_save_is_resolved_in_the_editor_and_the_merge_saved(page, h, live_server):
    """Sam opens version 1; Eve saves version 2 meanwhile; Sam's save is refused with his text kept,
    shown beside Eve's and merged; Sam edits the merge and saves it as version 3."""
    tokens = live_server.app.config["TEST_TOKENS"]
    request = {"level": "乡镇", "year": 2026, "org_name": "杭川镇政协工作组", "parent_body": "某某县政协", "sections": ["学习", "民主监督"]}
    draft = page.request.post("/api/drafts", data=request, headers=h.bearer(tokens["sam"])).json()
    log_in(page, "sam", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    original = page.locator("#section-1").input_value()
    first = draft["sections"][1]["sentences"][0]["text"]

    theirs = original.replace(first, first.rstrip("。") + "，每半年通报一次。", 1)
    saved = page.request.post(f"/api/drafts/{draft['id']}/versions", data={"base_version": 1, "sections": [None, {"text": theirs}]}, headers=h.bearer(tokens["eve"]))
    assert saved.status == 201

    mine = original + "\n（九）组织委员开展“委员进村居”活动。"
    page.fill("#section-1", mine)
    page.click("#save-button")
    expect(page.locator("#conflict-banner")).to_contain_text("第2版")
    expect(page.locator("#mine-1")).to_have_value(mine)  # nothing Sam typed is lost
    expect(page.locator("#theirs-1")).to_have_value(theirs)
    merged = page.locator("#section-1")
    expect(merged).to_have_value(re.compile("每半年通报一次"))
    expect(merged).to_have_value(re.compile("委员进村居"))
    expect(page.locator("#dirty-flag")).to_be_visible()
    expect(page.locator("#mine-0")).to_have_count(0)  # the untouched section is not split
    shot(page, "25-conflict-mine-theirs-merged")

    # "用我的" copies Sam's text in; the merge is restored by hand, then edited further.
    proposal = merged.input_value()
    page.click("button.use-text[data-from='mine-1']")
    expect(merged).to_have_value(mine)
    resolved = proposal + "\n（十）每季度向委员通报一次工作进展。"
    merged.fill(resolved)
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第3版")
    expect(page.locator("#section-1")).to_have_value(resolved)
    expect(page.locator("#conflict-banner")).to_have_count(0)
    notes = page.locator(".version-note").all_inner_texts()
    assert notes == ["合并编辑", "编辑", "生成"]
    latest = page.request.get(f"/api/drafts/{draft['id']}", headers=h.bearer(tokens["sam"])).json()
    assert latest["version"]["number"] == 3 and latest["sections"][1]["text"] == resolved
    assert "每半年通报一次" in resolved and "委员进村居" in resolved
    shot(page, "26-conflict-merged-saved-v3")
