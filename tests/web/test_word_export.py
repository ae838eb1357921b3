"""The exported Word file is a 公文: its styles, grid, language, fonts, slots, 落款 and identity,
read back with python-docx and with our own reader."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import docx
from docx.oxml.ns import qn

from proofread.docx_text import read_docx
from proofread.layout import check_layout
from service.export import to_docx
from service.signature import chinese_date, full_name, parse_date

CONTENT = {
    "title": "上城区政协2026年工作计划",
    "request": {"level": "县区", "year": 2026, "org_name": "上城区政协"},
    "sections": [
        {"title": "一、指导思想", "text": "坚持以习近平新时代中国特色社会主义思想为指导，“围绕中心、服务大局”。"},
        {"title": "二、加强学习", "text": (
            "（一）加强理论学习。组织委员每季度集中学习一次。\n"
            "（二）开展【待填：会议名称】专题学习。邀请专家辅导【待填：次数】次。\n"
            "（三）围绕中心，积极建言献策，努力推动工作。\n"
            "全年安排委员培训【待填：期数】期。"
        )},
    ],
    "signature": {"body": "中国人民政治协商会议上城区委员会", "date": "2026-01-05"},
}


def _document(content=CONTENT, **kw):
    return docx.Document(io.BytesIO(to_docx(content, **kw)))


def _east_asian(run) -> str:
    return run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def _by_text(document, start: str):
    return next(p for p in document.paragraphs if p.text.startswith(start))


def test_each_paragraph_kind_has_its_own_style_with_outline_levels():
    document = _document()
    assert [p.style.name for p in document.paragraphs if p.text][:5] == ["标题", "一级标题", "正文", "一级标题", "二级标题"]
    assert _by_text(document, "全年安排").style.name == "正文"
    assert {p.style.name for p in document.paragraphs if p.text.startswith("（")} == {"二级标题"}
    styles = document.styles.element
    outline = {}
    for style in styles.findall(qn("w:style")):
        name = style.find(qn("w:name")).get(qn("w:val"))
        level = style.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if level is not None and style.get(qn("w:customStyle")) == "1":
            outline[name] = int(level.get(qn("w:val")))
    # Word's w:outlineLvl counts from 0: 0 is the navigation pane's level 1.
    assert outline == {"一级标题": 0, "二级标题": 1}
    faces = {name: document.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for name in ("标题", "一级标题", "二级标题", "正文", "落款")}
    assert faces == {"标题": "方正小标宋简体", "一级标题": "黑体", "二级标题": "楷体_GB2312", "正文": "仿宋_GB2312", "落款": "仿宋_GB2312"}
    assert document.styles["标题"].font.size.pt == 22 and document.styles["正文"].font.size.pt == 16


def test_body_is_justified_on_a_22_line_grid_of_28_characters():
    document = _document()
    body = document.styles["正文"]
    assert body.paragraph_format.alignment == 3  # WD_ALIGN_PARAGRAPH.JUSTIFY: w:jc="both"
    assert body.paragraph_format.first_line_indent.pt == 32
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("lines", "579")
    spacing = body.element.find(f"{qn('w:pPr')}/{qn('w:spacing')}")
    assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
    # 22 lines fill the 225 mm text block; 28 characters of 三号 condensed by 0.25 pt fill 156 mm.
    section = document.sections[0]
    height_pt = docx.shared.Emu(section.page_height - section.top_margin - section.bottom_margin).pt
    width_pt = docx.shared.Emu(section.page_width - section.left_margin - section.right_margin).pt
    assert 22 * 579 / 20 <= height_pt < 23 * 579 / 20
    condensed = int(body.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    assert 28 * (16 + condensed) <= width_pt < 29 * (16 + condensed)
    assert 27 * 16 < width_pt < 28 * 16  # why the condensing: uncondensed, only 27 fit
    assert document.styles["标题"].element.rPr.find(qn("w:spacing")) is None  # the title is not condensed


def test_language_is_chinese_and_every_face_has_a_stock_fallback():
    raw = to_docx(CONTENT)
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
        fonts = z.read("word/fontTable.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
    document = docx.Document(io.BytesIO(raw))
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    lang = defaults.find(qn("w:lang"))
    assert (lang.get(qn("w:val")), lang.get(qn("w:eastAsia"))) == ("zh-CN", "zh-CN")
    rfonts = defaults.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312" and rfonts.get(qn("w:eastAsiaTheme")) is None
    for name in ("Normal", "标题", "一级标题", "二级标题", "正文", "落款"):
        style_lang = document.styles[name].element.rPr.find(qn("w:lang"))
        assert style_lang.get(qn("w:eastAsia")) == "zh-CN", name
    assert "en-US" not in styles.split("<w:latentStyles")[0]
    assert 'w:eastAsia="zh-CN"' in settings and "ja-JP" not in settings
    table = docx.oxml.parse_xml(fonts.encode("utf-8"))
    alt = {f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val")) for f in table.findall(qn("w:font")) if f.find(qn("w:altName")) is not None}
    used = {_east_asian(r) for p in document.paragraphs for r in p.runs}
    assert used == {"方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"}
    assert {face: alt[face] for face in used} == {"方正小标宋简体": "宋体", "黑体": "SimHei", "楷体_GB2312": "楷体", "仿宋_GB2312": "仿宋"}
    charsets = {f.get(qn("w:name")): f.find(qn("w:charset")).get(qn("w:val")) for f in table.findall(qn("w:font")) if f.get(qn("w:name")) in used}
    assert set(charsets.values()) == {"86"}  # GB2312: a renderer looks for a Chinese face


def test_slots_are_highlighted_whole_and_the_lead_in_is_exactly_the_kaiti_run():
    document = _document()
    item = _by_text(document, "（二）")
    runs = [(r.text, _east_asian(r), r.font.highlight_color) for r in item.runs]
    kaiti = "".join(text for text, face, _ in runs if face == "楷体_GB2312")
    assert kaiti == "（二）开展【待填：会议名称】专题学习。"  # the ：inside the slot does not end the lead-in
    slots = [text for text, _, mark in runs if mark is not None]
    assert slots == ["【待填：会议名称】", "【待填：次数】"]
    assert all(mark == 7 for _, _, mark in runs if mark is not None)  # WD_COLOR_INDEX.YELLOW
    assert [r for r in runs if r[0] == "【待填：会议名称】"][0][1] == "楷体_GB2312"
    assert [r for r in runs if r[0] == "【待填：次数】"][0][1] == "仿宋_GB2312"
    first = _by_text(document, "（一）")
    assert [(r.text, _east_asian(r)) for r in first.runs] == [("（一）加强理论学习。", "楷体_GB2312"), ("组织委员每季度集中学习一次。", "仿宋_GB2312")]
    no_lead_in = _by_text(document, "（三）")
    assert [(r.text, _east_asian(r)) for r in no_lead_in.runs][0] == ("（三）", "楷体_GB2312")
    body = _by_text(document, "全年安排")
    assert [r.text for r in body.runs if r.font.highlight_color] == ["【待填：期数】"]


def test_signature_and_date_close_the_document_right_aligned():
    document = _document()
    filled = [p for p in document.paragraphs if p.text]
    name, when = filled[-2], filled[-1]
    assert (name.text, when.text) == ("中国人民政治协商会议上城区委员会", "2026年1月5日")
    assert name.style.name == when.style.name == "落款"
    assert document.styles["落款"].paragraph_format.alignment == 2  # right
    assert document.paragraphs[-3].text == ""  # one empty line above (GB/T 9704 7.3.5.2)
    indent = [int(p._p.pPr.find(qn("w:ind")).get(qn("w:rightChars"))) for p in (name, when)]
    # 署名 two characters from the right, so it starts 2 + 16 from the right; the date starts two
    # characters further right, at 16: 7.25 wide (6 digits × ½, 3 characters, 5 × ¼ between them),
    # it ends 16 − 7.25 = 8.75 characters from the right.
    assert indent == [200, 875]


def test_an_old_version_without_signature_gets_the_default_and_a_long_date_moves_the_name():
    old = {k: v for k, v in CONTENT.items() if k != "signature"}
    document = _document(old, made=date(2025, 12, 28))
    filled = [p.text for p in document.paragraphs if p.text]
    assert filled[-2:] == ["中国人民政治协商会议上城区委员会", "2025年12月28日"]
    short = dict(CONTENT, signature={"body": "县政协", "date": "2026-11-25"})
    paragraphs = [p for p in _document(short).paragraphs if p.text][-2:]
    name, when = (int(p._p.pPr.find(qn("w:ind")).get(qn("w:rightChars"))) for p in paragraphs)
    # The date (8 digits × ½ + 3 + 5 × ¼ = 8.25) is longer than the name (3): the date keeps two
    # characters from the right and the name moves so the date still starts two characters right
    # of it: 2 + 8.25 + 2 − 3 = 9.25 characters from the right.
    assert (name, when) == (925, 200)


def test_signature_defaults_and_dates():
    assert full_name("上城区政协", "县区") == "中国人民政治协商会议上城区委员会"
    assert full_name("杭川镇政协工作组", "乡镇") == "杭川镇政协工作组"
    assert full_name("香山街道政协工委", "街道") == "香山街道政协工委"
    assert parse_date("2026年1月5日") == parse_date("2026-1-5") == "2026-01-05"
    assert chinese_date("2026-01-05") == "2026年1月5日" and chinese_date("2026-10-25") == "2026年10月25日"


def test_identity_round_trips_through_read_docx():
    raw = to_docx(CONTENT, draft_id="d-42", version=7)
    text = read_docx(raw)
    assert text.properties == {"plandraft.draft_id": "d-42", "plandraft.version": 7}
    assert (text.draft_id, text.version, text.title) == ("d-42", 7, CONTENT["title"])
    kinds = [(p.kind, p.text[:6]) for p in text.paragraphs if p.kind != "empty"]
    assert kinds == [
        ("title", "上城区政协2"), ("heading1", "一、指导思想"), ("body", "坚持以习近平"), ("heading1", "二、加强学习"),
        ("heading2", "（一）加强理"), ("heading2", "（二）开展【"), ("heading2", "（三）围绕中"), ("body", "全年安排委员"),
        ("signature", "中国人民政治"), ("signature", "2026年1"),
    ]
    assert [p.index for p in text.paragraphs] == list(range(len(text.paragraphs)))
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        assert "docProps/custom.xml" in z.namelist()
        assert "custom-properties+xml" in z.read("[Content_Types].xml").decode()
    assert read_docx(to_docx(CONTENT)).properties == {}  # no identity asked for, none written


def test_our_export_passes_the_layout_check():
    assert check_layout(to_docx(CONTENT, draft_id="d", version=1)) == []
