"""ingest.loaders, format by format: html article finding, docx styles and archives, pdf text layers."""
from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.loaders import load_file
from loader_samples import DATA, LIMIT, TITLE, lines_of


# --- html -------------------------------------------------------------------------------


def test_html_without_article_picks_the_densest_block(tmp_path):
    body = "".join(f"<p>（{n}）委员围绕乡村振兴开展调研，提出意见建议。</p>" for n in "一二三四")
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
    </head><body>
    <div id="top"><a href="/">首页</a> <a href="/jh">计划</a></div>
    <div class="list"><a href="/1">别的文章一</a><a href="/2">别的文章二</a></div>
    <table><tr><td><h1>镇政协工作组工作计划</h1></td></tr></table>
    <div class="con">{body}<table><tr><td>时间</td><td>内容</td></tr></table></div>
    <div>联系我们 电话</div>
    </body></html>"""
    path = tmp_path / "page.htm"
    path.write_bytes(page.encode("gb18030"))
    loaded = load_file(path, LIMIT)
    lines = lines_of(loaded.text)
    assert loaded.format == "html"
    assert lines[0] == "# 镇政协工作组工作计划"  # title kept from outside the block
    assert "（三）委员围绕乡村振兴开展调研，提出意见建议。" in lines
    assert "时间 | 内容" in lines
    for furniture in ("首页", "别的文章", "联系我们"):
        assert furniture not in loaded.text


def test_html_page_wrapped_in_one_form_keeps_its_text(tmp_path):
    # ASP.NET sites put the whole body inside <form id="form1">.
    page = """<html><body><form id="form1" method="post">
    <div class="menu"><a href="/">首页</a></div>
    <div class="content"><h2>一、政治协商</h2><p>围绕年度重点工作开展专题协商。</p></div>
    <form class="search"><input name="q"><span>站内搜索</span></form>
    </form></body></html>"""
    path = tmp_path / "aspx.html"
    path.write_text(page, encoding="utf-8")
    lines = lines_of(load_file(path, LIMIT).text)
    assert lines == ["## 一、政治协商", "围绕年度重点工作开展专题协商。"]


def test_deeply_nested_html_is_read_in_linear_time(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 5000 + "政协工作计划" + "</div>" * 5000, encoding="utf-8")
    started = time.monotonic()
    assert load_file(path, LIMIT).text == "政协工作计划"
    assert time.monotonic() - started < 2.0


def test_html_with_no_text_is_refused(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><script>var a='政协';</script><nav>导航</nav></body></html>")
    with pytest.raises(IngestError, match="empty.html: no text found"):
        load_file(path, LIMIT)


# --- docx -------------------------------------------------------------------------------


def test_docx_chinese_style_names_and_outline_levels(tmp_path):
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = Document()
    document.styles.add_style("标题 3", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("（一）加强委员管理", style="标题 3")
    outlined = document.add_paragraph("二、民主监督")
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "1")
    outlined._p.get_or_add_pPr().append(outline)
    document.add_paragraph("开展民主评议。")
    path = tmp_path / "styles.docx"
    document.save(path)
    assert lines_of(load_file(path, LIMIT).text) == ["### （一）加强委员管理", "## 二、民主监督", "开展民主评议。"]


def test_docx_that_is_a_zip_without_a_document(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "政协")
    with pytest.raises(IngestError, match=r"other.docx: not a valid \.docx \(no word/document.xml"):
        load_file(path, LIMIT)


def _docx_with_zeros(path: Path, megabytes: int) -> None:
    """A docx whose document.xml inflates to ``megabytes`` MB of zeros, written streaming."""
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)


def test_zip_bomb_docx_is_refused_quickly(tmp_path):
    path = tmp_path / "bomb.docx"
    _docx_with_zeros(path, 300)
    assert path.stat().st_size < 2_000_000
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        load_file(path, LIMIT * 5)
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert "bomb.docx" in message and "300 MB uncompressed" in message and "zip bomb" in message


def test_docx_member_with_absurd_ratio_is_refused(tmp_path):
    path = tmp_path / "ratio.docx"
    _docx_with_zeros(path, 20)  # under the size cap, but ~1000:1
    expected = r"ratio.docx: refusing \.docx: member word/document.xml compresses"
    with pytest.raises(IngestError, match=expected):
        load_file(path, LIMIT)


# --- pdf --------------------------------------------------------------------------------


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_blank_page_without_text_layer_is_an_error_naming_the_page(tmp_path):
    # No text layer, so the page goes to OCR, which finds nothing on it.
    path = tmp_path / "scan.pdf"
    path.write_bytes(_blank_pdf())
    with pytest.raises(IngestError, match=r"scan.pdf: page 1: no text layer and OCR read no text"):
        load_file(path, LIMIT)


def _encrypted_sample(user_password: str, algorithm: str = "RC4-128") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(DATA / "sample.pdf"))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_needing_a_password_is_refused(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(_encrypted_sample("secret"))
    with pytest.raises(IngestError, match=r"locked.pdf: encrypted PDF \(needs a password\)"):
        load_file(path, LIMIT)


def test_pdf_with_only_an_owner_password_opens(tmp_path):
    path = tmp_path / "owner.pdf"
    path.write_bytes(_encrypted_sample(""))
    assert TITLE in load_file(path, LIMIT).text


def test_text_that_is_not_a_pdf(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_text("政协工作计划", encoding="utf-8")
    with pytest.raises(IngestError, match=r"plan.pdf: not a valid \.pdf \(no %PDF header\)"):
        load_file(path, LIMIT)


def test_aes_pdf_with_only_an_owner_password_opens(tmp_path):
    pytest.importorskip("cryptography")  # pypdf's AES support lives there
    path = tmp_path / "aes.pdf"
    path.write_bytes(_encrypted_sample("", algorithm="AES-128"))
    assert TITLE in load_file(path, LIMIT).text
