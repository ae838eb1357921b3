"""What the JSON API answers about the corpus, its ingest jobs and the checker (the drafts'
answers are in ``service.answers``, whose ``Response`` base these share)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingest.model import KINDS, LEVELS
from service.answers import Response


class Document(Response):
    id: str
    source: str
    source_name: str = Field(description="the uploaded file's original name")
    uploaded: bool
    index: int
    title: str
    level: Literal[LEVELS]
    year: int | None
    kind: Literal[KINDS]
    org_name: str | None
    on_topic: bool
    topic_reason: str
    family_id: str
    family_size: int
    file_documents: int = Field(description="how many documents its file holds (all are removed with the file)")
    chars: int
    overrides: list[str] = Field(description="fields corrected by hand")


class DocumentList(Response):
    documents: list[Document]


class ChunkSpan(Response):
    chunk_id: str
    section_role: str
    heading_path: list[str]
    span: list[int]


class DocumentDetail(Document):
    text: str
    chunks: list[ChunkSpan]


class Activity(Response):
    """One dated activity ingest found in a document (a table row, or a month-by-month item)."""

    id: str
    doc_id: str
    position: int = Field(description="its order within its document")
    title: str
    month: int | None = Field(description="1–12 when the plan says")
    when: str | None = Field(description="the time as written: 4月中旬, 二月份, 2026年3月15日")
    form: str | None = Field(description="专题协商, 调研视察, 主题活动, 惠民服务 …")
    owner: str | None = Field(description="who holds it: a 界别, 专委会, 委员小组, 街道 …")
    place: str | None
    fields: dict[str, str] = Field(description="a table row's columns, by their headings")
    line: str = Field(description="the text it was read from")


class ActivityList(Response):
    activities: list[Activity]


class CorrectionResult(Response):
    changed: list[str]
    document: Document


class RemovedSource(Response):
    source: str
    removed: int


class IngestJob(Response):
    id: str
    kind: Literal["upload", "reingest"]
    status: Literal["queued", "running", "done", "failed"]
    total: int
    done: int
    current: str
    report: dict[str, Any] | None = Field(description="the ingest report (documents, errors, summary)")
    error: str | None
    created_at: str
    finished_at: str | None


class IngestAccepted(Response):
    job: IngestJob
    url: str


class JobStatus(Response):
    job: IngestJob


class Family(Response):
    family_id: str
    documents: list[Document]


class Families(Response):
    families: list[Family]


class Stats(BaseModel):
    """Corpus statistics: the store's counts (``sources``, ``documents``, ``chunks`` …) and off-topic documents."""

    model_config = ConfigDict(extra="allow")
    off_topic_documents: int


class CheckFinding(Response):
    """One finding of the checker (proofread.Finding)."""

    kind: Literal["typo", "usage", "outdated", "level_word", "other_body", "placeholder", "number", "punctuation", "layout"]
    start: int = Field(description="offset of the first character, in the text (or in the paragraph ``paragraph``)")
    end: int
    text: str
    message: str = Field(description="in Chinese, for the person reading the draft")
    source: str = Field(description="the list or rule that found it")
    fix: str | None = Field(description="the replacement for ``text`` when one is certain")
    paragraph: int | None = Field(description="a .docx paragraph's index; null for text")


class CheckResult(Response):
    findings: list[CheckFinding]
