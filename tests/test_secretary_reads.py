"""Faults found reading drafts after the fourth session, one test each.

A numbered heading that never stops is a heading, not a line a scraper broke.

Found reading a 2027 township draft: the source's section heading 「三、努力探索有效形式和途径，
进一步加强民主监督工作」 (26 characters, no final stop) was glued to the paragraph under it, and the
draft's item read 「…加强民主监督工作围绕党和国家方针政策的贯彻情况…」.
"""
from __future__ import annotations

import pytest

from ingest.clean import clean_text


@pytest.mark.parametrize("heading", [
    "三、努力探索有效形式和途径，进一步加强民主监督工作",
    "（二）围绕全区中心工作深入开展调查研究和民主监督活动",
    "2、充分发挥政协委员在基层社会治理和乡村振兴中的积极作用",
])
def test_a_long_numbered_heading_keeps_its_own_line(heading):
    body = "围绕党和国家方针政策的贯彻情况，继续运用会议、视察、建议案等形式履行民主监督职能。"
    assert clean_text(f"{heading}\n{body}\n").split("\n")[:2] == [heading, body]


def test_a_numbered_line_broken_mid_sentence_is_still_mended():
    # A scraper's wrap falls mid-phrase on a long line; the number does not make it a heading.
    broken = "（一）认真组织委员学习党的路线方针政策和国家的法律法规，学习市场经济、科技、法律等方面的知识，不断提高"
    rest = "委员的政治素质和参政议政能力。"
    assert clean_text(f"{broken}\n{rest}\n").split("\n")[0] == broken + rest


def test_the_notes_people_read_from_the_tables_are_chinese():
    """The dated references' notes become a warning's reason, an organ's name the reason an item
    was left out of a carried plan; both are read by the secretary."""
    import re

    from ingest.lexicon import dated_terms, organs

    latin = re.compile(r"[A-Za-z]{3,}")
    assert [t.note for t in dated_terms() if latin.search(t.note)] == []
    assert [o.name for o in organs() if latin.search(o.name) or not o.name] == []


def test_last_year_named_in_a_source_is_the_year_before_the_plan_not_shifted_again():
    """「上年度」 in a 2025 plan, reused for 2026, is 2025年度; it was rewritten to 2025 and then,
    as the source's own year, to 2026 (found drafting a 活动安排表)."""
    from drafting.adapt import Adapter
    from drafting.model import DraftRequest

    adapter = Adapter(DraftRequest("乡镇", 2026, "青石镇政协工作组", "临川区政协"))
    adapted = adapter.adapt("回顾上年度工作，谋划2025年重点任务，去年的经验要总结。", "乡镇", 2025, ())
    assert adapted.text == "回顾2025年度工作，谋划2026年重点任务，2025年的经验要总结。"


# Found reading a 2028 county draft asked for with the focus topic 乡村振兴: no item spoke of it
# and nothing said so; the secretary would find out only by reading every line.

@pytest.mark.parametrize(("topic", "texts", "covered"), [
    ("乡村振兴", ["围绕乡村振兴战略开展专题调研。"], True),
    ("优化营商环境", ["组织委员视察，推动全县营商环境进一步优化。"], True),  # the same words reordered
    ("乡村振兴", ["围绕社会主义新农村建设开展调研。", "乡村道路建设；振兴工业"], False),  # pairs in two sentences
    ("低空经济", ["积极开展招商引资活动。"], False),
    (" ", ["任何内容"], True),
])
def test_a_topic_is_covered_by_its_words_in_one_sentence(topic, texts, covered):
    from drafting.engine import covers

    assert covers(topic, texts) is covered


@pytest.mark.slow
def test_a_focus_topic_no_section_speaks_of_is_said_on_the_draft(sample_searcher):
    from drafting.engine import Drafter
    from drafting.model import DraftRequest

    request = DraftRequest("县区", 2028, "临川县政协", "南昌市政协", topics=["招商引资", "低空经济"])
    draft = Drafter(sample_searcher).draft(request)
    assert "招商引资" in "".join(s.text for s in draft.sections)
    said = [w for w in draft.warnings if w.kind == "topic"]
    assert [w.text for w in said] == ["低空经济"]
    assert "低空经济" in said[0].message and said[0].section == draft.sections[-1].role
    # Streamed, the sections come in the same order and the last carries the note.
    streamed = list(Drafter(sample_searcher).stream(request))
    assert [s.title for s in streamed] == [s.title for s in draft.sections]
    assert [w.text for w in streamed[-1].warnings if w.kind == "topic"] == ["低空经济"]
