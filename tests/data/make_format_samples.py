"""Rebuild the samples of the formats offices keep (tests/test_loaders_office.py reads them):
an .xlsx 界别 plan, a .docx with a month-by-month list and a table, a .doc and a scanned .pdf.

Run from the repository root:  .venv/bin/python tests/data/make_format_samples.py
Needs openpyxl, python-docx, Pillow, LibreOffice (``soffice``, for the .doc) and the Noto CJK
fonts (Debian fonts-noto-cjk, for the scan).  The plan text is written for these tests and
copied from nowhere.  The .doc and the .pdf were made once with these tools and committed;
LibreOffice and Pillow stamp dates into them, which the tests do not look at.
"""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

XLSX_HEADER = ("界别", "活动名称", "活动类型", "拟召开时间")
# (sheet, caption, rows): the 界别 column is one merged cell over its rows, as offices type it.
XLSX_SHEETS = [
    ("经济界", "2026年经济界界别活动计划", [
        ("经济界", "民营企业营商环境专题协商会", "专题协商", "3月"),
        ("经济界", "开发区重点项目建设情况视察", "调研视察", "5月"),
        ("经济界", "委员企业家履职能力培训", "委员培训", "9月"),
    ]),
    ("教育界", "2026年教育界界别活动计划", [
        ("教育界", "“送教下乡”惠民服务活动", "惠民服务", "4月中旬"),
        ("教育界", "课后服务工作民主评议", "民主监督", "10月"),
    ]),
]

DOCX_TITLE = "区政协委员履职实践中心2026年工作计划"
DOCX_MONTHS = [
    "1月：召开实践中心年度工作会议，部署全年履职活动。",
    "二月份：组织委员走访困难群众，开展新春慰问。",
    "3月：围绕老旧小区改造开展专题协商，邀请居民代表参加。",
    "4月：组织委员视察城区垃圾分类工作。",
]
DOCX_TABLE = [
    ("承办单位", "活动内容", "活动时间", "活动形式"),
    ("社会福利界委员小组", "社区养老服务中心运营情况调研", "5月", "调研视察"),
    ("社会福利界委员小组", "“委员进社区”义诊活动", "6月", "惠民服务"),
    ("文化艺术界", "非遗传承主题读书会", "7月", "主题活动"),
]

DOC_TEXT = """东湖街道政协工委2026年工作计划
2026年，街道政协工委在街道党工委的领导和区政协的指导下，坚持团结和民主两大主题，围绕街道中心工作履职尽责。
一、加强学习，提升履职能力
每季度组织一次委员集中学习，重点学习人民政协理论和有关法律法规。
二、围绕中心，开展协商议事
围绕老旧小区改造开展专题协商，邀请居民代表和委员共同议事，形成协商成果报送街道党工委。
三、加强自身建设
推动工作制度化、规范化、程序化，做好委员履职档案管理。
"""

SCAN_LINES = [
    "南山镇政协工作组2026年工作计划",
    "一、加强委员学习",
    "每季度组织委员集中学习一次。",
    "二、开展专题调研",
    "围绕乡村振兴组织委员开展调研。",
    "三、做好提案工作",
    "全年提交提案不少于五件。",
]


def write_xlsx(path: Path) -> None:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, caption, rows in XLSX_SHEETS:
        sheet = book.create_sheet(name)
        sheet.append([caption])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(XLSX_HEADER))
        sheet.append(list(XLSX_HEADER))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for n, row in enumerate(rows):
            # Only the first row of the merged 界别 cell holds the value, as in Excel.
            sheet.append([row[0] if n == 0 else None, *row[1:]])
        sheet.merge_cells(start_row=3, start_column=1, end_row=2 + len(rows), end_column=1)
    book.properties.creator = "plandraft tests"
    book.save(path)


def write_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph(DOCX_TITLE, style="Title")
    document.add_heading("一、月度工作安排", level=1)
    for line in DOCX_MONTHS:
        document.add_paragraph(line)
    document.add_heading("二、界别活动安排表", level=1)
    table = document.add_table(rows=len(DOCX_TABLE), cols=len(DOCX_TABLE[0]))
    for r, row in enumerate(DOCX_TABLE):
        for c, value in enumerate(row):
            if r == 2 and c == 0:
                continue  # merged with the cell above, as Word does for one 承办单位 over two rows
            table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))
    document.add_paragraph("以上安排可根据工作需要适当调整。")
    from make_samples import _slim  # the same trimmed template as sample.docx

    _slim(document)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())


def write_doc(path: Path) -> None:
    """LibreOffice's "MS Word 97" filter, from the plan as plain text."""
    with tempfile.TemporaryDirectory(prefix="loaders-doc-") as tmp:
        txt = Path(tmp) / "sample_plan.txt"
        txt.write_text(DOC_TEXT, encoding="utf-8")
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(txt)],
            check=True, capture_output=True, timeout=120,
        )
        path.write_bytes((Path(tmp) / "sample_plan.doc").read_bytes())


def write_scan(path: Path) -> None:
    """One page of the plan drawn as a 200 dpi greyscale image, wrapped in a PDF with no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    dpi = 200
    width, height = int(8.27 * dpi), int(5.0 * dpi)  # A4 wide, half a page tall: fewer pixels to read
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 44)
    y = 90
    for line in SCAN_LINES:
        draw.text((120, y), line, font=font, fill=0)
        y += 100
    # Black and white, as an office scanner's "document" mode saves it (and a tenth the size).
    page.point(lambda v: 255 if v > 160 else 0).convert("1").save(path, "PDF", resolution=dpi)


def main() -> None:
    write_xlsx(HERE / "sample_activities.xlsx")
    write_docx(HERE / "sample_table.docx")
    write_doc(HERE / "sample_plan.doc")
    write_scan(HERE / "sample_scanned.pdf")


if __name__ == "__main__":
    main()
