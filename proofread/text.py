"""The checker: ``check_text`` runs every rule on a text, ``check_docx`` on a Word file's
paragraphs, ``check_file`` on a .txt, .md or .docx file.

Each rule knows one kind of finding (words.py: typo and usage; dated.py: outdated; bodies.py:
level_word and other_body; figures.py: placeholder and number; marks.py: punctuation).  A rule
whose knowledge the context lacks does not run, so a text checked with no year is not told its
references are stale.
"""
from __future__ import annotations

from pathlib import Path

from proofread.bodies import level_findings, other_body_findings
from proofread.context import CheckContext
from proofread.docx_text import DocxError, read_docx
from proofread.dated import outdated_findings
from proofread.figures import number_findings, placeholder_findings
from proofread.findings import Finding
from proofread.layout import check_layout
from proofread.marks import punctuation_findings
from proofread.words import word_findings

# When two findings cover the same characters, the one earlier here is the one reported: a
# placeholder (20xx) is not also a number, a typo (就象) not also a usage of 象.
KINDS = ("placeholder", "typo", "usage", "outdated", "level_word", "other_body", "number", "punctuation")
# What a person reading the list calls each kind.
KIND_NAMES = {
    "placeholder": "占位符", "typo": "错别字", "usage": "规范用语", "outdated": "过时提法", "level_word": "层级用语",
    "other_body": "他单位名称", "number": "数字", "punctuation": "标点", "layout": "版式",
}
TEXT_SUFFIXES = (".txt", ".md")
DOCX_SUFFIX = ".docx"


class CheckError(Exception):
    """A file the checker cannot read; the message names it and says why."""


def check_text(text: str, context: CheckContext | None = None) -> list[Finding]:
    """Every finding in ``text``, in text order; offsets are into ``text``."""
    context = context or CheckContext()
    found = word_findings(text) + placeholder_findings(text) + punctuation_findings(text)
    if context.year:
        found += outdated_findings(text, context.year)
    if context.level:
        found += level_findings(text, context.level)
    if context.other_bodies or context.org_name:
        found += other_body_findings(text, context.other_bodies, context.org_name)
    if context.sources is not None:
        found += number_findings(text, context.sources, context.year)
    return deduplicate(found)


def deduplicate(found: list[Finding]) -> list[Finding]:
    """One finding per stretch of text: among overlapping findings of different kinds the kind
    earlier in ``KINDS`` wins (then the longer one); punctuation overlaps nothing but itself."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    ordered = sorted(found, key=lambda f: (rank.get(f.kind, len(KINDS)), -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in ordered:
        if any(_overlap(f, k) and (f.kind != "punctuation" or k.kind == "punctuation") for k in kept):
            continue
        kept.append(f)
    return sorted(kept, key=lambda f: (f.paragraph or 0, f.start, f.end, rank.get(f.kind, 99)))


def _overlap(a: Finding, b: Finding) -> bool:
    return a.paragraph == b.paragraph and a.start < b.end and b.start < a.end


def check_docx(raw: bytes, context: CheckContext | None = None) -> list[Finding]:
    """A Word file's layout findings (GB/T 9704) and each paragraph's text findings, with
    ``paragraph`` its index and offsets within it."""
    try:
        document = read_docx(raw)
        found = check_layout(raw)
    except DocxError as exc:
        raise CheckError(str(exc)) from exc
    for paragraph in document.paragraphs:
        if paragraph.text.strip():
            found += [_in_paragraph(f, paragraph.index) for f in check_text(paragraph.text, context)]
    return found


def check_file(path: str | Path, context: CheckContext | None = None) -> list[Finding]:
    """Check a .txt / .md (UTF-8 or GB18030) or .docx file; ``CheckError`` names a file it cannot read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (*TEXT_SUFFIXES, DOCX_SUFFIX):
        raise CheckError(f"{path}: 只能校对 .txt、.md、.docx 文件")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckError(f"{path}: 无法读取（{exc.strerror or exc}）") from exc
    if suffix == DOCX_SUFFIX:
        try:
            return check_docx(raw, context)
        except CheckError as exc:
            raise CheckError(f"{path}: {exc}") from exc
    return check_text(_decode(raw, path), context)


def read_text_file(path: str | Path) -> str:
    """A .txt / .md file's text exactly as ``check_file`` checks it (its offsets are into this)."""
    path = Path(path)
    try:
        return _decode(path.read_bytes(), path)
    except OSError as exc:
        raise CheckError(f"{path}: 无法读取（{exc.strerror or exc}）") from exc


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text.replace("\r\n", "\n")
    raise CheckError(f"{path}: 不是 UTF-8 或 GB18030 编码的文本文件")


def _in_paragraph(f: Finding, index: int) -> Finding:
    from dataclasses import replace

    return replace(f, paragraph=index)
