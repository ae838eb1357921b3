"""ingest.loaders: each accepted format gives back its words, each bad file a clear IngestError."""
from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_SUFFIXES, LoadedFile, load_file

DATA = Path(__file__).parent / "data"
LIMIT = 1_000_000
# tmp_path is shared by a test's examples; each example overwrites its file, so that is safe.
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Sentences every good sample carries (tests/data/make_samples.py wrote them).
TITLE = "青禾镇政协工作组2025年工作计划"
SENTENCES = [
    "坚持团结和民主两大主题",
    "每季度组织一次委员集中学习，重点学习人民政协理论和有关法律法规",
    "全年提交提案不少于五件，报送社情民意信息不少于十条。",
    "推动工作制度化、规范化、程序化。",
]
HEADINGS = ["一、加强学习，提高委员履职能力", "三、加强自身建设，提升工作水平"]


def load(name: str) -> LoadedFile:
    return load_file(DATA / name, LIMIT)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n")]


# --- good samples -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("sample_utf8.txt", "txt"),
        ("sample_bom.txt", "txt"),
        ("sample_gb18030.txt", "txt"),
        ("sample.md", "md"),
        ("sample.html", "html"),
        ("sample.docx", "docx"),
        ("sample.pdf", "pdf"),
    ],
)
def test_good_sample_loads_with_its_sentences(name, fmt):
    loaded = load(name)
    assert loaded.format == fmt
    assert loaded.source == str(DATA / name)
    assert loaded.fingerprint == hashlib.sha256((DATA / name).read_bytes()).hexdigest()
    assert "\r" not in loaded.text
    # A PDF's text layer breaks lines where the page did; compare without line breaks there.
    text = loaded.text.replace("\n", "") if fmt == "pdf" else loaded.text
    assert TITLE in text
    for sentence in SENTENCES + HEADINGS:
        assert sentence in text


def test_encodings_decode_identically():
    utf8 = load("sample_utf8.txt").text
    assert not utf8.startswith("\ufeff")
    assert load("sample_bom.txt").text == utf8  # BOM stripped, CRLF → LF
    assert load("sample_gb18030.txt").text == utf8


def test_fingerprints_differ_with_the_bytes():
    names = ("sample_utf8.txt", "sample_bom.txt", "sample_gb18030.txt")
    prints = {load(name).fingerprint for name in names}
    assert len(prints) == 3


def test_markdown_keeps_its_headings():
    lines = lines_of(load("sample.md").text)
    assert f"# {TITLE}" in lines
    assert "## 一、加强学习，提高委员履职能力" in lines


def test_docx_headings_become_markdown_and_the_table_stays_in_place():
    lines = [line for line in lines_of(load("sample.docx").text) if line]
    assert lines[0] == f"# {TITLE}"  # Title style
    assert "# 一、加强学习，提高委员履职能力" in lines  # Heading 1
    assert "## （二）开展履职培训" in lines  # Heading 2
    assert not any(line.startswith("#") and "每季度组织一次" in line for line in lines)
    row = "委员集中学习 | 每季度末 | 工作组组长"
    assert "工作内容 | 时间安排 | 牵头负责" in lines
    assert row in lines
    # Document order: the table sits between sections 一 and 二.
    assert lines.index("## （二）开展履职培训") < lines.index(row)
    assert lines.index(row) < lines.index("# 二、围绕中心工作，积极建言献策")


def test_html_keeps_the_article_and_drops_the_furniture():
    text = load("sample.html").text
    lines = lines_of(text)
    assert f"# {TITLE}" in lines
    assert "## 二、围绕中心工作，积极建言献策" in lines
    # The source line break inside a paragraph must not split or space the sentence.
    assert "组织委员深入村组开展调研，形成调研报告" in text
    for furniture in (
        "alert(1)", "脚本写出的字", "样式里的字",  # script and style
        "当前位置", "首页",  # breadcrumb and nav
        "热门文章", "相关范文推荐", "社区疫苗接种", "网友评论", "分享到",
        "广告", "版权所有", "备案号", "范文网",
    ):
        assert furniture not in text, furniture


