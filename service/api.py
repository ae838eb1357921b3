"""The JSON API under /api/ (described by /api/openapi.json).

Authenticated by the session cookie (browsers; writes need the X-CSRFToken header) or by
``Authorization: Bearer <token>`` (scripts; no CSRF).  Errors: ``{"ok": false, "error", "status"}``.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for
from flask_login import current_user

from service import corpus, generation, get_drafter, get_store, history, jobs
from service.admin import start_upload_job
from service.auth import role_required
from service.db import get_db
from service.diffing import all_warnings, compare_sections
from service.drafts import export_response, load_draft, visible_drafts
from service.errors import ApiError
from ingest.model import LEVELS
from service.openapi import spec
from vectorstore.search import SearchFilters

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_K = 50


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError("body: 需要 JSON 对象 (expected a JSON object with Content-Type: application/json)", 400)
    if not isinstance(data, dict):
        raise ApiError("body: 需要 JSON 对象 (expected a JSON object)", 400)
    return data


@bp.get("/health")
def health():
    return jsonify({"ok": True})


@bp.get("/me")
def me():
    return jsonify({"name": current_user.name, "role": current_user.role})


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())


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
    rows = visible_drafts(get_db(), current_user)
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
    """A new version from edited texts: {"base_version"?, "title"?, "sections": [{"text"} | null, …]}."""
    record = load_draft(draft_id)
    data = _json_body()
    sections = data.get("sections")
    if not isinstance(sections, list):
        raise ApiError("sections: 需要列表 (a list with one {\"text\": …} or null per section)", 400)
    texts = []
    for i, s in enumerate(sections):
        if s is None:
            texts.append(None)
        elif isinstance(s, dict) and isinstance(s.get("text"), str):
            texts.append(s["text"])
        else:
            raise ApiError(f"sections[{i}]: 需要 {{\"text\": …}} 或 null", 400)
    base = data.get("base_version")
    if base is not None and not isinstance(base, int):
        raise ApiError("base_version: 需要整数 (must be an integer)", 400)
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise ApiError("title: 需要文本 (must be a string)", 400)
    db = get_db()
    before = history.latest(db, record).number
    saved = history.edit(db, record, current_user, title=title, texts=texts, base=base)
    response = jsonify(history.draft_payload(record, saved))
    response.status_code = 200 if saved.number == before else 201  # 200: nothing changed, no new version
    return response


@bp.get("/drafts/<draft_id>/versions/<int:number>")
@role_required("staff")
def get_version(draft_id: str, number: int):
    record = load_draft(draft_id)
    return jsonify(history.draft_payload(record, history.version(get_db(), record, number)))


@bp.post("/drafts/<draft_id>/versions/<int:number>/restore")
@role_required("staff")
def restore_version(draft_id: str, number: int):
    record = load_draft(draft_id)
    saved = history.restore(get_db(), record, number, current_user)
    response = jsonify(history.draft_payload(record, saved))
    response.status_code = 201
    return response


@bp.get("/drafts/<draft_id>/export.<fmt>")
@role_required("staff")
def export_draft(draft_id: str, fmt: str):
    return export_response(load_draft(draft_id), fmt, request.args.get("version", type=int))


@bp.get("/drafts/<draft_id>/compare")
@role_required("editor")
def compare_draft(draft_id: str):
    record = load_draft(draft_id)
    number = request.args.get("version", type=int)
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
    q = (request.args.get("q") or "").strip()
    if not q:
        raise ApiError("q: 请输入检索词 (q is required)", 400)
    if len(q) > 500:
        raise ApiError("q: 检索词不能超过500字 (q is too long)", 400)
    try:
        k = int(request.args.get("k", 10))
    except ValueError:
        raise ApiError("k: 需要整数 (must be an integer)", 400) from None
    if not 1 <= k <= MAX_K:
        raise ApiError(f"k: 应在 1 到 {MAX_K} 之间 (must be between 1 and {MAX_K})", 400)
    level = request.args.get("level") or None
    if level is not None and level not in LEVELS:
        raise ApiError(f"level: must be one of {', '.join(LEVELS)}", 400)
    # The drafter's searcher: one lexical snapshot shared with drafting.
    results = get_drafter().searcher.search(q, k=k, filters=SearchFilters(level=level))
    keys = ("chunk_id", "doc_id", "doc_title", "source", "text", "score", "level", "section_role", "heading_path", "year", "kind", "family_id")
    return jsonify({"results": [{key: r.to_dict()[key] for key in keys} for r in results]})


@bp.get("/documents")
@role_required("editor")
def documents():
    rows = corpus.filter_rows(corpus.document_rows(get_store(), get_db()), request.args)
    return jsonify({"documents": rows})


@bp.get("/documents/<doc_id>")
@role_required("editor")
def document(doc_id: str):
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    row = next(r for r in corpus.document_rows(store, get_db()) if r["id"] == doc_id)
    chunks = [{"chunk_id": c.id, "section_role": c.section_role, "heading_path": c.heading_path, "span": list(c.span)} for c in store.chunks(doc_id=doc_id)]
    return jsonify({**row, "text": doc.text, "chunks": chunks})


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
