"""align(): old and new sentences (or a document's paragraphs) matched one to one."""
from __future__ import annotations

from service.revise import align, revise_section

OLD = ["加强政治理论学习，提高委员素质。", "每季度组织一次委员集中学习。", "开展民主评议，推动问题整改。", "全年报送社情民意信息不少于20条。"]


def test_unchanged_texts_match_themselves_in_order():
    assert align(OLD, OLD) == [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)]


def test_an_inserted_text_matches_nothing_and_shifts_nothing():
    new = OLD[:2] + ["组织委员开展委员进村居活动。"] + OLD[2:]
    assert align(OLD, new) == [(0, 1.0), (1, 1.0), (None, 0.0), (2, 1.0), (3, 1.0)]


def test_an_added_text_resembling_an_untouched_one_does_not_claim_it():
    # The added sentence is close to OLD[1]; OLD[1] is still there, so it stays OLD[1]'s.
    new = OLD + ["每季度组织一次委员集中学习和培训。"]
    result = align(OLD, new)
    assert result[:4] == [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)]
    assert result[4] == (None, 0.0)


def test_an_edited_text_matches_its_original_with_its_similarity():
    new = list(OLD)
    new[2] = "开展民主评议，推动问题整改落实到位。"
    result = align(OLD, new)
    assert [i for i, _ in result] == [0, 1, 2, 3]
    assert 0.2 <= result[2][1] < 1.0


def test_a_moved_text_is_found_out_of_order():
    new = [OLD[3], OLD[0], OLD[1], OLD[2]]
    assert align(OLD, new) == [(3, 1.0), (0, 1.0), (1, 1.0), (2, 1.0)]


def test_each_old_text_is_used_once_and_dissimilar_texts_stay_unmatched():
    new = [OLD[0], OLD[0], "完全无关的一句话。"]
    result = align(OLD, new)
    assert result[0] == (0, 1.0)
    assert result[1][0] != 0  # the duplicate cannot take OLD[0] again
    assert result[2] == (None, 0.0)
    claimed = [i for i, _ in result if i is not None]
    assert len(claimed) == len(set(claimed))


def test_a_whole_document_of_paragraphs_aligns_too():
    old = [f"第{n}段：围绕重点工作开展协商议政活动，共{n}次。" for n in range(60)]
    new = old[:10] + old[11:40] + ["新增的一段。"] + old[40:]
    result = align(old, new)
    assert [i for i, _ in result[:10]] == list(range(10))
    assert result[39] == (None, 0.0) or result[39][1] < 1.0
    assert [i for i, _ in result[40:]] == list(range(40, 60))


def _section():
    sentences = [
        {"text": "加强理论学习。认真制定学习计划。", "kind": "verbatim", "sources": [{"chunk_id": "c1", "doc_id": "d1", "similarity": 1.0}], "source_text": "认真制定学习计划。", "edited": False, "label": ""},
        {"text": "每季度组织一次委员集中学习。", "kind": "adapted", "sources": [{"chunk_id": "c2", "doc_id": "d2", "similarity": 0.8}], "source_text": "每季度组织一次学习。", "edited": True, "label": ""},
        {"text": "开展民主评议。", "kind": "new", "sources": [], "source_text": "", "edited": True, "label": ""},
    ]
    text = "（一）加强理论学习。认真制定学习计划。每季度组织一次委员集中学习。\n（二）开展民主评议。"
    warnings = [{"kind": "number", "message": "核实", "sentence": 1, "text": "每季度"}]
    return {"role": "学习", "title": "学习", "text": text, "sentences": sentences, "sources": [], "warnings": warnings}


def test_revise_keeps_a_composed_sentence_whole_and_its_warning_follows_it():
    section = _section()
    text = "（一）开展民主评议。\n（二）加强理论学习。认真制定学习计划。每季度组织一次委员集中学习。\n（三）新的一条。"
    revised = revise_section(section, text)
    got = {s["text"]: s for s in revised["sentences"]}
    for old in section["sentences"]:
        assert got[old["text"]] == old
    assert got["新的一条。"]["kind"] == "new"
    assert revised["warnings"][0]["sentence"] == [s["text"] for s in revised["sentences"]].index("每季度组织一次委员集中学习。")


def test_revise_marks_a_changed_part_of_a_composed_sentence_as_edited_with_its_sources():
    section = _section()
    text = section["text"].replace("认真制定学习计划。", "认真制定年度学习计划。")
    revised = revise_section(section, text)
    first = revised["sentences"][0]
    assert first["text"] == "加强理论学习。认真制定年度学习计划。"
    assert first["kind"] == "adapted" and first["edited"] and first["sources"] == section["sentences"][0]["sources"]
    assert revised["sentences"][1:] == section["sentences"][1:]


def _titled(title: str) -> dict:
    return {"role": "学习", "title": title, "text": "（一）一句。", "sentences": [{"text": "一句。", "kind": "new", "sources": [], "source_text": "", "edited": True}], "sources": [], "warnings": []}


def test_sections_are_renumbered_in_their_new_order_and_an_added_one_numbered():
    from service.revise import apply_sections

    sections = [_titled("总体要求"), _titled("一、学习"), _titled("二、监督"), _titled("三、调研")]
    out = apply_sections(sections, [None, None, "（一）新的一条。", None], titles=[None, None, "换届", None], order=[0, 2, None, 1])
    assert [s["title"] for s in out] == ["总体要求", "一、监督", "二、换届", "三、学习"]
    assert out[1]["sentences"] == sections[2]["sentences"]
    unnumbered = apply_sections([_titled("学习")], ["（一）一句。", "（一）另一句。"], titles=[None, "换届"], order=[0, None])
    assert [s["title"] for s in unnumbered] == ["学习", "换届"]  # a plan without numbers gets none


def test_align_scores_similar_texts_as_the_composer_does():
    from drafting.compose import similarity

    old = ["开展民主评议，推动问题整改。", "加强提案督办工作。"]
    new = ["开展民主评议，推动问题整改落实。"]
    assert align(old, new) == [(0, similarity(new[0], old[0]))]
