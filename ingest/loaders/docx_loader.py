"""Word documents (.docx): paragraphs and tables in order, after the archive is checked."""
from __future__ import annotations

import io
import re
import zipfile

from ingest.errors import IngestError
from ingest.loaders.common import exc_reason

# A .docx is a zip; refuse archives that would inflate past these before python-docx opens them.
DOCX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DOCX_MAX_RATIO = 100  # only checked for members big enough to matter (see below)
DOCX_RATIO_MIN_MEMBER = 1024 * 1024
DOCX_MAX_MEMBERS = 5000
_DOCX_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_DOCX_TITLE_STYLES = frozenset({"title", "标题"})


def load(raw: bytes, source: str) -> str:
    """Paragraphs and tables in document order; Heading/标题 N paragraphs as Markdown headings."""
    _check_docx_archive(raw, source)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
        lines: list[str] = []
        _docx_block_lines(document.element.body, document, lines, Paragraph, Table)
    except IngestError:
        raise
    except Exception as exc:  # python-docx, lxml and zipfile each raise their own kinds
        raise IngestError(source, f"not a valid .docx ({exc_reason(exc)})") from None
    return "\n".join(lines)


def _check_docx_archive(raw: bytes, source: str) -> None:
    """Refuse a non-zip or a zip bomb from the central directory alone, inflating nothing.

    zipfile stops reading a member at its declared size (and fails the CRC if the data runs
    on), so the declared sizes checked here bound what python-docx can inflate later.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise IngestError(source, f"not a valid .docx ({exc_reason(exc)})") from None
    if len(members) > DOCX_MAX_MEMBERS:
        raise IngestError(source, f"refusing .docx: {len(members):,} archive members (zip bomb?)")
    total = sum(m.file_size for m in members)
    if total > DOCX_MAX_UNCOMPRESSED:
        raise IngestError(
            source,
            f"refusing .docx: {total / 2**20:,.0f} MB uncompressed "
            f"(limit {DOCX_MAX_UNCOMPRESSED / 2**20:.0f} MB; zip bomb?)",
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size >= DOCX_RATIO_MIN_MEMBER and ratio > DOCX_MAX_RATIO:
            raise IngestError(
                source,
                f"refusing .docx: member {m.filename} compresses {ratio:,.0f}:1 "
                f"(limit {DOCX_MAX_RATIO}:1; zip bomb?)",
            )
    if "word/document.xml" not in {m.filename for m in members}:
        raise IngestError(source, "not a valid .docx (no word/document.xml in the archive)")


def _docx_block_lines(container, document, lines: list[str], paragraph_type, table_type) -> None:
    """Walk the body's XML children so tables stay where they are among the paragraphs."""
    from docx.oxml.ns import qn

    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = paragraph_type(child, document)
            text = paragraph.text.strip()
            if not text:
                continue
            level = _docx_heading_level(paragraph)
            if level:
                # A heading is one line even if the author put line breaks in it.
                lines.append("#" * level + " " + " ".join(text.split()))
            else:
                lines.extend(part.strip() for part in text.split("\n") if part.strip())
        elif child.tag == qn("w:tbl"):
            _docx_table_lines(table_type(child, document), lines)
        elif child.tag == qn("w:sdt"):
            # Content controls (common in templates) wrap ordinary paragraphs and tables.
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _docx_block_lines(content, document, lines, paragraph_type, table_type)


def _docx_heading_level(paragraph) -> int:
    """1–6 for Heading N / 标题 N / Title styles or an outline level, else 0 (body text)."""
    # Direct paragraph formatting overrides the style, as it does in Word.
    direct = _outline_level(paragraph._p)
    if direct is not None:
        return _heading_from_outline(direct)
    try:
        style = paragraph.style
    except Exception:  # a dangling style id in a hand-edited file is not worth failing on
        style = None
    seen = 0
    while style is not None and seen < 10:  # follow based_on a little way, but never loop
        name = (style.name or "").strip()
        match = _DOCX_HEADING_STYLE.match(name)
        if match:
            return min(int(match.group(1)), 6)
        if name.lower() in _DOCX_TITLE_STYLES:
            return 1
        outline = _outline_level(style.element)
        if outline is not None:
            return _heading_from_outline(outline)
        style = style.base_style
        seen += 1
    return 0


def _outline_level(element) -> int | None:
    """Word's w:outlineLvl value (0-based; 9 means body text), or None when not set."""
    from docx.oxml.ns import qn

    ppr = element.find(qn("w:pPr"))
    lvl = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if lvl is None:
        return None
    try:
        return int(lvl.get(qn("w:val")))
    except (TypeError, ValueError):
        return None


def _heading_from_outline(value: int) -> int:
    return min(value + 1, 6) if 0 <= value < 9 else 0


def _docx_table_lines(table, lines: list[str]) -> None:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # Merged cells come back once per grid column; keep one copy.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
