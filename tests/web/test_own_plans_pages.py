"""Pages and API for a body with its own plans in the store (issue #14): the form offers the body
and its plans, a carried draft is stored with every item's label and its base plan's sections,
and the compare view shows the draft against that plan, section by section.

Fast: the web tests' store (hashing embedder) with tests/data/own_plans ingested into it."""
from __future__ import annotations

import pytest

from drafting.model import CARRY_LABELS

REQUEST = {"level": "县区", "year": 2026, "org_name": "桐溪区政协", "parent_body": "云屏市政协"}


@pytest.fixture
def own_app(app, h):
    from ingest.pipeline import ingest_paths
    from service import get_store

    with app.app_context():
        report = ingest_paths([h.TEST_DATA / "own_plans"], get_store(), max_bytes=1 << 20)
        assert not report.errors
    return app


def test_the_form_offers_known_bodies_and_their_plans(own_app, login):
    page = login("sam").get("/drafts/new").text
    assert '<datalist id="known-bodies">' in page and '<option value="桐溪区政协">' in page
    assert '<option value="香山街道政协工委">' in page  # the sample corpus's street, by its own name
    assert "以2025年计划为底稿：政协云屏市桐溪区委员会2025年工作计划" in page
    assert "以2024年计划为底稿" in page and '<option value="none"' in page


def test_a_carried_draft_is_stored_labelled_and_compared_with_its_base(own_app, login):
    staff, editor = login("sam"), login("eve")
    made = staff.post_json("/api/drafts", REQUEST)
    assert made.status_code == 201, made.text
    draft = staff.get(f"/api/drafts/{made.get_json()['id']}").get_json()
    sections = draft["sections"]
    assert sections[0]["title"] == "总体要求" and sections[1]["title"] == "一、加强思想政治引领"
    assert all(s["label"] in CARRY_LABELS for sec in sections for s in sec["sentences"])
    assert sections[1]["base"]["year"] == 2025 and sections[1]["base"]["title"] == "加强思想政治引领"
    assert draft["request"]["base_plan"] is None  # asked for nothing: the latest own plan was taken

    html = editor.get(f"/drafts/{draft['id']}/compare").text
    assert 'id="carry-summary"' in html and "与2025年计划逐部分对照" in html
    assert '<span class="carry-badge carry-1">沿用</span>' in html and '<span class="carry-badge carry-2">更新</span>' in html
    assert "<details class=\"card base-diff\" id=\"base-s0\" >" in html  # closed until asked
    opened = editor.get(f"/drafts/{draft['id']}/compare?base=1").text
    assert opened.count('class="card base-diff"') == len(sections) and opened.count(" open>") == len(sections)
    assert "<del>三中</del><ins>历次</ins>" in opened  # 二十届三中全会精神 → 二十届历次全会精神, against 2025's text
    assert "计划没有这一部分：全部为新增" in opened  # 工作要求: the 2025 plan had none
    api = editor.get(f"/api/drafts/{draft['id']}/compare").get_json()
    assert {x["label"] for sec in api["sections"] for x in sec["sentences"]} == set(CARRY_LABELS)


def test_a_draft_from_scratch_has_no_labels_and_an_unknown_base_is_refused(own_app, login):
    staff = login("sam")
    made = staff.post_json("/api/drafts", {**REQUEST, "base_plan": "none"}).get_json()
    assert all(sec["base"] is None for sec in made["sections"])
    assert all(x["label"] == "" for sec in made["sections"] for x in sec["sentences"])
    html = login("eve").get(f"/drafts/{made['id']}/compare").text
    assert 'id="carry-summary"' not in html and "base-diff" not in html
    bad = staff.post_json("/api/drafts", {**REQUEST, "base_plan": "0000000000000000"})
    assert bad.status_code == 400 and bad.get_json()["error"].startswith("base_plan: 没有编号为")
    form = staff.form("/drafts/new", {**REQUEST, "base_plan": "0000000000000000"})
    assert form.status_code == 400 and "底稿：没有编号为0000000000000000的文档" in form.text


def test_an_admin_marks_whose_plan_a_document_is(own_app, login):
    from service import get_store

    with own_app.app_context():
        doc = next(d for d in get_store().documents() if d.year == 2024 and "桐溪区" in d.title)
    admin = login("ada")
    url = f"/admin/documents/{doc.id}/edit"
    page = admin.get(url).text
    assert "自动识别：政协云屏市桐溪区委员会" in page
    fields = {"level": "县区", "kind": "计划", "year": "2024", "on_topic": "1"}
    bad = admin.form(url, {**fields, "body": "区政协"})
    assert bad.status_code == 400 and "本单位：须为某一政协的名称" in bad.text
    assert admin.form(url, {**fields, "body": "政协龙城市柳江区委员会"}).status_code == 302
    form = login("sam").get("/drafts/new").text
    assert '<option value="柳江区政协">' in form and "以2024年计划为底稿：政协云屏市桐溪区委员会2024年工作计划" in form
    with own_app.app_context():
        from drafting.own import own_documents

        assert [d.year for d in own_documents(get_store(), "柳江区政协").docs] == [2024]
        assert [d.year for d in own_documents(get_store(), "桐溪区政协").docs] == [2025]
    assert admin.form(url, {**fields, "body": ""}).status_code == 302  # back to what ingest found
    with own_app.app_context():
        assert {d.year for d in own_documents(get_store(), "桐溪区政协").docs} == {2024, 2025}


def test_an_edited_carried_section_keeps_its_labels(own_app, login):
    staff = login("sam")
    draft = staff.post_json("/api/drafts", REQUEST).get_json()
    first = draft["sections"][1]
    lines = first["text"].split("\n")
    edited = "\n".join([lines[0].replace("2期", "3期"), *lines[1:], "（三）组织委员学习新修订的政协章程。"])
    texts = [None] * len(draft["sections"])
    texts[1] = {"text": edited}
    saved = staff.post_json(f"/api/drafts/{draft['id']}/versions", {"base_version": 1, "sections": texts})
    assert saved.status_code == 201, saved.text
    section = saved.get_json()["sections"][1]
    labels = {s["text"]: s["label"] for s in section["sentences"]}
    assert [v for k, v in labels.items() if "3期" in k] == ["更新"]
    assert labels["组织委员学习新修订的政协章程。"] == "新增"
    assert section["base"]["year"] == 2025
