"""Word documents (.docx): paragraphs and tables in order, after the archive is checked.

A table with a header row stays a table: each row a line whose values keep their header
names, and the rows handed on as records (``ingest.loaders.tables``)."""
from __future__ import annotations

import io
import re

from ingest.errors import IngestError
from ingest.loaders.common import Loaded, check_zip_archive, exc_reason
from ingest.loaders.tables import Table, grid_to_text

_DOCX_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_DOCX_TITLE_STYLES = frozenset({"title", "标题"})


def load(raw: bytes, source: str) -> Loaded:
    """Paragraphs and tables in document order; Heading/标题 N paragraphs as Markdown headings."""
    check_zip_archive(raw, source, ".docx", "word/document.xml")
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
        lines: list[str] = []
        tables: list[Table] = []
        _docx_block_lines(document.element.body, document, lines, Paragraph, (DocxTable, tables))
    except IngestError:
        raise
    except Exception as exc:  # python-docx, lxml and zipfile each raise their own kinds
        raise IngestError(source, f"not a valid .docx ({exc_reason(exc)})") from None
    return Loaded("\n".join(lines), tables=tuple(tables))


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
            docx_table, found = table_type
            _docx_table_lines(docx_table(child, document), lines, found)
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


def _docx_table_lines(table, lines: list[str], found: list[Table]) -> None:
    # python-docx gives a merged cell once per grid column it covers (a vertical merge repeats
    # the top cell's text): the grid is already filled in, as grid_to_text wants it.
    grid = [[cell.text for cell in row.cells] for row in table.rows]
    table_lines, records = grid_to_text(grid)
    lines.extend(table_lines)
    if records is not None:
        found.append(records)
