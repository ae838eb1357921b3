"""A draft as a Word document in 公文 layout (GB/T 9704—2012), or as Markdown.

The .docx is laid out as a 公文 is (the values are ``data/gongwen_layout.json``, which
``proofread.layout.check_layout`` checks against; our own export gives no finding):

- A4; margins 37/35/28/26 mm (a 156 × 225 mm text block); 22 lines × 28 characters of 三号: a
  22-line document grid (w:docGrid type "lines", 28.95 pt), the body's lines at that pitch, and
  its characters condensed by 0.25 pt so 28 fill a line (``service.docx_styles.grid_pitches``
  shows the arithmetic, and why not a linesAndChars grid); justified, each paragraph indented two
  characters.
- Real paragraph styles, so Word's navigation pane and a TOC see the structure: 标题 (方正小标宋简体
  二号, centred), 一级标题 (「一、」, 黑体, outline level 1), 二级标题 (「（一）」 items, 楷体_GB2312 for the
  lead-in phrase 「（一）xxx。」 only, the rest 仿宋_GB2312; outline level 2), 正文 (仿宋_GB2312 三号) and
  落款 (right-aligned).
- zh-CN language, CJK faces with a stock fallback each in the font table (仿宋, 楷体, 宋体 …).
- Slots 【待填：…】 in a yellow highlight, each slot one run, never cut by a change of face.
- The 落款 (issuing body and 成文日期, 2026年1月5日) under the text, per GB/T 9704 7.3.5: the
  version's ``signature`` (``service.signature``).
- The 活动安排表, when the draft has one (``drafting.schedule``), after the sections and before
  the 落款: a real table 月份 | 活动内容 | 形式 | 承办, its bold header row repeated on each page,
  rows never split, the cells in 仿宋 四号.
- Page numbers 「— 1 —」 in 宋体 四号, odd pages right, even left (7.5).
- Custom document properties ``plandraft.draft_id`` / ``plandraft.version`` carry the file's
  identity, so an edited file brought back is known (``proofread.docx_text.read_docx``).
"""
from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from drafting.changes import SLOT_RE
from drafting.schedule import schedule_title
from ingest.textkit import PAREN_NUMBER, STOPS
from proofread.docx_text import DRAFT_ID_PROPERTY, VERSION_PROPERTY
from service import docx_styles as styles
from service.docx_styles import BODY_FONT, H1_FONT, H2_FONT, LATIN_FONT, PAGE_NUMBER_FONT, TITLE_FONT
from service.signature import beijing_date, chinese_date, signature_of

_ITEM = re.compile(rf"^(?P<num>{PAREN_NUMBER})(?P<rest>.*)$")
# An item's lead-in phrase 「加强理论学习。」: up to 24 characters or whole slots, ending at its
# first 。 or ：.  A slot is taken whole, so a 「：」 inside 【待填：…】 never ends the phrase.
_LEAD_IN = re.compile(rf"^(?:{SLOT_RE.pattern}|[^{STOPS}，,：:【】]){{2,24}}[。：:]")


def _fonts(run, east_asian: str, size: float) -> None:
    """Name the faces on the run too: a run copied into another document keeps its 公文 face."""
    run.font.name = LATIN_FONT
    run.font.size = Pt(size)
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:hint"), "eastAsia")


def _paragraph(doc, style: str):
    return doc.add_paragraph(style=doc.styles[style])


def _add_run(p, text: str, font: str, size: float = 16, *, highlight: bool = False):
    run = p.add_run(text)
    _fonts(run, font, size)
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return run


def _add_text(p, text: str, font: str, size: float = 16) -> None:
    """``text`` in ``font``, each slot 【待填：…】 one highlighted run."""
    at = 0
    for m in SLOT_RE.finditer(text):
        if m.start() > at:
            _add_run(p, text[at : m.start()], font, size)
        _add_run(p, m.group(), font, size, highlight=True)
        at = m.end()
    if at < len(text):
        _add_run(p, text[at:], font, size)


