"""A level's words for itself, its Party committee, its government, its area and the 政协
above it: a sentence from another level's plan is rewritten in the requester's.

The words are data (drafting.vocabulary.LEVEL_TERMS, data/lexicon/organs.tsv); this module
holds the rules that apply them.
"""
from __future__ import annotations

import re

from drafting.changes import PLACE_SUFFIX, Change, substitute, substitute_with, substitute_words
from drafting.model import DraftRequest
from drafting.vocabulary import LEVEL_TERMS, foreign_terms, level_of_term
from ingest.lexicon import organs

# A sector's name (教育界, 经济界); words that only end in 界 are no sector.
_SECTOR = re.compile(r"([\u4e00-\u9fff]{2})界(?![别限线])")
_NOT_SECTORS = {"世界", "境界", "眼界", "边界", "外界", "各界", "视界", "业界", "新界"}
_LED_BY_BOTH = re.compile(r"在([\u4e00-\u9fff]{0,8}?(?:党委|党工委|[县区市省]委))和([\u4e00-\u9fff]{0,8}?政协)的(?:正确)?领导下")
_BARE_STREET = re.compile(r"街道(?!党工委|办事处|政协|工委|联络|联组)")
# The short names of township and street bodies: in any other body's plan they name somebody else.
_BASE_BODIES = ("联络组", "联络处", "联委会", "政协工作组", "政协委员活动小组")
# An organ named by the body above is that body's, not the requester's ("参加县政协全委会").
_ABOVE_BODY = re.compile(r"(?:[县区市省]|上级|全国)政协$")
# "关注街道经济" in a county's plan is "关注全县经济", not "关注县经济".
_WHOLE_AREA_BEFORE = re.compile(r"经济|社会|重大|重点|中心工作|发展|改革|的")
# The level a 政协 above is at, from its place's last character.
_LEVEL_OF_SUFFIX = {"市": "市", "县": "县区", "区": "县区", "省": "省"}


