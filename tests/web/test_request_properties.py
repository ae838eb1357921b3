"""A valid draft request never answers 500, whatever it asks for; an invalid one answers 400.

Requests go through the test client to the real routes, validation, drafter (composition,
adaptation, numbering) and database; only retrieval is canned (``canned_app``), so hundreds
of requests take seconds.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafting.model import DRAFT_LEVELS
from drafting.outline import DEFAULT_ROLES
from drafting.schemas import DraftRequestModel
from ingest.model import SECTION_ROLES
from ingest.textkit import cn_numeral

SOME = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
name = st.text(han | st.sampled_from("（）·0123456789 -"), min_size=1, max_size=60).filter(lambda s: s.strip())

valid_requests = st.fixed_dictionaries(
    {"level": st.sampled_from(DRAFT_LEVELS), "year": st.integers(2000, 2100) | st.integers(2000, 2100).map(str), "org_name": name},
    optional={
        "parent_body": st.none() | st.text(han, max_size=20),
        "topics": st.lists(st.text(han, min_size=1, max_size=30), max_size=10) | st.just(""),
        "sections": st.none() | st.lists(st.sampled_from(SECTION_ROLES), unique=True),
        "target_chars": st.none() | st.integers(300, 20000),
        "llm": st.booleans(),
    },
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def api(canned_app):
    client = canned_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {canned_app.config['TEST_TOKENS']['sam']}"
    return client


@SOME
@given(valid_requests)
def test_a_valid_request_is_drafted_with_every_section_numbered(api, body):
    request = DraftRequestModel.model_validate(body)  # the strategy makes only valid requests
    response = api.post("/api/drafts", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    roles = request.sections or list(DEFAULT_ROLES[request.level])
    sections = response.get_json()["sections"]
    assert [s["role"] for s in sections] == roles
    # A 指导思想 that opens the plan is its unnumbered preamble (总体要求); the rest count from 一、.
    preamble = roles[0] == "指导思想"
    assert not preamble or sections[0]["title"] == "总体要求"
    numbered = sections[1:] if preamble else sections
    assert all(s["title"].startswith(cn_numeral(i) + "、") for i, s in enumerate(numbered, start=1))


@SOME
@given(valid_requests, st.sampled_from(["level", "year", "org_name", "parent_body", "topics", "sections", "target_chars", "llm", "extra"]), json_values)
def test_any_body_answers_201_or_a_400_naming_a_field_never_500(api, body, field, value):
    response = api.post("/api/drafts", json={**body, field: value})
    assert response.status_code in (201, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        error = response.get_json()["error"]
        assert error.split(":", 1)[0] in DraftRequestModel.model_fields, error


@settings(max_examples=15, deadline=None)
@given(valid_requests)
def test_a_streamed_draft_ends_done(api, body):
    response = api.post("/api/drafts/stream", json=body)
    assert response.status_code == 200
    events = [line for line in response.get_data(as_text=True).splitlines() if line]
    assert '"event": "done"' in events[-1]


def test_every_role_at_once_is_numbered_past_ten(api):
    body = {"level": "县区", "year": 2026, "org_name": "鼓楼区政协", "sections": list(SECTION_ROLES)}
    titles = [s["title"] for s in api.post("/api/drafts", json=body).get_json()["sections"]]
    assert len(titles) == 11 and titles[0] == "总体要求" and titles[10].startswith("十、")


def test_a_role_listed_twice_is_refused_in_one_place(api):
    """21 sections can only repeat roles; the request model refuses repeats (a plan has each part once)."""
    body = {"level": "县区", "year": 2026, "org_name": "鼓楼区政协", "sections": (list(SECTION_ROLES) * 2)[:21]}
    for url in ("/api/drafts", "/api/drafts/stream"):
        response = api.post(url, json=body)
        assert response.status_code == 400
        assert response.get_json()["error"].startswith("sections: “指导思想”重复")


@settings(max_examples=30, deadline=None)
@given(
    st.fixed_dictionaries({"level": st.sampled_from(DRAFT_LEVELS) | text, "year": text | st.integers(1990, 2110).map(str), "org_name": text | name}),
    st.lists(st.sampled_from(SECTION_ROLES) | text, max_size=14),
)
def test_the_new_draft_form_answers_a_draft_or_its_form_again(canned_staff, fields, sections):
    response = canned_staff.form("/drafts/new", {**fields, "sections": sections, "topics": "乡村振兴"})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert 'id="form-error"' in response.text and "：" in response.text
