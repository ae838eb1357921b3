"""Activities in the service: the real samples (an .xlsx plan table, a .docx with a month-by-month
list and a table) uploaded into the app's store, then listed with their fields on the admin's
document page, on the document page and by the API (``/api/documents/<id>/activities``,
``/api/activities?month=&form=&doc_id=``)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from service import jobs

# (month, title, form, owner) of each activity, as the sample files write them.
XLSX_ACTIVITIES = [
    (3, "民营企业营商环境专题协商会", "专题协商", "经济界"),
    (4, "“送教下乡”惠民服务活动", "惠民服务", "教育界"),
    (5, "开发区重点项目建设情况视察", "调研视察", "经济界"),
    (9, "委员企业家履职能力培训", "委员培训", "经济界"),
    (10, "课后服务工作民主评议", "民主监督", "教育界"),
]
DOCX_ACTIVITIES = [
    (1, "召开实践中心年度工作会议，部署全年履职活动", "会议", None),
    (2, "组织委员走访困难群众，开展新春慰问", "惠民服务", None),
    (3, "围绕老旧小区改造开展专题协商，邀请居民代表参加", "专题协商", None),
    (4, "组织委员视察城区垃圾分类工作", "调研视察", None),
    (5, "社区养老服务中心运营情况调研", "调研视察", "社会福利界委员小组"),
    (6, "“委员进社区”义诊活动", "惠民服务", "社会福利界委员小组"),
    (7, "非遗传承主题读书会", "主题活动", "文化艺术界"),
]
SAMPLES = {"sample_activities.xlsx": XLSX_ACTIVITIES, "sample_table.docx": DOCX_ACTIVITIES}


@pytest.fixture
def uploaded(app, tokens, h):
    """The two samples uploaded through the API into the app's store: {file name: doc id}."""
    admin = app.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens['ada']}"
    files = [((h.TEST_DATA / name).open("rb"), name) for name in SAMPLES]
    try:
        answer = admin.post("/api/ingest", data={"files": files}, content_type="multipart/form-data")
    finally:
        for f, _ in files:
            f.close()
    assert answer.status_code == 202, answer.text
    jobs.wait(app, answer.get_json()["job"]["id"], timeout=120)
    job = admin.get(answer.get_json()["url"]).get_json()["job"]
    assert job["status"] == "done", job
    rows = admin.get("/api/documents").get_json()["documents"]
    ids = {r["source_name"]: r["id"] for r in rows if r["source_name"] in SAMPLES}
    assert set(ids) == set(SAMPLES), [r["source_name"] for r in rows]
    return ids


def api(app, tokens, name="eve"):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[name]}"
    return client


def essentials(activities: list[dict]) -> list[tuple]:
    return [(a["month"], a["title"], a["form"], a["owner"]) for a in activities]


def test_a_documents_activities_by_the_api(app, tokens, uploaded):
    from service.corpus_answers import ActivityList

    client = api(app, tokens)
    for name, expected in SAMPLES.items():
        answer = client.get(f"/api/documents/{uploaded[name]}/activities")
        assert answer.status_code == 200
        ActivityList.model_validate(answer.get_json())
        found = answer.get_json()["activities"]
        assert essentials(found) == expected, name
        assert {a["doc_id"] for a in found} == {uploaded[name]}
    table_row = next(a for a in client.get(f"/api/documents/{uploaded['sample_activities.xlsx']}/activities").get_json()["activities"]
                     if a["month"] == 4)
    # A table row keeps its columns under their own headings, and the time as written.
    assert table_row["fields"] == {"界别": "教育界", "活动名称": "“送教下乡”惠民服务活动", "活动类型": "惠民服务", "拟召开时间": "4月中旬"}
    assert table_row["when"] == "4月中旬"
    assert client.get("/api/documents/no-such-doc/activities").status_code == 404