def _page_number_footer(footer, align) -> None:
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.alignment = align
    ppr = p._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")  # 四号 digits off the 28-character grid
    snap.set(qn("w:val"), "0")
    ppr.insert(0, snap)
    fmt = p.paragraph_format
    fmt.line_spacing = 1.0
    if align == WD_ALIGN_PARAGRAPH.RIGHT:  # 单页码居右空一字，双页码居左空一字
        fmt.right_indent = Pt(14)
    else:
        fmt.left_indent = Pt(14)
    _add_run(p, "— ", PAGE_NUMBER_FONT, 14)
    run = _add_run(p, "", PAGE_NUMBER_FONT, 14)
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
    _add_run(p, " —", PAGE_NUMBER_FONT, 14)


def _item(doc, line: str) -> None:
    """A 「（一）」 item: the number and its lead-in phrase in 楷体, the rest in 仿宋 (GB/T 9704 7.3.3)."""
    p = _paragraph(doc, "二级标题")
    m = _ITEM.match(line)
    rest = m.group("rest")
    lead = _LEAD_IN.match(rest)
    head = lead.group() if lead else ""
    _add_text(p, m.group("num") + head, H2_FONT)
    if rest[len(head) :]:
        _add_text(p, rest[len(head) :], BODY_FONT)


def _width(text: str) -> float:
    """Width in characters of 三号: a CJK character one, a digit or Latin letter half, and a quarter
    at each change between them (the space Word and LibreOffice put between Chinese and digits)."""
    narrow = [ord(c) < 0x2E80 for c in text]
    changes = sum(1 for a, b in zip(narrow, narrow[1:]) if a != b)
    return sum(0.5 if n else 1.0 for n in narrow) + 0.25 * changes


def _right_indent(p, chars: float) -> None:
    ind = p._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:rightChars"), str(round(chars * 100)))  # Word counts grid characters
    ind.set(qn("w:right"), str(round(chars * 320)))  # 16 pt each, for readers without the grid


def _signature(doc, signature: dict[str, str]) -> None:
    """署名 and 成文日期 under the text (GB/T 9704 7.3.5.2, no seal): after one empty line, the body
    two characters from the right; the date on the next line, its first character two characters
    right of the body's; when the date is the longer, it keeps two from the right and the body moves."""
    body, when = signature["body"].strip(), chinese_date(signature["date"].strip())
    if not body and not when:
        return
    _paragraph(doc, "正文")
    body_w, date_w = _width(body), _width(when)
    date_right = body_w - date_w
    body_right = 2.0
    if date_right < 2:
        date_right, body_right = 2.0, date_w + 4 - body_w
    for text, right in ((body, body_right), (when, date_right)):
        if text:
            p = _paragraph(doc, "落款")
            _right_indent(p, right)
            _add_text(p, text, BODY_FONT)


# The 活动安排表's columns and their widths in twips: 156 mm of text block (8845 twips), the
# activity's column taking what the month, form and owner leave.
SCHEDULE_COLUMNS = (("月份", 1105), ("活动内容", 4660), ("形式", 1440), ("承办", 1640))
_CELL_SIZE = 14  # 四号


def schedule_cells(row: dict[str, Any]) -> list[str]:
    """A 活动安排表 row as its four cells: 月份 | 活动内容 (the place added when the title lacks it) | 形式 | 承办."""
    title = row.get("title", "")
    place = (row.get("place") or "").strip()
    if place and place not in title:
        title = f"{title}（地点：{place}）"
    month = row.get("month")
    return [f"{month}月" if month else "", title, row.get("form") or "", row.get("owner") or ""]


