"""Each level's own words (the table is data/domain.json), and the dated references a plan makes.

DOMAIN.md's table: a draft for one level must use that level's words, never another's.
"""
from __future__ import annotations

import re

from ingest.domain import LEVEL_ANSWERS_TO as _CHAIN_ABOVE
from ingest.domain import LEVEL_TERMS  # noqa: F401 - drafting reads the level words from here
from ingest.lexicon import current_term


def foreign_terms(level: str) -> list[str]:
    """Words of other levels that a draft for ``level`` must not contain, longest first."""
    own = {w for words in LEVEL_TERMS.get(level, {}).values() for w in words}
    allowed = own | set(_CHAIN_ABOVE.get(level, ()))
    terms: set[str] = set()
    for other, groups in LEVEL_TERMS.items():
        if other == level or other == "界别专委":
            continue
        for group in ("body", "party", "government", "scope", "leaders", "departments"):
            for w in groups[group]:
                if w not in allowed and not any(w in a for a in allowed if a != w):
                    terms.add(w)
    return sorted(terms, key=len, reverse=True)


def level_of_term(term: str, source_level: str | None = None) -> tuple[str, str] | None:
    """(level, group) of a vocabulary word, e.g. 镇党委 → (乡镇, party).  A word two levels use
    (市政协: a city's own name, a county's body above) is read as the source plan's level uses
    it, else as a level's word for itself rather than for the body above."""
    if source_level and term.endswith("政协") and term in _CHAIN_ABOVE.get(source_level, ()):
        return source_level, "above"  # a township plan's 市政协 is the 政协 it answers to
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
