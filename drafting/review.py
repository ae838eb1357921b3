"""A reader's checks on a finished draft: which items need repair, and why.

Each fault kind is one a secretary finds when reading a draft line by line (issue #10): a
damaged copy, another body's particulars, another level's words, a fragment, a broken phrase,
a slot the year or level decides, a typo, the 范文 site's blurb, a past-tense summary, a
reference whose years are over, an item in the wrong section, a repeat.  The checks reuse
ingest's own detectors (ingest.quality), so a draft is judged by the rules that built it —
and tests/data/draft_review.json, written by a person reading drafts, measures the rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafting.adapt import SLOT_RE, Adapter, place_of, without_own_names
from drafting.compose import repeats
from drafting.model import Draft, DraftRequest
from drafting.vocabulary import LEVEL_TERMS, five_year_plan, party_congress
from ingest.lexicon import dated_terms, read_table
from ingest.corpus_index import CorpusIndex
from ingest.quality import (
    _INLINE_NUMBER,
    _LONE_MARK,
    doubled_characters,
    enumeration,
    is_blurb,
    is_past,
    particulars,
    split_sentences,
)
from ingest.structure import ROLE_KEYWORDS
from ingest.textkit import CN_DIGITS, PAREN_NUMBER_OR_DIGITS

FAULT_KINDS = (
    "damaged", "foreign_particular", "other_level", "fragment", "broken_phrase", "needless_slot",
    "source_typo", "blurb", "past_tense", "outdated", "wrong_section", "repeat",
)
_ITEM_NUMBER = re.compile("^" + PAREN_NUMBER_OR_DIGITS)
_STRAY_NUMBER = re.compile(rf"^(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})[、.．](?!\d)")
_CONGRESS = re.compile(r"党的十[八九]大|党的二十[一二]?大")
_FYP = re.compile(r"十[一二三四五六]五(?=规划|时期|期间|开局|末)")


@dataclass
class ItemReview:
    section: str
    text: str
    faults: dict[str, str] = field(default_factory=dict)  # kind → the words that show it

    def to_dict(self) -> dict:
        return {"section": self.section, "text": self.text, "faults": self.faults}


def items_of(draft: Draft) -> list[tuple[str, str]]:
    """(section role, item text) of every item: numbered lines, or a preamble's one paragraph."""
    out = []
    for section in draft.sections:
        for line in section.text.split("\n"):
            if line.strip():
                out.append((section.role, line.strip()))
    return out


class Reviewer:
    """Reviews items for one request; ``index`` (the corpus's sentences) finds damage and typos."""

    def __init__(self, request: DraftRequest, index: CorpusIndex | None = None, same_topic=None):
        self.request = request
        self.index = index
        self.same_topic = same_topic  # (a, b) → whether b covers a's topic (drafting.overlap), if given
        self.level = request.level
        self.own = {p for p in (place_of(request.org_name), place_of(request.parent_body)) if p}
        self.foreign = Adapter(request).wording.foreign  # a 界别 group's borrowed 全市 is its own
        self.needless = {r["label"] for r in read_table("lexicon/slot_labels.tsv") if r["needless"] == "yes"}

    def review(self, role: str, text: str, earlier: list[str] = (), topic_earlier: list[str] | None = None) -> ItemReview:
        """``earlier``: the items before this one; ``topic_earlier``: those whose topic it must
        not repeat (the numbered items of its own section: the preamble speaks of every
        section's work), by default the same."""
        body = _ITEM_NUMBER.sub("", text)
        found: dict[str, str] = {}
        checks = (
            ("damaged", self._damaged), ("source_typo", self._typo), ("foreign_particular", self._particular),
            ("other_level", self._other_level), ("fragment", _fragment), ("broken_phrase", _broken),
            ("needless_slot", self._slot), ("blurb", _blurb), ("past_tense", _past), ("outdated", self._outdated),
            ("wrong_section", lambda t: _wrong_section(role, t)),
        )
        for kind, check in checks:
            why = check(body)
            if why:
                found[kind] = why
        topic_earlier = earlier if topic_earlier is None else topic_earlier
        for other in earlier:
            other = _ITEM_NUMBER.sub("", other)
            if repeats(body, other):
                found["repeat"] = other[:20]
                break
        if self.same_topic is not None and "repeat" not in found:
            other = next((t for t in topic_earlier if self.same_topic(_ITEM_NUMBER.sub("", t), body)), None)
            if other is not None:
                found["repeat"] = _ITEM_NUMBER.sub("", other)[:20]
        return ItemReview(role, text, found)

    def review_draft(self, draft: Draft) -> list[ItemReview]:
        reviews, seen, numbered = [], [], {}
        for role, text in items_of(draft):
            reviews.append(self.review(role, text, seen, numbered.get(role, [])))
            seen.append(text)
            if _ITEM_NUMBER.match(text):
                numbered.setdefault(role, []).append(text)
        return reviews

    def _damaged(self, text: str) -> str | None:
        for s in split_sentences(text):
            doubled = doubled_characters(s)
            if doubled:
                return doubled[0][0]
            if self.index is not None and self.index.damage(s) is not None:
                return s[:20]
        return None

    def _typo(self, text: str) -> str | None:
        if self.index is None:
            return None
        for s in split_sentences(text):
            typos = self.index.typos(s)
            if typos:
                return typos[0][0]
        return None

    def _particular(self, text: str) -> str | None:
        own_stems = {re.sub(r"(街道|镇|乡|县|区|市|省)$", "", p) for p in self.own}
        for f in particulars(text):
            if f.kind == "place":
                if f.text in self.own or f.text in own_stems or any(f.text in p for p in self.own):
                    continue
                if f.level == "region" and f.generalise:
                    continue  # a national strategy (长三角一体化) is no particular of anybody's
                return f.text
            if not f.generalise:
                return f.text
        return None

    def _other_level(self, text: str) -> str | None:
        named = without_own_names(text, self.request)
        for term in self.foreign:
            if term in named:
                return term
        org = self.request.org_name
        m = re.search(r"(?:街道|[镇乡县区市])" + re.escape(org), text)
        if m:
            return m.group(0)
        if self.level != "街道" and re.search(r"街道(?!党工委|办事处)", text):
            return "街道"
        own = place_of(org)
        if self.level == "乡镇" and own:
            other = {"镇": "乡", "乡": "镇"}.get(own[-1])
            if other:
                words = [w for group in LEVEL_TERMS["乡镇"].values() for w in group if other in w and "乡镇" not in w]
                for w in words + [f"依法治{other}"]:
                    if w in text:
                        return w
        parent = place_of(self.request.parent_body)
        if parent and parent[-1] in "县区市":
            above = {"县": "区政协", "区": "县政协"}.get(parent[-1])
            if above and above in text and self.level in ("乡镇", "街道"):
                return above
        return None

    def _slot(self, text: str) -> str | None:
        for m in SLOT_RE.finditer(text):
            label = m.group(0)[4:-1]
            if label in self.needless:
                return m.group(0)
        return None

    def _outdated(self, text: str) -> str | None:
        year = self.request.year
        for term in dated_terms():
            if term.pattern is not None and not term.current_for(year) and term.pattern.search(text):
                return term.term
        congress = party_congress(year)
        for m in _CONGRESS.finditer(text):
            if m.group(0) != congress:
                return m.group(0)
        fyp = five_year_plan(year)
        for m in _FYP.finditer(text):
            if m.group(0) != fyp:
                return m.group(0)
        return None


