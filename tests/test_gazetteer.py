"""The gazetteer finds other bodies' places in plan text, and nothing in ordinary plan prose.

Fast: no model, only the bundled data files and jieba's dictionary (loaded once, cached).
The pinned sentences below are cut from the bundled samples and their expected places were
written by reading each sentence, not by copying the finder's output.
"""
from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from ingest.gazetteer import PlaceMatch, load_gazetteer

ROOT = Path(__file__).resolve().parent.parent
GAZ_DIR = ROOT / "data" / "gazetteer"
SAMPLES = sorted((ROOT / "data" / "samples").glob("*.txt"))


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


@pytest.fixture(scope="module")
def sample_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in SAMPLES}


def names(matches: list[PlaceMatch]) -> list[tuple[str, str]]:
    return [(m.name, m.level) for m in matches]


# --- the data files ------------------------------------------------------------------------


def test_divisions_file_is_compact_and_complete():
    path = GAZ_DIR / "divisions.tsv"
    assert path.stat().st_size < 3 * 1024 * 1024
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["name", "level", "parent", "adcode", "short", "note"]
    assert all(len(row) == 6 for row in rows[1:])
    current = [row for row in rows[1:] if not row[5]]
    count = {level: sum(1 for row in current if row[1] == level) for level in ("省", "市", "县", "乡镇", "街道")}
    assert count["省"] == 34
    assert count["市"] >= 330 and count["县"] >= 2800
    assert count["乡镇"] + count["街道"] >= 38000


def test_region_table_covers_every_province():
    regions = json.loads((GAZ_DIR / "regions.json").read_text(encoding="utf-8"))
    provinces = {row["province"] for row in regions["province_abbreviations"]}
    assert len(provinces) == 34
    assert all(s["source"] and s["scope"] in ("national", "regional") for s in regions["strategies"])


def test_loading_is_lazy_and_cached():
    assert load_gazetteer() is load_gazetteer()


# --- the names of other bodies in the samples ----------------------------------------------


@pytest.mark.parametrize(
    "text, name, full_name, level",
    [
        ("20xx年香山街道政协工委将在吴中区委、区政协", "香山街道", "香山街道", "街道"),
        ("香山街道政协工委将在吴中区委、区政协", "吴中区", "吴中区", "县"),
        ("为打好洛阳“四张牌”", "洛阳", "洛阳市", "市"),
        ("长兴县政协教育活动小组", "长兴县", "长兴县", "县"),
        ("通过了《湘潭市_社会建设委员会工作规则》", "湘潭市", "湘潭市", "市"),
        ("依托杭川镇志愿者协会", "杭川镇", "杭川镇", "乡镇"),
        ("结合乌当区工作实际", "乌当区", "乌当区", "县"),
        ("浙江省政协", "浙江省", "浙江省", "省"),
    ],
)
def test_real_names_are_found_with_their_level(gaz, text, name, full_name, level):
    found = {m.name: m for m in gaz.find(text)}
    assert name in found, names(gaz.find(text))
    assert (found[name].full_name, found[name].level) == (full_name, level)
    assert found[name].short == (name != full_name)


def test_a_parent_written_before_picks_the_right_one_of_several(gaz):
    alone = gaz.find("香山街道作为度假区中心区")
    assert alone[0].candidates == 5
    after_parent = gaz.find("吴中区香山街道")[-1]
    assert (after_parent.name, after_parent.parent) == ("香山街道", "吴中区")


def test_a_county_short_form_needs_the_county_named_in_its_document(gaz):
    assert gaz.find("积极向《长兴政协》投稿") != []  # a body follows: place context
    assert gaz.find("吴中发展") == []
    assert names(gaz.find("吴中发展", document="吴中区政协工作计划……吴中发展")) == [("吴中", "县")]
    assert names(gaz.find("苏州吴中")) == [("苏州", "市"), ("吴中", "县")]


