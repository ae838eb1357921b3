"""The draft editor in Debian's chromium (Playwright): slots marked, listed, jumped to and filled;
warnings that select their sentence; Ctrl+S; the local copy restored after the tab was closed
(and merged when someone saved since); sections retitled, added, removed and moved; rename,
delete and restore; a version note and the diff of two versions; staff in the compare view of
their own draft, its provenance kept after an edit.  Screenshots: test-artifacts/screenshots/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_browser import log_in, shot  # sibling module (pytest puts tests/web on the path)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path("/usr/bin/chromium").exists():
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

REQUEST = {"level": "乡镇", "year": 2026, "org_name": "杭川镇政协工作组", "parent_body": "某某县政协", "sections": ["指导思想", "学习", "民主监督", "参政议政"]}


# The live server is shared by the session: these tests draft as sue, so sam's own list (which
# test_browser.py counts) is not theirs to fill.
@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="zh-CN", base_url=live_server.url)
    errors: list[str] = []
    expected = "Failed to load resource: the server responded with a status of 409"

    def watch(page):
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith(expected) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

    context.on("page", watch)
    yield context
    context.close()
    assert not errors, errors  # a CSP violation or a script error shows up on the console


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def api(live_server, h):
    tokens = live_server.app.config["TEST_TOKENS"]
    return lambda page, name: {"headers": h.bearer(tokens[name])}


def _draft(page, api, name="sue", **changes):
    return page.request.post("/api/drafts", data={**REQUEST, **changes}, **api(page, name)).json()


def _save(page, api, draft, sections, name="sue", **body):
    response = page.request.post(f"/api/drafts/{draft['id']}/versions", data={"sections": sections, **body}, **api(page, name))
    assert response.status in (200, 201), response.text()
    return response.json()


def _selected(page) -> str:
    return page.evaluate("() => { const a = document.activeElement; return a.value.slice(a.selectionStart, a.selectionEnd); }")


def test_slots_are_marked_listed_jumped_to_and_filled_everywhere(page, api, h):
    draft = _draft(page, api)
    texts = [s["text"] for s in draft["sections"]]
    texts[1] += "\n（九）于【待填：召开时间】召开委员学习会，由【待填：主持人】主持。"
    texts[3] += "\n（九）【待填：召开时间】前报送调研报告。"
    _save(page, api, draft, [{"text": t} for t in texts])
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    expect(page.locator("#slot-count")).to_have_text("3 处待填")
    expect(page.locator("#slot-badge")).to_have_text("3 处待填")
    marks = page.locator(".slot-mark")
    expect(marks).to_have_count(3)
    # The mark lies on the slot's words in the textarea: inside the textarea's box, coloured.
    area_box = page.locator("#section-1").bounding_box()
    mark_box = marks.first.bounding_box()
    assert area_box["y"] <= mark_box["y"] and mark_box["y"] + mark_box["height"] <= area_box["y"] + area_box["height"]
    assert page.evaluate("() => getComputedStyle(document.querySelector('.slot-mark')).backgroundColor") != "rgba(0, 0, 0, 0)"
    expect(page.locator(".slot-item")).to_have_count(2)  # two distinct slots, one listed twice
    expect(page.locator(".slot-item").first).to_contain_text("×2")
    marks.first.scroll_into_view_if_needed()
    shot(page, "editor-01-slots-marked", full=False)

    page.click("#next-slot")
    expect(page.locator("#section-1")).to_be_focused()
    assert _selected(page) == "【待填：召开时间】"
    page.click("#next-slot")
    assert _selected(page) == "【待填：主持人】"
    page.click("#next-slot")
    expect(page.locator("#section-3")).to_be_focused()
    assert _selected(page) == "【待填：召开时间】"
    shot(page, "editor-02-next-slot", full=False)

    item = page.locator(".slot-item").filter(has_text="召开时间")
    item.locator(".slot-input").fill("3月上旬")
    item.locator(".slot-fill").click()
    expect(page.locator("#slot-count")).to_have_text("1 处待填")
    expect(page.locator("#section-1")).to_have_value(re.compile("于3月上旬召开委员学习会"))
    expect(page.locator("#section-3")).to_have_value(re.compile("3月上旬前报送"))
    expect(page.locator(".slot-mark")).to_have_count(1)
    shot(page, "editor-03-slot-filled", full=False)
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第3版")
    page.goto("/")
    expect(page.locator(f"tr[data-draft='{draft['id']}'] .slot-badge")).to_have_text("1 处待填")
    shot(page, "editor-04-list-slots")
    page.goto(f"/drafts/{draft['id']}")
    page.locator(".slot-item .slot-input").fill("镇政协工作组组长")
    page.locator(".slot-item .slot-input").press("Enter")
    expect(page.locator("#slot-count")).to_have_text("0 处待填")
    expect(page.locator("#slot-badge")).to_be_hidden()
    expect(page.locator("#slots-none")).to_be_visible()


def test_a_warning_selects_the_sentence_it_concerns(page, api, h):
    draft = _draft(page, api, level="街道", org_name="香山街道政协工委", parent_body="某某区政协", sections=["学习", "民主监督", "参政议政", "服务中心"], base_plan="none")
    found = [(i, w, s) for i, s in enumerate(draft["sections"]) for w in s["warnings"] if w["sentence"] is not None]
    assert found, [w["kind"] for w in draft["warnings"]]
    i, warning, section = found[0]
    sentence = section["sentences"][warning["sentence"]]["text"]
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    buttons = page.locator(f"#s{i} .warning-jump")
    expect(buttons.first).to_be_visible()  # not folded away
    buttons.nth(section["warnings"].index(warning)).click()
    expect(page.locator(f"#section-{i}")).to_be_focused()
    assert _selected(page) == sentence
    shot(page, "editor-05-warning-selects-sentence", full=False)


def test_ctrl_s_and_cmd_s_save(page, api, h):
    draft = _draft(page, api)
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    area = page.locator("#section-0")
    area.fill(area.input_value() + "\n（九）以Ctrl+S保存的一条。")
    area.press("Control+s")
    expect(page.locator(".flash-success")).to_have_text("已保存为第2版")
    area = page.locator("#section-0")
    area.fill(area.input_value() + "\n（十）以Cmd+S保存的一条。")
    area.press("Meta+s")
    expect(page.locator(".flash-success")).to_have_text("已保存为第3版")
    expect(page.locator("#section-0")).to_have_value(re.compile("以Cmd\\+S保存的一条"))
    shot(page, "editor-06-ctrl-s-saved", full=False)
    # On a 768-wide tablet the section tools and the slot list stay on the page.
    page.set_viewport_size({"width": 768, "height": 1024})
    expect(page.locator("#s1 .section-up")).to_be_visible()
    expect(page.locator("#slots-card")).to_be_attached()
    shot(page, "editor-06b-tablet-768")


def _type_and_wait_for_copy(page, selector, added):
    area = page.locator(selector)
    area.fill(area.input_value() + added)
    page.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('plandraft:draft:') && localStorage.getItem(k).includes('暂存'))")


def test_the_local_copy_is_offered_after_the_tab_was_closed_and_restored(context, api, h):
    page = context.new_page()
    draft = _draft(page, api)
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    added = "\n（九）关掉页面前暂存的一条。"
    _type_and_wait_for_copy(page, "#section-2", added)
    expect(page.locator("#autosave-flag")).to_contain_text("已在本机暂存")
    typed = page.locator("#section-2").input_value()
    page.close()  # the tab is closed without saving

    page = context.new_page()
    page.goto(f"/drafts/{draft['id']}")
    expect(page.locator("#autosave-offer")).to_be_visible()
    expect(page.locator("#autosave-message")).to_contain_text("第1版")
    expect(page.locator("#section-2")).not_to_have_value(typed)  # nothing is restored without asking
    shot(page, "editor-07-autosave-offer", full=False)
    page.click("#autosave-restore")
    expect(page.locator("#section-2")).to_have_value(typed)
    expect(page.locator("#dirty-flag")).to_be_visible()
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第2版")
    expect(page.locator("#autosave-offer")).to_be_hidden()
    assert not page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('plandraft:draft:'))")
    page.reload()
    expect(page.locator("#autosave-offer")).to_be_hidden()


def test_a_local_copy_of_an_older_version_is_merged_not_saved_over_the_newer(context, api, h):
    page = context.new_page()
    draft = _draft(page, api)
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    _type_and_wait_for_copy(page, "#section-2", "\n（九）本机暂存的一条。")
    page.close()
    texts = [s["text"] for s in draft["sections"]]
    _save(page.context.new_page(), api, draft, [None, {"text": texts[1] + "\n（九）审核人员加的一条。"}, None, None], name="eve", base_version=1)

    page = context.new_page()
    page.goto(f"/drafts/{draft['id']}")
    expect(page.locator("#autosave-message")).to_contain_text("此后已有第2版")
    page.click("#autosave-restore")
    page.click("#save-button")
    expect(page.locator("#conflict-banner")).to_contain_text("第2版")  # refused and merged, not saved over
    expect(page.locator("#section-1")).to_have_value(re.compile("审核人员加的一条"))
    expect(page.locator("#section-2")).to_have_value(re.compile("本机暂存的一条"))
    shot(page, "editor-08-autosave-merge")
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第3版")


def test_sections_are_retitled_added_removed_and_moved(page, api, h):
    draft = _draft(page, api)
    old = draft["sections"]
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    page.fill("#section-title-1", "一、加强学习，提高履职能力")
    page.locator("#s2 .section-up").click()  # 民主监督 before 学习
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    page.locator("#s3 .section-remove").click()
    expect(page.locator("#s3")).to_have_count(0)
    assert asked and asked[0].startswith("删除“" + old[3]["title"] + "”")
    page.click("#add-section")
    expect(page.locator("#sections > .draft-section")).to_have_count(4)
    new = page.locator("#sections > .draft-section").last
    new.locator(".section-title").fill("换届工作")
    new.locator("textarea").fill("（一）做好换届准备工作，确保换届工作顺利进行。")
    shot(page, "editor-09-sections-edited")
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第2版")
    titles = page.locator(".section-title").evaluate_all("els => els.map(e => e.value)")
    # The 一、二、三、 of the sections follow their new order; the added one is numbered too.
    assert titles == [old[0]["title"], "一、" + old[2]["title"][2:], "二、加强学习，提高履职能力", "三、换届工作"]
    saved = page.request.get(f"/api/drafts/{draft['id']}", **api(page, "sue")).json()
    assert {**saved["sections"][1], "title": old[2]["title"]} == old[2]  # moved and untouched: as it was
    assert saved["sections"][2]["sentences"] == old[1]["sentences"]
    assert saved["sections"][3]["mode"] == "manual"
    shot(page, "editor-10-sections-saved")


def test_rename_delete_and_restore_from_the_list(page, api, h):
    draft = _draft(page, api)
    log_in(page, "sue", h.PASSWORD)
    page.goto("/")
    row = page.locator(f"tr[data-draft='{draft['id']}']")
    expect(row.locator(".col-meta")).to_have_text("杭川镇政协工作组 · 乡镇 · 2026年")
    row.locator(".rename summary").click()
    row.locator(".rename input[name=title]").fill("杭川镇2026年计划（第二稿）")
    shot(page, "editor-11-rename")
    row.locator(".rename-button").click()
    expect(page.locator(".flash-success")).to_contain_text("已改名为《杭川镇2026年计划（第二稿）》")
    expect(row.locator(".col-title")).to_have_text("杭川镇2026年计划（第二稿）")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    row.locator(".delete-button").click()
    expect(page.locator(".flash-success")).to_contain_text("已删除《杭川镇2026年计划（第二稿）》")
    assert asked and "《杭川镇2026年计划（第二稿）》" in asked[0]
    expect(row).to_have_count(0)
    page.click("#deleted-link")
    gone = page.locator(f"#deleted-list tr[data-draft='{draft['id']}']")
    expect(gone).to_be_visible()
    shot(page, "editor-12-deleted-list")
    gone.locator(".undelete-button").click()
    expect(page.locator(".flash-success")).to_contain_text("已恢复")
    expect(page.locator(f"tr[data-draft='{draft['id']}']")).to_be_visible()


def test_a_version_note_and_the_diff_of_two_versions(page, api, h):
    draft = _draft(page, api)
    log_in(page, "sue", h.PASSWORD)
    page.goto(f"/drafts/{draft['id']}")
    area = page.locator("#section-1")
    first = draft["sections"][1]["sentences"][0]["text"]
    area.fill(area.input_value().replace(first, first.rstrip("。") + "，每半年通报一次。", 1) + "\n（九）新加的一条。")
    page.fill("#version-note", "按主席会议意见修改")
    page.click("#save-button")
    expect(page.locator(".version[data-version='2'] .version-note")).to_have_text("编辑：按主席会议意见修改")
    page.check(".version[data-version='1'] input[name=a]")
    page.check(".version[data-version='2'] input[name=b]")
    page.click("#diff-button")
    expect(page.locator("h1").first).to_have_text("第1版 → 第2版")
    changed = page.locator(".diff-section").nth(1)
    expect(changed.locator(".diff-changed ins")).to_have_text("，每半年通报一次")
    expect(changed.locator(".diff-ins ins")).to_have_text("新加的一条。")
    expect(page.locator(".diff-section").first.locator(".diff-same").first).to_be_visible()
    shot(page, "editor-13-version-diff")


def test_staff_open_the_compare_view_of_their_own_draft_and_provenance_survives_an_edit(page, api, h):
    draft = _draft(page, api)
    log_in(page, "sue", h.PASSWORD)
    before = page.request.get(f"/api/drafts/{draft['id']}/compare", **api(page, "sue")).json()
    page.goto(f"/drafts/{draft['id']}")
    area = page.locator("#section-1")
    area.fill(area.input_value() + "\n（九）组织委员围绕乡村振兴开展专题调研。")
    page.click("#save-button")
    expect(page.locator(".flash-success")).to_have_text("已保存为第2版")
    page.click("#compare-link")
    expect(page.locator("h1")).to_contain_text("对照审核")
    rows = page.locator("#s1 tr.sentence")
    old = before["sections"][1]["sentences"]
    expect(rows).to_have_count(len(old) + 1)
    for n, s in enumerate(old):
        expect(rows.nth(n).locator(".kind-badge")).to_have_text(s["kind_label"])
        expect(rows.nth(n).locator(".source")).to_have_count(len(s["sources"]))
        assert rows.nth(n).locator(".tag:has-text('人工修改')").count() == 0
    expect(rows.last.locator(".kind-badge")).to_have_text("新增")
    # The source documents are the editors' pages: staff see each source's title, not a dead link.
    expect(page.locator(".source-link")).to_have_count(0)
    expect(page.locator(".source-title").first).to_be_visible()
    rows.last.scroll_into_view_if_needed()
    shot(page, "editor-14-compare-staff-provenance-kept", full=False)
