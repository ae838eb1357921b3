"""What every loader shares: bounded reading, one-line reasons, newline and Han helpers."""
from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import IngestError

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
