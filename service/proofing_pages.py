"""Staff pages for 校对 and the Word round trip: apply a finding's fix, dismiss a finding with a
reason, upload an edited Word file (a new version, or a new draft when asked).

Each is a form on the draft's page that makes a new version (or refuses, saying why in
Chinese) and goes back to the editor; the work is in ``service.proofing`` and
``service.word_import``, the versions in ``service.history``.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from service import history, proofing, word_import
from service.auth import role_required
from service.db import get_db
from service.drafts import load_draft
from service.schemas import ValidationFailed

bp = Blueprint("proofing", __name__)
_TRIES = 3  # another save landing between reading the latest and writing: read and try again


def _asked() -> dict | None:
    """The finding the form names (kind, text, section_index, start); None when malformed."""
    form = request.form
    try:
        return {"kind": form["kind"], "text": form["text"], "section_index": int(form["section_index"]), "start": int(form["start"])}
    except (KeyError, ValueError):
        return None


def _back(record):
    # The top of the page, where the flash saying what happened (or why not) is seen.
    return redirect(url_for("drafts.edit", draft_id=record.id), 303)


class _Refused(Exception):
    """Why a fix or a dismissal was not saved, in the person's words."""


def _on_latest(record, verb: str, attempt):
    """``attempt(latest, asked)`` saves a new version on top of the latest and returns what to
    tell the person; a save landing in between makes it read the latest again, up to _TRIES
    times; a _Refused says why nothing was saved (``verb``: 修改, 忽略)."""
    asked = _asked()
    if asked is None:
        flash(f"未{verb}：请求不完整，请刷新页面后再试", "error")
        return _back(record)
    for _ in range(_TRIES):
        try:
            message = attempt(history.latest(get_db(), record), asked)
        except (history.Conflict, history.Superseded):
            continue  # saved since: look at the latest again
        except _Refused as exc:
            flash(f"未{verb}：{exc}", "error")
        else:
            flash(message, "success")
        return _back(record)
    flash(f"未{verb}：草稿正被频繁修改，请稍后再试", "error")
    return _back(record)


@bp.post("/drafts/<draft_id>/findings/fix")
@role_required("staff")
def fix(draft_id: str):
    """The finding's suggested fix put in place of its span in the latest version: a new version."""
    record = load_draft(draft_id)

    def attempt(current, asked):
        finding = proofing.find(current.content, asked)
        try:
            if finding is None:
                proofing.fixed_text(current.content, {**asked, "end": asked["start"] + len(asked["text"]), "fix": ""})
                raise ValueError(f"最新的第{current.number}版中已没有这条校对提示，未改动")
            text = proofing.fixed_text(current.content, finding)
        except ValueError as exc:
            raise _Refused(str(exc)) from exc
        index = finding["section_index"]
        texts: list[str | None] = [None] * len(current.content["sections"])
        if index != proofing.TITLE:
            texts[index] = text
        try:
            saved = history.edit(get_db(), record, current_user, title=text if index == proofing.TITLE else None, texts=texts,
                                 base=current.number, note=f"校对：“{finding['text']}”改为“{finding['fix']}”")
        except ValidationFailed as exc:
            raise _Refused(exc.form_message) from exc
        return f"已将“{finding['text']}”改为“{finding['fix']}”，保存为第{saved.number}版"

    return _on_latest(record, "修改", attempt)


@bp.post("/drafts/<draft_id>/findings/dismiss")
@role_required("staff")
def dismiss(draft_id: str):
    """The finding set aside with the person's reason, kept with a new version."""
    record = load_draft(draft_id)

    def attempt(current, asked):
        finding = proofing.find(current.content, asked)
        if finding is None:
            raise _Refused(f"最新的第{current.number}版中已没有这条校对提示")
        try:
            content = proofing.dismiss(current.content, finding, request.form.get("reason", ""), current_user)
        except ValueError as exc:
            raise _Refused("请填写忽略的理由") from exc
        saved = history.add_version(get_db(), record, content, current_user, "忽略校对提示", on_top_of=current.number)
        return f"已忽略“{finding['text']}”的校对提示，保存为第{saved.number}版"

    return _on_latest(record, "忽略", attempt)


@bp.post("/drafts/<draft_id>/word")
@role_required("staff")
def upload_word(draft_id: str):
    """An edited Word file of this draft as a new version on top of the latest; a file of no
    draft (or of another one) is refused, or imported as a new draft of the uploader's when the
    form's 作为新草稿导入 is ticked."""
    db = get_db()
    record = load_draft(draft_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("未导入：请选择要上传的 Word（.docx）文件", "error")
        return _back(record)
    if not upload.filename.lower().endswith(".docx"):
        flash(f"未导入：“{upload.filename}”不是 .docx 文件（请在 Word 中另存为 .docx 后上传）", "error")
        return _back(record)
    try:
        plan = word_import.read_plan(upload.read())
    except word_import.ImportRefused as exc:
        flash(f"未导入：“{upload.filename}”：{exc}", "error")
        return _back(record)
    if plan.draft_id != record.id:
        if request.form.get("as_new") == "1":
            content = word_import.new_draft_content(plan, record.request)
            created = history.create_from(db, uuid.uuid4().hex[:16], content, current_user, f"从 Word 导入（{upload.filename[:80]}）")
            flash(f"已将“{upload.filename}”导入为新草稿《{created.title}》（第1版，全部句子为新增）", "success")
            return redirect(url_for("drafts.edit", draft_id=created.id), 303)
        why = "不是本系统导出的文件（没有草稿标识）" if plan.draft_id is None else "是另一份草稿导出的"
        flash(f"未导入：“{upload.filename}”{why}，不能作为本草稿的新版本。如要导入，请勾选“作为新草稿导入”。", "error")
        return _back(record)
    for _ in range(_TRIES):
        current = history.latest(db, record)
        exported = current
        if plan.version is not None and 0 < plan.version <= current.number:
            exported = history.version(db, record, plan.version)
        content = word_import.imported_content(plan, exported.content, current.content)
        if word_import.same_text(content, current.content):
            flash(f"文件与第{current.number}版内容相同，未生成新版本", "info")
            return _back(record)
        note = word_import.import_note(exported.number, current.number)
        try:
            saved = history.add_version(db, record, content, current_user, note, on_top_of=current.number)
        except history.Superseded:
            continue
        current_app.logger.info("draft %s: Word file imported as version %d", record.id, saved.number)
        flash(f"已从 Word 导入，保存为第{saved.number}版（{note}）", "success")
        return _back(record)
    flash("未导入：草稿正被频繁修改，请稍后再试", "error")
    return _back(record)
