"""Staff pages: ask for a draft, watch it arrive, edit it, keep versions, take it away as Word."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from drafting.outline import DEFAULT_ROLES
from drafting.own import known_bodies
from service import export, history, proofing
from service.auth import require_draft_access, role_required
from service.db import DraftRecord, DraftVersion, get_db
from service.errors import ApiError
from service.generation import field_labels, generate, parse_request
from service.resources import get_store
from service.revise import normalise_text
from service.diffing import version_diff
from service.schedule_rows import rows_from_form
from service.schemas import Rename, RestoreRequest, ValidationFailed, VersionPair, VersionQuery, VersionSave, parse
from service.signature import signature_of

bp = Blueprint("drafts", __name__)


def default_year() -> int:
    """Plans are written in the last months of the year before; from October on, suggest next year."""
    today = date.today()
    return today.year + 1 if today.month >= 10 else today.year


def usual_order(level: str, roles: list[str]) -> list[str]:
    """Chosen sections in the level's usual order (townships put 服务中心 before 协商), others after."""
    usual = list(DEFAULT_ROLES.get(level, ()))
    return sorted(roles, key=lambda r: (usual.index(r) if r in usual else len(usual) + roles.index(r)))


def visible_drafts(db, user, limit: int = 200, *, deleted: bool = False):
    """The drafts ``user`` may see, newest first: staff their own, editors and admins all;
    ``deleted``: those in the 已删除 list instead."""
    order = DraftRecord.deleted_at.desc() if deleted else DraftRecord.updated_at.desc()
    query = select(DraftRecord).where(DraftRecord.deleted_at.is_not(None) if deleted else DraftRecord.deleted_at.is_(None))
    query = query.order_by(order).limit(limit)
    if not user.can("editor"):
        query = query.where(DraftRecord.owner_id == user.id)
    return list(db.scalars(query))


def load_draft(draft_id: str, *, deleted: bool = False) -> DraftRecord:
    """The draft the current user may see; a deleted one only when ``deleted`` (the 已删除 list)."""
    record = get_db().get(DraftRecord, draft_id)
    if record is not None and (record.deleted_at is not None) != deleted:
        record = None
    require_draft_access(record, current_user)
    return record


def keep_days() -> int:
    return int(current_app.config["DELETED_DRAFT_DAYS"])


@bp.get("/")
@role_required("staff")
def index():
    db = get_db()
    history.purge_deleted(db, keep_days())  # the page everyone opens: past their keeping time, deleted drafts go
    drafts = visible_drafts(db, current_user)
    latest = history.latest_versions(db, drafts)
    slots = {d.id: history.open_slots(latest[d.id].content) for d in drafts if d.id in latest}
    return render_template("drafts/index.html", drafts=drafts, slots=slots)


@bp.get("/drafts/deleted")
@role_required("staff")
def deleted():
    db = get_db()
    history.purge_deleted(db, keep_days())  # what is past its keeping time is gone before it is listed
    drafts = visible_drafts(db, current_user, deleted=True)
    purge = {d.id: history.purge_date(d, keep_days()) for d in drafts}
    return render_template("drafts/deleted.html", drafts=drafts, purge=purge, days=keep_days())


@bp.post("/drafts/<draft_id>/delete")
@role_required("staff")
def delete(draft_id: str):
    record = load_draft(draft_id)
    history.delete(get_db(), record)
    flash(f"已删除《{record.title}》；{keep_days()}天内可在“已删除”中恢复", "success")
    return redirect(url_for("drafts.index"))


@bp.post("/drafts/<draft_id>/undelete")
@role_required("staff")
def undelete(draft_id: str):
    record = load_draft(draft_id, deleted=True)
    history.undelete(get_db(), record)
    flash(f"已恢复《{record.title}》", "success")
    return redirect(url_for("drafts.index"))


@bp.post("/drafts/<draft_id>/rename")
@role_required("staff")
def rename(draft_id: str):
    """A new title from the draft list: saved as a new version, on the version the list showed."""
    db = get_db()
    record = load_draft(draft_id)
    try:
        asked = parse(Rename, {"title": request.form.get("title"), "base_version": request.form.get("base_version")})
        saved = history.edit(db, record, current_user, title=asked.title, texts=[None] * len(history.latest(db, record).content["sections"]),
                             base=asked.base_version, note="重命名")
    except history.Conflict as exc:
        flash(f"未改名：此后{exc.latest.author.name}已保存第{exc.latest.number}版，请重新打开列表再改", "error")
    except ValidationFailed as exc:
        flash(f"未改名：{exc.form_message}", "error")
    else:
        flash(f"已改名为《{saved.content['title']}》", "success")
    return redirect(url_for("drafts.index"))


