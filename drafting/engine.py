"""Drafting: outline → per-section retrieval → composition (→ LLM polish) → checks.

No Flask here: the CLI, the web service and the tests call ``Drafter`` alike.
"""
from __future__ import annotations

import re
import statistics
import uuid
from typing import Iterator

from drafting import carry
from drafting.adapt import Adapter
from drafting.compose import SectionComposer, number_section
from drafting.model import Draft, DraftRequest, DraftWarning, ScheduleRow, SectionDraft
from drafting.outline import DEFAULT_ROLES, outline
from drafting.overlap import TopicOverlap
from drafting.review import Reviewer
from drafting.schedule import build_schedule
from drafting.own import note_own_particulars, other_bodies, own_documents
from vectorstore.search import LEVEL_NEIGHBOURS, SearchFilters

_PLAN_KINDS = ("计划", "协商计划", "要点")
PREAMBLE_TITLE = "总体要求"
_YEAR = re.compile(r"(?:19|20)\d\d(?=年)")


class Drafter:
    """Builds drafts from a Searcher; an LLMPolisher is optional."""

    def __init__(self, searcher, polisher=None, *, max_share: float = 0.4):
        self.searcher = searcher
        self.polisher = polisher
        self.max_share = max_share
        self._lengths: tuple[int, dict[str, list[int]]] | None = None
        self._overlap: tuple[int, TopicOverlap] | None = None

    def plan(self, request: DraftRequest):
        """The sections this request will produce, in order (for progress displays)."""
        carried = carry.carry_forward(self, request)  # based on the body's own plan (drafting.carry)
        if carried is not None:
            return carried.plan()
        return outline(request.level, request.sections, request.topics)

    def stream(self, request: DraftRequest, *, seen: tuple[str, ...] = ()) -> Iterator[SectionDraft]:
        """Sections one by one, each finished (adapted, checked, polished if asked); ``seen``:
        items already in the draft, which none may repeat.

        The 指导思想 section opens the plan as an unnumbered preamble (总体要求); the others
        are numbered 一、二、… in order.  A focus topic the request named that no section came
        to cover is said on the last section: the secretary asked for it and must write it.
        """
        written: list[str] = []
        pending = None
        for draft in self.section_drafts(request, seen):
            if pending is not None:
                yield pending
            written.append(draft.text)
            pending = draft
        if pending is not None:
            note_missing_topics(pending, request.topics, written)
            yield pending

    def section_drafts(self, request: DraftRequest, seen: tuple[str, ...] = ()) -> Iterator[SectionDraft]:
        """The sections as ``stream`` gives them, without the note on focus topics: for a part
        of a draft (the sections a carried plan lacks), where the rest is not in view."""
        own = own_documents(self.searcher.store, request.org_name)  # once a draft: it reads every document
        carried = carry.carry_forward(self, request, own)
        if carried is not None:
            for draft in carried.stream():
                _flag_other_years(draft, request.year)
                yield draft
            return
        sections = outline(request.level, request.sections, request.topics)
        roles = [s.role for s in sections]
        if request.target_chars:
            total, shares = request.target_chars, _shares(roles)
        else:
            # A section is as long as it is in a whole plan of the level, however many
            # sections were asked for.
            shares = _shares(list(dict.fromkeys([*DEFAULT_ROLES.get(request.level, ()), *roles])))
            total = int(self.usual_length(request.level) * sum(shares[r] for r in roles))
        adapter = Adapter(request)
        composer = SectionComposer(adapter, self.searcher.store.units, family_counts={}, max_share=self.max_share,
                                   same_topic=self.topic_overlap().repeats, reviewer=Reviewer(request), own_docs=own.ids,
                                   source_of=other_bodies(self.searcher.store, own))
        composer.items_text.extend(seen)  # items the draft has already (carried from the base plan)
        others = self._other_sectors(request)  # once a draft: it reads every document
        for section, title in zip(sections, _titles(sections)):
            preamble = title == PREAMBLE_TITLE
            target = max(80, int(total * shares[section.role] / sum(shares[r] for r in roles)))
            results = self._retrieve(request, section, target, others, tuple(own.ids))
            draft = composer.compose(section.role, title, results, target, total, numbered=not preamble)
            if not draft.sources:
                # Nothing under this role fits: any plan passage of this level that answers the
                # section's query, then the role's passages of any level (adapted like the rest).
                wider = self.searcher.search(section.query, k=24, filters=SearchFilters(level=request.level, kinds=_PLAN_KINDS, exclude_docs=others))
                wider += self.searcher.search(section.query, k=12, filters=SearchFilters(kinds=_PLAN_KINDS, section_role=section.role, exclude_docs=others))
                draft = composer.compose(section.role, title, wider, target, total, numbered=not preamble)
            _flag_other_years(draft, request.year)
            note_own_particulars(draft, self.searcher.store.units, own)
            if request.llm and self.polisher is not None:
                draft = self.polisher.polish(draft, request)
                _flag_other_years(draft, request.year)
            yield draft

    def _other_sectors(self, request: DraftRequest) -> tuple[str, ...]:
        """For a 界别's plan, the plans of other sectors (an 教育界 plan for an 经济界别): their
        work is not its work."""
        if request.level != "界别专委":
            return ()
        own = re.search(r"([\u4e00-\u9fff]{2})界", request.org_name)
        out = []
        for d in self.searcher.store.documents(include_off_topic=False):
            m = re.search(r"([\u4e00-\u9fff]{2})界(?!别)", f"{d.title} {d.org_name or ''}")
            if m and not (own and m.group(1) == own.group(1)) and m.group(1)[-1] != "各":
                out.append(d.id)
        return tuple(out)

    def titles(self, request: DraftRequest) -> list[str]:
        """Each planned section's title as the draft prints it: a 指导思想 section that opens the
        plan is its unnumbered preamble, 总体要求; the others are numbered 一、二、… in order."""
        carried = carry.carry_forward(self, request)
        if carried is not None:
            return carried.titles()
        return _titles(outline(request.level, request.sections, request.topics))

    def topic_overlap(self) -> TopicOverlap:
        """The same-topic check over the store's embedder and tokens, rebuilt when the store changes."""
        store = self.searcher.store
        generation = store.generation()
        if self._overlap is None or self._overlap[0] != generation:
            self._overlap = (generation, TopicOverlap(store.embedder.embed, store.chunk_tokens().values()))
        return self._overlap[1]

    def usual_length(self, level: str) -> int:
        """The median length of the store's on-topic plans of ``level`` (neighbouring levels, then
        all plans, when it has none): a draft is as long as the plans it imitates."""
        generation = self.searcher.store.generation()
        if self._lengths is None or self._lengths[0] != generation:
            by_level: dict[str, list[int]] = {}
            for d in self.searcher.store.documents(include_off_topic=False):
                if d.kind == "计划":
                    by_level.setdefault(d.level, []).append(len(d.text))
            self._lengths = (generation, by_level)
        by_level = self._lengths[1]
        for candidate in (level, *LEVEL_NEIGHBOURS.get(level, ())):
            if len(by_level.get(candidate, [])) >= 2:
                return int(statistics.median(by_level[candidate]))
        everything = [n for lengths in by_level.values() for n in lengths]
        return int(statistics.median(everything)) if everything else 1800

    def draft(self, request: DraftRequest) -> Draft:
        sections = list(self.stream(request))
        warnings = [w for s in sections for w in s.warnings]
        return Draft(id=uuid.uuid4().hex[:16], request=request, title=self.title(request), sections=sections, warnings=warnings,
                     schedule=self.schedule(request))

    def schedule(self, request: DraftRequest) -> list[ScheduleRow]:
        """The draft's 活动安排表 (drafting.schedule) when the request asks for one, else none."""
        if not request.schedule:
            return []
        store = self.searcher.store
        sections = outline(request.level, request.sections, request.topics)
        return build_schedule(store, request, sections, exclude_docs=self._other_sectors(request),
                              own_docs=own_documents(store, request.org_name).ids)

    def title(self, request: DraftRequest) -> str:
        """The draft's title: our base plan's own, for the new year, when it carries one forward."""
        carried = carry.carry_forward(self, request)
        return carried.title() if carried is not None else title_of(request)

    def _retrieve(self, request: DraftRequest, section, target_chars: int, others: tuple[str, ...] = (), own: tuple[str, ...] = ()):
        # About one passage per 100 characters wanted, three times over: most units of a
        # passage do not fit the section or cannot be adapted.
        k = max(6, target_chars // 100 * 3)
        filters = SearchFilters(level=request.level, kinds=_PLAN_KINDS, section_role=section.role,
                                exclude_docs=others, own_docs=own)
        results = self.searcher.search(section.query, k=k, filters=filters)
        if len(results) < k:
            # Too little under this role: any plan passage that answers the section's query.
            more = self.searcher.search(section.query, k=k, filters=SearchFilters(level=request.level, kinds=_PLAN_KINDS, exclude_docs=filters.exclude_docs, own_docs=own))
            seen = {r.chunk_id for r in results}
            results += [r for r in more if r.chunk_id not in seen]
        return results


def _titles(sections) -> list[str]:
    """The titles the draft prints for an outline's sections: a 指导思想 section that opens it is
    the unnumbered preamble, 总体要求; the others are numbered 一、二、… in order."""
    out, number = [], 0
    for i, section in enumerate(sections):
        if i == 0 and section.role == "指导思想":
            out.append(PREAMBLE_TITLE)
            continue
        number += 1
        out.append(number_section(number) + section.title)
    return out


def title_of(request: DraftRequest) -> str:
    return f"{request.org_name}{request.year}年工作计划"


# How a plan's length is shared among its sections (DOMAIN.md's order): the work sections
# carry it, the preamble and the closing requirements are short.
_WEIGHTS = {"指导思想": 0.7, "工作要求": 0.6, "宣传信息": 0.7, "自身建设": 0.9}

def _shares(roles: list[str]) -> dict[str, float]:
    weights = {r: _WEIGHTS.get(r, 1.0) for r in roles}
    total = sum(weights.values()) or 1.0
    return {r: w / total for r, w in weights.items()}


def _flag_other_years(section: SectionDraft, year: int) -> None:
    """Any year other than the requested one is listed for the editor."""
    for m in _YEAR.finditer(section.text):
        if int(m.group(0)) != year and not any(w.kind == "year" and w.text == m.group(0) for w in section.warnings):
            section.warnings.append(DraftWarning("year", f"正文中出现其他年份“{m.group(0)}年”，请核实", section.role, None, m.group(0)))


def covers(topic: str, texts: list[str]) -> bool:
    """Whether a section's sentence speaks of ``topic``: the words themselves, or two thirds of
    its character pairs in one sentence (优化营商环境 is covered by 营商环境进一步优化)."""
    topic = re.sub(r"\s+", "", topic)
    if not topic:
        return True
    if any(topic in t for t in texts):
        return True
    pairs = {topic[i:i + 2] for i in range(len(topic) - 1)}
    if not pairs:
        return False
    for text in texts:
        for sentence in re.split(r"[。；！？\n]", text):
            if sum(p in sentence for p in pairs) >= max(2, round(len(pairs) * 2 / 3)):
                return True
    return False


def note_missing_topics(section: SectionDraft, topics: list[str], written: list[str]) -> None:
    for topic in topics:
        if not covers(topic, written):
            section.warnings.append(DraftWarning(
                "topic", f"全稿没有写到重点议题“{topic}”：往年计划里没有找到讲它的段落，请补写相应的工作安排",
                section.role, None, topic))
