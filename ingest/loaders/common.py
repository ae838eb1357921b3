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
