"""service.merge: a stale save's changes applied to the latest text, sentence by sentence."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.merge import merge_text, merge_texts
from service.revise import split_sentences

BASE = "（一）组织委员集中学习。每季度开展一次专题培训。\n（二）围绕中心工作开展调研。形成调研报告。\n（三）加强宣传信息工作。"


def test_one_side_changed_takes_that_side():
    theirs = BASE.replace("形成调研报告。", "形成高质量调研报告。")
    assert merge_text(BASE, BASE, theirs).text == theirs and merge_text(BASE, BASE, theirs).changed_by == "theirs"
    assert merge_text(BASE, theirs, BASE).text == theirs and merge_text(BASE, theirs, BASE).changed_by == "mine"
    assert merge_text(BASE, BASE, BASE).changed_by == "nobody"


def test_my_rewrite_goes_in_its_place_and_their_new_item_stays():
    theirs = BASE + "\n（四）认真完成上级交办的其他工作。"
    mine = BASE.replace("围绕中心工作开展调研。", "围绕乡村振兴开展专题调研。") + "\n（四）开展委员述职活动。"
    merged = merge_text(BASE, mine, theirs)
    assert merged.changed_by == "both" and not merged.conflicts
    assert merged.text.split("\n") == [
        "（一）组织委员集中学习。每季度开展一次专题培训。",
        "（二）围绕乡村振兴开展专题调研。形成调研报告。",
        "（三）加强宣传信息工作。",
        "（四）开展委员述职活动。",  # two new （四）s are numbered in order
        "（五）认真完成上级交办的其他工作。",
    ]


def test_a_sentence_both_changed_keeps_both_wordings_and_is_listed():
    theirs = BASE.replace("每季度开展一次专题培训。", "每季度开展一次专题培训，邀请专家授课。")
    mine = BASE.replace("每季度开展一次专题培训。", "每季度开展两次专题培训。")
    merged = merge_text(BASE, mine, theirs)
    assert "每季度开展一次专题培训，邀请专家授课。每季度开展两次专题培训。" in merged.text
    assert merged.conflicts == ["每季度开展两次专题培训。"]


def test_deletions_apply_only_to_what_the_other_left_alone():
    mine = BASE.replace("形成调研报告。", "").replace("（一）组织委员集中学习。", "（一）")
    theirs = BASE.replace("组织委员集中学习。", "组织全体委员集中学习。") + "\n（四）新增一项工作。"
    merged = merge_text(BASE, mine, theirs)
    assert "形成调研报告" not in merged.text  # I deleted it, they left it
    assert "组织全体委员集中学习。" in merged.text  # they changed what I deleted: theirs stays
    assert merged.text.startswith("（一）组织全体委员集中学习。每季度开展一次专题培训。")


def test_merge_texts_takes_my_title_only_when_i_changed_it():
    base = {"title": "甲", "sections": [{"text": BASE}]}
    latest = {"title": "乙", "sections": [{"text": BASE}]}
    assert merge_texts(base, latest, "甲", [None])["title"] == "乙"
    assert merge_texts(base, latest, "丙", [None])["title"] == "丙"
    assert merge_texts(base, latest, None, [BASE + "\n（四）我的。"])["sections"][0]["text"].endswith("（四）我的。")


sentence = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40), min_size=3, max_size=10).map(lambda s: s + "。")


@st.composite
def edits(draw, base: list[str]) -> list[str]:
    """``base`` with some sentences kept, reworded, deleted, and new ones inserted."""
    out = []
    for s in base:
        action = draw(st.sampled_from(["keep", "keep", "reword", "delete"]))
        if action == "keep":
            out.append(s)
        elif action == "reword":
            out.append(s[:-1] + draw(sentence))
        if draw(st.booleans()) and draw(st.booleans()):
            out.append(draw(sentence))
    return out


def as_text(sentences: list[str]) -> str:
    return "\n".join(f"（{i + 1}）{s}" for i, s in enumerate(sentences))


@settings(max_examples=200, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=8, unique=True).flatmap(lambda b: st.tuples(st.just(b), edits(b), edits(b))))
def test_nothing_either_side_wrote_is_lost(case):
    base, mine, theirs = case
    merged = set(split_sentences(merge_text(as_text(base), as_text(mine), as_text(theirs)).text))
    assert set(mine) - set(base) <= merged  # every sentence I wrote
    assert set(theirs) - set(base) <= merged  # every sentence they wrote
    assert not (set(base) - set(mine) - set(theirs)) & merged  # what both deleted stays deleted
