"""Property tests (hypothesis) on cleaning, splitting, heading parsing and chunking.

Inputs are built from the pieces scraped pages are made of (headings of every style,
篇一 markers, titles, site furniture, filler, placeholders, mixed-width punctuation, odd white
space) mixed with arbitrary text, so the generator reaches the code's real branches.

What "the chunks cover the document" means here, precisely.  Let T be a document's text.
Chunk spans are half-open intervals [s, e) with 0 <= s < e <= len(T) and T[s:e] == chunk.text;
they are in text order and pairwise disjoint.  Every character of T that is not white space
lies in exactly one span (nothing lost, nothing duplicated); the characters outside every span
are white space only — the line breaks between sections, blank lines, and the line break a
long section was cut at.
"""
from __future__ import annotations

import re
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_document
from ingest.clean import clean_text, is_furniture
from ingest.errors import IngestError
from ingest.pipeline import parse_text
from ingest.split import split_documents
from ingest.structure import parse_heading, sections
from ingest.textkit import cn_number, cn_numeral

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
words = st.text(han, min_size=1, max_size=12)
sentence = st.builds(
    lambda parts, stop: "，".join(parts) + stop,
    st.lists(st.sampled_from(["组织委员集中学习", "围绕中心工作", "开展专题调研", "报送社情民意信息", "推动工作制度化"]) | words, min_size=1, max_size=4),
    st.sampled_from(["。", "；", "！", "", ":", "?", "……"]),
)
heading_prefix = st.one_of(
    st.integers(1, 12).map(lambda n: cn_numeral(n) + "、"),
    st.integers(1, 12).map(lambda n: f"（{cn_numeral(n)}）"),
    st.integers(1, 12).map(lambda n: f"({cn_numeral(n)})"),
    st.integers(1, 12).map(lambda n: cn_numeral(n) + "是"),
    st.integers(1, 5).map(lambda n: f"第{cn_numeral(n)}，"),
    st.integers(1, 20).map(lambda n: f"{n}、"),
    st.integers(1, 20).map(lambda n: f"{n}."),
    st.integers(1, 20).map(lambda n: f"（{n}）"),
    st.sampled_from(["# ", "## ", "### ", "- ", "* "]),
)
heading_line = st.builds(lambda p, w, s: p + w + s, heading_prefix, words, st.sampled_from(["", "。", "：", "。每季度学习一次。"]))
special_line = st.sampled_from([
    "乡镇政协工作计划篇一", "## 县政协宣传工作篇二", "模拟政协社会工作计划书5", "篇三:政协工作计划", "第1篇一、前言",
    "2023年乡镇政协工作计划（实用9篇）", "政协工作计划一、总体目标。", "区政协工作计划安排",
    "当前位置:首页>工作计划>政协", "时间:2023-09-06 22:26:14 作者:佚名", "格式:docx", "大小:22.31 KB", "文档页数:15",
    "计划是提高工作与学习效率的一个前提。以下我给大家整理了政协工作计划。", "下面是小编为大家收集的范文",
    "相关范文推荐", "20xx年，镇政协工作组在镇党委的领导下", "十x届x中全会", "**镇政协", "\\*\\*镇", "某某同志",
    "——", "***", "^v^", "", "   ", "\u3000\u3000", "\t", "#", "（", "一、", "一是", "篇", "1.5", "2023:1",
    "Ａ１２ｂ全角字母", "http://example.com/a?b=c", "“引号”（括号）【方括号】", "…打下坚实", "基础。",
])
line = st.one_of(sentence, heading_line, special_line, words, st.text(max_size=40))
raw_text = st.builds(
    lambda lines, sep, bom: ("\ufeff" if bom else "") + sep.join(lines),
    st.lists(line, max_size=40),
    st.sampled_from(["\n", "\r\n", "\n\n", "\r"]),
    st.booleans(),
)


def han_subsequence(small: str, big: str) -> bool:
    it = iter(_HAN_RE.findall(big))
    return all(ch in it for ch in _HAN_RE.findall(small))


# --- cleaning ---------------------------------------------------------------------------------


@PROPS
@given(raw_text)
def test_cleaning_never_crashes_and_only_deletes_words(raw):
    cleaned = clean_text(raw)
    assert "\r" not in cleaned and "\ufeff" not in cleaned
    for ln in cleaned.split("\n") if cleaned else []:
        assert ln and ln == ln.strip(), "no blank lines, no edge white space"
        assert not is_furniture(ln)
    # Wording is never changed: the Chinese characters kept are the input's, in order.
    assert han_subsequence(cleaned, raw)


@PROPS
@given(st.text())
def test_cleaning_arbitrary_unicode(raw):
    assert han_subsequence(clean_text(raw), raw)


@FEW
@given(raw_text)
def test_cleaning_is_idempotent(raw):
    once = clean_text(raw)
    assert clean_text(once) == once


# --- splitting --------------------------------------------------------------------------------


@PROPS
@given(raw_text)
@example("组织委员集中学习。\n篇三：政协工作计划\n组织委员集中学习。")  # found by hypothesis: span was off by one
def test_split_documents_are_disjoint_ordered_slices_of_the_cleaned_text(raw):
    text = clean_text(raw)
    documents = split_documents(text)
    covered = [False] * len(text)
    previous_end = 0
    for doc in documents:
        assert 0 <= doc.start < doc.end <= len(text)
        assert text[doc.start : doc.end] == doc.text
        assert doc.text.strip()
        assert doc.start >= previous_end, "documents overlap or are out of order"
        previous_end = doc.end
        covered[doc.start : doc.end] = [True] * (doc.end - doc.start)
    # Splitting drops nothing but the titles and markers between documents.
    offset = 0
    for ln in text.split("\n"):
        if any(not covered[offset + i] and not ch.isspace() for i, ch in enumerate(ln)):
            assert _is_title_like(ln), f"line {ln!r} is in no document"
        offset += len(ln) + 1


