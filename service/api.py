"""The JSON API under /api/ (described by /api/openapi.json).

Authenticated by the session cookie (browsers; writes need the X-CSRFToken header) or by
``Authorization: Bearer <token>`` (scripts; no CSRF).  Errors: ``{"ok": false, "error", "status"}``.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for
from flask_login import current_user

from service import corpus, generation, history, jobs, proofing
from service.admin import start_upload_job
from service.answers import SearchResult
from service.corpus_answers import Activity
from service.auth import role_required
from service.db import get_db
from service.diffing import all_warnings, compare_sections, version_diff
from service.drafts import export_response, keep_days, load_draft, visible_drafts
from service.errors import ApiError
from service.openapi import spec
from service.resources import get_drafter, get_store, warmed
from service.schemas import (
    ActivityQuery, CheckOptions, CheckRequest, DocumentQuery, Rename, RestoreRequest, SearchQuery, VersionPair, VersionQuery,
    VersionSave, parse,
)
from vectorstore.search import SearchFilters

bp = Blueprint("api", __name__, url_prefix="/api")


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError("body: 需要 JSON 对象 (expected a JSON object with Content-Type: application/json)", 400)
    if not isinstance(data, dict):
        raise ApiError("body: 需要 JSON 对象 (expected a JSON object)", 400)
    return data


@bp.get("/health")
def health():
    # warm: the store, the embedder and the search indexes are loaded (service.resources.warm_up).
    return jsonify({"ok": True, "warm": warmed(current_app)})


@bp.get("/me")
def me():
    return jsonify({"name": current_user.name, "role": current_user.role})


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec(current_app))


# -- drafts -----------------------------------------------------------------------------------


@bp.post("/drafts")
@role_required("staff")
def create_draft():
    req = generation.parse_request(_json_body())
    draft_id = generation.generate(req, current_user)
    db = get_db()
    record = load_draft(draft_id)
    body = history.draft_payload(record, history.latest(db, record))
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_draft", draft_id=draft_id)
    return response


@bp.post("/drafts/stream")
@role_required("staff")
def stream_draft():
    req = generation.parse_request(_json_body())
    lines = generation.stream(req, current_user.id)
    return Response(
        stream_with_context(lines),
        mimetype="application/x-ndjson",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.get("/drafts")
@role_required("staff")
def list_drafts():
    db = get_db()
    rows = visible_drafts(db, current_user)
    latest = history.latest_versions(db, rows)
    return jsonify(
        {
            "drafts": [
                {
                    "id": r.id,
                    "title": r.title,
                    "owner": r.owner.name,
                    "level": r.request.get("level"),
                    "year": r.request.get("year"),
                    "created_at": r.created_at.isoformat(timespec="seconds") + "Z",
                    "updated_at": r.updated_at.isoformat(timespec="seconds") + "Z",
                    "org_name": r.request.get("org_name"),
                    "open_slots": history.open_slots(latest[r.id].content) if r.id in latest else 0,
                }
                for r in rows
            ]
        }
    )


@bp.get("/drafts/<draft_id>")
@role_required("staff")
def get_draft(draft_id: str):
    record = load_draft(draft_id)
    return jsonify(history.draft_payload(record, history.latest(get_db(), record)))


@bp.get("/drafts/<draft_id>/versions")
@role_required("staff")
def list_versions(draft_id: str):
    record = load_draft(draft_id)
    return jsonify({"id": record.id, "versions": [history.version_summary(v) for v in history.versions(get_db(), record)]})


@bp.post("/drafts/<draft_id>/versions")
@role_required("staff")
def save_version(draft_id: str):
    """A new version from edited texts: {"base_version"?, "title"?, "sections": [{"text"} | null, …], "signature"?: {"body", "date"},
    "schedule"?: [{"id"?, "month", "title", "form", "owner", "place"}, …]}.

    409 (``answers.Conflict``) when base_version is older than the latest version."""
    record = load_draft(draft_id)
    asked = parse(VersionSave, _json_body())
    texts = [s.text if s is not None else None for s in asked.sections]
    titles = [s.title if s is not None else None for s in asked.sections]
    db = get_db()
    before = history.latest(db, record).number
    signature = asked.signature.model_dump() if asked.signature is not None else None
    schedule = [row.model_dump() for row in asked.schedule] if asked.schedule is not None else None
    saved = history.edit(
        db, record, current_user, title=asked.title, texts=texts, base=asked.base_version, merged=asked.merged,
        titles=titles if any(t is not None for t in titles) else None, order=asked.order, note=asked.note, signature=signature,
        schedule=schedule,
    )
    response = jsonify(history.draft_payload(record, saved))
    response.status_code = 200 if saved.number == before else 201  # 200: nothing changed, no new version
    return response


@bp.post("/drafts/<draft_id>/rename")
@role_required("staff")
def rename_draft(draft_id: str):
    """{"title", "base_version"?}: the draft renamed, as a new version (its note 重命名)."""
    record = load_draft(draft_id)
    asked = parse(Rename, _json_body())
    db = get_db()
    count = len(history.latest(db, record).content["sections"])
    saved = history.edit(db, record, current_user, title=asked.title, texts=[None] * count, base=asked.base_version, note="重命名")
    return jsonify(history.draft_payload(record, saved))


@bp.delete("/drafts/<draft_id>")
@role_required("staff")
def delete_draft(draft_id: str):
    """Deleted drafts leave every list and stay recoverable for PLANDRAFT_DELETED_DRAFT_DAYS."""
    record = load_draft(draft_id)
    db = get_db()
    history.delete(db, record)
    return jsonify(_deleted_payload(record))


@bp.post("/drafts/<draft_id>/undelete")
@role_required("staff")
def undelete_draft(draft_id: str):
    record = load_draft(draft_id, deleted=True)
    history.undelete(get_db(), record)
    return jsonify(_deleted_payload(record))


def _deleted_payload(record) -> dict:
    purge = history.purge_date(record, keep_days())
    return {"id": record.id, "title": record.title, "deleted": record.deleted_at is not None,
            "purge_after": purge.isoformat(timespec="seconds") + "Z" if purge else None}


@bp.get("/drafts/<draft_id>/diff")
@role_required("staff")
def diff_versions(draft_id: str):
    """?a=&b=: per section, the sentences of version b against version a (kept, deleted, inserted, changed)."""
    record = load_draft(draft_id)
    pair = parse(VersionPair, request.args.to_dict())
    db = get_db()
    a, b = pair.numbers(history.latest(db, record).number)
    found = version_diff(history.version(db, record, a).content, history.version(db, record, b).content)
    sections = [
        {"status": s["status"], "title": s["title"], "old_title": s["old_title"], "changes": s["changes"],
         "rows": [{"op": r["op"], "html": str(r["html"])} for r in s["rows"]]}
        for s in found["sections"]
    ]
    return jsonify({"id": record.id, "a": a, "b": b, "title_html": str(found["title"]), "changed_sections": found["changed"], "sections": sections})


@bp.get("/drafts/<draft_id>/versions/<int:number>")
@role_required("staff")
def get_version(draft_id: str, number: int):
    record = load_draft(draft_id)
    return jsonify(history.draft_payload(record, history.version(get_db(), record, number)))


@bp.post("/drafts/<draft_id>/versions/<int:number>/restore")
@role_required("staff")
def restore_version(draft_id: str, number: int):
    record = load_draft(draft_id)
    # The body is optional: {"base_version": n} makes the restore refuse (409) if n is no longer the latest.
    body = parse(RestoreRequest, request.get_json(silent=True) or {})
    saved = history.restore(get_db(), record, number, current_user, base=body.base_version)
    response = jsonify(history.draft_payload(record, saved))
    response.status_code = 201
    return response


@bp.get("/drafts/<draft_id>/export.<fmt>")
@role_required("staff")
def export_draft(draft_id: str, fmt: str):
    return export_response(load_draft(draft_id), fmt, parse(VersionQuery, request.args.to_dict()).version)


@bp.get("/drafts/<draft_id>/compare")
@role_required("staff")
def compare_draft(draft_id: str):
    record = load_draft(draft_id)
    number = parse(VersionQuery, request.args.to_dict()).version
    db = get_db()
    v = history.version_or_latest(db, record, number)
    sections = compare_sections(v.content)
    out = []
    for s in sections:
        out.append(
            {
                "role": s["role"],
                "title": s["title"],
                "anchor": s["anchor"],
                "sentences": [
                    {
                        "anchor": x["anchor"],
                        "text": x["text"],
                        "kind": x["kind"],
                        "kind_label": x["kind_label"],
                        "label": x["label"],
                        "source_text": x["source_text"],
                        "diff_html": str(x["diff"]),
                        "sources": [{k: v for k, v in src.items() if k != "passage"} for src in x["sources"]],
                    }
                    for x in s["sentences"]
                ],
            }
        )
    warnings = [{k: w[k] for k in ("kind", "label", "message", "section", "sentence", "text", "anchor")} for w in all_warnings(sections)]
    return jsonify({"id": record.id, "version": v.number, "sections": out, "warnings": warnings})


# -- corpus -----------------------------------------------------------------------------------


@bp.get("/search")
@role_required("staff")
def search():
    query = parse(SearchQuery, request.args.to_dict())
    # The drafter's searcher: one lexical snapshot shared with drafting.
    results = get_drafter().searcher.search(query.q, k=query.k, filters=SearchFilters(level=query.level))
    # A result carries what the SearchResult model declares, nothing else.
    return jsonify({"results": [{key: r.to_dict()[key] for key in SearchResult.model_fields} for r in results]})


@bp.get("/documents")
@role_required("editor")
def documents():
    filters = parse(DocumentQuery, request.args.to_dict()).model_dump(exclude_none=True)
    rows = corpus.filter_rows(corpus.document_rows(get_store(), get_db()), filters)
    return jsonify({"documents": rows})


@bp.get("/documents/<doc_id>")
@role_required("editor")
def document(doc_id: str):
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    row = next(r for r in corpus.document_rows(store, get_db()) if r["id"] == doc_id)
    chunks = [{"chunk_id": c.id, "section_role": c.section_role, "heading_path": c.heading_path, "span": list(c.span)} for c in store.chunks(doc_id=doc_id)]
    return jsonify({**row, "text": doc.text, "chunks": chunks})


@bp.get("/documents/<doc_id>/activities")
@role_required("editor")
def document_activities(doc_id: str):
    store = get_store()
    corpus.document_or_404(store, doc_id)
    return jsonify({"activities": _activity_dicts(store.activities(doc_id=doc_id))})


@bp.get("/activities")
@role_required("editor")
def activities():
    query = parse(ActivityQuery, request.args.to_dict())
    found = get_store().activities(doc_id=query.doc_id, month=query.month, form=query.form)
    return jsonify({"activities": _activity_dicts(found)})


def _activity_dicts(found) -> list[dict]:
    # What the Activity model declares, nothing else (a field added to ingest's Activity is not
    # served until the answer declares it).
    return [{key: a.to_dict()[key] for key in Activity.model_fields} for a in found]


@bp.patch("/documents/<doc_id>")
@role_required("admin")
def correct_document(doc_id: str):
    corrections = corpus.parse_corrections(_json_body())
    if not corrections:
        raise ApiError("body: 没有要更正的字段 (give at least one of level, kind, year, on_topic)", 400)
    store = get_store()
    changed = corpus.correct_document(store, doc_id, corrections)
    row = next(r for r in corpus.document_rows(store, get_db()) if r["id"] == doc_id)
    return jsonify({"changed": changed, "document": row})


@bp.delete("/documents/<doc_id>/source")
@role_required("admin")
def delete_source(doc_id: str):
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    removed = corpus.remove_source(store, get_db(), doc.source, corpus.uploads_dir(current_app.config))
    return jsonify({"source": doc.source, "removed": removed})


@bp.post("/ingest")
@role_required("admin")
def ingest():
    """Multipart ``files`` (upload and ingest them) or JSON ``{"reingest": true}``; 202 with the job."""
    if request.mimetype == "multipart/form-data":
        job = start_upload_job(request.files.getlist("files"))
    else:
        data = _json_body()
        if data.get("reingest") is not True:
            raise ApiError("files: 请上传文件（multipart 字段 files），或发送 {\"reingest\": true}", 400)
        paths = corpus.reingest_paths(get_store(), corpus.uploads_dir(current_app.config))
        job = jobs.start(get_db(), current_user, paths, "reingest")
    response = jsonify({"job": job.to_dict(), "url": url_for("api.ingest_job", job_id=job.id)})
    response.status_code = 202
    response.headers["Location"] = url_for("api.ingest_job", job_id=job.id)
    return response


@bp.get("/ingest/jobs/<job_id>")
@role_required("admin")
def ingest_job(job_id: str):
    return jsonify({"job": jobs.job_or_404(get_db(), job_id).to_dict()})


# -- 校对 ----------------------------------------------------------------------------------------


@bp.post("/check")
@role_required("staff")
def check():
    """JSON ``{"text", "year", "level", "org_name"}``, or a multipart .docx upload (``file``, the
    other fields as form fields); answers ``{"findings": [...]}`` (docx: ``paragraph`` set)."""
    from proofread import CheckError, check_docx, check_text

    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ApiError("file: 请上传 .docx 文件（multipart 字段 file）", 400)
        if not upload.filename.lower().endswith(".docx"):
            raise ApiError(f"file: {upload.filename}: 只能上传 .docx 文件 (only .docx)", 400)
        fields = parse(CheckOptions, request.form.to_dict())
        try:
            findings = check_docx(upload.read(), proofing.check_context(fields.year, fields.level, fields.org_name))
        except CheckError as exc:
            raise ApiError(f"file: {upload.filename}: {exc}", 400) from None
    else:
        body = parse(CheckRequest, _json_body())
        findings = check_text(body.text, proofing.check_context(body.year, body.level, body.org_name))
    return jsonify({"findings": [f.to_dict() for f in findings]})


@bp.get("/stats")
@role_required("admin")
def stats():
    rows = corpus.document_rows(get_store(), get_db())
    return jsonify({**get_store().stats(), "off_topic_documents": sum(1 for r in rows if not r["on_topic"])})


@bp.get("/families")
@role_required("admin")
def families():
    groups = corpus.families(corpus.document_rows(get_store(), get_db()))
    return jsonify({"families": [{"family_id": g[0]["family_id"], "documents": g} for g in groups]})
