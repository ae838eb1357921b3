"""What the service builds from a draft without a store: diffs, re-attributed edits, Word and Markdown."""
from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn

from service.diffing import char_diff, compare_sections, passage_with_sentence
from service.export import to_docx, to_markdown
from service.revise import revise_section, split_sentences


def test_char_diff_marks_insertions_and_deletions_and_escapes():
    html = str(char_diff("组织委员学习<十九大>精神。", "组织委员认真学习<二十大>精神。"))
    assert html == "组织委员<ins>认真</ins>学习&lt;<del>十九</del><ins>二十</ins>大&gt;精神。"
    assert str(char_diff("", "新加的<句子>")) == "<ins>新加的&lt;句子&gt;</ins>"
    assert str(char_diff("原样。", "原样。")) == "原样。"


def test_passage_marks_the_source_sentence_escaped():
    assert str(passage_with_sentence("甲<乙>。丙丁。", "丙丁。")) == "甲&lt;乙&gt;。<mark>丙丁。</mark>"
    assert str(passage_with_sentence("甲。", "不在其中")) == "甲。"


SECTION = {
    "role": "学习",
    "title": "二、加强学习",
    "text": "（一）组织委员学习。每季度集中学习一次。\n（二）开展培训【待填：名称】。",
    "mode": "extractive",
    "sentences": [
        {"text": "组织委员学习。", "kind": "verbatim", "sources": [{"chunk_id": "c1", "doc_id": "d1", "similarity": 1.0}], "source_text": "组织委员学习。"},
        {"text": "每季度集中学习一次。", "kind": "adapted", "sources": [{"chunk_id": "c1", "doc_id": "d1", "similarity": 0.8}], "source_text": "每月集中学习一次。"},
        {"text": "开展培训【待填：名称】。", "kind": "adapted", "sources": [{"chunk_id": "c2", "doc_id": "d2", "similarity": 0.7}], "source_text": "开展xx培训。"},
    ],
    "sources": [
        {"chunk_id": "c1", "doc_id": "d1", "doc_title": "某镇计划", "source": "/x/a.txt", "score": 0.5, "text": "一、学习\n组织委员学习。每月集中学习一次。", "heading_path": ["一、学习"], "level": "乡镇", "year": 2019, "family_size": 2},
        {"chunk_id": "c2", "doc_id": "d2", "doc_title": "某街道计划", "source": "/x/b.txt", "score": 0.4, "text": "开展xx培训。", "heading_path": [], "level": "街道", "year": None, "family_size": 1},
    ],
    "warnings": [
        {"kind": "slot", "message": "待填", "section": "学习", "sentence": 2, "text": "【待填：名称】"},
        {"kind": "number", "message": "核实", "section": "学习", "sentence": 1, "text": "一次"},
        {"kind": "llm_fallback", "message": "回退", "section": "学习", "sentence": None, "text": ""},
    ],
}


def test_split_sentences_drops_item_numbers():
    assert split_sentences("（一）甲乙。丙丁；\n（二）戊。") == ["甲乙。", "丙丁；", "戊。"]


def test_revised_section_keeps_sources_and_warnings_follow_their_sentences():
    revised = revise_section(SECTION, "（一）每季度集中学习两次，并交流心得。\r\n\r\n（二）开展履职培训。\n（三）全新的一句话内容。")
    assert [s["kind"] for s in revised["sentences"]] == ["adapted", "adapted", "new"]
    assert revised["sentences"][0]["sources"] == SECTION["sentences"][1]["sources"]
    assert revised["sentences"][0]["source_text"] == "每月集中学习一次。"
    assert revised["sentences"][2]["sources"] == []
    kinds = {w["kind"]: w["sentence"] for w in revised["warnings"]}
    assert "slot" not in kinds  # the slot was filled
    assert "number" not in kinds  # the number it flagged is gone
    assert kinds["llm_fallback"] is None
    assert "\n\n" not in revised["text"] and "\r" not in revised["text"]
    assert SECTION["sentences"][0]["kind"] == "verbatim"  # the original is untouched
    assert revise_section(SECTION, SECTION["text"]) is SECTION


def test_compare_sections_anchor_every_warning():
    sections = compare_sections({"sections": [SECTION]})
    s = sections[0]
    assert [x["kind_label"] for x in s["sentences"]] == ["照录", "改写", "改写"]
    assert "<del>月</del><ins>季度</ins>" in str(s["sentences"][1]["diff"])
    assert [w["anchor"] for w in s["warnings"]] == ["s0-2", "s0-1", "s0"]
    assert s["sentences"][0]["sources"][0]["source_name"] == "a.txt"
    assert "<mark>组织委员学习。</mark>" in str(s["sentences"][0]["sources"][0]["passage"])


CONTENT = {
    "title": "杭川镇政协工作组2026年工作计划",
    "sections": [
        {"title": "一、指导思想", "text": "坚持以习近平新时代中国特色社会主义思想为指导。"},
        {"title": "二、加强学习", "text": "（一）加强理论学习。组织委员每季度集中学习一次。\n（二）围绕中心，积极建言献策，努力推动工作。"},
    ],
}


def _east_asian(run) -> str:
    return run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_docx_follows_the_gongwen_layout():
    document = docx.Document(io.BytesIO(to_docx(CONTENT)))
    paragraphs = [p for p in document.paragraphs if p.text]
    title = paragraphs[0]
    assert title.text == CONTENT["title"] and title.style.paragraph_format.alignment == 1  # centred, by its style
    assert _east_asian(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    heading = paragraphs[1]
    assert heading.text == "一、指导思想" and _east_asian(heading.runs[0]) == "黑体" and heading.runs[0].font.size.pt == 16
    body = paragraphs[2]
    assert _east_asian(body.runs[0]) == "仿宋_GB2312" and body.style.paragraph_format.first_line_indent.pt == 32
    item = paragraphs[4]
    assert [(r.text, _east_asian(r)) for r in item.runs] == [("（一）加强理论学习。", "楷体_GB2312"), ("组织委员每季度集中学习一次。", "仿宋_GB2312")]
    long_item = paragraphs[5]
    assert _east_asian(long_item.runs[0]) == "楷体_GB2312" and long_item.runs[0].text == "（二）"
    section = document.sections[0]
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28 and round(section.page_width.mm) == 210
    footer_xml = section.footer._element.xml + section.even_page_footer._element.xml
    assert footer_xml.count(" PAGE ") == 2 and "— " in footer_xml
    with zipfile.ZipFile(io.BytesIO(to_docx(CONTENT))) as z:
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    assert "evenAndOddHeaders" in settings


def test_markdown_export():
    md = to_markdown(CONTENT)
    assert md.splitlines()[:3] == ["# 杭川镇政协工作组2026年工作计划", "", "## 一、指导思想"]
    assert "（二）围绕中心，积极建言献策，努力推动工作。\n" in md