# --- ordinary plan prose stays clean ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "围绕中心、服务大局，团结和民主两大主题",
        "加强学习，提高委员的政治素质",
        "发展和平稳定",
        "建设新城区",
        "坚持和平发展，弘扬新华精神，迎着朝阳前进，夺取胜利，高举红旗，发扬民主，加强团结，走向光明",
        "东风浩荡，开发新城，建设中山公园，城关一带长安街",
        "新中国成立以来，创新西部地区发展机制，学习新西兰经验",
        "乡镇和县直部门要团结乡亲们，推进新城镇建设、新城乡一体化和中心镇建设，培育合作市场",
        "公安执法部门、人民政协、资源节约",
    ],
)
def test_generic_plan_sentences_have_no_places(gaz, text):
    assert gaz.find(text) == [], names(gaz.find(text))


def test_generic_names_count_with_place_context(gaz):
    assert names(gaz.find("和平区政协")) == [("和平区", "县")]
    assert names(gaz.find("西安市新城区")) == [("西安市", "市"), ("新城区", "县")]
    assert names(gaz.find("马鞍山市和县")) == [("马鞍山市", "市"), ("和县", "县")]
    assert gaz.find("全县工作中心和县政协年度工作计划") == []


# --- regions -------------------------------------------------------------------------------


def test_province_part_is_a_region(gaz):
    [match] = gaz.find("助推洛阳与豫西各市联动发展")[1:]
    assert (match.name, match.level, match.full_name, match.provinces) == ("豫西", "region", "河南省西部", ("河南省",))
    assert names(gaz.find("苏南地区、皖北和川东北")) == [("苏南", "region"), ("皖北", "region"), ("川东北", "region")]


def test_named_strategies_are_regions_for_the_caller_to_judge(gaz):
    [zhongyuan] = [m for m in gaz.find("赋予洛阳中原经济区副中心") if m.level == "region"]
    assert (zhongyuan.name, zhongyuan.note) == ("中原经济区", "regional")
    [yrd] = gaz.find("服务长三角一体化发展")
    assert yrd.full_name == "长江三角洲区域一体化发展" and yrd.note == "national"
    assert "浙江省" in yrd.provinces


# --- the samples, sentence by sentence -----------------------------------------------------

# (a sentence from the samples, the places in it in order)
PINNED = [
    ("20xx年香山街道政协工委将在吴中区委、区政协和街道党工委的正确领导下", [("香山街道", "街道"), ("吴中区", "县")]),
    ("香山街道作为度假区中心区，在度假区的开发建设中作用、地位非常突出", [("香山街道", "街道")]),
    ("依托杭川镇志愿者协会，吸纳更多医生、教师、退休干部等专业人士参与", [("杭川镇", "乡镇")]),
    ("通过了《湘潭市_社会建设委员会工作规则》和组成人员守则", [("湘潭市", "市")]),
    ("结合乌当区工作实际,提出如下意见。", [("乌当区", "县")]),
    ("长兴县政协教育活动小组XX年工作计划", [("长兴县", "县")]),
    ("多种形式加大宣传力度,积极向《长兴政协》", [("长兴", "县")]),
    ("为打好洛阳“四张牌”，加快建设副中心、打造全省增长极", [("洛阳", "市")]),
    ("做好洛阳济源融合发展协商调研，助推洛阳与豫西各市联动发展",
     [("洛阳", "市"), ("济源", "县"), ("洛阳", "市"), ("豫西", "region")]),
    ("进一步落实省委、省政府赋予洛阳中原经济区副中心、全省增长极的新定位",
     [("洛阳", "市"), ("中原经济区", "region")]),
    ("深入贯彻落实《_洛阳市委关于进一步加强人民政协工作的实施意见》", [("洛阳市", "市")]),
    ("认真贯彻落实__视察指导河南时的重要讲话精神", [("河南", "省")]),
    ("到平果县海城乡新民村开展疫情防控阻击战和脱贫攻坚战调研活动", [("平果县", "县"), ("海城乡", "乡镇")]),
    ("到田东县作登乡新安村开展“党建+扶贫”脱贫攻坚调研等活动", [("田东县", "县"), ("作登", "乡镇")]),
    ("我镇政协将在常宁市政协的正确领导下", [("常宁市", "县")]),
    ("政协工作计划洋泉镇政协年度工作计划", [("洋泉镇", "乡镇")]),
    ("编印《洛南县政协机关制定管理汇编》修订完善制度35项", [("洛南县", "县")]),
    ("展示了硚口区都市工业的进展情况", [("硚口区", "县")]),
    ("积极动员该商会总部落户硚口", [("硚口", "县")]),
    ("弘扬和宣传闽北优秀传统文化", [("闽北", "region")]),
    ("打造成福建省乡村旅*业中的特色项目", [("福建省", "省")]),
    ("配合市政协对政协信息宣传暨扶贫包村、温州客商在洛投资兴业情况", [("温州", "市")]),
    # 香山街道's own villages 舟山 and 长沙: the gazetteer has no villages and reads the cities,
    # but they are that body's particulars all the same.
    ("重点继续就“舟山核雕的可持续发展”、“长沙农家乐创品牌”", [("舟山", "市"), ("长沙", "市")]),
    # Sentences that once fooled a finder and must stay clean.
    ("牢牢把握团结和民主两大主题，紧紧围绕街道中心工作", []),
    ("努力维护社会安定团结。", []),
    ("加强与上级政协和镇政协之间的联系。", []),
    ("努力探索新形势下镇政协工作的新情况", []),
    ("围绕同心同向抓学习，进一步夯实思想基础", []),
    ("围绕“交通融城、产业兴城、人才活城、生态美城”发展战略", []),
    ("紧扣“服务金霞经开区，建设滨水城”的总体目标", []),
    ("各个中小学校、公安执法部门、城镇建设等", []),
    ("为我县建设山水园林型现代化新兴城市作出新贡献", []),
    ("政协办公室紧紧围绕全县工作中心和县政协年度工作计划", []),
    ("继续在华圣秀城、龙厦名都等新建小区开展宜居小区", []),
]


