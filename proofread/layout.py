"""The GB/T 9704 layout rules a Word file is checked against, each finding naming its clause.

The expected values are the table ``data/gongwen_layout.json`` (the export writes from the same
table).  A property is read as Word resolves it: the run, its character style, the paragraph
style and the styles it is based on, then the document defaults — so a file that sets the
fonts in its styles (ours) and one that sets them on every run (a WPS file) read alike.
Each rule gives at most one finding: the first place it is broken, and how many places are.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from docx.oxml.ns import qn

from ingest.lexicon import DATA_DIR
from proofread.docx_text import open_docx, paragraph_kinds, style_name
from proofread.findings import Finding

LAYOUT_FILE = DATA_DIR / "gongwen_layout.json"
_EMU_PER_MM = 36000
_DEFAULT_SIZE_PT = 10.0  # what Word shows when no w:sz is set anywhere in the style hierarchy
JUSTIFIED = ("both", "distribute")
GRIDS_WITH_LINES = ("lines", "linesAndChars")


@lru_cache(maxsize=1)
def layout_table(path: Path = LAYOUT_FILE) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _rule_entry(rule: str) -> dict[str, Any]:
    table = layout_table()
    if rule in ("title", "heading1", "heading2", "body"):
        return table["fonts"][rule]
    return table[{"page_size": "page"}.get(rule, rule)]


RULES = ("page_size", "margins", "title", "heading1", "heading2", "body", "line_pitch", "page_number", "justified")


def rule_source(rule: str) -> str:
    """The ``source`` of a rule's findings: the standard, its clause and the clause's name."""
    entry = _rule_entry(rule)
    return f"{layout_table()['standard']} {entry['clause']} {entry['name']}"


def check_layout(raw: bytes) -> list[Finding]:
    """What in the .docx ``raw`` breaks the GB/T 9704 layout, as ``kind="layout"`` findings."""
    document = open_docx(raw)
    formats = _Formats(document)
    paragraphs = document.paragraphs
    kinds = paragraph_kinds([(p.text, style_name(p)) for p in paragraphs])
    findings = [*_page_findings(document)]
    for rule in ("title", "heading1", "heading2", "body"):
        findings += _font_findings(rule, paragraphs, kinds, formats)
    body = [(i, p) for i, (p, k) in enumerate(zip(paragraphs, kinds)) if k == "body"]
    grid = _grid_pitch_pt(document)
    findings += _first_of("line_pitch", body, lambda p: _pitch_problem(formats, p._p, grid))
    findings += _first_of("justified", body, lambda p: _alignment_problem(formats, p._p))
    return findings


def _finding(rule: str, message: str, paragraph: int | None = None, text: str = "") -> Finding:
    return Finding(kind="layout", start=0, end=len(text), text=text, message=message, source=rule_source(rule), paragraph=paragraph)


def _page_findings(document) -> list[Finding]:
    page, margins = layout_table()["page"], layout_table()["margins"]
    found: dict[str, Finding] = {}
    for section in document.sections:
        size = [_mm(section.page_width), _mm(section.page_height)]
        if "page_size" not in found and not _near(size, [page["width_mm"], page["height_mm"]], page["tolerance_mm"]):
            found["page_size"] = _finding("page_size", f"纸张应为A4（{page['width_mm']} mm×{page['height_mm']} mm），本文件为{_show(size[0])} mm×{_show(size[1])} mm")
        sides = ("top", "bottom", "left", "right")
        actual = [_mm(getattr(section, f"{side}_margin")) for side in sides]
        expected = [margins[f"{side}_mm"] for side in sides]
        if "margins" not in found and not _near(actual, expected, margins["tolerance_mm"]):
            found["margins"] = _finding(
                "margins",
                f"页边距应为上{expected[0]}、下{expected[1]}、左{expected[2]}、右{expected[3]} mm（误差±{margins['tolerance_mm']} mm），"
                f"本文件为上{_show(actual[0])}、下{_show(actual[1])}、左{_show(actual[2])}、右{_show(actual[3])} mm",
            )
        if "page_number" not in found and not _has_page_field(section):
            found["page_number"] = _finding("page_number", "页脚中没有页码：应以4号半角宋体阿拉伯数字编排页码，左右各放一条一字线")
    return [found[r] for r in RULES if r in found]


def _mm(length) -> float | None:
    return None if length is None else length / _EMU_PER_MM


def _show(mm: float | None) -> str:
    return "（未设置）" if mm is None else f"{mm:.1f}".rstrip("0").rstrip(".")


def _near(actual: list[float | None], expected: list[float], tolerance: float) -> bool:
    return all(a is not None and abs(a - e) <= tolerance + 1e-6 for a, e in zip(actual, expected))


def _has_page_field(section) -> bool:
    """A PAGE field (complex or simple) in any footer the section points to."""
    part = section.part
    for ref in section._sectPr.findall(qn("w:footerReference")):
        footer = part.related_parts.get(ref.get(qn("r:id")))
        if footer is None:
            continue
        root = footer.element
        instructions = [t.text or "" for t in root.iter(qn("w:instrText"))]
        instructions += [f.get(qn("w:instr")) or "" for f in root.iter(qn("w:fldSimple"))]
        if any(i.split() and i.split()[0].upper() == "PAGE" for i in instructions):
            return True
    return False


def _font_findings(rule: str, paragraphs, kinds, formats: "_Formats") -> list[Finding]:
    entry = layout_table()["fonts"][rule]
    faces = {f.lower() for f in entry["faces"]}
    size = entry.get("size_pt")

    def problem(p) -> str | None:
        runs = [r for r in p._p.iter(qn("w:r")) if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip()]
        if rule == "heading2":
            runs = runs[:1]  # the lead-in; the item's own sentences that follow are 仿宋
        for run in runs:
            face, pt = formats.east_asian_font(p._p, run), formats.size_pt(p._p, run)
            if face.lower() not in faces or (size is not None and abs(pt - size) > 0.25):
                return f"{face}{_show(pt)}磅"
        return None

    label = {"title": "标题", "heading1": "一级标题（一、……）", "heading2": "二级标题（（一）……）", "body": "正文"}[rule]
    want = f"{_size_name(size)}{entry['faces'][0]}" + (f"（或{'、'.join(entry['faces'][1:3])}）" if len(entry["faces"]) > 1 else "")
    chosen = [(i, p) for i, (p, k) in enumerate(zip(paragraphs, kinds)) if k == rule]
    return _first_of(rule, chosen, problem, lambda got: f"{label}应为{want}，本文件为{got}")


_SIZE_NAMES = {22: "二号", 16: "三号", 14: "四号"}


def _size_name(size: float | None) -> str:
    return "" if size is None else _SIZE_NAMES.get(int(size), f"{size}磅")


def _first_of(rule: str, paragraphs, problem: Callable, message: Callable[[str], str] | None = None) -> list[Finding]:
    """One finding for ``rule``: at the first paragraph ``problem`` names, counting the others."""
    broken = [(i, p, got) for i, p in paragraphs if (got := problem(p)) is not None]
    if not broken:
        return []
    index, paragraph, got = broken[0]
    text = message(got) if message else got
    where = f"（第{index + 1}段" + (f"等{len(broken)}段）" if len(broken) > 1 else "）")
    return [_finding(rule, text + where, index, paragraph.text)]


def _grid_pitch_pt(document) -> float | None:
    """The line pitch of the first section's document grid, when the grid lays out lines."""
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    if grid is None or grid.get(qn("w:type")) not in GRIDS_WITH_LINES or not grid.get(qn("w:linePitch")):
        return None
    return int(grid.get(qn("w:linePitch"))) / 20


