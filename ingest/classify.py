"""What a document is: its level, kind, year, organisation, and whether it is about 政协 at all.

Site labels lie (a page titled 乡镇政协工作计划 holds a city's 协商计划 and a 人大 summary), so
every judgement here comes from the document's own wording.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# Words a body uses of itself and of those it serves, with weights (data/domain.json).
from ingest.domain import LEVEL_WORDS

KIND_CUES: dict[str, tuple[str, ...]] = {
    "讲话": ("尊敬的", "大家好", "谢谢大家", "同志们"),
    "总结": ("半年来", "一年来", "今年以来", "过去的一年", "取得了", "工作总结", "一定的成绩", "先后", "共收到",
             "较好地", "圆满完成", "回顾", "如下：二、主要工作"),
    "计划": ("计划", "将", "年内", "全年", "力争", "拟", "要", "继续"),
    "协商计划": ("时间安排", "协商内容", "组织实施", "协商议题", "协商形式"),
    "other": ("会议纪要", "会议时间", "会议地点", "摘要", "路径探析", "通常包括", "意见"),
}

# 政协 words: a document about 政协 work uses several of them.
_ZX_WORDS = ("政协", "委员", "协商", "提案", "参政议政", "民主监督", "界别", "建言献策")
_RENDA_WORDS = ("人大", "委员长", "社会建设委", "立法", "执法检查", "人大代表")
_GOV_WORDS = ("社区", "居民", "城市管理", "计划生育", "扶贫", "执政能力", "政府更务实", "综治", "志愿服务")

_YEAR = re.compile(r"(20\d\d)\s*年")


@dataclass
class Classification:
    level: str
    year: int | None
    kind: str
    org_name: str | None
    on_topic: bool
    topic_reason: str


def classify(text: str, title: str | None = None) -> Classification:
    """Level, year, kind, organisation and topic of one document."""
    on_topic, reason = topic(text)
    return Classification(
        level=level(text),
        year=year(text, title),
        kind=kind(text, title),
        org_name=org_name(text),
        on_topic=on_topic,
        topic_reason=reason,
    )


def level(text: str) -> str:
    scores = {name: sum(text.count(w) * weight for w, weight in words.items()) for name, words in LEVEL_WORDS.items()}
    # Words of one level that contain another's ("街道政协工委" contains "政协工委") are counted once each,
    # which is what we want: both say 街道.
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 3 else "unknown"


def kind(text: str, title: str | None = None) -> str:
    head = (title or "") + text[:200]
    count = {k: sum(text.count(c) for c in cues) for k, cues in KIND_CUES.items()}
    if count["讲话"] >= 2 or any(c in head for c in ("尊敬的", "大家好")):
        return "讲话"
    if any(c in head for c in ("会议纪要", "会议时间", "摘要", "路径探析")) or (title and "意见" in title):
        return "other"
    if count["协商计划"] >= 3:
        return "协商计划"
    if title and "要点" in title:
        return "要点"
    past = count["总结"] + text.count("了") / 8
    future = count["计划"]
    if count["总结"] >= 2 and past >= future * 0.6:
        return "总结"
    # Plans say 将/要; summaries say 了.  A title that calls itself a plan (not a site's
    # "…篇一" label, which often lies) outweighs the tense.
    per_k = 1000 / max(len(text), 1)
    le, will = text.count("了") * per_k, (text.count("将") + text.count("要")) * per_k
    title_says_plan = bool(title and "计划" in title and not re.search(r"篇|计划书\d", title))
    if le >= 3.8 and will <= le + 1 and not title_says_plan:
        return "总结"
    if future < 3 and count["总结"] == 0 and "通常包括" not in text and not title:
        return "other"
    if "通常包括" in text:
        return "other"
    return "计划"


def year(text: str, title: str | None = None) -> int | None:
    """The year the document is for, when it states one (20xx and the like give None)."""
    m = re.search(r"(20\d\d)(?!\d)", title or "") or _YEAR.search(text)
    return int(m.group(1)) if m else None


def org_name(text: str) -> str | None:
    """The body the document names as itself or as its place ("香山街道政协工委"), if any."""
    from ingest.structure import find_foreign_names

    head = text[:1500]
    for name in find_foreign_names(head):
        m = re.search(re.escape(name) + r"(政协(?:工委|联络处|联组|工作组|联络组|委员会|办公室)?)", head)
        if m:
            return name + m.group(1)
    return None


def topic(text: str) -> tuple[bool, str]:
    """Whether a document is about 政协 work, with the reason in a few words."""
    zx = sum(text.count(w) for w in _ZX_WORDS)
    zx_core = text.count("政协")
    renda = sum(text.count(w) for w in _RENDA_WORDS)
    gov = sum(text.count(w) for w in _GOV_WORDS)
    per_k = 1000 / max(len(text), 200)
    if renda >= 2 and renda > zx_core:
        return False, f"人大的工作（人大类用语{renda}处，政协仅{zx_core}处）"
    if zx_core == 0 and zx < 3:
        if gov:
            return False, f"政府或社区工作（社区/居民等用语{gov}处，未提政协）"
        return False, "未提到政协工作"
    if gov > zx * 1.5 and zx_core <= 1:
        return False, f"以政府或社区工作为主（{gov}处），政协仅{zx_core}处"
    return True, f"政协工作（政协类用语{zx}处，每千字{zx * per_k:.0f}处）"
