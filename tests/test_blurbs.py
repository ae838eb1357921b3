"""A 范文 site's intros, outros, writing advice and link lists, in wordings the four sample
pages do not have (tests/data/blurbs, written by hand), are found by what they are: no chunk
holds them, a page of nothing else is no document, and the plans among them are kept whole."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.blurbs import is_blurb, is_blurb_only, is_link_heading, is_link_title
from ingest.pipeline import ingest_paths

BLURBS = Path(__file__).parent / "data" / "blurbs"
TOWN = (BLURBS / "plan_town.txt").read_text(encoding="utf-8").splitlines()
STREET = (BLURBS / "plan_street.txt").read_text(encoding="utf-8").splitlines()
# file → (the plan it carries, a page title the site put above it that may stay)
PAGES = {
    "site_ask.txt": (TOWN, None),
    "site_guide.md": (STREET, None),
    "site_intro_guide.txt": (TOWN, None),
    "site_two.html": (STREET, "# 街道政协工作要点"),
}
BLURB_ONLY = "site_only_blurb.txt"
# Words from the blurbs of these files (read off them by hand), none of which the plans use.
SITE_WORDS = (
    "怎么写", "本文", "本站", "一起来看看", "热门文章", "社区党支部工作计划", "小学安全工作计划", "写作",
    "导语", "小伙伴", "收藏", "感谢您的阅读", "点赞", "猜你感兴趣", "example.org", "网格员", "心得体会",
    "导读", "发愁", "可供借鉴", "网友投稿", "你可能还喜欢", "乡镇政协工作总结", "述职报告",
    "编辑推荐", "总纲", "精选", "读者", "看完这篇", "点击下方", "相关文章", "工会工作要点", "社区团委",
    "延伸阅读", "侵权", "范文",
)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    from vectorstore.embedder import HashingEmbedder
    from vectorstore.store import CorpusStore

    store = CorpusStore(tmp_path_factory.mktemp("blurbs") / "store", embedder=HashingEmbedder())
    files = sorted(p for p in BLURBS.iterdir() if p.name.startswith("site_"))
    report = ingest_paths(files, store, max_bytes=1 << 20)
    yield store, report
    store.close()


def _docs_of(store, name):
    return [d for d in store.documents() if Path(d.source).name == name]


def test_there_are_five_pages_in_other_wordings():
    assert len(PAGES) + 1 >= 5 and (BLURBS / BLURB_ONLY).exists()


def test_no_chunk_holds_a_blurb(ingested):
    store, _ = ingested
    chunks = store.chunks()
    assert chunks
    for chunk in chunks:
        assert not is_blurb(chunk.text), chunk.text
        found = [w for w in SITE_WORDS if w in chunk.text or any(w in h for h in chunk.heading_path)]
        assert found == [], (chunk.source, chunk.text)
    assert not any(u.signals and any(f.kind == "blurb" for f in u.signals) for u in store.units())


def test_a_page_of_only_blurbs_is_no_document(ingested):
    store, report = ingested
    assert _docs_of(store, BLURB_ONLY) == []
    errors = {Path(e["source"]).name: e["error"] for e in report.errors}
    assert errors == {BLURB_ONLY: "no text left after cleaning (only site furniture?)"}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_plan_on_each_page_is_kept_whole(ingested, name):
    store, _ = ingested
    body, page_title = PAGES[name]
    (doc,) = _docs_of(store, name)
    title, *lines = body
    assert doc.on_topic
    text_lines = doc.text.split("\n")
    # The plan's title is the document's title, or its first line of text.
    assert doc.title == title or title in text_lines
    assert [line for line in text_lines if line in lines] == lines  # every line, in order
    assert set(text_lines) - set(body) <= {page_title}  # and nothing of the site


def test_the_cues_are_about_what_blurbs_are_not_which_sentences():
    # Wordings found in none of the files above or the samples.
    for blurb in (
        "这篇政协工作计划写得很好，小编强烈推荐。",
        "如果您觉得本文不错，欢迎转发给需要的同事。",
        "【小贴士】计划的格式一般包括标题、正文和落款三部分。",
        "以上便是今天的全部分享。",
    ):
        assert is_blurb(blurb), blurb
    for plan in (
        "组织委员围绕乡村振兴开展专题调研，形成调研报告报镇党委参考。",
        "邀请县政协领导为委员授课，提高委员撰写提案的能力。",
        "加强与港澳台侨各界朋友的联系，广泛凝聚共识。",
    ):
        assert not is_blurb(plan), plan
    assert is_link_heading("## 看了本文的人还看了：") and is_link_heading("【相关推荐】")
    assert not is_link_heading("一、加强学习") and not is_link_heading("相关工作要求如下：各委员要按时参加。")
    assert is_link_title("2025年村委会工作计划（精选4篇）") and is_link_title("- [某某文章](https://a.b/c)")
    assert not is_link_title("一、加强委员学习，提高履职能力。")
    assert is_blurb_only("政协工作计划的写作方法\n写好工作计划，首先要吃透上级精神。")
    assert not is_blurb_only("\n".join(TOWN))


def test_a_run_of_page_titles_is_a_link_list_even_without_a_heading():
    from ingest.clean import clean_text

    page = "\n".join(TOWN + ["2026年社区党支部工作计划", "2025年小学安全工作计划（通用5篇）", "个人年度述职报告"])
    assert clean_text(page).split("\n") == TOWN
    # Where the splitter sees a document begin stays, though the site's word 范文 is in it.
    for marker in ("政协工作计划范文篇二", "## 乡镇政协工作计划范文"):
        assert clean_text(f"{marker}\n{TOWN[1]}").split("\n")[0] == marker


def test_a_plan_line_that_starts_like_a_link_heading_keeps_what_follows():
    from ingest.clean import clean_text

    for opener in ("相关要求", "最新情况", "更多举措"):
        page = "\n".join([TOWN[0], opener, "一、加强学习", "委员集中学习每季度一次。"])
        assert clean_text(page).split("\n")[-2:] == ["一、加强学习", "委员集中学习每季度一次。"], opener