def _pitch_problem(formats: "_Formats", p, grid_pt: float | None) -> str | None:
    rule = layout_table()["line_pitch"]
    line = formats.paragraph_attr(p, "w:spacing", "w:line")
    line_rule = formats.paragraph_attr(p, "w:spacing", "w:lineRule") or "auto"
    if line_rule in ("exact", "atLeast") and line is not None:
        pt = int(line) / 20
        if rule["min_pt"] <= pt <= rule["max_pt"]:
            return None
        return f"正文行距应为固定值{rule['min_pt']}～{rule['max_pt']}磅（每面22行），本文件为{'固定值' if line_rule == 'exact' else '最小值'}{_show(pt)}磅"
    multiple = int(line) / 240 if line is not None else 1.0
    if multiple == 1.0 and grid_pt is not None and rule["min_pt"] <= grid_pt <= rule["max_pt"]:
        return None  # single lines on a 22-line grid
    return f"正文行距应为固定值{rule['min_pt']}～{rule['max_pt']}磅（每面22行），本文件为{_show(multiple)}倍行距" + ("" if grid_pt else "且未设文档网格")


def _alignment_problem(formats: "_Formats", p) -> str | None:
    jc = formats.paragraph_attr(p, "w:jc", "w:val") or "left"
    if jc in JUSTIFIED:
        return None
    shown = {"left": "左对齐", "start": "左对齐", "center": "居中", "right": "右对齐", "end": "右对齐"}.get(jc, jc)
    return f"正文应两端对齐（每行排满，回行顶格），本文件为{shown}"


