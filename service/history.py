"""Drafts and their versions: create, edit, restore — every change a new version, in one transaction.

A save or a restore says which version it started from (``base``).  When someone else has
saved since, it is refused with ``Conflict`` (409) rather than silently superseding their
version: the conflict carries the latest version, what was submitted and a sentence-by-sentence
merge (``service.merge``), so the person can resolve it and save on top of the latest.
"""
from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from drafting.changes import SLOT_RE
from drafting.model import Draft
from service.db import DraftRecord, DraftVersion, User, utcnow
from service.errors import ApiError
from service.merge import merge_texts
from service.proofing import with_findings
from service.revise import apply_sections, normalise_text
from service.schedule_rows import revise_schedule
from service.schemas import MAX_TITLE, ValidationFailed
from service.signature import beijing_date, default_signature, signature_of

# A save without a base applies its texts to whatever is latest; when another save lands
# between reading the latest and writing, it is applied again this many times.
_RETRIES = 5


class Conflict(ApiError):
    """409: the change was based on ``base``, but ``latest`` was saved since; nothing was stored."""

    def __init__(self, record: DraftRecord, base: DraftVersion, latest: DraftVersion, submitted: dict[str, Any], merged: dict[str, Any] | None):
        who = latest.author.name if latest.author else "他人"
        super().__init__(
            f"base_version: 第{base.number}版已不是最新，{who}已保存第{latest.number}版；请核对合并后再保存 "
            f"(version {base.number} is stale: version {latest.number} was saved since)",
            409,
            {"base_version": base.number, "latest": draft_payload(record, latest), "submitted": submitted, "merged": merged},
        )
        self.base, self.latest, self.submitted, self.merged = base, latest, submitted, merged


class Superseded(Exception):
    """Raised under the draft's lock: the latest version is not the one the change was made on."""


def content_of(draft: Draft) -> dict[str, Any]:
    """What a version stores: the whole draft, sentences, sources and warnings included (the
    校对 findings are added when it is stored)."""
    data = draft.to_dict()
    data.pop("id", None)
    data["signature"] = default_signature(data["request"], beijing_date())
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
    return create_from(db, draft.id, content_of(draft), owner, note)


def create_from(db: Session, draft_id: str, content: dict[str, Any], owner: User, note: str) -> DraftRecord:
    """A new draft ``draft_id`` owned by ``owner`` whose version 1 is ``content`` (a generated
    draft, or a Word file imported as a new draft)."""
    record = DraftRecord(id=draft_id, owner_id=owner.id, title=content["title"][:MAX_TITLE], request=content["request"])
    db.add(record)
    db.add(DraftVersion(draft=record, number=1, author_id=owner.id, note=note, content=with_findings(content)))
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


def add_version(db: Session, record: DraftRecord, content: dict[str, Any], author: User, note: str, *, on_top_of: int | None = None) -> DraftVersion:
    """Append a version atomically: the number, the row and the draft's title and time commit together.

    The draft is locked first (SQLite: BEGIN IMMEDIATE; others: SELECT … FOR UPDATE), so two
    people saving at once get consecutive numbers instead of a clash.  With ``on_top_of``, the
    version is only written while that is still the latest (else ``Superseded``): the check
    and the write are one transaction, so two saves on one base cannot both pass it.  Every
    version is 校对-checked here (``service.proofing``: ``content["findings"]``), before the lock.
    """
    content = with_findings(content)
    db.commit()  # end the read transaction the caller used to look things up
    for attempt in range(3):
        try:
            _lock_draft(db, record.id)
            newest = db.scalar(select(func.max(DraftVersion.number)).where(DraftVersion.draft_id == record.id)) or 0
            if on_top_of is not None and newest != on_top_of:
                raise Superseded()
            row = DraftVersion(draft_id=record.id, number=newest + 1, author_id=author.id, note=note[:200], content=content)
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


def made_on(record: DraftRecord):
    """The day the draft was first made (Beijing time): the date of a default 落款."""
    return beijing_date(record.created_at)


def edit(
    db: Session, record: DraftRecord, author: User, *, title: str | None, texts: list[str | None], base: int | None,
    merged: bool = False, titles: list[str | None] | None = None, order: list[int | None] | None = None, note: str = "",
    signature: dict[str, str] | None = None, schedule: list[dict[str, Any]] | None = None,
) -> DraftVersion:
    """A new version with the given section texts (None keeps a section as it is), made on version ``base``.

    ``titles`` and ``order`` (``revise.apply_sections``) retitle, add, remove and move sections;
    ``note`` is the person's note on the version; ``signature`` ({"body", "date"}, None keeps
    it) is the 落款 of the Word file; ``schedule`` (every row of the 活动安排表 in order, None
    keeps it) is applied by ``service.schedule_rows``.  Returns the current version unchanged when the
    result is what the draft already says, or changes nothing of ``base``.  Raises ``Conflict``
    when ``base`` is not the latest version (checked again under the lock).  Without a base the
    texts apply to the latest version."""
    shape = {"titles": titles, "order": order}
    label = "合并编辑" if merged else "编辑"
    note = normalise_text(note).replace("\n", " ") if note else ""
    for _ in range(_RETRIES):
        current = latest(db, record)
        base_version = current if base is None else version(db, record, base)
        content, changed = _edited(base_version.content, title, texts, signature=signature, made=made_on(record), schedule=schedule, **shape)
        if not changed or content == current.content:
            return current  # nothing to keep: no empty versions
        if base_version.number != current.number:
            raise _conflict(record, base_version, current, title, texts, schedule, **shape)
        try:
            return add_version(db, record, content, author, f"{label}：{note}" if note else label, on_top_of=current.number)
        except Superseded:
            if base is not None:
                raise _conflict(record, base_version, latest(db, record), title, texts, schedule, **shape) from None
    raise ApiError("sections: 草稿正被频繁修改，请稍后再试 (the draft kept changing; try again)", 503)


