"""Whose document is this: the 政协 body a plan is by, as one normalised key.

The same body is written many ways: 上城区政协, 政协杭州市上城区委员会, 杭州市上城区政协委员会,
中国人民政治协商会议杭州市上城区委员会; a street's body is its 政协工委, 政协联络处 or 政协联组;
a township's its 政协工作组, 联络组 or 委员活动小组.  All of them are one body, keyed by its
innermost place and what it is: ``上城区政协``, ``香山街道政协``.  A 界别 or 专委会 is a part of its
政协: ``上城区政协/经济界``; it belongs to that body.  Inside its own plan a body calls itself
区政协 or 我区政协: a generic name, which says nothing about whose plan it is.

Ingest computes each document's body once (``document_body``) and the store keeps it; drafting
compares keys (``same_body``) and never parses names again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.quality import Finding

# A place word: a few characters and an administrative suffix.  Longer suffixes first.
_SUFFIXES = "自治区|自治州|自治县|特别行政区|街道|地区|省|市|州|盟|县|区|旗|镇|乡"
# 杭州市: the 州 of 杭州 is no suffix when 市 follows it.
_PLACE = rf"[\u4e00-\u9fff]{{1,6}}?(?:{_SUFFIXES})(?![市州盟县])"
# Characters a place name does not start with: 全区, 我区, 在区, 本镇, 各街道 are no names.
_NOT_A_START = set("全我本该各每在和与及的对向为由经按据同跟把被将从是到于并或即此其")
_NOT_PLACES = {"城区", "市区", "郊区", "社区", "新区", "园区", "景区", "街区", "辖区", "片区", "地区", "山区", "乡镇", "城乡", "县区", "县市"}
# What a body (or its part) is called after its place.
_STREET_OR_TOWN = r"工作委员会|工委|联络处|联络组|联组|工作组|委员活动小组|活动小组"
_PART = r"(?P<part>[\u4e00-\u9fff]{1,8}?界别|[\u4e00-\u9fff]{1,8}?界|[\u4e00-\u9fff]{2,8}?委员会|[\u4e00-\u9fff]{2,6}?委)"
_FULL = re.compile(
    rf"(?:中国人民政治协商会议|政协)(?P<places>(?:{_PLACE}){{1,4}})委员会(?:{_PART}(?![\u4e00-\u9fff]*?工作计划书))?"
)
_SHORT = re.compile(
    rf"(?P<places>(?:{_PLACE}){{1,4}})(?:人民)?政协(?:委员会)?(?:{_STREET_OR_TOWN})?(?:{_PART})?"
)
_ONE_PLACE = re.compile(_PLACE)
# Parts of a 政协 that are not its 界别 or 专委会: words that follow a body's name in a sentence.
_NOT_PARTS = ("常委", "主席会", "党组", "机关", "办公室", "全委", "委员会议", "常务委", "工作委")


@dataclass(frozen=True)
class Body:
    """A 政协 body: ``key`` (上城区政协, or 上城区政协/经济界 for a part) and the name as written."""

    key: str
    name: str
    place: str  # innermost place: 上城区

    @property
    def body_key(self) -> str:
        """The key of the whole body, a part's own 政协 (上城区政协/经济界 → 上城区政协)."""
        return self.key.split("/", 1)[0]

    @property
    def part(self) -> str | None:
        return self.key.split("/", 1)[1] if "/" in self.key else None

    @property
    def level(self) -> str:
        """The level of the body (DOMAIN.md's table), from its place word."""
        if self.part:
            return "界别专委"
        return level_of_place(self.place)


def level_of_place(place: str) -> str:
    if place.endswith("街道"):
        return "街道"
    if place.endswith(("镇", "乡")):
        return "乡镇"
    if place.endswith(("省", "自治区")):
        return "省"
    if place.endswith(("市", "州", "盟", "地区")):
        return "市"
    return "县区"


def _places(text: str) -> list[str]:
    """The place words of ``杭州市上城区`` in order: [杭州市, 上城区]."""
    out, at = [], 0
    while at < len(text):
        m = _ONE_PLACE.match(text, at)
        if not m:
            break
        out.append(m.group(0))
        at = m.end()
    return out


def _real_place(place: str) -> bool:
    return len(place) >= 2 and place[0] not in _NOT_A_START and place not in _NOT_PLACES and not (
        len(place) == 2 and place[1] in "区市"  # 城区, 市区: two characters name no 区 or 市 here
    )


