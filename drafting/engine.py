"""Drafting: outline → per-section retrieval → composition (→ LLM polish) → checks.

No Flask here: the CLI, the web service and the tests call ``Drafter`` alike.
"""
from __future__ import annotations

import re
import uuid
from typing import Iterator

from drafting.adapt import Adapter
from drafting.compose import SectionComposer, number_section
from drafting.model import Draft, DraftRequest, DraftWarning, SectionDraft
from drafting.outline import outline
from vectorstore.search import SearchFilters

_PLAN_KINDS = ("计划", "协商计划", "要点")
_YEAR = re.compile(r"(?:19|20)\d\d(?=年)")


class Drafter:
    """Builds drafts from a Searcher; an LLMPolisher is optional."""

    def __init__(self, searcher, polisher=None, *, max_share: float = 0.4):
        self.searcher = searcher
        self.polisher = polisher
        self.max_share = max_share

    def plan(self, request: DraftRequest):
        """The sections this request will produce, in order (for progress displays)."""
        return outline(request.level, request.sections, request.topics)

    def stream(self, request: DraftRequest) -> Iterator[SectionDraft]:
        """Sections one by one, each finished (adapted, checked, polished if asked)."""
        sections = self.plan(request)
        n_items, per_item = _sizes(request, len(sections))
        if request.llm and self.polisher is not None:
            # The local model reads ~30 and writes ~12 tokens a second on this machine:
            # two short items (~150 字) keep one LLM call near the 10-second budget.
            n_items, per_item = min(n_items, 2), 1
        planned_total = len(sections) * n_items * per_item
        adapter = Adapter(request)
        composer = SectionComposer(adapter, family_counts={}, max_share=self.max_share)
        for number, section in enumerate(sections, start=1):
            results = self._retrieve(request, section, n_items)
            title = number_section(number) + section.title
            draft = composer.compose(section.role, title, results, n_items, per_item, planned_total)
            _flag_other_years(draft, request.year)
            if request.llm and self.polisher is not None:
                draft = self.polisher.polish(draft, request)
                _flag_other_years(draft, request.year)
            yield draft

    def draft(self, request: DraftRequest) -> Draft:
        sections = list(self.stream(request))
        warnings = [w for s in sections for w in s.warnings]
        return Draft(id=uuid.uuid4().hex[:16], request=request, title=title_of(request), sections=sections, warnings=warnings)

    def _retrieve(self, request: DraftRequest, section, n_items: int):
        k = n_items * 3
        filters = SearchFilters(level=request.level, kinds=_PLAN_KINDS, section_role=section.role)
        results = self.searcher.search(section.query, k=k, filters=filters)
        if len(results) < n_items:
            # Too little under this role: any plan passage that answers the section's query.
            more = self.searcher.search(section.query, k=k, filters=SearchFilters(level=request.level, kinds=_PLAN_KINDS))
            seen = {r.chunk_id for r in results}
            results += [r for r in more if r.chunk_id not in seen]
        return results


def title_of(request: DraftRequest) -> str:
    return f"{request.org_name}{request.year}年工作计划"


def _sizes(request: DraftRequest, n_sections: int) -> tuple[int, int]:
    """Items per section and sentences per item, from the target length (about 70 字 a sentence)."""
    if not request.target_chars:
        return 3, 2
    sentences = max(2, request.target_chars // 70 // max(n_sections, 1))
    n_items = min(5, max(2, (sentences + 1) // 2))
    return n_items, 2 if sentences >= 4 else 1


def _flag_other_years(section: SectionDraft, year: int) -> None:
    """Any year other than the requested one is listed for the editor."""
    for m in _YEAR.finditer(section.text):
        if int(m.group(0)) != year and not any(w.kind == "year" and w.text == m.group(0) for w in section.warnings):
            section.warnings.append(DraftWarning("year", f"正文中出现其他年份“{m.group(0)}年”，请核实", section.role, None, m.group(0)))