def _cell_paragraph(cell, text: str, *, bold: bool = False, centred: bool = False) -> None:
    p = cell.paragraphs[0]
    ppr = p._p.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")  # 四号 lines off the 三号 document grid
    snap.set(qn("w:val"), "0")
    ppr.insert(0, snap)
    fmt = p.paragraph_format
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing = Pt(20)
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
    at = 0
    for m in [*SLOT_RE.finditer(text), None]:
        end = m.start() if m else len(text)
        if end > at:
            _add_run(p, text[at:end], BODY_FONT, _CELL_SIZE).bold = bold
        if m:
            _add_run(p, m.group(), BODY_FONT, _CELL_SIZE, highlight=True).bold = bold
            at = m.end()


def _row_properties(row, *, header: bool) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))  # a row is never cut across pages
    if header:
        trpr.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page


def _schedule(doc, content: dict[str, Any]) -> None:
    """The 活动安排表 as a Word table after the sections: its title as a heading, a bold header
    row repeated on each page, the rows in 仿宋 四号 (slots highlighted)."""
    _add_text(_paragraph(doc, "一级标题"), schedule_title(content["request"].get("year")), H1_FONT)
    table = doc.add_table(rows=0, cols=len(SCHEDULE_COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # The grid's column widths are what LibreOffice lays out by; Word reads each cell's too (below).
    for column, (_, width) in zip(table.columns, SCHEDULE_COLUMNS):
        column.width = Twips(width)
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        table._tbl.tblPr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(sum(w for _, w in SCHEDULE_COLUMNS)))
    tbl_w.set(qn("w:type"), "dxa")
    lines = [[c for c, _ in SCHEDULE_COLUMNS]] + [schedule_cells(r) for r in content["schedule"]]
    for n, values in enumerate(lines):
        header = n == 0
        row = table.add_row()
        _row_properties(row, header=header)
        for i, (cell, value) in enumerate(zip(row.cells, values)):
            cell.width = Twips(SCHEDULE_COLUMNS[i][1])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            _cell_paragraph(cell, value, bold=header, centred=header or i in (0, 2))


def to_docx(content: dict[str, Any], *, draft_id: str | None = None, version: int | None = None, made: date | None = None) -> bytes:
    """The version's content as .docx bytes.

    ``draft_id`` and ``version`` become the custom properties ``plandraft.draft_id`` /
    ``plandraft.version``; ``made`` dates the default 落款 of a version stored without one.
    """
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    styles.set_up_page(section)
    doc.settings.odd_and_even_pages_header_footer = True
    styles.define_styles(doc)
    _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)

    doc.core_properties.title = content["title"]
    doc.core_properties.subject = "政协工作计划"
    doc.core_properties.language = "zh-CN"

    _add_text(_paragraph(doc, "标题"), content["title"], TITLE_FONT, 22)
    _paragraph(doc, "正文")  # one empty line between the title and the text, as 公文 have
    for sec in content["sections"]:
        _add_text(_paragraph(doc, "一级标题"), sec["title"], H1_FONT)
        for line in sec["text"].split("\n"):
            line = line.strip()
            if not line:
                continue
            if _ITEM.match(line):
                _item(doc, line)
            else:
                _add_text(_paragraph(doc, "正文"), line, BODY_FONT)
    if content.get("schedule"):
        _schedule(doc, content)
    _signature(doc, signature_of(content, made or beijing_date()))
    styles.register_fonts(doc)
    if draft_id is not None:
        styles.add_custom_properties(doc, {DRAFT_ID_PROPERTY: draft_id, **({VERSION_PROPERTY: version} if version is not None else {})})
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
    if content.get("schedule"):
        out += [f"## {schedule_title(content['request'].get('year'))}", "", "| " + " | ".join(c for c, _ in SCHEDULE_COLUMNS) + " |",
                "|" + "---|" * len(SCHEDULE_COLUMNS)]
        for row in content["schedule"]:
            # A cell is one line of the table: a | or a line break in it would end the cell.
            cells = [re.sub(r"\s*\n\s*", " ", c).replace("|", "\\|") for c in schedule_cells(row)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def file_stem(content: dict[str, Any]) -> str:
    """A download name from the title: Chinese kept, path and control characters dropped."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "", content["title"]).strip() or "草稿"
    return stem[:80]
