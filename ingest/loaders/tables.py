"""Tables as tables: a grid of cells (merged cells already filled in) → its caption, its header
names and one record per data row, shared by the spreadsheet and Word loaders.

A data row becomes one line of text whose values keep their header names
("界别：经济界；活动名称：……；拟召开时间：3月。"), so a chunk of it still says what each value
is; the same row is handed on as a record (``TableRow``), so ingest reads its activities from
the fields and never parses that line again.  A grid with no header row (a layout table) is
written one row a line, cells joined by " | ", and gives no records.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A header cell is a short label: no sentence punctuation, not a bare number or date.
_LABEL_MAX = 12
_NOT_A_LABEL = re.compile(r"[。，；！？,;!?]|^\d+(?:[.\-/年月日]\d*)*$")
# Columns that only number the rows say nothing about an activity.
_ROW_NUMBER = re.compile(r"^(?:序号|编号|序|No\.?)$", re.I)


@dataclass(frozen=True)
class TableRow:
    fields: tuple[tuple[str, str], ...]  # (header name, value) in column order, empty cells left out
    line: str  # the row as the loader wrote it into the text

    def as_dict(self) -> dict[str, str]:
        return dict(self.fields)


@dataclass(frozen=True)
class Table:
    name: str | None  # the sheet's name, or the caption row above the header
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]


def grid_to_text(grid: list[list[str]], name: str | None = None) -> tuple[list[str], Table | None]:
    """The lines a grid is written as, and its records when it has a header row."""
    rows = [[" ".join(str(c or "").split()) for c in row] for row in grid]
    rows = [row for row in rows if any(row)]
    if not rows:
        return [], None
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    used = [i for i in range(width) if any(r[i] for r in rows)]
    rows = [[r[i] for i in used] for r in rows]

    lines: list[str] = []
    captions: list[str] = []
    # Caption rows: one value across the table's width (a title merged over every column).
    while rows and len({c for c in rows[0] if c}) == 1 and len(used) > 1:
        captions.append(next(c for c in rows[0] if c))
        rows.pop(0)
    lines.extend(captions)
    if len(rows) < 2 or not _is_header(rows[0]):
        lines.extend(" | ".join(_distinct(r)) for r in rows)
        return lines, None

    header = rows[0]
    records: list[TableRow] = []
    for row in rows[1:]:
        if row == header:  # the header repeated (a page break in the original)
            continue
        fields: list[tuple[str, str]] = []
        for label, value in zip(header, row):
            if not value or not label or _ROW_NUMBER.match(label):
                continue
            if fields and fields[-1][0] == label:  # a header merged over two columns
                if value != fields[-1][1]:
                    fields[-1] = (label, f"{fields[-1][1]} {value}")
                continue
            fields.append((label, value))
        if not fields:
            continue
        line = "；".join(f"{k}：{v.rstrip('。；;')}" for k, v in fields) + "。"
        records.append(TableRow(tuple(fields), line))
        lines.append(line)
    caption = name or (captions[-1] if captions else None)
    return lines, Table(caption, tuple(h for h in header if h), tuple(records))


def _is_header(row: list[str]) -> bool:
    labels = [c for c in row if c]
    if len(labels) < 2:
        return False
    return all(len(c) <= _LABEL_MAX and not _NOT_A_LABEL.search(c) for c in labels)


def _distinct(row: list[str]) -> list[str]:
    """A row's cells without the copies a horizontal merge leaves side by side."""
    out: list[str] = []
    for cell in row:
        if cell and (not out or out[-1] != cell):
            out.append(cell)
    return out
