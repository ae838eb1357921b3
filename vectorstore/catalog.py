"""The store's SQLite catalog: row mapping and the queries on it (its schema and migrations
are :mod:`vectorstore.schema`).

The catalog is the truth about what is ingested (sources, documents, chunks, their token
lists and sentence links, hand corrections); Chroma only holds vectors for it.  Functions
here take a connection (or a transaction's connection, ``tx``) and know nothing of Chroma;
:mod:`vectorstore.store` ties the two together.  The units table has its own module,
:mod:`vectorstore.units_table`.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ingest.indexing import ChunkIndex
from ingest.model import Chunk, Document
from vectorstore import activities_table, bodies_table, units_table
from vectorstore.errors import StoreError

_DOC_COLUMNS = (
    "id, source, idx, title, level, year, kind, org_name, on_topic, topic_reason, "
    "text, span_start, span_end, family_id"
)
_CHUNK_COLUMNS = (
    "id, doc_id, source, text, heading_path, section_role, span_start, span_end, "
    "placeholders, foreign_names, family_id"
)
# Fields an admin may correct by hand; the corrections survive re-ingest.
OVERRIDABLE = {"title": str, "level": str, "year": (int, type(None)), "kind": str, "on_topic": bool, "org_name": (str, type(None)),
               "body": (str, type(None))}  # body: whose plan it is (a name: 上城区政协), ingest.bodies

# Ids per SQLite IN (...) list.
SQL_BATCH = 500


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    """``items`` in slices of at most ``size`` (SQLite and Chroma both limit one call)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def transaction(db: sqlite3.Connection, on_commit: Callable[[int, int], None] | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction; ``on_commit(generation before, generation after)`` once it is in."""
    db.execute("BEGIN IMMEDIATE")
    start = generation(db)
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    end = generation(db)
    db.execute("COMMIT")
    if on_commit is not None:
        on_commit(start, end)


def generation(db: sqlite3.Connection) -> int:
    """A number that changes whenever the catalog does (in this process or another)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def bump_generation(tx: sqlite3.Connection) -> None:
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', 1) "
        "ON CONFLICT (key) DO UPDATE SET value = value + 1"
    )


# -- rows -------------------------------------------------------------------------------------


def _doc_from_row(row: sqlite3.Row) -> Document:
    doc = Document(
        id=row["id"], source=row["source"], index=row["idx"], title=row["title"], level=row["level"],
        year=row["year"], kind=row["kind"], org_name=row["org_name"], on_topic=bool(row["on_topic"]),
        topic_reason=row["topic_reason"], text=row["text"], span=(row["span_start"], row["span_end"]),
        family_id=row["family_id"],
    )
    overrides = json.loads(row["overrides"] or "{}")
    for name, value in overrides.items():
        setattr(doc, name, value)
    doc.overrides = overrides
    return doc


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"], doc_id=row["doc_id"], source=row["source"], text=row["text"],
        heading_path=json.loads(row["heading_path"]), section_role=row["section_role"],
        span=(row["span_start"], row["span_end"]), placeholders=json.loads(row["placeholders"]),
        foreign_names=json.loads(row["foreign_names"]), family_id=row["family_id"],
    )


def _doc_params(d: Document, old_family: str | None, overrides: str) -> tuple:
    return (
        d.id, d.source, int(d.index), d.title, d.level, d.year, d.kind, d.org_name,
        int(bool(d.on_topic)), d.topic_reason, d.text, int(d.span[0]), int(d.span[1]),
        d.family_id or old_family or d.id, overrides,
    )


def _chunk_params(c: Chunk, family_id: str, index: ChunkIndex) -> tuple:
    return (
        c.id, c.doc_id, c.source, c.text,
        _dump(list(c.heading_path)), c.section_role, int(c.span[0]), int(c.span[1]),
        _dump(list(c.placeholders)), _dump(list(c.foreign_names)),
        family_id, index.minhash, index.text_key,
    )


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- reads ------------------------------------------------------------------------------------


def fingerprint(db: sqlite3.Connection, source: str) -> str | None:
    row = db.execute("SELECT fingerprint FROM sources WHERE source = ?", (source,)).fetchone()
    return row[0] if row else None


def documents(db: sqlite3.Connection, include_off_topic: bool = True) -> list[Document]:
    sql = f"SELECT {_DOC_COLUMNS}, overrides FROM documents"
    if not include_off_topic:
        sql += " WHERE on_topic = 1"
    return [_doc_from_row(r) for r in db.execute(sql + " ORDER BY source, idx")]


