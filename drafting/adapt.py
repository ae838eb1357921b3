"""Adapting a past plan's sentence to the requesting body, level and year.

Every change is recorded, so the editor sees what was done: years filled, dated references
updated or flagged, another level's words replaced, other bodies' names replaced or turned
into a visible slot ``【待填：…】``.  Numbers are never touched.
"""
from __future__ import annotations

import re

from drafting.changes import PLACE_SUFFIX, SLOT, SLOT_RE, Adapted, Change, place_of, substitute
from drafting.level_words import LevelWording
from drafting.model import DraftRequest
from drafting.vocabulary import (
    _CONGRESS,
    _CONGRESS_AND_PLENUM,
    _FIVE_YEAR,
    five_year_plan,
    foreign_terms,
    party_congress,
)
from ingest.lexicon import dated_terms
from ingest.structure import find_foreign_names, find_placeholders

_TITLE = re.compile(r"(主席|委员长|书记|县长|市长|区长|镇长|主任)$")

__all__ = ["SLOT", "SLOT_RE", "Adapted", "Adapter", "Change", "place_of", "remaining_problems"]


class Adapter:
    """Adapts sentences for one request; reuse it for every sentence of a draft."""

    def __init__(self, request: DraftRequest):
        self.request = request
        self.year = request.year
        self.level = request.level
        self.place = place_of(request.org_name)
        self.parent_place = place_of(request.parent_body)
        self.wording = LevelWording(request, self.place, self.parent_place)

    def problems(self, text: str) -> list[str]:
        """What this draft's text must not contain (:func:`remaining_problems`), the requester's
        own words (a 界别 group's 全市) and names excepted."""
        return [p for p in remaining_problems(without_own_names(text, self.request), self.level)
                if not any(f"“{t}”" in p for t in self.wording.terms.values())]

    # -- the steps, in the order they run ------------------------------------------------------

    def adapt(self, text: str, source_level: str = "unknown", source_year: int | None = None, known_names: tuple[str, ...] | list[str] = (),
              *, own: bool = False) -> Adapted:
        """``known_names``: names ingest found in the source passage (香山街道 …); their stems
        (香山) are caught too, as in "香山花园".  ``own``: the text is from the requester's own
        plan (drafting.own): its names and level words are its own and stay."""
        changes: list[Change] = []
        text = self._years(text, source_year, changes)
        text = self._dated(text, changes)
        text = self._place_placeholders(text, changes)
        if not own:
            text = self._names(text, changes)
            text = self._stems(text, known_names, changes)
        text = self.wording.rewrite(text, self.level if own else source_level, changes)
        text = self._placeholders(text, changes)
        return Adapted(text, changes)

    def _years(self, text: str, source_year: int | None, changes: list[Change]) -> str:
        y = self.year
        # The source's own year first: a year written in by the steps below (去年 → the year
        # before the plan's, which may be the source's year) must not be moved again.
        if source_year:
            text = substitute(rf"{source_year}\s*年", f"{y}年", text, "year", changes, f"原计划年份{source_year}")
        text = substitute(r"20[xX×]{2}\s*年|201[xX]\s*年|20[_\-—]{1,4}\s*年|20[xX]\s*年", f"{y}年", text, "year", changes, "年份占位符")
        text = substitute(r"[_\-—]{2,}\s*年度|__年度", f"{y}年度", text, "year", changes, "年份占位符")
        text = substitute(r"今年|本年度", f"{y}年", text, "year", changes, "今年")
        text = substitute(r"明年", f"{y}年", text, "year", changes, "原计划所说的明年即计划年度")
        text = substitute(r"去年|上年", f"{y - 1}年", text, "year", changes, "上一年")
        return text

    def _dated(self, text: str, changes: list[Change]) -> str:
        """Congress, plenums, five-year plan and campaigns as the plan's year has them
        (data/references/dated.tsv): updated where the current term is known, the sentence
        dropped where it tells members to carry out what is over."""
        congress = party_congress(self.year)
        session = congress[2:-1] + "届"  # 党的二十大 → 二十届
        studies = f"{congress}和{session}历次全会精神"

        def plenum_repl(m: re.Match) -> str:
            if m.group(0) != studies:
                changes.append(Change("reference", m.group(0), studies, f"{self.year}年的计划学习{studies}"))
            return studies

        # "党的十九大和十九届四中全会精神", "十x届x中全会精神", "党的和十x届x中全会精神" (a site
        # removed the congress): one phrase, rewritten whole.
        # A site's empty brackets where a name was ("党的[]xx届"): nothing to keep.
        text = re.sub(r"\[\]|［］|【】|\(\)|（）", "", text)
        text = _CONGRESS_AND_PLENUM.sub(plenum_repl, text)
        text = re.sub(r"党的[、和及]?(?=党的)", "", text)  # "学习党的、党的二十大…": the site's gap closed

        def congress_repl(m: re.Match) -> str:
            if m.group(0) != congress:
                changes.append(Change("reference", m.group(0), congress, f"{self.year}年的计划学习{congress}精神"))
            return congress

        text = _CONGRESS.sub(congress_repl, text)
        # "全面贯彻落实党的精神": the site removed the congress's name; the year decides it.
        text = substitute(r"党的(?=(?:重要)?精神|和[^届]{0,3}届)", congress, text, "reference", changes, "原文缺党代会名称，按年份补全")
        fyp = five_year_plan(self.year)

        def fyp_repl(m: re.Match) -> str:
            quoted = m.group(0).startswith(("“", '"'))
            new = f"“{fyp}”" if quoted else fyp
            if m.group(0).strip("“”\"") != fyp:
                changes.append(Change("reference", m.group(0), new, f"{self.year}年属于{fyp}时期"))
            return new

        text = _FIVE_YEAR.sub(fyp_repl, text)
        for term in dated_terms():
            if term.pattern is None or term.current_for(self.year) or not term.pattern.search(text):
                continue
            if term.replace_with:
                text = substitute(term.pattern, term.replace_with, text, "reference", changes, term.note or f"“{term.term}”已不是{self.year}年的提法")
            else:
                for m in term.pattern.finditer(text):
                    changes.append(Change("drop", m.group(0), "", f"“{term.term}”不是{self.year}年的工作"))
        return text

    def _place_placeholders(self, text: str, changes: list[Change]) -> str:
        # "**镇" / "xx镇" stand for the writer's own place: the requester's place fills them.
        # This runs before the level words change, so "**镇政协" is not half-replaced.
        pattern = r"(?:\*\*|[xX]{2})(街道|镇|乡|县|区|市)(?:政协(?:委员会|工委|工作组|联络组)?)?"

        def repl(m: re.Match) -> str:
            body = m.group(0)[2:]
            if "政协" in body:
                new = self.request.org_name
            else:
                new = self.place or SLOT.format("地名")
            changes.append(Change("name_replaced" if not new.startswith("【") else "slot", m.group(0), new, "地名占位符"))
            return new

        return re.sub(pattern, repl, text)

    def _names(self, text: str, changes: list[Change]) -> str:
        for name in find_foreign_names(text):
            if self.place and name == self.place:
                continue
            if self.parent_place and name == self.parent_place:
                continue
            replacement = self._name_replacement(name, text)
            if replacement is None:
                continue
            kind = "slot" if replacement.startswith("【") else "name_replaced"
            text = substitute(re.escape(name), replacement, text, kind, changes, f"原文中的“{name}”是其他单位或地方的名称")
        return text

    def _stems(self, text: str, known_names, changes: list[Change]) -> str:
        own = {self.place or "", self.parent_place or ""}
        own_stems = {PLACE_SUFFIX.sub("", p) for p in own if p}
        for name in known_names:
            stem = PLACE_SUFFIX.sub("", name)
            if len(stem) < 2 or stem == name or stem in own_stems or name in own:
                continue
            if stem in text:
                text = substitute(re.escape(stem), SLOT.format("地名"), text, "slot", changes, f"“{stem}”取自其他地方的名称“{name}”")
        return text

    def _name_replacement(self, name: str, text: str = "") -> str | None:
        suffix = PLACE_SUFFIX.search(name)
        # "在常宁市政协的正确领导下": another place's 政协 above is the requester's parent body.
        if suffix and self.parent_place and suffix.group(1) in ("县", "区", "市") and f"{name}政协" in text:
            return self.parent_place
        own = self.place and PLACE_SUFFIX.search(self.place)
        if suffix and own and suffix.group(1) == own.group(1):
            return self.place
        parent = self.parent_place and PLACE_SUFFIX.search(self.parent_place)
        if suffix and parent and suffix.group(1) == parent.group(1):
            return self.parent_place
        if not suffix and _TITLE.search(name):
            return SLOT.format("领导姓名职务") if len(name) <= 4 else SLOT.format("地名或人名")
        if not suffix:
            return SLOT.format("地名或人名")
        return SLOT.format(f"{suffix.group(1)}名")

    def _placeholders(self, text: str, changes: list[Change]) -> str:
        rules: list[tuple[str, str, str]] = [
            (r"十[xX_]{1,2}大|[xX]{2}大", party_congress(self.year)[2:], "党代会占位符"),
            (r"\^v\^理论", "邓小平理论", "网站删去的“邓小平”"),
            (r"某某+", SLOT.format("名称"), "原文隐去的名称"),
            (r"[xX]{1,4}(?=件|次|个|项|人|名|篇)", SLOT.format("数量"), "数量占位符"),
            (r"[xX]{2,}", SLOT.format("名称"), "占位符"),
            (r"_{1,}(?=理论|新时代|会|就业|精神)", SLOT.format("名称"), "网站删去的词"),
            (r"[_]{2,}|[-]{2,}|—{2,}(?=[^—])", SLOT.format("名称"), "占位符"),
            (r"\*{3,}", SLOT.format("名称"), "占位符"),
        ]
        for pattern, repl, note in rules:
            kind = "slot" if repl.startswith("【") else ("reference" if "党代会" in note else "name_replaced")
            text = substitute(pattern, repl, text, kind, changes, note)
        # Anything still looking like a placeholder becomes a slot: a draft never shows 20xx or XX.
        for left in find_placeholders(SLOT_RE.sub("", text)):
            text = substitute(re.escape(left), SLOT.format("内容"), text, "slot", changes, "无法自动填写的占位符")
        return text


def without_own_names(text: str, request: DraftRequest) -> str:
    """``text`` with the requester's own name and its parent body's blanked out: a street body
    that calls itself 青溪街道政协联络组 has 政协联络组 in its name, which is another level's word
    anywhere else, and an item naming the body is not for that another level's."""
    for name in sorted({n for n in (request.org_name, request.parent_body) if n}, key=len, reverse=True):
        text = text.replace(name, "〇" * len(name))
    return text


def remaining_problems(text: str, level: str) -> list[str]:
    """What a finished draft text must not contain: placeholders and other levels' words."""
    problems = [f"占位符“{p}”" for p in find_placeholders(SLOT_RE.sub("", text))]
    problems += [f"其他层级用语“{t}”" for t in foreign_terms(level) if t in text]
    return problems
