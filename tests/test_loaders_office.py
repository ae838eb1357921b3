"""The files a 政协 office really has, ingested into a real store: an .xlsx 界别 plan, a .docx
with a month-by-month list and a table, a Word 97 .doc, a scanned .pdf; and the activities
ingest stores from their rows and month items (tests/data/make_format_samples.py made the
binary samples once, with openpyxl, python-docx, LibreOffice and Pillow)."""
from __future__ import annotations

import io
import shutil
import sqlite3

import pytest

from ingest.errors import IngestError
from ingest.loaders import load_file
from ingest.pipeline import ingest_paths
from loader_samples import DATA, LIMIT, lines_of

needs_catdoc = pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc not installed (make doc-deps)")
needs_ocr = pytest.mark.skipif(
    shutil.which("tesseract") is None or shutil.which("pdftoppm") is None,
    reason="tesseract / pdftoppm not installed (make doc-deps)",
)


def _ingest(store, *names):
    report = ingest_paths([DATA / n for n in names], store, max_bytes=LIMIT)
    assert report.errors == []
    return report


# --- xlsx ---------------------------------------------------------------------------------


def test_xlsx_every_sheet_with_its_merged_cells_and_header_names():
    loaded = load_file(DATA / "sample_activities.xlsx", LIMIT)
    lines = lines_of(loaded.text)
    assert loaded.format == "xlsx"
    assert "# 经济界" in lines and "# 教育界" in lines  # each sheet a heading
    assert "2026年经济界界别活动计划" in lines  # the caption merged over the header
    # The 界别 cell is merged over three rows; every row gets its value.
    assert "界别：经济界；活动名称：委员企业家履职能力培训；活动类型：委员培训；拟召开时间：9月。" in lines
    assert not any(line.startswith("界别：界别") or "|" in line for line in lines)  # the header is no row
    economy, education = loaded.tables
    assert economy.name == "经济界" and economy.header == ("界别", "活动名称", "活动类型", "拟召开时间")
    assert [r.as_dict()["界别"] for r in economy.rows] == ["经济界"] * 3
    assert education.rows[0].as_dict() == {
        "界别": "教育界", "活动名称": "“送教下乡”惠民服务活动", "活动类型": "惠民服务", "拟召开时间": "4月中旬",
    }


def test_xlsx_rows_become_activities_in_the_store(hashing_store):
    report = _ingest(hashing_store, "sample_activities.xlsx")
    assert report.activities == 5
    rows = hashing_store.activities()
    assert [(a.month, a.title, a.form, a.owner) for a in rows] == [
        (3, "民营企业营商环境专题协商会", "专题协商", "经济界"),
        (4, "“送教下乡”惠民服务活动", "惠民服务", "教育界"),
        (5, "开发区重点项目建设情况视察", "调研视察", "经济界"),
        (9, "委员企业家履职能力培训", "委员培训", "经济界"),
        (10, "课后服务工作民主评议", "民主监督", "教育界"),
    ]
    assert rows[1].when == "4月中旬" and rows[1].fields["拟召开时间"] == "4月中旬"
    docs = {d.id for d in hashing_store.documents()}
    assert {a.doc_id for a in rows} <= docs
    assert [a.title for a in hashing_store.activities(form="调研视察")] == ["开发区重点项目建设情况视察"]
    assert [a.title for a in hashing_store.activities(month=10)] == ["课后服务工作民主评议"]
    # The chunks carry the header names too, for search.
    assert any("活动类型：专题协商" in c.text for c in hashing_store.chunks())


def test_activities_go_with_their_source(hashing_store):
    _ingest(hashing_store, "sample_activities.xlsx", "sample_months.txt")
    months_doc = next(d for d in hashing_store.documents() if d.source.endswith("sample_months.txt"))
    assert hashing_store.activities(doc_id=months_doc.id)
    hashing_store.remove_source(str((DATA / "sample_activities.xlsx").resolve()))
    assert {a.doc_id for a in hashing_store.activities()} == {months_doc.id}


