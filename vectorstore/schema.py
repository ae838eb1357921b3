"""The catalog's schema and its migrations: what ``catalog.sqlite`` holds, and how an older
file is brought up to date when it is opened.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from ingest.indexing import text_key
from vectorstore import activities_table, bodies_table, units_table
from vectorstore.errors import StoreError

SCHEMA_VERSION = 4

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    source TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    idx INTEGER NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    year INTEGER,
    kind TEXT NOT NULL,
    org_name TEXT,
    on_topic INTEGER NOT NULL,
    topic_reason TEXT NOT NULL,
    text TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    family_id TEXT,
    overrides TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS documents_by_source ON documents (source, idx);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents (id),
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    section_role TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    placeholders TEXT NOT NULL,
    foreign_names TEXT NOT NULL,
    family_id TEXT,
    minhash BLOB,
    text_key TEXT
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id, span_start);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks (source);
-- The corpus repeats whole passages (renumbered: 二、 in one copy, 四、 in another); a chunk
-- whose text, numbering aside, is already stored reuses that vector.
CREATE INDEX IF NOT EXISTS chunks_by_text_key ON chunks (text_key);
-- The lexical index's token lists, written in the same transaction as their chunks so
-- BM25 can never disagree with the catalog.
CREATE TABLE IF NOT EXISTS chunk_tokens (
    chunk_id TEXT PRIMARY KEY,
    tokens TEXT NOT NULL
);
-- Sentence vectors: one per distinct sentence text (its id is a hash of the text), shared
-- by every chunk that holds the sentence.  A question about one sentence of a long chunk
-- finds it by the sentence's own vector.
CREATE TABLE IF NOT EXISTS chunk_units (
    chunk_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    PRIMARY KEY (chunk_id, unit_id)
);
CREATE INDEX IF NOT EXISTS chunk_units_by_unit ON chunk_units (unit_id);
-- generation: bumped by every write, so readers (the searcher's cached index, another
-- process's) can tell that the catalog changed.
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
-- Vectors written to Chroma ahead of a catalog commit that may never come;
-- the next replace of the same source, or vacuum(), deletes the leftovers.
CREATE TABLE IF NOT EXISTS pending_vectors (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL
);
"""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or upgrading) the catalog at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        db.close()
        raise StoreError(f"{path} was written by a newer plandraft (schema {version}); upgrade plandraft.")
    if 0 < version < 2:
        _upgrade_to_2(db)
    db.executescript(_SCHEMA + units_table.DDL + bodies_table.DDL + activities_table.DDL)
    if 0 < version < 4:
        # Schema 3 adds the units ingest computes, schema 4 the activities: forget the files'
        # fingerprints so the next ingest parses every file again (hand corrections are kept).
        db.execute("DELETE FROM sources")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    return db


def _upgrade_to_2(db: sqlite3.Connection) -> None:
    """Schema 1 → 2: chunks gain ``text_key`` (the vector-reuse key), filled in for old rows."""
    columns = {r[1] for r in db.execute("PRAGMA table_info(chunks)")}
    if "text_key" in columns:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("ALTER TABLE chunks ADD COLUMN text_key TEXT")
        rows = db.execute("SELECT id, text FROM chunks").fetchall()
        db.executemany("UPDATE chunks SET text_key = ? WHERE id = ?", [(text_key(r[1]), r[0]) for r in rows])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
