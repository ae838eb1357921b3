"""校对 in the service: the checker run on every saved version, dismissed findings, and the
context ``POST /api/check`` passes to the checker.

A version's ``content["findings"]`` is a list of finding dicts (``proofread.Finding.to_dict``)
each with a ``section_index``: the index of the section whose ``text`` the offsets are into,
or -1 for the title.  ``content["dismissed"]`` lists the findings a person set aside, each
``{"kind", "text", "section_index", "reason", "user", "at"}``; a finding of the same kind, text
and section is not reported again in this version or any later one made from it.
"""
from __future__ import annotations

import copy
from typing import Any

from proofread import CheckContext, check_text
from service.db import utcnow

TITLE = -1  # the section_index of a finding in the title
# What the editor and the compare view call each kind of finding (proofread.Finding.kind).
FINDING_LABELS = {
    "typo": "错别字", "usage": "规范用语", "outdated": "时效提法", "level_word": "层级用语", "other_body": "他方名称",
    "placeholder": "待填", "number": "数字核实", "punctuation": "标点", "layout": "版式",
}


def section_context(request: dict[str, Any], section: dict[str, Any] | None) -> CheckContext:
    """The checker's context for one section of a draft made for ``request`` (a stored
    ``DraftRequest.to_dict``): its year, level and body, and the texts the section cites (the
    cited passages and each sentence's source sentence; unknown when it cites none, as in a
    section a person wrote, so its figures are not all called unsupported)."""
    sources: list[str] = []
    if section is not None:
        sources = [s["text"] for s in section.get("sources", ()) if s.get("text")]
        sources += [s["source_text"] for s in section.get("sentences", ()) if s.get("source_text")]
    return CheckContext(
        year=request.get("year"),
        level=request.get("level"),
        org_name=request.get("org_name"),
        sources=sources or None,
    )


def findings_of(content: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding in a version's title and sections, less the dismissed ones."""
    request = content.get("request") or {}
    dismissed = {_key(d) for d in content.get("dismissed", ())}
    found = [{**f.to_dict(), "section_index": TITLE} for f in check_text(content.get("title", ""), section_context(request, None))]
    for index, section in enumerate(content.get("sections", ())):
        context = section_context(request, section)
        found += [{**f.to_dict(), "section_index": index} for f in check_text(section.get("text", ""), context)]
    return [f for f in found if _key(f) not in dismissed]


def with_findings(content: dict[str, Any]) -> dict[str, Any]:
    """``content`` with its ``findings`` computed (and ``dismissed`` kept, empty if none)."""
    content.setdefault("dismissed", [])
    content["findings"] = findings_of(content)
    return content


def dismiss(content: dict[str, Any], finding: dict[str, Any], reason: str, user: Any) -> dict[str, Any]:
    """A copy of ``content`` with ``finding`` (one of its findings) set aside for ``reason``.

    Store the copy as a new version (``history.add_version``) so the dismissal is kept with it;
    ``user`` is a ``User`` or a name."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("reason: 请说明忽略的理由")
    content = copy.deepcopy(content)
    entry = {
        "kind": finding["kind"], "text": finding["text"], "section_index": finding["section_index"],
        "reason": reason[:200], "user": getattr(user, "name", user),
        "at": utcnow().isoformat(timespec="seconds") + "Z",
    }
    content.setdefault("dismissed", []).append(entry)
    content["findings"] = [f for f in content.get("findings", ()) if _key(f) != _key(entry)]
    return content


def _key(finding: dict[str, Any]) -> tuple[str, str, int]:
    return finding["kind"], finding["text"], finding["section_index"]


def check_context(year: int | None, level: str | None, org_name: str | None) -> CheckContext:
    """The context of text sent to ``POST /api/check``: no sources, so no figures are judged."""
    return CheckContext(year=year, level=level, org_name=org_name)


def of_section(content: dict[str, Any], section_index: int) -> list[dict[str, Any]]:
    """The findings of one section (``TITLE`` for the title), in text order; a version stored
    before the checker ran is checked now."""
    found = content["findings"] if "findings" in content else findings_of(content)
    return sorted((f for f in found if f["section_index"] == section_index), key=lambda f: (f["start"], f["end"]))


def find(content: dict[str, Any], asked: dict[str, Any]) -> dict[str, Any] | None:
    """The finding of ``content`` that ``asked`` (kind, text, section_index, start) names."""
    for f in of_section(content, asked["section_index"]):
        if (f["kind"], f["text"], f["start"]) == (asked["kind"], asked["text"], asked["start"]):
            return f
    return None


def fixed_text(content: dict[str, Any], finding: dict[str, Any]) -> str:
    """The text of the finding's section (or the title) with its ``fix`` in place of the span.

    Raises ``ValueError`` (in Chinese) when the span no longer holds the finding's text."""
    index = finding["section_index"]
    sections = content["sections"]
    if index != TITLE and not 0 <= index < len(sections):
        raise ValueError("这条校对提示所在的部分已不存在，请刷新页面")
    text = content["title"] if index == TITLE else sections[index]["text"]
    start, end = finding["start"], finding["end"]
    if finding.get("fix") is None:
        raise ValueError("这条校对提示没有确定的改法，请在正文中修改")
    if text[start:end] != finding["text"]:
        raise ValueError(f"原文此处已不是“{finding['text']}”（草稿已被修改），未改动；请刷新页面后再看")
    return text[:start] + finding["fix"] + text[end:]
