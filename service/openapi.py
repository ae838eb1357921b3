"""OpenAPI 3.1 description of /api/, generated from the app's routes and the pydantic models.

Each API endpoint names its models once, in ``OPERATIONS``; the JSON schemas come from
``model_json_schema`` (``service.schemas``, ``service.answers`` and ``drafting.schemas``), the paths, methods,
path parameters and roles from the app's own URL map and views.  A route without an entry
here fails the test that compares the spec with the app.
"""
from __future__ import annotations

import re
import typing
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from drafting.schemas import DraftRequestModel
from service import answers, corpus_answers, schemas

_REF = "#/components/schemas/{model}"
_ERROR_TEXT = {
    400: "Bad request (the message names the field)", 401: "Not logged in / bad token", 403: "Role too low",
    404: "Not found", 409: "Conflict", 413: "Too large", 501: "Not available",
}
_PATH_ARGUMENT = re.compile(r"<(?:([^:>]+):)?([^>]+)>")  # <int:number> → ("int", "number")
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Op:
    """What one endpoint takes and answers, by model."""

    summary: str
    responses: dict[int, type[BaseModel] | dict[str, Any]]  # a model (JSON) or a literal content map
    body: type[BaseModel] | dict[str, Any] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    path_enums: dict[str, list[str]] = field(default_factory=dict)
    body_required: bool = True


OPERATIONS: dict[str, Op] = {
    "api.health": Op("Liveness", {200: answers.Health}),
    "api.me": Op("Who am I", {200: answers.Me}),
    "api.openapi": Op("This description", {200: {"application/json": {"schema": {"type": "object"}}}}),
    "api.list_drafts": Op("Drafts I may see (staff: their own; editors and admins: all)", {200: answers.DraftList}),
    "api.create_draft": Op("Draft a plan and save it as version 1", {201: answers.Draft}, body=DraftRequestModel, errors=(400,)),
    "api.stream_draft": Op(
        "Draft a plan section by section (NDJSON: plan, section…, done | error)",
        {200: {"application/x-ndjson": {"schema": {"type": "object"}}}}, body=DraftRequestModel, errors=(400,),
    ),
    "api.get_draft": Op("The latest version of a draft", {200: answers.Draft}, errors=(404,)),
    "api.list_versions": Op("Versions of a draft", {200: answers.VersionList}, errors=(404,)),
    "api.save_version": Op(
        "Save edited section texts as a new version (atomic; 200 and no new version when nothing changed; "
        "409 with the latest texts, the submitted ones and a merge when base_version is not the latest)",
        {201: answers.Draft, 200: answers.Draft, 409: answers.Conflict}, body=schemas.VersionSave, errors=(400, 404),
    ),
    "api.get_version": Op("One version", {200: answers.Draft}, errors=(404,)),
    "api.rename_draft": Op("Rename a draft (a new version noted 重命名; 409 when base_version is not the latest)",
                           {200: answers.Draft, 409: answers.Conflict}, body=schemas.Rename, errors=(400, 404)),
    "api.delete_draft": Op("Delete a draft: out of every list, recoverable for PLANDRAFT_DELETED_DRAFT_DAYS", {200: answers.DeletedDraft}, errors=(404,)),
    "api.undelete_draft": Op("Bring a deleted draft back", {200: answers.DeletedDraft}, errors=(404,)),
    "api.diff_versions": Op("Two versions compared sentence by sentence, per section", {200: answers.VersionDiff}, query=schemas.VersionPair, errors=(400, 404)),
    "api.restore_version": Op(
        "Restore a version (as a new version; 409 when base_version is not the latest)",
        {201: answers.Draft, 409: answers.Conflict}, body=schemas.RestoreRequest, errors=(400, 404), body_required=False,
    ),
    "api.export_draft": Op(
        "Download as Word (公文 layout) or Markdown",
        {200: {_DOCX: {"schema": {"type": "string", "format": "binary"}}, "text/markdown": {"schema": {"type": "string"}}}},
        query=schemas.VersionQuery, errors=(404,), path_enums={"fmt": ["docx", "md"]},
    ),
    "api.compare_draft": Op("Each sentence with its kind, source sentence, diff and sources; all warnings", {200: answers.Compare}, query=schemas.VersionQuery, errors=(404,)),
    "api.search": Op("Hybrid search over the corpus (on-topic documents only)", {200: answers.SearchResults}, query=schemas.SearchQuery, errors=(400,)),
    "api.documents": Op("Stored documents with metadata", {200: corpus_answers.DocumentList}, query=schemas.DocumentQuery, errors=(400,)),
    "api.document": Op("One document with its cleaned text and chunk spans", {200: corpus_answers.DocumentDetail}, errors=(404,)),
    "api.document_activities": Op("One document's activities (table rows, month-by-month items), in document order by month", {200: corpus_answers.ActivityList}, errors=(404,)),
    "api.activities": Op("Stored activities, by month; filtered by month, form and document", {200: corpus_answers.ActivityList}, query=schemas.ActivityQuery, errors=(400,)),
    "api.correct_document": Op(
        "Correct level, kind, year or on_topic by hand (kept across re-ingest)", {200: corpus_answers.CorrectionResult},
        body=schemas.Corrections, errors=(400, 404, 501),
    ),
    "api.delete_source": Op("Remove every document of this document's source file (an uploaded file is deleted too)", {200: corpus_answers.RemovedSource}, errors=(404,)),
    "api.ingest": Op(
        "Upload files and ingest them, or re-ingest everything, in the background",
        {202: corpus_answers.IngestAccepted},
        body={
            "multipart/form-data": {"schema": {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
            "application/json": {"schema": {"$ref": _REF.format(model="ReingestRequest")}},
        },
        errors=(400, 409, 413),
    ),
    "api.ingest_job": Op("Progress of an ingest job", {200: corpus_answers.JobStatus}, errors=(404,)),
    "api.check": Op(
        "校对 a text (JSON) or an uploaded .docx (multipart: file, and year / level / org_name as form fields)",
        {200: corpus_answers.CheckResult},
        body={
            "application/json": {"schema": {"$ref": _REF.format(model="CheckRequest")}},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}, "year": {"type": "integer"},
                "level": {"type": "string"}, "org_name": {"type": "string"},
            }}},
        },
        errors=(400, 413),
    ),
    "api.stats": Op("Corpus statistics", {200: corpus_answers.Stats}),
    "api.families": Op("Near-duplicate document families", {200: corpus_answers.Families}),
}

