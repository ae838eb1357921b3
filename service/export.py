"""A draft as a Word document in 公文 layout (GB/T 9704 style), or as Markdown.

Layout: A4, margins 37/35/28/26 mm; title 方正小标宋简体 二号 centred; body 仿宋_GB2312 三号 at a
fixed 28 pt line pitch with a two-character first-line indent; 「一、」 headings 黑体, 「（一）」
headings 楷体_GB2312; page numbers 「— 1 —」 in 宋体 四号 at the foot, odd pages right, even left.
The 公文 fonts are often missing outside government machines, so every run names its
east-asian font through ``w:eastAsia`` and the font table gives each one a common substitute
(``w:altName``): 黑体, 仿宋, 楷体.
"""
from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from ingest.textkit import PAREN_NUMBER, SECTION_NUMBER

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# What Word / LibreOffice should use when a 公文 font is not installed.
FONT_SUBSTITUTES = {TITLE_FONT: "黑体", BODY_FONT: "仿宋", H2_FONT: "楷体", H1_FONT: "SimHei", PAGE_NUMBER_FONT: "SimSun"}

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
LINE_PITCH = Pt(28)

_ITEM = re.compile(rf"^(?P<num>{PAREN_NUMBER})(?P<rest>.*)$")
_ITEM_TITLE = re.compile(r"^(?P<title>[^。；！？，,：:]{2,24}[。：:])")
_SECTION_NUMBER = re.compile("^" + SECTION_NUMBER)


def _fonts(run, east_asian: str, size) -> None:
    run.font.name = LATIN_FONT
    run.font.size = size
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def _paragraph(doc, *, align=None, indent: bool = True):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = SIZE_3 * 2  # two characters of 三号
    if align is not None:
        p.alignment = align
    return p


def _add_run(p, text: str, font: str, size=SIZE_3, bold: bool = False):
    run = p.add_run(text)
    _fonts(run, font, size)
    run.bold = bold
    return run


def _page_number_footer(footer, align) -> None:
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = SIZE_4
    else:
        fmt.left_indent = SIZE_4
    _add_run(p, "— ", PAGE_NUMBER_FONT, SIZE_4)
    run = _add_run(p, "", PAGE_NUMBER_FONT, SIZE_4)
    for tag, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if tag is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        elif text == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._element.append(el)
    _add_run(p, " —", PAGE_NUMBER_FONT, SIZE_4)


def _register_substitutes(doc) -> None:
    """Give each 公文 font an ``altName`` in the font table, so a missing font falls back sensibly."""
    for part in doc.part.package.iter_parts():
        if str(part.partname) != "/word/fontTable.xml":
            continue
        root = etree.fromstring(part.blob)
        for name, alt in FONT_SUBSTITUTES.items():
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            alt_el = etree.SubElement(font, qn("w:altName"))
            alt_el.set(qn("w:val"), alt)
            charset = etree.SubElement(font, qn("w:charset"))
            charset.set(qn("w:val"), "86")  # GB2312
            family = etree.SubElement(font, qn("w:family"))
            family.set(qn("w:val"), "modern" if name in (BODY_FONT, H2_FONT) else "auto")
        # python-docx keeps a generic part's bytes in _blob; there is no public setter.
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return


def to_docx(content: dict[str, Any]) -> bytes:
    """The version's content (title and sections) as .docx bytes."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28) - Mm(7)  # the page number sits about 7 mm below the text block
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = SIZE_3
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    doc.core_properties.title = content["title"]
    doc.core_properties.subject = "政协工作计划"

    title = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    title.paragraph_format.line_spacing = Pt(35)
    _add_run(title, content["title"], TITLE_FONT, SIZE_2)
    _paragraph(doc, indent=False)  # one blank line between title and body, as 公文 do

    for sec in content["sections"]:
        heading = _paragraph(doc)
        _add_run(heading, sec["title"], H1_FONT)
        for line in sec["text"].split("\n"):
            line = line.strip()
            if not line:
                continue
            p = _paragraph(doc)
            m = _ITEM.match(line)
            if m:
                rest = m.group("rest")
                t = _ITEM_TITLE.match(rest)
                head = m.group("num") + (t.group("title") if t else "")
                _add_run(p, head, H2_FONT)
                if t:
                    rest = rest[len(t.group("title")) :]
                if rest:
                    _add_run(p, rest, BODY_FONT)
            else:
                _add_run(p, line, BODY_FONT)
    _register_substitutes(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def to_markdown(content: dict[str, Any]) -> str:
    """The version's content as Markdown: ``#`` title, ``##`` sections, one paragraph per item."""
    out = [f"# {content['title']}", ""]
    for sec in content["sections"]:
        out.append(f"## {sec['title']}")
        out.append("")
        for line in sec["text"].split("\n"):
            line = line.strip()
            if line:
                out.append(line)
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def file_stem(content: dict[str, Any]) -> str:
    """A download name from the title: Chinese kept, path and control characters dropped."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "", content["title"]).strip() or "草稿"
    return stem[:80]
