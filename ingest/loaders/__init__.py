"""Turn one file an admin hands us (txt, md, html, docx, doc, xlsx, pdf) into plain text.

The loaders only get the words out, in reading order, with headings marked as Markdown
heading lines where the format says what a heading is. Cleaning site furniture inside the
text, splitting compilations into documents and parsing 一、/（一） headings happen later.

One module per format (``text_loader``, ``html_loader``, ``docx_loader``, ``doc_loader``,
``xlsx_loader``, ``pdf_loader``), each with ``load(raw, source) -> str | Loaded``; ``LOADERS``
maps a suffix to its format and loader.  A loader returns ``Loaded`` when it knows more than
the text: the pages it read by OCR, the tables it found (header names and row records).  To
accept a new format, write its module and add its suffix here.

Every failure is an :class:`~ingest.errors.IngestError` naming the file, with a one-line
reason an admin can act on. Files are untrusted: nothing is executed, archives are checked
for zip bombs before they are opened, and no file is read past ``max_bytes``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ingest.errors import IngestError
from ingest.loaders import doc_loader, docx_loader, html_loader, pdf_loader, text_loader, xlsx_loader
from ingest.loaders.common import Loaded, normalise_newlines, read_bounded
from ingest.loaders.tables import Table, TableRow

# suffix → (format name, loader): the one table of what ingest accepts.
LOADERS: dict[str, tuple[str, Callable[[bytes, str], "str | Loaded"]]] = {
    ".txt": ("txt", text_loader.load),
    ".md": ("md", text_loader.load),
    ".html": ("html", html_loader.load),
    ".htm": ("html", html_loader.load),
    ".docx": ("docx", docx_loader.load),
    ".doc": ("doc", doc_loader.load),
    ".xlsx": ("xlsx", xlsx_loader.load),
    ".pdf": ("pdf", pdf_loader.load),
}
SUPPORTED_SUFFIXES = tuple(LOADERS)

__all__ = ["LOADERS", "SUPPORTED_SUFFIXES", "Loaded", "LoadedFile", "Table", "TableRow", "load_file"]


@dataclass(frozen=True)
class LoadedFile:
    """The text of one source file, ready for cleaning and structure parsing."""

    source: str  # the path as given, so every chunk can point back to its file
    format: str  # "txt", "md", "html", "docx", "doc", "xlsx" or "pdf"
    text: str  # newlines normalised to "\n"; headings as Markdown lines where known
    fingerprint: str  # sha256 hex of the raw bytes: re-ingesting an unchanged file is a no-op
    ocr_pages: tuple[int, ...] = ()  # pages (1-based) whose text came from OCR, not a text layer
    tables: tuple[Table, ...] = ()  # tables with a header row, their rows as records


def load_file(path: Path, max_bytes: int, unchanged: Callable[[str], bool] | None = None) -> LoadedFile | None:
    """Read ``path`` and return its text; None when ``unchanged(fingerprint)`` says the
    bytes are already ingested (so a scan is not read by OCR again).

    Raises :class:`IngestError` (carrying the path) when the file is missing, of an
    unsupported type, larger than ``max_bytes``, empty, or cannot be read as its format.
    """
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise IngestError(
            source,
            f"unsupported file type '{shown}' (accepted: {' '.join(SUPPORTED_SUFFIXES)})",
        )
    raw = read_bounded(path, source, max_bytes)
    if not raw:
        raise IngestError(source, "empty file")

    fingerprint = hashlib.sha256(raw).hexdigest()
    if unchanged is not None and unchanged(fingerprint):
        return None
    fmt, load = LOADERS[suffix]
    result = load(raw, source)
    if not isinstance(result, Loaded):
        result = Loaded(result)
    text = normalise_newlines(result.text)
    if not text.strip():
        # For pdf this is caught earlier with a more useful reason.
        raise IngestError(source, "empty file" if fmt in ("txt", "md") else "no text found")
    return LoadedFile(
        source=source, format=fmt, text=text, fingerprint=fingerprint,
        ocr_pages=result.ocr_pages, tables=result.tables,
    )
