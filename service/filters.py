"""Template helpers: times in Beijing time, labels for levels, kinds, roles and warnings."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import Flask

from drafting.model import DRAFT_LEVELS
from ingest.model import KINDS, LEVELS, SECTION_ROLES
from service.db import ROLE_NAMES
from service.diffing import KIND_LABELS, WARNING_LABELS

try:
    from zoneinfo import ZoneInfo

    _BEIJING = ZoneInfo("Asia/Shanghai")
except Exception:  # pragma: no cover - tzdata missing
    _BEIJING = timezone(timedelta(hours=8))

LEVEL_LABELS = {"乡镇": "乡镇", "街道": "街道", "县区": "县（区）", "市": "市", "省": "省", "界别专委": "界别 / 专委会", "unknown": "未识别"}
KIND_NAMES = {k: ("其他" if k == "other" else k) for k in KINDS}
SECTION_LABELS = {
    "指导思想": "指导思想",
    "学习": "理论学习",
    "政治协商": "政治协商",
    "民主监督": "民主监督",
    "参政议政": "调研视察、参政议政",
    "服务中心": "服务中心工作",
    "委员作用": "委员作用、联系群众",
    "自身建设": "自身建设",
    "宣传信息": "宣传信息",
    "工作要求": "工作要求",
    "other": "其他",
}


def beijing_time(value: datetime | None) -> str:
    """A stored UTC time as Beijing time, to the minute."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M")


def register(app: Flask) -> None:
    app.add_template_filter(beijing_time, "beijing_time")
    app.add_template_filter(lambda p: Path(p or "").name, "basename")
    app.jinja_env.globals.update(
        LEVELS=LEVELS,
        DRAFT_LEVELS=DRAFT_LEVELS,
        KINDS=KINDS,
        SECTION_ROLES=[r for r in SECTION_ROLES if r != "other"],
        LEVEL_LABELS=LEVEL_LABELS,
        KIND_NAMES=KIND_NAMES,
        SECTION_LABELS=SECTION_LABELS,
        ROLE_NAMES=ROLE_NAMES,
        SENTENCE_KIND_LABELS=KIND_LABELS,
        WARNING_LABELS=WARNING_LABELS,
    )
