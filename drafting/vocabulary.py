"""Each level's own words, and the dated references a plan makes — kept in one place.

DOMAIN.md's table: a draft for one level must use that level's words, never another's.
"""
from __future__ import annotations

import re

from ingest.lexicon import current_term

# What each level calls itself, the Party and government bodies it serves, its scope words,
# its leaders, and the 政协 above it.  The first entry of each list is the one a draft writes.
LEVEL_TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    "乡镇": {
        "body": ("政协工作组", "政协联络组", "政协委员活动小组", "政协工作小组", "镇政协委员会", "乡政协委员会", "乡镇政协", "镇政协", "乡政协"),
        "party": ("镇党委", "乡党委"),
        "government": ("镇政府", "乡政府"),
        "scope": ("全镇", "全乡", "我镇", "我乡", "本镇", "本乡", "镇内", "乡内"),
        "leaders": ("镇领导", "乡领导"),
        "above": ("县政协", "区政协"),
    },
    "街道": {
        "body": ("街道政协工委", "政协联络处", "政协联组", "街道联组", "地区联委会", "政协联委", "联委会", "政协工委"),
        "party": ("街道党工委", "街道工委"),
        "government": ("街道办事处",),
        "scope": ("全街道", "本街道", "我街道", "街道内"),
        "leaders": ("街道领导",),
        "above": ("区政协",),
    },
    "县区": {
        "body": ("县政协", "区政协"),
        "party": ("县委", "区委"),
        "government": ("县政府", "区政府"),
        "scope": ("全县", "全区", "我县", "我区", "本县", "本区"),
        "leaders": ("县领导", "区领导"),
        "above": ("市政协",),
    },
    "市": {
        "body": ("市政协",),
        "party": ("市委",),
        "government": ("市政府",),
        "scope": ("全市", "我市", "本市"),
        "leaders": ("市领导",),
        "above": ("省政协",),
    },
    "省": {
        "body": ("省政协",),
        "party": ("省委",),
        "government": ("省政府",),
        "scope": ("全省", "我省", "本省"),
        "leaders": ("省领导",),
        "above": ("全国政协",),
    },
    "界别专委": {
        "body": ("本界别", "界别活动组", "专委会"),
        "party": ("党委",),
        "government": ("政府",),
        "scope": ("本界别", "界别内"),
        "leaders": (),
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
        for group in ("body", "party", "government", "scope", "leaders"):
            for w in groups[group]:
                if w not in allowed and not any(w in a for a in allowed if a != w):
                    terms.add(w)
    return sorted(terms, key=len, reverse=True)


def level_of_term(term: str, source_level: str | None = None) -> tuple[str, str] | None:
    """(level, group) of a vocabulary word, e.g. 镇党委 → (乡镇, party).  A word two levels use
    (市政协: a city's own name, a county's body above) is read as the source plan's level uses
    it, else as a level's word for itself rather than for the body above."""
    found = [(level, group) for level, groups in LEVEL_TERMS.items() for group, words in groups.items() if term in words]
    found.sort(key=lambda lg: (lg[0] != source_level, lg[1] == "above"))
    return found[0] if found else None


# --- time-bound references -------------------------------------------------------------------


def party_congress(year: int) -> str:
    """The 党代会 whose spirit a plan for ``year`` studies (data/references/dated.tsv)."""
    term = current_term("congress", year)
    return term.term if term else "党的十八大"


def five_year_plan(year: int) -> str:
    """十四五 for 2021–2025, 十五五 for 2026–2030 (data/references/dated.tsv)."""
    term = current_term("fyp", year)
    return term.term if term else "十二五"


_CONGRESS = re.compile(r"党的(?:十[八九]|二十[一二]?|十[_xX]{1,2}|[xX_]{2}|十)大|[“\"](?:十[八九]|十[_xX]{1,2})大[”\"]")
_FIVE_YEAR = re.compile(r"[“\"]?(?:十[一二三四五六]|十[xX_])五[”\"]?(?=规划|时期|期间|开局|末)")
_SESSION = r"(?:十[八九]|二十|十[xX_]+|[xX_\-—]+)届"
_PLENUMS = r"(?:(?:[一二三四五六七]|[xX_]+)中[、和及]?)+全会"
# "党的十九大和十九届二中、三中全会精神", "党的和十x届x中全会精神", "十八届三中全会精神",
# "十x届x中全会" — rewritten whole, so no half of the phrase is left behind.
_CONGRESS_AND_PLENUM = re.compile(
    rf"(?:(?:党的)?(?:(?:十[八九]|二十|十[xX_]{{1,2}}|[xX_]{{2}})大)?(?:和|及|以及)?)?(?:党的)?{_SESSION}(?:{_PLENUMS}|[xX_\-—]+全会|历次全会)(?:精神)?"
)
