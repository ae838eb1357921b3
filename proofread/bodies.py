"""Words that belong to another body: another level's words for itself (data/domain.json),
organs the requester's level does not have (data/lexicon/organs.tsv), the names the caller
says are someone else's, and places of the gazetteer that are not the requester's."""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.domain import LEVEL_ANSWERS_TO, LEVEL_TERMS
from ingest.lexicon import organs
from proofread.findings import Finding

# An organ named in a clause that speaks of a 政协 above (参加县政协常委会, 市政协相关委室,
# 区政协召开11届12次常委会议) or of a 人大 (县人大常委会) is not the requester's own.
_ABOVE_BODY = re.compile(r"(?:(?:[县区市省]|上级|全国)政协|人大)[^，。；：]*$")
# The organs only a full committee (县区 and up) has: its plenary, standing committee and
# chair's meetings, special committees, office and the bi-monthly consultation.  The table's
# other words (机关, 工作人员, 全体会议, 办公室负责 …) are as often the Party's, the government's
# or a meeting of any committee (镇党政机关, 市政府办公室负责, 委员会第一次全体会议), so they
# are not certain enough to mark.
_FULL_COMMITTEE_ORGANS = frozenset(
    "全委会 全体委员会议 常委会 常务委员会 主席会议 委室 专委会 专门委员会 政协办公室 双月协商座谈会".split()
)


# How far up a level stands.  A plan may say 我县 of the county it lies in (a township's
# writer often does), but never 我镇 of a county or 我街道 of a township: only the words of a
# level at or below the requester's rank are certain to be wrong.
_RANK = {"乡镇": 0, "街道": 0, "县区": 1, "市": 2, "省": 3}


@lru_cache(maxsize=None)
def _self_words(level: str) -> tuple[tuple[str, str], ...]:
    """(word, its level) of other levels' words for themselves (本镇, 我街道 …) that a plan of
    ``level`` cannot say of itself, longest first."""
    own = {w for words in LEVEL_TERMS.get(level, {}).values() for w in words} | set(LEVEL_ANSWERS_TO.get(level, ()))
    found = {}
    for other, groups in LEVEL_TERMS.items():
        if other == level or other not in _RANK or level not in _RANK or _RANK[other] > _RANK[level]:
            continue
        for w in groups.get("scope", ()):
            # Only the first-person forms are certain: 全县 may be the county a township serves.
            if w[0] in "我本" and w not in own and w not in ("本界别",):
                found.setdefault(w, other)
    return tuple(sorted(found.items(), key=lambda kv: -len(kv[0])))


def level_findings(text: str, level: str) -> list[Finding]:
    """Another level's self-reference words and organs the level lacks, in a plan of ``level``."""
    if level not in LEVEL_TERMS:
        return []
    from proofread.words import boundaries

    found = []
    taken: list[tuple[int, int]] = []
    cuts = boundaries(text)
    for word, other in _self_words(level):
        for m in re.finditer(re.escape(word), text):
            # 本区域 is a region, not 本区; 我镇政协 is the body itself, equally foreign.
            if m.start() not in cuts or m.end() not in cuts or any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append(m.span())
            found.append(Finding("level_word", m.start(), m.end(), word,
                                 f"“{word}”是{other}一级的自称，与本计划的层级（{level}）不符", "domain.json:scope", None))
    if level in ("乡镇", "街道"):
        for organ in organs():
            if level in organ.levels:
                continue
            for m in organ.pattern.finditer(text):
                if m.group(0) not in _FULL_COMMITTEE_ORGANS or _ABOVE_BODY.search(text[: m.start()]):
                    continue
                found.append(Finding("level_word", m.start(), m.end(), m.group(0),
                                     f"{level}的政协组织没有“{m.group(0)}”；如指上级政协或人大的，请写明是哪一级", "lexicon/organs.tsv", None))
    return found


def other_body_findings(text: str, other_bodies: tuple[str, ...], org_name: str | None) -> list[Finding]:
    """The names the caller gives as someone else's, and places not the requester's own."""
    found = []
    for name in sorted({n for n in other_bodies if n and n != org_name}, key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            found.append(Finding("other_body", m.start(), m.end(), name, f"“{name}”是其他单位的名称，不是本单位的", "context.other_bodies", None))
    if org_name:
        found.extend(_foreign_places(text, org_name))
    return found


def _foreign_places(text: str, org_name: str) -> list[Finding]:
    """Places of the gazetteer that are neither the requester's place nor above or below it.

    The requester's place is looked up in its name; when the name matches no place, or a place
    many divisions share (城关镇: 86), only another township or street is certain to be foreign
    to a township's or street's plan."""
    from ingest.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    own = [p for p in gazetteer.find(org_name) if p.level != "region"]
    known = [p for p in own if p.candidates == 1 and p.adcode]
    found = []
    for place in gazetteer.find(text):
        if place.level == "region" or place.name in org_name or place.full_name in org_name:
            continue
        if known:
            if any(_related(place.adcode, p.adcode) for p in known):
                continue
        elif not (own and own[-1].level in ("乡镇", "街道") and place.level in ("乡镇", "街道")):
            continue
        found.append(Finding("other_body", place.start, place.end, place.name,
                             f"“{place.name}”（{place.parent}{place.full_name if place.full_name != place.name else ''}）不是本单位所在地", "gazetteer", None))
    return found


def _related(a: str, b: str) -> bool:
    """Whether one division contains the other, by their codes (33 › 3305 › 330522 › 330522100)."""
    if not a or not b:
        return False
    pa, pb = _prefix(a), _prefix(b)
    return pa.startswith(pb) or pb.startswith(pa)


def _prefix(adcode: str) -> str:
    if len(adcode) > 6:
        return adcode
    code = adcode
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code
