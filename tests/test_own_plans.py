"""Drafts for a body whose own plans are in the store (issue #14), over the real store: the
sample corpus and 政协云屏市桐溪区委员会's plans of 2024 and 2025 (tests/data/own_plans), embedded by
the real model.  Slow."""
from __future__ import annotations

import pytest

from drafting.compose import repeats
from drafting.model import CARRY_LABELS, DraftRequest

pytestmark = pytest.mark.slow

BODY = {"level": "县区", "year": 2026, "org_name": "桐溪区政协", "parent_body": "云屏市政协"}
OTHER = {"level": "县区", "year": 2026, "org_name": "柳江区政协", "parent_body": "龙城市政协"}
# What is 桐溪区's own: its places, workrooms, practice centre, brands, journal.
OWN_NAMES = ("桐溪", "溪畔议事", "同心桥", "枫林镇", "云屏")
STANDING = ("“溪畔议事”委员工作室", "“同心桥”委员工作室", "桐溪区政协委员履职实践中心", "“界别走基层”活动", "“桐溪夜话”", "枫林镇")
BASE_HEADINGS = ["加强思想政治引领", "聚焦协商议政", "强化民主监督", "深化调研视察", "服务全区中心工作", "发挥委员主体作用", "加强自身建设"]


@pytest.fixture(scope="module")
def drafter(own_store):
    from drafting.engine import Drafter
    from vectorstore.search import Searcher

    return Drafter(Searcher(own_store))


@pytest.fixture(scope="module")
def plans(own_store):
    return {d.year: d for d in own_store.documents() if "桐溪区" in d.title}


def _own_sentences(draft, plans):
    ids = {d.id for d in plans.values()}
    return [(sec, i, s) for sec in draft.sections for i, s in enumerate(sec.sentences) if any(src.doc_id in ids for src in s.sources)]


def test_a_draft_for_the_body_keeps_its_own_names(drafter, plans):
    draft = drafter.draft(DraftRequest.from_dict({**BODY, "base_plan": "none"}))
    own = _own_sentences(draft, plans)
    assert len(own) >= 4, "the body's own plans are used, whatever level ingest gave them"
    kept = 0
    for sec, i, s in own:
        for name in OWN_NAMES:
            if name in s.source_text:
                assert name in s.text, (name, s.text)
                kept += 1
        assert not [w for w in sec.warnings if w.sentence == i and w.kind in ("slot", "name_replaced")], s.text
    assert kept, "some own sentence names the body's own things"
    assert "【待填" not in "".join(s.text for _, _, s in own)
    noted = [w for w in draft.warnings if w.kind == "own"]
    assert noted and all("出自本单位20" in w.message for w in noted)


def test_a_draft_for_another_body_of_the_level_scrubs_them(drafter, plans):
    draft = drafter.draft(DraftRequest.from_dict(OTHER))
    text = draft.text()
    assert not [name for name in OWN_NAMES if name in text], text
    assert "实践中心" not in text  # 桐溪区's own centre: another body has none of it
    # Not because 桐溪区's plans went unused: their other items are there, adapted.
    assert _own_sentences(draft, plans)
    assert not [s for s in draft.sections if s.base], "another body's plan is never its base"
    # Both years of 桐溪区's plans are one source of 桐溪区's own agenda: together they stay within
    # the 40% share a single source may have.
    sentences = [s for sec in draft.sections for s in sec.sentences if s.sources]
    assert len(_own_sentences(draft, plans)) <= 0.4 * len(sentences), (len(_own_sentences(draft, plans)), len(sentences))


@pytest.fixture(scope="module")
def carried(drafter):
    return drafter.draft(DraftRequest.from_dict(BODY))  # no base_plan: the latest own plan


def test_carry_forward_keeps_the_base_plans_sections_and_standing_items(carried, plans, drafter):
    titles = [s.title for s in carried.sections]
    assert titles[0] == "总体要求"
    assert [t.split("、", 1)[1] for t in titles[1:8]] == BASE_HEADINGS
    assert titles == drafter.titles(DraftRequest.from_dict(BODY))  # what the progress display announced
    assert {s.base["doc_id"] for s in carried.sections[:8]} == {plans[2025].id}
    text = carried.text()
    for item in STANDING:
        assert item in text, item
    assert carried.title == "政协云屏市桐溪区委员会2026年工作计划"  # the base plan's own title, for 2026


def test_carry_forward_updates_the_year_and_references(carried):
    text = carried.text()
    assert "2026年" in text and "2025年" not in text
    assert "党的二十大和二十届历次全会精神" in text and "三中全会" not in text
    assert "十五五" in text and "十四五" not in text
    # A campaign whose year is over is left out, and the editor is told.
    assert "八项规定精神学习教育" not in text
    review = [w.message for w in carried.warnings if w.kind == "review"]
    assert any("八项规定精神学习教育" in m and "未沿用" in m for m in review), review
    # Work already done, copied from a summary, is kept for the editor to decide, and flagged.
    done = [w for w in carried.warnings if w.kind == "review" and "已完成的工作" in w.message]
    assert done and any("186件" in carried.sections[[s.role for s in carried.sections].index(w.section)].sentences[w.sentence].text for w in done)
    # "2025年是收官之年" said of 2026 is flagged for rewriting.
    assert any("之年" in w.message for w in carried.warnings if w.kind == "review")


def test_every_item_of_a_carried_draft_is_labelled(carried):
    labels = [s.label for sec in carried.sections for s in sec.sentences]
    assert labels and all(label in CARRY_LABELS for label in labels)
    assert set(labels) == set(CARRY_LABELS)
    for sec in carried.sections:
        if sec.base:
            assert {s.label for s in sec.sentences} <= {"沿用", "更新"}
            for s in sec.sentences:
                assert (s.label == "沿用") == (s.text == s.source_text), s.text
        else:
            assert {s.label for s in sec.sentences} == {"新增"}
    # The sections the base plan lacked are drafted from retrieved material, repeating no carried item.
    new = [sec for sec in carried.sections if not sec.base]
    assert new and all(sec.sources for sec in new)
    carried_items = [line for sec in carried.sections if sec.base for line in sec.text.split("\n")]
    for sec in new:
        for line in sec.text.split("\n"):
            assert not any(repeats(line, c) for c in carried_items), line
    stored = carried.to_dict()
    assert all(s["label"] for sec in stored["sections"] for s in sec["sentences"])
    assert stored["sections"][1]["base"]["text"].startswith("（一）深化理论学习")


def test_an_earlier_plan_can_be_named_as_the_base(drafter, plans):
    draft = drafter.draft(DraftRequest.from_dict({**BODY, "base_plan": plans[2024].id}))
    assert [s.title.split("、", 1)[-1] for s in draft.sections if s.base][1:] == [
        "加强理论学习", "加强协商议政", "强化民主监督", "深化调研视察", "发挥委员主体作用", "加强自身建设"]
    text = draft.text()
    assert "党纪学习教育" not in text and "2024年" not in text and "二十届历次全会精神" in text
