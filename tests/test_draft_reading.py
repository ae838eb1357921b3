"""Faults a person found reading the third round of drafts (tests/data/draft_review.json, round
'final'), one test each, with the real sentence of the sample corpus: what ingest signals, what
adaptation rewrites, what the composer leaves out.

Fast, but for the topic check, which needs the real embedder (marked slow).
"""
from __future__ import annotations

import pytest

from drafting.adapt import Adapter
from drafting.compose import repeats
from drafting.model import DraftRequest
from drafting.overlap import TopicOverlap
from ingest.corpus_index import CorpusIndex
from ingest.quality import local_signals, particulars
from ingest.structure import misplaced
from tests.test_draft_quality import sample_index, sample_units


def adapter(level, org, parent=None, year=2026):
    return Adapter(DraftRequest(level, year, org, parent))


def dropped(adapted) -> list[str]:
    return [c.before for c in adapted.changes if c.kind == "drop"]


# --- another body's figures --------------------------------------------------------------------

def test_another_bodys_count_of_its_work_is_a_particular_but_a_usual_frequency_is_not():
    # 洛阳's 2021 协商计划 (sample 004): its own total of consultations.
    found = particulars("2021年以政协全委会、专题议政性常委会、双月协商座谈会、专题协商、界别协商、调研、视察等形式开展重点协商活动18项。")
    assert [(f.kind, f.text, f.generalise) for f in found if f.kind == "figure"] == [("figure", "18项", False)]
    # A frequency anyone may keep (sample 003): no particular.
    assert not [f for f in particulars("着重抓好一年2次以上的专题协商，内容上主要涉及拆迁安置、村改居。") if f.kind == "figure"]
    assert not [f for f in particulars("全年举办2-3次学习讲座。") if f.kind == "figure"]


# --- a lone 某 ------------------------------------------------------------------------------------

def test_a_lone_mou_is_a_mark_but_mouxie_is_a_word():
    # Sample 004: "谋群众所需" typed 某.
    kinds = [f.kind for f in local_signals(None, ["一是要想群众所虑，急群众所难，某群众所需，深入基层，通过听取汇报、实地察看，了解工作情况。"])]
    assert "placeholder_mark" in kinds
    assert "placeholder_mark" not in [f.kind for f in local_signals(None, ["针对某些群众反映强烈的问题开展专题调研。"])]


# --- items under the wrong heading ----------------------------------------------------------------

@pytest.mark.parametrize("role, sentences, belongs", [
    # Sample 000, under 宣传: its first member is research on 三农 and 招商引资.
    ("宣传信息", ["首先，我们要按照县政协的工作要求，围绕“三农”、乡村振兴、招商引资、新型农村合作医疗等问题，深入实际开展调查研究，广泛接触政协委员和人民群众。",
                "其次，要积极向上级政协或新闻单位投稿，反映政协工作动态。"], "服务中心"),
    # Sample 004, under 民主监督: its opening is about 协商.
    ("民主监督", ["进一步拓展协商领域，不断完善协商民主制度和工作机制，推进引导委员在履职过程中，加强与各界人士的沟通交流。"], "政治协商"),
    # Sample 000, under 政治协商: the plan's whole stance.
    ("政治协商", ["2011年，我镇政协将在常宁市政协的正确领导下，全面贯彻党的xx大精神，坚持党的群众路线不动摇，认真履行“政治协商、民主监督、参政议政”的职能。"], "指导思想"),
])
def test_an_item_about_another_sections_work_is_misplaced(role, sentences, belongs):
    assert misplaced(role, None, sentences) == belongs


def test_an_item_that_only_mentions_another_sections_word_is_not_misplaced():
    # Sample 003, under 委员作用: it mentions 视察 once; a reader keeps it there.
    assert misplaced("委员作用", None, ["重视和保护委员履行职责的权利，提高政协调查、视察等活动的委员参与率。"]) is None


