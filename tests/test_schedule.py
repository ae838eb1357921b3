"""The draft's 活动安排表 (drafting.schedule) over a corpus of month-by-month plans at several
levels, with an off-topic 社区 plan that has months too; and its Word table and Markdown.

The corpus: tests/data/schedule/ (a district's, a street's and a township's plan written by
hand in 政协 wording, a 社区 health plan) and the format samples that carry activities
(sample_activities.xlsx, sample_table.docx, sample_months.txt).
"""
from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from drafting.engine import Drafter
from drafting.model import DraftRequest
from drafting.outline import outline
from drafting.schedule import build_schedule
from ingest.pipeline import ingest_paths
from proofread.layout import check_layout
from service.export import to_docx, to_markdown
from service.history import content_of
from vectorstore.embedder import HashingEmbedder
from vectorstore.search import Searcher
from vectorstore.store import CorpusStore

DATA = Path(__file__).resolve().parent / "data"
CORPUS = [*sorted((DATA / "schedule").glob("*.txt")), DATA / "sample_activities.xlsx", DATA / "sample_table.docx", DATA / "sample_months.txt"]
# The bodies the corpus's plans are by: no row of a draft for somebody else may name them.
OTHER_PLACES = ("青溪", "桐林", "白沙", "柳岸")
DISTRICT = DraftRequest(level="县区", year=2026, org_name="临江区政协", parent_body="江州市政协",
                        topics=["乡村振兴", "民生实事"], schedule=True)