def test_pdf_pages_are_separated_by_a_blank_line():
    text = load("sample.pdf").text
    first, second = text.split("\n\n")
    assert TITLE in first and "二、围绕中心工作" in second


# --- bad samples ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("sample_empty.txt", "empty file"),
        ("sample_binary.txt", "not a text file (looks binary)"),
        ("sample_broken.docx", "not a valid .docx ("),
        ("sample_broken.pdf", "not a valid .pdf ("),
    ],
)
def test_bad_sample_raises_a_one_line_error_naming_the_file(name, reason):
    with pytest.raises(IngestError) as caught:
        load(name)
    message = str(caught.value)
    assert name in message
    assert reason in message
    assert "\n" not in message
    assert caught.value.source == str(DATA / name)


def test_file_over_the_limit_is_refused_with_its_size(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("政协" * 600, encoding="utf-8")  # 3,600 bytes
    expected = r"big\.txt: file too large \(3,600 bytes; limit 1,000 bytes\)"
    with pytest.raises(IngestError, match=expected):
        load_file(path, max_bytes=1000)
    assert load_file(path, max_bytes=3600).text == "政协" * 600


def test_unknown_extension(tmp_path):
    path = tmp_path / "plan.xyz"
    path.write_text("政协工作计划", encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        load_file(path, LIMIT)
    assert str(caught.value) == (
        f"{path}: unsupported file type '.xyz' (accepted: .txt .md .html .htm .docx .pdf)"
    )
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


def test_suffix_is_case_insensitive(tmp_path):
    path = tmp_path / "PLAN.TXT"
    path.write_bytes((DATA / "sample_utf8.txt").read_bytes())
    assert load_file(path, LIMIT).format == "txt"


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(IngestError, match="nope.txt: file not found"):
        load_file(tmp_path / "nope.txt", LIMIT)
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(IngestError, match="not a regular file"):
        load_file(folder, LIMIT)


def test_whitespace_only_text_is_empty(tmp_path):
    path = tmp_path / "blank.md"
    path.write_text(" \n\u3000\r\n\t", encoding="utf-8")
    with pytest.raises(IngestError, match="blank.md: empty file"):
        load_file(path, LIMIT)


# --- more encodings ---------------------------------------------------------------------

TRADITIONAL = (
    "一、加強理論學習，提高履職能力。\n（一）組織委員認真學習黨的方針政策，每季度舉辦一次學習講座。\n"
    "二、圍繞中心工作，積極建言獻策。\n"
)


def test_big5_is_told_apart_from_gb18030(tmp_path):
    path = tmp_path / "big5.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    assert load_file(path, LIMIT).text == TRADITIONAL


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    path = tmp_path / "notepad.txt"
    path.write_bytes("\ufeff政协工作组\r\n工作计划".encode("utf-16-le"))
    assert load_file(path, LIMIT).text == "政协工作组\n工作计划"


def test_control_characters_mean_binary(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(1, 32)) * 20 + "政协".encode())
    with pytest.raises(IngestError, match="looks binary"):
        load_file(path, LIMIT)


@FUZZ
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
            st.sampled_from("，。、；：（）一二三1234567890abc #\n\r\t"),
        ),
        min_size=1,
        max_size=200,
    )
)
def test_utf8_text_round_trips(tmp_path, text):
    path = tmp_path / "any.txt"
    path.write_bytes(text.encode("utf-8"))
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    if not expected.strip():
        with pytest.raises(IngestError, match="empty file"):
            load_file(path, LIMIT)
    else:
        assert load_file(path, LIMIT).text == expected


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(SUPPORTED_SUFFIXES))
def test_arbitrary_bytes_give_text_or_ingest_error(tmp_path, raw, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(raw)
    try:
        loaded = load_file(path, LIMIT)
    except IngestError as exc:
        assert "\n" not in str(exc) and exc.source == str(path)
    else:
        assert loaded.text.strip()


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


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_blank_pdf())
    with pytest.raises(IngestError, match=r"scan.pdf: no text layer \(scanned PDF\?\)"):
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
