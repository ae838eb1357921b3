"""The catalog's bodies table: whose plan each document is (``ingest.bodies``), as ingest found it.

Written in the same transaction as its source's documents (``write``), read by drafting
(``read``).  An admin's correction is a document override (``body``), kept with the document's
other overrides; ``read`` gives what ingest found, and drafting lets the override win.
"""
from __future__ import annotations

import sqlite3
from typing import NamedTuple, Sequence

from ingest.model import Document

DDL = """
CREATE TABLE IF NOT EXISTS bodies (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    body_key TEXT NOT NULL,
    body_name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bodies_by_source ON bodies (source);
CREATE INDEX IF NOT EXISTS bodies_by_key ON bodies (body_key);
"""


class BodyRow(NamedTuple):
    key: str  # 上城区政协, 上城区政协/经济界
    name: str  # as the document writes it


def write(tx: sqlite3.Connection, source: str, documents: Sequence[Document]) -> None:
    """Replace ``source``'s rows (call inside the transaction that replaces its documents)."""
    tx.execute("DELETE FROM bodies WHERE source = ?", (source,))
    tx.executemany(
        "INSERT OR REPLACE INTO bodies (doc_id, source, body_key, body_name) VALUES (?,?,?,?)",
        [(d.id, source, d.body, d.body_name or d.body) for d in documents if d.body],
    )


def delete(tx: sqlite3.Connection, source: str) -> None:
    tx.execute("DELETE FROM bodies WHERE source = ?", (source,))


def read(db: sqlite3.Connection) -> dict[str, BodyRow]:
    """Document id → the body ingest found it is by (documents with none are absent)."""
    return {r[0]: BodyRow(r[1], r[2]) for r in db.execute("SELECT doc_id, body_key, body_name FROM bodies")}