STREET = DraftRequest(level="街道", year=2026, org_name="城南街道政协工委", parent_body="鼓楼区政协", schedule=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = CorpusStore(tmp_path_factory.mktemp("schedule-store"), embedder=HashingEmbedder())
    report = ingest_paths(CORPUS, store, max_bytes=20 * 1024 * 1024)
    assert report.errors == []
    yield store
    store.close()


@pytest.fixture(scope="module")
def drafter(store):
    return Drafter(Searcher(store))


@pytest.fixture(scope="module")
def district_draft(drafter):
    return drafter.draft(DISTRICT)


def _off_topic(store):
    return {d.id for d in store.documents() if not d.on_topic}


def test_the_corpus_has_an_off_topic_plan_with_months(store):
    # Otherwise "none from an off-topic document" would prove nothing.
    off = _off_topic(store)
    assert off and any(a.doc_id in off and a.month for a in store.activities())


@pytest.mark.parametrize("request_", [DISTRICT, STREET], ids=["district", "street"])
def test_the_table_has_ten_rows_or_more_spread_over_the_year(drafter, request_):
    rows = drafter.schedule(request_)
    assert len(rows) >= 10
    months = Counter(r.month for r in rows)
    assert len(months) >= 10  # the corpus has every month: at least ten of them are used
    assert max(months.values()) <= 3
    assert [r.month for r in rows] == sorted(r.month for r in rows)


@pytest.mark.parametrize("request_", [DISTRICT, STREET], ids=["district", "street"])
def test_each_row_cites_a_stored_activity_of_an_on_topic_plan(store, drafter, request_):
    rows = drafter.schedule(request_) + build_schedule(store, request_, outline(request_.level, None, request_.topics), rows=500, per_month=50)
    off = _off_topic(store)
    for row in rows:
        assert row.sources, row
        for src in row.sources:
            doc = store.document(src.doc_id)
            assert doc is not None and doc.on_topic and doc.id not in off
            activity = next(a for a in store.activities(doc_id=src.doc_id) if a.id == src.activity_id)
            assert activity.line == src.line and activity.line in doc.text
            assert activity.month == row.month
    assert not any(re.search("疫苗|体检|病媒|控烟", r.title) for r in rows)


@pytest.mark.parametrize("request_", [DISTRICT, STREET], ids=["district", "street"])
def test_no_row_carries_another_bodys_name(store, request_):
    # Every activity the table could take, not only the sixteen it took.
    rows = build_schedule(store, request_, outline(request_.level, None, request_.topics), rows=500, per_month=50)
    assert len(rows) > 30
    for row in rows:
        for place in OTHER_PLACES:
            assert place not in f"{row.title}{row.owner}{row.place}", row
    # "开展“情暖桐林”新春慰问活动": the street's own name in a slogan is caught by its stem.
    slogan = [r for r in rows if "情暖" in r.title]
    assert slogan and all("【待填：地名】" in r.title and r.changes for r in slogan)


def test_rows_are_adapted_like_the_text(drafter):
    rows = drafter.schedule(DISTRICT)
    titles = [r.title for r in rows]
    assert not any("党纪学习教育" in t for t in titles)  # a 2024 campaign, over by 2026
    assert not any(re.search(r"届.次", t) for t in titles)  # another body's 届次
    anniversary = [t for t in titles if "周年" in t]
    assert all("成立77周年" in t for t in anniversary)  # 76 in the 2025 plan, one year on
    # A street's "组织委员对街道年度民生实事项目开展视察评议" in a district's words.
    adapted = [r for r in rows if r.original != r.title]
    assert adapted and all(r.changes for r in adapted)


def test_a_street_does_not_convene_the_districts_standing_committee(drafter):
    rows = drafter.schedule(STREET)
    assert not any(re.search("常委会|全体会议|专委会", r.title) for r in rows)


def test_a_district_does_not_attend_a_county_body_as_a_townships_members_do(store):
    # 白沙镇's "组织委员参加县政协举办的委员履职培训": for a district it is its own training.
    rows = build_schedule(store, DISTRICT, outline("县区", None, DISTRICT.topics), rows=500, per_month=50)
    assert not any(re.match("(组织委员)?参加.*政协", r.title) for r in rows)
    street = build_schedule(store, STREET, outline("街道", None, []), rows=500, per_month=50)
    assert any(re.match("组织委员参加区政协", r.title) for r in street)  # a street does attend its district's


def test_a_sector_group_gets_none_of_another_sectors_activities(drafter):
    group = DraftRequest(level="界别专委", year=2026, org_name="临江区政协经济界别活动组", parent_body="临江区政协", schedule=True)
    rows = drafter.schedule(group)
    assert rows and not any("教育界" in s.doc_title or s.line.startswith("界别：教育界") for r in rows for s in r.sources)


def test_without_the_flag_there_is_no_table(drafter):
    off = DraftRequest(level="县区", year=2026, org_name="临江区政协", sections=["学习"])
    draft = drafter.draft(off)
    assert draft.schedule == [] and draft.to_dict()["schedule"] == []
    assert DraftRequest.from_dict({"level": "县区", "year": 2026, "org_name": "临江区政协", "schedule": "true"}).schedule is True


def test_the_table_is_stored_in_the_version_content(district_draft):
    content = content_of(district_draft)
    rows = content["schedule"]
    assert len(rows) >= 10 and content["request"]["schedule"] is True
    assert set(rows[0]) >= {"id", "month", "title", "form", "owner", "place", "sources"}
    assert set(rows[0]["sources"][0]) >= {"doc_id", "activity_id", "line"}


# -- export ----------------------------------------------------------------------------------


def test_the_word_file_has_the_table_after_the_sections_and_before_the_signature(district_draft):
    content = content_of(district_draft)
    raw = to_docx(content, draft_id="d1", version=1)
    document = docx.Document(io.BytesIO(raw))
    (table,) = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["月份", "活动内容", "形式", "承办"]
    assert len(cells) == len(content["schedule"]) + 1
    for got, row in zip(cells[1:], content["schedule"]):
        assert got[0] == f"{row['month']}月" and got[1].startswith(row["title"]) and got[2] == row["form"]
    # The columns fill the 156 mm text block (8845 twips), the activity's the widest; LibreOffice
    # lays a table out by its grid, so the grid says so, not only the cells.
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(grid) == 8845 and max(grid) == grid[1]
    assert table._tbl.tblPr.find(qn("w:tblW")).get(qn("w:w")) == "8845"
    header = table.rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert all(r.bold for c in table.rows[0].cells for r in c.paragraphs[0].runs)
    body_run = table.rows[1].cells[1].paragraphs[0].runs[0]
    assert body_run.font.size.pt == 14 and body_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    # In the body: the last section's text, then the table, then the 落款.
    body = list(document.element.body.iterchildren())
    at = body.index(table._tbl)
    before = "".join(t.text or "" for el in body[:at] for t in el.iter(qn("w:t")))
    after = "".join(t.text or "" for el in body[at + 1:] for t in el.iter(qn("w:t")))
    assert content["sections"][-1]["text"].split("\n")[-1][:20] in before and "活动安排表" in before
    assert after.startswith(content["signature"]["body"])
    assert check_layout(raw) == []


def test_the_markdown_has_the_table(district_draft):
    content = content_of(district_draft)
    md = to_markdown(content)
    lines = md.splitlines()
    start = lines.index("| 月份 | 活动内容 | 形式 | 承办 |")
    assert lines[start - 2].startswith("## 附：2026年度活动安排表") and lines[start + 1] == "|---|---|---|---|"
    rows = lines[start + 2: start + 2 + len(content["schedule"])]
    assert [r.split(" | ")[1] for r in rows] == [row["title"] for row in content["schedule"]]


def test_a_cell_with_a_bar_or_a_line_break_stays_one_cell():
    content = {"title": "计划", "request": {"year": 2026}, "sections": [],
               "schedule": [{"month": 3, "title": "协商|座谈\n会", "form": "专题协商", "owner": "", "place": "会议室", "sources": []}]}
    row = to_markdown(content).splitlines()[-1]
    assert row == "| 3月 | 协商\\|座谈 会（地点：会议室） | 专题协商 |  |"


@pytest.mark.slow
def test_the_cli_prints_the_table(tmp_path):
    # The real CLI with its real embedder (the CLI builds it from the settings).
    from click.testing import CliRunner

    from plandraft.cli import main

    data = tmp_path / "data"
    env = {"PLANDRAFT_DATA_DIR": str(data)}
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", *map(str, CORPUS)], env=env).exit_code == 0
    out = runner.invoke(main, ["draft", "--level", "县区", "--year", "2026", "--org", "临江区政协", "--sections", "学习", "--schedule"], env=env)
    assert out.exit_code == 0, out.output
    table = out.output.split("附：2026年度活动安排表\n", 1)[1].split("请编辑核对", 1)[0].strip().splitlines()
    assert len(table) >= 10 and all(re.match(r"\d{1,2}月　", line) for line in table)
