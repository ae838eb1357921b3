"""Turn one file an admin hands us (txt, md, html, docx, pdf) into plain text.

The loaders only get the words out, in reading order, with headings marked as Markdown
heading lines where the format says what a heading is. Cleaning site furniture inside the
text, splitting compilations into documents and parsing 一、/（一） headings happen later.

Every failure is an :class:`~ingest.errors.IngestError` naming the file, with a one-line
reason an admin can act on. Files are untrusted: nothing is executed, archives are checked
for zip bombs before they are opened, and no file is read past ``max_bytes``.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")

# A .docx is a zip; refuse archives that would inflate past these before python-docx opens them.
DOCX_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DOCX_MAX_RATIO = 100  # only checked for members big enough to matter (see below)
DOCX_RATIO_MIN_MEMBER = 1024 * 1024
DOCX_MAX_MEMBERS = 5000

# Decoded text with more than this share of control or U+FFFD characters is not prose.
BINARY_CHAR_SHARE = 0.05
# UTF-8 text with at most one undecodable byte sequence per this many characters is damaged
# text, not another encoding.
UTF8_DAMAGE_RATIO = 100
# What files renamed to .txt / .md / .html usually really are.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive, e.g. a .docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls); save it as .docx"),
    (b"{\\rtf", "an RTF document; save it as .docx"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable program"),
)

# Tags that never hold the article body of a scraped page.
HTML_DROP_TAGS = frozenset({
    "head", "script", "style", "noscript", "template", "iframe", "frame", "frameset",
    "object", "embed", "applet", "canvas", "svg", "math", "button", "select", "input",
    "textarea", "link", "meta",
})
# Tags that are site furniture by their nature (<header> only outside an <article>).
HTML_FURNITURE_TAGS = frozenset({"nav", "aside", "footer", "header"})
# class / id tokens that mark site furniture (导航, 面包屑, 侧栏, 评论, 分享, 相关推荐, 广告 …).
HTML_FURNITURE_TOKENS = frozenset({
    "nav", "navbar", "navigation", "menu", "submenu", "topmenu", "footer", "foot", "breadcrumb",
    "breadcrumbs", "crumb", "crumbs", "position", "location", "sidebar", "side", "aside",
    "comment", "comments", "reply", "share", "sharing", "social", "related", "relate",
    "recommend", "recommends", "recommended", "tuijian", "xiangguan", "ad", "ads", "advert",
    "advertisement", "adsense", "banner", "sponsor", "copyright", "pager", "pagination",
    "login", "toolbar", "topbar", "hot", "rank", "ranking", "links", "friendlink", "tags",
    "search", "download", "gotop", "backtop", "popup", "modal", "cookie", "logo",
})
HTML_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd",
    "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "center", "address", "figure", "figcaption", "h5", "h6", "hr", "header",
})
HTML_HEADING_LEVELS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
# Inside a <tr>, these mean a layout table rather than a row of data.
_HTML_ROW_BREAKERS = sorted((HTML_BLOCK_TAGS - {"td", "th"}) | {"br"})
# Containers the main-content search may descend into.
HTML_CONTAINER_TAGS = frozenset({
    "body", "div", "section", "article", "main", "table", "tbody", "tr", "td", "center",
})
# Descend into a child block when it holds this share of its parent's (non-link) Chinese text.
HTML_DESCEND_SHARE = 0.8

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_CHAR = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
# A source line break between two CJK characters is HTML formatting, not a space in the text.
_CJK_WRAP = re.compile(rf"(?<={_CJK_CHAR})[ \t\r\f]*\n[ \t\r\n\f]*(?={_CJK_CHAR})")
# C0/C1 control characters other than tab, newlines and form feeds, plus U+FFFD.
_ODD_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")
_MULTI_SPACE = re.compile(r" {2,}")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_DOCX_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_DOCX_TITLE_STYLES = frozenset({"title", "标题"})


@dataclass(frozen=True)
class LoadedFile:
    """The text of one source file, ready for cleaning and structure parsing."""

    source: str  # the path as given, so every chunk can point back to its file
    format: str  # "txt", "md", "html", "docx" or "pdf"
    text: str  # newlines normalised to "\n"; headings as Markdown lines where known
    fingerprint: str  # sha256 hex of the raw bytes: re-ingesting an unchanged file is a no-op


def load_file(path: Path, max_bytes: int) -> LoadedFile:
    """Read ``path`` and return its text.

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
    raw = _read_bounded(path, source, max_bytes)
    if not raw:
        raise IngestError(source, "empty file")

    fmt = suffix.lstrip(".")
    if fmt in ("txt", "md"):
        text = _decode_text(raw, source)
    elif fmt in ("html", "htm"):
        fmt = "html"
        text = _html_to_text(raw, source)
    elif fmt == "docx":
        text = _docx_to_text(raw, source)
    else:
        text = _pdf_to_text(raw, source)

    text = _normalise_newlines(text)
    if not text.strip():
        # For pdf this is caught earlier with a more useful reason.
        raise IngestError(source, "empty file" if fmt in ("txt", "md") else "no text found")
    return LoadedFile(
        source=source, format=fmt, text=text, fingerprint=hashlib.sha256(raw).hexdigest()
    )


