"""What a person sees, in Debian's chromium: Chinese form errors whose mark goes with the fix,
Chinese 404 and 403 pages, a partial upload, the two admin removals, the search page, Beijing
time, and the editor's actions on screen on a 1280×720 laptop and a 768×1024 tablet.

Screenshots go to test-artifacts/screenshots/pages-*.png.  Everything a test adds to the shared
``live_server`` it removes again, so the other browser tests see the sample corpus as it was.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
SAMPLES = ROOT / "data" / "samples"

if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402


def _context(browser, live_server, width=1440, height=900):
    return browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN", base_url=live_server.url)


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(width, height)``: a page whose script errors and CSP violations fail the test
    (the console's note about a page answered 4xx on purpose is not one)."""
    contexts, errors = [], []

    def make(width=1440, height=900):
        context = _context(browser, live_server, width, height)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, errors


def shot(page, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"pages-{name}.png"), full_page=full)


def log_in(page, name: str, password: str) -> None:
    page.goto("/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button:has-text('登录')")
    expect(page.locator(".username")).to_have_text(name)


def api(page, live_server, name: str):
    """Playwright's request context with ``name``'s API token (no CSRF, no session)."""
    token = live_server.app.config["TEST_TOKENS"][name]
    return page.context.request, {"Authorization": f"Bearer {token}"}


def test_a_form_error_is_chinese_and_its_mark_goes_with_the_fix(open_page, h):
    page = open_page()
    log_in(page, "sam", h.PASSWORD)
    page.goto("/drafts/new")
    page.fill("#org_name", "杭川镇政协工作组")
    page.fill("#year", "1999")
    page.click("#generate-button")
    error = page.locator("#form-error")
    expect(error).to_have_text("年份：须在2000至2100之间")
    expect(page.locator("#year")).to_have_class(re.compile(r"\binvalid\b"))
    shot(page, "01-form-error", full=False)
    page.fill("#year", "2026")
    expect(page.locator("#year")).not_to_have_class(re.compile(r"\binvalid\b"))
    expect(error).to_be_hidden()
    page.fill("#org_name", "")
    page.click("#generate-button")
    expect(error).to_have_text("单位名称：必填（例如 香山街道政协工委）")
    expect(page.locator("#org_name")).to_have_class(re.compile(r"\binvalid\b"))
    page.fill("#org_name", "杭川镇政协工作组")
    expect(page.locator("#org_name")).not_to_have_class(re.compile(r"\binvalid\b"))
    shot(page, "02-form-fixed", full=False)


def test_404_and_403_pages_are_chinese(open_page, h):
    page = open_page()
    log_in(page, "sam", h.PASSWORD)
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.locator(".error-card h1")).to_contain_text("找不到页面")
    expect(page.locator(".error-card")).not_to_contain_text("Not Found")
    shot(page, "03-404")
    response = page.goto("/admin/documents")
    assert response.status == 403
    expect(page.locator(".error-card h1")).to_contain_text("没有权限")
    expect(page.locator(".error-message")).to_have_text("此页面需要管理员权限，您当前的身份是工作人员。如需使用，请联系管理员。")
    shot(page, "04-403")


def test_an_upload_with_bad_files_stores_the_good_and_lists_the_bad(open_page, h, live_server, tmp_path):
    good, empty, png = tmp_path / "好的计划.txt", tmp_path / "空文件.txt", tmp_path / "截图.txt"
    good.write_text("香山街道政协工委2031年工作计划\n一、加强理论学习\n组织委员开展集中学习。\n二、开展民主监督\n围绕民生实事开展民主评议。\n", encoding="utf-8")
    empty.write_bytes(b"")
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page = open_page()
    log_in(page, "ada", h.PASSWORD)
    page.goto("/admin/upload")
    page.set_input_files("#files", [str(good), str(empty), str(png)])
    page.click("#upload-button")
    expect(page).to_have_url(re.compile(r"/admin/upload\?job="))
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("#upload-form")).to_be_visible()  # still the upload page
    problems = page.locator("#job-errors li")
    expect(problems).to_have_count(2)
    expect(page.locator("#job-errors")).to_contain_text("空文件.txt：文件为空")
    expect(page.locator("#job-errors")).to_contain_text("截图.txt：不是文本文件（实为PNG 图片）")
    expect(page.locator("#job-documents")).to_contain_text("好的计划.txt")
    expect(page.locator("#job-summary")).to_contain_text("未能入库的文件 2 个")
    shot(page, "05-partial-upload")
    request, auth = api(page, live_server, "ada")
    doc = next(d for d in request.get("/api/documents", headers=auth).json()["documents"] if d["source_name"] == "好的计划.txt")
    assert request.delete(f"/api/documents/{doc['id']}/source", headers=auth).ok  # leave the corpus as it was


