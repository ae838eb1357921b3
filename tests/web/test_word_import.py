"""The Word round trip without a browser: files made by our own export, edited with python-docx,
read back as a version whose sentences keep their sources (service.word_import)."""
from __future__ import annotations

import io

import docx
import pytest

from service.export import to_docx
from service.word_import import ImportRefused, aligned_sections, import_note, imported_content, new_draft_content, read_plan


def _src(chunk: str) -> list[dict]:
    return [{"chunk_id": chunk, "doc_id": "d" + chunk, "similarity": 0.9}]


def _ref(chunk: str, text: str) -> dict:
    return {"chunk_id": chunk, "doc_id": "d" + chunk, "doc_title": "某某镇政协2024年工作计划", "source": "a.txt", "score": 1.0,
            "level": "乡镇", "year": 2024, "text": text, "heading_path": [], "span": None, "family_size": 1}


STUDY_1 = "（一）加强理论学习。每季度组织一次委员集中学习。"
STUDY_2 = "（二）开展履职培训。举办2期委员履职培训班。"
WATCH_1 = "（一）开展民主评议。组织委员对职能部门开展民主评议。"
WATCH_2 = "（二）加强提案督办。对重点提案开展跟踪督办。"
CONTENT = {
    "title": "杭川镇政协工作组2026年工作计划",
    "request": {"level": "乡镇", "year": 2026, "org_name": "杭川镇政协工作组"},
    "sections": [
        {"role": "学习", "title": "一、加强学习", "text": f"{STUDY_1}\n{STUDY_2}", "mode": "extractive", "base": None,
         "sentences": [
             {"text": "加强理论学习。", "kind": "verbatim", "sources": _src("c1"), "source_text": "加强理论学习。"},
             {"text": "每季度组织一次委员集中学习。", "kind": "verbatim", "sources": _src("c1"), "source_text": "每季度组织一次委员集中学习。"},
             {"text": "开展履职培训。", "kind": "verbatim", "sources": _src("c2"), "source_text": "开展履职培训。"},
             {"text": "举办2期委员履职培训班。", "kind": "adapted", "sources": _src("c2"), "source_text": "举办3期委员履职培训班。"},
         ],
         "sources": [_ref("c1", STUDY_1), _ref("c2", STUDY_2)],
         "warnings": [{"kind": "number", "message": "数字请核实", "section": "学习", "sentence": 3, "text": "2期"}]},
        {"role": "民主监督", "title": "二、民主监督", "text": f"{WATCH_1}\n{WATCH_2}", "mode": "extractive", "base": None,
         "sentences": [
             {"text": "开展民主评议。", "kind": "verbatim", "sources": _src("c3"), "source_text": "开展民主评议。"},
             {"text": "组织委员对职能部门开展民主评议。", "kind": "verbatim", "sources": _src("c3"), "source_text": "组织委员对职能部门开展民主评议。"},
             {"text": "加强提案督办。", "kind": "verbatim", "sources": _src("c4"), "source_text": "加强提案督办。"},
             {"text": "对重点提案开展跟踪督办。", "kind": "verbatim", "sources": _src("c4"), "source_text": "对重点提案开展跟踪督办。"},
         ],
         "sources": [_ref("c3", WATCH_1), _ref("c4", WATCH_2)], "warnings": []},
    ],
    "signature": {"body": "杭川镇政协工作组", "date": "2026-01-05"},
    "warnings": [], "dismissed": [],
}


def _exported(content=CONTENT, draft_id="abc123", version=2) -> docx.Document:
    return docx.Document(io.BytesIO(to_docx(content, draft_id=draft_id, version=version)))


def _saved(document) -> bytes:
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _paragraph(document, start: str):
    return next(p for p in document.paragraphs if p.text.startswith(start))


def _retype(paragraph, text: str) -> None:
    """What Word does when a person retypes a paragraph: one run with the new words."""
    for run in paragraph.runs[1:]:
        run._element.getparent().remove(run._element)
    paragraph.runs[0].text = text


def test_an_untouched_file_reads_back_as_the_version_it_came_from():
    plan = read_plan(_saved(_exported()))
    assert (plan.draft_id, plan.version) == ("abc123", 2)
    assert plan.title == CONTENT["title"]
    assert plan.sections == [(s["title"], s["text"]) for s in CONTENT["sections"]]
    assert plan.signature == CONTENT["signature"]
    assert aligned_sections(plan, CONTENT) == CONTENT["sections"]


def test_a_changed_paragraph_keeps_its_source_and_an_added_one_is_new():
    document = _exported()
    _retype(_paragraph(document, "（二）开展履职培训"), "（二）开展履职培训。举办4期委员履职培训班，提高委员履职能力。")
    added = _paragraph(document, "（二）加强提案督办").insert_paragraph_before("（二）开展专项视察。围绕集镇环境整治开展一次专项视察。")
    added.style = document.styles["二级标题"]
    sections = aligned_sections(read_plan(_saved(document)), CONTENT)
    study, watch = sections
    changed = study["sentences"][3]
    assert changed["text"] == "举办4期委员履职培训班，提高委员履职能力。"
    assert (changed["kind"], changed["edited"], changed["sources"]) == ("adapted", True, _src("c2"))
    assert changed["source_text"] == "举办3期委员履职培训班。"  # the compare view shows the difference from it
    assert study["sentences"][:3] == CONTENT["sections"][0]["sentences"][:3]
    assert study["edited"] is True
    assert not [w for w in study["warnings"] if w["kind"] == "number"]  # 「2期」 is gone from the text
    new = [s for s in watch["sentences"] if s["kind"] == "new"]
    assert [s["text"] for s in new] == ["开展专项视察。", "围绕集镇环境整治开展一次专项视察。"]
    assert all(s["sources"] == [] for s in new)
    assert [s["text"] for s in watch["sentences"] if s["kind"] == "verbatim"] == [s["text"] for s in CONTENT["sections"][1]["sentences"]]


