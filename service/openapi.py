"""OpenAPI 3 description of /api/ (served at /api/openapi.json; a test checks it covers every route)."""
from __future__ import annotations

from typing import Any

from drafting.model import DRAFT_LEVELS, SENTENCE_KINDS, WARNING_KINDS
from ingest.model import KINDS, LEVELS, SECTION_ROLES


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad request (the message names the field)", 401: "Not logged in / bad token", 403: "Role too low", 404: "Not found", 409: "Conflict", 413: "Too large", 501: "Not available"}
    return {str(c): {"$ref": f"#/components/responses/E{c}"} for c in codes if c in text}


_DRAFT_ID = {"name": "draft_id", "in": "path", "required": True, "schema": {"type": "string"}}
_DOC_ID = {"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"}}
_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
# A retrieved passage, as a search result and as a draft section's source.
_PASSAGE = {
    "chunk_id": {"type": "string"},
    "doc_id": {"type": "string"},
    "doc_title": {"type": "string"},
    "source": {"type": "string"},
    "text": {"type": "string"},
    "score": {"type": "number"},
    "level": {"type": "string"},
    "year": {"type": "integer", "nullable": True},
    "heading_path": {"type": "array", "items": {"type": "string"}},
}
_VERSION_Q = {"name": "version", "in": "query", "schema": {"type": "integer"}, "description": "a version number; the latest by default"}


def _op(summary: str, role: str, responses: dict[str, Any], *, params=None, body=None, errors=(401, 403)) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "description": f"Role: {role} or higher.", "responses": {**responses, **_errors(*errors)}}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = body
    return op


