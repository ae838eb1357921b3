"""A .docx's text in reading order, each paragraph with what it is in a 公文 (title, heading, body …).

The kind is read from the paragraph style first (our own export names its styles 标题, 一级标题,
二级标题, 正文, 落款; Word's built-in Title / heading 1 / heading 2 are understood too).  A
paragraph in 正文 or any other style — a file retyped or edited in WPS often has only "Normal",
and a heading typed into a body paragraph keeps the body style — is read by its numbering: 「一、」 opens a first-level heading and 「（一）」 a second-level
one (patterns from ``ingest.textkit``); the first short unnumbered paragraph is the title, and
a date at the very end with the short line above it is the 落款.

The file is untrusted: its size and its unpacked size are bounded before anything parses it,
and whatever python-docx cannot open is one ``DocxError`` with a message for people.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ingest.textkit import PAREN_NUMBER, SECTION_NUMBER, STOPS

# Word's own custom-properties part (ECMA-376 Part 1, 22.3): one <property> per name.
CUSTOM_PROPERTIES_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CP = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

DRAFT_ID_PROPERTY = "plandraft.draft_id"
VERSION_PROPERTY = "plandraft.version"

KINDS = ("title", "heading1", "heading2", "body", "signature", "empty")
# Style names (w:name) → kind.  The Chinese names are our export's; the English ones Word's built-ins.
# The body style decides nothing: it is what a new paragraph gets, so an 「一、」 typed in it
# without applying a heading style is still read as the heading it is.
STYLE_KINDS = {
    "标题": "title", "title": "title",
    "一级标题": "heading1", "heading 1": "heading1",
    "二级标题": "heading2", "heading 2": "heading2",
    "落款": "signature",
}

MAX_DOCX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before it is inflated

_HEADING1 = re.compile(r"^\s*" + SECTION_NUMBER)
_HEADING2 = re.compile(r"^\s*" + PAREN_NUMBER)
_DATE = re.compile(r"^\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$")
_TITLE_MAX = 60
_SIGNATURE_MAX = 40


class DocxError(ValueError):
    """The bytes are not a .docx this reader will open; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class DocxParagraph:
    index: int  # position among the body's paragraphs (empty ones included), as python-docx counts them
    text: str
    style: str  # the paragraph style's name (w:name), "Normal" when none is set
    kind: str  # one of KINDS


@dataclass(frozen=True)
class DocxText:
    properties: dict[str, Any]  # custom document properties (docProps/custom.xml): str, int, float or bool
    title: str  # the core title (docProps/core.xml), "" when unset
    paragraphs: list[DocxParagraph] = field(default_factory=list)

    @property
    def draft_id(self) -> str | None:
        value = self.properties.get(DRAFT_ID_PROPERTY)
        return value if isinstance(value, str) and value else None

    @property
    def version(self) -> int | None:
        value = self.properties.get(VERSION_PROPERTY)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def of_kind(self, kind: str) -> list[DocxParagraph]:
        return [p for p in self.paragraphs if p.kind == kind]


def open_docx(raw: bytes):
    """``raw`` as a python-docx Document, after the size checks; ``DocxError`` when it is not one."""
    import docx

    if len(raw) > MAX_DOCX_BYTES:
        raise DocxError(f"文件超过{MAX_DOCX_BYTES // (1024 * 1024)} MB")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED_BYTES:
                raise DocxError("文件解压后过大")
        return docx.Document(io.BytesIO(raw))
    except DocxError:
        raise
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own on a broken package
        raise DocxError(f"不是可读取的 Word（.docx）文件：{type(exc).__name__}") from None


def read_docx(raw: bytes) -> DocxText:
    """The custom properties, core title and paragraphs (each with its kind) of a .docx."""
    document = open_docx(raw)
    paragraphs = [(p.text, style_name(p)) for p in document.paragraphs]
    kinds = paragraph_kinds(paragraphs)
    return DocxText(
        properties=custom_properties(document),
        title=document.core_properties.title or "",
        paragraphs=[DocxParagraph(i, text, style, kind) for i, ((text, style), kind) in enumerate(zip(paragraphs, kinds))],
    )


def style_name(paragraph) -> str:
    """The paragraph style's name; "Normal" when none is set or the id names no style."""
    try:
        style = paragraph.style
    except (KeyError, ValueError):  # a style id the styles part does not define
        return "Normal"
    return (style.name if style is not None else None) or "Normal"


def paragraph_kinds(paragraphs: list[tuple[str, str]]) -> list[str]:
    """The kind of each (text, style name): by style, else by numbering and position."""
    kinds: list[str | None] = []
    for text, style in paragraphs:
        kinds.append("empty" if not text.strip() else STYLE_KINDS.get(style.strip().lower()))
    if "title" not in kinds:
        _guess_title(paragraphs, kinds)
    if "signature" not in kinds:
        _guess_signature(paragraphs, kinds)
    for i, (text, _) in enumerate(paragraphs):
        if kinds[i] is None:
            kinds[i] = "heading1" if _HEADING1.match(text) else "heading2" if _HEADING2.match(text) else "body"
    return kinds  # type: ignore[return-value]


def _guess_title(paragraphs, kinds) -> None:
    """The first paragraph with text is the title when it reads like one: short, unnumbered, no full stop."""
    for i, (text, _) in enumerate(paragraphs):
        if kinds[i] == "empty":
            continue
        line = text.strip()
        if kinds[i] is None and len(line) <= _TITLE_MAX and not _numbered(line) and not any(c in line for c in STOPS):
            kinds[i] = "title"
        return


def _guess_signature(paragraphs, kinds) -> None:
    """A date as the last paragraph, and the short unpunctuated line just above it, are the 落款."""
    filled = [i for i, k in enumerate(kinds) if k != "empty"]
    if not filled or kinds[filled[-1]] is not None or not _DATE.match(paragraphs[filled[-1]][0]):
        return
    kinds[filled[-1]] = "signature"
    if len(filled) > 1:
        j = filled[-2]
        line = paragraphs[j][0].strip()
        if kinds[j] is None and len(line) <= _SIGNATURE_MAX and not _numbered(line) and not any(c in line for c in STOPS):
            kinds[j] = "signature"


def _numbered(line: str) -> bool:
    return bool(_HEADING1.match(line) or _HEADING2.match(line))


def custom_properties(document) -> dict[str, Any]:
    """The custom properties python-docx does not read: name → value (lpwstr/i4/r8/bool; others as text)."""
    for part in document.part.package.iter_parts():
        if part.content_type != CUSTOM_PROPERTIES_TYPE:
            continue
        try:
            root = etree.fromstring(part.blob, parser=_SAFE_PARSER)
        except etree.XMLSyntaxError:
            return {}
        found: dict[str, Any] = {}
        for prop in root.findall(f"{{{_CP}}}property"):
            name, value = prop.get("name"), next(iter(prop), None)
            if name and value is not None:
                found[name] = _value(value)
        return found
    return {}


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _value(element) -> Any:
    kind, text = etree.QName(element).localname, (element.text or "").strip()
    try:
        if kind in ("i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8", "uint"):
            return int(text)
        if kind in ("r4", "r8", "decimal"):
            return float(text)
    except ValueError:
        return text
    if kind == "bool":
        return text.lower() in ("true", "1")
    return element.text or ""
