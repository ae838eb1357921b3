"""What the service accepts, declared once (pydantic): the forms and the JSON API validate with
the same models (``parse``: a refusal is a 400 whose message names the field, and whose
``form_message`` names it in the form's words).

Draft requests are ``drafting.schemas.DraftRequestModel``, shared with the CLI; what the API
answers is ``service.answers``; /api/openapi.json is generated from both (``service.openapi``).
"""
from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from drafting.schemas import Problem, problems
from ingest.model import KINDS, LEVELS, SECTION_ROLES
from service.errors import ApiError
from service.signature import MAX_BODY as MAX_SIGNATURE_BODY, parse_date

MAX_TITLE = 200
MAX_NOTE = 150  # the version's note column holds 200 with the 「编辑：」 before it
MAX_SECTIONS = 60
MAX_SECTION_CHARS = 20000
MAX_QUERY_CHARS = 500
MAX_K = 50
MAX_SCHEDULE_ROWS = 60

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


# -- requests -----------------------------------------------------------------------------------


class SectionText(BaseModel):
    text: str = Field(max_length=MAX_SECTION_CHARS, title="正文")
    title: str | None = Field(None, max_length=MAX_TITLE, title="部分标题", description="the section's heading; left out: as it was")


class SignatureIn(BaseModel):
    """The 落款 of the Word file: the issuing body and the date (2026-01-05 or 2026年1月5日)."""

    model_config = ConfigDict(str_strip_whitespace=True)
    body: str = Field("", max_length=MAX_SIGNATURE_BODY, title="署名", examples=["中国人民政治协商会议上城区委员会"])
    date: str = Field("", max_length=20, title="成文日期", examples=["2026-01-05"])

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        if not value:
            return value
        try:
            return parse_date(value)
        except ValueError:
            raise ValueError("成文日期应写作 2026-01-05 或 2026年1月5日") from None


class ScheduleRowIn(BaseModel):
    """One row of the 活动安排表 as edited (drafting.schedule; service.schedule_rows applies it)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    id: str | None = Field(None, max_length=64, title="行编号",
                           description="the id of a row of the version edited from (it keeps that row's sources); empty for a new row")
    month: int | None = Field(None, ge=1, le=12, title="月份", examples=[3], description="1–12; empty: not yet fixed")
    title: str = Field(min_length=1, max_length=300, title="活动内容", examples=["围绕优化营商环境开展专题协商"])
    form: str = Field("", max_length=30, title="形式", examples=["专题协商"])
    owner: str = Field("", max_length=60, title="承办", examples=["经济委员会"])
    place: str = Field("", max_length=60, title="地点")

    @field_validator("id", "month", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class VersionSave(Request):
    """Edited texts to keep as a new version (the editor's form and POST …/versions)."""

    base_version: int | None = Field(
        None, ge=1, title="所依据的版本",
        description="the version the texts were edited from; when a newer version exists the save is refused with 409",
    )
    title: str | None = Field(None, max_length=MAX_TITLE, title="标题")
    sections: list[SectionText | None] = Field(
        title="章节", max_length=MAX_SECTIONS,
        description="one {text, title?} per section, or null to keep it as it is; without order, one per section of base_version, in its order",
    )
    order: list[int | None] | None = Field(
        None, title="章节顺序", max_length=MAX_SECTIONS,
        description="for each entry of sections, the index (from 0) of the section of base_version it continues, or null for a "
        "section added here (it needs a title and a text); a section of base_version left out is removed",
    )
    note: str = Field("", max_length=MAX_NOTE, title="版本说明", description="a note kept with the new version (shown in the version list)")
    merged: bool = Field(False, title="合并", description="the texts resolve a conflict (recorded in the version's note)")
    signature: SignatureIn | None = Field(None, title="落款", description="{body, date} printed at the end of the Word file; null keeps it")
    schedule: list[ScheduleRowIn] | None = Field(
        None, max_length=MAX_SCHEDULE_ROWS, title="活动安排表",
        description="every row of the table in order (add, remove, move rows by sending the list); null keeps it",
    )

    @field_validator("note", mode="before")
    @classmethod
    def _no_note(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("base_version", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class Rename(Request):
    """A draft's new title (saved as a new version, so the title's history is kept)."""

    title: str = Field(min_length=1, max_length=MAX_TITLE, title="标题")
    base_version: int | None = Field(None, ge=1, title="所依据的版本", description="when a newer version exists the rename is refused with 409")

    @field_validator("base_version", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class VersionPair(Request):
    """Two versions of a draft to compare (either order); ``b`` defaults to the latest, ``a`` to the one before ``b``."""

    a: int | None = Field(None, ge=1, title="版本A")
    b: int | None = Field(None, ge=1, title="版本B")

    @field_validator("a", "b", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)

    def numbers(self, latest: int) -> tuple[int, int]:
        """(older, newer)."""
        b = self.b or latest
        a = self.a or max(1, b - 1)
        return min(a, b), max(a, b)


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
    body: str = Field(None, max_length=60, title="本单位", examples=["上城区政协"],
                      description="whose plan it is, by any of its names; empty: as ingest found it")

    @field_validator("year", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("body")
    @classmethod
    def _a_body(cls, value: str) -> str:
        from drafting.schemas import problem
        from ingest.bodies import body_key

        if value and body_key(value) is None:
            raise problem("须为某一政协的名称（例如 上城区政协、香山街道政协工委）", "must name one 政协 body, e.g. 上城区政协")
        return value

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


class CorpusSearch(Request):
    """The search page's form (``/search``): the words, and optional filters; no words, no search."""

    q: str | None = Field(None, max_length=MAX_QUERY_CHARS, title="检索词", examples=["民主评议"])
    level: Literal[LEVELS] | None = Field(None, title="层级")
    year: int | None = Field(None, ge=1949, le=2100, title="年份", examples=[2023])
    section_role: Literal[SECTION_ROLES] | None = Field(None, title="章节")

    @field_validator("*", mode="before")
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


class ActivityQuery(Request):
    """Filters of the activity list (each optional, all must hold)."""

    month: int | None = Field(None, ge=1, le=12, title="月份", description="1–12")
    form: str | None = Field(None, max_length=40, title="形式", description="an activity form, e.g. 专题协商", examples=["专题协商"])
    doc_id: str | None = Field(None, max_length=64, title="文档", description="one document's activities")

    @field_validator("*", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class VersionQuery(Request):
    version: int | None = Field(None, ge=1, description="a version number; the latest by default")


class CheckOptions(Request):
    """What the checker is told about the plan (POST /api/check: JSON fields, or a .docx upload's form fields)."""

    year: int | None = Field(None, ge=1949, le=2100, title="年份", description="the plan's year: finds references of another year")
    level: Literal[LEVELS] | None = Field(None, title="层级", description="the body's level: finds another level's words")
    org_name: str | None = Field(None, max_length=60, title="本单位", description="the body whose plan it is: finds other places' names")

    @field_validator("year", "level", "org_name", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class CheckRequest(CheckOptions):
    """Text to 校对 (POST /api/check as JSON)."""

    text: str = Field(min_length=1, max_length=MAX_SECTION_CHARS * 5, title="正文", examples=["截止目前，已收到提案56件。"])


class ReingestRequest(Request):
    reingest: Literal[True]