@bp.get("/drafts/<draft_id>/diff")
@role_required("staff")
def diff(draft_id: str):
    """Two versions side by side, sentence by sentence (chosen in the version list)."""
    db = get_db()
    record = load_draft(draft_id)
    pair = parse(VersionPair, request.args.to_dict())
    a, b = pair.numbers(history.latest(db, record).number)
    va, vb = history.version(db, record, a), history.version(db, record, b)
    return render_template(
        "drafts/diff.html", record=record, a=va, b=vb, diff=version_diff(va.content, vb.content),
        content=vb.content, versions=history.versions(db, record), latest=history.latest(db, record),
    )


@bp.route("/drafts/new", methods=["GET", "POST"])
@role_required("staff")
def new():
    values = {"level": "乡镇", "year": default_year(), "org_name": "", "parent_body": "", "topics": "", "sections": None, "llm": False,
              "base_plan": "", "schedule": False}
    error, error_field = None, None
    if request.method == "POST":
        # Without JavaScript the form posts here and waits for the whole draft.
        form = request.form
        values = {
            "level": form.get("level", ""),
            "year": form.get("year", ""),
            "org_name": form.get("org_name", ""),
            "parent_body": form.get("parent_body", ""),
            "topics": form.get("topics", ""),
            "sections": usual_order(form.get("level", ""), form.getlist("sections")) or None,
            "target_chars": form.get("target_chars") or None,
            "llm": form.get("llm") == "on",
            "base_plan": form.get("base_plan") or None,
            "schedule": form.get("schedule") == "on",
        }
        try:
            req = parse_request(values)
        except ValidationFailed as exc:
            error, error_field = exc.form_message, exc.field
        else:
            draft_id = generate(req, current_user)
            flash("草稿已生成，已保存为第1版", "success")
            return redirect(url_for("drafts.edit", draft_id=draft_id))
    return render_template(
        "drafts/new.html",
        values=values,
        default_roles={level: list(roles) for level, roles in DEFAULT_ROLES.items()},
        error=error,
        error_field=error_field,
        field_labels=field_labels(),
        bodies=known_bodies(get_store()),
    ), (400 if error else 200)


@bp.get("/drafts/<draft_id>")
@role_required("staff")
def edit(draft_id: str):
    record = load_draft(draft_id)
    return editor_page(record, history.latest(get_db(), record))


def editor_page(record: DraftRecord, current: DraftVersion, *, typed: dict | None = None, error: str | None = None, conflict: dict | None = None):
    """The editor over ``current``; ``typed`` (title, sections, note) fills the fields with what was sent."""
    content = current.content
    if conflict:
        rows = [{**c, "text": c["merged_text"], "section": _section(content, c["was"]), "conflict": c} for c in conflict["sections"]]
    elif typed and not conflict:
        rows = [{**t, "text": t["text"] if t["text"] is not None else _text(content, t["was"]), "section": _section(content, t["was"])} for t in typed["sections"]]
    else:
        rows = [{"title": s["title"], "text": s["text"], "was": i, "section": s} for i, s in enumerate(content["sections"])]
    return render_template(
        "drafts/edit.html", record=record, version=current, content=content, versions=history.versions(get_db(), record),
        typed=typed, error=error, conflict=conflict, rows=rows, open_slots=history.open_slots(content),
        signature=signature_of(content, history.made_on(record)), findings=editor_findings(content),
    )


def editor_findings(content: dict) -> list[dict]:
    """The version's 校对 findings the editor lists, title first, then section by section; an open
    slot is left to the 待填 list, which already shows it."""
    indices = [proofing.TITLE] + list(range(len(content["sections"])))
    return [f for i in indices for f in proofing.of_section(content, i) if f["source"] != "slot"]


def _section(content: dict, was: int | None) -> dict | None:
    return content["sections"][was] if was is not None and 0 <= was < len(content["sections"]) else None


def _text(content: dict, was: int | None) -> str:
    section = _section(content, was)
    return section["text"] if section else ""


def typed_sections(form, count: int) -> tuple[list[dict], bool]:
    """The sections the editor's form sent, in its order: title, text and the index of the
    section of the base version each continues (``was``; None for one added), and whether the
    form said so (``section-was-<k>``; a form without it sends each section's text in place)."""
    if "section-was-0" not in form:
        return [{"title": None, "text": form.get(f"section-{i}"), "was": i} for i in range(count)], False
    sections, k = [], 0
    while f"section-was-{k}" in form:
        was = form.get(f"section-was-{k}", "")
        sections.append({"title": form.get(f"section-title-{k}"), "text": form.get(f"section-{k}"), "was": int(was) if was.isdigit() else None})
        k += 1
    return sections, True


