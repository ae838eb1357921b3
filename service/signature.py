"""A version's 落款: the issuing body's name and the date (成文日期) under the plan, GB/T 9704 7.3.5.

Stored in the version content as ``signature: {"body": str, "date": "YYYY-MM-DD"}``.  The
default is made when a draft is first stored: the body is the requester's own name, spelled out
for a 政协 committee (「上城区政协」 → 「中国人民政治协商会议上城区委员会」, the full name
GB/T 9704 7.3.5 prefers; a 工作组 or 工委 keeps its own name); the date is the day the draft was
made.  Not the 1st of January of the plan's year: that is 元旦, a public holiday on which nothing
is issued, and a plan is usually adopted before or early in its year, so the real day of drafting
is the closer guess — and staff change it before it goes out.  Versions stored before the
signature existed get the same default, dated the day their draft was made.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

MAX_BODY = 60
_BEIJING = timezone(timedelta(hours=8))
_COMMITTEE_LEVELS = ("县区", "市", "省")  # the levels (ingest.domain) whose 政协 is a full 委员会
_SHORT_NAME = re.compile(r"^(?P<place>.+?)政协$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_CHINESE = re.compile(r"^\s*(\d{4})\s*[年/.]\s*(\d{1,2})\s*[月/.]\s*(\d{1,2})\s*日?\s*$")


def full_name(org_name: str, level: str | None) -> str:
    """The 署名 for ``org_name``: 「X政协」 of a county, district, city or province as its full name."""
    name = org_name.strip()
    m = _SHORT_NAME.match(name)
    if m and (level in _COMMITTEE_LEVELS or level is None) and not name.startswith("中国人民政治协商会议"):
        return f"中国人民政治协商会议{m.group('place')}委员会"
    return name


def beijing_date(moment: datetime | None = None) -> date:
    """The day in Beijing at ``moment`` (a stored UTC time; now when None): a draft made at 07:00
    Beijing time is dated that day, not the UTC day before."""
    moment = moment or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(_BEIJING).date()


def default_signature(request: dict[str, Any], made: date) -> dict[str, str]:
    return {"body": full_name(request.get("org_name", ""), request.get("level")), "date": made.isoformat()}


def signature_of(content: dict[str, Any], made: date) -> dict[str, str]:
    """The version's signature, or the default for one stored before signatures existed."""
    stored = content.get("signature")
    if isinstance(stored, dict) and "body" in stored and "date" in stored:
        return {"body": stored["body"], "date": stored["date"]}
    return default_signature(content.get("request") or {}, made)


def parse_date(text: str) -> str:
    """``text`` (2026-01-05, 2026年1月5日, 2026/1/5) as an ISO date; ValueError when it is none."""
    m = _ISO.match(text) or _CHINESE.match(text)
    if not m:
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()


def chinese_date(iso: str) -> str:
    """2026-01-05 → 2026年1月5日: Arabic numerals, the year in full, no leading zeros (GB/T 9704 7.3.5.1)."""
    try:
        d = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso  # a date typed in another form is printed as it was typed
    return f"{d.year}年{d.month}月{d.day}日"
