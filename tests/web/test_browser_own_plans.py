"""In a real browser (issue #14): staff draft next year's plan for a body whose own plans are in
the store, and the editor sees the draft against last year's plan, section by section.

The server's store is the sample corpus with 政协云屏市桐溪区委员会's plans of 2024 and 2025
(tests/data/own_plans), all embedded by the real model.
"""
from __future__ import annotations

import re

import pytest

from test_browser import log_in, page, shot  # noqa: F401  (the browser tests' page fixture and helpers)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def live_server(own_live_server):
    return own_live_server


def test_staff_carry_last_years_plan_forward_and_the_editor_sees_the_diff(page, h):  # noqa: F811
    log_in(page, "eve", h.PASSWORD)
    page.goto("/drafts/new")
    page.select_option("#level", "县区")
    page.fill("#year", "2026")
    # The body is offered by name; its plans are offered as the base, the latest by default.
    expect(page.locator('#known-bodies option[value="桐溪区政协"]')).to_have_count(1)
    page.fill("#org_name", "桐溪区政协")
    page.fill("#parent_body", "云屏市政协")
    offered = page.locator("#base_plan option")
    expect(offered.filter(has_text="以2025年计划为底稿")).to_have_count(1)
    expect(page.locator("#base_plan")).to_have_value("")  # 自动: our latest plan
    shot(page, "own-01-form")
    page.click("#generate-button")
    expect(page.locator("#progress-done")).to_be_visible(timeout=90_000)
    # The outline announced is the base plan's: its preamble, its seven sections, and one new one.
    expect(page.locator("#progress-count")).to_have_text("9/9")
    expect(page.locator("#progress-outline li").nth(1)).to_contain_text("一、加强思想政治引领")
    page.click("#open-draft")
    draft_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.click("#compare-link")
    expect(page.locator("#carry-summary")).to_contain_text("以本单位《政协云屏市桐溪区委员会2025年工作计划》为底稿")

    draft = page.request.get(f"/api/drafts/{draft_id}").json()
    rows = page.locator("tr.sentence")
    sentences = [s for sec in draft["sections"] for s in sec["sentences"]]
    expect(rows).to_have_count(len(sentences))
    for i, s in enumerate(sentences):
        expect(rows.nth(i).locator(".carry-badge")).to_have_text(s["label"])
    assert {s["label"] for s in sentences} == {"沿用", "更新", "新增"}

    # The diff against last year: every section beside its 2025 text, open.
    page.click("#base-toggle")
    expect(page).to_have_url(re.compile(r"base=1"))
    diffs = page.locator("details.base-diff")
    expect(diffs).to_have_count(len(draft["sections"]))
    for i in range(diffs.count()):
        expect(diffs.nth(i)).to_have_attribute("open", "")
    preamble = diffs.nth(0).locator(".base-text")
    expect(preamble.locator("del").filter(has_text="三中")).to_have_count(1)
    expect(preamble.locator("ins").filter(has_text="历次")).to_have_count(1)
    # 2025 → 2026 and 十四五 → 十五五: one character struck, one put in.
    expect(preamble.locator("del").filter(has_text=re.compile(r"^5$"))).to_have_count(1)
    expect(preamble.locator("ins").filter(has_text=re.compile(r"^6$"))).to_have_count(1)
    # The finished campaign is gone from 一、: struck through, with nothing put in its place.
    study = diffs.nth(1).locator(".base-text del").filter(has_text="八项规定精神学习教育")
    expect(study.first).to_be_visible()
    expect(diffs.last.locator("summary")).to_contain_text("全部为新增")
    expect(page.locator(".wkind-review").first).to_be_visible()
    shot(page, "own-02-compare-against-2025")
