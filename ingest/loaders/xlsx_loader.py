"""Spreadsheets (.xlsx): every sheet, its merged cells filled in, its header row understood.

Offices keep a 界别's annual plan as nothing but a table (界别 | 活动名称 | 活动类型 | 拟召开时间).
Each sheet is a Markdown heading (unless Excel named it Sheet1), then its table as
``ingest.loaders.tables`` writes it: a line per row whose values keep their header names, and
the rows as records for ingest's activities.
"""
from __future__ import annotations

import datetime as dt
import io
import re

from ingest.errors import IngestError
from ingest.loaders.common import Loaded, check_zip_archive, exc_reason
from ingest.loaders.tables import Table, grid_to_text

# Names Excel and WPS give a sheet nobody named: not a heading worth keeping.
_DEFAULT_SHEET_NAME = re.compile(r"^(?:Sheet|工作表|表)\s*\d*$", re.I)
# A spreadsheet that is a plan is small; a sheet this big is a data dump, not a plan.
MAX_CELLS = 200_000


def load(raw: bytes, source: str) -> Loaded:
    """Every sheet with cells in it, in workbook order."""
    check_zip_archive(raw, source, ".xlsx", "[Content_Types].xml")
    import openpyxl

    try:
        # Not read_only: merged ranges are only known to a fully loaded sheet.
        book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # openpyxl, lxml and zipfile each raise their own kinds
        raise IngestError(source, f"not a valid .xlsx ({exc_reason(exc)})") from None
    lines: list[str] = []
    tables: list[Table] = []
    for sheet in book.worksheets:
        if sheet.max_row * sheet.max_column > MAX_CELLS:
            raise IngestError(source, f"sheet '{sheet.title}': {sheet.max_row:,} × {sheet.max_column:,} cells is no plan")
        try:
            grid = _grid(sheet)
        except Exception as exc:  # a damaged sheet: say which one
            raise IngestError(source, f"sheet '{sheet.title}' cannot be read ({exc_reason(exc)})") from None
        named = not _DEFAULT_SHEET_NAME.match(sheet.title.strip())
        sheet_lines, table = grid_to_text(grid, sheet.title.strip() if named else None)
        if not sheet_lines:
            continue
        if named:
            lines.append(f"# {sheet.title.strip()}")
        lines.extend(sheet_lines)
        if table is not None:
            tables.append(table)
    if not lines:
        raise IngestError(source, "no text found (every sheet is empty)")
    return Loaded("\n".join(lines), tables=tuple(tables))


def _grid(sheet) -> list[list[str]]:
    """The sheet's cell texts, each merged range's value copied into every cell it covers."""
    grid = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    for merged in sheet.merged_cells.ranges:
        top, left = merged.min_row - 1, merged.min_col - 1
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(merged.max_row, len(grid))):
            for c in range(left, min(merged.max_col, len(grid[r]))):
                grid[r][c] = value
    return grid


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