def _part(raw: str | None) -> str | None:
    if not raw or any(w in raw for w in _NOT_PARTS):
        return None
    raw = raw.removesuffix("别") if raw.endswith("界别") else raw
    if raw.endswith("委员会"):
        raw = raw[:-3] + "委"  # 提案委员会 → 提案委, as offices shorten it
    return raw


def parse_body(name: str | None, known_places: frozenset[str] | None = None) -> Body | None:
    """The body a name stands for, or None for a generic name (区政协, 我镇政协工作组) or no body.

    ``known_places``: for a name found in running text, where a place word may have picked up
    the characters before it ("工作计划洋泉镇"), the place names known in that text (the
    gazetteer's, jieba's); the innermost place must end with one of them, which it then is."""
    if not name:
        return None
    text = re.sub(r"\s+", "", name)
    for pattern in (_FULL, _SHORT):
        for m in pattern.finditer(text):
            places = [p for p in _places(m.group("places")) if _real_place(p)]
            if not places:
                continue
            place = places[-1]  # the innermost: 杭州市上城区 is 上城区's body
            if known_places is not None and pattern is _SHORT:
                place = max((k for k in known_places if place.endswith(k) and _real_place(k)), key=len, default=None)
                if place is None:
                    continue
            part = _part(m.groupdict().get("part"))
            key = f"{place}政协" + (f"/{part}" if part else "")
            written = m.group(0)[m.group(0).find(place):] if pattern is _SHORT else m.group(0)
            return Body(key, written, place)
    return None


def body_key(name: str | None) -> str | None:
    """The normalised key of a body's name (``上城区政协``), None when the name is generic."""
    body = parse_body(name)
    return body.key if body else None


def same_body(a: str | None, b: str | None) -> bool:
    """Whether two names or keys are one body; a 界别 or 专委会 belongs to its own 政协."""
    ka, kb = body_key(a) or a, body_key(b) or b
    if not ka or not kb or "政协" not in ka or "政协" not in kb:
        return False
    return ka.split("/", 1)[0] == kb.split("/", 1)[0]


def document_body(title: str | None, text: str, org_name: str | None = None) -> Body | None:
    """The body a document is by: named in its title, else its organisation, else the body its
    opening names most often (a plan calls itself 区政协 inside; its heading names it whole)."""
    head = text[:600]
    known = _known_places(f"{title or ''}\n{head}")
    # The organisation classify found is a name it recognised already.
    body = parse_body(title, known) or parse_body(org_name)
    if body:
        return body
    counts: dict[str, tuple[int, Body]] = {}
    for pattern in (_FULL, _SHORT):
        for m in pattern.finditer(head):
            body = parse_body(m.group(0), known)
            if body:
                n, _ = counts.get(body.key, (0, body))
                counts[body.key] = (n + 1, body)
    if not counts:
        return None
    return max(counts.values(), key=lambda nb: nb[0])[1]


def _known_places(text: str) -> frozenset[str]:
    """Place names the gazetteer or jieba recognises in ``text``."""
    from ingest.gazetteer import load_gazetteer
    from ingest.structure import find_foreign_names

    return frozenset(find_foreign_names(text)) | frozenset(p.name for p in load_gazetteer().find(text))


# A body's own facility named after its place: 上城区政协委员履职实践中心, 桐溪区委员之家.
_FACILITY = r"[\u4e00-\u9fff]{0,10}?(?:实践中心|实践基地|活动中心|服务中心|工作室|之家|驿站|会客厅|议事厅)"


def body_particulars(body: Body | None, text: str) -> list[Finding]:
    """What of ``body``'s own a unit of its document names: its place (replaced in another body's
    draft like any place) and facilities named after it (another body has none of them)."""
    if body is None:
        return []
    found: list[Finding] = []
    for m in re.finditer(re.escape(body.place) + r"(?:政协)?" + _FACILITY, text):
        found.append(Finding("facility", m.group(0), generalise=False))
    stem = re.sub(f"(?:{_SUFFIXES})$", "", body.place)
    if body.place in text or (len(stem) >= 2 and stem in text):
        # Its stem too ("桐溪夜话"): a draft for another body treats the stem as this place's.
        found.append(Finding("place", body.place, generalise=True, level=body.level))
    return found


def mark_body_particulars(body: Body | None, units) -> None:
    """Add ``body``'s own names to the particulars of its document's units (ingest, once)."""
    if body is None:
        return
    for unit in units:
        have = {p.text for p in unit.particulars}
        unit.particulars.extend(f for f in body_particulars(body, unit.text) if f.text not in have)
