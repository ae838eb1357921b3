"""The parts of a 公文 .docx python-docx has no API for: styles, document grid, fonts, language, custom properties.

Everything here edits the package of a fresh ``docx.Document()`` (python-docx's default template)
in place; ``service.export`` writes the paragraphs.  The expected values come from the layout
table ``data/gongwen_layout.json`` (``proofread.layout.layout_table``), which the checker reads too.
"""
from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips
from lxml import etree

from proofread.docx_text import CUSTOM_PROPERTIES_TYPE
from proofread.layout import layout_table

LATIN_FONT = "Times New Roman"
_LAYOUT = layout_table()
TITLE_FONT, TITLE_FALLBACK = _LAYOUT["fonts"]["title"]["faces"][:2]  # 方正小标宋简体, 宋体
BODY_FONT, BODY_FALLBACK = _LAYOUT["fonts"]["body"]["faces"][:2]  # 仿宋_GB2312, 仿宋
H1_FONT = _LAYOUT["fonts"]["heading1"]["faces"][0]  # 黑体
H2_FONT, H2_FALLBACK = _LAYOUT["fonts"]["heading2"]["faces"][:2]  # 楷体_GB2312, 楷体
PAGE_NUMBER_FONT = _LAYOUT["fonts"]["page_number"]["faces"][0]  # 宋体
# The font table entry of each face: the stock face to use in its place (w:altName, which Word
# and LibreOffice read when the named one is missing), and its PANOSE class and generic family,
# which a renderer that knows neither name matches on — so a missing 仿宋_GB2312 comes out as a
# serif CJK face (roman), 黑体 as a sans one (swiss), never as a Latin font with boxes.
FONT_TABLE = {
    TITLE_FONT: (TITLE_FALLBACK, "02010600030101010101", "roman"),  # a 宋体 design: SimSun's PANOSE
    BODY_FONT: (BODY_FALLBACK, "02010609060101010101", "roman"),
    BODY_FALLBACK: ("FangSong", "02010609060101010101", "roman"),
    H2_FONT: (H2_FALLBACK, "02010609060101010101", "roman"),
    H2_FALLBACK: ("KaiTi", "02010609060101010101", "roman"),
    H1_FONT: ("SimHei", "02010609060101010101", "swiss"),
    PAGE_NUMBER_FONT: ("SimSun", "02010600030101010101", "roman"),
}

SIZE_2, SIZE_3, SIZE_4 = 44, 32, 28  # 二号 22 pt, 三号 16 pt, 四号 14 pt, in the half-points of w:sz
TITLE_PITCH = 700  # 35 pt: a two-line title needs more than the body's pitch

# A4 and the GB/T 9704 margins in twips (1 mm = 1440 / 25.4 twips), as Word itself rounds them.
PAGE = {"width": 11906, "height": 16838, "top": 2098, "bottom": 1984, "left": 1587, "right": 1474}


def twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def grid_pitches(page: dict[str, int] = PAGE) -> tuple[int, int]:
    """(line pitch in twips, character spacing in twentieths of a point) for 22 lines × 28 characters of 三号.

    Line pitch: the text height is 297 − 37 − 35 = 225 mm = 16838 − 2098 − 1984 = 12756 twips;
    12756 / 22 = 579.8, rounded down so 22 lines fit: 579 twips = 28.95 pt.
    Characters: the text width is 210 − 28 − 26 = 156 mm = 11906 − 1587 − 1474 = 8845 twips
    = 442.25 pt; 442.25 / 28 = 15.795 pt a character, 0.205 pt less than the 16 pt of 三号.  Run
    spacing (w:spacing) counts twentieths of a point: −0.205 × 20 = −4.1, rounded down so 28 fit:
    −5 (15.75 pt a character, 28 × 15.75 = 441 pt; justification spreads the last 1.25 pt).

    Why not a w:docGrid of type linesAndChars with w:charSpace = (15.795 − 16) × 4096 = −842, as
    Word's own 公文 templates have: LibreOffice lays such a grid out as whole cells, and a 16 pt
    character does not fit a 15.795 pt cell, so it takes two — 14 characters a line (seen in the
    rendering test).  A line grid and condensed characters give 28 in Word, WPS and LibreOffice.
    """
    grid = _LAYOUT["grid"]
    height = page["height"] - page["top"] - page["bottom"]
    width_pt = (page["width"] - page["left"] - page["right"]) / 20
    line_pitch = height // grid["lines"]
    char_spacing = math.floor((width_pt / grid["chars"] - SIZE_3 / 2) * 20)
    return line_pitch, char_spacing


LINE_PITCH, CHAR_SPACING = grid_pitches()


def set_up_page(section) -> None:
    """A4, the GB/T 9704 margins, and the 22 × 28 document grid on ``section``."""
    section.page_width, section.page_height = Twips(PAGE["width"]), Twips(PAGE["height"])
    section.top_margin, section.bottom_margin = Twips(PAGE["top"]), Twips(PAGE["bottom"])
    section.left_margin, section.right_margin = Twips(PAGE["left"]), Twips(PAGE["right"])
    # The page number's 一字线 sits 7 mm below the text block (GB/T 9704 7.5): 35 − 7 = 28 mm from
    # the edge, less the 四号 line it stands on.
    section.footer_distance = Twips(PAGE["bottom"] - twips(7) - SIZE_4 * 10)
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = etree.SubElement(sect_pr, qn("w:docGrid"))
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))


def _fonts_xml(east_asian: str) -> str:
    return (f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:cs="{LATIN_FONT}" '
            f'w:eastAsia={quoteattr(east_asian)} w:hint="eastAsia"/>')


