"""What every loader shares: bounded reading, one-line reasons, newline and Han helpers."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import IngestError

if TYPE_CHECKING:
    from ingest.loaders.tables import Table

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def read_bounded(path: Path, source: str, max_bytes: int) -> bytes:
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
        raise IngestError(source, f"cannot read file ({one_line(exc.strerror or exc)})") from None
    if len(raw) > max_bytes:
        raise IngestError(source, _too_large(len(raw), max_bytes, at_least=True))
    return raw


def _too_large(size: int, max_bytes: int, at_least: bool = False) -> str:
    more = "at least " if at_least else ""
    return f"file too large ({more}{size:,} bytes; limit {max_bytes:,} bytes)"


def one_line(value: object, limit: int = 200) -> str:
    """Library messages can span lines; ours must not."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def exc_reason(exc: Exception) -> str:
    detail = one_line(exc, limit=120)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


@dataclass(frozen=True)
class Loaded:
    """What a loader gives when it knows more than the text: the pages it read by OCR, and
    the tables it found with their header names (``ingest.loaders.tables``).  A loader that
    only has text returns a plain ``str``."""

    text: str
    ocr_pages: tuple[int, ...] = ()  # 1-based numbers of the pages whose text came from OCR
    tables: tuple["Table", ...] = ()


# A .docx or .xlsx is a zip; refuse archives that would inflate past these before a library
# opens them.
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100  # only checked for members big enough to matter (see below)
ZIP_RATIO_MIN_MEMBER = 1024 * 1024
ZIP_MAX_MEMBERS = 5000


def check_zip_archive(raw: bytes, source: str, kind: str, required: str) -> None:
    """Refuse a non-zip or a zip bomb from the central directory alone, inflating nothing.

    zipfile stops reading a member at its declared size (and fails the CRC if the data runs
    on), so the declared sizes checked here bound what python-docx or openpyxl can inflate later.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise IngestError(source, f"not a valid {kind} ({exc_reason(exc)})") from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise IngestError(source, f"refusing {kind}: {len(members):,} archive members (zip bomb?)")
    total = sum(m.file_size for m in members)
    if total > ZIP_MAX_UNCOMPRESSED:
        raise IngestError(
            source,
            f"refusing {kind}: {total / 2**20:,.0f} MB uncompressed "
            f"(limit {ZIP_MAX_UNCOMPRESSED / 2**20:.0f} MB; zip bomb?)",
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size >= ZIP_RATIO_MIN_MEMBER and ratio > ZIP_MAX_RATIO:
            raise IngestError(
                source,
                f"refusing {kind}: member {m.filename} compresses {ratio:,.0f}:1 "
                f"(limit {ZIP_MAX_RATIO}:1; zip bomb?)",
            )
    if required not in {m.filename for m in members}:
        raise IngestError(source, f"not a valid {kind} (no {required} in the archive)")


# The reasons above (and the pipeline's) are English for logs, the CLI and tests; a person
# reading an upload's result is told them in Chinese.  One row per reason a loader gives, the
# first match wins; ``{0}``… are the pattern's groups.  An unknown reason is shown as it is.
_KINDS_ZH = {
    "a PDF document": "PDF 文档", "a zip archive, e.g. a .docx": "压缩包（例如 .docx）",
    "an old Office document (.doc/.xls); save it as .docx": "旧版 Office 文档（.doc / .xls），请另存为 .docx",
    "an RTF document; save it as .docx": "RTF 文档，请另存为 .docx", "a PNG image": "PNG 图片",
    "a JPEG image": "JPEG 图片", "a GIF image": "GIF 图片", "an executable program": "可执行程序",
}
REASONS_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), zh) for p, zh in (
    (r"^not a text file \(it is (.+)\)$", "不是文本文件（实为{kind}）"),
    (r"^not a text file \(looks binary\)$", "不是文本文件（内容是二进制数据）"),
    (r"^empty file$", "文件为空"),
    (r"^no text found$", "文件中没有文字"),
    (r"^file not found$", "找不到文件"),
    (r"^permission denied$", "没有读取此文件的权限"),
    (r"^not a regular file$", "不是普通文件"),
    (r"^cannot read file", "无法读取文件"),
    (r"^file too large \((?:at least )?([\d,]+) bytes; limit ([\d,]+) bytes\)$", "文件太大（{0} 字节，上限 {1} 字节）"),
    (r"^unsupported file type '([^']*)' \(accepted: ([^)]*)\)", "不支持的文件类型 {0}（支持 {1}）"),
    (r"^page is nested too deeply", "网页嵌套过深，无法读取"),
    (r"^refusing (\.\w+)", "此 {0} 文件的压缩结构异常（疑似压缩炸弹），拒绝读取"),
    (r"^not a valid \.docx", "不是有效的 Word（.docx）文件，可能已损坏"),
    (r"^not a valid \.doc \(no OLE2 header\)", "不是有效的旧版 Word（.doc）文件"),
    (r"^not a valid \.xlsx", "不是有效的 Excel（.xlsx）文件，可能已损坏"),
    (r"^sheet '([^']*)': .* is no plan$", "工作表“{0}”过大，不像一份计划"),
    (r"^sheet '([^']*)' cannot be read", "无法读取工作表“{0}”"),
    (r"^needs (\w+) \(Debian package ([\w-]+)", "服务器缺少读取此类文件的工具 {0}（Debian 软件包 {1}），请管理员安装"),
    (r"^(?:page (\d+): )?(\w+) took over", "读取超时（{1}）"),
    (r"^page (\d+): no text layer and OCR read no text", "第{0}页没有文字层，文字识别也未读出文字（空白页或扫描不清？）"),
    (r"^encrypted PDF \(AES\)", "PDF 已加密（AES），服务器缺少解密组件 cryptography"),
    (r"^encrypted PDF", "PDF 已加密（需要密码），请另存一份未加密的副本"),
    (r"^not a valid \.pdf", "不是有效的 PDF 文件，可能已损坏"),
    (r"^no text layer", "PDF 没有文字层（可能是扫描件），请先做文字识别"),
    (r"^no text left after cleaning", "去掉网页栏目等内容后没有正文"),
))


def reason_zh(reason: str) -> str:
    """A loader's (or the pipeline's) one-line reason, in Chinese for the person who uploaded the file."""
    for pattern, zh in REASONS_ZH:
        m = pattern.match(reason or "")
        if m:
            kind = _KINDS_ZH.get(m.group(1), m.group(1)) if m.groups() and "kind" in zh else ""
            return zh.format(*m.groups(), kind=kind)
    return reason