def test_ingest_stores_the_misplaced_signal_on_the_sample_unit():
    units = [u for u in sample_units() if "首先，我们要按照县政协的工作要求" in "".join(u.sentences)]
    assert units and all("mixed" in [f.kind for f in u.signals] for u in units)  # an enumeration: no section takes it


# --- a copy typed otherwise ---------------------------------------------------------------------

def test_a_word_typed_wrong_in_one_copy_is_fixed_from_the_other():
    # Samples 000 and 004 hold the same sentence; 000 has 立尝观点, 004 立场观点.
    [(word, fix)] = sample_index().miscopied("继续发扬人民政协注重学习的优良传统，以建立学习型政协为目标，强化委员的学习意识，不断提高广大政协委员运用马克思主义的立尝观点、方法分析和解决实际问题的能力，提高政协队伍的整体素质和参政议政水平。")
    assert "立尝" in word and "立场" in fix


def test_another_bodys_name_in_a_copy_is_no_typo():
    index = CorpusIndex([("a", "切实加强与县政协的联系，努力使活动规范化、科学化、程序化，提高活动效果。"),
                         ("b", "切实加强与市政协的联系，努力使活动规范化、科学化、程序化，提高活动效果。")])
    assert index.miscopied("切实加强与县政协的联系，努力使活动规范化、科学化、程序化，提高活动效果。", "a") == []


# --- level words ---------------------------------------------------------------------------------

def test_a_township_plans_bare_town_is_the_countys_whole_area():
    # Sample 003 (a 镇 plan) in a county's draft.
    out = adapter("县区", "平川县政协").adapt("认真开展政治协商，围绕镇重大项目建设和群众关心的热点、重点和难点问题，协助党委和政府推动各项工作顺利实施。", "乡镇")
    assert "围绕全县重大项目建设" in out.text and "镇" not in out.text


def test_a_streets_party_committee_before_its_office_is_the_dang_gongwei():
    out = adapter("街道", "东湖街道政协工委", "鹿城区政协").adapt("要加强与政府对口部门的联系，及时把委员的意见、建议提供给党委、政府和有关部门。", "街道")
    assert "提供给党工委、办事处和有关部门" in out.text


def test_another_street_bodys_name_inside_our_own_is_still_replaced():
    out = adapter("街道", "西园街道政协联络处", "江北区政协").adapt("街道政协工委将把认真学习党的、[]xx届x中全会精神作为首要政治任务。", "街道", 2014)
    assert out.text.startswith("西园街道政协联络处将把认真学习党的二十大和二十届历次全会精神")
    kept = adapter("街道", "东湖街道政协工委", "鹿城区政协").adapt("东湖街道政协工委将组织委员学习。", "街道")
    assert kept.text == "东湖街道政协工委将组织委员学习。"
    # Our own name ends in the other body's: 金桥街道政协工委 reading 街道政协工委's plan.
    ours = adapter("街道", "金桥街道政协工委", "浦东新区政协").adapt("街道政协工委将把学习作为首要政治任务。", "街道")
    assert ours.text == "金桥街道政协工委将把学习作为首要政治任务。"


def test_a_sector_group_speaks_of_its_committees_area_and_has_no_organs():
    group = adapter("界别专委", "经济界别活动组", "东阳市政协")
    out = group.adapt("围绕全镇的中心工作和重点工作，在镇党委和县政协的领导下，为推动全镇高质量发展做出新的贡献。", "乡镇")
    assert "全市的中心工作" in out.text and "在市委的领导和市政协的指导下" in out.text and not dropped(out)
    assert group.problems(out.text) == []
    # 市政协's own organs (sample 004) are not a group's.
    assert dropped(group.adapt("2021年以政协全委会、专题议政性常委会、双月协商座谈会等形式开展重点协商活动。", "市"))
    assert dropped(group.adapt("强化责任管理，加强机关的规范化管理，建立和完善机关的各项规章制度。", "乡镇"))


