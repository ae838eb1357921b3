"""The admin side of the corpus: listing documents, correcting their metadata, uploads, removal.

The store does the work; this module validates what a person asks for and keeps the
original names of uploaded files (the store only knows the safe names they were saved under).
"""
from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.loaders import SUPPORTED_SUFFIXES
from plandraft import settings as settings_mod
from service.db import Upload
from service.errors import ApiError
from service.schemas import Corrections, parse


# -- metadata corrections -----------------------------------------------------------------


def set_document_field(store, doc_id: str, field: str, value: Any) -> None:
    """The one place the service writes a correction to the store (kept across re-ingest)."""
    setter = getattr(store, "set_override", None)
    if setter is None:
        raise ApiError("此版本的语料库尚不支持手工更正元数据 (the store has no set_override yet)", 501)
    setter(doc_id, field, value)


def parse_corrections(data: dict[str, Any]) -> dict[str, Any]:
    """Validated corrections from a form or JSON (``schemas.Corrections``); errors name the field."""
    return parse(Corrections, data).changes()


def document_or_404(store, doc_id: str):
    """The stored document, or the one 404 error every view gives for a missing one."""
    doc = store.document(doc_id)
    if doc is None:
        raise ApiError(f"doc_id: 没有这篇文档 (no document {doc_id})", 404)
    return doc


def correct_document(store, doc_id: str, corrections: dict[str, Any]) -> list[str]:
    """Apply the corrections that change something; returns the fields changed."""
    doc = document_or_404(store, doc_id)
    changed = []
    for field, value in corrections.items():
        if field == "body" and not value:
            # Empty: whose plan it is goes back to what ingest found.
            if "body" in doc.overrides:
                store.clear_override(doc_id, "body")
                changed.append(field)
            continue
        if getattr(doc, field) != value:
            set_document_field(store, doc_id, field, value)
            changed.append(field)
    return changed


# -- listing --------------------------------------------------------------------------------


def original_names(db: Session) -> dict[str, str]:
    """Stored path → the name the file had when uploaded."""
    return {u.stored_path: u.original_name for u in db.scalars(select(Upload))}


def document_rows(store, db: Session) -> list[dict[str, Any]]:
    """Every document with its metadata, its family size and the name of the file it came from."""
    docs = store.documents()
    names = original_names(db)
    family_sizes: dict[str, int] = {}
    for d in docs:
        key = d.family_id or d.id
        family_sizes[key] = family_sizes.get(key, 0) + 1
    per_file: dict[str, int] = {}
    for d in docs:
        per_file[d.source] = per_file.get(d.source, 0) + 1
    rows = []
    for d in docs:
        family = d.family_id or d.id
        rows.append(
            {
                **d.metadata(),
                "source_name": names.get(d.source) or Path(d.source).name,
                "uploaded": d.source in names,
                "index": d.index,
                "family_id": family,
                "family_size": family_sizes[family],
                "file_documents": per_file[d.source],  # what removing the whole file removes
                "chars": len(d.text),
                "overrides": sorted(getattr(d, "overrides", {}) or {}),
            }
        )
    return rows


def filter_rows(rows: Iterable[dict[str, Any]], args) -> list[dict[str, Any]]:
    """Filters from a query string: level, kind, year, on_topic (yes/no), family, source, q (title)."""
    out = list(rows)
    if args.get("level"):
        out = [r for r in out if r["level"] == args["level"]]
    if args.get("kind"):
        out = [r for r in out if r["kind"] == args["kind"]]
    if args.get("year"):
        out = [r for r in out if str(r["year"] or "") == args["year"]]
    if args.get("on_topic") in ("yes", "no", "true", "false"):
        want = args["on_topic"] in ("yes", "true")
        out = [r for r in out if r["on_topic"] == want]
    if args.get("family"):
        out = [r for r in out if r["family_id"] == args["family"]]
    if args.get("source"):
        out = [r for r in out if r["source"] == args["source"]]
    if args.get("q"):
        q = args["q"].strip()
        out = [r for r in out if q in r["title"] or q in r["source_name"]]
    return out


def families(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Near-duplicate document families with more than one member, largest first."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["family_id"], []).append(r)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g[0]["title"]))


# -- uploads --------------------------------------------------------------------------------


def uploads_dir(values) -> Path:
    path = settings_mod.data_dir(values) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_name(filename: str | None) -> str:
    """The uploaded file's own name, for display only: last path part, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "未命名"


def save_upload(storage, directory: Path, max_bytes: int) -> tuple[Path, str, int]:
    """Write one uploaded file under ``directory`` with a generated name; returns (path, original name, size).

    The stored name is a timestamp, random hex and the accepted suffix — nothing of the
    client's name reaches the file system (werkzeug's secure_filename would strip Chinese
    names to nothing anyway).
    """
    original = display_name(storage.filename)
    suffix = Path(original).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(f"files: {original}：不支持的文件类型，请上传 {' '.join(SUPPORTED_SUFFIXES)} 文件 (accepted: {' '.join(SUPPORTED_SUFFIXES)})", 400)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    root = directory.resolve()
    target = (root / f"{stamp}-{secrets.token_hex(6)}{suffix}").resolve()
    if target.parent != root:  # cannot happen with a generated name; refuse rather than trust it
        raise ApiError("files: bad target path", 400)
    size = 0
    try:
        with open(target, "xb") as out:
            while True:
                block = storage.stream.read(1 << 16)
                if not block:
                    break
                size += len(block)
                if size > max_bytes:
                    raise ApiError(f"files: {original}：文件超过 {max_bytes // (1024 * 1024)} MB 上限 (file too large)", 413)
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if size == 0:
        target.unlink(missing_ok=True)
        raise ApiError(f"files: {original}：文件为空 (empty file)", 400)
    return target, original, size


def is_upload(path: str, directory: Path) -> bool:
    try:
        return Path(path).resolve().parent == directory.resolve()
    except OSError:
        return False


def remove_source(store, db: Session, source: str, directory: Path) -> int:
    """Forget every document from ``source``; an uploaded file is deleted too, so re-ingest cannot bring it back."""
    removed = store.remove_source(source)
    if removed:
        store.refresh_families()
    if is_upload(source, directory):
        Path(source).unlink(missing_ok=True)
        upload = db.scalar(select(Upload).where(Upload.stored_path == source))
        if upload is not None:
            db.delete(upload)
            db.commit()
    return removed


def remove_document(store, db: Session, doc_id: str, directory: Path) -> int:
    """Forget one document and keep the others of its file; the file's last document goes with
    the file (as ``remove_source``, the uploaded file deleted too).  Returns 1, or 0 if unknown."""
    doc = store.document(doc_id)
    if doc is None:
        return 0
    if sum(d.source == doc.source for d in store.documents()) == 1:
        return remove_source(store, db, doc.source, directory)
    removed = store.remove_document(doc_id)
    store.refresh_families()
    return removed


def reingest_paths(store, directory: Path) -> list[Path]:
    """What a re-ingest reads: every source still on disk, and every uploaded file."""
    paths = {Path(d.source) for d in store.documents() if Path(d.source).is_file()}
    paths |= {p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES}
    return sorted(paths)
