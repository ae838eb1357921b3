"""Carrying a body's own plan forward: last year's sections and standing items, brought up to date.

The most common way an office writes next year's plan is to take its own last one: the same
sections, the same standing activities (its 委员工作室, its 界别 events, its practice centre), a
new year and new references, and what is asked for this year.  ``CarryForward`` does that with
a base plan of the body's own (``drafting.own``): each of its items kept whole, its names kept,
its years and dated references updated by the adapter (``data/references/dated.tsv``); an item
that reads as work already done (ingest's ``past_tense`` signal) is kept and marked for review; a
sentence telling members to carry out a campaign whose years are over is left out, with a note;
sections the level's outline has and the base plan lacks are drafted from retrieved material as
any draft is.  Every item is labelled 沿用 (carried as it was), 更新 (updated) or 新增 (new).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator

from drafting.adapt import Adapter
from drafting.compose import _QUANTITY, _warning, number_item, number_section, similarity
from drafting.model import CARRY_LABELS, DraftRequest, DraftRequestError, DraftWarning, SectionDraft, Sentence, SentenceSource, SourceRef
from drafting.outline import OutlineSection, outline
from drafting.own import OwnDocuments, note_own_particulars, own_documents
from ingest.model import Chunk, Document
from ingest.quality import is_past
from ingest.units import Unit

CARRIED, UPDATED, NEW = CARRY_LABELS
FROM_SCRATCH = "none"  # DraftRequest.base_plan: draft from other plans only
PREAMBLE_TITLE = "总体要求"
# A sentence that says what the year is ("2025年是十四五规划的收官之年") is true of one year only.
_YEAR_CHARACTER = re.compile(r"之年|收官|开局|起步之|开篇")


@dataclass
class BaseSection:
    """One top-level section of the base plan: its heading (None for the opening paragraph),
    role and units, in the plan's order."""

    title: str | None
    role: str
    units: list[Unit]


def base_plan(store, request: DraftRequest, own: OwnDocuments) -> Document | None:
    """The plan a request carries forward: the one it names, else the body's latest own plan
    of an earlier year; None when it asks for none or the body has none."""
    if request.base_plan == FROM_SCRATCH:
        return None
    if request.base_plan:
        doc = store.document(request.base_plan)
        if doc is None:
            raise DraftRequestError("base_plan", f"没有编号为{request.base_plan}的文档 (no such document)",
                                    f"底稿：没有编号为{request.base_plan}的文档")
        return doc
    earlier = [d for d in own.plans() if d.year is None or d.year < request.year]
    return earlier[0] if earlier else None


def base_sections(store, doc: Document) -> tuple[list[BaseSection], dict[str, Chunk]]:
    """The base plan's top-level sections, from the headings ingest recorded on its chunks."""
    chunks = {c.id: c for c in store.chunks(doc_id=doc.id)}
    units = sorted((u for u in store.units(list(chunks)) if u.doc_id == doc.id), key=lambda u: u.position)
    sections: list[BaseSection] = []
    for unit in units:
        path = chunks[unit.chunk_id].heading_path
        title = path[0] if path else None
        if not sections or sections[-1].title != title:
            sections.append(BaseSection(title, "other", []))
        sections[-1].units.append(unit)
    for s in sections:
        roles = [u.section_role for u in s.units if u.section_role != "other"]
        roles += [chunks[u.chunk_id].section_role for u in s.units if not roles]
        s.role = max(dict.fromkeys(roles), key=roles.count) if roles else "other"
    return sections, chunks


