"""/api/openapi.json is the models: every field of every model is in the served spec with its
type, every API route is in it, and what the API answers validates against the model it names.

The expected JSON types are read from the models' Python annotations here, independently of
pydantic's schema generator, so a spec that drifts from the classes fails.
"""
from __future__ import annotations

import types
import typing

import pytest
from pydantic import BaseModel

from drafting.schemas import DraftRequestModel
from service import answers, openapi, schemas

_SCALARS = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null", dict: "object", list: "array"}


def _served(app):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['ada']}"
    return client, client.get("/api/openapi.json").get_json()


@pytest.fixture
def served(app):
    """The spec as an app over the sample corpus serves it, with a client to call the API."""
    return _served(app)


@pytest.fixture(scope="module")
def spec(canned_app):
    """The spec alone: the same routes and models, from the session's corpus-less app."""
    return _served(canned_app)[1]


def expected_types(annotation) -> set[str]:
    """JSON types an annotation allows: ``int | None`` → {integer, null}; a model → {$ref:Name}."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return expected_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(expected_types(a) for a in typing.get_args(annotation)))
    if origin is typing.Literal:
        return {_SCALARS[type(v)] for v in typing.get_args(annotation)}
    if origin in (list, dict):
        return {_SCALARS[origin]}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {f"$ref:{openapi.component_name(annotation)}"}
    return {_SCALARS[annotation]}


def served_types(prop: dict) -> set[str]:
    if "$ref" in prop:
        return {"$ref:" + prop["$ref"].rsplit("/", 1)[-1]}
    if "anyOf" in prop:
        return set().union(*(served_types(p) for p in prop["anyOf"]))
    if "type" in prop:
        return set(prop["type"]) if isinstance(prop["type"], list) else {prop["type"]}
    values = prop.get("enum") or [prop["const"]]
    return {_SCALARS[type(v)] for v in values}


@pytest.mark.parametrize("model", openapi.models(), ids=lambda m: m.__name__)
def test_every_field_of_every_model_is_in_the_spec_with_its_type(spec, model):
    component = spec["components"]["schemas"][openapi.component_name(model)]
    properties = component["properties"]
    assert set(properties) == set(model.model_fields), model
    for name, info in model.model_fields.items():
        prop = properties[name]
        assert served_types(prop) == expected_types(info.annotation), (model.__name__, name, prop)
        assert (name in component.get("required", ())) == info.is_required(), (model.__name__, name)
        if typing.get_origin(info.annotation) is list:
            (item,) = typing.get_args(info.annotation)
            assert served_types(prop["items"]) == expected_types(item), (model.__name__, name)


def test_every_api_route_and_only_they_are_in_the_spec(app, served):
    _, spec = served  # from the app itself, not the corpus-less one
    routed = {
        (openapi.openapi_path(rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert documented == routed
    assert set(openapi.OPERATIONS) == {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    names = set(spec["components"]["schemas"])
    for ops in spec["paths"].values():
        for op in ops.values():
            for response in op["responses"].values():
                for media in response.get("content", {}).values():
                    ref = media["schema"].get("$ref")
                    assert ref is None or ref.rsplit("/", 1)[-1] in names


def _model_named(name: str) -> type[BaseModel]:
    return next(m for m in openapi.models() if openapi.component_name(m) == name)


def test_what_the_api_answers_is_what_the_spec_says(app, served, draft_request, h):
    from service import jobs

    client, spec = served
    made = client.post("/api/drafts", json=draft_request)
    assert made.status_code == 201
    draft = made.get_json()
    client.post(f"/api/drafts/{draft['id']}/versions", json={"sections": [{"text": "（一）改一句。"}, None, None, None]})
    doc_id = client.get("/api/documents").get_json()["documents"][0]["id"]
    job = client.post("/api/ingest", json={"reingest": True}).get_json()["job"]
    jobs.wait(app, job["id"], 60)
    args = {"draft_id": draft["id"], "number": "1", "doc_id": doc_id, "job_id": job["id"]}
    checked = 0
    for path, ops in spec["paths"].items():
        op = ops.get("get")
        schema = (op or {}).get("responses", {}).get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" not in schema:
            continue
        url = path.format(**args) + ("?q=学习" if path == "/api/search" else "")
        response = client.get(url)
        assert response.status_code == 200, url
        _model_named(schema["$ref"].rsplit("/", 1)[-1]).model_validate(response.get_json())
        checked += 1
    assert checked >= 12
    answers.Draft.model_validate(draft)


@pytest.mark.parametrize("endpoint", [e for e, op in openapi.OPERATIONS.items() if isinstance(op.body, type)])
def test_an_empty_body_is_refused_naming_a_required_field_of_its_model(app, served, endpoint):
    client, spec = served
    op = openapi.OPERATIONS[endpoint]
    required = [name for name, info in op.body.model_fields.items() if info.is_required()]
    if not required:
        pytest.skip(f"{op.body.__name__} has no required field")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = openapi.openapi_path(rule).format(draft_id="none")
    if "{draft_id}" in openapi.openapi_path(rule):
        draft = client.post("/api/drafts", json={"level": "乡镇", "year": 2026, "org_name": "杭川镇政协工作组", "sections": ["学习"]}).get_json()
        url = openapi.openapi_path(rule).format(draft_id=draft["id"])
    response = client.post(url, json={})
    assert response.status_code == 400
    assert response.get_json()["error"].split(":", 1)[0] in required


def test_the_forms_label_each_field_in_the_models_words(login):
    new = login("sam").get("/drafts/new").text
    for info in DraftRequestModel.model_fields.values():
        assert f">{info.title}" in new, info.title
    admin = login("ada")
    listing = admin.get("/admin/documents").text
    import re

    doc_id = re.search(r'data-doc-id="([^"]+)"', listing).group(1)
    form = admin.get(f"/admin/documents/{doc_id}/edit").text
    for info in schemas.Corrections.model_fields.values():
        assert f">{info.title}" in form, info.title
