"""The 活动安排表 through the service: asked for in the form and the API, stored with the version,
edited row by row (POST /api/drafts/<id>/versions ``schedule``, and the editor's form), shown
escaped in the editor, exported as a Word table.

The app's store holds tests/data/schedule and the format samples with activities (hashing
embedder), so the table has rows from plans at several levels.
"""
from __future__ import annotations

import io
import shutil

import docx
import pytest

from service.answers import Draft as DraftAnswer

REQUEST = {"level": "县区", "year": 2026, "org_name": "临江区政协", "parent_body": "江州市政协", "topics": ["乡村振兴"],
           "sections": ["学习", "政治协商"], "schedule": True}


@pytest.fixture
def app(schedule_corpus_dir, tmp_path, h):
    data_dir = tmp_path / "data"
    shutil.copytree(schedule_corpus_dir, data_dir)
    app = h.make_app(data_dir)
    yield app
    from service import close

    close(app)


@pytest.fixture
def sam(login):
    return login("sam")


@pytest.fixture
def drafted(sam):
    response = sam.post_json("/api/drafts", REQUEST)
    assert response.status_code == 201, response.text
    return response.get_json()


def _table_rows(page: str) -> int:
    """The editor's table rows (the blank row in its <template> is none)."""
    return page.split('id="schedule-rows">', 1)[1].split("</tbody>", 1)[0].count('class="schedule-row"')


def _rows_in(draft):
    return [{k: r[k] for k in ("id", "month", "title", "form", "owner", "place")} for r in draft["schedule"]]


def test_the_api_draft_has_the_table_and_its_answer_is_declared(drafted):
    rows = drafted["schedule"]
    assert len(rows) >= 10 and len({r["month"] for r in rows}) >= 10
    assert all(r["sources"] and r["sources"][0]["line"] for r in rows)
    DraftAnswer.model_validate(drafted)


def test_a_draft_without_the_flag_has_none(sam):
    draft = sam.post_json("/api/drafts", {**REQUEST, "schedule": False}).get_json()
    assert draft["schedule"] == []
    DraftAnswer.model_validate(draft)


def test_rows_are_edited_removed_moved_and_added_through_the_api(sam, drafted):
    rows = _rows_in(drafted)
    first, second, third = rows[0], rows[1], rows[2]
    edited = {**second, "title": "围绕数字乡村建设开展专题协商", "owner": "农业农村委员会"}
    added = {"month": 12, "title": "召开委员履职座谈会", "form": "会议"}
    sent = [edited, first, *rows[3:], added]  # third removed, first and second swapped
    response = sam.post_json(f"/api/drafts/{drafted['id']}/versions",
                             {"base_version": 1, "sections": [None] * len(drafted["sections"]), "schedule": sent})
    assert response.status_code == 201, response.text
    saved = response.get_json()
    DraftAnswer.model_validate(saved)
    got = saved["schedule"]
    assert [r["title"] for r in got] == [edited["title"], first["title"], *[r["title"] for r in rows[3:]], added["title"]]
    assert third["id"] not in {r["id"] for r in got}
    # The edited row keeps its sources and is marked; the moved one is unchanged; the new one cites nothing.
    assert got[0]["id"] == second["id"] and got[0]["sources"] == drafted["schedule"][1]["sources"] and got[0]["edited"]
    assert got[0]["owner"] == "农业农村委员会"
    assert got[1] == drafted["schedule"][0]
    assert got[-1]["sources"] == [] and got[-1]["edited"] and got[-1]["id"] not in {r["id"] for r in rows}
    # Sending the same table again changes nothing: no new version.
    again = sam.post_json(f"/api/drafts/{drafted['id']}/versions",
                          {"base_version": 2, "sections": [None] * len(drafted["sections"]), "schedule": _rows_in(saved)})
    assert again.status_code == 200 and again.get_json()["version"]["number"] == 2


def test_a_save_without_the_field_keeps_the_table(sam, drafted):
    texts = [{"text": s["text"] + "加强学习。"} if i == 0 else None for i, s in enumerate(drafted["sections"])]
    saved = sam.post_json(f"/api/drafts/{drafted['id']}/versions", {"base_version": 1, "sections": texts}).get_json()
    assert saved["version"]["number"] == 2 and saved["schedule"] == drafted["schedule"]


@pytest.mark.parametrize("row, message", [
    ({"month": 13, "title": "调研"}, "schedule[0].month: 不能大于12 (must be at most 12)"),
    ({"month": 3, "title": ""}, "schedule[0].title: 必填 (is required)"),
])
def test_a_bad_row_is_refused_naming_the_field(sam, drafted, row, message):
    response = sam.post_json(f"/api/drafts/{drafted['id']}/versions",
                             {"sections": [None] * len(drafted["sections"]), "schedule": [row]})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error == message


def test_the_new_draft_form_offers_the_table(sam):
    page = sam.get("/drafts/new").text
    assert 'name="schedule"' in page and "附活动安排表" in page