def spec() -> dict[str, Any]:
    schemas = {
        "Error": {
            "type": "object",
            "required": ["ok", "error", "status"],
            "properties": {"ok": {"type": "boolean", "enum": [False]}, "error": {"type": "string"}, "status": {"type": "integer"}},
        },
        "DraftRequest": {
            "type": "object",
            "required": ["level", "year", "org_name"],
            "properties": {
                "level": {"type": "string", "enum": list(DRAFT_LEVELS)},
                "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
                "org_name": {"type": "string", "maxLength": 60, "example": "杭川镇政协工作组"},
                "parent_body": {"type": "string", "example": "某某县政协"},
                "topics": {"type": "array", "items": {"type": "string", "maxLength": 30}, "maxItems": 10},
                "sections": {"type": "array", "items": {"type": "string", "enum": list(SECTION_ROLES)}},
                "target_chars": {"type": "integer", "minimum": 300, "maximum": 20000},
                "llm": {"type": "boolean", "default": False},
            },
        },
        "SentenceSource": {"type": "object", "properties": {"chunk_id": {"type": "string"}, "doc_id": {"type": "string"}, "similarity": {"type": "number"}}},
        "Sentence": {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "kind": {"type": "string", "enum": list(SENTENCE_KINDS)},
                "sources": {"type": "array", "items": _ref("SentenceSource")},
                "source_text": {"type": "string"},
                "edited": {"type": "boolean"},
            },
        },
        "SourceRef": {
            "type": "object",
            "properties": {
                **_PASSAGE,
                "span": {"type": "array", "items": {"type": "integer"}, "nullable": True},
                "family_size": {"type": "integer"},
            },
        },
        "Warning": {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": list(WARNING_KINDS)},
                "message": {"type": "string"},
                "section": {"type": "string", "nullable": True},
                "section_index": {"type": "integer"},
                "sentence": {"type": "integer", "nullable": True},
                "text": {"type": "string"},
            },
        },
        "Section": {
            "type": "object",
            "properties": {
                "role": {"type": "string"},
                "title": {"type": "string"},
                "text": {"type": "string"},
                "mode": {"type": "string", "enum": ["extractive", "llm"]},
                "sentences": {"type": "array", "items": _ref("Sentence")},
                "sources": {"type": "array", "items": _ref("SourceRef")},
                "warnings": {"type": "array", "items": _ref("Warning")},
            },
        },
        "VersionSummary": {
            "type": "object",
            "properties": {"number": {"type": "integer"}, "author": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}, "note": {"type": "string"}},
        },
        "Draft": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string"},
                "request": _ref("DraftRequest"),
                "owner": {"type": "string"},
                "version": _ref("VersionSummary"),
                "sections": {"type": "array", "items": _ref("Section")},
                "warnings": {"type": "array", "items": _ref("Warning")},
            },
        },
        "SearchResult": {
            "type": "object",
            "properties": {**_PASSAGE, "section_role": {"type": "string"}, "kind": {"type": "string"}, "family_id": {"type": "string"}},
        },
        "Document": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "source": {"type": "string"},
                "source_name": {"type": "string", "description": "the uploaded file's original name"},
                "title": {"type": "string"},
                "level": {"type": "string", "enum": list(LEVELS)},
                "year": {"type": "integer", "nullable": True},
                "kind": {"type": "string", "enum": list(KINDS)},
                "org_name": {"type": "string", "nullable": True},
                "on_topic": {"type": "boolean"},
                "topic_reason": {"type": "string"},
                "family_id": {"type": "string"},
                "family_size": {"type": "integer"},
            },
        },
        "Corrections": {
            "type": "object",
            "minProperties": 1,
            "properties": {
                "level": {"type": "string", "enum": list(LEVELS)},
                "kind": {"type": "string", "enum": list(KINDS)},
                "year": {"type": "integer", "nullable": True},
                "on_topic": {"type": "boolean"},
            },
        },
        "IngestJob": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "kind": {"type": "string", "enum": ["upload", "reingest"]},
                "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
                "total": {"type": "integer"},
                "done": {"type": "integer"},
                "current": {"type": "string"},
                "report": {"type": "object", "nullable": True, "description": "the ingest report (documents, errors, summary)"},
                "error": {"type": "string", "nullable": True},
            },
        },
    }
    error_response = {"description": "Error", "content": {"application/json": {"schema": _ref("Error")}}}
    responses = {f"E{c}": {**error_response, "description": d} for c, d in ((400, "Bad request"), (401, "Unauthorized"), (403, "Forbidden"), (404, "Not found"), (409, "Conflict"), (413, "Too large"), (501, "Not implemented"))}
    draft_body = {"required": True, "content": {"application/json": {"schema": _ref("DraftRequest")}}}
    draft = _json(_ref("Draft"))
    paths: dict[str, Any] = {
        "/api/health": {"get": _op("Liveness", "any logged-in user", {"200": _json({"type": "object"})})},
        "/api/me": {"get": _op("Who am I", "any logged-in user", {"200": _json({"type": "object", "properties": {"name": {"type": "string"}, "role": {"type": "string"}}})})},
        "/api/openapi.json": {"get": _op("This description", "any logged-in user", {"200": _json({"type": "object"})})},
        "/api/drafts": {
            "get": _op("Drafts I may see (staff: their own; editors and admins: all)", "staff", {"200": _json({"type": "object"})}),
            "post": _op("Draft a plan and save it as version 1", "staff", {"201": _json(_ref("Draft"), "Created")}, body=draft_body, errors=(400, 401, 403)),
        },
        "/api/drafts/stream": {
            "post": _op(
                "Draft a plan section by section (NDJSON: plan, section…, done | error)",
                "staff",
                {"200": {"description": "One JSON object per line", "content": {"application/x-ndjson": {"schema": {"type": "object"}}}}},
                body=draft_body,
                errors=(400, 401, 403),
            )
        },
        "/api/drafts/{draft_id}": {"get": _op("The latest version of a draft", "staff", {"200": draft}, params=[_DRAFT_ID], errors=(401, 403, 404))},
        "/api/drafts/{draft_id}/versions": {
            "get": _op("Versions of a draft", "staff", {"200": _json({"type": "object", "properties": {"versions": {"type": "array", "items": _ref("VersionSummary")}}})}, params=[_DRAFT_ID], errors=(401, 403, 404)),
            "post": _op(
                "Save edited section texts as a new version (atomic; 200 and no new version when nothing changed)",
                "staff",
                {"201": _json(_ref("Draft"), "Created"), "200": _json(_ref("Draft"), "Nothing changed")},
                params=[_DRAFT_ID],
                body={
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["sections"],
                                "properties": {
                                    "base_version": {"type": "integer"},
                                    "title": {"type": "string"},
                                    "sections": {"type": "array", "items": {"type": "object", "nullable": True, "properties": {"text": {"type": "string"}}}},
                                },
                            }
                        }
                    },
                },
                errors=(400, 401, 403, 404),
            ),
        },
        "/api/drafts/{draft_id}/versions/{number}": {"get": _op("One version", "staff", {"200": draft}, params=[_DRAFT_ID, _NUMBER], errors=(401, 403, 404))},
        "/api/drafts/{draft_id}/versions/{number}/restore": {
            "post": _op("Restore a version (as a new version)", "staff", {"201": _json(_ref("Draft"), "Created")}, params=[_DRAFT_ID, _NUMBER], errors=(401, 403, 404))
        },
        "/api/drafts/{draft_id}/export.{fmt}": {
            "get": _op(
                "Download as Word (公文 layout) or Markdown",
                "staff",
                {
                    "200": {
                        "description": "The file",
                        "content": {
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"schema": {"type": "string", "format": "binary"}},
                            "text/markdown": {"schema": {"type": "string"}},
                        },
                    }
                },
                params=[_DRAFT_ID, {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["docx", "md"]}}, _VERSION_Q],
                errors=(401, 403, 404),
            )
        },
        "/api/drafts/{draft_id}/compare": {
            "get": _op("Each sentence with its kind, source sentence, diff and sources; all warnings", "editor", {"200": _json({"type": "object"})}, params=[_DRAFT_ID, _VERSION_Q], errors=(401, 403, 404))
        },
        "/api/search": {
            "get": _op(
                "Hybrid search over the corpus (on-topic documents only)",
                "staff",
                {"200": _json({"type": "object", "properties": {"results": {"type": "array", "items": _ref("SearchResult")}}})},
                params=[
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 500}},
                    {"name": "level", "in": "query", "schema": {"type": "string", "enum": list(LEVELS)}},
                    {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}},
                ],
                errors=(400, 401, 403),
            )
        },
        "/api/documents": {
            "get": _op(
                "Stored documents with metadata",
                "editor",
                {"200": _json({"type": "object", "properties": {"documents": {"type": "array", "items": _ref("Document")}}})},
                params=[{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("level", "kind", "year", "on_topic", "family", "source", "q")],
            )
        },
        "/api/documents/{doc_id}": {
            "get": _op("One document with its cleaned text and chunk spans", "editor", {"200": _json(_ref("Document"))}, params=[_DOC_ID], errors=(401, 403, 404)),
            "patch": _op(
                "Correct level, kind, year or on_topic by hand (kept across re-ingest)",
                "admin",
                {"200": _json({"type": "object", "properties": {"changed": {"type": "array", "items": {"type": "string"}}, "document": _ref("Document")}})},
                params=[_DOC_ID],
                body={"required": True, "content": {"application/json": {"schema": _ref("Corrections")}}},
                errors=(400, 401, 403, 404, 501),
            ),
        },
        "/api/documents/{doc_id}/source": {
            "delete": _op(
                "Remove every document of this document's source file (an uploaded file is deleted too)",
                "admin",
                {"200": _json({"type": "object", "properties": {"source": {"type": "string"}, "removed": {"type": "integer"}}})},
                params=[_DOC_ID],
                errors=(401, 403, 404),
            )
        },
        "/api/ingest": {
            "post": _op(
                "Upload files and ingest them, or re-ingest everything, in the background",
                "admin",
                {"202": _json({"type": "object", "properties": {"job": _ref("IngestJob"), "url": {"type": "string"}}}, "Accepted")},
                body={
                    "required": True,
                    "content": {
                        "multipart/form-data": {"schema": {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
                        "application/json": {"schema": {"type": "object", "properties": {"reingest": {"type": "boolean", "enum": [True]}}}},
                    },
                },
                errors=(400, 401, 403, 409, 413),
            )
        },
        "/api/ingest/jobs/{job_id}": {
            "get": _op(
                "Progress of an ingest job",
                "admin",
                {"200": _json({"type": "object", "properties": {"job": _ref("IngestJob")}})},
                params=[{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                errors=(401, 403, 404),
            )
        },
        "/api/stats": {"get": _op("Corpus statistics", "admin", {"200": _json({"type": "object"})})},
        "/api/families": {"get": _op("Near-duplicate document families", "admin", {"200": _json({"type": "object"})})},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "plandraft API",
            "version": "1",
            "description": "Drafting 政协工作计划 from past plans. Errors always have the shape {\"ok\": false, \"error\", \"status\"}.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `plandraft users token NAME`; no CSRF token needed"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "browser login; writes need the X-CSRFToken header"},
            },
        },
    }
