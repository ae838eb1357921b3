"""What a draft request may say, declared once (pydantic), and how a refusal reads.

The web form, the JSON API and the CLI all validate a request with ``DraftRequestModel``;
``DraftRequest.from_dict`` delegates here.  A refusal names the field: ``problems()`` turns
pydantic's errors into ``Problem``s, each with the field's path, a Chinese and an English
message, so the API says ``org_name: 必填（例如 香山街道政协工委） (is required)`` and the
form says ``单位名称：必填（例如 香山街道政协工委）`` in its own words (each field's ``title``).
"""
from __future__ import annotations

import re
import typing
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from drafting.model import DRAFT_LEVELS
from ingest.model import SECTION_ROLES

_TOPIC_SEPARATORS = re.compile(r"[、，,；;]")


class Problem(NamedTuple):
    """One refused field: its path (``sections[0].text``), its form label, and what is wrong.

    ``en`` never holds parentheses, so a client can cut ``" (en)"`` off the API message."""

    field: str
    label: str
    zh: str
    en: str

    @property
    def api_message(self) -> str:
        return f"{self.field}: {self.zh} ({self.en})"

    @property
    def form_message(self) -> str:
        return f"{self.label}：{self.zh}"


def problem(zh: str, en: str) -> PydanticCustomError:
    """A validation error of our own, for a validator to raise, read back by ``problems()``."""
    return PydanticCustomError("plandraft", en, {"zh": zh, "en": en})


class DraftRequestModel(BaseModel):
    """Who the draft is for and what it should cover (the fields of ``drafting.model.DraftRequest``)."""

    model_config = ConfigDict(title="DraftRequest", extra="ignore", str_strip_whitespace=True)

    level: Literal[DRAFT_LEVELS] = Field(title="层级", description="the level of the requesting body")
    year: int = Field(ge=2000, le=2100, title="年份", examples=[2026])
    org_name: str = Field(min_length=1, max_length=60, title="单位名称", examples=["香山街道政协工委"])
    parent_body: str | None = Field(None, title="上级政协", examples=["吴中区政协"])
    topics: list[Annotated[str, Field(max_length=30)]] = Field(
        default_factory=list, max_length=10, title="重点工作", description="short phrases; a text is split at 、 or commas"
    )
    sections: list[Literal[SECTION_ROLES]] | None = Field(
        None, title="章节", description="section roles, each at most once; none means the level's usual outline"
    )
    target_chars: int | None = Field(None, ge=300, le=20000, title="篇幅", description="rough length of the whole draft in characters")
    llm: bool = Field(False, title="大模型润色")
    base_plan: str | None = Field(
        None, max_length=64, title="底稿",
        description="our own past plan to carry forward (a document id); empty: our latest own plan, if any; 'none': start afresh",
    )

    schedule: bool = Field(False, title="附活动安排表", description="end the draft with a month-by-month table of activities drawn from past plans")

    @field_validator("parent_body", "target_chars", "base_plan", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("topics", mode="before")
    @classmethod
    def _split_topics(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            value = _TOPIC_SEPARATORS.split(value)
        if isinstance(value, list):
            return [t for t in value if not (isinstance(t, str) and not t.strip())]
        return value

    @field_validator("sections", mode="before")
    @classmethod
    def _no_sections_is_the_outline(cls, value: Any) -> Any:
        return value or None

    @field_validator("sections")
    @classmethod
    def _each_role_once(cls, value: list[str] | None) -> list[str] | None:
        # A plan has each part once: a repeated role would draft the same material twice
        # (the composer drops near-repeats, so the copy would come out empty).
        seen: set[str] = set()
        for role in value or ():
            if role in seen:
                raise problem(f"“{role}”重复，每个章节只能选一次", f"{role!r} is listed twice; each role at most once")
            seen.add(role)
        return value


def problems(exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Each error of ``exc`` as a Problem naming its field, in the model's field order."""
    return [_problem(err, model) for err in exc.errors()]


def _problem(err: dict[str, Any], model: type[BaseModel]) -> Problem:
    loc = list(err.get("loc") or ())
    name = loc[0] if loc and isinstance(loc[0], str) else None
    info = model.model_fields.get(name) if name else None
    label = (info.title if info and info.title else name) or "请求"
    zh, en = _describe(err, info, model)
    if len(loc) == 2 and isinstance(loc[1], int) and not _lists_objects(info):
        # An item of a list of plain values is said in words: the field stays the list's name.
        index = loc.pop()
        zh, en = f"第{index + 1}项{zh}", f"item {index} {en}"
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return Problem(path or "body", label, zh, en)


def _lists_objects(info) -> bool:
    """Whether the field is a list of objects (whose items are named by index: ``sections[0]``)."""
    args = typing.get_args(info.annotation) if info is not None else ()
    items = [a for arg in args for a in (typing.get_args(arg) or (arg,))]
    return any(isinstance(a, type) and issubclass(a, BaseModel) for a in items)


def _bounds(info) -> tuple[Any, Any]:
    low = high = None
    for meta in getattr(info, "metadata", ()) or ():
        low = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else low
        high = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else high
    return low, high


def _describe(err: dict[str, Any], info, model: type[BaseModel]) -> tuple[str, str]:
    kind, ctx = err["type"], err.get("ctx") or {}
    example = info.examples[0] if info is not None and info.examples else None
    hint_zh = f"（例如 {example}）" if example is not None else ""
    if kind == "plandraft":
        return ctx["zh"], ctx["en"]
    if kind == "missing" or (err.get("input") is None and kind.endswith(("_type", "_error"))) or (
        kind == "string_too_short" and ctx.get("min_length") == 1
    ):
        return f"必填{hint_zh}", "is required"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(info)
        if low is not None and high is not None:
            return f"须在{low}至{high}之间", f"must be between {low} and {high}"
        bound = next(iter(ctx.values()), "")
        return (f"不能小于{bound}", f"must be at least {bound}") if "greater" in kind else (f"不能大于{bound}", f"must be at most {bound}")
    if kind == "string_too_long":
        return f"不能超过{ctx['max_length']}字", f"is longer than {ctx['max_length']} characters"
    if kind == "too_long":
        return f"最多{ctx['max_length']}项", f"at most {ctx['max_length']} items"
    if kind in ("int_parsing", "int_type", "int_from_float", "float_parsing", "float_type"):
        return f"须为数字{hint_zh}", "must be a number"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", ctx.get("expected", ""))
        return f"须为以下之一：{'、'.join(choices)}", f"must be one of {', '.join(choices)}"
    if kind in ("bool_parsing", "bool_type"):
        return "须为是或否（true / false）", "must be true or false"
    if kind == "list_type":
        return "须为列表", "must be a list"
    if kind == "string_type":
        return "须为文本", "must be a string"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "须为 JSON 对象", "must be a JSON object"
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields)
        return f"不接受此字段（可用：{'、'.join(model.model_fields)}）", f"is not accepted; only {allowed}"
    return "无效", err.get("msg", "is invalid")