def document(db: sqlite3.Connection, doc_id: str) -> Document | None:
    row = db.execute(f"SELECT {_DOC_COLUMNS}, overrides FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return _doc_from_row(row) if row else None


def chunks(db: sqlite3.Connection, doc_id: str | None = None, ids: Iterable[str] | None = None) -> list[Chunk]:
    """Chunks of one document (in text order), chosen ids (in the order given), or all."""
    cols = ", ".join("c." + c.strip() for c in _CHUNK_COLUMNS.split(","))
    base = f"SELECT {cols} FROM chunks c JOIN documents d ON d.id = c.doc_id"
    if ids is not None:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Chunk] = {}
        for batch in batches(wanted, SQL_BATCH):
            sql = f"{base} WHERE c.id IN ({','.join('?' * len(batch))})"
            params: list = list(batch)
            if doc_id is not None:
                sql += " AND c.doc_id = ?"
                params.append(doc_id)
            for row in db.execute(sql, params):
                found[row["id"]] = _chunk_from_row(row)
        return [found[i] for i in wanted if i in found]
    if doc_id is not None:
        rows = db.execute(f"{base} WHERE c.doc_id = ? ORDER BY c.span_start, c.id", (doc_id,))
    else:
        rows = db.execute(f"{base} ORDER BY c.source, d.idx, c.span_start, c.id")
    return [_chunk_from_row(r) for r in rows]


def sources(db: sqlite3.Connection) -> list[dict]:
    sql = """
        SELECT s.source, s.fingerprint, s.ingested_at,
               (SELECT COUNT(*) FROM documents d WHERE d.source = s.source) AS documents,
               (SELECT COUNT(*) FROM chunks c WHERE c.source = s.source) AS chunks
        FROM sources s ORDER BY s.source
    """
    return [dict(r) for r in db.execute(sql)]


def counts(db: sqlite3.Connection) -> dict[str, int]:
    """Row counts for the admin page; a family counts when it has more than one member."""

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0])

    def families(table: str) -> int:
        return one(
            f"SELECT COUNT(*) FROM (SELECT family_id FROM {table} WHERE family_id IS NOT NULL "
            "GROUP BY family_id HAVING COUNT(*) > 1)"
        )

    return {
        "sources": one("SELECT COUNT(*) FROM sources"),
        "documents": one("SELECT COUNT(*) FROM documents"),
        "on_topic_documents": one("SELECT COUNT(*) FROM documents WHERE on_topic = 1"),
        "chunks": one("SELECT COUNT(*) FROM chunks"),
        "chunk_families": families("chunks"),
        "document_families": families("documents"),
    }


def chunk_tokens(db: sqlite3.Connection) -> dict[str, list[str]]:
    rows = db.execute("SELECT t.chunk_id, t.tokens FROM chunk_tokens t JOIN chunks c ON c.id = t.chunk_id").fetchall()
    return {r[0]: json.loads(r[1]) for r in rows}


def referenced(db: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """Those of ``ids`` a catalogued chunk or sentence link names (the vectors readers may see)."""
    found: set[str] = set()
    for batch in batches(list(ids), SQL_BATCH):
        marks = ",".join("?" * len(batch))
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT id FROM chunks WHERE id IN ({marks}) UNION SELECT unit_id FROM chunk_units WHERE unit_id IN ({marks})",
                list(batch) * 2,
            )
        )
    return found


def all_referenced(db: sqlite3.Connection) -> set[str]:
    """Every vector id the catalog names (chunks and their sentences): what vacuum keeps."""
    return {r[0] for r in db.execute("SELECT id FROM chunks UNION SELECT unit_id FROM chunk_units")}


def best_sentence_per_chunk(db: sqlite3.Connection, unit_sims: dict[str, float]) -> dict[str, float]:
    """Catalogued chunk id → the highest similarity among its sentences in ``unit_sims``."""
    best: dict[str, float] = {}
    for batch in batches(list(unit_sims), SQL_BATCH):
        rows = db.execute(
            f"SELECT cu.chunk_id, cu.unit_id FROM chunk_units cu JOIN chunks c ON c.id = cu.chunk_id "
            f"WHERE cu.unit_id IN ({','.join('?' * len(batch))})",
            list(batch),
        ).fetchall()
        for chunk_id, unit_id in rows:
            best[chunk_id] = max(best.get(chunk_id, -1.0), unit_sims[unit_id])
    return best


