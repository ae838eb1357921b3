"""proofread.docx_text and proofread.layout on Word files built here with python-docx, as staff
might bring them back: retyped in another word processor, Normal paragraphs only, other page setup."""
from __future__ import annotations

import io

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Inches, Pt

from proofread.docx_text import DocxError, read_docx
from proofread.layout import RULES, check_layout, rule_source

TEXT = [
    "某某镇政协工作组2026年工作计划",
    "",
    "一、指导思想",
    "坚持以习近平新时代中国特色社会主义思想为指导。",
    "二、主要任务",
    "（一）加强学习。组织委员集中学习。",
    "（二）开展视察。每半年一次。",
    "",
    "某某镇政协工作组",
    "2026年1月5日",
]


def _east_asian(run_or_style, face: str) -> None:
    """The CJK face python-docx's font.name does not set (w:eastAsia), on a run or a style."""
    run_or_style.font.name = face
    element = run_or_style.element if isinstance(run_or_style, docx.styles.style.BaseStyle) else run_or_style._r
    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)


def _misformatted(headings_right: bool = True) -> bytes:
    """Letter, 2.54 cm margins, 宋体 小四 body, no page number, left-aligned, single spacing.

    The title and headings carry the right faces on their runs (as a careful typist sets them),
    so only the planted faults are in the file."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("top", "bottom", "left", "right"):
        setattr(section, f"{side}_margin", Cm(2.54))
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)  # 小四
    _east_asian(normal, "宋体")
    normal.paragraph_format.line_spacing = 1.0
    for text in TEXT:
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        if not text:
            continue
        run = p.add_run(text)
        if text.startswith("某某镇政协工作组2026"):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(22)
            _east_asian(run, "方正小标宋简体" if headings_right else "仿宋")  # 宋体 would pass: a fallback
        elif text.startswith(("一、", "二、")):
            run.font.size = Pt(16)
            _east_asian(run, "黑体" if headings_right else "仿宋")
        elif text.startswith("（"):
            lead, rest = text.split("。", 1)
            run.text = lead + "。"
            run.font.size = Pt(16)
            _east_asian(run, "楷体" if headings_right else "黑体")
            p.add_run(rest)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


PLANTED = {"page_size", "margins", "body", "page_number", "justified", "line_pitch"}


def test_each_planted_fault_is_found_once_with_its_clause():
    findings = check_layout(_misformatted())
    assert {f.source for f in findings} == {rule_source(r) for r in PLANTED}
    assert len(findings) == len(PLANTED)
    assert all(f.kind == "layout" for f in findings)
    by_rule = {r: f for r in RULES for f in findings if f.source == rule_source(r)}
    assert "215.9 mm×279.4 mm" in by_rule["page_size"].message
    assert "上25.4、下25.4、左25.4、右25.4 mm" in by_rule["margins"].message
    assert "宋体12磅" in by_rule["body"].message and by_rule["body"].paragraph == 3
    assert by_rule["justified"].paragraph == 3 and "左对齐" in by_rule["justified"].message
    assert "1倍行距" in by_rule["line_pitch"].message
    assert by_rule["page_number"].paragraph is None
    assert all(f.source.startswith("GB/T 9704—2012 ") for f in findings)


def test_wrong_heading_and_title_faces_are_found_too():
    findings = check_layout(_misformatted(headings_right=False))
    assert {f.source for f in findings} == {rule_source(r) for r in PLANTED | {"title", "heading1", "heading2"}}
    heading2 = next(f for f in findings if f.source == rule_source("heading2"))
    assert heading2.paragraph == 5 and "黑体" in heading2.message and "（第6段等2段）" in heading2.message


def test_normal_only_file_is_read_by_its_numbering():
    text = read_docx(_misformatted())
    assert {p.style for p in text.paragraphs} == {"Normal"}
    assert [p.kind for p in text.paragraphs] == [
        "title", "empty", "heading1", "body", "heading1", "heading2", "heading2", "empty", "signature", "signature",
    ]
    assert text.properties == {} and text.draft_id is None and text.version is None
    assert [p.text for p in text.of_kind("signature")] == ["某某镇政协工作组", "2026年1月5日"]


def test_a_plain_closing_sentence_is_not_taken_for_a_signature():
    document = docx.Document()
    for line in ("工作计划", "一、任务", "认真完成上级交办的其他工作。"):
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    assert [p.kind for p in read_docx(buf.getvalue()).paragraphs] == ["title", "heading1", "body"]


def test_what_is_not_a_docx_is_one_clear_error():
    with pytest.raises(DocxError, match="不是可读取的 Word"):
        read_docx(b"PK\x03\x04 not really a zip")
    with pytest.raises(DocxError, match="不是可读取的 Word"):
        check_layout("一段纯文本".encode("utf-8"))


def test_a_heading_typed_into_a_body_paragraph_of_our_export_is_read_as_a_heading():
    from service.export import to_docx

    raw = to_docx({"title": "计划", "sections": [{"title": "一、总体", "text": "正文一句。"}], "signature": {"body": "", "date": ""}})
    document = docx.Document(io.BytesIO(raw))
    typed = document.add_paragraph("二、新加的部分", style=document.styles["正文"])
    assert typed.style.name == "正文"
    buf = io.BytesIO()
    document.save(buf)
    kinds = [(p.kind, p.style) for p in read_docx(buf.getvalue()).paragraphs if p.kind != "empty"]
    assert kinds == [("title", "标题"), ("heading1", "一级标题"), ("body", "正文"), ("heading1", "正文")]


def test_plandraft_check_reports_each_planted_layout_fault(tmp_path):
    """The command staff and scripts run names every planted fault, each once, with its clause."""
    import json

    from click.testing import CliRunner

    from plandraft.cli import main

    path = tmp_path / "排版有误.docx"
    path.write_bytes(_misformatted())
    result = CliRunner().invoke(main, ["check", str(path), "--json"])
    assert result.exit_code == 1, result.output
    layout = [f["source"] for f in json.loads(result.stdout)["findings"] if f["kind"] == "layout"]
    assert sorted(layout) == sorted(rule_source(r) for r in PLANTED)