def test_the_form_without_javascript_asks_for_the_table(app, sam):
    response = sam.form("/drafts/new", {"level": "县区", "year": "2026", "org_name": "临江区政协", "sections": ["学习"], "schedule": "on"})
    assert response.status_code == 302
    page = sam.get(response.headers["Location"]).text
    assert _table_rows(page) >= 10


def test_the_editor_shows_the_rows_escaped_and_saves_the_form(sam, drafted):
    url = f"/drafts/{drafted['id']}"
    rows = _rows_in(drafted)
    hostile = {**rows[0], "title": "<script>alert(1)</script>座谈"}
    sam.post_json(f"/api/drafts/{drafted['id']}/versions", {"sections": [None] * len(drafted["sections"]), "schedule": [hostile, *rows[1:]]})
    page = sam.get(url).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;座谈" in page
    assert _table_rows(page) == len(rows)
    assert drafted["schedule"][1]["sources"][0]["line"] in page  # each row's source line
    assert 'src="/static/draft-schedule.js"' in page
    # The form: the first row's title typed back, the second removed, a blank row left empty, one added at the top.
    form = {"base_version": "2", "title": drafted["title"], "schedule_present": "1", "signature_body": "", "signature_date": ""}
    kept = [rows[0], *rows[2:]]
    columns = {k: [] for k in ("id", "month", "title", "form", "owner", "place")}
    for row in [{"id": "", "month": "6", "title": "开展委员接待日活动", "form": "惠民服务", "owner": "", "place": ""},
                *({k: str(v or "") for k, v in r.items()} for r in kept),
                {"id": "", "month": "", "title": "", "form": "", "owner": "", "place": ""}]:
        for k in columns:
            columns[k].append(row[k])
    form.update({f"schedule_{k}": v for k, v in columns.items()})
    for i, s in enumerate(drafted["sections"]):
        form[f"section-{i}"] = s["text"]
    response = sam.form(url, form)
    assert response.status_code == 302, response.text[:500]
    saved = sam.get(f"/api/drafts/{drafted['id']}").get_json()
    assert saved["version"]["number"] == 3
    assert [r["title"] for r in saved["schedule"]] == ["开展委员接待日活动", rows[0]["title"], *[r["title"] for r in rows[2:]]]
    assert saved["schedule"][0]["month"] == 6 and saved["schedule"][0]["sources"] == []
    assert saved["schedule"][1]["id"] == rows[0]["id"] and saved["schedule"][1]["sources"] == drafted["schedule"][0]["sources"]


def test_the_exported_word_file_has_the_edited_table(sam, drafted):
    rows = _rows_in(drafted)
    sam.post_json(f"/api/drafts/{drafted['id']}/versions",
                  {"sections": [None] * len(drafted["sections"]), "schedule": [{**rows[0], "title": "改过的活动", "owner": "提案委员会"}, *rows[1:]]})
    response = sam.get(f"/drafts/{drafted['id']}/export.docx")
    (table,) = docx.Document(io.BytesIO(response.data)).tables
    assert [c.text for c in table.rows[1].cells] == [f"{rows[0]['month']}月", "改过的活动", rows[0]["form"], "提案委员会"]
    assert len(table.rows) == len(rows) + 1
    md = sam.get(f"/drafts/{drafted['id']}/export.md").data.decode()
    assert f"| {rows[0]['month']}月 | 改过的活动 | {rows[0]['form']} | 提案委员会 |" in md


def test_a_version_stored_before_the_table_existed_is_unchanged_by_an_empty_table():
    from service.history import _edited

    old = {"title": "计划", "request": {"year": 2026}, "warnings": [],
           "sections": [{"title": "一、学习", "text": "加强学习。", "sentences": [{"text": "加强学习。", "kind": "new", "sources": []}], "warnings": []}]}
    content, changed = _edited(old, None, [None], schedule=[])
    assert not changed and "schedule" not in content
    content, changed = _edited(old, None, [None], schedule=[{"month": 5, "title": "开展调研"}])
    assert changed and content["schedule"][0]["title"] == "开展调研" and content["schedule"][0]["sources"] == []


def test_a_copied_row_id_is_a_new_row_and_cells_are_tidied():
    from service.schedule_rows import revise_schedule

    before = [{"id": "a1", "month": 3, "title": "专题协商", "form": "专题协商", "owner": "", "place": "", "sources": [{"doc_id": "d"}],
               "original": "专题协商", "changes": [], "edited": False}]
    rows = revise_schedule(before, [{"id": "a1", "month": 3, "title": " 专题协商 ", "form": "专题协商"},
                                    {"id": "a1", "month": 4, "title": "专题\n协商", "form": ""}])
    assert rows[0] == before[0]  # stripped cells are the same cells: not edited
    assert rows[1]["id"] != "a1" and rows[1]["sources"] == [] and rows[1]["title"] == "专题 协商"