def stored_twins(db: sqlite3.Connection, keys: dict[str, str]) -> dict[str, str]:
    """Chunk id → id of a stored chunk with the same text key (chunk id → key given)."""
    twin: dict[str, str] = {}
    for chunk_id, key in keys.items():
        row = db.execute("SELECT id FROM chunks WHERE text_key = ? LIMIT 1", (key,)).fetchone()
        if row is not None:
            twin[chunk_id] = row[0]
    return twin


def check_source(db: sqlite3.Connection, source: str, documents: Sequence[Document], chunks: Sequence[Chunk],
                 indexing: Mapping[str, ChunkIndex]) -> dict[str, Document]:
    """Refuse rows that cannot be ``source``'s (wrong source, repeated or foreign ids, a chunk
    without its document or index entry); returns document id → document."""
    by_doc: dict[str, Document] = {}
    for d in documents:
        if d.source != source:
            raise ValueError(f"document {d.id} belongs to {d.source!r}, not {source!r}")
        if d.id in by_doc:
            raise ValueError(f"document id {d.id} appears twice in {source}")
        by_doc[d.id] = d
    seen: set[str] = set()
    for c in chunks:
        if c.source != source:
            raise ValueError(f"chunk {c.id} belongs to {c.source!r}, not {source!r}")
        if c.doc_id not in by_doc:
            raise ValueError(f"chunk {c.id} names document {c.doc_id}, which is not among {source}'s documents")
        if c.id in seen:
            raise ValueError(f"chunk id {c.id} appears twice in {source}")
        if c.id not in indexing:
            raise ValueError(f"chunk {c.id} has no index entry (ingest.indexing.index_chunks)")
        seen.add(c.id)
    for table, ids in (("documents", list(by_doc)), ("chunks", list(seen))):
        for batch in batches(ids, SQL_BATCH):
            row = db.execute(
                f"SELECT id, source FROM {table} WHERE source != ? AND id IN ({','.join('?' * len(batch))}) LIMIT 1",
                [source, *batch],
            ).fetchone()
            if row:
                raise StoreError(
                    f"{table[:-1]} id {row['id']} of {source} is already held by {row['source']}; "
                    "ids must be unique across sources (hash the source or document into them)."
                )
    return by_doc


def source_rows(db: sqlite3.Connection, source: str) -> tuple[dict, set[str], dict, dict]:
    """What ``source`` holds now: chunk id → family, its sentence ids, doc id → (family,
    overrides) and (place in file, title) → overrides."""
    old_chunks = {r["id"]: r["family_id"] for r in db.execute("SELECT id, family_id FROM chunks WHERE source = ?", (source,))}
    rows = db.execute("SELECT id, idx, title, family_id, overrides FROM documents WHERE source = ?", (source,)).fetchall()
    old_docs = {r["id"]: (r["family_id"], r["overrides"]) for r in rows}
    by_place = {(r["idx"], r["title"]): r["overrides"] for r in rows}
    return old_chunks, sentences_of_source(db, source), old_docs, by_place


