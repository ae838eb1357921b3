"""References that were current in another year than the plan's: data/references/dated.tsv,
the one table drafting adapts by (ingest.lexicon.dated_terms)."""
from __future__ import annotations

import re

from ingest.lexicon import DatedTerm, current_term, dated_terms
from proofread.findings import Finding

_SOURCE = "references/dated.tsv"
# 党的十九大 / “十九大”: a congress by its numeral.
_CONGRESS = re.compile(r"(?:党的)?(十[六七八九]|二十[一二]?)大")
# 十九届四中全会, 十九届二中、三中全会, 十九届历次全会: plenums by their Central Committee's numeral.
_PLENUM = re.compile(r"(十[六七八九]|二十[一二]?)届(?:(?:[一二三四五六七八九]中[、和及]?)+全会|历次全会)")
# 十四五 / “十四五”, as a period or its plan.
_FIVE_YEAR = re.compile(r"[“\"]?(十[一二三四五六七])五[”\"]?(?=规划|时期|期间|开局|末|发展|目标|[”\"]|以来|收官)")
# Looking back at a past term is history, not a task: 党的十八大以来, “十四五”圆满收官, 十三五时期取得的成就.
_LOOKING_BACK = re.compile(r"[”\"]?(?:规划|时期|期间)?(?:以来|圆满收官|收官|[^，。；]{0,4}(?:成就|成果|经验))")


def outdated_findings(text: str, year: int) -> list[Finding]:
    """Every reference in ``text`` that a plan for ``year`` would not make."""
    found = []
    for term in dated_terms():
        # A plan covers its whole year: a campaign that begins in it (党史学习教育, Feb 2021)
        # is a task of a 2021 plan although the table dates the plan at the turn of the year.
        if term.pattern is None or term.current_for(year) or term.start.year == year:
            continue
        for m in term.pattern.finditer(text):
            # The table's replacement is a phrase for a rewritten sentence, not a certain fix of
            # these characters (打赢脱贫攻坚战 does not become 打赢巩固拓展脱贫攻坚成果战).
            advice = f"，可改为“{term.replace_with}”的提法" if term.replace_with else ""
            found.append(_finding(m, f"“{m.group(0)}”{_when(term)}，不是{year}年的提法{advice}", None))
    congress = current_term("congress", year)
    for m in _CONGRESS.finditer(text):
        name = f"党的{m.group(1)}大"
        term = _named("congress", name)
        if term is None or term is congress or _LOOKING_BACK.match(text, m.end()):
            continue
        if term.start.year == year and congress is not None:
            continue  # the congress of the plan's own year: a plan prepares for it (迎接党的二十大)
        found.append(_finding(m, f"{year}年的计划应学习{congress.term if congress else '当时的党代会'}精神，“{m.group(0)}”已不是当年的提法", None))
    session = _session(congress)
    for m in _PLENUM.finditer(text):
        if m.group(1) == session or _LOOKING_BACK.match(text, m.end()):
            continue
        found.append(_finding(m, f"“{m.group(0)}”不是{session or ''}届中央委员会的全会，{year}年的计划不再以其为学习内容", None))
    fyp = current_term("fyp", year)
    for m in _FIVE_YEAR.finditer(text):
        name = m.group(1) + "五"
        term = _named("fyp", name)
        if term is None or term is fyp or _LOOKING_BACK.match(text, m.end()):
            continue
        if term.start.year == year + 1:
            continue  # the next plan's period, which the last year of a period prepares (谋划“十五五”)
        current = fyp.term if fyp else ""
        fix = m.group(0).replace(name, current) if current and term.start < fyp.start else None
        found.append(_finding(m, f"{year}年属于“{current}”时期，“{name}”不是当年的提法", fix))
    return found


def _named(kind: str, name: str) -> DatedTerm | None:
    return next((t for t in dated_terms() if t.kind == kind and t.term == name), None)


def _session(congress: DatedTerm | None) -> str | None:
    """党的二十大 → 二十: the numeral of the Central Committee it elected."""
    return congress.term[2:-1] if congress else None


def _when(term: DatedTerm) -> str:
    if term.until is None:
        return f"始于{term.start.year}年"
    if term.start.year == term.until.year:
        return f"属于{term.start.year}年"
    return f"属于{term.start.year}—{term.until.year}年"


def _finding(m: re.Match, message: str, fix: str | None) -> Finding:
    return Finding("outdated", m.start(), m.end(), m.group(0), message, _SOURCE, fix)
