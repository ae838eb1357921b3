"""Editors' pages: every draft sentence beside its source passage, each section's 校对 findings; the source document itself."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from markupsafe import escape

from service import corpus, history, proofing
from service.auth import role_required
from service.corpus import original_names
from service.db import get_db
from service.diffing import CARRY_LABELS, all_warnings, compare_sections, highlight
from service.drafts import load_draft
from service.resources import get_store

bp = Blueprint("compare", __name__)


@bp.get("/drafts/<draft_id>/compare")
@role_required("staff")  # staff see their own drafts only (load_draft); editors every draft
def compare(draft_id: str):
    db = get_db()
    record = load_draft(draft_id)
    number = request.args.get("version", type=int)
    v = history.version_or_latest(db, record, number)
    sections = compare_sections(v.content)
    totals = {k: sum(s["counts"][k] for s in sections) for k in ("verbatim", "adapted", "new")}
    labels = {k: sum(s["labels"][k] for s in sections) for k in CARRY_LABELS}
    base = next((s["base"] for s in sections if s["base"]), None)  # the plan this draft continues
    for s in sections:
        s["findings"] = proofing.of_section(v.content, s["index"])
    title_findings = proofing.of_section(v.content, proofing.TITLE)
    return render_template(
        "compare/compare.html",
        record=record,
        version=v,
        content=v.content,
        sections=sections,
        warnings=all_warnings(sections),
        title_findings=title_findings,
        finding_total=len(title_findings) + sum(len(s["findings"]) for s in sections),
        totals=totals,
        labels=labels,
        base=base,
        show_base=request.args.get("base") == "1",
        CARRY_LABELS=CARRY_LABELS,
        versions=history.versions(db, record),
        user=current_user,
    )


@bp.get("/documents/<doc_id>")
@role_required("editor")
def document(doc_id: str):
    """A document's cleaned text; with ``?chunk=`` the passage a draft drew on is highlighted."""
    store = get_store()
    doc = corpus.document_or_404(store, doc_id)
    chunk = None
    chunk_id = request.args.get("chunk")
    if chunk_id:
        found = store.chunks(doc_id=doc_id, ids=[chunk_id])
        chunk = found[0] if found else None
    if chunk is not None:
        body = highlight(doc.text, chunk.span[0], chunk.span[1], "mark", ' id="passage" class="passage"')
    else:
        body = escape(doc.text)
    source_name = original_names(get_db()).get(doc.source)
    return render_template("compare/document.html", doc=doc, body=body, chunk=chunk, chunk_missing=bool(chunk_id and chunk is None), source_name=source_name,
                           activities=store.activities(doc_id=doc_id))