def test_a_warning_whose_words_are_still_in_the_section_stays_after_a_paragraph_is_added():
    """The section's whole text decides which warnings stay, not the last sentence read."""
    document = _exported()
    added = _paragraph(document, "（二）加强提案督办").insert_paragraph_before("（三）做好学习交流。每半年交流一次学习体会。")
    added.style = document.styles["二级标题"]
    _paragraph(document, "二、民主监督")._p.addprevious(added._p)  # the study section's last item
    study, _ = aligned_sections(read_plan(_saved(document)), CONTENT)
    assert study["text"].endswith("每半年交流一次学习体会。")
    assert "2期" in study["text"]
    assert [w["text"] for w in study["warnings"] if w["kind"] == "number"] == ["2期"]


def test_a_paragraph_moved_to_another_section_keeps_its_sources_and_is_marked_moved():
    document = _exported()
    moved = _paragraph(document, "（一）开展民主评议")
    _paragraph(document, "（二）开展履职培训")._p.addnext(moved._p)
    sections = aligned_sections(read_plan(_saved(document)), CONTENT)
    study, watch = sections
    arrived = [s for s in study["sentences"] if s.get("moved")]
    assert [s["text"] for s in arrived] == ["开展民主评议。", "组织委员对职能部门开展民主评议。"]
    assert all(s["sources"] == _src("c3") and s["kind"] == "verbatim" for s in arrived)
    assert "c3" in {r["chunk_id"] for r in study["sources"]}  # so the compare view finds its passage
    assert [s["text"] for s in watch["sentences"]] == ["加强提案督办。", "对重点提案开展跟踪督办。"]
    assert not any(s.get("moved") for s in watch["sentences"])


def test_sections_are_matched_by_title_then_by_content():
    document = _exported()
    heading = _paragraph(document, "二、民主监督")
    _retype(heading, "二、强化民主监督")  # retitled: found by its sentences
    first = _paragraph(document, "一、加强学习")
    _retype(first, "二、加强学习")  # renumbered: the same title
    sections = aligned_sections(read_plan(_saved(document)), CONTENT)
    assert [s["role"] for s in sections] == ["学习", "民主监督"]
    assert sections[1]["title"] == "二、强化民主监督" and sections[1]["edited"] is True
    assert sections[1]["sentences"] == CONTENT["sections"][1]["sentences"]


def test_the_title_and_the_signature_come_from_the_file_and_the_rest_from_the_latest():
    document = _exported()
    _retype(_paragraph(document, "杭川镇政协工作组2026年工作计划"), "杭川镇政协工作组2026年度工作要点")
    _retype(_paragraph(document, "2026年1月5日"), "2026年2月1日")
    latest = {**CONTENT, "dismissed": [{"kind": "typo", "text": "x", "section_index": 0, "reason": "r", "user": "sam", "at": "t"}]}
    content = imported_content(read_plan(_saved(document)), CONTENT, latest)
    assert content["title"] == "杭川镇政协工作组2026年度工作要点"
    assert content["signature"] == {"body": "杭川镇政协工作组", "date": "2026-02-01"}
    assert content["dismissed"] == latest["dismissed"] and content["request"] == CONTENT["request"]
    assert content["warnings"] == [{**w, "section_index": 0} for w in CONTENT["sections"][0]["warnings"]]


def test_a_new_draft_from_a_file_has_only_new_sentences():
    plan = read_plan(_saved(_exported(draft_id="someone-else")))
    content = new_draft_content(plan, CONTENT["request"])
    assert [s["title"] for s in content["sections"]] == ["一、加强学习", "二、民主监督"]
    assert {s["kind"] for section in content["sections"] for s in section["sentences"]} == {"new"}
    assert all(section["sources"] == [] for section in content["sections"])


def test_a_file_with_no_heading_and_a_file_that_is_no_docx_are_refused():
    document = docx.Document()
    document.add_paragraph("只有一行标题")
    with pytest.raises(ImportRefused, match="没有找到正文"):
        read_plan(_saved(document))
    with pytest.raises(ImportRefused, match="Word"):
        read_plan(b"not a zip")


def test_the_note_says_when_the_file_is_older_than_the_latest():
    assert import_note(2, 2) == "从 Word 导入（基于第2版）"
    assert import_note(2, 4) == "从 Word 导入（基于第2版，其后已有第4版）"


def test_a_fix_is_put_in_its_span_of_a_section_or_the_title_and_refused_when_the_words_moved():
    from service.proofing import TITLE, fixed_text

    content = {"title": "杭川镇政协2026年工作计划（其它）", "sections": [{"text": "继续探索民童监督的新思路。"}]}
    typo = {"kind": "typo", "text": "民童监督", "start": 4, "end": 8, "fix": "民主监督", "section_index": 0}
    assert fixed_text(content, typo) == "继续探索民主监督的新思路。"
    usage = {"kind": "usage", "text": "其它", "start": 15, "end": 17, "fix": "其他", "section_index": TITLE}
    assert fixed_text(content, usage) == "杭川镇政协2026年工作计划（其他）"
    with pytest.raises(ValueError, match="原文此处已不是“民童监督”"):
        fixed_text(content, {**typo, "start": 3, "end": 7})
    with pytest.raises(ValueError, match="没有确定的改法"):
        fixed_text(content, {**typo, "fix": None})
    with pytest.raises(ValueError, match="已不存在"):
        fixed_text(content, {**typo, "section_index": 3})
