"""The 活动安排表 in a real browser: asked for in the form, its rows edited, moved, removed and
added in the editor, saved as a version, exported and read back with python-docx as a table.

The server's store is the sample corpus plus tests/data/schedule (``schedule_live_server``: the
real CLI and the real embedder). Screenshots go to test-artifacts/screenshots/.
"""
from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def page(browser, schedule_live_server):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True,
                                  base_url=schedule_live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert not errors, errors  # a Content-Security-Policy violation or a script error


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def cells(row) -> list[str]:
    return [c.text for c in row.cells]


def test_staff_edits_the_activity_table_and_exports_it_as_a_word_table(page, h, tmp_path):
    page.goto("/login")
    page.fill("#name", "sam")
    page.fill("#password", h.PASSWORD)
    page.click("button:has-text('登录')")
    expect(page.locator(".username")).to_have_text("sam")

    page.goto("/drafts/new")
    page.select_option("#level", "县区")
    page.fill("#year", "2026")
    page.fill("#org_name", "临江区政协")
    page.fill("#parent_body", "江州市政协")
    page.fill("#topics", "乡村振兴、民生实事")
    page.check("#schedule")
    page.click("#generate-button")
    expect(page.locator("#open-draft")).to_be_visible(timeout=180_000)
    page.click("#open-draft")
    expect(page).to_have_url(re.compile(r"/drafts/[0-9a-f]+$"))

    rows = page.locator("#schedule-rows tr.schedule-row")
    expect(rows.first).to_be_visible()
    drafted = rows.count()
    assert drafted >= 10
    months = [rows.nth(i).locator("select[name=schedule_month]").input_value() for i in range(drafted)]
    assert len(set(months)) >= 10
    titles = [rows.nth(i).locator("textarea[name=schedule_title]").input_value() for i in range(drafted)]
    assert not any(re.search("青溪|桐林|白沙|柳岸|疫苗|体检", t) for t in titles)
    rows.first.locator("summary").click()  # each row's source
    expect(rows.first.locator(".schedule-sources li").first).to_be_visible()
    shot(page, "schedule-drafted")

    # Edit the first row's cells, move the third up, remove the last, add one at the end.
    first = rows.nth(0)
    first.locator("textarea[name=schedule_title]").fill("围绕数字乡村建设开展专题协商")
    first.locator("input[name=schedule_owner]").fill("农业农村委员会")
    rows.nth(2).locator(".schedule-up").click()
    rows.nth(drafted - 1).locator(".schedule-remove").click()
    page.click("#schedule-add")
    added = rows.nth(drafted - 1)
    added.locator("select[name=schedule_month]").select_option("12")
    added.locator("textarea[name=schedule_title]").fill("召开委员履职座谈会")
    added.locator("input[name=schedule_form]").fill("会议")
    expect(page.locator("#dirty-flag")).to_be_visible()
    expect(page.locator("#schedule-count")).to_have_text(f"{drafted} 项")
    shot(page, "schedule-edited")
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_contain_text("已保存为第2版")

    expect(rows).to_have_count(drafted)
    after = [rows.nth(i).locator("textarea[name=schedule_title]").input_value() for i in range(drafted)]
    assert after == ["围绕数字乡村建设开展专题协商", titles[2], titles[1], *titles[3:-1], "召开委员履职座谈会"]

    with page.expect_download() as info:
        page.click("#export-docx")
    path = tmp_path / "draft.docx"
    info.value.save_as(path)
    (table,) = docx.Document(str(path)).tables
    assert cells(table.rows[0]) == ["月份", "活动内容", "形式", "承办"]
    assert len(table.rows) == drafted + 1
    assert cells(table.rows[1])[1:] == ["围绕数字乡村建设开展专题协商", cells(table.rows[1])[2], "农业农村委员会"]
    assert cells(table.rows[1])[0] == f"{months[0]}月"
    assert cells(table.rows[2])[1].startswith(titles[2]) and cells(table.rows[3])[1].startswith(titles[1])
    assert cells(table.rows[-1]) == ["12月", "召开委员履职座谈会", "会议", ""]