@pytest.mark.parametrize("sentence, expected", PINNED, ids=[p[0][:12] for p in PINNED])
def test_pinned_sample_sentences(gaz, sample_texts, sentence, expected):
    documents = [text for text in sample_texts.values() if sentence in text]
    assert documents, "the pinned sentence is not in the samples"
    assert names(gaz.find(sentence, document=documents[0])) == expected


# Everything the finder may report over the samples: the real names above and the two villages.
ALLOWED_IN_SAMPLES = {
    ("香山街道", "街道"), ("吴中区", "县"), ("湘潭市", "市"), ("杭川镇", "乡镇"), ("乌当区", "县"),
    ("长兴县", "县"), ("长兴", "县"), ("洛阳", "市"), ("洛阳市", "市"), ("济源", "县"), ("河南", "省"),
    ("豫西", "region"), ("中原经济区", "region"), ("闽北", "region"), ("福建省", "省"), ("湖南省", "省"),
    ("平果县", "县"), ("海城乡", "乡镇"), ("田东县", "县"), ("作登", "乡镇"), ("常宁市", "县"),
    ("洋泉镇", "乡镇"), ("洛南县", "县"), ("硚口区", "县"), ("硚口", "县"), ("温州", "市"), ("北京", "省"),
    ("舟山", "市"), ("长沙", "市"),
}


def test_every_line_of_the_samples_gives_a_bounded_picture(gaz, sample_texts):
    found: dict[tuple[str, str], int] = {}
    for text in sample_texts.values():
        for line in text.splitlines():
            for match in gaz.find(line, document=text):
                assert line[match.start : match.end] == match.name
                found[(match.name, match.level)] = found.get((match.name, match.level), 0) + 1
    unexpected = set(found) - ALLOWED_IN_SAMPLES
    assert not unexpected, unexpected
    for must in [("香山街道", "街道"), ("吴中区", "县"), ("洛阳", "市"), ("长兴县", "县"), ("湘潭市", "市"),
                 ("杭川镇", "乡镇"), ("乌当区", "县"), ("豫西", "region")]:
        assert must in found
    assert sum(found.values()) <= 90


def test_matches_do_not_overlap_and_are_in_order(gaz, sample_texts):
    text = "\n".join(sample_texts.values())
    matches = gaz.find(text)
    assert all(a.end <= b.start for a, b in zip(matches, matches[1:]))


def test_fifty_thousand_characters_scan_well_under_a_second(gaz, sample_texts):
    text = "\n".join(sample_texts.values())
    text = (text * (50_000 // len(text) + 1))[:50_000]
    gaz.find(text[:2000])  # jieba's segmenter is built on first use
    began = time.perf_counter()
    gaz.find(text)
    assert time.perf_counter() - began < 1.0
