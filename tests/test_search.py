"""Hybrid search: filters, families, diversity, the lexical index following the store, and the
LangChain retriever — over the real sample store, plus fast checks on a fake-embedder store."""
from __future__ import annotations

import pytest

from ingest.pipeline import ingest_paths
from vectorstore.glossary import expand
from vectorstore.retriever import PlanRetriever
from vectorstore.search import LEVEL_NEIGHBOURS, SearchFilters, Searcher

pytestmark = pytest.mark.slow


def test_a_street_query_returns_street_passages_first(sample_searcher):
    results = sample_searcher.search("街道政协工委加强委员学习", k=8, filters=SearchFilters(level="街道"))
    levels = [r.level for r in results]
    assert levels and levels[0] == "街道"
    # Exact level first, then neighbours, never the other way round.
    tiers = [r.level_tier for r in results]
    assert tiers == sorted(tiers)
    assert {r.level for r in results if r.level_tier == 1} <= set(LEVEL_NEIGHBOURS["街道"])


def test_too_little_at_a_level_falls_back_to_neighbours(sample_searcher, sample_store):
    province = [d for d in sample_store.documents() if d.level == "省"]
    results = sample_searcher.search("组织委员视察调研", k=5, filters=SearchFilters(level="省"))
    assert len(results) == 5
    if not province:
        assert all(r.level_tier > 0 for r in results)
    assert not sample_searcher.search("组织委员视察调研", k=5, filters=SearchFilters(level="省", fallback=False)) or province


def test_off_topic_documents_never_appear(sample_searcher, sample_store):
    off = {d.id for d in sample_store.documents() if not d.on_topic}
    assert off
    # Queries that match the off-topic texts (a 人大 committee, a 社区 plan) best.
    for query in ("社会建设委员会社会救助调研", "合理优化社区布局，拓展社区公共服务", "计划生育服务管理"):
        for level in (None, "乡镇", "市"):
            results = sample_searcher.search(query, k=10, filters=SearchFilters(level=level))
            assert not {r.doc_id for r in results} & off
    everything = sample_searcher.search("合理优化社区布局", k=3, filters=SearchFilters(on_topic_only=False))
    assert {r.doc_id for r in everything} & off


def test_a_near_duplicate_family_appears_once(sample_searcher, sample_store):
    chunks = sample_store.chunks()
    docs = {d.id: d for d in sample_store.documents()}
    members: dict[str, list] = {}
    for c in chunks:
        if docs[c.doc_id].on_topic:
            members.setdefault(c.family_id or c.id, []).append(c)
    # The corpus's most-copied on-topic passage (the same paragraph in several files).
    family, copies = max(members.items(), key=lambda kv: len(kv[1]))
    assert len(copies) >= 3 and len({c.source for c in copies}) >= 2
    results = sample_searcher.search(copies[0].text[:80], k=5)
    assert [r.family_id for r in results].count(family) == 1
    top = next(r for r in results if r.family_id == family)
    # The copies not shown are listed with their own provenance.
    assert {m.chunk_id for m in top.also_in} | {top.chunk_id} == {c.id for c in copies}
    assert {m.source for m in top.also_in} | {top.source} == {c.source for c in copies}
    families = [r.family_id for r in results]
    assert len(families) == len(set(families))


def test_filters_by_kind_role_and_year(sample_searcher):
    for r in sample_searcher.search("协商议题 时间安排 组织实施", k=5, filters=SearchFilters(kinds=("协商计划",))):
        assert r.kind == "协商计划"
    for r in sample_searcher.search("加强学习", k=5, filters=SearchFilters(section_role="学习")):
        assert r.section_role == "学习"
    for r in sample_searcher.search("政协工作", k=5, filters=SearchFilters(year_from=2020, year_to=2024)):
        assert r.year is not None and 2020 <= r.year <= 2024


def test_pasted_sentence_comes_first_and_plain_words_find_official_ones(sample_searcher):
    sentence = "继续开展以优化服务环境为主要内容的民主评议活动"
    assert sentence in sample_searcher.search(sentence, k=1)[0].text
    assert "提案" in expand("书面建议怎么写") and "民主评议" in expand("给部门打分")


