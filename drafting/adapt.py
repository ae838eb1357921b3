"""Adapting a past plan's sentence to the requesting body, level and year.

Every change is recorded, so the editor sees what was done: years filled, dated references
updated or flagged, another level's words replaced, other bodies' names replaced or turned
into a visible slot ``【待填：…】``.  Numbers are never touched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafting.model import DraftRequest
from drafting.vocabulary import (
    _CONGRESS,
    _CONGRESS_AND_PLENUM,
    _FIVE_YEAR,
    LEVEL_TERMS,
    five_year_plan,
    foreign_terms,
    level_of_term,
    party_congress,
)
from ingest.lexicon import dated_terms
from ingest.structure import find_foreign_names, find_placeholders

SLOT = "【待填：{}】"
SLOT_RE = re.compile(r"【待填：[^】]*】")
_PLACE_SUFFIX = re.compile(r"(街道|镇|乡|县|区|市|省)$")
# A sector's name (教育界, 经济界); words that only end in 界 are no sector.
_SECTOR = re.compile(r"([\u4e00-\u9fff]{2})界(?![别限线])")
_NOT_SECTORS = {"世界", "境界", "眼界", "边界", "外界", "各界", "视界", "业界", "新界"}
_LED_BY_BOTH = re.compile(r"在([\u4e00-\u9fff]{0,8}?(?:党委|党工委|[县区市省]委))和([\u4e00-\u9fff]{0,8}?政协)的(?:正确)?领导下")
_BARE_STREET = re.compile(r"街道(?!党工委|办事处|政协|工委|联络|联组)")
_TITLE = re.compile(r"(主席|委员长|书记|县长|市长|区长|镇长|主任)$")


@dataclass
class Change:
    kind: str  # a DraftWarning kind: slot, name_replaced, vocabulary, year, reference
    before: str
    after: str
    note: str = ""


@dataclass
class Adapted:
    text: str
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def place_of(org_name: str | None) -> str | None:
    """香山街道政协工委 → 香山街道; 吴中区政协 → 吴中区."""
    if not org_name:
        return None
    m = re.match(r"^(.{1,8}?(?:街道|镇|乡|县|区|市|省))", org_name)
    return m.group(1) if m else None


class Adapter:
    """Adapts sentences for one request; reuse it for every sentence of a draft."""

    def __init__(self, request: DraftRequest):
        self.request = request
        self.year = request.year
        self.level = request.level
        self.place = place_of(request.org_name)
        self.parent_place = place_of(request.parent_body)
        terms = LEVEL_TERMS.get(self.level, {})
        self.terms = {group: _pick(words, self.place) for group, words in terms.items()}
        self._foreign = foreign_terms(self.level)

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
        text = self._vocabulary(text, self.level if own else source_level, changes)
        text = self._placeholders(text, changes)
        return Adapted(text, changes)

    def _sub(self, pattern: str | re.Pattern, repl: str, text: str, kind: str, changes: list[Change], note: str = "") -> str:
        def _one(m: re.Match) -> str:
            changes.append(Change(kind, m.group(0), repl, note))
            return repl

        return re.sub(pattern, _one, text)

    def _sub_fn(self, pattern: re.Pattern, repl, text: str, note: str, changes: list[Change]) -> str:
        def _one(m: re.Match) -> str:
            new = repl(m)
            changes.append(Change("vocabulary", m.group(0), new, note))
            return new

        return pattern.sub(_one, text)

    def _years(self, text: str, source_year: int | None, changes: list[Change]) -> str:
        y = self.year
        text = self._sub(r"20[xX×]{2}\s*年|201[xX]\s*年|20[_\-—]{1,4}\s*年|20[xX]\s*年", f"{y}年", text, "year", changes, "年份占位符")
        text = self._sub(r"[_\-—]{2,}\s*年度|__年度", f"{y}年度", text, "year", changes, "年份占位符")
        text = self._sub(r"今年|本年度", f"{y}年", text, "year", changes, "今年")
        text = self._sub(r"明年", f"{y}年", text, "year", changes, "原计划所说的明年即计划年度")
        text = self._sub(r"去年|上年", f"{y - 1}年", text, "year", changes, "上一年")
        if source_year:
            text = self._sub(rf"{source_year}\s*年", f"{y}年", text, "year", changes, f"原计划年份{source_year}")
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
        text = re.sub(r"党的(?=党的)", "", text)

        def congress_repl(m: re.Match) -> str:
            if m.group(0) != congress:
                changes.append(Change("reference", m.group(0), congress, f"{self.year}年的计划学习{congress}精神"))
            return congress

        text = _CONGRESS.sub(congress_repl, text)
        # "全面贯彻落实党的精神": the site removed the congress's name; the year decides it.
        text = self._sub(r"党的(?=(?:重要)?精神|和[^届]{0,3}届)", congress, text, "reference", changes, "原文缺党代会名称，按年份补全")
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
                text = self._sub(term.pattern, term.replace_with, text, "reference", changes, term.note or f"“{term.term}”已不是{self.year}年的提法")
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
            text = self._sub(re.escape(name), replacement, text, kind, changes, f"原文中的“{name}”是其他单位或地方的名称")
        return text

    def _stems(self, text: str, known_names, changes: list[Change]) -> str:
        own = {self.place or "", self.parent_place or ""}
        own_stems = {_PLACE_SUFFIX.sub("", p) for p in own if p}
        for name in known_names:
            stem = _PLACE_SUFFIX.sub("", name)
            if len(stem) < 2 or stem == name or stem in own_stems or name in own:
                continue
            if stem in text:
                text = self._sub(re.escape(stem), SLOT.format("地名"), text, "slot", changes, f"“{stem}”取自其他地方的名称“{name}”")
        return text

    def _name_replacement(self, name: str, text: str = "") -> str | None:
        suffix = _PLACE_SUFFIX.search(name)
        # "在常宁市政协的正确领导下": another place's 政协 above is the requester's parent body.
        if suffix and self.parent_place and suffix.group(1) in ("县", "区", "市") and f"{name}政协" in text:
            return self.parent_place
        own = self.place and _PLACE_SUFFIX.search(self.place)
        if suffix and own and suffix.group(1) == own.group(1):
            return self.place
        parent = self.parent_place and _PLACE_SUFFIX.search(self.parent_place)
        if suffix and parent and suffix.group(1) == parent.group(1):
            return self.parent_place
        if not suffix and _TITLE.search(name):
            return SLOT.format("领导姓名职务") if len(name) <= 4 else SLOT.format("地名或人名")
        if not suffix:
            return SLOT.format("地名或人名")
        return SLOT.format(f"{suffix.group(1)}名")

    def _vocabulary(self, text: str, source_level: str, changes: list[Change]) -> str:
        text = self._township_words(text, changes)
        # A bare 街道 / 镇 in a source of that level speaks of the writer's own area ("关注街道
        # 经济"): in a plan of another level it is the requester's own area word.
        area = self._area_word()
        if source_level in ("街道", "乡镇") and source_level != self.level and area:
            # Named streets (香山街道) were replaced with the names before this runs.
            if source_level == "街道":
                text = self._sub(_BARE_STREET, area, text, "vocabulary", changes, "原文是街道的计划，“街道”指其本级")
        elif source_level == "街道" and self.level != "街道":
            # A 界别 has no area of its own: "关注街道经济" cannot be said of it at all.
            for m in _BARE_STREET.finditer(text):
                changes.append(Change("drop", m.group(0), "", "原文说的是街道本地的事务"))
        # Words of another level map to the same role at this level: 镇党委 → 街道党工委.
        for term in self._foreign:
            if term not in text:
                continue
            found = level_of_term(term)
            if found is None:
                continue
            _, group = found
            target = self.terms.get(group)
            if group == "body" and self.request.org_name:
                target = self.request.org_name
            if not target:
                continue
            # The name is replaced whole: "街道政协联络处" never becomes "街道白沙镇政协工作组".
            pattern = (r"(?:街道|[镇乡县区市省])?" if group == "body" else "") + re.escape(term)
            text = self._sub(pattern, target, text, "vocabulary", changes, f"“{term}”是其他层级的用语")
        # The source's words for itself become the requester's: a city plan's 市政协 / 市委 /
        # 全市, reused for a district, become the district's own.
        if source_level in LEVEL_TERMS and source_level != self.level and source_level != "界别专委":
            for group in ("body", "party", "government", "scope"):
                target = self.request.org_name if group == "body" else self.terms.get(group)
                for word in sorted(LEVEL_TERMS[source_level][group], key=len, reverse=True):
                    if target and word in text and word != target and word not in LEVEL_TERMS[self.level][group]:
                        prefix = r"(?:街道|[镇乡县区市省])?" if group == "body" else ""
                        text = self._sub(prefix + re.escape(word), target, text, "vocabulary", changes, f"原文是{source_level}的计划，“{word}”指其本级")
        # The 政协 above: a township's 县政协 becomes a street's 区政协.
        above = self.terms.get("above")
        if above and source_level in LEVEL_TERMS and source_level != self.level:
            for word in LEVEL_TERMS[source_level]["above"]:
                if word != above and word in text and word not in LEVEL_TERMS[self.level]["body"]:
                    text = self._sub(re.escape(word), above, text, "vocabulary", changes, "上级政协随层级改变")
        # The body above is the requester's own parent: 宁海县政协's township says 县政协, not 区政协.
        parent = self.parent_place and _PLACE_SUFFIX.search(self.parent_place)
        if parent and parent.group(1) in ("县", "区", "市"):
            ours = parent.group(1) + "政协"
            above_words = LEVEL_TERMS.get(self.level, {}).get("above", ())
            if self.level in ("乡镇", "街道"):
                above_words = tuple(dict.fromkeys(above_words + ("县政协", "区政协", "市政协")))
            for word in above_words:
                if len(word) >= 3 and word != ours and word in text:
                    text = self._sub(re.escape(word), ours, text, "vocabulary", changes, f"上级是{self.request.parent_body}")
        if self.level in ("县区", "市", "省"):
            # "在市委和市政协的领导下" said by the 市政协 itself: it does not lead itself.
            own = "|".join(re.escape(w) for w in LEVEL_TERMS[self.level]["body"])
            text = self._sub(rf"和(?:{own})(?=的(?:正确)?领导)", "", text, "vocabulary", changes, "本级政协不是自己的领导")
        # The Party committee leads; the 政协 above guides (指导): "在镇党委和县政协的领导下"
        # becomes "在镇党委的领导和县政协的指导下".
        text = self._sub_fn(_LED_BY_BOTH, lambda m: f"在{m.group(1)}的领导和{m.group(2)}的指导下", text, "上级政协对本级是指导关系", changes)
        if self.level in ("乡镇", "街道", "界别专委"):
            text = self._sub(r"(?<=[县区市]政协)的(?:正确)?领导下", "的指导下", text, "vocabulary", changes, "上级政协对本级是指导关系")
        if self.level == "乡镇":
            # A township has no 政协 of its own, only its group: "我镇政协" is the requester.
            text = self._sub(r"我[镇乡]政协|(?<![\u4e00-\u9fff])[镇乡]政协(?!委员)", self.request.org_name, text, "vocabulary", changes, "乡镇只设政协工作组（联络组）")
        if self.level == "界别专委":
            text = self._sector(text, source_level, changes)
        if self.level == "街道":
            # A street serves its 党工委 and 办事处; it has no 政府 and no 党委.
            text = self._sub(r"(?<=[委、和])政府", "办事处", text, "vocabulary", changes, "街道没有政府，是街道办事处")
            text = self._sub(r"(?<![工\u4e00-\u9fff]{2})(?<!工)党委(?=[、和，的])", "党工委", text, "vocabulary", changes, "街道是党工委")
        if self.level in ("乡镇", "街道"):
            # The requester's own body by its own name: a 工作组 does not speak of 联络组's files.
            org = self.request.org_name
            words = {w for w in LEVEL_TERMS[self.level]["body"] if not w.startswith(("镇", "乡"))}
            words |= {w[2:] for w in words if w.startswith("政协") and len(w) >= 5}  # 联络组 for 政协联络组
            for word in sorted(words, key=len, reverse=True):
                if len(word) >= 3 and word in text and word not in org:
                    text = self._sub(r"(?:街道)?" + re.escape(word), org, text, "vocabulary", changes, f"本单位是{org}")
        # "按照县、镇党委统一部署" become "县、市委": a pair of levels, one of them ours — keep ours.
        party = self.terms.get("party")
        if party:
            text = self._sub(rf"[县区市镇乡]、(?={re.escape(party)})", "", text, "vocabulary", changes, "上级与本级并称，只留本级")
        return text

    def _sector(self, text: str, source_level: str, changes: list[Change]) -> str:
        """A 界别's plan speaks of its own sector only; another sector's work (教育界 for an
        经济界别) and a place's affairs (全市经济发展) are not its to plan: the sentence goes."""
        own = re.search(r"([\u4e00-\u9fff]{2})界", self.request.org_name or "")
        for m in _SECTOR.finditer(text):
            if m.group(1)[-1:] + "界" in _NOT_SECTORS or (own and m.group(1) == own.group(1)):
                continue
            changes.append(Change("drop", m.group(0), "", "其他界别的工作"))
        if source_level in LEVEL_TERMS and source_level != "界别专委":
            for word in LEVEL_TERMS[source_level]["scope"] + LEVEL_TERMS[source_level]["government"]:
                if word in text:
                    changes.append(Change("drop", word, "", f"“{word}”说的是{source_level}本地的事务"))
        return text

    def _area_word(self) -> str | None:
        """The one-character word for the requester's own area: 镇, 乡, 县, 区, 市, 省."""
        m = self.place and _PLACE_SUFFIX.search(self.place)
        if m and m.group(1) != "街道":
            return m.group(1)
        return {"乡镇": "镇", "县区": "县", "市": "市", "省": "省"}.get(self.level)

    def _township_words(self, text: str, changes: list[Change]) -> str:
        """A 镇's plan speaks of 镇党委 / 全镇 / 依法治镇, a 乡's of 乡党委 / 全乡 — never the other's."""
        if self.level != "乡镇":
            return text
        own = self._area_word()
        other = {"镇": "乡", "乡": "镇"}.get(own or "")
        if not other:
            return text
        words = {w for group in LEVEL_TERMS["乡镇"].values() for w in group if other in w and "乡镇" not in w}
        for word in sorted(words, key=len, reverse=True):
            if word in text:
                text = self._sub(re.escape(word), word.replace(other, own), text, "vocabulary", changes, f"本单位是{own}，不用“{word}”")
        text = self._sub(f"依法治{other}", f"依法治{own}", text, "vocabulary", changes, f"本单位是{own}")
        return self._sub(f"{other}党政(?=[，。、的])", f"{own}党政", text, "vocabulary", changes, f"本单位是{own}")

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
            text = self._sub(pattern, repl, text, kind, changes, note)
        # Anything still looking like a placeholder becomes a slot: a draft never shows 20xx or XX.
        for left in find_placeholders(SLOT_RE.sub("", text)):
            text = self._sub(re.escape(left), SLOT.format("内容"), text, "slot", changes, "无法自动填写的占位符")
        return text


def _pick(words: tuple[str, ...], place: str | None) -> str:
    """The level word that fits the requester's place: 区委 for 鼓楼区, 县委 for 长兴县, 乡党委 for a 乡."""
    if place:
        suffix = re.search(r"(镇|乡|县|区|市|省)$", place)
        if suffix:
            for w in words:
                if suffix.group(1) in w:
                    return w
    return words[0]


def remaining_problems(text: str, level: str) -> list[str]:
    """What a finished draft text must not contain: placeholders and other levels' words."""
    problems = [f"占位符“{p}”" for p in find_placeholders(SLOT_RE.sub("", text))]
    problems += [f"其他层级用语“{t}”" for t in foreign_terms(level) if t in text]
    return problems
