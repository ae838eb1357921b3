"""ingest.loaders: each accepted format gives back its words, each bad file a clear IngestError.

Good and bad samples, encodings; the details of html, docx and pdf are in test_loaders_formats.py.
"""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import IngestError
from ingest.loaders import SUPPORTED_SUFFIXES, load_file
from loader_samples import DATA, HEADINGS, LIMIT, SENTENCES, TITLE, lines_of, load

# tmp_path is shared by a test's examples; each example overwrites its file, so that is safe.
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


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
    # A table with a header row stays a table: each row keeps its header names, and the
    # rows are records too.
    row = "工作内容：委员集中学习；时间安排：每季度末；牵头负责：工作组组长。"
    assert "工作内容 | 时间安排 | 牵头负责" not in lines
    assert row in lines
    (table,) = load("sample.docx").tables
    assert table.header == ("工作内容", "时间安排", "牵头负责")
    assert table.rows[1].as_dict() == {"工作内容": "乡村振兴专题调研", "时间安排": "5月至6月", "牵头负责": "工作组副组长"}
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
        f"{path}: unsupported file type '.xyz' (accepted: .txt .md .html .htm .docx .doc .xlsx .pdf)"
    )
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".docx", ".doc", ".xlsx", ".pdf")


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
