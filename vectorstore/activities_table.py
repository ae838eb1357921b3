"""The catalog's activities table: each dated activity ingest found (``ingest.activities``),
linked to its document.

Written in the same transaction as its source's documents (``write``), deleted with them
(``delete``, from ``catalog.delete_source``), read with filters by ``CorpusStore.activities``.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Sequence

from ingest.activities import Activity

DDL = """
CREATE TABLE IF NOT EXISTS activities (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    month INTEGER,
    when_text TEXT,
    form TEXT,
    owner TEXT,
    place TEXT,
    fields TEXT NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_by_doc ON activities (doc_id, position);
CREATE INDEX IF NOT EXISTS activities_by_source ON activities (source);
CREATE INDEX IF NOT EXISTS activities_by_month ON activities (month, form);
"""


def write(tx: sqlite3.Connection, source: str, activities: Sequence[Activity]) -> None:
    """Replace ``source``'s activities (call inside the transaction that replaces its documents)."""
    tx.execute("DELETE FROM activities WHERE source = ?", (source,))
    tx.executemany(
        "INSERT OR REPLACE INTO activities (id, doc_id, source, position, title, month, when_text, form, owner, "
        "place, fields, line) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (a.id, a.doc_id, source, a.position, a.title, a.month, a.when, a.form, a.owner, a.place,
             json.dumps(a.fields, ensure_ascii=False), a.line)
            for a in activities
        ],
    )


def delete(tx: sqlite3.Connection, source: str) -> None:
    tx.execute("DELETE FROM activities WHERE source = ?", (source,))


def read(db: sqlite3.Connection, doc_id: str | None = None, month: int | None = None,
         form: str | None = None) -> list[Activity]:
    """Activities matching every filter given, by month (undated last), then document order."""
    where, params = [], []
    for column, value in (("doc_id", doc_id), ("month", month), ("form", form)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = "SELECT * FROM activities" + (f" WHERE {' AND '.join(where)}" if where else "")
    rows = db.execute(sql + " ORDER BY month IS NULL, month, doc_id, position", params).fetchall()
    return [
        Activity(id=r["id"], doc_id=r["doc_id"], position=r["position"], title=r["title"], month=r["month"],
                 when=r["when_text"], form=r["form"], owner=r["owner"], place=r["place"],
                 fields=json.loads(r["fields"]), line=r["line"])
        for r in rows
    ]