@bp.post("/drafts/<draft_id>")
@role_required("staff")
def save(draft_id: str):
    db = get_db()
    record = load_draft(draft_id)
    current = history.latest(db, record)
    form = request.form
    sections, shaped = typed_sections(form, len(current.content["sections"]))
    texts = [s["text"] for s in sections]
    # The 落款 fields (drafts/_signature.html); a form without them keeps the signature.
    signature = None
    if "signature_body" in form or "signature_date" in form:
        signature = {"body": form.get("signature_body", ""), "date": form.get("signature_date", "")}
    schedule = rows_from_form(form)  # the 活动安排表's rows (drafts/_schedule.html); None keeps it
    typed = {"title": form.get("title"), "sections": sections, "note": form.get("note", ""), "signature": signature, "schedule": schedule}
    try:
        asked = parse(VersionSave, {
            "base_version": form.get("base_version"), "title": form.get("title"), "merged": form.get("merged") == "1",
            "sections": [None if s["text"] is None else {"text": s["text"], "title": s["title"]} for s in sections],
            "order": [s["was"] for s in sections] if shaped else None, "note": form.get("note", ""), "signature": signature,
            "schedule": schedule,
        })
        saved = history.edit(
            db, record, current_user, title=asked.title, texts=texts, base=asked.base_version, merged=asked.merged,
            titles=[s["title"] for s in sections] if shaped else None, order=asked.order, note=asked.note,
            signature=asked.signature.model_dump() if asked.signature is not None else None,
            schedule=[row.model_dump() for row in asked.schedule] if asked.schedule is not None else None,
        )
    except history.Conflict as exc:
        # Someone saved since this page was opened: show mine, theirs and the merge; keep what was typed.
        return editor_page(record, exc.latest, typed=typed, conflict=conflict_view(exc, texts)), 409
    except ValidationFailed as exc:
        return editor_page(record, current, typed=typed, error=exc.form_message), 400
    if saved.number == current.number:
        flash("没有改动，未生成新版本", "info")
    else:
        flash(f"已保存为第{saved.number}版", "success")
    return redirect(url_for("drafts.edit", draft_id=record.id))


def conflict_view(conflict: history.Conflict, typed: list[str | None]) -> dict:
    """Section by section: what I typed, the latest text, and the proposed merge."""
    base_sections = conflict.base.content["sections"]
    latest_content = conflict.latest.content
    sections = []
    order = conflict.submitted.get("order") or list(range(len(base_sections)))
    for merged in conflict.merged["sections"]:
        was, k = merged["was"], merged["mine"]
        before = base_sections[order[k]]["text"] if k is not None and order[k] is not None else ""
        mine = typed[k] if k is not None and typed[k] is not None else before
        theirs = latest_content["sections"][was]["text"] if was is not None else ""
        differs = merged["changed_by"] in ("mine", "both") and normalise_text(mine) != theirs and was is not None
        sections.append({
            "merged_text": merged["text"], "changed_by": merged["changed_by"], "conflicts": merged["conflicts"],
            "mine": mine, "theirs": theirs, "differs": differs, "was": was, "title": merged["title"],
        })
    return {"base": conflict.base, "latest": conflict.latest, "sections": sections, "title": conflict.merged["title"]}


@bp.get("/drafts/<draft_id>/versions/<int:number>")
@role_required("staff")
def show_version(draft_id: str, number: int):
    db = get_db()
    record = load_draft(draft_id)
    v = history.version(db, record, number)
    latest = history.latest(db, record)
    return render_template("drafts/version.html", record=record, version=v, latest=latest, content=v.content, versions=history.versions(db, record))


@bp.post("/drafts/<draft_id>/versions/<int:number>/restore")
@role_required("staff")
def restore(draft_id: str, number: int):
    db = get_db()
    record = load_draft(draft_id)
    base = parse(RestoreRequest, {"base_version": request.form.get("base_version")}).base_version
    try:
        saved = history.restore(db, record, number, current_user, base=base)
    except history.Conflict as exc:
        # The page offered a restore on top of a version that is no longer the latest.
        v = history.version(db, record, number)
        return render_template(
            "drafts/version.html", record=record, version=v, latest=exc.latest, content=v.content,
            versions=history.versions(db, record), stale=exc.base,
        ), 409
    flash(f"已将第{number}版恢复为第{saved.number}版", "success")
    return redirect(url_for("drafts.edit", draft_id=record.id))


@bp.get("/drafts/<draft_id>/export.<fmt>")
@role_required("staff")
def export_file(draft_id: str, fmt: str):
    return export_response(load_draft(draft_id), fmt, parse(VersionQuery, request.args.to_dict()).version)


def export_response(record: DraftRecord, fmt: str, number: int | None) -> Response:
    """A version (the latest by default) as a .docx or .md download."""
    db = get_db()
    v = history.version_or_latest(db, record, number)
    stem = f"{export.file_stem(v.content)}（第{v.number}版）"
    if fmt == "docx":
        import io

        return send_file(
            io.BytesIO(export.to_docx(v.content, draft_id=record.id, version=v.number, made=history.made_on(record))),
            mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            as_attachment=True,
            download_name=f"{stem}.docx",
        )
    if fmt == "md":
        import io

        return send_file(
            io.BytesIO(export.to_markdown(v.content).encode("utf-8")),
            mimetype="text/markdown; charset=utf-8",
            as_attachment=True,
            download_name=f"{stem}.md",
        )
    raise ApiError("format: 只支持 docx 或 md (format must be docx or md)", 404)