def _fragment(text: str) -> str | None:
    style, complete = enumeration(text)
    if style and not complete:
        return style
    if _STRAY_NUMBER.match(text) or _INLINE_NUMBER.search(text):
        return "numbering"
    m = _LONE_MARK.search(text)
    if m:
        return text[max(0, m.start() - 3): m.end() + 3]
    if text.rstrip().endswith(("；", "：", "，", ":", "、")):
        return text[-6:]
    return None


# Phrases a removed placeholder or a careless replacement leaves broken.
_BROKEN = re.compile(
    r"党的(?:精神|、|和[^二十]|届)|、】|【待填：[^】]*】(?:届|中全会)|[，、；]{2}|。。|的的|(?<![\u4e00-\u9fff])的(?=[，。])"
    r"|在的正确领导|(?:是|为)。"
)


def _broken(text: str) -> str | None:
    m = _BROKEN.search(text)
    return m.group(0) if m else None


def _blurb(text: str) -> str | None:
    return text[:16] if is_blurb(text) else None


def _past(text: str) -> str | None:
    sentences = split_sentences(text)
    past = [s for s in sentences if is_past(s)]
    return past[0][:16] if past and len(past) * 2 >= len(sentences) else None


def _wrong_section(role: str, text: str) -> str | None:
    """An item whose words all belong to another section (视察 under 政治协商 …)."""
    if role not in ROLE_KEYWORDS:
        return None
    scores = {r: sum(text.count(w) for w in words) for r, words in ROLE_KEYWORDS.items()}
    best = max(scores, key=lambda r: scores[r])
    if scores.get(role, 0) == 0 and scores[best] >= 3 and best != role:
        return best
    return None


def score_rules(review: dict, index: CorpusIndex | None = None) -> dict[str, dict[str, float]]:
    """Precision and recall of the rules against a person's reading (one round of draft_review.json)."""
    counts = {k: {"tp": 0, "fp": 0, "fn": 0} for k in FAULT_KINDS}
    for d in review["drafts"]:
        req = d["request"]
        reviewer = Reviewer(DraftRequest(req["level"], int(req["year"]), req["org_name"], req.get("parent_body")), index)
        earlier: list[str] = []
        for item in d["items"]:
            found = set(reviewer.review(item["section"], item["text"], earlier).faults)
            earlier.append(item["text"])
            truth = set(item["faults"]) & set(FAULT_KINDS)
            for k in FAULT_KINDS:
                if k in found and k in truth:
                    counts[k]["tp"] += 1
                elif k in found:
                    counts[k]["fp"] += 1
                elif k in truth:
                    counts[k]["fn"] += 1
    out = {}
    for k, c in counts.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None
        out[k] = {"precision": p, "recall": r, **c}
    return out