def test_activities_filtered_by_month_form_and_document(app, tokens, uploaded):
    client = api(app, tokens)
    mine = set(uploaded.values())

    def listed(query):
        answer = client.get("/api/activities" + query)
        assert answer.status_code == 200, answer.text
        return [a for a in answer.get_json()["activities"] if a["doc_id"] in mine]

    everything = listed("")
    assert sorted(essentials(everything), key=repr) == sorted(XLSX_ACTIVITIES + DOCX_ACTIVITIES, key=repr)
    assert [a["month"] for a in everything] == sorted(a["month"] for a in everything)  # by month
    may = listed("?month=5")
    assert sorted(essentials(may)) == sorted([XLSX_ACTIVITIES[2], DOCX_ACTIVITIES[4]])
    services = listed("?form=惠民服务")
    assert sorted(essentials(services)) == sorted([XLSX_ACTIVITIES[1], DOCX_ACTIVITIES[1], DOCX_ACTIVITIES[5]])
    docx_id = uploaded["sample_table.docx"]
    assert essentials(listed(f"?form=惠民服务&doc_id={docx_id}")) == [DOCX_ACTIVITIES[1], DOCX_ACTIVITIES[5]]
    assert essentials(listed(f"?month=3&doc_id={docx_id}")) == [DOCX_ACTIVITIES[2]]
    assert listed("?month=&form=") == everything  # blank filters are no filters
    assert listed("?month=8") == []


@pytest.mark.parametrize("query,field", [("?month=13", "month"), ("?month=0", "month"), ("?month=五月", "month"), ("?form=" + "形" * 41, "form")])
def test_bad_activity_filters_are_refused_naming_the_parameter(app, tokens, query, field):
    answer = api(app, tokens).get("/api/activities" + query)
    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith(f"{field}:")


def test_staff_may_not_list_activities(app, tokens, uploaded):
    client = api(app, tokens, "sam")
    assert client.get("/api/activities").status_code == 403
    assert client.get(f"/api/documents/{uploaded['sample_table.docx']}/activities").status_code == 403


class _Rows(HTMLParser):
    """The activity table's rows: each cell's text by its class (col-when, col-title, …)."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self._cell: str | None = None
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "activity-table" in (attrs.get("class") or ""):
            self._in_table = True
        elif self._in_table and tag == "tr" and "data-activity-id" in attrs:
            self.rows.append({"month": attrs["data-month"]})
        elif self._in_table and tag == "td" and self.rows:
            self._cell = (attrs.get("class") or "").removeprefix("col-")
            self.rows[-1][self._cell] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][self._cell] += data


def page_rows(text: str) -> list[tuple]:
    parser = _Rows()
    parser.feed(text)
    return [(int(r["month"]), r["title"], r["form"], None if r["owner"] == "—" else r["owner"]) for r in parser.rows]


@pytest.mark.parametrize("url", ["/admin/documents/{doc_id}/edit", "/documents/{doc_id}"])
def test_the_document_pages_list_each_activity_with_its_fields(login, uploaded, url):
    admin = login("ada")
    for name, expected in SAMPLES.items():
        page = admin.get(url.format(doc_id=uploaded[name]))
        assert page.status_code == 200
        assert page_rows(page.text) == expected, name
        assert f"活动安排 <span class=\"muted\">（{len(expected)} 项）</span>" in page.text
    xlsx = admin.get(url.format(doc_id=uploaded["sample_activities.xlsx"])).text
    assert "4月中旬" in xlsx  # the time as the table writes it


def test_a_document_without_activities_says_so_on_the_admin_page(app, login):
    from service import get_store

    with app.app_context():
        store = get_store()
        doc_id = next(d.id for d in store.documents() if not store.activities(doc_id=d.id))
    page = login("ada").get(f"/admin/documents/{doc_id}/edit").text
    assert "这篇文档中没有识别出活动" in page and "activity-table" not in page


def test_activity_text_is_escaped_in_the_pages(app, login, tmp_path):
    """A document's words are untrusted: markup in an activity shows as text, never as markup."""
    from ingest.pipeline import ingest_paths
    from service import get_store

    plan = tmp_path / "hostile.txt"
    plan.write_text(
        "青禾镇政协2026年工作计划\n一、活动安排\n1月：<script>alert('活动')</script>召开委员座谈会。\n"
        "2月：组织委员开展<img src=x onerror=alert(1)>调研视察。\n",
        encoding="utf-8",
    )
    with app.app_context():
        report = ingest_paths([plan], get_store(), max_bytes=1 << 20)
        assert not report.errors
        found = [a for a in get_store().activities() if "<script>" in a.title or "<img" in a.title]
    assert found, "the hostile plan's month items were not read as activities"
    admin = login("ada")
    for url in (f"/admin/documents/{found[0].doc_id}/edit", f"/documents/{found[0].doc_id}"):
        page = admin.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page
        # The table shows the words themselves (the parser unescapes what the page escaped).
        titles = [row[1] for row in page_rows(page)]
        assert any("<script>alert('活动')</script>" in t for t in titles), titles