def sentences_of_source(db: sqlite3.Connection, source: str) -> set[str]:
    """The sentence vectors' ids of every chunk ``source`` holds."""
    rows = db.execute("SELECT unit_id FROM chunk_units WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
    return {r[0] for r in rows}


# -- writes -----------------------------------------------------------------------------------


def delete_source(tx: sqlite3.Connection, source: str) -> int:
    """Remove every row ``source`` has (documents, chunks, tokens, sentence links, units,
    bodies, activities, its fingerprint); returns how many documents it had."""
    removed = tx.execute("SELECT COUNT(*) FROM documents WHERE source = ?", (source,)).fetchone()[0]
    tx.execute("DELETE FROM chunk_tokens WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
    tx.execute("DELETE FROM chunk_units WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
    tx.execute("DELETE FROM chunks WHERE source = ?", (source,))
    tx.execute("DELETE FROM documents WHERE source = ?", (source,))
    tx.execute("DELETE FROM sources WHERE source = ?", (source,))
    units_table.delete(tx, source)
    bodies_table.delete(tx, source)
    activities_table.delete(tx, source)
    return int(removed)


def document_vector_ids(db: sqlite3.Connection, doc_id: str) -> set[str]:
    """The ids of the vectors one document's rows reference: its chunks' and their sentences'."""
    chunk_of = "SELECT id FROM chunks WHERE doc_id = ?"
    return {r[0] for r in db.execute(f"{chunk_of} UNION SELECT unit_id FROM chunk_units WHERE chunk_id IN ({chunk_of})", (doc_id, doc_id))}


def delete_document(tx: sqlite3.Connection, doc_id: str) -> int:
    """Remove one document's rows, keeping its file's other documents and fingerprint; returns 1, or 0 if unknown."""
    chunk_of = "SELECT id FROM chunks WHERE doc_id = ?"
    for table in ("chunk_tokens", "chunk_units"):
        tx.execute(f"DELETE FROM {table} WHERE chunk_id IN ({chunk_of})", (doc_id,))
    for table in ("chunks", "units", "bodies"):  # units_table's and bodies_table's rows, by document
        tx.execute(f"DELETE FROM {table} WHERE doc_id = ?", (doc_id,))
    return tx.execute("DELETE FROM documents WHERE id = ?", (doc_id,)).rowcount


def insert_source(
    tx: sqlite3.Connection,
    source: str,
    fingerprint: str,
    docs: Sequence[tuple[Document, str | None, str]],
    new_chunks: Sequence[tuple[Chunk, str]],
    indexing: Mapping[str, ChunkIndex],
) -> None:
    """Write ``source``'s rows: (document, old family, overrides) and (chunk, family) pairs."""
    tx.executemany(
        f"INSERT INTO documents ({_DOC_COLUMNS}, overrides) VALUES ({','.join('?' * 15)})",
        [_doc_params(d, family, overrides) for d, family, overrides in docs],
    )
    tx.executemany(
        f"INSERT INTO chunks ({_CHUNK_COLUMNS}, minhash, text_key) VALUES ({','.join('?' * 13)})",
        [_chunk_params(c, family, indexing[c.id]) for c, family in new_chunks],
    )
    tx.executemany(
        "INSERT OR REPLACE INTO chunk_tokens (chunk_id, tokens) VALUES (?, ?)",
        [(c.id, _dump(indexing[c.id].tokens)) for c, _ in new_chunks],
    )
    tx.executemany(
        "INSERT OR IGNORE INTO chunk_units (chunk_id, unit_id) VALUES (?, ?)",
        [(c.id, uid) for c, _ in new_chunks for uid in indexing[c.id].sentences],
    )
    tx.execute(
        "INSERT INTO sources (source, fingerprint, ingested_at) VALUES (?, ?, ?)",
        (source, fingerprint, datetime.now(timezone.utc).isoformat(timespec="seconds")),
    )


def add_pending(tx: sqlite3.Connection, source: str, ids: Iterable[str]) -> None:
    """Note vectors about to be written for ``source`` ahead of its catalog commit."""
    tx.executemany("INSERT OR IGNORE INTO pending_vectors (id, source) VALUES (?, ?)", [(i, source) for i in ids])


def pending(db: sqlite3.Connection, source: str) -> set[str]:
    """Vectors written for ``source`` that no commit has claimed yet."""
    return {r[0] for r in db.execute("SELECT id FROM pending_vectors WHERE source = ?", (source,))}


def clear_pending(tx: sqlite3.Connection, source: str | None = None, *, referenced_only: bool = False) -> None:
    """Forget pending vectors: those the catalog now references, ``source``'s, or all."""
    if referenced_only:
        tx.execute("DELETE FROM pending_vectors WHERE id IN (SELECT id FROM chunks)")
        tx.execute("DELETE FROM pending_vectors WHERE id IN (SELECT unit_id FROM chunk_units)")
    elif source is not None:
        tx.execute("DELETE FROM pending_vectors WHERE source = ?", (source,))
    else:
        tx.execute("DELETE FROM pending_vectors")


def set_override(tx: sqlite3.Connection, doc_id: str, field: str, value: Any) -> bool:
    """Record a hand correction; False when there is no such document."""
    return _change_overrides(tx, doc_id, lambda overrides: {**overrides, field: value})


def clear_override(tx: sqlite3.Connection, doc_id: str, field: str | None) -> bool:
    """Drop one correction (all when ``field`` is None); False when there is no such document."""
    return _change_overrides(tx, doc_id, lambda overrides: {} if field is None else {k: v for k, v in overrides.items() if k != field})


def _change_overrides(tx: sqlite3.Connection, doc_id: str, change: Callable[[dict], dict]) -> bool:
    row = tx.execute("SELECT overrides FROM documents WHERE id = ?", (doc_id,)).fetchone()
    if row is None:
        return False
    tx.execute("UPDATE documents SET overrides = ? WHERE id = ?", (_dump(change(json.loads(row[0] or "{}"))), doc_id))
    return True
