"""What the JSON API answers, declared once (pydantic); /api/openapi.json is generated from these.

A test validates served answers against them, so an undeclared key or a wrong type fails it;
the search endpoint shapes its results with ``SearchResult``'s fields.  Requests are in
``service.schemas``.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from drafting.model import SENTENCE_KINDS, WARNING_KINDS
from drafting.schemas import DraftRequestModel


class Response(BaseModel):
    # extra="forbid": a test validates served answers with these, so an undeclared key fails it.
    model_config = ConfigDict(extra="forbid")


class Error(Response):
    ok: Literal[False]
    error: str
    status: int


class Health(Response):
    ok: bool
    warm: bool = Field(description="the store, the embedder and the search indexes are loaded (PLANDRAFT_WARM_START)")


class Me(Response):
    name: str
    role: str


class SentenceSource(Response):
    chunk_id: str
    doc_id: str
    similarity: float


class Sentence(Response):
    text: str
    kind: Literal[SENTENCE_KINDS]
    sources: list[SentenceSource]
    source_text: str
    edited: bool = False
    label: str = Field("", description="in a draft carried forward from our own plan: 沿用 / 更新 / 新增")


class Passage(Response):
    """A retrieved passage, as a search result and as a draft section's source."""

    chunk_id: str
    doc_id: str
    doc_title: str
    source: str
    text: str
    score: float
    level: str
    year: int | None
    heading_path: list[str]


class SourceRef(Passage):
    span: list[int] | None
    family_size: int


class SearchResult(Passage):
    section_role: str
    kind: str
    family_id: str | None


class SearchResults(Response):
    results: list[SearchResult]


class DraftWarning(Response):
    kind: Literal[WARNING_KINDS]
    message: str
    section: str | None
    sentence: int | None
    text: str
    section_index: int | None = Field(None, description="in the draft-wide list: the index of its section")


class BaseSection(Response):
    """The section of the base plan a carried-forward section continues."""

    doc_id: str
    doc_title: str
    year: int | None
    title: str
    text: str


class Section(Response):
    role: str
    title: str
    text: str
    mode: Literal["extractive", "llm", "manual"] = Field(description="manual: a section a person added in the editor")
    sentences: list[Sentence]
    sources: list[SourceRef]
    warnings: list[DraftWarning]
    edited: bool = False
    base: BaseSection | None = Field(None, description="the section of our own plan this one carries forward")


class StoredRequest(DraftRequestModel):
    """The request a draft was made from, as stored with it."""

    model_config = ConfigDict(title="StoredRequest", extra="forbid")
    kind: str = "计划"


class VersionSummary(Response):
    number: int
    author: str | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    note: str


class Signature(Response):
    body: str = Field(title="署名")
    date: str = Field(title="成文日期", description="ISO date (YYYY-MM-DD), printed as 2026年1月5日")


class ScheduleSource(Response):
    doc_id: str
    activity_id: str = Field(description="the stored activity the row was drawn from (ingest.activities)")
    line: str = Field(description="the line of the source the activity was read from")
    doc_title: str
    source: str
    level: str
    year: int | None


class ScheduleRow(Response):
    """A row of the 活动安排表."""

    id: str
    month: int | None
    title: str
    form: str
    owner: str
    place: str
    sources: list[ScheduleSource] = Field(description="none for a row added by hand")
    original: str = Field(description="the source's wording before adaptation")
    changes: list[str] = Field(description="what adaptation did, in the editor's words")
    edited: bool


class Draft(Response):
    id: str
    title: str
    request: StoredRequest
    owner: str | None
    version: VersionSummary
    sections: list[Section]
    warnings: list[DraftWarning]
    signature: Signature
    open_slots: int = Field(0, description="how many 【待填：…】 the title and sections still hold")
    schedule: list[ScheduleRow] = Field(default_factory=list, title="活动安排表", description="empty unless the request asked for one (schedule: true)")


class DraftListItem(Response):
    id: str
    title: str
    owner: str | None
    level: str | None
    year: int | None
    created_at: str
    updated_at: str
    org_name: str | None = None
    open_slots: int = Field(0, description="how many 【待填：…】 the latest version still holds")


class DraftList(Response):
    drafts: list[DraftListItem]


class VersionList(Response):
    id: str
    versions: list[VersionSummary]


class SubmittedTexts(Response):
    title: str | None
    sections: list[str | None] = Field(description="the texts that were sent, null where a section was left as it was")
    titles: list[str | None] | None = None
    order: list[int | None] | None = None
    schedule: list[dict[str, Any]] | None = Field(None, description="the 活动安排表's rows that were sent, if any (not merged)")


class MergedSection(Response):
    text: str = Field(description="the latest text with the submitted changes applied, sentence by sentence")
    changed_by: Literal["nobody", "mine", "theirs", "both"]
    conflicts: list[str] = Field(description="sentences both sides changed: the latest and the submitted wording are both kept")
    was: int | None = Field(None, description="the section of the latest version this one continues (null: added in the submission); save with it as order")
    mine: int | None = Field(None, description="the submitted section this one takes its changes from (null: one only the latest version has)")
    title: str = ""


class MergedTexts(Response):
    title: str
    sections: list[MergedSection]


class DeletedDraft(Response):
    id: str
    title: str
    deleted: bool
    purge_after: str | None = Field(description="when a deleted draft is purged with its versions")


class DiffRow(Response):
    op: Literal["same", "del", "ins", "changed"]
    html: str = Field(description="the sentence, escaped, with <del>/<ins> marking what changed")


class DiffSection(Response):
    status: Literal["kept", "added", "removed"]
    title: str
    old_title: str | None
    changes: int
    rows: list[DiffRow]


class VersionDiff(Response):
    id: str
    a: int
    b: int
    title_html: str
    changed_sections: int
    sections: list[DiffSection]


class Conflict(Error):
    """409: the save or restore was based on a version older than the latest; nothing was saved."""

    base_version: int
    latest: Draft
    submitted: SubmittedTexts
    merged: MergedTexts | None = Field(None, description="a proposal: save it (edited as needed) with base_version = latest.version.number")


class CompareSentence(Response):
    anchor: str
    text: str
    kind: Literal[SENTENCE_KINDS]
    kind_label: str
    label: str = ""
    source_text: str
    diff_html: str
    sources: list[dict[str, Any]]


class CompareSection(Response):
    role: str
    title: str
    anchor: str
    sentences: list[CompareSentence]


class CompareWarning(Response):
    kind: str
    label: str
    message: str
    section: str | None
    sentence: int | None
    text: str
    anchor: str


class Compare(Response):
    id: str
    version: int
    sections: list[CompareSection]
    warnings: list[CompareWarning]
