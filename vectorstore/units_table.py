"""The catalog's units table: each plan item ingest found, with its role, signals and particulars.

Written in the same transaction as its source's chunks (``write``), read by drafting
(``read``).  Corpus-wide signals (damaged copies, typos the corpus does not share) are
computed by ingest once every file is in and stored beside the local ones.
"""
from __future__ import annotations

import json
import sqlite3
from typing import Iterable, Sequence

from ingest.quality import Finding
from ingest.units import Unit

DDL = """
CREATE TABLE IF NOT EXISTS units (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    section_role TEXT NOT NULL,
    lead TEXT,
    sentences TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    signals TEXT NOT NULL,
    particulars TEXT NOT NULL,
    corpus_signals TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS units_by_chunk ON units (chunk_id, position);
CREATE INDEX IF NOT EXISTS units_by_source ON units (source);
"""

_SQL_BATCH = 500


def write(tx: sqlite3.Connection, source: str, units: Sequence[Unit]) -> None:
    """Replace ``source``'s units (call inside the transaction that replaces its chunks)."""
    tx.execute("DELETE FROM units WHERE source = ?", (source,))
    tx.executemany(
        "INSERT OR REPLACE INTO units (id, doc_id, chunk_id, source, position, section_role, lead, sentences, "
        "span_start, span_end, signals, particulars) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                u.id, u.doc_id, u.chunk_id, source, u.position, u.section_role, u.lead,
                _dump(u.sentences), u.span[0], u.span[1],
                _dump([f.to_dict() for f in u.signals]), _dump([f.to_dict() for f in u.particulars]),
            )
            for u in units
        ],
    )


def delete(tx: sqlite3.Connection, source: str) -> None:
    tx.execute("DELETE FROM units WHERE source = ?", (source,))


def read(db: sqlite3.Connection, chunk_ids: Iterable[str] | None = None) -> list[Unit]:
    """Units of the given chunks (all units when None), in document order within each chunk."""
    if chunk_ids is None:
        rows = db.execute("SELECT * FROM units ORDER BY doc_id, position").fetchall()
    else:
        ids = list(dict.fromkeys(chunk_ids))
        rows = []
        for i in range(0, len(ids), _SQL_BATCH):
            batch = ids[i: i + _SQL_BATCH]
            rows += db.execute(
                f"SELECT * FROM units WHERE chunk_id IN ({','.join('?' * len(batch))}) ORDER BY position", batch
            ).fetchall()
    return [_unit(r) for r in rows]


def sentences(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(unit id, document id, sentences JSON) of every unit, for the corpus-wide checks."""
    return [(r[0], r[1], r[2]) for r in db.execute("SELECT id, doc_id, sentences FROM units")]


def set_corpus_signals(tx: sqlite3.Connection, found: dict[str, list[Finding]]) -> int:
    """Store the corpus-wide signals of every unit (units not in ``found`` get none); returns rows changed."""
    current = {r[0]: r[1] for r in tx.execute("SELECT id, corpus_signals FROM units")}
    updates = []
    for uid, old in current.items():
        new = _dump([f.to_dict() for f in found.get(uid, [])])
        if new != old:
            updates.append((new, uid))
    tx.executemany("UPDATE units SET corpus_signals = ? WHERE id = ?", updates)
    return len(updates)


def signal_counts(db: sqlite3.Connection) -> dict[str, int]:
    """Chunk id → how many signals its units carry (search shows a family's cleanest copy)."""
    out: dict[str, int] = {}
    for chunk_id, local, corpus in db.execute("SELECT chunk_id, signals, corpus_signals FROM units"):
        out[chunk_id] = out.get(chunk_id, 0) + len(json.loads(local)) + len(json.loads(corpus))
    return out


def _unit(r: sqlite3.Row) -> Unit:
    return Unit(
        id=r["id"], doc_id=r["doc_id"], chunk_id=r["chunk_id"], position=r["position"],
        section_role=r["section_role"], lead=r["lead"], sentences=json.loads(r["sentences"]),
        span=(r["span_start"], r["span_end"]),
        signals=[Finding.from_dict(d) for d in json.loads(r["signals"]) + json.loads(r["corpus_signals"])],
        particulars=[Finding.from_dict(d) for d in json.loads(r["particulars"])],
    )


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)
