"""Whose document is this (issue #14): organisation names matched on the variants offices write,
each document's body found at ingest and kept by the store, an admin's correction winning."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.bodies import body_key, document_body, parse_body, same_body

OWN_PLANS = Path(__file__).parent / "data" / "own_plans"

# Each group: names one body goes by (full and short, with and without the city, the street's
# and the township's several names for their 政协 presence).
SAME_BODY = [
    ("上城区政协", ["上城区政协", "政协杭州市上城区委员会", "杭州市上城区政协", "中国人民政治协商会议杭州市上城区委员会",
                 "上城区政协委员会", "杭州市 上城区 政协"]),
    ("香山街道政协", ["香山街道政协工委", "香山街道政协联络处", "香山街道政协联组", "香山街道政协工作委员会",
                   "苏州市吴中区香山街道政协工委", "吴中区香山街道政协联络处"]),
    ("杭川镇政协", ["杭川镇政协工作组", "杭川镇政协联络组", "杭川镇政协委员活动小组"]),
    ("杭州市政协", ["杭州市政协", "政协杭州市委员会", "中国人民政治协商会议杭州市委员会"]),
    ("浙江省政协", ["浙江省政协", "政协浙江省委员会"]),
    ("宁海县政协", ["宁海县政协", "政协宁波市宁海县委员会"]),
    ("沛县政协", ["沛县政协", "政协徐州市沛县委员会"]),
    ("五马街道政协", ["温州市鹿城区五马街道政协工委", "五马街道政协联络处"]),
]


@pytest.mark.parametrize("key,names", SAME_BODY, ids=[k for k, _ in SAME_BODY])
def test_every_name_of_one_body_has_its_key(key, names):
    for name in names:
        assert body_key(name) == key, name
    assert all(same_body(names[0], n) for n in names)


def test_bodies_of_different_places_or_levels_differ():
    assert not same_body("上城区政协", "下城区政协")
    assert not same_body("杭州市政协", "上城区政协")  # the city's 政协 is not its district's
    assert not same_body("香山街道政协工委", "吴中区政协")
    assert not same_body("鹿城区政协", "鹿城街道政协工委")  # a district and a street of one stem


def test_generic_names_name_no_body():
    # Inside its own plan a body calls itself 区政协: that says nothing of whose plan it is.
    for name in ("区政协", "我区政协", "市政协", "全区政协", "县政协", "镇政协工作组", "街道政协工委", "城区政协", "", None):
        assert body_key(name) is None, name
        assert not same_body(name, "上城区政协")


def test_a_sector_or_committee_is_part_of_its_body():
    assert body_key("政协上城区委员会经济界别") == "上城区政协/经济界"
    assert body_key("上城区政协经济界") == "上城区政协/经济界"
    assert body_key("上城区政协提案委员会") == "上城区政协/提案委"
    assert same_body("上城区政协经济界", "政协杭州市上城区委员会")
    assert parse_body("上城区政协经济界").level == "界别专委"
    assert body_key("上城区政协常委会") == "上城区政协"  # its standing committee is the body itself


def test_levels_follow_the_place_word():
    assert [parse_body(n).level for n in ("香山街道政协工委", "杭川镇政协工作组", "上城区政协", "杭州市政协", "浙江省政协")] == [
        "街道", "乡镇", "县区", "市", "省"]


def test_a_document_is_known_by_its_title_then_its_opening():
    text = (OWN_PLANS / "tongxi_2025.txt").read_text(encoding="utf-8")
    title, body = text.split("\n", 1)
    found = document_body(title, body)
    assert (found.key, found.place) == ("桐溪区政协", "桐溪区")
    # No title: the opening names it whole once, and 区政协 after that.
    opening = "政协云屏市桐溪区委员会2026年工作要点\n区政协将围绕中心……区政协常委会……"
    assert document_body(None, opening).key == "桐溪区政协"
    # Running text where the place word picked up the words before it.
    assert document_body("篇二：政协工作计划洋泉镇政协年度工作计划", "……").key == "洋泉镇政协"
    assert document_body("政协工作计划", "区政协要围绕中心工作……") is None


def test_the_store_keeps_each_documents_body_and_an_admin_correction_wins(hashing_store):
    from drafting.own import known_bodies, own_documents
    from ingest.pipeline import ingest_paths

    report = ingest_paths([OWN_PLANS], hashing_store, max_bytes=1 << 20)
    assert not report.errors
    rows = hashing_store.bodies()
    docs = {d.year: d for d in hashing_store.documents()}
    assert {rows[d.id].key for d in docs.values()} == {"桐溪区政协"}
    # Found under any name of the body, never under another's.
    for name in ("桐溪区政协", "政协云屏市桐溪区委员会", "云屏市桐溪区政协委员会", "桐溪区政协经济界"):
        assert {d.year for d in own_documents(hashing_store, name).docs} == {2024, 2025}, name
    assert own_documents(hashing_store, "柳江区政协").docs == ()
    assert own_documents(hashing_store, "区政协").docs == ()
    assert [p.year for p in own_documents(hashing_store, "桐溪区政协").plans()] == [2025, 2024]
    # An admin says the 2024 plan is another body's: the correction is what counts, kept across re-ingest.
    hashing_store.set_override(docs[2024].id, "body", "柳江区政协")
    ingest_paths([OWN_PLANS], hashing_store, max_bytes=1 << 20)
    assert {d.year for d in own_documents(hashing_store, "桐溪区政协").docs} == {2025}
    assert {d.year for d in own_documents(hashing_store, "柳江区政协").docs} == {2024}
    bodies = {b.key: b for b in known_bodies(hashing_store)}
    assert bodies["桐溪区政协"].level == "县区" and [p["year"] for p in bodies["桐溪区政协"].plans] == [2025]
    hashing_store.remove_source(docs[2025].source)
    assert docs[2025].id not in hashing_store.bodies()


def test_a_bodys_own_names_are_its_units_particulars(hashing_store):
    from ingest.pipeline import ingest_paths

    ingest_paths([OWN_PLANS], hashing_store, max_bytes=1 << 20)
    found = {(p.kind, p.text, p.generalise) for u in hashing_store.units() for p in u.particulars}
    assert ("facility", "桐溪区政协委员履职实践中心", False) in found
    assert ("workroom", "“溪畔议事”委员工作室", False) in found and ("workroom", "“同心桥”委员工作室", False) in found
    # The place itself may be replaced in another body's draft like any place name; its stem
    # in a brand ("桐溪夜话") marks the unit too.
    night = [u for u in hashing_store.units() if "桐溪夜话" in u.text]
    assert night and all(any(p.text == "桐溪区" for p in u.particulars) for u in night)
