"""Activities: what an office plan's 活动安排表 is made of, as data.

An activity is one dated thing a body will do — its month (or date as written), title, form
(专题协商, 调研视察 … from data/lexicon/activity_forms.tsv), owner (界别, 专委会, 委员小组,
街道 …) and place.  Ingest finds them in two places and computes them once:

* table rows (.xlsx sheets, .docx tables) the loaders handed on as records, whose header
  names say what each value is (data/lexicon/activity_columns.tsv);
* month-by-month items in the text ("1月：…", "二月份：…"; ``ingest.textkit.MONTH_ITEM``),
  one activity per sentence of the item.

The store keeps them linked to their document (``vectorstore.activities_table``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Sequence

from ingest.clean import normalise_width
from ingest.lexicon import activity_columns, activity_cues, activity_forms
from ingest.loaders.tables import Table, TableRow
from ingest.model import Document, content_hash
from ingest.textkit import MONTH_IN, MONTH_ITEM, SENTENCE_END, cn_number

_TRIM = "，。；：、 "


@dataclass
class Activity:
    id: str
    doc_id: str
    position: int  # order within its document
    title: str
    month: int | None  # 1–12 when the plan says
    when: str | None  # the time as written: "4月中旬", "二月份", "2026年3月15日"
    form: str | None
    owner: str | None
    place: str | None
    fields: dict[str, str] = field(default_factory=dict)  # a table row's columns, as headed
    line: str = ""  # the text it was read from

    def to_dict(self) -> dict:
        return asdict(self)


def file_activities(documents: Sequence[Document], tables: Sequence[Table] = ()) -> list[Activity]:
    """The activities of a file's documents; each table row goes to the document that holds its line."""
    rows = [row for table in tables for row in table.rows]
    found: list[Activity] = []
    taken: set[int] = set()
    for doc in documents:
        # The row's line as cleaning left it in the document's text (widths normalised).
        mine = [r for i, r in enumerate(rows) if i not in taken and normalise_width(r.line) in doc.text]
        taken |= {i for i, r in enumerate(rows) if r in mine}
        found.extend(build_activities(doc.id, doc.text, mine))
    return found


def build_activities(doc_id: str, text: str, rows: Sequence[TableRow] = ()) -> list[Activity]:
    """The activities of one document: its table rows first, then its month-by-month items."""
    found: list[Activity] = []
    for row in rows:
        activity = _from_row(row)
        if activity is not None:
            found.append(activity)
    row_lines = {normalise_width(row.line) for row in rows}
    for line in text.split("\n"):
        m = MONTH_ITEM.match(line.strip())
        if not m or line.strip() in row_lines:
            continue
        month = _month(m.group("month"))
        if month is None:
            continue
        when = m.string[m.start("month"): m.start("rest")].rstrip("：: ")
        for sentence in SENTENCE_END.split(m.group("rest")):
            title = sentence.strip(_TRIM)
            if len(title) < 4:
                continue
            found.append(Activity("", "", 0, title, month, when, _form(title), _cue("owner", title),
                                  _cue("place", title), line=line.strip()))
    for position, activity in enumerate(found):
        activity.doc_id, activity.position = doc_id, position
        activity.id = content_hash(doc_id, str(position), activity.line, activity.title)
    return found


def column_role(header: str) -> str | None:
    """What a column with this header holds: when, place, form, owner, title, skip (or None)."""
    return next((role for role, pattern in activity_columns() if pattern.search(header)), None)


def _from_row(row: TableRow) -> Activity | None:
    by_role: dict[str, str] = {}
    rest: list[str] = []
    for header, value in row.fields:
        role = column_role(header)
        if role is None or role in by_role:
            rest.append(value)
        elif role != "skip":
            by_role[role] = value
    # A table without a name column: its longest unclaimed value is what the activity is.
    title = by_role.get("title") or max(rest, key=len, default="")
    title = title.strip(_TRIM)
    if not title:
        return None
    when = by_role.get("when")
    m = MONTH_IN.search(when or "")
    form_cell = by_role.get("form")
    return Activity(
        "", "", 0, title,
        month=_month(m.group("month")) if m else None,
        when=when,
        form=_form(form_cell) or form_cell if form_cell else _form(title),
        owner=by_role.get("owner") or _cue("owner", title),
        place=by_role.get("place") or _cue("place", title),
        fields=row.as_dict(),
        line=row.line,
    )


def _month(written: str) -> int | None:
    n = cn_number(written)
    return n if 1 <= n <= 12 else None


def _form(text: str) -> str | None:
    return next((f.form for f in activity_forms() if f.cues.search(text)), None)


def _cue(kind: str, text: str) -> str | None:
    for cue_kind, pattern in activity_cues():
        if cue_kind == kind:
            m = pattern.search(text)
            if m:
                return m.group("value")
    return None