# w:hint="eastAsia" makes Word set the characters both scripts share (“ ” ‘ ’ — …) in the CJK face,
# so quotes are full width; w:lang says the text is Chinese (zh-CN) for spelling, line breaking
# and a renderer's choice of Simplified glyphs.
_LANG = '<w:lang w:val="zh-CN" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'


def _rpr(east_asian: str, size: int, spacing: int = CHAR_SPACING) -> str:
    condensed = f'<w:spacing w:val="{spacing}"/>' if spacing else ""
    return f'<w:rPr>{_fonts_xml(east_asian)}{condensed}<w:kern w:val="0"/><w:sz w:val="{size}"/><w:szCs w:val="{size}"/>{_LANG}</w:rPr>'


def _spacing(pitch: int = LINE_PITCH) -> str:
    return f'<w:spacing w:before="0" w:after="0" w:line="{pitch}" w:lineRule="exact"/>'


_INDENT = '<w:ind w:firstLineChars="200" w:firstLine="640"/>'  # two characters of 三号 (2 × 16 pt)
_NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'

# name → (styleId, basedOn, next, pPr inside, east-asian face, size).  The outline levels are
# Word's 0-based w:outlineLvl: 0 is what the navigation pane and a TOC call level 1.
STYLES = {
    "正文": ("PlanBody", "Normal", "PlanBody", _spacing() + _INDENT + '<w:jc w:val="both"/>', BODY_FONT, SIZE_3),
    "标题": ("PlanTitle", "Normal", "PlanBody",
             '<w:keepNext/><w:snapToGrid w:val="0"/>' + _spacing(TITLE_PITCH) + _NO_INDENT + '<w:jc w:val="center"/>',
             TITLE_FONT, SIZE_2),
    "一级标题": ("PlanHeading1", "PlanBody", "PlanBody", '<w:keepNext/><w:outlineLvl w:val="0"/>', H1_FONT, SIZE_3),
    "二级标题": ("PlanHeading2", "PlanBody", "PlanBody", '<w:outlineLvl w:val="1"/>', H2_FONT, SIZE_3),
    "落款": ("PlanSignature", "PlanBody", "PlanSignature", '<w:keepLines/>' + _NO_INDENT + '<w:jc w:val="right"/>', BODY_FONT, SIZE_3),
}


def define_styles(document) -> None:
    """docDefaults, Normal and the plan's own paragraph styles, in zh-CN with the 公文 faces.

    The 三号 styles are condensed to 28 characters a line (``grid_pitches``); the title is not.
    """
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        styles.remove(defaults)
    # Theme font attributes (w:asciiTheme …) win over named fonts, and the template's theme is
    # Latin and Japanese: the defaults name the faces themselves.
    styles.insert(0, parse_xml(
        f'<w:docDefaults {nsdecls("w")}><w:rPrDefault>{_rpr(BODY_FONT, SIZE_3, 0)}</w:rPrDefault>'
        f'<w:pPrDefault><w:pPr>{_spacing()}</w:pPr></w:pPrDefault></w:docDefaults>'
    ))
    normal = document.styles["Normal"].element
    for old in normal.findall(qn("w:pPr")) + normal.findall(qn("w:rPr")):
        normal.remove(old)
    normal.append(parse_xml(f'<w:pPr {nsdecls("w")}>{_spacing()}<w:jc w:val="both"/></w:pPr>'))
    normal.append(parse_xml(_rpr(BODY_FONT, SIZE_3, 0).replace("<w:rPr>", f'<w:rPr {nsdecls("w")}>', 1)))
    for name, (style_id, based_on, next_style, ppr, face, size) in STYLES.items():
        styles.append(parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
            f'<w:name w:val={quoteattr(name)}/><w:basedOn w:val="{based_on}"/><w:next w:val="{next_style}"/>'
            f'<w:uiPriority w:val="1"/><w:qFormat/><w:pPr>{ppr}</w:pPr>{_rpr(face, size, 0 if size != SIZE_3 else CHAR_SPACING)}</w:style>'
        ))
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "zh-CN")
        lang.set(qn("w:eastAsia"), "zh-CN")


def register_fonts(document) -> None:
    """Each 公文 face in the font table with its stock fallback, GB2312 charset and generic family."""
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = etree.fromstring(part.blob)
    for name, (alt, panose, family) in FONT_TABLE.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name={quoteattr(name)}><w:altName w:val={quoteattr(alt)}/>'
            f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="variable"/>'
            # Unicode ranges and code pages the face covers: Latin, CJK; code page 936 (GB2312, bit 18).
            f'<w:sig w:usb0="00000001" w:usb1="080E0000" w:usb2="00000010" w:usb3="00000000" '
            f'w:csb0="00040001" w:csb1="00000000"/></w:font>'
        ))
    # python-docx keeps a generic part's bytes in _blob; there is no public setter.
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one format id Word gives user-defined properties


def add_custom_properties(document, properties: dict[str, str | int]) -> None:
    """docProps/custom.xml with ``properties`` (str → vt:lpwstr, int → vt:i4), related from the package.

    python-docx has no API for custom properties (python-openxml/python-docx#91); the part is
    written as Word writes it: pids from 2, the user-defined format id.
    """
    items = []
    for pid, (name, value) in enumerate(properties.items(), start=2):
        typed = f"<vt:i4>{int(value)}</vt:i4>" if isinstance(value, int) else f"<vt:lpwstr>{escape(str(value))}</vt:lpwstr>"
        items.append(f'<property fmtid="{_FMTID}" pid="{pid}" name={quoteattr(name)}>{typed}</property>')
    blob = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        + "".join(items) + "</Properties>"
    ).encode("utf-8")
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPERTIES_TYPE, blob, package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)