def test_langchain_retriever(sample_searcher):
    retriever = PlanRetriever(searcher=sample_searcher, k=3, filters=SearchFilters(level="乡镇"))
    docs = retriever.invoke("镇党委重视政协工作")
    assert len(docs) == 3
    assert all(d.page_content and d.metadata["chunk_id"] and d.metadata["doc_title"] for d in docs)


def test_the_lexical_index_follows_reingest_and_remove(tmp_path, hashing_store):
    searcher = Searcher(hashing_store)
    plan = tmp_path / "plan.txt"
    plan.write_text("一、加强学习\n组织委员赴青松镇考察学习。\n二、做好协商\n围绕镇党委中心工作开展协商。\n", encoding="utf-8")
    ingest_paths([plan], hashing_store, max_bytes=1 << 20)
    assert "青松镇" in searcher.search("青松镇考察", k=1, mode="bm25")[0].text
    plan.write_text("一、加强学习\n组织委员赴白石乡考察学习。\n二、做好协商\n围绕镇党委中心工作开展协商。\n", encoding="utf-8")
    ingest_paths([plan], hashing_store, max_bytes=1 << 20)
    hits = searcher.search("青松镇考察", k=3, mode="bm25")
    assert all("青松镇" not in h.text for h in hits)
    assert "白石乡" in searcher.search("白石乡考察", k=1, mode="bm25")[0].text
    hashing_store.remove_source(str(plan.resolve()))
    assert searcher.search("白石乡考察", k=3, mode="bm25") == []
    assert hashing_store.chunk_tokens() == {}


def test_a_fallback_tier_whose_scores_all_scale_to_zero_still_fills_the_results(tmp_path, hashing_store):
    """Scaled scores: the weakest candidate scores 0, and it may be all a neighbour tier holds."""
    street = tmp_path / "street.txt"
    street.write_text("城南街道政协工委2025年工作计划\n一、加强学习\n组织政协委员集中学习，学习政协章程，每季度学习一次。\n", encoding="utf-8")
    town = tmp_path / "town.txt"
    town.write_text("青松镇政协工作组2025年工作计划\n一、做好协商\n围绕镇党委中心工作开展政协协商，组织委员学习。\n", encoding="utf-8")
    ingest_paths([street, town], hashing_store, max_bytes=1 << 20)
    for doc in hashing_store.documents():  # pinned by hand: this test is about tiers, not classification
        hashing_store.set_override(doc.id, "level", "街道" if "城南" in doc.title else "乡镇")
    hits = Searcher(hashing_store).search("政协委员集中学习", k=2, filters=SearchFilters(level="街道"), mode="bm25")
    assert [h.level for h in hits] == ["街道", "乡镇"]


def test_a_passage_chunked_two_ways_appears_once_with_its_other_copy_listed(tmp_path, hashing_store):
    """One plan has the paragraph as a section of its own, another inside a longer section:
    too unlike as wholes for a near-duplicate family, yet the same passage."""
    passage = "坚持每季度组织政协委员集中学习一次，重点学习人民政协理论、政协章程和有关法律法规，提高委员的政治把握能力和参政议政水平。"
    short = tmp_path / "short.txt"
    short.write_text(f"白石镇政协工作组2025年工作计划\n一、加强学习\n{passage}\n二、做好协商\n围绕镇党委中心工作开展政协协商。\n", encoding="utf-8")
    long = tmp_path / "long.txt"
    long.write_text(
        "青松镇政协工作组2024年工作计划\n一、加强学习，提高履职能力\n"
        f"{passage}\n"
        "组织委员外出考察学习，开阔视野，学习外地发展经验，全年安排两次，由镇政协工作组统一组织。\n"
        "建立委员学习档案，记录每位委员参加学习的情况，年终进行通报，并作为评先评优的依据之一。\n"
        "二、做好协商\n围绕镇党委中心工作开展政协协商。\n",
        encoding="utf-8",
    )
    ingest_paths([short, long], hashing_store, max_bytes=1 << 20)
    chunks = [c for c in hashing_store.chunks() if passage in c.text]
    assert len(chunks) == 2 and len({c.family_id or c.id for c in chunks}) == 2, "the family test is not what finds these"
    hits = Searcher(hashing_store).search(passage, k=5)
    holding = [h for h in hits if passage in h.text]
    assert len(holding) == 1
    listed = {m.chunk_id for m in holding[0].also_in}
    assert {c.id for c in chunks} - {holding[0].chunk_id} <= listed
