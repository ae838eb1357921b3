"""Running the Drafter for a user: whole drafts, or section by section as NDJSON.

The stream is one JSON object per line:
``{"event": "plan", "total": 9, "sections": [{"role", "title"}…]}``, then one
``{"event": "section", "index": i, "done": i + 1, "total": 9, "section": {…}}`` per finished
section, then ``{"event": "done", "id", "version", "url"}`` once the draft is saved as
version 1 — or ``{"event": "error", "error": …}`` if drafting fails half-way.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Iterator

from flask import current_app, url_for

from drafting.carry import FROM_SCRATCH
from drafting.model import Draft, DraftRequest, DraftRequestError
from drafting.schemas import DraftRequestModel
from service import history
from service.db import User, session_scope
from service.resources import get_drafter, get_store
from service.schemas import ValidationFailed


def parse_request(data: Any) -> DraftRequest:
    """A validated DraftRequest; a bad field is a 400 whose message starts with the field's name
    (``form_message`` names it in the form's words: 单位名称：必填…)."""
    try:
        req = DraftRequest.from_dict(data)
    except DraftRequestError as exc:
        raise ValidationFailed(exc.field, str(exc), exc.form_message) from None
    if req.base_plan not in (None, FROM_SCRATCH) and get_store().document(req.base_plan) is None:
        # Refused before a stream starts: the base plan is read before the first section.
        raise ValidationFailed("base_plan", f"base_plan: 没有编号为{req.base_plan}的文档 (no such document)",
                               f"底稿：没有编号为{req.base_plan}的文档")
    return req


def field_labels() -> dict[str, str]:
    """Each request field's name in the form's words (层级, 年份, 单位名称 …), from the request model."""
    return {"body": "请求", **{name: info.title for name, info in DraftRequestModel.model_fields.items()}}


def generate(req: DraftRequest, user: User) -> str:
    """Draft the whole plan and save it as version 1; returns the draft's id."""
    draft = get_drafter().draft(req)
    with session_scope() as db:
        history.create(db, draft, db.get(User, user.id))
    return draft.id


def stream(req: DraftRequest, user_id: int) -> Iterator[str]:
    """NDJSON lines while the Drafter works; the finished draft is saved before ``done``."""
    drafter = get_drafter()
    planned = drafter.plan(req)
    total = len(planned)
    yield _line(
        {
            "event": "plan",
            "total": total,
            "title": drafter.title(req),
            "sections": [{"role": s.role, "title": t} for s, t in zip(planned, drafter.titles(req))],
        }
    )
    sections = []
    try:
        for index, section in enumerate(drafter.stream(req)):
            sections.append(section)
            yield _line({"event": "section", "index": index, "done": index + 1, "total": total, "section": section.to_dict()})
        warnings = [w for s in sections for w in s.warnings]
        draft = Draft(id=uuid.uuid4().hex[:16], request=req, title=drafter.title(req), sections=sections, warnings=warnings,
                      schedule=drafter.schedule(req))
        with session_scope() as db:
            history.create(db, draft, db.get(User, user_id))
    except Exception as exc:  # the client has a 200 already: report in-band
        current_app.logger.exception("drafting failed")
        yield _line({"event": "error", "error": f"起草失败：{type(exc).__name__}"})
        return
    yield _line({"event": "done", "id": draft.id, "version": 1, "title": draft.title, "url": url_for("drafts.edit", draft_id=draft.id)})


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"
