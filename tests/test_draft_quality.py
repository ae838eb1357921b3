"""One test per fault kind a reader finds in a draft (issue #10), each with a real sentence of
the sample corpus: ingest's signal finds it, and drafting repairs it or leaves it out.

Fast: no embedder, no store (the corpus index is built from the sample files' own units).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from drafting.adapt import SLOT_RE, Adapter
from drafting.compose import fits_role, repeats
from drafting.model import DraftRequest
from drafting.review import Reviewer
from ingest.pipeline import parse_file
from ingest.corpus_index import CorpusIndex
from ingest.quality import enumeration, is_blurb, is_past, local_signals, particulars
from ingest.units import build_units

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


@lru_cache(maxsize=1)
def sample_units():
    units = []
    for path in sorted(SAMPLES.glob("*.txt")):
        _, _, found = parse_file(str(path), path.read_text(encoding="utf-8"))
        units.extend(found)
    return units


@lru_cache(maxsize=1)
def sample_index() -> CorpusIndex:
    return CorpusIndex([(u.doc_id, s) for u in sample_units() for s in u.sentences])


def adapt(text: str, level="乡镇", year=2027, org="白沙镇政协工作组", parent="宁海县政协", source_level="乡镇"):
    return Adapter(DraftRequest(level, year, org, parent)).adapt(text, source_level)


# --- damaged -------------------------------------------------------------------------------------

DAMAGED = "走政协是密切与政协关系的一种好形式，一年至少要有有一次，通过走及时了解政协在思想、工作、生活等方面的情况，激发政协参政议政热情。"


def test_a_damaged_copy_is_found_with_its_clean_copy():
    clean = sample_index().damage(DAMAGED)
    assert clean is not None and clean.startswith("走访政协委员是密切与政协委员关系")


def test_ingest_marks_the_damaged_unit_and_names_the_clean_sentence():
    from ingest.corpus_index import corpus_signals

    units = sample_units()
    found = corpus_signals([(u.id, u.doc_id, u.sentences) for u in units])
    damaged = [f for fs in found.values() for f in fs if f.kind == "damaged" and f.text == DAMAGED]
    assert damaged and "走访政协委员" in damaged[0].fix


def test_a_variant_is_not_damage():
    # 000 writes 老旧住宅小区 where another copy writes 老旧小区: a wording, not dropped characters.
    index = CorpusIndex([("a", "有序推进老旧住宅小区综合整治，参与棚户区整体改造。"), ("b", "有序推进老旧小区综合整治，参与棚户区整体改造。")])
    assert index.damage("有序推进老旧小区综合整治，参与棚户区整体改造。", "b") is None


# --- typos and doubled characters --------------------------------------------------------------------


def test_a_typo_the_corpus_spells_otherwise_is_found():
    typos = sample_index().typos("重点围绕提升服务功能、优化服务环境，继续探索民童监督的新思路，努力加大民主监督力度。")
    assert ("民童", "民主") in typos


def test_correct_text_is_not_a_typo():
    assert sample_index().typos("在区政协专题教育调研成果交流会上作重点发言。") == []


def test_a_doubled_character_is_found_but_a_reduplication_is_not():
    signals = local_signals(None, ["一年至少要有有一次，通过走访及时了解情况。"])
    assert [(f.kind, f.fix) for f in signals if f.kind == "doubled"] == [("doubled", "有")]
    assert not [f for f in local_signals(None, ["人人参与，层层落实，推进政协协商民主。"]) if f.kind == "doubled"]


# --- another body's particulars ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("紧扣“服务金霞经开区，建设滨水城”的总体目标，致力于完成规定动作和创新特色工作。", "zone"),
        ("围绕全镇中心工作和十大项目建设，组织委员重点对城镇建设、经济发展开展视察。", "programme"),
        ("认真落实洛阳市委办公室印发的《政协年度协商计划制定暨协商成果办理反馈实施办法（试行）》。", "document"),
    ],
)
def test_particulars_that_cannot_be_generalised(sentence, kind):
    found = [f for f in particulars(sentence) if f.kind == kind]
    assert found and not found[0].generalise


def test_another_regions_strategy_is_a_particular():
    found = particulars("争取省政协将推动洛阳与豫西各市联动发展列入协商计划。")
    assert {"洛阳", "豫西"} <= {f.text for f in found}


def test_a_plain_plan_sentence_has_no_particulars():
    assert particulars("围绕中心、服务大局，把握团结和民主两大主题，加强委员学习培训。") == []


# --- another level's words ---------------------------------------------------------------------------


def test_a_township_plan_uses_its_own_words():
    out = adapt("要围绕乡党委的中心工作，努力推进依法治乡的进程。").text
    assert "镇党委" in out and "依法治镇" in out and "乡党委" not in out


def test_a_name_is_replaced_whole_without_the_old_prefix():
    out = adapt("街道政协联络处的总体工作思路是：把握团结和民主两大主题。", source_level="街道").text
    assert "白沙镇政协工作组的总体工作思路" in out and "街道白沙镇" not in out


def test_a_street_plans_own_area_becomes_the_city():
    out = adapt("积极参加街道有关部门的安置分房、行风评议等活动。", level="市", org="东阳市政协", parent=None, source_level="街道").text
    assert "街道" not in out and "市有关部门" in out


def test_the_body_above_is_the_requesters_parent():
    out = adapt("认真学习党的二十大精神和区政协全委会精神。").text
    assert "县政协全委会精神" in out


# --- fragments -------------------------------------------------------------------------------------


def test_an_enumeration_used_in_part_is_a_fragment():
    assert enumeration("第一，调查视察全年不少于两次。要围绕乡党委的中心工作。") == ("第一", False)
    assert enumeration("一是在平时工作中积极调研；二是组织委员视察。") == ("一是", True)
    assert any(f.kind == "fragment" for f in local_signals(None, ["第四，要充分发挥监督作用，坚持与委员保持沟通和联系。"]))


def test_a_stray_number_and_a_lone_mark():
    units = build_units("d", "七、自身建设\n（一）2、进一步加强政协制度建设。结合新形势和政协工作特点，推进规范化建设。", [])
    assert units[0].lead == "进一步加强政协制度建设"
    marks = local_signals(None, ["组织政协委员对设施农业园区、*养殖、乡村振兴等项目进行民主监督。"])
    assert any(f.kind == "placeholder_mark" for f in marks)


# --- broken phrases and slots the year decides ---------------------------------------------------


def test_a_removed_congress_is_filled_not_left_broken():
    out = adapt("以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党的精神，把握团结和民主两大主题。", year=2026).text
    assert "全面贯彻落实党的二十大精神" in out


@pytest.mark.parametrize("source", ["深入学习贯彻党的和十x届x中全会精神。", "认真学习党的十八届三中全会精神。", "学习党的十九大和十九届二中、三中全会精神。"])
def test_the_year_decides_congress_and_plenums_without_a_slot(source):
    out = adapt(source, year=2026).text
    assert "党的二十大和二十届历次全会精神" in out and not SLOT_RE.search(out)


# --- the site's blurb, past tense, outdated references ---------------------------------------------


def test_the_sites_blurb_is_found_in_any_wording():
    assert is_blurb("因此，作为一名政协委员，制定一份合理的年度工作计划至关重要。")
    # Wordings the samples do not have.
    assert is_blurb("下面是小编为大家整理的政协工作计划范文，供大家参考。")
    assert is_blurb("希望以上内容对您有所帮助，欢迎阅读更多精彩范文。")
    assert not is_blurb("政协工作需要得到社会各界的理解和支持，因此宣传工作至关重要。")


def test_a_summary_sentence_is_past_tense():
    assert is_past("半年来，我们先后组织委员开展视察活动6次，取得了较好的效果。")
    assert not is_past("年内继续开展以优化服务环境为主要内容的民主评议活动。")


def test_a_campaign_whose_years_are_over_drops_the_sentence():
    changes = adapt("学习“三个代表”的重要思想以及各级政协会议精神，努力提高政协委员的理论水平。", year=2026).changes
    assert any(c.kind == "drop" for c in changes)


def test_an_outdated_term_is_replaced_from_the_table():
    out = adapt("围绕“三农”、乡村振兴、新型农村合作医疗等问题，深入实际开展调查研究。", year=2026).text
    assert "城乡居民基本医疗保险" in out and "合作医疗" not in out


# --- wrong section, repeats ---------------------------------------------------------------------


def test_the_preamble_takes_only_guiding_thought():
    from ingest.units import Unit

    study = Unit("u", "d", "c", 0, "指导思想", "切实做到理论联系实际", ["密切联系我镇经济、社会发展和政协工作的实际，切实提高参政议政的能力。"], (0, 1))
    guide = Unit("v", "d", "c", 1, "指导思想", None, ["以习近平新时代中国特色社会主义思想为指导，把握团结和民主两大主题。"], (0, 1))
    assert not fits_role(study, "指导思想", "指导思想") and fits_role(guide, "指导思想", "指导思想")


def test_an_item_saying_what_another_said_is_a_repeat():
    a = "做好宣传报导工作。通过电视台、报刊及宣传栏等形式，积极宣传活动经验及委员的先进事迹。"
    b = "强化宣传工作。要建立政协通讯报道队伍，大力宣传政协工作的重大活动和委员的先进事迹。"
    assert repeats(a, "做好宣传报导工作。通过电视台、报刊等形式，积极宣传活动经验及委员的先进事迹等。")
    assert not repeats(a, "认真开展政治协商。着重抓好一年2次以上的专题协商，及时报送协商意见。")
    del b


def test_the_reviewer_flags_every_kind_on_real_draft_items():
    reviewer = Reviewer(DraftRequest("乡镇", 2027, "白沙镇政协工作组", "宁海县政协"), sample_index())
    faults = reviewer.review("民主监督", "（二）全面强化民主监督。继续探索民童监督的新思路，努力推进依法治乡的进程。").faults
    assert {"source_typo", "other_level"} <= set(faults)
    faults = reviewer.review("学习", "（一）认真学习党的、【待填：全会名称】精神，学习“三个代表”的重要思想。").faults
    assert {"broken_phrase", "needless_slot", "outdated"} <= set(faults)


# --- what the second reading found (tests/data/draft_review.json, round "after") -------------------


def test_a_numbered_item_glued_to_the_one_before_is_its_own_unit():
    text = "（一）积极开展招商引资活动。帮助引进资金、项目和技术，为我镇招商引资工作做出新的贡献。2、努力促进社会稳定。拓宽渠道，反映社情民意。"
    units = build_units("d", text, [])
    assert [u.lead for u in units] == ["积极开展招商引资活动", "努力促进社会稳定"]
    assert all(text[u.span[0]: u.span[1]].strip() for u in units)


def test_a_lead_in_with_nothing_to_do_is_no_item():
    from ingest.quality import is_task

    assert not is_task("政协工作需要得到社会各界的理解和支持，因此宣传工作至关重要。")
    assert is_task("要建立政协通讯报道队伍，加强与各新闻媒体的联系。")


def test_the_body_above_guides_a_township_and_a_township_has_no_committee():
    out = adapt("2027年，我镇政协将在宁海县政协的正确领导下，全面贯彻党的二十大精神。").text
    assert out.startswith("2027年，白沙镇政协工作组将在宁海县政协的指导下")


def test_a_city_committee_does_not_lead_itself():
    out = adapt("在镇党委和市政协的领导下，围绕全镇的中心工作。", level="市", org="东阳市政协", parent=None).text
    assert "在市委的领导下" in out


def test_a_street_has_no_government():
    out = adapt("及时将协商意见、建议报送街道工委、政府决策参考。", level="街道", org="东湖街道政协工委", parent="鹿城区政协", source_level="街道").text
    assert "办事处" in out and "政府" not in out


def test_a_sectors_plan_leaves_out_another_sectors_work():
    changes = adapt("深入调研教育界政协工作，促进教育事业发展。", level="界别专委", org="经济界别活动组", parent="东阳市政协", source_level="界别专委").changes
    assert any(c.kind == "drop" for c in changes)
    kept = adapt("加强与社会各界的联系，团结经济界政协委员。", level="界别专委", org="经济界别活动组", parent="东阳市政协", source_level="界别专委")
    assert not any(c.kind == "drop" for c in kept.changes) and "政协" in kept.text and "市市" not in kept.text


def test_the_party_leads_and_the_body_above_guides():
    out = adapt("在镇党委和市政协的领导下，围绕全镇的中心工作。").text
    assert "在镇党委的领导和县政协的指导下" in out
    out = adapt("在县委和市政协的领导下，积极履行职能。", level="县区", org="平川县政协", parent=None).text
    assert "在县委的领导和市政协的指导下" in out


def test_a_group_speaks_of_itself_by_its_own_name():
    out = adapt("做好联络组的档案整理工作，政协联络组每季度召开一次会议。").text
    assert "联络组" not in out and "白沙镇政协工作组每季度" in out