def test_a_township_keeps_the_county_committees_meeting_but_has_no_office_of_its_own():
    town = adapter("乡镇", "白沙镇政协工作组", "宁海县政协")
    assert dropped(town.adapt("强化责任管理，加强机关的规范化管理。", "乡镇"))
    assert not dropped(town.adapt("组织委员列席县政协全委会。", "乡镇"))


# --- the same topic in other words ---------------------------------------------------------------

class _Words:
    """A stand-in embedder: items sharing words point the same way."""

    def __call__(self, texts):
        import numpy as np

        out = []
        for t in texts:
            v = np.zeros(64)
            for ch in t:
                v[ord(ch) % 64] += 1
            out.append(v / np.linalg.norm(v))
        return np.array(out)


def test_shared_distinctive_words_weigh_more_than_common_ones():
    overlap = TopicOverlap(_Words(), [["宣传", "政协"], ["政协", "委员"], ["政协", "制度化"], ["政协"]])
    assert overlap.shared_words("推进制度化建设", "完善制度化建设") > overlap.shared_words("政协委员学习", "政协委员视察")


@pytest.mark.slow
def test_the_same_topic_in_other_words_is_a_repeat_with_the_real_embedder():
    from vectorstore.embedder import Embedder

    overlap = TopicOverlap(Embedder().embed, [u.sentences for u in sample_units()])
    # Round 'final': a reader called these one item said twice (宣传信息 of 平川县政协) …
    a = "（一）强化宣传工作。要建立政协通讯报道队伍，加强与各新闻媒体的联系，大力宣传政协工作的重大活动、履行职能的重要成果和委员干事创业的先进事迹。"
    b = "（二）我们将加强对政协工作的宣传，树立政协良好形象，增强社会影响力，为政协事业发展营造良好的舆论环境。"
    c = "（二）进一步加强政协制度建设。结合新形势和政协工作特点，积极推进政协履行职能规范化、制度化、程序化建设。"
    d = "（一）完善政协工作机制。加强委员服务和管理等制度，进一步推进履行职能的制度化、规范化、程序化建设，确保履行职能和各项工作规范有序、务实有效。"
    assert not repeats(a, b) and overlap.repeats(a, b)
    assert overlap.repeats(d, c)
    # … and these two items of one section, two topics.
    e = "（一）认真开展政治协商。着重抓好一年2次以上的专题协商，内容上主要涉及拆迁安置、村改居、失地农民再就业等事关人民群众的重大事项。"
    f = "（二）2026年以政协全委会、专题议政性常委会、双月协商座谈会、专题协商、界别协商、调研、视察等形式开展重点协商活动。"
    assert not overlap.repeats(e, f)


# --- new rules reach stored files ---------------------------------------------------------------

def test_a_file_is_parsed_again_when_the_rules_change(tmp_path, monkeypatch):
    """A store ingested before a rule table changed holds units the new rules never saw."""
    import ingest.pipeline as pipeline
    from tests.test_draft_quality import SAMPLES
    from vectorstore.embedder import HashingEmbedder
    from vectorstore.store import CorpusStore

    sample = sorted(SAMPLES.glob("*.txt"))[0]
    with CorpusStore(tmp_path / "store", embedder=HashingEmbedder()) as store:
        first = pipeline.ingest_paths([sample], store, max_bytes=10 << 20)
        assert not first.unchanged and not first.errors
        assert pipeline.ingest_paths([sample], store, max_bytes=10 << 20).unchanged  # same bytes, same rules
        monkeypatch.setattr(pipeline, "rules_version", lambda: "a-new-table")
        again = pipeline.ingest_paths([sample], store, max_bytes=10 << 20)
        assert not again.unchanged and again.documents


