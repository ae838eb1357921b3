"""Admin pages: upload and re-ingest with progress, the document list, corrections, removal,
near-duplicate families, off-topic documents and corpus statistics."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ingest.loaders import SUPPORTED_SUFFIXES
from service import corpus, jobs
from service.auth import role_required
from service.db import IngestJob, Upload, get_db
from service.errors import ApiError, page_message
from service.resources import get_store
from service.schemas import Corrections, ValidationFailed

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required("admin")
def home():
    return redirect(url_for("admin.documents"))


@bp.get("/documents")
@role_required("admin")
def documents():
    all_rows = corpus.document_rows(get_store(), get_db())
    rows = corpus.filter_rows(all_rows, request.args)
    years = sorted({r["year"] for r in all_rows if r["year"]}, reverse=True)
    return render_template("admin/documents.html", rows=rows, total=len(all_rows), years=years, args=request.args)


@bp.route("/documents/<doc_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_document(doc_id: str):
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    if request.method == "POST":
        form = request.form
        try:
            corrections = corpus.parse_corrections(
                {"level": form.get("level"), "kind": form.get("kind"), "year": form.get("year", ""), "on_topic": form.get("on_topic", ""),
                 "body": form.get("body", "")}
            )
        except ValidationFailed as exc:
            flash(exc.form_message, "error")
            return _edit_page(store, doc), 400
        changed = corpus.correct_document(store, doc_id, corrections)
        labels = "、".join(Corrections.model_fields[f].title for f in changed)
        flash("已更正：" + labels if changed else "没有改动", "success" if changed else "info")
        return redirect(url_for("admin.documents", **({"q": request.args["q"]} if request.args.get("q") else {})))
    return _edit_page(store, doc)


def _edit_page(store, doc) -> str:
    """The correction form, with what ingest found in the document: its body and its activities."""
    return render_template("admin/edit_document.html", doc=doc, source_name=corpus.original_names(get_db()).get(doc.source),
                           found_body=_found_body(store, doc.id), activities=store.activities(doc_id=doc.id))


def _found_body(store, doc_id: str) -> str | None:
    """Whose plan ingest found the document is (ingest.bodies), by the name it writes."""
    row = store.bodies().get(doc_id)
    return row.name if row else None


@bp.post("/documents/<doc_id>/remove")
@role_required("admin")
def remove_document(doc_id: str):
    """Remove this document only; the other documents of its file stay."""
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    name = corpus.original_names(get_db()).get(doc.source) or Path(doc.source).name
    corpus.remove_document(store, get_db(), doc_id, corpus.uploads_dir(current_app.config))
    flash(f"已移除文档“{doc.title or '（无标题）'}”（来自文件“{name}”）", "success")
    return redirect(url_for("admin.documents"))


@bp.post("/documents/<doc_id>/remove-file")
@role_required("admin")
def remove_document_source(doc_id: str):
    """Remove the whole file this document came from: all its documents."""
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    name = corpus.original_names(get_db()).get(doc.source) or Path(doc.source).name
    removed = corpus.remove_source(store, get_db(), doc.source, corpus.uploads_dir(current_app.config))
    flash(f"已移除来源文件“{name}”的全部 {removed} 篇文档", "success")
    return redirect(url_for("admin.documents"))


@bp.route("/upload", methods=["GET", "POST"])
@role_required("admin")
def upload():
    refused, job, status = [], None, 200
    if request.method == "POST":
        try:
            job = start_upload_job(request.files.getlist("files"))
        except UploadRefused as exc:
            # Nothing could be kept: the same page again, each file with its reason.
            refused, status = exc.refused, exc.status
        else:
            return redirect(url_for("admin.upload", job=job.id))
    elif request.args.get("job"):
        job = jobs.job_or_404(get_db(), request.args["job"])
    recent = list(get_db().scalars(select(Upload).order_by(Upload.uploaded_at.desc()).limit(20)))
    return render_template("admin/upload.html", max_mb=int(current_app.config["UPLOAD_MAX_MB"]), recent=recent,
                           suffixes=SUPPORTED_SUFFIXES,
                           job=job, refused=refused), status


class UploadRefused(ApiError):
    """Every file of an upload was refused; ``refused`` lists each with its reason (the message is the first's)."""

    def __init__(self, refused: list[dict], first: ApiError):
        super().__init__(first.message, first.status)
        self.refused = refused


def start_upload_job(files) -> IngestJob:
    """Keep every file that can be kept and ingest those in the background; the job records the
    others (empty, too large, of a type no loader reads) with their reasons, so one bad file no
    longer turns the whole upload away.  Raises ``UploadRefused`` when no file is left."""
    files = [f for f in files if f and f.filename]
    if not files:
        raise ApiError("files: 请选择要上传的文件 (no files)", 400)
    directory = corpus.uploads_dir(current_app.config)
    max_bytes = int(current_app.config["UPLOAD_MAX_MB"]) * 1024 * 1024
    saved, refused, first = [], [], None
    try:
        for f in files:
            try:
                saved.append(corpus.save_upload(f, directory, max_bytes))
            except ApiError as exc:
                first = first or exc
                name = corpus.display_name(f.filename)
                refused.append({"source_name": name, "error": page_message(exc.message).removeprefix(f"{name}：")})
    except BaseException:
        for path, _, _ in saved:
            path.unlink(missing_ok=True)
        raise
    if not saved:
        raise UploadRefused(refused, first)
    db = get_db()
    for path, original, size in saved:
        db.add(Upload(stored_path=str(path), original_name=original, size=size, uploaded_by=current_user.id))
    db.commit()
    return jobs.start(db, current_user, [p for p, _, _ in saved], "upload", refused=refused)


@bp.post("/reingest")
@role_required("admin")
def reingest():
    paths = corpus.reingest_paths(get_store(), corpus.uploads_dir(current_app.config))
    job = jobs.start(get_db(), current_user, paths, "reingest")
    return redirect(url_for("admin.job", job_id=job.id))


@bp.get("/jobs/<job_id>")
@role_required("admin")
def job(job_id: str):
    return render_template("admin/job.html", job=jobs.job_or_404(get_db(), job_id))


@bp.get("/families")
@role_required("admin")
def families():
    rows = corpus.document_rows(get_store(), get_db())
    return render_template("admin/families.html", groups=corpus.families(rows))


@bp.get("/off-topic")
@role_required("admin")
def off_topic():
    rows = [r for r in corpus.document_rows(get_store(), get_db()) if not r["on_topic"]]
    return render_template("admin/off_topic.html", rows=rows)


@bp.get("/stats")
@role_required("admin")
def stats():
    store = get_store()
    rows = corpus.document_rows(store, get_db())
    breakdown = {
        "level": Counter(r["level"] for r in rows),
        "kind": Counter(r["kind"] for r in rows),
        "year": Counter(r["year"] or "未知" for r in rows),
    }
    return render_template("admin/stats.html", stats=store.stats(), breakdown=breakdown, sources=store.sources(), names=corpus.original_names(get_db()))
