"""The extractive composer: a section's items, each a whole unit of a past plan, adapted.

Works with no LLM at all.  Ingest cut every plan into units (a lead phrase and its own
sentences) and recorded what is wrong with each (ingest.quality); the composer reads them:
units that fit the section's role, cleanest first, each adapted to the requester.  A sentence
that cannot be adapted without breaking it (another body's particulars, a slot, a reference
whose years are over) is left out; an enumeration loses nothing or is left out whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.adapt import SLOT_RE, Adapter
from drafting.model import DraftWarning, SectionDraft, Sentence, SentenceSource, SourceRef
from ingest.quality import enumeration, is_task, split_sentences
from ingest.structure import ROLE_KEYWORDS
from ingest.textkit import CN_DIGITS, cn_numeral
from ingest.units import Unit
from vectorstore.lexical import char_bigrams, jaccard

_QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:次|项|件|个|名|人|篇|批|%|万|亿|户|场|期)")
# A 政协's (or 人大's) session by its number: the source body's, or its parent's in the source's
# year; the draft's body and year have others. (Party plenums, 十九届四中全会, are references.)
_SESSION = re.compile(rf"(?:[{CN_DIGITS}]{{1,3}}|\d{{1,2}})届(?:[{CN_DIGITS}]{{1,3}}|\d{{1,2}})次(?:全体)?(?:会议|全会)")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Below this similarity a rewritten sentence is no longer the one it came from (LLM rewrites
# and a person's edits alike are tied to the closest sentence at or above it).
MIN_SIMILARITY = 0.2
# Signals that keep a whole unit out; sentence-level ones drop their sentence instead.
_UNIT_BLOCKERS = {"blurb", "past_tense", "fragment", "mixed", "essay"}
_SENTENCE_BLOCKERS = {"past_tense", "placeholder_mark", "numbering", "fragment"}
# An item a reader accepts has room to say something, and not a page.
MIN_ITEM_CHARS = 30
_CHARS_PER_SENTENCE = 68
# Drafts come out at about 0.8 of their planned length (items the reader's rules refuse are not
# replaced one for one), so the share is counted against that.
_FILL = 0.8


@dataclass
class Item:
    """One numbered item of a section, as composed: its lead and sentences, with provenance."""

    unit: Unit
    source: SourceRef
    lead: str | None
    sentences: list[tuple[str, str, list]]  # (adapted text, source text, changes)
    doc_family: str

    @property
    def text(self) -> str:
        head = f"{self.lead}。" if self.lead else ""
        return head + "".join(t for t, _, _ in self.sentences)


def number_item(n: int) -> str:
    """（一）, （二）, … （十一） …: the item number within a section."""
    return f"（{cn_numeral(n)}）"


def number_section(n: int) -> str:
    """一、, 二、, … 二十一、 …: the number of a top-level section."""
    return f"{cn_numeral(n)}、"


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of two texts' character pairs."""
    return jaccard(char_bigrams(a), char_bigrams(b))


def closest(piece: str, texts: list[str]) -> tuple[int | None, float]:
    """The index of the text ``piece`` most resembles (an identical text scores 1.0), and how much."""
    best, best_sim = None, 0.0
    for i, text in enumerate(texts):
        sim = 1.0 if text == piece else similarity(piece, text)
        if sim > best_sim:
            best, best_sim = i, sim
    return best, best_sim


def repeats(a: str, b: str) -> bool:
    """Whether item ``a`` says what ``b`` already says: much of the wording, or one sentence, shared."""
    if similarity(a, b) > 0.3:
        return True
    return any(similarity(x, y) > 0.5 for x in split_sentences(a) for y in split_sentences(b))


def source_ref(r) -> SourceRef:
    return SourceRef(
        chunk_id=r.chunk_id, doc_id=r.doc_id, doc_title=r.doc_title, source=r.source, score=float(r.score),
        level=r.level, year=r.year, text=r.text, heading_path=list(r.heading_path), span=tuple(r.span),
        family_size=1 + len(r.also_in),
    )