def test_a_township_plans_bare_town_in_a_xiangs_plan_is_the_xiang():
    out = adapter("乡镇", "青石乡政协联络组", "松阳县政协").adapt("认真开展政治协商，围绕镇重大项目建设和群众关心的热点、重点和难点问题。", "乡镇")
    assert "围绕全乡重大项目建设" in out.text
    kept = adapter("乡镇", "白沙镇政协工作组", "宁海县政协").adapt("认真开展政治协商，围绕镇重大项目建设。", "乡镇")
    assert kept.text == "认真开展政治协商，围绕镇重大项目建设。"


def test_the_government_beside_a_districts_party_committee_is_the_districts():
    # Sample 003 (a street plan) in a district's draft: "报送街道工委、政府决策参考".
    out = adapter("县区", "云岭区政协").adapt("及时将协商意见、建议报送街道工委、政府决策参考。", "街道")
    assert "报送区委、区政府决策参考" in out.text


def test_a_township_bodys_short_name_in_a_districts_plan_is_the_district_committee():
    # Sample 004 (a 联络组's plan): "做好联络组的档案整理工作".
    out = adapter("县区", "云岭区政协").adapt("做好联络组的档案整理工作。", "乡镇")
    assert out.text == "做好云岭区政协的档案整理工作。"


def test_a_bracketed_note_is_no_sentence_of_the_plan():
    # Sample 000: the tail of an item, a list in brackets after its full stop.
    kinds = [(f.kind, f.sentence) for f in local_signals("年内组织集体活动不少于4次", ["（组织政协委员集中视察重点工程建设、各个中小学校、公安执法部门、城镇建设等）"])]
    assert ("fragment", 0) in kinds


# --- faults of the fourth reading ---------------------------------------------------------------

def test_a_copy_that_lost_a_slogans_quotes_is_damaged_and_the_quoted_copy_is_used():
    # Sample 000 lost the quotes that samples 001 and 004 keep.
    from ingest.corpus_index import corpus_signals

    assert sample_index().damage("在委员中大兴创一流业绩，树榜样风采之风。") == "在委员中大兴“创一流业绩，树榜样风采”之风。"
    assert sample_index().damage("在委员中大兴“创一流业绩，树榜样风采”之风。") is None
    lost = [u for u in sample_units() if "大兴创一流业绩" in "".join(u.sentences)]
    found = corpus_signals([(u.id, u.doc_id, u.sentences) for u in sample_units()])
    assert lost and all(any(f.kind == "damaged" and "“创一流业绩" in (f.fix or "") for f in found.get(u.id, [])) for u in lost)


def test_an_article_about_the_cppcc_is_no_bodys_plan():
    # Sample 002's machine-written articles: "政协将…", "政协作为一个重要的政治组织…"; two such
    # units make the whole document an article, its "我们将…" lines included.
    kinds = [f.kind for f in local_signals("加强人才队伍建设", ["政协将积极培养和引进各领域的优秀人才，建设高素质的人才队伍。"])]
    assert "essay" in kinds
    assert "essay" not in [f.kind for f in local_signals(None, ["县政协将组织委员视察重点工程。"])]
    article = [u for u in sample_units() if "我们将加强组织建设，培养更多优秀的政协委员" in "".join(u.sentences)]
    assert article and all("essay" in [f.kind for f in u.signals] for u in article)


def test_an_item_whose_purpose_is_another_sections_work_is_misplaced():
    # Sample 004: the "二是" of a 民主监督 paragraph, filed under 服务中心 by its heading.
    assert misplaced("服务中心", None, ["要从街道中心工作、重点工程、促进稳定和谐及群众关心的重点、热点、难点问题等方面入手，掌握实情、科学分析，形成高质量提案，以充分发挥提案在民主监督中的作用。"]) == "民主监督"
    assert misplaced("政治协商", "认真开展政治协商", ["着重抓好一年2次以上的专题协商，以提高委员的积极性，增进政治协商的效果。"]) is None


def test_a_headings_glued_word_and_an_announcement_are_fragments():
    # Sample 002: "引言" glued to an article's opening that announces a plan it never gives.
    found = local_signals(None, ["引言政协作为我国政治协商、民主监督、参政议政的重要机构，现将政协年度每月工作计划制定如下。"])
    assert "fragment" in [f.kind for f in found]