def _edited(content: dict[str, Any], title: str | None, texts: list[str | None], *, signature: dict[str, str] | None = None,
            made=None, schedule: list[dict[str, Any]] | None = None, **shape: Any) -> tuple[dict[str, Any], bool]:
    """``content`` with the texts, titles, order, title, signature and 活动安排表 applied, and whether that changed anything."""
    before = content
    content = copy.deepcopy(content)
    # A version stored before signatures existed shows the default: sending that back is no change.
    if signature is not None and signature != signature_of(content, made or beijing_date()):
        content["signature"] = dict(signature)
    if title is not None:
        title = normalise_text(title).replace("\n", " ")
        if not title:
            raise ValidationFailed("title", "title: 标题不能为空 (title is required)", "标题：不能为空")
        content["title"] = title
    try:
        content["sections"] = apply_sections(content["sections"], texts, **shape)
    except ValueError as exc:
        raise ValidationFailed("sections", f"sections: {exc} (the sections do not fit the version they were edited from)", f"章节：{exc}") from None
    if schedule is not None:
        # A version stored before the table existed has none: an empty table sent back is no change.
        rows = revise_schedule(content.get("schedule") or [], schedule)
        if rows != (content.get("schedule") or []):
            content["schedule"] = rows
    content = with_warnings(content)
    return content, content != before


def _conflict(record: DraftRecord, base: DraftVersion, current: DraftVersion, title: str | None, texts: list[str | None],
              schedule: list[dict[str, Any]] | None = None, **shape: Any) -> Conflict:
    # The table is not merged row by row: the submitted rows come back as they were sent.
    submitted = {"title": title, "sections": list(texts), **shape, **({"schedule": schedule} if schedule is not None else {})}
    return Conflict(record, base, current, submitted, merge_texts(base.content, current.content, title, texts, **shape))


def restore(db: Session, record: DraftRecord, number: int, author: User, base: int | None = None) -> DraftVersion:
    """Restoring never rewrites history: the old content becomes a new version.

    ``base`` is the latest version the person saw when they chose to restore; when a newer one
    has been saved since, the restore is refused with ``Conflict``."""
    old = version(db, record, number)
    for _ in range(_RETRIES):
        current = latest(db, record)
        seen = current if base is None else version(db, record, base)
        if seen.number != current.number:
            raise _restore_conflict(record, seen, current, old)
        try:
            return add_version(db, record, copy.deepcopy(old.content), author, f"恢复第{number}版", on_top_of=current.number)
        except Superseded:
            if base is not None:
                raise _restore_conflict(record, seen, latest(db, record), old) from None
    raise ApiError("version: 草稿正被频繁修改，请稍后再试 (the draft kept changing; try again)", 503)


def _restore_conflict(record: DraftRecord, seen: DraftVersion, current: DraftVersion, old: DraftVersion) -> Conflict:
    submitted = {"title": old.content["title"], "sections": [s["text"] for s in old.content["sections"]]}
    return Conflict(record, seen, current, submitted, None)


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
        "signature": signature_of(c, made_on(record)),
        "open_slots": open_slots(c),
        "schedule": c.get("schedule") or [],
    }


# -- deletion: kept for a while, recoverable, then purged ---------------------------------------


def delete(db: Session, record: DraftRecord) -> None:
    """Take the draft out of every list; its versions stay until ``purge_deleted``."""
    record.deleted_at = utcnow()
    db.commit()


def undelete(db: Session, record: DraftRecord) -> None:
    record.deleted_at = None
    db.commit()


def purge_deleted(db: Session, days: int) -> int:
    """Drop drafts deleted more than ``days`` ago, with their versions; how many went."""
    cutoff = utcnow() - timedelta(days=days)
    old = list(db.scalars(select(DraftRecord).where(DraftRecord.deleted_at.is_not(None), DraftRecord.deleted_at < cutoff)))
    for record in old:
        db.delete(record)  # the versions go with it (cascade)
    db.commit()
    return len(old)


def purge_date(record: DraftRecord, days: int):
    """When a deleted draft will be purged."""
    return record.deleted_at + timedelta(days=days) if record.deleted_at else None


# -- slots: 【待填：…】 a person still has to fill ----------------------------------------------


def open_slots(content: dict[str, Any]) -> int:
    """How many 【待填：…】 the title and the sections still hold."""
    return len(SLOT_RE.findall(content["title"])) + sum(len(SLOT_RE.findall(s["text"])) for s in content["sections"])


def latest_versions(db: Session, records: list[DraftRecord]) -> dict[str, DraftVersion]:
    """Each draft's latest version, in one query (the draft list shows their open slots)."""
    if not records:
        return {}
    ids = [r.id for r in records]
    newest = (
        select(DraftVersion.draft_id, func.max(DraftVersion.number).label("number"))
        .where(DraftVersion.draft_id.in_(ids)).group_by(DraftVersion.draft_id).subquery()
    )
    rows = db.scalars(select(DraftVersion).join(newest, (DraftVersion.draft_id == newest.c.draft_id) & (DraftVersion.number == newest.c.number)))
    return {v.draft_id: v for v in rows}
