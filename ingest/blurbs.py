"""A 范文 site's own words around the plans it lists: intros, outros, writing advice, copyright
notices and lists of links to other pages.

Recognised by what they are (data/lexicon/blurb_cues.tsv: they talk to "大家" and the reader,
offer 范文, advise on writing; data/lexicon/link_lists.tsv: a heading that offers more reading
and lines that are other pages' titles), never by the sample pages' exact sentences.
``ingest.clean`` drops such lines; ``ingest.pipeline`` drops a document that is nothing else;
``ingest.quality`` marks a unit that still holds some.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.lexicon import blurb_cues, read_table
from ingest.split import glued_title, is_marker
from ingest.textkit import LINE_NUMBERING, SENTENCE_OR_LINE_END

# A document whose text is at least this share (by characters) of blurb sentences is no plan.
BLURB_ONLY_SHARE = 0.6


def blurb_score(text: str) -> int:
    return sum(cue.weight for cue in blurb_cues() if cue.pattern.search(text))


def is_blurb(text: str) -> bool:
    """The 范文 site's own words: addressed to readers, offering 范文, advising on writing."""
    return blurb_score(text) >= 2


# A title is short and holds no sentence; one cue is enough to make it the site's
# ("政协工作计划的写作方法", "# 工作要点写作指导").
_TITLE_MAX = 30
_SENTENCE_MARK = re.compile(r"[。，；！？,;!?]")


def is_blurb_line(line: str) -> bool:
    """A whole line of the site's words: a blurb sentence, or a title about writing or 范文."""
    bare = line.strip().lstrip("#").strip()
    score = blurb_score(bare)
    if score >= 2:
        return True
    if score < 1 or len(bare) > _TITLE_MAX or _SENTENCE_MARK.search(bare):
        return False
    # "政协工作计划范文篇一", "政协工作计划范文": where the splitter sees a document begin.
    return not (is_marker(bare) or glued_title(bare))


@lru_cache(maxsize=None)
def _link_patterns() -> dict[str, tuple[re.Pattern[str], ...]]:
    rows = read_table("lexicon/link_lists.tsv")
    kinds = ("heading", "reading", "title")
    return {kind: tuple(re.compile(r["pattern"]) for r in rows if r["kind"] == kind) for kind in kinds}


def _bare(line: str) -> str:
    return line.strip().lstrip("#").strip().strip("【】[]").rstrip("：:").strip()


def is_link_heading(line: str) -> bool:
    """"相关推荐", "## 猜你感兴趣：", "【延伸阅读】": the line that opens a list of links."""
    bare = _bare(line)
    patterns = _link_patterns()
    return (0 < len(bare) <= 16 and any(p.match(bare) for p in patterns["heading"])
            and any(p.search(bare) for p in patterns["reading"]))


def is_link_title(line: str) -> bool:
    """A line that is only another page's title (or a Markdown link): an item of a link list."""
    bare = line.strip().lstrip("#").strip()
    return any(p.match(bare) for p in _link_patterns()["title"])


# Under a link heading any short line without a sentence is an item ("社区疫苗接种安排").
_ITEM_MAX = 40


def is_link_item(line: str) -> bool:
    """A line under a link heading that is another page's title."""
    bare = line.strip().lstrip("#-*•· ").strip()
    if LINE_NUMBERING.match(bare):  # 一、 （一） 1. : the plan's own numbering, not a link
        return False
    return is_link_title(line) or (0 < len(bare) <= _ITEM_MAX and not _SENTENCE_MARK.search(bare))


def is_blurb_only(text: str) -> bool:
    """Whether a document is nothing but the site's words (or a title and such words)."""
    sentences = [s.strip() for s in SENTENCE_OR_LINE_END.split(text) if s and s.strip()]
    if not sentences:
        return True
    total = sum(len(s) for s in sentences)
    site = sum(len(s) for s in sentences if blurb_score(s) >= 1 or is_link_title(s) or is_link_heading(s))
    return site >= BLURB_ONLY_SHARE * total