def test_the_body_a_township_answers_to_is_the_provinces_national_committee():
    out = adapter("省", "南岭省政协", None, 2027).adapt("深入贯彻“十八大”和市政协会议精神，在镇党委和市政协的领导下，围绕全镇的中心工作。", "乡镇")
    assert "全国政协会议精神" in out.text and "在省委的领导和全国政协的指导下" in out.text and "南岭省政协的指导" not in out.text


def test_a_street_plans_own_affairs_become_the_citys_whole():
    out = adapter("市", "东阳市政协").adapt("认真参与街道的行风评议工作，积极参加街道有关部门的活动。", "街道")
    assert out.text == "认真参与全市的行风评议工作，积极参加市有关部门的活动。"


def test_an_item_ends_where_its_subject_is_another_levels():
    """Sample 000: "外树形象，内强素质，再立新功。强化责任管理，加强机关的规范化管理……充分发挥各自
    优势，做到人尽其才" — a township has no 机关; its last sentence leans on the ones dropped."""
    from drafting.compose import SectionComposer
    from vectorstore.search import SearchResult

    unit = next(u for u in sample_units() if u.lead == "外树形象，内强素质，再立新功")
    r = SearchResult(chunk_id=unit.chunk_id, doc_id=unit.doc_id, doc_title="t", source="s", text="".join(unit.sentences), score=1.0,
                     level="乡镇", year=None, kind="计划", section_role="自身建设", heading_path=[],
                     span=unit.span, family_id=unit.chunk_id, doc_family_id=unit.doc_id)
    composer = SectionComposer(adapter("乡镇", "白沙镇政协工作组", "宁海县政协"), lambda ids: [unit], family_counts={})
    assert composer._item(unit, r, 400, "自身建设") is None
    # A district has a 机关: the same unit is an item there.
    district = SectionComposer(adapter("县区", "云岭区政协"), lambda ids: [unit], family_counts={})
    assert "机关" in district._item(unit, r, 400, "自身建设").text


# --- faults of the fifth reading ----------------------------------------------------------------

def test_a_level_word_inside_another_word_is_left_alone():
    # Sample 001: "片区委员活动计划" — 区委 there is no Party committee.
    out = adapter("市", "临川市政协", year=2025).adapt("对20xx年片区委员活动计划进行研讨。", "街道")
    assert "片区委员" in out.text and "片市" not in out.text


def test_a_sector_plans_item_is_not_a_township_plans():
    # Sample 002's 教育界 plan, drawn on for a 乡's 宣传信息.
    out = adapter("乡镇", "青石乡政协联络组", "松阳县政协", 2025).adapt("加强宣传引导教育界政协工作要加强对教育领域的理论宣传和政策解读。", "界别专委")
    assert "教育界" in dropped(out)


def test_a_province_speaks_of_its_departments_as_tingju():
    out = adapter("省", "南岭省政协", None, 2027).adapt("负责通知协商议题涉及的有关委局负责人按规定参加协商会议。", "市")
    assert "有关厅局负责人" in out.text


def test_another_bodys_dated_event_is_a_particular():
    # Sample 001: one street's calendar ("5月中旬，组织委员参加街道企业家季谈会").
    found = particulars("开展视察调研和议事监督活动。5月中旬，组织委员参加街道企业家季谈会，为推动街道经济发展建言献策。")
    assert [(f.kind, f.generalise) for f in found if f.kind == "event"] == [("event", False)]


def test_a_sector_group_sends_no_consultation_results_to_the_party_committee():
    # Sample 001's street arrangement, drawn on for a 界别 group.
    out = adapter("界别专委", "经济界别活动组", "东阳市政协").adapt("及时将协商意见、建议报送街道党工委、办事处决策参考。", "街道")
    assert "市委、市政府" in out.text and dropped(out)