def test_a_damaged_xlsx_is_refused_naming_the_file(tmp_path, hashing_store):
    _ingest(hashing_store, "sample_activities.xlsx")
    before = len(hashing_store.activities())
    bad = tmp_path / "broken.xlsx"
    raw = (DATA / "sample_activities.xlsx").read_bytes()
    bad.write_bytes(raw[: len(raw) // 2])
    report = ingest_paths([bad], hashing_store, max_bytes=LIMIT)
    assert report.errors == [{"source": str(bad.resolve()), "error": report.errors[0]["error"]}]
    assert report.errors[0]["error"].startswith("not a valid .xlsx")
    assert len(hashing_store.activities()) == before  # nothing stored is lost


# --- docx with a table and month items ------------------------------------------------------


def test_docx_table_and_month_items_become_activities(hashing_store):
    loaded = load_file(DATA / "sample_table.docx", LIMIT)
    lines = lines_of(loaded.text)
    # The 承办单位 cell merged over two rows is in both; the table stays where it was.
    row = "承办单位：社会福利界委员小组；活动内容：“委员进社区”义诊活动；活动时间：6月；活动形式：惠民服务。"
    assert row in lines
    assert lines.index("# 二、界别活动安排表") < lines.index(row) < lines.index("以上安排可根据工作需要适当调整。")
    (table,) = loaded.tables
    assert table.header == ("承办单位", "活动内容", "活动时间", "活动形式")

    _ingest(hashing_store, "sample_table.docx")
    got = [(a.month, a.when, a.title, a.form, a.owner) for a in hashing_store.activities()]
    # One activity per sentence of a month item (its clauses are one activity), by month.
    assert got == [
        (1, "1月", "召开实践中心年度工作会议，部署全年履职活动", "会议", None),
        (2, "二月份", "组织委员走访困难群众，开展新春慰问", "惠民服务", None),
        (3, "3月", "围绕老旧小区改造开展专题协商，邀请居民代表参加", "专题协商", None),
        (4, "4月", "组织委员视察城区垃圾分类工作", "调研视察", None),
        (5, "5月", "社区养老服务中心运营情况调研", "调研视察", "社会福利界委员小组"),
        (6, "6月", "“委员进社区”义诊活动", "惠民服务", "社会福利界委员小组"),
        (7, "7月", "非遗传承主题读书会", "主题活动", "文化艺术界"),
    ]


# --- month-by-month text ------------------------------------------------------------------


def test_month_items_in_text_with_owner_and_place(hashing_store):
    _ingest(hashing_store, "sample_months.txt")
    by_title = {a.title: a for a in hashing_store.activities()}
    assert sorted({a.month for a in by_title.values()}) == [1, 2, 3, 4, 5, 7, 9, 12]
    meeting = by_title["召开联络处全体委员会议，由联络处主任牵头部署全年工作"]
    assert (meeting.month, meeting.form, meeting.owner) == (1, "会议", "联络处主任")
    gala = by_title["在街道文化活动中心举办委员迎春联谊会"]
    assert (gala.month, gala.when, gala.place, gala.form) == (2, "二月份", "街道文化活动中心", "主题活动")
    consult = by_title["围绕背街小巷环境整治开展专题协商（街道政协委员小组负责）"]
    assert (consult.when, consult.owner, consult.form) == ("3月中旬", "街道政协委员小组", "专题协商")
    assert by_title["组织委员视察辖区养老服务设施建设情况"].month == 4  # after an item number （4）
    assert by_title["赴区档案馆开展“追寻红色足迹”主题活动"].place == "区档案馆"
    assert by_title["召开年度总结会，评选优秀委员履职案例"].month == 12
    # Lines that only mention a month are no activity.
    assert not any("各委员小组" in t for t in by_title)


# --- .doc (Word 97–2003) ----------------------------------------------------------------------


@needs_catdoc
def test_doc_is_read_by_catdoc_with_its_chinese_intact(hashing_store):
    loaded = load_file(DATA / "sample_plan.doc", LIMIT)
    lines = [line for line in lines_of(loaded.text) if line]
    assert loaded.format == "doc"
    assert lines[0] == "东湖街道政协工委2026年工作计划"
    assert "围绕老旧小区改造开展专题协商，邀请居民代表和委员共同议事，形成协商成果报送街道党工委。" in lines
    assert len(lines) == 8  # one paragraph a line: nothing wrapped mid-sentence
    _ingest(hashing_store, "sample_plan.doc")
    (doc,) = hashing_store.documents()
    assert doc.on_topic and doc.year == 2026 and doc.level == "街道"


def test_a_docx_renamed_to_doc_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "renamed.doc"
    path.write_bytes((DATA / "sample.docx").read_bytes())
    with pytest.raises(IngestError, match=r"renamed.doc: not a valid .doc \(no OLE2 header\) \(a .docx renamed\?\)"):
        load_file(path, LIMIT)


# --- scanned .pdf -----------------------------------------------------------------------------


@needs_ocr
def test_scanned_pdf_is_read_by_ocr_and_the_report_says_so(hashing_store):
    loaded = load_file(DATA / "sample_scanned.pdf", LIMIT)
    assert loaded.ocr_pages == (1,)
    for line in ("南山镇政协工作组2026年工作计划", "二、开展专题调研", "全年提交提案不少于五件。"):
        assert line in lines_of(loaded.text)
    report = _ingest(hashing_store, "sample_scanned.pdf")
    source = str((DATA / "sample_scanned.pdf").resolve())
    assert report.to_dict()["ocr"] == [{"source": source, "pages": [1]}]
    (doc,) = hashing_store.documents()
    assert doc.on_topic and doc.year == 2026 and "围绕乡村振兴组织委员开展调研。" in doc.text
    # Unchanged bytes are not read by OCR again.
    again = ingest_paths([DATA / "sample_scanned.pdf"], hashing_store, max_bytes=LIMIT)
    assert again.unchanged == [source] and again.ocr == []


@needs_ocr
def test_a_scanned_page_ocr_cannot_read_is_an_error_naming_the_page(tmp_path, hashing_store):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(DATA / "sample_scanned.pdf"))
    writer.add_blank_page(width=595, height=842)  # page 2: nothing on it, no text layer
    path = tmp_path / "two_pages.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    _ingest(hashing_store, "sample_months.txt")
    before = [d.id for d in hashing_store.documents()]
    report = ingest_paths([path], hashing_store, max_bytes=LIMIT)
    assert [e["error"] for e in report.errors] == [
        "page 2: no text layer and OCR read no text from it (blank or unreadable scan?)"
    ]
    assert report.errors[0]["source"] == str(path.resolve())
    assert [d.id for d in hashing_store.documents()] == before


# --- the store's schema -----------------------------------------------------------------------


def test_a_schema_3_catalog_gains_the_activities_table_and_reparses(tmp_path):
    from vectorstore import schema

    path = tmp_path / "catalog.sqlite"
    db = schema.connect(path)
    db.execute("DROP TABLE activities")
    db.execute("INSERT INTO sources VALUES ('old.txt', 'abc', '2025-01-01')")
    db.execute("PRAGMA user_version=3")
    db.close()
    db = schema.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 4
    assert db.execute("SELECT COUNT(*) FROM activities").fetchone()[0] == 0
    # The next ingest parses every file again, so old files get their activities.
    assert db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 0
    db.close()


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_opens_it(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(20):
                member.write(bytes(1024 * 1024))
    with pytest.raises(IngestError, match=r"bomb.xlsx: refusing \.xlsx: member xl/worksheets/sheet1.xml compresses"):
        load_file(path, LIMIT)


def test_folder_ingest_skips_office_lock_files(tmp_path):
    from ingest.pipeline import expand_paths

    (tmp_path / "plan.xlsx").write_bytes((DATA / "sample_activities.xlsx").read_bytes())
    (tmp_path / "~$plan.xlsx").write_bytes(b"\x00" * 162)  # Excel's owner file while plan.xlsx is open
    assert [p.name for p in expand_paths([tmp_path])] == ["plan.xlsx"]
