"""What the service accepts and answers, declared once (pydantic).

Request models validate the forms and the JSON API alike (``parse``: a refusal is a 400 whose
message names the field); response models describe what the API sends.  /api/openapi.json is
generated from these classes (``service.openapi``), and a test holds served responses to them.
Draft requests are ``drafting.schemas.DraftRequestModel``, shared with the CLI.
"""
from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from drafting.model import SENTENCE_KINDS, WARNING_KINDS
from drafting.schemas import DraftRequestModel, Problem, problems
from ingest.model import KINDS, LEVELS
from service.errors import ApiError

MAX_TITLE = 200
MAX_SECTION_CHARS = 20000
MAX_QUERY_CHARS = 500
MAX_K = 50

Model = TypeVar("Model", bound=BaseModel)


class ValidationFailed(ApiError):
    """A 400 naming the refused field (``field``); ``form_message`` names it in the form's words."""

    def __init__(self, field: str, api_message: str, form_message: str):
        super().__init__(api_message, 400)
        self.field = field
        self.form_message = form_message

    @classmethod
    def of(cls, first: Problem) -> "ValidationFailed":
        return cls(first.field.split("[", 1)[0].split(".", 1)[0], first.api_message, first.form_message)


def parse(model: type[Model], data: Any) -> Model:
    """``data`` (a JSON body, a form or query arguments as a dict) validated by ``model``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed.of(problems(exc, model)[0]) from None


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class Request(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Response(BaseModel):
    # extra="forbid": a test validates served answers with these, so an undeclared key fails it.
    model_config = ConfigDict(extra="forbid")


# -- requests -----------------------------------------------------------------------------------


class SectionText(BaseModel):
    text: str = Field(max_length=MAX_SECTION_CHARS, title="正文")


class VersionSave(Request):
    """Edited texts to keep as a new version (the editor's form and POST …/versions)."""

    base_version: int | None = Field(
        None, ge=1, title="所依据的版本",
        description="the version the texts were edited from; when a newer version exists the save is refused with 409",
    )
    title: str | None = Field(None, max_length=MAX_TITLE, title="标题")
    sections: list[SectionText | None] = Field(title="章节", description="one {text} per section, or null to keep it as it is")
    merged: bool = Field(False, title="合并", description="the texts resolve a conflict (recorded in the version's note)")

    @field_validator("base_version", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class RestoreRequest(Request):
    """Restore an old version; ``base_version`` is the latest version the person saw."""

    base_version: int | None = Field(None, ge=1, title="当前版本", description="when a newer version exists the restore is refused with 409")

    @field_validator("base_version", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class Corrections(Request):
    """A document's metadata corrected by hand (kept across re-ingest); absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # A default of None that the type refuses: left out is "no correction", an explicit null is an error.
    level: Literal[LEVELS] = Field(None, title="层级")
    kind: Literal[KINDS] = Field(None, title="文种")
    year: int | None = Field(None, ge=1949, le=2100, title="年份", examples=[2023])
    on_topic: bool = Field(None, title="政协工作")

    @field_validator("year", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class SearchQuery(Request):
    q: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, title="检索词", examples=["民主评议"])
    level: Literal[LEVELS] | None = Field(None, title="层级")
    k: int = Field(10, ge=1, le=MAX_K, title="条数")

    @field_validator("level", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class DocumentQuery(Request):
    """Filters of the document list (each optional; ``q`` searches titles and file names)."""

    level: str | None = None
    kind: str | None = None
    year: str | None = None
    on_topic: Literal["yes", "no", "true", "false"] | None = None
    family: str | None = None
    source: str | None = None
    q: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class VersionQuery(Request):
    version: int | None = Field(None, ge=1, description="a version number; the latest by default")


class ReingestRequest(Request):
    reingest: Literal[True]


# -- responses ----------------------------------------------------------------------------------


class Error(Response):
    ok: Literal[False]
    error: str
    status: int


class Health(Response):
    ok: bool


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


class Section(Response):
    role: str
    title: str
    text: str
    mode: Literal["extractive", "llm"]
    sentences: list[Sentence]
    sources: list[SourceRef]
    warnings: list[DraftWarning]
    edited: bool = False


class StoredRequest(DraftRequestModel):
    """The request a draft was made from, as stored with it."""

    model_config = ConfigDict(title="StoredRequest", extra="forbid")
    kind: str = "计划"


class VersionSummary(Response):
    number: int
    author: str | None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    note: str


class Draft(Response):
    id: str
    title: str
    request: StoredRequest
    owner: str | None
    version: VersionSummary
    sections: list[Section]
    warnings: list[DraftWarning]


class DraftListItem(Response):
    id: str
    title: str
    owner: str | None
    level: str | None
    year: int | None
    created_at: str
    updated_at: str


class DraftList(Response):
    drafts: list[DraftListItem]


class VersionList(Response):
    id: str
    versions: list[VersionSummary]


class SubmittedTexts(Response):
    title: str | None
    sections: list[str | None] = Field(description="the texts that were sent, null where a section was left as it was")


class MergedSection(Response):
    text: str = Field(description="the latest text with the submitted changes applied, sentence by sentence")
    changed_by: Literal["nobody", "mine", "theirs", "both"]
    conflicts: list[str] = Field(description="sentences both sides changed: the latest and the submitted wording are both kept")


class MergedTexts(Response):
    title: str
    sections: list[MergedSection]


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