class _Formats:
    """Word's inheritance of run and paragraph properties: direct, style chain, document defaults."""

    def __init__(self, document):
        root = document.styles.element
        self.styles = {s.get(qn("w:styleId")): s for s in root.findall(qn("w:style"))}
        self.default_paragraph_style = next(
            (s.get(qn("w:styleId")) for s in root.findall(qn("w:style")) if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")),
            None,
        )
        defaults = root.find(qn("w:docDefaults"))
        self.default_rpr = None if defaults is None else defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        self.default_ppr = None if defaults is None else defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")

    def _chain(self, style_id: str | None):
        seen = set()
        while style_id and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            based = style.find(qn("w:basedOn"))
            style_id = None if based is None else based.get(qn("w:val"))

    def _paragraph_style(self, p) -> str | None:
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        return self.default_paragraph_style if style is None else style.get(qn("w:val"))

    def _run_levels(self, p, run):
        """The rPr elements that apply to ``run``, nearest first."""
        rpr = run.find(qn("w:rPr"))
        yield rpr
        char_style = None if rpr is None else rpr.find(qn("w:rStyle"))
        if char_style is not None:
            yield from (s.find(qn("w:rPr")) for s in self._chain(char_style.get(qn("w:val"))))
        yield from (s.find(qn("w:rPr")) for s in self._chain(self._paragraph_style(p)))
        yield self.default_rpr

    def east_asian_font(self, p, run) -> str:
        for rpr in self._run_levels(p, run):
            fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
            if fonts is None:
                continue
            if fonts.get(qn("w:eastAsiaTheme")):  # a theme font wins over a named one
                return f"主题字体（{fonts.get(qn('w:eastAsiaTheme'))}）"
            if fonts.get(qn("w:eastAsia")):
                return fonts.get(qn("w:eastAsia"))
        return "（未设置中文字体）"

    def size_pt(self, p, run) -> float:
        for rpr in self._run_levels(p, run):
            size = None if rpr is None else rpr.find(qn("w:sz"))
            if size is not None and size.get(qn("w:val")):
                return int(size.get(qn("w:val"))) / 2
        return _DEFAULT_SIZE_PT

    def paragraph_attr(self, p, tag: str, attr: str) -> str | None:
        levels = [p.find(qn("w:pPr"))]
        levels += [s.find(qn("w:pPr")) for s in self._chain(self._paragraph_style(p))]
        levels.append(self.default_ppr)
        for ppr in levels:
            el = None if ppr is None else ppr.find(qn(tag))
            if el is not None and el.get(qn(attr)) is not None:
                return el.get(qn(attr))
        return None