class LevelWording:
    """The level-word rules for one request."""

    def __init__(self, request: DraftRequest, place: str | None, parent_place: str | None):
        self.request = request
        self.level = request.level
        self.place = place
        self.parent_place = parent_place
        terms = LEVEL_TERMS.get(self.level, {})
        self.terms = {group: _pick(words, self.place) for group, words in terms.items() if words}
        if self.level == "界别专委" and parent_place:
            # A sector group works inside its 政协's area: 东阳市政协's group serves 市委 and
            # 全市, and its plan is guided by 东阳市政协.
            suffix = PLACE_SUFFIX.search(parent_place)
            parent_level = _LEVEL_OF_SUFFIX.get(suffix.group(1)) if suffix else None
            if parent_level:
                for group in ("party", "government", "scope", "leaders", "departments"):
                    self.terms[group] = _pick(LEVEL_TERMS[parent_level][group], parent_place)
                self.terms["above"] = _pick(LEVEL_TERMS[parent_level]["body"], parent_place)
        # A 界别 group's borrowed words (全市, 市委) are its own, not another level's.
        self.foreign = [t for t in foreign_terms(self.level) if t not in self.terms.values()]
        # What may stand before another body's title and goes with it: a level word, or the
        # requester's own place put there by the name step.
        # (Its stem too: 青溪 before 街道政协工委.)
        ours = [place, PLACE_SUFFIX.sub("", place)] if place else []
        self._own_place = "".join(re.escape(w) + "|" for w in sorted({w for w in ours if len(w) >= 2}, key=len, reverse=True))
        self._body_prefix = "(?:" + self._own_place + r"街道|[镇乡县区市省])?"

    def rewrite(self, text: str, source_level: str, changes: list[Change]) -> str:
        """``text`` (from a plan of ``source_level``) in the requester's level words."""
        text = self._township_words(text, changes)
        if source_level == "乡镇":
            text = self._bare_township(text, changes)
        # A bare 街道 in a street's plan speaks of the writer's own area ("关注街道经济"): in a
        # plan of another level it is the requester's own area word (a township's bare 镇: above).
        # Named streets (香山街道) were replaced with the names before this runs.
        if source_level == "街道" and self.level != "街道":
            area = self._area_word()
            if area:
                text = substitute_with(_BARE_STREET, lambda m: _area_phrase(area, m.string[m.end():], m.string[:m.start()]), text, "原文是街道的计划，“街道”指其本级", changes)
            else:
                # A 界别 has no area of its own: "关注街道经济" cannot be said of it at all.
                for m in _BARE_STREET.finditer(text):
                    changes.append(Change("drop", m.group(0), "", "原文说的是街道本地的事务"))
        # Words of another level map to the same role at this level: 镇党委 → 街道党工委.
        for term in self.foreign:
            if term not in text:
                continue
            found = level_of_term(term, source_level)
            if found is None:
                continue
            _, group = found
            target = self.terms.get(group)
            if group == "body" and self.request.org_name:
                target = self.request.org_name
            if not target:
                continue
            # The name is replaced whole: "街道政协联络处" never becomes "街道白沙镇政协工作组", nor
            # "青溪街道政协工委" (a named street, already given the requester's place) "青溪青溪街道…".
            pattern = (self._body_prefix if group == "body" else "") + re.escape(term)
            text = substitute_words(pattern, target, text, "vocabulary", changes, f"“{term}”是其他层级的用语")
        # The source's words for itself become the requester's: a city plan's 市政协 / 市委 /
        # 全市, reused for a district, become the district's own.
        if source_level in LEVEL_TERMS and source_level != self.level and source_level != "界别专委":
            for group in ("body", "party", "government", "scope", "leaders", "departments"):
                target = self.request.org_name if group == "body" else self.terms.get(group)
                for word in sorted(LEVEL_TERMS[source_level][group], key=len, reverse=True):
                    if target and word in text and word != target and word not in LEVEL_TERMS[self.level][group]:
                        prefix = self._body_prefix if group == "body" else ""
                        text = substitute_words(prefix + re.escape(word), target, text, "vocabulary", changes, f"原文是{source_level}的计划，“{word}”指其本级")
        # The 政协 above: a township's 县政协 becomes a street's 区政协.
        above = self.terms.get("above")
        if above and source_level in LEVEL_TERMS and source_level != self.level:
            for word in LEVEL_TERMS[source_level]["above"]:
                if word != above and word in text and word not in LEVEL_TERMS[self.level]["body"]:
                    text = substitute(re.escape(word), above, text, "vocabulary", changes, "上级政协随层级改变")
        # The body above is the requester's own parent: 宁海县政协's township says 县政协, not 区政协.
        parent = self.parent_place and PLACE_SUFFIX.search(self.parent_place)
        if parent and parent.group(1) in ("县", "区", "市"):
            ours = parent.group(1) + "政协"
            above_words = LEVEL_TERMS.get(self.level, {}).get("above", ())
            if self.level in ("乡镇", "街道"):
                above_words = tuple(dict.fromkeys(above_words + ("县政协", "区政协", "市政协")))
            for word in above_words:
                if len(word) >= 3 and word != ours and word in text:
                    text = substitute(re.escape(word), ours, text, "vocabulary", changes, f"上级是{self.request.parent_body}")
        if self.level in ("县区", "市", "省"):
            # "在市委和市政协的领导下" said by the 市政协 itself: it does not lead itself.
            own = "|".join(re.escape(w) for w in LEVEL_TERMS[self.level]["body"])
            text = substitute(rf"和(?:{own})(?=的(?:正确)?领导)", "", text, "vocabulary", changes, "本级政协不是自己的领导")
        # The Party committee leads; the 政协 above guides (指导): "在镇党委和县政协的领导下"
        # becomes "在镇党委的领导和县政协的指导下".
        text = substitute_with(_LED_BY_BOTH, lambda m: f"在{m.group(1)}的领导和{m.group(2)}的指导下", text, "上级政协对本级是指导关系", changes)
        if self.level in ("乡镇", "街道", "界别专委"):
            text = substitute(r"(?<=[县区市]政协)的(?:正确)?领导下", "的指导下", text, "vocabulary", changes, "上级政协对本级是指导关系")
        if self.level == "乡镇":
            # A township has no 政协 of its own, only its group: "我镇政协" is the requester.
            text = substitute(r"我[镇乡]政协|(?<![\u4e00-\u9fff])[镇乡]政协(?!委员)", self.request.org_name, text, "vocabulary", changes, "乡镇只设政协工作组（联络组）")
        if self.level == "界别专委":
            text = self._sector(text, source_level, changes)
        elif source_level == "界别专委":
            # A sector's plan (教育界) speaks of that sector's members and field: not a place's plan.
            for sector in _sectors(text):
                changes.append(Change("drop", sector, "", "其他界别的工作"))
        if self.level == "街道":
            # A street serves its 党工委 and 办事处; it has no 政府 and no 党委.
            text = substitute(r"(?<=[委、和])政府", "办事处", text, "vocabulary", changes, "街道没有政府，是街道办事处")
            text = substitute(r"(?<![工\u4e00-\u9fff]{2})(?<!工)党委(?=[、和，的])|(?<!工)党委(?=[、和]办事处)", "党工委", text, "vocabulary", changes, "街道是党工委")
        if self.level in ("县区", "市", "省", "界别专委"):
            # "报送区委、政府": the government beside the Party committee is the level's own.
            government = self.terms.get("government")
            if government and self.terms.get("party"):
                text = substitute(rf"(?<={re.escape(self.terms['party'])}[、和])政府", government, text, "vocabulary", changes, f"本级政府是{government}")
        if self.level != "界别专委":
            # The requester's own body by its own name: a 工作组 does not speak of 联络组's files,
            # nor a 区政协 of a township's 联络组.
            org = self.request.org_name
            words = set(_BASE_BODIES)
            if self.level in ("乡镇", "街道"):
                # A township or street body has many names; a 县政协 saying 县政协 says its own.
                words |= {w for w in LEVEL_TERMS[self.level]["body"] if not w.startswith(("镇", "乡"))}
                words |= {w[2:] for w in words if w.startswith("政协") and len(w) >= 5}  # 联络组 for 政协联络组
            # The requester's own name is kept aside, so "东湖街道政协工委" is not taken for
            # another body's "街道政协工委".
            text = text.replace(org, "\0")
            for word in sorted(words, key=len, reverse=True):
                if len(word) >= 3 and word in text:
                    text = substitute(rf"(?:{self._own_place}街道)?" + re.escape(word), org, text, "vocabulary", changes, f"本单位是{org}")
                    text = text.replace(org, "\0")
            text = text.replace("\0", org)
        # "按照县、镇党委统一部署" become "县、市委": a pair of levels, one of them ours — keep ours.
        party = self.terms.get("party")
        if party:
            text = substitute(rf"[县区市镇乡]、(?={re.escape(party)})", "", text, "vocabulary", changes, "上级与本级并称，只留本级")
        self._organs(text, changes)
        return text

    def _organs(self, text: str, changes: list[Change]) -> None:
        """A sentence that gives the requester an organ its level lacks (a township's 机关, a
        界别 group's 委室) is not its work: it is dropped (data/lexicon/organs.tsv)."""
        for organ in organs():
            if self.level in organ.levels:
                continue
            for m in organ.pattern.finditer(text):
                if not _ABOVE_BODY.search(text[max(0, m.start() - 5): m.start()]):
                    changes.append(Change("drop", m.group(0), "", f"{self.level}的政协组织没有{organ.name}"))

    def _bare_township(self, text: str, changes: list[Change]) -> str:
        """A township plan's bare 镇 / 乡 ("围绕镇重大项目建设") is its own area: in another
        level's plan, the requester's area word; a sector group has no area, so the sentence goes."""
        import jieba

        area = self._area_word()
        bare = {"镇", "乡"} - ({area} if self.level == "乡镇" else set())  # a 镇's own 镇 stays
        out, pos = [], 0
        for word, start, end in jieba.tokenize(text):
            # 镇村两级, 镇域 are the township level itself, not its area.
            if word in bare and text[end:end + 1] not in ("村", "乡", "镇", "街", "域", "级"):
                if area:
                    phrase = _area_phrase(area, text[end:], text[:start])
                    out.append(text[pos:start] + phrase)
                    changes.append(Change("vocabulary", word, phrase, "原文是乡镇的计划，“镇”指其本级"))
                else:
                    out.append(text[pos:end])
                    changes.append(Change("drop", word, "", "原文说的是乡镇本地的事务"))
                pos = end
        return "".join(out) + text[pos:]

    def _sector(self, text: str, source_level: str, changes: list[Change]) -> str:
        """A 界别's plan speaks of its own sector only; another sector's work (教育界 for an
        经济界别) and a place's affairs (全市经济发展) are not its to plan: the sentence goes."""
        own = re.search(r"([\u4e00-\u9fff]{2})界", self.request.org_name or "")
        for sector in _sectors(text):
            if not (own and sector[:2] == own.group(1)):
                changes.append(Change("drop", sector, "", "其他界别的工作"))
        if source_level in LEVEL_TERMS and source_level != "界别专委":
            ours = set(self.terms.values())
            for word in LEVEL_TERMS[source_level]["scope"] + LEVEL_TERMS[source_level]["government"]:
                if word in text and word not in ours:
                    changes.append(Change("drop", word, "", f"“{word}”说的是{source_level}本地的事务"))
        return text

    def _area_word(self) -> str | None:
        """The one-character word for the requester's own area: 镇, 乡, 县, 区, 市, 省."""
        m = self.place and PLACE_SUFFIX.search(self.place)
        if self.level == "界别专委":
            m = self.parent_place and PLACE_SUFFIX.search(self.parent_place)  # its 政协's area
            return m.group(1) if m and m.group(1) != "街道" else None
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
                text = substitute(re.escape(word), word.replace(other, own), text, "vocabulary", changes, f"本单位是{own}，不用“{word}”")
        text = substitute(f"依法治{other}", f"依法治{own}", text, "vocabulary", changes, f"本单位是{own}")
        return substitute(f"{other}党政(?=[，。、的])", f"{own}党政", text, "vocabulary", changes, f"本单位是{own}")


def _sectors(text: str) -> list[str]:
    """The sectors ``text`` names (教育界, 经济界), words that only end in 界 (世界, 各界) left out."""
    return [m.group(0) for m in _SECTOR.finditer(text) if m.group(1)[-1:] + "界" not in _NOT_SECTORS]


def _pick(words: tuple[str, ...], place: str | None) -> str:
    """The level word that fits the requester's place: 区委 for 鼓楼区, 县委 for 长兴县, 乡党委 for a 乡."""
    if place:
        suffix = re.search(r"(镇|乡|县|区|市|省)$", place)
        if suffix:
            for w in words:
                if suffix.group(1) in w:
                    return w
    return words[0] if words else ""


def _area_phrase(area: str, following: str, before: str = "") -> str:
    """The requester's area word where a township or street plan said its own bare 镇 / 街道
    (not after 我 / 本 / 全, which already make it whole: 我镇经济 → 我县经济)."""
    whole = len(area) == 1 and _WHOLE_AREA_BEFORE.match(following) and not before.endswith(("我", "本", "全"))
    return ("全" + area) if whole else area
