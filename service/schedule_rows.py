"""Edited rows of a draft's 活动安排表 (``drafting.schedule``), applied to the version they were
edited from.

A row sent back with the ``id`` of a row of that version keeps what drafting knew of it — its
sources, its original wording, what adaptation did — and is marked ``edited`` when a cell
changed; a row with no known id is new and cites nothing.  The rows are kept in the order sent,
so adding, removing and moving a row are all one list.
"""
from __future__ import annotations

import uuid
from typing import Any

from service.revise import normalise_text

CELLS = ("month", "title", "form", "owner", "place")
_TEXT_CELLS = CELLS[1:]


def revise_schedule(before: list[dict[str, Any]], submitted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table as ``submitted`` (each row's cells and optional id), on top of ``before``."""
    known = {row["id"]: row for row in before}
    taken: set[str] = set()
    out = []
    for sent in submitted:
        cells = {"month": sent.get("month")}
        cells.update({name: normalise_text(sent.get(name) or "").replace("\n", " ") for name in _TEXT_CELLS})
        row_id = sent.get("id")
        previous = known.get(row_id) if row_id not in taken else None  # a copied row is a new one
        if previous is not None:
            taken.add(row_id)
            same = all(previous.get(name) == cells[name] for name in CELLS)
            out.append({**previous, **cells, "edited": bool(previous.get("edited")) or not same})
        else:
            out.append({"id": uuid.uuid4().hex[:16], **cells, "sources": [], "original": "", "changes": [], "edited": True})
    return out


def rows_from_form(form) -> list[dict[str, Any]] | None:
    """The rows of the editor's form (drafts/_schedule.html: one ``schedule_<cell>`` field per
    cell, in row order), or None when the form carries no table; a row left wholly empty is none."""
    if "schedule_present" not in form:
        return None
    columns = {name: form.getlist(f"schedule_{name}") for name in ("id", *CELLS)}
    count = max(len(values) for values in columns.values())
    rows = []
    for i in range(count):
        row = {name: (values[i] if i < len(values) else "") for name, values in columns.items()}
        if any(row[name].strip() for name in CELLS):
            rows.append(row)
    return rows
