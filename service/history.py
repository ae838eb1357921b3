"""Drafts and their versions: create, edit, restore — every change a new version, in one transaction."""
from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from drafting.model import Draft
from service.db import DraftRecord, DraftVersion, User, utcnow
from service.errors import ApiError
from service.revise import normalise_text, revise_section
from service.schemas import MAX_SECTION_CHARS, MAX_TITLE


def content_of(draft: Draft) -> dict[str, Any]:
    """What a version stores: the whole draft, sentences, sources and warnings included."""
    data = draft.to_dict()
    data.pop("id", None)
    return with_warnings(data)


def with_warnings(content: dict[str, Any]) -> dict[str, Any]:
    """The draft-wide warning list is the sections' warnings, each knowing its section's index."""
    warnings = []
    for index, section in enumerate(content["sections"]):
        for w in section["warnings"]:
            warnings.append({**w, "section_index": index})
    content["warnings"] = warnings
    return content


def create(db: Session, draft: Draft, owner: User, note: str = "生成") -> DraftRecord:
    """Store a freshly generated draft as version 1."""
    record = DraftRecord(id=draft.id, owner_id=owner.id, title=draft.title[:MAX_TITLE], request=draft.request.to_dict())
    db.add(record)
    db.add(DraftVersion(draft=record, number=1, author_id=owner.id, note=note, content=content_of(draft)))
    db.commit()
    return record


def latest(db: Session, record: DraftRecord) -> DraftVersion:
    return db.scalar(select(DraftVersion).where(DraftVersion.draft_id == record.id).order_by(DraftVersion.number.desc()).limit(1))


def version(db: Session, record: DraftRecord, number: int) -> DraftVersion:
    found = db.scalar(select(DraftVersion).where(DraftVersion.draft_id == record.id, DraftVersion.number == number))
    if found is None:
        raise ApiError(f"version: 草稿没有第{number}版 (no version {number})", 404)
    return found


def version_or_latest(db: Session, record: DraftRecord, number: int | None) -> DraftVersion:
    """Version ``number`` when one is asked for, else the latest."""
    return version(db, record, number) if number else latest(db, record)


def versions(db: Session, record: DraftRecord) -> list[DraftVersion]:
    return list(db.scalars(select(DraftVersion).where(DraftVersion.draft_id == record.id).order_by(DraftVersion.number)))


def add_version(db: Session, record: DraftRecord, content: dict[str, Any], author: User, note: str) -> DraftVersion:
    """Append a version atomically: the number, the row and the draft's title and time commit together.

    The draft is locked first (SQLite: BEGIN IMMEDIATE; others: SELECT … FOR UPDATE), so two
    people saving at once get consecutive numbers instead of a clash.
    """
    db.commit()  # end the read transaction the caller used to look things up
    for attempt in range(3):
        try:
            _lock_draft(db, record.id)
            number = (db.scalar(select(func.max(DraftVersion.number)).where(DraftVersion.draft_id == record.id)) or 0) + 1
            row = DraftVersion(draft_id=record.id, number=number, author_id=author.id, note=note[:200], content=content)
            db.add(row)
            record.title = content["title"][:MAX_TITLE]
            record.updated_at = utcnow()
            db.commit()
            return row
        except IntegrityError:
            db.rollback()
            if attempt == 2:
                raise
        except BaseException:
            db.rollback()
            raise
    raise AssertionError("unreachable")


def _lock_draft(db: Session, draft_id: str) -> None:
    if db.get_bind().dialect.name == "sqlite":
        # pysqlite opens transactions lazily; taking the write lock up front serialises savers.
        db.execute(text("BEGIN IMMEDIATE"))
    else:
        db.execute(select(DraftRecord.id).where(DraftRecord.id == draft_id).with_for_update())


def edit(db: Session, record: DraftRecord, author: User, *, title: str | None, texts: list[str | None], base: int | None) -> DraftVersion:
    """A new version with the given section texts (None keeps a section as it is).

    Returns the current version unchanged when the result is what the draft already says."""
    current = latest(db, record)
    base_version = current if base is None else version(db, record, base)
    content = copy.deepcopy(base_version.content)
    if len(texts) != len(content["sections"]):
        raise ApiError(f"sections: 应有{len(content['sections'])}个部分 (expected {len(content['sections'])} section texts)", 400)
    if title is not None:
        title = normalise_text(title).replace("\n", " ")
        if not title:
            raise ApiError("title: 标题不能为空 (title is required)", 400)
        if len(title) > MAX_TITLE:
            raise ApiError(f"title: 标题不能超过{MAX_TITLE}字 (title too long)", 400)
        content["title"] = title
    changed = title is not None and title != base_version.content["title"]
    for i, edited in enumerate(texts):
        if edited is None:
            continue
        if not isinstance(edited, str):
            raise ApiError(f"sections[{i}].text: 应为文本 (must be a string)", 400)
        if len(edited) > MAX_SECTION_CHARS:
            raise ApiError(f"sections[{i}].text: 不能超过{MAX_SECTION_CHARS}字 (too long)", 400)
        before = content["sections"][i]
        content["sections"][i] = revise_section(before, edited)
        changed = changed or content["sections"][i] is not before
    content = with_warnings(content)
    if not changed and base_version.number == current.number or content == current.content:
        return current  # nothing to keep: no empty versions
    note = "编辑" if base_version.number == current.number else f"基于第{base_version.number}版编辑"
    return add_version(db, record, content, author, note)


def restore(db: Session, record: DraftRecord, number: int, author: User) -> DraftVersion:
    """Restoring never rewrites history: the old content becomes a new version."""
    old = version(db, record, number)
    return add_version(db, record, copy.deepcopy(old.content), author, f"恢复第{number}版")


def version_summary(v: DraftVersion) -> dict[str, Any]:
    return {
        "number": v.number,
        "author": v.author.name if v.author else None,
        "created_at": v.created_at.isoformat(timespec="seconds") + "Z",
        "note": v.note,
    }


def draft_payload(record: DraftRecord, v: DraftVersion) -> dict[str, Any]:
    """The API's view of one version of a draft."""
    c = v.content
    return {
        "id": record.id,
        "title": c["title"],
        "request": c["request"],
        "owner": record.owner.name if record.owner else None,
        "version": version_summary(v),
        "sections": c["sections"],
        "warnings": c["warnings"],
    }