def _is_title_like(ln: str) -> bool:
    """A page title, a 篇N marker, a compilation title, or a line starting with a glued title."""
    from ingest.split import _COLLECTION_TITLE, _MARKER_PREFIX, _is_marker_or_title, glued_title

    heading = parse_heading(ln)
    return bool(
        _is_marker_or_title(ln) or _COLLECTION_TITLE.match(ln) or _MARKER_PREFIX.match(ln) or glued_title(ln)
        or (heading is not None and heading.style.startswith("md"))
    )


# --- headings ---------------------------------------------------------------------------------


@PROPS
@given(st.text(max_size=80))
def test_parse_heading_never_crashes(ln):
    heading = parse_heading(ln)
    if heading is not None:
        assert heading.number >= 0 and isinstance(heading.title, str)


@given(st.integers(1, 99))
def test_chinese_numerals_round_trip(n):
    assert cn_number(cn_numeral(n)) == n


_STYLES = {
    "cn": lambda n: cn_numeral(n) + "、",
    "cn_paren": lambda n: f"（{cn_numeral(n)}）",
    "cn_shi": lambda n: cn_numeral(n) + "是",
    "di": lambda n: f"第{cn_numeral(n)}，",
    "num": lambda n: f"{n}、",
    "num_paren": lambda n: f"（{n}）",
}


@PROPS
@given(st.sampled_from(sorted(_STYLES)), st.integers(1, 99), st.text(han, min_size=1, max_size=30), st.one_of(st.none(), sentence))
def test_generated_headings_parse_back(style, n, title, body):
    if style in ("num", "num_paren"):
        n = n % 100 or 1
    prefix = _STYLES[style](n)
    ln = prefix + title + ("" if body is None else "。" + body)
    heading = parse_heading(ln)
    assert heading is not None and heading.style == style and heading.number == n
    if body is None or not body.strip("。；！…:?"):
        assert heading.title == title and not heading.has_body
    else:
        assert heading.title == title and heading.has_body


@PROPS
@given(raw_text)
def test_sections_are_ordered_line_aligned_slices(raw):
    text = clean_text(raw)
    found = sections(text)
    previous_end = -1
    for s in found:
        assert 0 <= s.start <= s.end <= len(text)
        assert s.start > previous_end
        assert s.start == 0 or text[s.start - 1] == "\n", "a section starts at a line start"
        assert s.end == len(text) or text[s.end] == "\n", "a section ends at a line end"
        assert text[s.start : s.end].split("\n")[0] == s.lines[0]
        previous_end = s.end


# --- chunking ---------------------------------------------------------------------------------


def assert_chunks_cover(text: str, chunks, max_chars: int) -> None:
    """The coverage property of the module docstring."""
    owner = [0] * len(text)
    previous_end = 0
    for c in chunks:
        s, e = c.span
        assert 0 <= s < e <= len(text)
        assert text[s:e] == c.text
        assert s >= previous_end, "chunks overlap or are out of order"
        assert e - s <= max_chars
        previous_end = e
        for i in range(s, e):
            owner[i] += 1
    for i, ch in enumerate(text):
        if ch.isspace():
            assert owner[i] <= 1
        else:
            assert owner[i] == 1, f"character {i} {ch!r} is in {owner[i]} chunks"


@PROPS
@given(raw_text, st.integers(20, 300))
def test_chunks_cover_each_document_exactly(raw, max_chars):
    text = clean_text(raw)
    for doc in split_documents(text):
        with _no_name_finding():
            chunks = chunk_document("d", "s", doc.text, max_chars)
        assert_chunks_cover(doc.text, chunks, max_chars)
        assert len({c.id for c in chunks}) == len(chunks)


@FEW
@given(st.lists(st.one_of(sentence, heading_line, st.text(han, min_size=50, max_size=400)), min_size=1, max_size=30), st.integers(10, 120))
def test_long_sections_are_cut_without_loss(lines, max_chars):
    text = "\n".join(lines)
    assume(text.strip())
    with _no_name_finding():
        chunks = chunk_document("d", "s", text, max_chars)
    assert_chunks_cover(text, chunks, max_chars)


def _no_name_finding():
    """Spans do not depend on the (jieba, slow) name finder; test_parse_text_end_to_end runs it."""
    return mock.patch("ingest.chunking.find_foreign_names", lambda text: [])


@pytest.mark.slow  # the whole parse of 60 generated documents: several seconds
@FEW
@given(raw_text)
def test_parse_text_end_to_end(raw):
    """The whole parse: documents inside the cleaned text, chunks inside their documents."""
    try:
        documents, chunks = parse_text("/plans/x.txt", raw, max_chunk_chars=200)
    except IngestError as exc:
        assert "\n" not in exc.reason
        return
    cleaned = clean_text(raw)
    by_id = {d.id: d for d in documents}
    assert len(by_id) == len(documents)
    for d in documents:
        assert cleaned[d.span[0] : d.span[1]] == d.text
        assert any(ch.isalnum() for ch in d.text)
    for d in documents:
        assert_chunks_cover(d.text, [c for c in chunks if c.doc_id == d.id], 200)
    assert all(c.doc_id in by_id for c in chunks)