class CarryForward:
    """A draft for ``request`` that continues ``base``; ``drafter`` drafts what the base lacks."""

    def __init__(self, drafter, request: DraftRequest, base: Document, own: OwnDocuments):
        self.drafter = drafter
        self.request = request
        self.base = base
        self.own = own
        self.store = drafter.searcher.store
        self.sections, self.chunks = base_sections(self.store, base)
        if request.sections:
            # Sections asked for by name: the base plan's sections of those roles, and the rest new.
            self.sections = [s for s in self.sections if s.role in request.sections]
        present = {s.role for s in self.sections} | {u.section_role for s in self.sections for u in s.units}
        wanted = outline(request.level, request.sections, request.topics)
        missing = [s for s in wanted if s.role not in present and s.role != "other"]
        self.missing = missing
        # The new sections go where the level's outline puts them among the base plan's.
        order = {s.role: i for i, s in enumerate(wanted)}
        layout: list[BaseSection | OutlineSection] = list(self.sections)
        for new in missing:
            at = len(layout)
            for i, part in enumerate(layout):
                if isinstance(part, BaseSection) and order.get(part.role, -1) > order[new.role]:
                    at = i
                    break
            layout.insert(at, new)
        self.layout = layout

    def title(self) -> str:
        """The base plan's title with the new year (政协云屏市桐溪区委员会2026年工作计划), else the usual one."""
        old = self.base.year and f"{self.base.year}年"
        if old and old in self.base.title and len(self.base.title) <= 40:
            return self.base.title.replace(old, f"{self.request.year}年", 1)
        return f"{self.request.org_name}{self.request.year}年工作计划"

    def plan(self) -> list[OutlineSection]:
        return [part if isinstance(part, OutlineSection) else OutlineSection(part.role, part.title or PREAMBLE_TITLE, "")
                for part in self.layout]

    def titles(self) -> list[str]:
        out, number = [], 0
        for i, part in enumerate(self.layout):
            if i == 0 and isinstance(part, BaseSection) and part.title is None:
                out.append(PREAMBLE_TITLE)
                continue
            number += 1
            out.append(number_section(number) + (part.title if isinstance(part, OutlineSection) else part.title or PREAMBLE_TITLE))
        return out

    def stream(self) -> Iterator[SectionDraft]:
        titles = self.titles()
        carried = {i: self._carried(part, titles[i]) for i, part in enumerate(self.layout) if isinstance(part, BaseSection)}
        gaps = iter(())
        if self.missing:
            # New sections repeat no item the base plan gave already.
            fresh = replace(self.request, sections=[s.role for s in self.missing], base_plan=FROM_SCRATCH, target_chars=None)
            seen = tuple(line for s in carried.values() for line in s.text.split("\n"))
            gaps = self.drafter.section_drafts(fresh, seen=seen)
        for i, (part, title) in enumerate(zip(self.layout, titles)):
            if i in carried:
                yield carried[i]
            else:
                section = next(gaps)
                section.title = title
                for sentence in section.sentences:
                    sentence.label = NEW
                yield section

    def _carried(self, part: BaseSection, title: str) -> SectionDraft:
        doc, adapter = self.base, Adapter(self.request)
        own = doc.id in self.own.ids
        numbered = title != PREAMBLE_TITLE
        sentences: list[Sentence] = []
        warnings: list[DraftWarning] = []
        sources: dict[str, SourceRef] = {}
        lines: list[str] = []
        for unit in part.units:
            item = _Item(unit, self.chunks[unit.chunk_id], doc)
            if not item.adapt(adapter, own, self.request.level):
                warnings.append(DraftWarning("review", item.left_out, part.role, None, unit.lead or unit.sentences[0][:20]))
                continue
            start = len(sentences)
            for k, (text, source_text, changes, past) in enumerate(item.kept):
                index = len(sentences)
                sentences.append(Sentence(
                    text=text, kind="verbatim" if text == source_text else "adapted",
                    sources=[SentenceSource(unit.chunk_id, doc.id, round(similarity(text, source_text), 3))],
                    source_text=source_text, label=item.label,
                ))
                warnings += [_warning(ch, part.role, index) for ch in changes]
                if past or _reads_done(text, self.request.year):
                    warnings.append(DraftWarning("review", "此句读来是已完成的工作（总结的语气），沿用前请确认今年是否仍要写入计划", part.role, index, text[:20]))
                if changes and any(ch.kind == "year" for ch in changes) and _YEAR_CHARACTER.search(text):
                    warnings.append(DraftWarning("review", "上年计划对年份的定位（…之年、收官、开局）不一定适用于今年，请改写", part.role, index, text[:20]))
                quantity = _QUANTITY.search(text)
                if quantity:
                    warnings.append(DraftWarning("number", f"“{quantity.group(0)}”是上年计划的目标数，请确认今年是否调整", part.role, index, quantity.group(0)))
            for note in item.dropped:
                warnings.append(DraftWarning("review", note, part.role, start, ""))
            sources.setdefault(unit.chunk_id, item.source)
            lines.append((number_item(len(lines) + 1) if numbered else "") + "".join(t for t, _, _, _ in item.kept))
        if not lines:
            sentences.append(Sentence("【待填：本部分内容】", "new", label=NEW))
            lines.append("【待填：本部分内容】")
        first, last = part.units[0].span[0], part.units[-1].span[1]
        section = SectionDraft(
            role=part.role, title=title, text="\n".join(lines) if numbered else "".join(lines),
            sentences=sentences, sources=list(sources.values()), warnings=warnings,
            base={"doc_id": doc.id, "doc_title": doc.title, "year": doc.year, "title": part.title or PREAMBLE_TITLE,
                  "text": doc.text[first:last].strip()},
        )
        note_own_particulars(section, self.store.units, self.own)
        return section


