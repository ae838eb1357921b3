"""Template helpers: times in the service's time zone, labels for levels, kinds, roles and warnings."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from drafting.model import DRAFT_LEVELS
from drafting.schedule import schedule_title
from ingest.model import KINDS, LEVELS, SECTION_ROLES
from service.db import ROLE_NAMES
from plandraft.settings import describe
from service.diffing import KIND_LABELS, WARNING_LABELS
from service.proofing import FINDING_LABELS
from service.errors import page_message

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


def time_zone(name: str) -> ZoneInfo:
    """The zone PLANDRAFT_TIMEZONE names; a SettingError naming the variable when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise describe("TIMEZONE").error(name, "must be an IANA time zone such as Asia/Shanghai") from None


def local_time(value: datetime | str | None, zone: ZoneInfo | None = None) -> str:
    """A stored time (UTC when it says no zone; a datetime or ISO text) in the service's one time
    zone (PLANDRAFT_TIMEZONE), to the minute: every page shows times through this."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    zone = zone or current_app.extensions["plandraft.timezone"]
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def register(app: Flask) -> None:
    app.extensions["plandraft.timezone"] = time_zone(app.config["TIMEZONE"])
    # What a person calls the zone beside a time: 北京时间 for China's, else its IANA name.
    app.jinja_env.globals["TIMEZONE_LABEL"] = "北京时间" if app.config["TIMEZONE"] in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else app.config["TIMEZONE"]
    app.add_template_filter(local_time, "local_time")
    # The editor's, the versions' and the compare templates call it by its older name.
    app.add_template_filter(local_time, "beijing_time")
    app.add_template_filter(page_message, "page_message")
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
        schedule_title=schedule_title,
        FINDING_LABELS=FINDING_LABELS,
    )