# Models the spec lists although no operation names them as a model.
EXTRA_MODELS: tuple[type[BaseModel], ...] = (answers.Error, schemas.ReingestRequest, schemas.CheckRequest)


def models() -> list[type[BaseModel]]:
    """Every model the spec describes, each once: those the operations name and those inside them."""
    found: list[type[BaseModel]] = []
    stack: list[Any] = [*EXTRA_MODELS, *(m for op in OPERATIONS.values() for m in (op.body, op.query, *op.responses.values()))]
    while stack:
        model = stack.pop(0)
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or model in found:
            continue
        found.append(model)
        stack.extend(t for info in model.model_fields.values() for t in _leaf_types(info.annotation))
    return found


def _leaf_types(annotation: Any) -> list[Any]:
    """``list[Section | None]`` → [Section, NoneType]: the types inside an annotation."""
    args = typing.get_args(annotation)
    return [annotation] if not args else [t for a in args for t in _leaf_types(a)]


def component_name(model: type[BaseModel]) -> str:
    """A model's name in the spec: its title when it sets one (DraftRequestModel → DraftRequest)."""
    return model.model_config.get("title") or model.__name__


def component_schemas() -> dict[str, Any]:
    """JSON schemas of every model, named as in the spec."""
    _, top = models_json_schema([(m, "validation") for m in models()], ref_template=_REF)
    renames = {m.__name__: component_name(m) for m in models()}
    return _renamed({renames.get(k, k): v for k, v in top.get("$defs", {}).items()}, renames)


def _renamed(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                value = _REF.format(model=renames.get(name, name))
            out[key] = _renamed(value, renames)
        return out
    if isinstance(node, list):
        return [_renamed(v, renames) for v in node]
    return node


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": _REF.format(model=component_name(model))}


def _content(value: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(value)}} if isinstance(value, type) else value


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    props = schemas[component_name(model)]
    required = set(props.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": schema, **({"description": schema["description"]} if "description" in schema else {})}
        for name, schema in props["properties"].items()
    ]


def _operation(app: Flask, rule, endpoint: str, schemas: dict[str, Any]) -> dict[str, Any]:
    op = OPERATIONS[endpoint]
    role = getattr(app.view_functions[endpoint], "required_role", None)
    responses: dict[str, Any] = {}
    for code, value in op.responses.items():
        responses[str(code)] = {"description": "OK" if code < 300 else _ERROR_TEXT.get(code, "Error"), "content": _content(value)}
    for code in (*op.errors, 401, *((403,) if role else ())):
        responses.setdefault(str(code), {"$ref": f"#/components/responses/E{code}"})
    params = []
    for converter, name in _PATH_ARGUMENT.findall(rule.rule):
        schema = {"type": "integer", "minimum": 1} if converter == "int" else {"type": "string"}
        if name in op.path_enums:
            schema["enum"] = op.path_enums[name]
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        params.extend(_query_parameters(op.query, schemas))
    out: dict[str, Any] = {
        "operationId": endpoint.split(".", 1)[1],
        "summary": op.summary,
        "description": f"Role: {role} or higher." if role else "Any logged-in user.",
        "responses": responses,
    }
    if params:
        out["parameters"] = params
    if op.body is not None:
        out["requestBody"] = {"required": op.body_required, "content": _content(op.body)}
    return out


def openapi_path(rule) -> str:
    """Flask's ``/api/drafts/<int:number>`` as OpenAPI's ``/api/drafts/{number}``."""
    return _PATH_ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule.rule)


def spec(app: Flask) -> dict[str, Any]:
    """The OpenAPI document for every route of the ``api`` blueprint of ``app``."""
    schemas = component_schemas()
    paths: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.split(".", 1)[0] != "api":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule), {})[method.lower()] = _operation(app, rule, rule.endpoint, schemas)
    error = {"application/json": {"schema": _ref(answers.Error)}}
    return {
        "openapi": "3.1.0",
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
            "responses": {f"E{code}": {"description": text, "content": error} for code, text in _ERROR_TEXT.items()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `plandraft users token NAME`; no CSRF token needed"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session", "description": "browser login; writes need the X-CSRFToken header"},
            },
        },
    }