class _Item:
    """One base-plan item as carried: its sentences adapted, what was left out, its label."""

    def __init__(self, unit: Unit, chunk: Chunk, doc: Document):
        self.unit = unit
        self.source = SourceRef(chunk.id, doc.id, doc.title, doc.source, 1.0, doc.level, doc.year, chunk.text,
                                list(chunk.heading_path), tuple(chunk.span))
        self.year = doc.year
        self.kept: list[tuple[str, str, list, bool]] = []  # (text, source text, changes, past tense)
        self.dropped: list[str] = []
        self.left_out = ""
        self.label = CARRIED

    def adapt(self, adapter: Adapter, own: bool, level: str) -> bool:
        """Adapt the item; False when nothing of it can be carried (``left_out`` says why)."""
        unit, names = self.unit, tuple(p.text for p in self.unit.particulars if p.kind in ("place", "person"))
        plan = f"{self.year}年计划" if self.year else "上年计划"
        lead, lead_changes = None, []
        if unit.lead:
            head = adapter.adapt(unit.lead, level, self.year, names, own=own)
            over = [c for c in head.changes if c.kind == "drop"]
            if over:
                self.left_out = f"{plan}中“{unit.lead}”一项未沿用：{over[0].note}，请确认今年的相应安排"
                return False
            lead = head.text
            lead_changes = head.changes
            self.label = UPDATED if head.changes else self.label
        past = {f.sentence for f in unit.signals if f.kind == "past_tense"}
        for k, sentence in enumerate(unit.sentences):
            sentence = _repaired(unit, k, sentence)
            adapted = adapter.adapt(sentence, level, self.year, names, own=own)
            over = [c for c in adapted.changes if c.kind == "drop"]
            if over:
                self.dropped.append(f"已删去{plan}中的“{sentence[:30]}”：{over[0].note}")
                self.label = UPDATED
                continue
            if adapted.changes:
                self.label = UPDATED
            text, source_text = adapted.text, sentence
            changes = adapted.changes
            if lead is not None and not self.kept:
                text, source_text = f"{lead}。{text}", f"{unit.lead}。{sentence}"
                changes = lead_changes + changes
            # Ingest flags a whole unit when half its sentences report work done: mark those.
            done = k in past or (None in past and (is_past(sentence) or _reads_done(sentence, self.year or 0)))
            self.kept.append((text, source_text, changes, done))
        if not self.kept and lead is not None:
            self.kept.append((f"{lead}。", f"{unit.lead}。", lead_changes, False))
        if not self.kept:
            self.left_out = f"{plan}中的“{unit.sentences[0][:30]}”一项未沿用：{self.dropped[0] if self.dropped else '无可沿用的内容'}"
            return False
        return True


def _repaired(unit: Unit, k: int, sentence: str) -> str:
    """The sentence with ingest's certain repairs (its clean copy, the corpus's spelling)."""
    for f in unit.signals:
        if f.sentence == k and f.fix:
            sentence = f.fix if f.kind == "damaged" else sentence.replace(f.text, f.fix) if f.kind in ("typo", "doubled") else sentence
    return sentence


_DONE = re.compile(r"已|共收到|办结|完成|取得")
_A_YEAR = re.compile(r"((?:19|20)\d\d)年")


def _reads_done(text: str, year: int) -> bool:
    """A sentence reporting work done: a 总结's voice, or an earlier year with what was done in it."""
    earlier = any(int(y) < year for y in _A_YEAR.findall(text))
    return is_past(text) or (earlier and bool(_DONE.search(text)))


def carry_forward(drafter, request: DraftRequest, own: OwnDocuments | None = None) -> CarryForward | None:
    """The carry-forward of ``request``'s base plan, or None when it has none (drafted as usual);
    ``own``: the requester's documents, when the caller has them already."""
    if request.base_plan == FROM_SCRATCH:
        return None
    if own is None:
        own = own_documents(drafter.searcher.store, request.org_name)
    base = base_plan(drafter.searcher.store, request, own)
    return CarryForward(drafter, request, base, own) if base is not None else None