# The preamble states the plan's guiding thought: a unit of that section which does not say
# what guides the work (a principle of 协商, a study item) does not open a plan.
_GUIDANCE = re.compile(r"为指导|指导思想|两大主题|总体要求|总体思路|工作思路|总体目标")


def fits_role(unit: Unit, chunk_role: str, role: str) -> bool:
    """A unit belongs in a section of ``role`` when ingest gave it that role (or gave it none
    and its passage has it)."""
    if role == "指导思想" and not _GUIDANCE.search(unit.text):
        return False
    home = _home(unit)
    if home is not None:
        return role == home
    return unit.section_role == role or (unit.section_role == "other" and chunk_role == role)


def _loosely_fits(unit: Unit, chunk_role: str, role: str) -> bool:
    """The second pass: a unit of a passage with this role, whatever ingest made of the unit."""
    home = _home(unit)
    if home is not None:
        return role == home
    return chunk_role == role and (role != "指导思想" or bool(_GUIDANCE.search(unit.text)))


def _home(unit: Unit) -> str | None:
    """The section a misplaced unit belongs to (ingest found it is about that work), or None."""
    return next((f.text for f in unit.signals if f.kind == "misplaced"), None)


class SectionComposer:
    """Builds one section's text from units, keeping sources varied across the whole draft."""

    def __init__(self, adapter: Adapter, units_of, *, family_counts: dict[str, int], max_share: float = 0.4,
                 same_topic=None, reviewer=None, own_docs: frozenset[str] = frozenset(),
                 source_of: dict[str, str] | None = None):
        self.adapter = adapter
        self.reviewer = reviewer  # the reader's rules (drafting.review.Reviewer): an item they fault is not used
        self.same_topic = same_topic  # (a, b) → whether b covers a's topic (drafting.overlap)
        self.own_docs = own_docs  # the requester's own documents: their particulars are its own (drafting.own)
        # Document id → the body it is by, when another known body's: its plans share one limit.
        self.source_of = source_of or {}
        self.units_of = units_of  # chunk ids → their units (the store's)
        self.family_counts = family_counts  # sentences per document family so far, draft-wide
        self.max_share = max_share
        self.chosen: list[set[str]] = []  # character pairs of every sentence already in the draft
        self.items_text: list[str] = []  # every item already in the draft
        # Each section's numbered items: two items of one section on one topic are a repeat
        # (the thresholds were read off such pairs); across sections, and against the preamble,
        # which speaks of every section's work, a shared subject is no repeat.
        self.topic_texts: dict[str, list[str]] = {}

    def compose(self, role: str, title: str, results: list, target_chars: int, planned_total: int,
                *, numbered: bool = True) -> SectionDraft:
        by_chunk = {r.chunk_id: r for r in results}
        rank = {r.chunk_id: i for i, r in enumerate(results)}
        units = [u for u in self.units_of(list(by_chunk)) if u.chunk_id in by_chunk]
        units.sort(key=lambda u: (rank[u.chunk_id], u.position))
        # The share is counted in sentences, as a reader counts sources; the draft's sentence
        # count is estimated from its planned length (about 68 characters a sentence, titles
        # included) and the share of it drafts fill (_FILL).
        cap = max(2, int(self.max_share * _FILL * max(planned_total, 1) / _CHARS_PER_SENTENCE))
        per_item = max(90, min(260, target_chars // 3))
        items: list[Item] = []
        taken: set[str] = set()
        length = 0
        # Units ingest placed in this role first; if they are too few, units of passages with
        # this role whose own role ingest could not tell apart.
        # Last, for a section the corpus rarely has (工作要求): any unit that speaks its words.
        passes = (
            lambda u, r: fits_role(u, r.section_role, role),
            lambda u, r: _loosely_fits(u, r.section_role, role),
            lambda u, r: role in ("工作要求",) and any(w in u.text for w in ROLE_KEYWORDS.get(role, ())),
        )
        for fits in passes:
            for unit in units:
                if length >= target_chars * 0.75:
                    break
                r = by_chunk[unit.chunk_id]
                if unit.id in taken or not fits(unit, r):
                    continue
                family = self.source_of.get(r.doc_id, r.doc_family_id)
                if self.family_counts.get(family, 0) >= cap:
                    continue  # one source document may not dominate the draft
                item = self._item(unit, r, per_item, role)
                if item is None:
                    continue
                if self.family_counts.get(family, 0) + len(item.sentences) > cap:
                    self._forget(item)
                    continue
                if items and length + len(item.text) > target_chars * 1.05:
                    self._forget(item)
                    continue  # would overshoot: a shorter unit may still fit
                items.append(item)
                self.items_text.append(item.text)
                if numbered:
                    self.topic_texts.setdefault(role, []).append(item.text)
                taken.add(unit.id)
                length += len(item.text)
                self.family_counts[family] = self.family_counts.get(family, 0) + len(item.sentences)
            if items:
                break
        return self._assemble(role, title, items, numbered)

    def _forget(self, item: Item) -> None:
        """Undo what ``_item`` recorded for an item that is not used after all."""
        for _ in item.sentences:
            self.chosen.pop()

    def _item(self, unit: Unit, r, per_item: int, role: str) -> Item | None:
        """The unit adapted, or None when a reader could not accept what is left of it."""
        if any(f.kind in _UNIT_BLOCKERS and f.sentence is None for f in unit.signals):
            return None
        src = source_ref(r)
        style, _ = enumeration(unit.text)
        kept: list[tuple[str, str, list]] = []
        for i, sentence in enumerate(unit.sentences):
            text = self._repaired(unit, i, sentence)
            adapted = None if text is None else self._adapted(unit, text, src)
            if style and (adapted is None or self._repeats(adapted[0])):
                return None  # an enumeration is used whole or not at all
            if text is None or (adapted is not None and self._repeats(adapted[0])):
                continue  # this sentence's own damage or another body's thing: it alone goes
            if adapted is None:
                if not kept:
                    return None
                # It speaks of what this level lacks (a 机关, a 委室); what follows may lean on
                # it ("充分发挥各自优势"), so the item ends here.
                break
            kept.append((adapted[0], sentence, adapted[1]))
            if not style and sum(len(t) for t, _, _ in kept) >= per_item:
                break
        if not kept:
            return None
        lead = None
        if unit.lead:
            if self._repaired(unit, -1, unit.lead) is None:
                return None  # the item's title names another body's own things (its centre, its zone)
            head = self.adapter.adapt(unit.lead, src.level, src.year, _names(unit), own=unit.doc_id in self.own_docs)
            lead = head.text if _clean(head) else None
            if lead is None:
                return None  # the item's own title names somebody else's affairs
        item = Item(unit, src, lead, kept, r.doc_family_id)
        if not is_task("".join(t for t, _, _ in kept)):
            return None  # a lead-in or a statement, with nothing to do
        if len(item.text) < MIN_ITEM_CHARS or any(repeats(item.text, t) for t in self.items_text):
            return None
        if self.same_topic is not None and any(self.same_topic(t, item.text) for t in self.topic_texts.get(role, ())):
            return None  # the same topic in other words
        if self.reviewer is not None:
            # Its content only: the repeats were checked just above, with the same checks.
            faults = self.reviewer.review(role, item.text).faults
            if unit.doc_id in self.own_docs:
                faults = {k: v for k, v in faults.items() if k != "foreign_particular"}  # our own names
            if faults:
                return None  # what a reader would send back
        for text, _, _ in kept:
            self.chosen.append(char_bigrams(text))
        return item

    def _repaired(self, unit: Unit, i: int, sentence: str) -> str | None:
        """The sentence with ingest's certain repairs made (clean copy, typos), or None to drop it."""
        text = sentence
        for f in unit.signals:
            if f.sentence != i:
                continue
            if f.kind == "damaged" and f.fix:
                text = f.fix  # the clean copy of the same sentence
            elif f.kind in ("typo", "doubled") and f.fix:
                text = text.replace(f.text, f.fix)
            elif f.kind in _SENTENCE_BLOCKERS:
                return None
        for p in unit.particulars:
            if not p.generalise and p.text in text and unit.doc_id not in self.own_docs:
                return None  # another body's zone, slogan, programme …: nothing to generalise
        if _LATIN_WORD.search(text):
            return None  # machine back-translation damage ("CPPCC", "service")
        return text

    def _adapted(self, unit: Unit, text: str, src: SourceRef):
        adapted = self.adapter.adapt(text, src.level, src.year, _names(unit), own=unit.doc_id in self.own_docs)
        if not _clean(adapted) or self.adapter.problems(adapted.text):
            return None
        return adapted.text, adapted.changes

    def _repeats(self, text: str) -> bool:
        grams = char_bigrams(text)
        return any(jaccard(grams, g) > 0.5 for g in self.chosen)

    def _assemble(self, role: str, title: str, items: list[Item], numbered: bool) -> SectionDraft:
        sentences: list[Sentence] = []
        warnings: list[DraftWarning] = []
        lines: list[str] = []
        sources: dict[str, SourceRef] = {}
        for n, item in enumerate(items, start=1):
            parts = []
            for k, (text, source_text, changes) in enumerate(item.sentences):
                if k == 0 and item.lead:
                    text = f"{item.lead}。{text}"
                index = len(sentences)
                kind = "adapted" if (changes or text != source_text) else "verbatim"
                sentences.append(
                    Sentence(
                        text=text,
                        kind=kind,
                        sources=[SentenceSource(item.source.chunk_id, item.source.doc_id, round(similarity(text, source_text), 3))],
                        source_text=source_text,
                    )
                )
                for ch in changes:
                    warnings.append(_warning(ch, role, index))
                quantity = _QUANTITY.search(text)
                if quantity:
                    warnings.append(DraftWarning("number", f"数字“{quantity.group(0)}”照录自来源，请核实是否适用于本单位", role, index, quantity.group(0)))
                for session in _SESSION.finditer(text):
                    warnings.append(DraftWarning("number", f"会议届次“{session.group(0)}”照录自来源，请核实本单位和上级政协的届次", role, index, session.group(0)))
                parts.append(text)
            sources.setdefault(item.source.chunk_id, item.source)
            lines.append((number_item(n) if numbered else "") + "".join(parts))
        if not items:
            warnings.append(DraftWarning("thin_sources", "没有找到合适的往年计划段落，本部分需要人工撰写", role, None, ""))
            placeholder = "【待填：本部分内容】"
            lines.append(placeholder)
            sentences.append(Sentence(placeholder, "new"))
        text = "\n".join(lines) if numbered else "".join(lines)
        return SectionDraft(role=role, title=title, text=text, sentences=sentences, sources=list(sources.values()), warnings=warnings)


def _names(unit: Unit) -> tuple[str, ...]:
    return tuple(p.text for p in unit.particulars if p.kind in ("place", "person"))


def _clean(adapted) -> bool:
    """An adaptation a reader accepts: no slot left, no sentence the table says to drop."""
    return not SLOT_RE.search(adapted.text) and not any(c.kind == "drop" for c in adapted.changes)


def _warning(change, role: str, index: int) -> DraftWarning:
    if change.kind == "slot":
        msg = f"“{change.before}”无法自动确定，已留空待填：{change.after}"
    elif change.kind == "name_replaced":
        msg = f"已将“{change.before}”替换为“{change.after}”（{change.note}）"
    elif change.kind == "vocabulary":
        msg = f"已将“{change.before}”改为本层级用语“{change.after}”"
    elif change.kind == "year":
        msg = f"年份“{change.before}”已改为“{change.after}”（{change.note}）"
    else:
        msg = f"“{change.before}”→“{change.after}”：{change.note}" if change.before != change.after else f"“{change.before}”：{change.note}"
    return DraftWarning(change.kind, msg, role, index, change.after if change.kind != "reference" else change.before)