def test_admin_removes_one_document_then_the_whole_file_each_confirm_with_its_count(open_page, h, live_server, tmp_path):
    # A copy of a sample compilation under a new name: several documents in one file, none of
    # which the other browser tests read.
    sample = SAMPLES / "004_29262842a4a6cc4f.txt"
    copy = tmp_path / "汇编副本.txt"
    copy.write_bytes(sample.read_bytes())
    page = open_page()
    log_in(page, "ada", h.PASSWORD)
    page.goto("/admin/upload")
    page.set_input_files("#files", [str(copy)])
    page.click("#upload-button")
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=120_000)
    page.goto("/admin/documents?q=汇编副本.txt")
    rows = page.locator('tr[data-source-name="汇编副本.txt"]')
    n = rows.count()
    assert n >= 3
    first = rows.first
    title = first.locator("td").first.inner_text()
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    shot(page, "06-admin-before-removal")
    first.locator(".remove-doc-button").click()
    expect(page.locator(".flash-success")).to_have_text(f"已移除文档“{title}”（来自文件“汇编副本.txt”）")
    assert dialogs[-1] == f"只移除这 1 篇文档“{title}”？文件“汇编副本.txt”中的其他 {n - 1} 篇保留。"
    page.goto("/admin/documents?q=汇编副本.txt")
    expect(rows).to_have_count(n - 1)
    shot(page, "07-admin-one-removed")
    rows.first.locator(".remove-file-button").click()
    expect(page.locator(".flash-success")).to_have_text(f"已移除来源文件“汇编副本.txt”的全部 {n - 1} 篇文档")
    assert dialogs[-1] == f"移除整个文件“汇编副本.txt”及其中全部 {n - 1} 篇文档？上传的文件也会删除。"
    page.goto("/admin/documents?q=汇编副本.txt")
    expect(rows).to_have_count(0)
    shot(page, "08-admin-file-removed")


def test_the_search_page_from_the_header(open_page, h):
    page = open_page()
    log_in(page, "eve", h.PASSWORD)
    page.fill("#header-q", "民主评议")
    page.press("#header-q", "Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    hits = page.locator(".search-hit")
    expect(hits.first).to_be_visible()
    expect(hits.first.locator(".hit-text mark").first).to_be_visible()
    shot(page, "09-search")
    page.select_option("#search-level", "乡镇")
    page.click("#search-form button[type=submit]")
    expect(hits.first).to_be_visible()
    for meta in page.locator(".search-hit .muted.small").all_inner_texts():
        assert meta.startswith("乡镇 ·"), meta
    shot(page, "10-search-township")
    hits.first.locator(".hit-title").click()
    expect(page.locator("mark#passage")).to_be_visible()


def test_times_are_shown_in_beijing_time(open_page, h, live_server):
    page = open_page()
    log_in(page, "ada", h.PASSWORD)
    request, auth = api(page, live_server, "ada")
    page.goto("/admin/stats")
    with live_server.app.app_context():
        from service import get_store

        stored = get_store().sources()[0]
    expected = (datetime.fromisoformat(stored["ingested_at"]) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    expect(page.locator("th:has-text('入库时间（北京时间）')")).to_be_visible()
    expect(page.locator(".ingested-at").first).to_have_text(expected)
    expect(page.locator("#stats")).not_to_contain_text("UTC")
    shot(page, "11-stats-beijing-time")


@pytest.fixture(scope="module")
def long_draft(browser, live_server):
    """A nine-part draft made through the API: a page far taller than any screen."""
    context = _context(browser, live_server)
    request = context.request
    token = live_server.app.config["TEST_TOKENS"]["eve"]
    body = {"level": "县区", "year": 2026, "org_name": "某某区政协", "topics": ["营商环境", "民生实事"], "llm": False}
    response = request.post("/api/drafts", data=body, headers={"Authorization": f"Bearer {token}"}, timeout=300_000)
    assert response.status == 201, response.text()
    yield response.json()["id"]
    context.close()


@pytest.mark.parametrize("width, height", [(1280, 720), (768, 1024)])
def test_save_export_and_search_stay_on_screen_in_the_middle_of_a_long_draft(open_page, h, long_draft, width, height):
    page = open_page(width, height)
    log_in(page, "eve", h.PASSWORD)
    page.goto(f"/drafts/{long_draft}")
    total = page.evaluate("document.documentElement.scrollHeight")
    assert total > 2 * height  # else there is nothing to prove
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2 - window.innerHeight / 2)")
    page.wait_for_function("window.scrollY > 0")
    for selector in ("#save-button", "#export-docx", "#header-q", ".mainnav"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        inside = box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
        assert inside, (selector, box, width, height)
        # On top, not covered by anything: what a click at its centre would hit.
        hit = page.evaluate(
            "([s, x, y]) => { const el = document.elementFromPoint(x, y); return !!el && !!el.closest(s); }",
            [selector, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit, selector
    shot(page, f"12-editor-middle-{width}x{height}", full=False)
    page.locator("#section-0").scroll_into_view_if_needed()
    page.locator("#section-0").click()
    page.keyboard.type("。")
    page.locator("#save-button").click()
    expect(page.locator(".flash-success")).to_be_visible()
