"""Each level's own words, and the dated references a plan makes — kept in one place.

DOMAIN.md's table: a draft for one level must use that level's words, never another's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# What each level calls itself, the Party and government bodies it serves, its scope words,
# and the 政协 above it.  The first entry of each list is the one a draft writes.
LEVEL_TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    "乡镇": {
        "body": ("政协工作组", "政协联络组", "政协委员活动小组", "政协工作小组", "镇政协委员会", "乡政协委员会", "乡镇政协", "镇政协", "乡政协"),
        "party": ("镇党委", "乡党委"),
        "government": ("镇政府", "乡政府"),
        "scope": ("全镇", "全乡", "我镇", "我乡", "本镇", "本乡", "镇内", "乡内"),
        "above": ("县政协", "区政协"),
    },
    "街道": {
        "body": ("街道政协工委", "政协联络处", "政协联组", "街道联组", "地区联委会", "政协联委", "联委会", "政协工委"),
        "party": ("街道党工委", "街道工委"),
        "government": ("街道办事处",),
        "scope": ("全街道", "本街道", "我街道", "街道内"),
        "above": ("区政协",),
    },
    "县区": {
        "body": ("县政协", "区政协"),
        "party": ("县委", "区委"),
        "government": ("县政府", "区政府"),
        "scope": ("全县", "全区", "我县", "我区", "本县", "本区"),
        "above": ("市政协",),
    },
    "市": {
        "body": ("市政协",),
        "party": ("市委",),
        "government": ("市政府",),
        "scope": ("全市", "我市", "本市"),
        "above": ("省政协",),
    },
    "省": {
        "body": ("省政协",),
        "party": ("省委",),
        "government": ("省政府",),
        "scope": ("全省", "我省", "本省"),
        "above": ("全国政协",),
    },
    "界别专委": {
        "body": ("本界别", "界别活动组", "专委会"),
        "party": ("党委",),
        "government": ("政府",),
        "scope": ("本界别", "界别内"),
        "above": ("政协",),
    },
}

# The bodies a level answers to may be named in its plans ("在县政协的指导下").
_CHAIN_ABOVE: dict[str, tuple[str, ...]] = {
    "乡镇": ("县委", "区委", "县政府", "区政府", "县政协", "区政协", "市政协", "市委"),
    "街道": ("区委", "区政府", "区政协", "县委", "县政府", "县政协", "市委", "市政协"),
    "县区": ("市委", "市政府", "市政协", "省政协", "省委"),
    "市": ("省委", "省政府", "省政协", "全国政协"),
    "省": ("全国政协", "中共中央"),
    "界别专委": ("县政协", "区政协", "市政协", "省政协", "全国政协", "区委", "县委", "市委"),
}


def foreign_terms(level: str) -> list[str]:
    """Words of other levels that a draft for ``level`` must not contain, longest first."""
    own = {w for words in LEVEL_TERMS.get(level, {}).values() for w in words}
    allowed = own | set(_CHAIN_ABOVE.get(level, ()))
    terms: set[str] = set()
    for other, groups in LEVEL_TERMS.items():
        if other == level or other == "界别专委":
            continue
        for group in ("body", "party", "government", "scope"):
            for w in groups[group]:
                if w not in allowed and not any(w in a for a in allowed if a != w):
                    terms.add(w)
    return sorted(terms, key=len, reverse=True)


def level_of_term(term: str) -> tuple[str, str] | None:
    """(level, group) of a vocabulary word, e.g. 镇党委 → (乡镇, party)."""
    for level, groups in LEVEL_TERMS.items():
        for group, words in groups.items():
            if term in words:
                return level, group
    return None


# --- time-bound references -------------------------------------------------------------------


@dataclass(frozen=True)
class DatedReference:
    """A phrase that belongs to some years only."""

    pattern: str  # regular expression
    first_year: int | None  # first plan year it fits (None: open)
    last_year: int | None  # last plan year it fits (None: open)
    replace_with: str | None  # what to write for a year it does not fit; None means flag only
    note: str


def party_congress(year: int) -> str:
    """The 党代会 whose spirit a plan for ``year`` studies (held in autumn: 二十大 in Oct 2022)."""
    number = 18 + (year - 2013) // 5 if year >= 2013 else 17
    return "党的" + _cn_ordinal(number) + "大"


def five_year_plan(year: int) -> str:
    """十四五 for 2021–2025, 十五五 for 2026–2030."""
    number = 11 + (year - 2006) // 5
    return _cn_ordinal(number) + "五"


def _cn_ordinal(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return digits[tens] + "十" + (digits[ones] if ones else "")


# Campaigns and formulas of a particular period.  A plan for another year must not tell
# members to study them as current; they are replaced where the modern equivalent is clear,
# and flagged for the editor otherwise.
DATED_REFERENCES: tuple[DatedReference, ...] = (
    DatedReference(r"以邓小平理论、“三个代表”重要思想(?:和|、)科学发展观为指导", None, 2017,
                   "以习近平新时代中国特色社会主义思想为指导", "2017年后的计划以习近平新时代中国特色社会主义思想为指导"),
    DatedReference(r"以“三个代表”重要思想为指导", None, 2012, "以习近平新时代中国特色社会主义思想为指导", "“三个代表”作为唯一指导思想的提法已过时"),
    DatedReference(r"(?:邓小平|_|\^v\^)?理论(?:和|、)“三个代表”重要?思想(?:以及|和|、)科学发展观", None, 2017,
                   "习近平新时代中国特色社会主义思想", "2017年后的学习内容以习近平新时代中国特色社会主义思想为主"),
    DatedReference(r"(?:深入贯彻|认真)落实科学发展观", None, 2012, "深入贯彻落实新发展理念", "科学发展观是十八大前的提法"),
    DatedReference(r"党的群众路线教育实践活动", 2013, 2014, None, "群众路线教育实践活动在2013—2014年开展"),
    DatedReference(r"“两学一做”学习教育", 2016, 2017, None, "“两学一做”学习教育在2016—2017年开展"),
    DatedReference(r"“不忘初心、牢记使命”主题教育", 2019, 2020, None, "“不忘初心、牢记使命”主题教育在2019—2020年开展"),
    DatedReference(r"党史学习教育", 2021, 2022, None, "党史学习教育在2021年开展"),
    DatedReference(r"疫情防控|防控狙击", 2020, 2022, None, "疫情防控工作属于2020—2022年"),
    DatedReference(r"脱贫攻坚", None, 2020, "巩固拓展脱贫攻坚成果", "脱贫攻坚在2020年底完成"),
    DatedReference(r"新农村建设|社会主义新农村", None, 2017, "乡村振兴", "2017年起以乡村振兴战略代替新农村建设的提法"),
    DatedReference(r"栗战书委员长", 2018, 2022, None, "领导人职务有任期"),
)

_CONGRESS = re.compile(r"党的(?:十[八九]|二十[一二]?|十[_xX]{1,2}|[xX_]{2}|十)大|[“\"](?:十[八九]|十[_xX]{1,2})大[”\"]")
_FIVE_YEAR = re.compile(r"[“\"]?(?:十[一二三四五六]|十[xX_])五[”\"]?(?=规划|时期|期间|开局|末)")
_PLENUM = re.compile(r"(?:党的)?(?:十[八九]|二十|十[xX_]+|[xX_\-—]+)届(?:(?:(?:[一二三四五六七]|[xX_]+)中)+|[xX_\-—]+)全会")