def _read_bounded(path: Path, source: str, max_bytes: int) -> bytes:
    """Read the whole file, refusing it from its size alone when it is over the limit."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IngestError(source, "not a regular file")
        if size > max_bytes:
            raise IngestError(source, _too_large(size, max_bytes))
        with path.open("rb") as fh:
            # Read one byte past the limit: the file may have grown since stat().
            raw = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise IngestError(source, "file not found") from None
    except PermissionError:
        raise IngestError(source, "permission denied") from None
    except IsADirectoryError:
        raise IngestError(source, "not a regular file") from None
    except OSError as exc:
        raise IngestError(source, f"cannot read file ({_one_line(exc.strerror or exc)})") from None
    if len(raw) > max_bytes:
        raise IngestError(source, _too_large(len(raw), max_bytes, at_least=True))
    return raw


def _too_large(size: int, max_bytes: int, at_least: bool = False) -> str:
    more = "at least " if at_least else ""
    return f"file too large ({more}{size:,} bytes; limit {max_bytes:,} bytes)"


def _one_line(value: object, limit: int = 200) -> str:
    """Library messages can span lines; ours must not."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- plain text -------------------------------------------------------------------------


def _decode_text(raw: bytes, source: str) -> str:
    """Decode a text file written by whatever editor a 政协 office had at hand."""
    # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes are not binary.
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            try:
                return _check_not_binary(raw[len(bom):].decode(codec), source)
            except UnicodeDecodeError:
                raise IngestError(source, "not a text file (looks binary)") from None
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            # A file renamed by hand: say what it is rather than reading its bytes as text.
            raise IngestError(source, f"not a text file (it is {kind})")
    if b"\x00" in raw:
        raise IngestError(source, "not a text file (looks binary)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return _check_not_binary(_decode_unmarked(raw, source), source)


def _decode_unmarked(raw: bytes, source: str) -> str:
    """UTF-8, then GB18030 or Big5, then damaged UTF-8, then charset-normalizer's guess.

    Codecs are tried strictly; UTF-8 is then allowed a truncated last character, or one
    undecodable sequence per ``UTF8_DAMAGE_RATIO`` characters (shown as U+FFFD).
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            # A download or copy cut off inside the last character: keep what came before it.
            text = _try_decode(raw[: exc.start], "utf-8")
            if text:
                return text
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Big5 byte pairs are almost all valid GB18030, so a Big5 file decodes without error
        # into rare-character nonsense; tell the two apart by how common the characters are.
        big5 = _try_decode(raw, "cp950")
        if big5 is not None and _big5_commonness(big5) > _gb2312_commonness(text):
            return big5
        return text

    # UTF-8 with a few damaged bytes (not GB18030, which was tried above): keep the text and
    # show the damage as U+FFFD rather than refusing the whole file or guessing another codec.
    lenient = raw.decode("utf-8", "replace")
    if lenient.count("\ufffd") * UTF8_DAMAGE_RATIO <= len(lenient) and _HAN.search(lenient):
        return lenient

    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise IngestError(source, "not a text file (looks binary)")
    return str(best)


def _try_decode(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _gb2312_commonness(text: str) -> float:
    """Share of Han characters in GB2312 level 1 (the 3755 常用字): ~1.0 for real GB text."""
    return _share(text, lambda enc: 0xB0 <= enc[0] <= 0xD7, "gb2312")


def _big5_commonness(text: str) -> float:
    """Share of Han characters in Big5's 常用字 block (lead bytes A4–C6)."""
    return _share(text, lambda enc: 0xA4 <= enc[0] <= 0xC6, "cp950")


def _share(text: str, is_common, codec: str) -> float:
    han = _HAN.findall(text)[:20_000]  # plenty to tell the two apart
    if not han:
        return 0.0
    common = 0
    for ch in han:
        try:
            common += bool(is_common(ch.encode(codec)))
        except UnicodeEncodeError:
            pass
    return common / len(han)


def _check_not_binary(text: str, source: str) -> str:
    """Refuse text that decoded but is mostly control characters or replacement marks."""
    if text and len(_ODD_CHARS.findall(text)) / len(text) > BINARY_CHAR_SHARE:
        raise IngestError(source, "not a text file (looks binary)")
    return text


# --- html -------------------------------------------------------------------------------


def _html_to_text(raw: bytes, source: str) -> str:
    """The article of a scraped page, one line per block, h1–h4 as Markdown headings."""
    from bs4 import BeautifulSoup, Comment, Tag

    try:
        soup = BeautifulSoup(_decode_html(raw, source), "lxml")
        for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
            comment.extract()
        _prune(soup, Tag, lambda tag, in_article: tag.name in HTML_DROP_TAGS)

        body = soup.body or soup
        han = _non_link_han_counts(body, Tag)
        holds_article = _ancestors_of(body.find_all(["article", "main"]), body)

        def is_furniture(tag, in_article: bool) -> bool:
            if tag is body or id(tag) in holds_article:
                return False
            if tag.name in HTML_FURNITURE_TAGS:
                # <header> inside an <article> is the article's own title block.
                return not (tag.name == "header" and in_article)
            # A <form> or furniture-sounding class around most of the page's text is a page
            # wrapper: ASP.NET sites (common among government sites) put all of <body> in
            # one <form>; <div class="main has-sidebar"> happens too. Keep those.
            if han.get(id(tag), 0) * 2 > han[id(body)]:
                return False
            return tag.name == "form" or _looks_like_furniture(tag, in_article)

        _prune(body, Tag, is_furniture)
        main = _main_block(body, Tag)
        lines = _html_block_lines(main, Tag)
        if main.find("h1") is None:
            # The title often sits just outside the content block; keep it as the first heading.
            title = body.find("h1")
            if title is not None and (title_text := _collapse(title.get_text(" "))):
                lines.insert(0, f"# {title_text}")
    except RecursionError:
        raise IngestError(source, "page is nested too deeply to read") from None
    return "\n".join(lines)


def _prune(root, tag_type, should_drop) -> None:
    """Decompose every tag for which ``should_drop(tag, in_article)`` holds, top down.

    Iterative, and never visits what was already removed, so it stays linear in the page.
    """
    stack = [(root, False)]
    while stack:
        tag, in_article = stack.pop()
        if tag is not root and should_drop(tag, in_article):
            tag.decompose()
            continue
        in_article = in_article or tag.name == "article"
        stack.extend(
            (child, in_article) for child in tag.children if isinstance(child, tag_type)
        )


def _ancestors_of(tags, root) -> set[int]:
    """Ids of ``tags`` and of every element above them, up to ``root``."""
    seen: set[int] = set()
    for tag in tags:
        while tag is not None and id(tag) not in seen:
            seen.add(id(tag))
            if tag is root:
                break
            tag = tag.parent
    return seen


def _decode_html(raw: bytes, source: str) -> str:
    """Use the page's declared charset when it decodes cleanly, else guess like a .txt."""
    if not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        declared = _META_CHARSET.search(raw[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "replace").lower()
            # Pages labelled gb2312/gbk routinely contain characters outside it.
            if name in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
                name = "gb18030"
            elif name in ("big5", "big5-hkscs"):
                name = "cp950"
            try:
                return _check_not_binary(raw.decode(name), source)
            except (LookupError, UnicodeDecodeError):
                pass
    return _decode_text(raw, source)


def _looks_like_furniture(tag, in_article: bool) -> bool:
    """Whether the tag's class or id names site furniture (nav, sidebar, share, ad …)."""
    if tag.name in ("html", "body", "article", "main"):
        return False
    values = []
    for attr in ("class", "id"):
        value = tag.get(attr)
        if isinstance(value, list):
            values.extend(value)
        elif value:
            values.append(value)
    for value in values:
        # Split "articleRelated", "side-bar_left" into tokens so "ad" never matches "head".
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", value)
        tokens = set(re.split(r"[^a-z0-9]+", spaced.lower()))
        if tokens & HTML_FURNITURE_TOKENS:
            return True
        if "header" in tokens and not in_article:
            return True
    return False


def _non_link_han_counts(root, tag_type) -> dict[int, int]:
    """Chinese characters outside links under every tag (by id): body text, not link lists.

    One pass over the tree, so deeply nested pages cost linear time, not depth × size.
    """
    from bs4 import NavigableString

    order = []
    counts: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        tag, in_link = stack.pop()
        in_link = in_link or tag.name == "a"
        order.append(tag)
        own = 0
        for child in tag.children:
            if isinstance(child, tag_type):
                stack.append((child, in_link))
            elif not in_link and type(child) is NavigableString:
                own += len(_HAN.findall(child))
        counts[id(tag)] = own
    # Pre-order reversed visits every child before its parent.
    for tag in reversed(order):
        if tag is not root:
            counts[id(tag.parent)] += counts[id(tag)]
    return counts


def _main_block(body, tag_type):
    """The <article> when there is one, else the smallest block holding most of the text."""
    han = _non_link_han_counts(body, tag_type)
    total = han[id(body)]
    articles = body.find_all(["article", "main"]) + body.find_all(attrs={"role": "main"})
    if articles:
        best = max(articles, key=lambda tag: han[id(tag)])
        if han[id(best)] * 2 >= total:
            return best
    node = body
    while True:
        children = [
            c for c in node.children if isinstance(c, tag_type) and c.name in HTML_CONTAINER_TAGS
        ]
        if han[id(node)] == 0 or not children:
            return node
        best = max(children, key=lambda tag: han[id(tag)])
        if han[id(best)] < han[id(node)] * HTML_DESCEND_SHARE:
            return node
        node = best


def _html_block_lines(root, tag_type) -> list[str]:
    """Flatten ``root`` into lines: blocks break lines, inline elements run together."""
    from bs4 import NavigableString

    line_break = object()  # marks the end of a block on the work stack
    pieces: list[str] = []
    # An explicit stack rather than recursion: scraped pages can nest thousands deep.
    stack: list = list(reversed(list(root.children)))
    while stack:
        node = stack.pop()
        if node is line_break:
            pieces.append("\n")
        elif isinstance(node, tag_type):
            name = node.name
            if name == "br":
                pieces.append("\n")
            elif name in HTML_HEADING_LEVELS:
                text = _collapse(node.get_text(" "))
                if text:
                    pieces.append(f"\n{'#' * HTML_HEADING_LEVELS[name]} {text}\n")
            elif name == "tr" and not node.find(_HTML_ROW_BREAKERS):
                # A data row reads as one line; layout tables (rows holding blocks) are
                # walked like any other block instead.
                cells = [_collapse(c.get_text(" ")) for c in node.find_all(["td", "th"])]
                pieces.append("\n" + " | ".join(c for c in cells if c) + "\n")
            elif name in HTML_BLOCK_TAGS:
                pieces.append("\n")
                stack.append(line_break)
                stack.extend(reversed(list(node.children)))
            else:
                stack.extend(reversed(list(node.children)))
        elif type(node) is NavigableString:  # not Comment, Doctype, CData …
            pieces.append(_HTML_SPACE.sub(" ", _CJK_WRAP.sub("", str(node))))

    lines = "".join(pieces).split("\n")
    return [_MULTI_SPACE.sub(" ", line).strip() for line in lines if line.strip()]


def _collapse(text: str) -> str:
    return _HTML_SPACE.sub(" ", _CJK_WRAP.sub("", text)).strip()


# --- docx -------------------------------------------------------------------------------


def _docx_to_text(raw: bytes, source: str) -> str:
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
        raise IngestError(source, f"not a valid .docx ({_exc_reason(exc)})") from None
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
        raise IngestError(source, f"not a valid .docx ({_exc_reason(exc)})") from None
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


def _exc_reason(exc: Exception) -> str:
    detail = _one_line(exc, limit=120)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


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


# --- pdf --------------------------------------------------------------------------------


def _pdf_to_text(raw: bytes, source: str) -> str:
    """The PDF's text layer, pages separated by a blank line."""
    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError

    # pypdf searches for the header itself, but a file that is not a PDF at all deserves a
    # plain answer rather than a parser error from deep inside.
    if b"%PDF-" not in raw[:1024]:
        raise IngestError(source, "not a valid .pdf (no %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(raw))
        # Many PDFs carry only an owner password (no printing/copying); those open with "".
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise IngestError(source, "encrypted PDF (needs a password); save an unlocked copy")
        if len(reader.pages) == 0:
            raise IngestError(source, "not a valid .pdf (no pages)")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except IngestError:
        raise
    except DependencyError:
        # pypdf needs the optional 'cryptography' package for AES, which is what most
        # restricted (owner-password) PDFs use; it may ask for it at any step above.
        raise IngestError(
            source, "encrypted PDF (AES): install the 'cryptography' package to read it"
        ) from None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise IngestError(source, f"not a valid .pdf ({_exc_reason(exc)})") from None
    pages = [_normalise_newlines(p) for p in pages if p]
    if not pages:
        raise IngestError(source, "no text layer (scanned PDF?)")
    return "\n\n".join(pages)
