"""What drafting takes and gives: a request for a body, level and year; a cited draft.

Plain data, no Flask: the CLI, the web service and the tests all speak these types.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ingest.model import LEVELS

# Levels a draft can be written for (``unknown`` is a label of past documents only).
DRAFT_LEVELS = tuple(level for level in LEVELS if level != "unknown")

SENTENCE_KINDS = ("verbatim", "adapted", "new")

WARNING_KINDS = (
    "slot",  # a 【待填：…】 the editor must fill
    "name_replaced",  # another body's or place's name was replaced by the requester's
    "vocabulary",  # another level's words were changed to this level's
    "year",  # a year other than the requested one remains in the text
    "reference",  # a time-bound reference (党的十九大, 十三五 …) was updated or needs checking
    "number",  # a number the editor should check against the source
    "llm_fallback",  # the LLM's text failed a check or timed out; extractive text used
    "thin_sources",  # few or no sources found for a section
    "own",  # a name from the requester's own past plan, kept as it is
    "review",  # a carried item to check: work already done, a finished campaign left out
    "topic",  # a focus topic the request named that no section covers
)

# How an item of a draft carried forward from the body's own plan relates to that plan.
CARRY_LABELS = ("沿用", "更新", "新增")  # carried as it was / years or references updated / new


class DraftRequestError(ValueError):
    """A draft request with a missing or bad field; the message names the field."""

    def __init__(self, field_name: str, message: str, form_message: str | None = None):
        self.field = field_name
        # The same, naming the field in the form's words: "单位名称：必填（例如 香山街道政协工委）".
        self.form_message = form_message or f"{field_name}: {message}"
        super().__init__(f"{field_name}: {message}")


@dataclass
class DraftRequest:
    """Who the draft is for and what it should cover."""

    level: str
    year: int
    org_name: str
    parent_body: str | None = None
    topics: list[str] = field(default_factory=list)
    sections: list[str] | None = None  # section roles; None means the default outline
    target_chars: int | None = None  # rough length of the whole draft
    llm: bool = False
    kind: str = "计划"
    # The body's own past plan to carry forward (a document id); None: its latest one, if the
    # store holds any; "none": start from other plans only (drafting.carry).
    base_plan: str | None = None
    schedule: bool = False  # end the draft with a month-by-month 活动安排表 (drafting.schedule)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DraftRequest":
        """Validate a request from JSON, a form or the CLI (``drafting.schemas``); errors name the field."""
        from pydantic import ValidationError

        from drafting.schemas import DraftRequestModel, problems

        try:
            valid = DraftRequestModel.model_validate(data)
        except ValidationError as exc:
            first = problems(exc, DraftRequestModel)[0]
            raise DraftRequestError(first.field, f"{first.zh} ({first.en})", first.form_message) from None
        return cls(**valid.model_dump())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SourceRef:
    """A retrieved passage a section drew on."""

    chunk_id: str
    doc_id: str
    doc_title: str
    source: str
    score: float
    level: str = "unknown"
    year: int | None = None
    text: str = ""
    heading_path: list[str] = field(default_factory=list)
    span: tuple[int, int] | None = None
    family_size: int = 1  # how many near-copies of this passage the corpus holds


@dataclass
class SentenceSource:
    chunk_id: str
    doc_id: str
    similarity: float


@dataclass
class Sentence:
    text: str
    kind: str  # verbatim / adapted / new
    sources: list[SentenceSource] = field(default_factory=list)
    source_text: str = ""  # the source sentence it came from, for the compare view
    label: str = ""  # in a carried-forward draft: 沿用 / 更新 / 新增 (CARRY_LABELS)


@dataclass
class DraftWarning:
    kind: str
    message: str
    section: str | None = None  # section role
    sentence: int | None = None  # index within the section
    text: str = ""  # the words concerned


@dataclass
class SectionDraft:
    role: str
    title: str
    text: str
    sentences: list[Sentence] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    warnings: list[DraftWarning] = field(default_factory=list)
    mode: str = "extractive"  # extractive / llm
    # In a carried-forward draft, the base plan's section this one continues: doc_id,
    # doc_title, year, title, text (none for a section the base plan did not have).
    base: dict | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for s in d["sources"]:
            if s["span"] is not None:
                s["span"] = list(s["span"])
        return d


@dataclass
class ScheduleSource:
    """The past activity a row of the 活动安排表 was drawn from (``ingest.activities.Activity``)."""

    doc_id: str
    activity_id: str
    line: str  # the line of the source the activity was read from, as written
    doc_title: str = ""
    source: str = ""
    level: str = "unknown"
    year: int | None = None


@dataclass
class ScheduleRow:
    """One row of the draft's 活动安排表: a month, what is done, its form and who does it."""

    id: str
    month: int | None
    title: str
    form: str = ""
    owner: str = ""
    place: str = ""
    sources: list[ScheduleSource] = field(default_factory=list)
    original: str = ""  # the source's title before adaptation
    changes: list[str] = field(default_factory=list)  # what adaptation did, in the editor's words
    edited: bool = False  # changed by hand since drafting


@dataclass
class Draft:
    id: str
    request: DraftRequest
    title: str
    sections: list[SectionDraft]
    warnings: list[DraftWarning] = field(default_factory=list)
    schedule: list[ScheduleRow] = field(default_factory=list)  # empty unless the request asked for it

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "request": self.request.to_dict(),
            "title": self.title,
            "sections": [s.to_dict() for s in self.sections],
            "warnings": [asdict(w) for w in self.warnings],
            "schedule": [asdict(r) for r in self.schedule],
        }

    def text(self) -> str:
        """The draft as plain text: title, then each section's heading and text."""
        parts = [self.title]
        for s in self.sections:
            parts.append(s.title)
            parts.append(s.text)
        parts += [f"{r.month}月：{r.title}" if r.month else r.title for r in self.schedule]
        return "\n".join(parts)
