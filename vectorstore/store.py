"""The corpus store: a SQLite catalog (the truth) plus Chroma (the vectors).

Every read goes through the catalog, so Chroma may briefly hold vectors no
catalog row references — after a crash, or between a catalog commit and the
cleanup that follows it — and nobody sees them. That is what lets
:meth:`CorpusStore.replace_source` be atomic without a distributed
transaction: vectors are written first, the catalog commit is the one atomic
point, and unreferenced vectors are deleted afterwards (or by :meth:`vacuum`).
"""
from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np

from ingest.model import Chunk, Document

from . import families as fam
from .lexical import tokenize
from ingest.chunking import sentence_units
from ingest.units import Unit
from vectorstore import bodies_table, units_table

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3

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
-- Vectors written to Chroma ahead of a catalog commit that may never come;
-- the next replace of the same source, or vacuum(), deletes the leftovers.
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
CREATE TABLE IF NOT EXISTS pending_vectors (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL
);
"""

_DOC_COLUMNS = (
    "id, source, idx, title, level, year, kind, org_name, on_topic, topic_reason, "
    "text, span_start, span_end, family_id"
)
# Fields an admin may correct by hand; the corrections survive re-ingest.
OVERRIDABLE = {"title": str, "level": str, "year": (int, type(None)), "kind": str, "on_topic": bool, "org_name": (str, type(None)),
               "body": (str, type(None))}  # body: whose plan it is (a name: 上城区政协), ingest.bodies

_CHUNK_COLUMNS = (
    "id, doc_id, source, text, heading_path, section_role, span_start, span_end, "
    "placeholders, foreign_names, family_id"
)

# Rows per Chroma get/update/delete call and ids per SQLite IN (...) list.
_CHROMA_BATCH = 1000
_SQL_BATCH = 500


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why and what to do."""


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _doc_from_row(row: sqlite3.Row) -> Document:
    doc = Document(
        id=row["id"],
        source=row["source"],
        index=row["idx"],
        title=row["title"],
        level=row["level"],
        year=row["year"],
        kind=row["kind"],
        org_name=row["org_name"],
        on_topic=bool(row["on_topic"]),
        topic_reason=row["topic_reason"],
        text=row["text"],
        span=(row["span_start"], row["span_end"]),
        family_id=row["family_id"],
    )
    overrides = json.loads(row["overrides"] or "{}")
    for name, value in overrides.items():
        setattr(doc, name, value)
    doc.overrides = overrides
    return doc


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
    return Chunk(
        id=row["id"],
        doc_id=row["doc_id"],
        source=row["source"],
        text=row["text"],
        heading_path=json.loads(row["heading_path"]),
        section_role=row["section_role"],
        span=(row["span_start"], row["span_end"]),
        placeholders=json.loads(row["placeholders"]),
        foreign_names=json.loads(row["foreign_names"]),
        family_id=row["family_id"],
    )


def chunk_metadata(chunk: Chunk, doc: Document, family_id: str | None = None) -> dict[str, Any]:
    """What Chroma keeps next to a chunk's vector, for ``where`` filters."""
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "level": doc.level,
        "kind": doc.kind,
        "on_topic": bool(doc.on_topic),
        "section_role": chunk.section_role,
        "family_id": family_id or chunk.family_id or chunk.id,
        "vector": "chunk",
    }
    if doc.year is not None:  # Chroma metadata has no null
        meta["year"] = int(doc.year)
    return meta


class CorpusStore:
    """Documents and chunks of the ingested corpus, with their vectors.

    Collaborators (embedder, Chroma client, SQLite connection) are created on
    first use, so constructing a store is free. One instance may be shared by
    threads; a lock serialises its operations.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        embedder=None,
        client=None,
        chroma_url: str = "",
        collection: str = "plandraft_chunks",
        dup_threshold: float = fam.DEFAULT_THRESHOLD,
    ):
        self.data_dir = Path(data_dir)
        self.chroma_url = chroma_url or ""
        self.collection_name = collection
        self.dup_threshold = float(dup_threshold)
        self._embedder = embedder
        self._client = client
        self._owns_client = client is None
        self._collection_obj = None
        # The catalog generation the embedded Chroma client is known to be current with: when
        # another process writes the data directory, this process's client goes stale (and
        # Chroma fails with "Error finding id"), so it is reopened.
        self._chroma_generation: int | None = None
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()

    # -- collaborators -------------------------------------------------------

    @property
    def embedder(self):
        """The embedder whose vectors this store holds (query vectors must come from it)."""
        if self._embedder is None:
            from .embedder import Embedder

            self._embedder = Embedder()
        return self._embedder

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite"

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.catalog_path, isolation_level=None, check_same_thread=False, timeout=30
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                raise StoreError(
                    f"{self.catalog_path} was written by a newer plandraft (schema {version}); upgrade plandraft."
                )
            if 0 < version < 2:
                _upgrade_to_2(db)
            db.executescript(_SCHEMA + units_table.DDL + bodies_table.DDL)
            if 0 < version < 3:
                # Schema 3 adds the units ingest computes: forget the files' fingerprints so the
                # next ingest parses every file again (hand corrections are kept).
                db.execute("DELETE FROM sources")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db = db
        return self._db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        start = _read_generation(db)
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        end = _read_generation(db)
        db.execute("COMMIT")
        if self._chroma_generation == start:
            # This process's own write (the write lock was held): its Chroma client is current.
            self._chroma_generation = end

    def _chroma(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            settings = Settings(anonymized_telemetry=False)
            if self.chroma_url:
                parts = urlsplit(self.chroma_url if "//" in self.chroma_url else "http://" + self.chroma_url)
                if not parts.hostname:
                    raise StoreError(f"PLANDRAFT_CHROMA_URL {self.chroma_url!r} names no host.")
                ssl = parts.scheme == "https"
                port = parts.port or (443 if ssl else 8000)
                try:
                    self._client = chromadb.HttpClient(
                        host=parts.hostname, port=port, ssl=ssl, settings=settings
                    )
                except Exception as exc:
                    raise StoreError(
                        f"Cannot reach the Chroma server at {self.chroma_url} (PLANDRAFT_CHROMA_URL): {exc}"
                    ) from exc
            else:
                path = self.data_dir / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        return self._client

    def _collection(self):
        """The chunk collection, checked to hold this embedder's vectors."""
        if self._collection_obj is not None:
            if not self._chroma_is_stale():
                return self._collection_obj
            log.info("%s was changed by another process; reopening Chroma", self.data_dir)
            self._drop_chroma()
        # Read before opening: a write landing in between makes the next use reopen again.
        generation = self.generation()
        name = self.embedder.name
        client = self._chroma()
        try:
            # embedding_function=None: Chroma's default function would
            # download a model; every call here passes vectors explicitly.
            coll = client.get_or_create_collection(
                self.collection_name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": name},
            )
        except Exception as exc:
            where = f"the Chroma server at {self.chroma_url} (PLANDRAFT_CHROMA_URL)" if self.chroma_url else "Chroma"
            raise StoreError(f"Cannot open the collection {self.collection_name!r} in {where}: {exc}") from exc
        stored = (coll.metadata or {}).get("embedder")
        if stored is None:
            if coll.count():
                raise StoreError(
                    f"The Chroma collection {self.collection_name!r} holds vectors from an unknown "
                    "embedder (it was not created by plandraft); use another collection or data directory."
                )
            coll.modify(metadata={**(coll.metadata or {}), "embedder": name})
        elif stored != name:
            raise StoreError(
                f"The Chroma collection {self.collection_name!r} holds vectors made by {stored!r}, "
                f"but the current embedder is {name!r} (PLANDRAFT_EMBEDDING_MODEL / "
                "PLANDRAFT_EMBEDDING_DTYPE). Use the embedder it was built with, or re-ingest "
                "into a fresh data directory (or another PLANDRAFT_COLLECTION)."
            )
        space = _hnsw_space(coll)
        if space not in (None, "cosine"):
            raise StoreError(
                f"The Chroma collection {self.collection_name!r} uses {space!r} distance; plandraft needs cosine."
            )
        self._collection_obj = coll
        self._chroma_generation = generation
        return coll

    def _chroma_is_stale(self) -> bool:
        """Whether another process wrote the catalog (and so Chroma) since our client opened."""
        if self.chroma_url or not self._owns_client:
            return False  # a Chroma server, or a client we were given, is shared and current
        return self.generation() != self._chroma_generation

    def _drop_chroma(self) -> None:
        if self._owns_client and self._client is not None:
            close = getattr(self._client, "close", None)
            if close is not None:
                close()  # the last client of a path stops its system, so the next one reads afresh
            self._client = None
        self._collection_obj = None
        self._chroma_generation = None

    # -- catalog reads ------------------------------------------------------

    def fingerprint(self, source: str) -> str | None:
        """The fingerprint recorded when ``source`` was last ingested, or None."""
        with self._lock:
            row = self._conn().execute(
                "SELECT fingerprint FROM sources WHERE source = ?", (str(source),)
            ).fetchone()
            return row[0] if row else None

    def documents(self, include_off_topic: bool = True) -> list[Document]:
        sql = f"SELECT {_DOC_COLUMNS}, overrides FROM documents"
        if not include_off_topic:
            sql += " WHERE on_topic = 1"
        sql += " ORDER BY source, idx"
        with self._lock:
            return [_doc_from_row(r) for r in self._conn().execute(sql)]

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            row = self._conn().execute(
                f"SELECT {_DOC_COLUMNS}, overrides FROM documents WHERE id = ?", (doc_id,)
            ).fetchone()
            return _doc_from_row(row) if row else None

    def chunks(self, doc_id: str | None = None, ids: Iterable[str] | None = None) -> list[Chunk]:
        """Chunks of one document (in text order), chosen ids (in the order given), or all."""
        cols = ", ".join("c." + c.strip() for c in _CHUNK_COLUMNS.split(","))
        base = f"SELECT {cols} FROM chunks c JOIN documents d ON d.id = c.doc_id"
        with self._lock:
            db = self._conn()
            if ids is not None:
                wanted = list(dict.fromkeys(ids))
                found: dict[str, Chunk] = {}
                for batch in _batches(wanted, _SQL_BATCH):
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

    def sources(self) -> list[dict]:
        sql = """
            SELECT s.source, s.fingerprint, s.ingested_at,
                   (SELECT COUNT(*) FROM documents d WHERE d.source = s.source) AS documents,
                   (SELECT COUNT(*) FROM chunks c WHERE c.source = s.source) AS chunks
            FROM sources s ORDER BY s.source
        """
        with self._lock:
            return [dict(r) for r in self._conn().execute(sql)]

    def stats(self) -> dict:
        """Counts for the admin page; ``vectors`` is what Chroma holds, orphans included."""
        with self._lock:
            db = self._conn()

            def one(sql: str) -> int:
                return int(db.execute(sql).fetchone()[0])

            return {
                "sources": one("SELECT COUNT(*) FROM sources"),
                "documents": one("SELECT COUNT(*) FROM documents"),
                "on_topic_documents": one("SELECT COUNT(*) FROM documents WHERE on_topic = 1"),
                "chunks": one("SELECT COUNT(*) FROM chunks"),
                "chunk_families": _multi_member_families(db, "chunks"),
                "document_families": _multi_member_families(db, "documents"),
                "vectors": self._collection().count(),
                "embedder": self.embedder.name,
            }

    # -- writes ---------------------------------------------------------------

    def replace_source(
        self,
        source: str,
        fingerprint: str,
        documents: Sequence[Document],
        chunks: Sequence[Chunk],
        plan_units: Sequence[Unit] = (),
    ) -> dict:
        """Make the catalog hold exactly ``documents`` and ``chunks`` for ``source``.

        Returns ``added`` / ``removed`` (chunk ids new to / gone from the
        source), ``embedded`` (vectors computed), ``documents``, ``chunks`` and
        ``unchanged`` (True when the fingerprint matched and nothing was done).
        If anything fails before the catalog commit, the catalog is as it was.
        Families of the new rows are carried over or left as singletons; call
        :meth:`refresh_families` once a batch of sources is in.
        """
        source = str(source)
        with self._lock:
            if self.fingerprint(source) == fingerprint:
                return {"added": 0, "removed": 0, "embedded": 0, "documents": 0, "chunks": 0, "unchanged": True}
            documents, chunks = list(documents), list(chunks)
            by_doc = self._validate(source, documents, chunks)
            db = self._conn()

            old_chunks = {
                r["id"]: r["family_id"]
                for r in db.execute("SELECT id, family_id FROM chunks WHERE source = ?", (source,))
            }
            old_units = _units_of_source(db, source)
            old_docs = {
                r["id"]: (r["family_id"], r["overrides"])
                for r in db.execute("SELECT id, family_id, overrides FROM documents WHERE source = ?", (source,))
            }
            # A chunk that survives a re-ingest keeps its family until the next refresh.
            family = {c.id: c.family_id or old_chunks.get(c.id) or c.id for c in chunks}
            metadata = {c.id: chunk_metadata(c, by_doc[c.doc_id], family[c.id]) for c in chunks}
            signatures = {c.id: fam.signature(c.text) for c in chunks}
            tokens = {c.id: json.dumps(tokenize(c.text), ensure_ascii=False) for c in chunks}
            units = {c.id: sentence_units(c.text) for c in chunks}  # chunk id → {unit id: text}
            # Corrections made by hand follow a document whose id changed with its text,
            # as long as it keeps its place and title in the file.
            by_place = {
                (r["idx"], r["title"]): r["overrides"]
                for r in db.execute("SELECT idx, title, overrides FROM documents WHERE source = ?", (source,))
            }

            # 1. vectors for chunks Chroma does not have yet (ids are content hashes)
            coll = self._collection()
            present = self._ids_in_chroma(coll, [c.id for c in chunks])
            missing = [c for c in chunks if c.id not in present]
            unit_texts = {uid: text for per_chunk in units.values() for uid, text in per_chunk.items()}
            missing_units = sorted(set(unit_texts) - self._ids_in_chroma(coll, sorted(unit_texts)))
            if missing or missing_units:
                with self._transaction() as tx:
                    tx.executemany(
                        "INSERT OR IGNORE INTO pending_vectors (id, source) VALUES (?, ?)",
                        [(c.id, source) for c in missing] + [(u, source) for u in missing_units],
                    )
            missing = self._reuse_vectors(coll, missing, metadata)
            embedded = self._embed_and_upsert(coll, missing, metadata)
            self._embed_units(coll, [(u, unit_texts[u]) for u in missing_units])

            # 2. the atomic point
            with self._transaction() as tx:
                tx.execute("DELETE FROM chunk_tokens WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
                tx.execute("DELETE FROM chunk_units WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
                tx.execute("DELETE FROM chunks WHERE source = ?", (source,))
                tx.execute("DELETE FROM documents WHERE source = ?", (source,))
                units_table.write(tx, source, plan_units)
                bodies_table.write(tx, source, documents)
                tx.executemany(
                    "INSERT OR IGNORE INTO chunk_units (chunk_id, unit_id) VALUES (?, ?)",
                    [(cid, uid) for cid, per_chunk in units.items() for uid in per_chunk],
                )
                tx.executemany(
                    f"INSERT INTO documents ({_DOC_COLUMNS}, overrides) VALUES ({','.join('?' * 15)})",
                    [
                        _doc_params(d, *old_docs.get(d.id, (None, by_place.get((d.index, d.title), "{}"))))
                        for d in documents
                    ],
                )
                tx.executemany(
                    "INSERT OR REPLACE INTO chunk_tokens (chunk_id, tokens) VALUES (?, ?)",
                    [(cid, toks) for cid, toks in tokens.items()],
                )
                _bump_generation(tx)
                tx.executemany(
                    f"INSERT INTO chunks ({_CHUNK_COLUMNS}, minhash, text_key) VALUES ({','.join('?' * 13)})",
                    [_chunk_params(c, family[c.id], signatures[c.id]) for c in chunks],
                )
                tx.execute(
                    "INSERT INTO sources (source, fingerprint, ingested_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (source) DO UPDATE SET fingerprint = excluded.fingerprint, "
                    "ingested_at = excluded.ingested_at",
                    (source, fingerprint, _now()),
                )
                tx.execute("DELETE FROM pending_vectors WHERE id IN (SELECT id FROM chunks)")
                tx.execute("DELETE FROM pending_vectors WHERE id IN (SELECT unit_id FROM chunk_units)")

            # 3. best effort: the catalog is already right, readers ignore the rest
            new_ids = {c.id for c in chunks}
            try:
                reused = [c.id for c in chunks if c.id in present]
                self._update_metadata(coll, reused, metadata)
                self._drop_unreferenced(coll, (set(old_chunks) - new_ids) | old_units, source=source)
            except Exception as exc:  # noqa: BLE001 - cleanup must not undo a commit
                log.warning("Chroma cleanup after replacing %s failed (run vacuum later): %s", source, exc)
            return {
                "added": len(new_ids - set(old_chunks)),
                "removed": len(set(old_chunks) - new_ids),
                "embedded": embedded,
                "documents": len(documents),
                "chunks": len(chunks),
                "unchanged": False,
            }

    def remove_source(self, source: str) -> int:
        """Forget ``source``; returns how many documents it had (0 if unknown)."""
        source = str(source)
        with self._lock:
            db = self._conn()
            chunk_ids = {r[0] for r in db.execute("SELECT id FROM chunks WHERE source = ?", (source,))}
            chunk_ids |= _units_of_source(db, source)
            with self._transaction() as tx:
                removed = tx.execute("SELECT COUNT(*) FROM documents WHERE source = ?", (source,)).fetchone()[0]
                tx.execute("DELETE FROM chunk_tokens WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
                tx.execute("DELETE FROM chunk_units WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
                tx.execute("DELETE FROM chunks WHERE source = ?", (source,))
                units_table.delete(tx, source)
                bodies_table.delete(tx, source)
                _bump_generation(tx)
                tx.execute("DELETE FROM documents WHERE source = ?", (source,))
                tx.execute("DELETE FROM sources WHERE source = ?", (source,))
            pending = db.execute("SELECT 1 FROM pending_vectors WHERE source = ? LIMIT 1", (source,)).fetchone()
            if chunk_ids or pending:
                try:
                    self._drop_unreferenced(self._collection(), chunk_ids, source=source)
                except Exception as exc:  # noqa: BLE001
                    log.warning("Chroma cleanup after removing %s failed (run vacuum later): %s", source, exc)
            return int(removed)

    def refresh_families(self, threshold: float | None = None) -> dict:
        """Recompute near-duplicate families of chunks and of documents across the corpus.

        Returns how many families have more than one member, for each.
        """
        threshold = self.dup_threshold if threshold is None else float(threshold)
        with self._lock:
            db = self._conn()
            chunk_rows = db.execute("SELECT id, text, minhash, family_id FROM chunks").fetchall()
            chunk_sigs: dict[str, bytes] = {}
            stale_sigs: list[tuple[bytes, str]] = []
            for r in chunk_rows:
                sig = r["minhash"]
                if not fam.is_current(sig):
                    sig = fam.signature(r["text"])
                    stale_sigs.append((sig, r["id"]))
                chunk_sigs[r["id"]] = sig
            chunk_family = fam.families(chunk_sigs, threshold)
            changed_chunks = [(chunk_family[r["id"]], r["id"]) for r in chunk_rows if r["family_id"] != chunk_family[r["id"]]]

            doc_rows = db.execute("SELECT id, text, family_id FROM documents").fetchall()
            doc_family = fam.families({r["id"]: fam.signature(r["text"]) for r in doc_rows}, threshold)
            changed_docs = [(doc_family[r["id"]], r["id"]) for r in doc_rows if r["family_id"] != doc_family[r["id"]]]

            # Chroma first: if it fails, the catalog still shows the old
            # families and a rerun finds the same changes to make.
            if changed_chunks:
                coll = self._collection()
                present = self._ids_in_chroma(coll, [cid for _, cid in changed_chunks])
                updates = [(f, cid) for f, cid in changed_chunks if cid in present]
                for batch in _batches(updates, _CHROMA_BATCH):
                    coll.update(ids=[cid for _, cid in batch], metadatas=[{"family_id": f} for f, _ in batch])
            with self._transaction() as tx:
                tx.executemany("UPDATE chunks SET minhash = ? WHERE id = ?", stale_sigs)
                tx.executemany("UPDATE chunks SET family_id = ? WHERE id = ?", changed_chunks)
                tx.executemany("UPDATE documents SET family_id = ? WHERE id = ?", changed_docs)
                if changed_chunks or changed_docs:
                    _bump_generation(tx)
            return {
                "chunk_families": _count_multi(chunk_family),
                "document_families": _count_multi(doc_family),
            }

    # -- units ----------------------------------------------------------------------------------

    def units(self, chunk_ids: Iterable[str] | None = None) -> list[Unit]:
        """The plan items ingest found in these chunks (every unit when None)."""
        with self._lock:
            return units_table.read(self._conn(), chunk_ids)

    def bodies(self) -> dict[str, "bodies_table.BodyRow"]:
        """Document id → the body ingest found it is by (``ingest.bodies``; overrides not applied)."""
        with self._lock:
            return bodies_table.read(self._conn())

    def unit_sentences(self) -> list[tuple[str, str, list[str]]]:
        """(unit id, document id, sentences) of every unit: the corpus-wide checks read these."""
        with self._lock:
            return [(uid, doc, json.loads(s)) for uid, doc, s in units_table.sentences(self._conn())]

    def set_corpus_signals(self, found: dict) -> int:
        """Store the signals ingest found across the corpus (damaged copies, typos)."""
        with self._lock, self._transaction() as tx:
            changed = units_table.set_corpus_signals(tx, found)
            if changed:
                _bump_generation(tx)
            return changed

    def signal_counts(self) -> dict[str, int]:
        """Chunk id → number of signals on its units."""
        with self._lock:
            return units_table.signal_counts(self._conn())

    # -- the lexical index and change tracking ------------------------------------------------

    def generation(self) -> int:
        """A number that changes whenever the catalog does (in this process or another)."""
        with self._lock:
            row = self._conn().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            return int(row[0]) if row else 0

    def chunk_tokens(self) -> dict[str, list[str]]:
        """Every catalogued chunk's lexical tokens (for BM25)."""
        with self._lock:
            rows = self._conn().execute(
                "SELECT t.chunk_id, t.tokens FROM chunk_tokens t JOIN chunks c ON c.id = t.chunk_id"
            ).fetchall()
        return {r[0]: json.loads(r[1]) for r in rows}

    # -- corrections by hand ------------------------------------------------------------------

    def set_override(self, doc_id: str, field: str, value: Any) -> Document:
        """Correct one field of a document's metadata; the correction survives re-ingest."""
        expected = OVERRIDABLE.get(field)
        if expected is None:
            raise ValueError(f"{field}: cannot be corrected (one of {', '.join(OVERRIDABLE)})")
        if not isinstance(value, expected) or (field == "year" and isinstance(value, bool)):
            raise ValueError(f"{field}: wrong type {type(value).__name__}")
        with self._lock, self._transaction() as tx:
            row = tx.execute("SELECT overrides FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                raise ValueError(f"doc_id: no document {doc_id}")
            overrides = json.loads(row[0] or "{}")
            overrides[field] = value
            tx.execute("UPDATE documents SET overrides = ? WHERE id = ?", (json.dumps(overrides, ensure_ascii=False), doc_id))
            _bump_generation(tx)
        return self.document(doc_id)

    def clear_override(self, doc_id: str, field: str | None = None) -> None:
        """Undo a correction (or all of a document's corrections)."""
        with self._lock, self._transaction() as tx:
            row = tx.execute("SELECT overrides FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                return
            overrides = {} if field is None else {k: v for k, v in json.loads(row[0] or "{}").items() if k != field}
            tx.execute("UPDATE documents SET overrides = ? WHERE id = ?", (json.dumps(overrides, ensure_ascii=False), doc_id))
            _bump_generation(tx)

    def vacuum(self) -> int:
        """Delete Chroma vectors no catalog row references; returns how many.

        Do not run it while another process is ingesting: that process's
        vectors are unreferenced until its catalog commit.
        """
        with self._lock:
            coll = self._collection()
            db = self._conn()
            in_chroma: list[str] = []
            offset = 0
            while True:
                got = coll.get(include=[], limit=_CHROMA_BATCH, offset=offset)["ids"]
                in_chroma.extend(got)
                if len(got) < _CHROMA_BATCH:
                    break
                offset += len(got)
            referenced = {r[0] for r in db.execute("SELECT id FROM chunks UNION SELECT unit_id FROM chunk_units")}
            orphans = [i for i in in_chroma if i not in referenced]
            for batch in _batches(orphans, _CHROMA_BATCH):
                coll.delete(ids=list(batch))
            with self._transaction() as tx:
                tx.execute("DELETE FROM pending_vectors")
            return len(orphans)

    # -- search -----------------------------------------------------------------

    def dense_search(self, query_vector, k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """The ``k`` catalog chunks nearest ``query_vector``: (chunk id, cosine similarity), best first.

        ``where`` is a Chroma metadata filter over doc_id, source, level,
        year, kind, on_topic, section_role and family_id.
        """
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        only_chunks = {"vector": "chunk"}
        where = {"$and": [where, only_chunks]} if where else only_chunks
        with self._lock:
            coll = self._collection()
            total = coll.count()
            if k <= 0 or total == 0:
                return []
            n = min(total, k + max(8, k // 2))
            while True:
                res = self._query(query_embeddings=[query], n_results=n, where=where or None, include=["distances"])
                ids, distances = res["ids"][0], res["distances"][0]
                known = self._ids_in_catalog(ids)
                hits = [(i, 1.0 - float(d)) for i, d in zip(ids, distances) if i in known]
                # Orphans (or a filter) can leave fewer than k: widen and retry.
                if len(hits) >= k or len(ids) < n or n >= total:
                    return hits[:k]
                n = min(total, n * 2)

    def dense_search_both(self, query_vector, k: int) -> tuple[dict[str, float], dict[str, float]]:
        """One unfiltered nearest-neighbour query for chunk and sentence vectors together.

        Returns (chunk id → its similarity, chunk id → its best sentence's similarity), both
        limited to catalogued chunks.  A ``where`` filter makes Chroma compute the allowed ids
        from its metadata on every query, which at 100× the sample corpus cost most of a
        search; sentence ids start with "u", so no filter is needed to tell them apart.
        """
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        with self._lock:
            total = self._collection().count()
            if k <= 0 or total == 0:
                return {}, {}
            res = self._query(query_embeddings=[query], n_results=min(total, k), include=["distances"])
            sims = {i: 1.0 - float(d) for i, d in zip(res["ids"][0], res["distances"][0])}
            unit_sims = {i: v for i, v in sims.items() if i.startswith("u")}
            chunk_ids = [i for i in sims if not i.startswith("u")]
            known = self._ids_in_catalog(chunk_ids)
            chunks = {i: sims[i] for i in chunk_ids if i in known}
            return chunks, self._best_sentence_per_chunk(unit_sims)

    def _best_sentence_per_chunk(self, unit_sims: dict[str, float]) -> dict[str, float]:
        """Catalogued chunk id → the highest similarity among its sentences in ``unit_sims``."""
        best: dict[str, float] = {}
        db = self._conn()
        for batch in _batches(list(unit_sims), _SQL_BATCH):
            rows = db.execute(
                f"SELECT cu.chunk_id, cu.unit_id FROM chunk_units cu JOIN chunks c ON c.id = cu.chunk_id "
                f"WHERE cu.unit_id IN ({','.join('?' * len(batch))})",
                list(batch),
            ).fetchall()
            for chunk_id, unit_id in rows:
                best[chunk_id] = max(best.get(chunk_id, -1.0), unit_sims[unit_id])
        return best

    def _query(self, **kwargs) -> dict:
        """``collection.query``; an embedded client another process's writes broke is reopened once."""
        for attempt in (1, 2):
            coll = self._collection()
            try:
                return coll.query(**kwargs)
            except Exception as exc:
                if attempt == 2 or self.chroma_url or not self._owns_client:
                    raise StoreError(f"Chroma query failed: {exc}") from exc
                log.warning("Chroma query failed (%s); reopening %s and retrying", exc, self.data_dir)
                self._drop_chroma()
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self._drop_chroma()

    def __enter__(self) -> "CorpusStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------

    def _validate(self, source: str, documents: list[Document], chunks: list[Chunk]) -> dict[str, Document]:
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
            seen.add(c.id)
        db = self._conn()
        for table, ids in (("documents", list(by_doc)), ("chunks", list(seen))):
            for batch in _batches(ids, _SQL_BATCH):
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

    def _ids_in_chroma(self, coll, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for batch in _batches(list(ids), _CHROMA_BATCH):
            found.update(coll.get(ids=list(batch), include=[])["ids"])
        return found

    def _ids_in_catalog(self, ids: Sequence[str]) -> set[str]:
        db = self._conn()
        found: set[str] = set()
        for batch in _batches(list(ids), _SQL_BATCH):
            marks = ",".join("?" * len(batch))
            found.update(
                r[0]
                for r in db.execute(
                    f"SELECT id FROM chunks WHERE id IN ({marks}) UNION SELECT unit_id FROM chunk_units WHERE unit_id IN ({marks})",
                    list(batch) * 2,
                )
            )
        return found

    def _embed_and_upsert(self, coll, chunks: list[Chunk], metadata: dict[str, dict]) -> int:
        """Embed and store ``chunks``; copies within the batch (same text, numbering aside) are
        embedded once.  Returns how many texts were embedded."""
        first: dict[str, Chunk] = {}
        copies: dict[str, list[Chunk]] = {}
        for c in chunks:
            key = text_key(c.text)
            first.setdefault(key, c)
            copies.setdefault(key, []).append(c)
        for batch, vectors in self._embedded([(key, c.text) for key, c in first.items()]):
            members = [(m, vectors[i]) for i, (key, _) in enumerate(batch) for m in copies[key]]
            coll.upsert(
                ids=[m.id for m, _ in members],
                embeddings=np.asarray([v for _, v in members], dtype=np.float32),
                metadatas=[metadata[m.id] for m, _ in members],
                documents=[m.text for m, _ in members],
            )
        return len(first)

    def _embedded(self, items: list[tuple[str, str]]) -> Iterator[tuple[list[tuple[str, str]], np.ndarray]]:
        """(key, text) items embedded batch by batch: (the batch, its vectors)."""
        embedder = self.embedder
        size = max(1, int(getattr(embedder, "batch_size", 32)))
        # Similar lengths in one batch: a batch is padded to its longest text, and a mix of
        # headings and 600-character sections made ingest embed ~3× slower than the bare model.
        for batch in _batches(sorted(items, key=lambda item: len(item[1])), size):
            vectors = np.asarray(embedder.embed([text for _, text in batch]), dtype=np.float32)
            if vectors.ndim != 2 or vectors.shape[0] != len(batch):
                raise StoreError(f"{embedder.name} returned vectors of shape {vectors.shape} for {len(batch)} texts")
            yield batch, vectors

    def _reuse_vectors(self, coll, chunks: list[Chunk], metadata: dict[str, dict]) -> list[Chunk]:
        """Copy the vector of an identical stored text to each chunk that has one; return the rest."""
        db = self._conn()
        twin: dict[str, str] = {}
        for c in chunks:
            row = db.execute("SELECT id FROM chunks WHERE text_key = ? LIMIT 1", (text_key(c.text),)).fetchone()
            if row is not None:
                twin[c.id] = row[0]
        if not twin:
            return chunks
        got = coll.get(ids=sorted(set(twin.values())), include=["embeddings"])
        vectors = {i: v for i, v in zip(got["ids"], got["embeddings"])}
        reuse = [c for c in chunks if twin.get(c.id) in vectors]
        for batch in _batches(reuse, _CHROMA_BATCH):
            coll.upsert(
                ids=[c.id for c in batch],
                embeddings=np.asarray([vectors[twin[c.id]] for c in batch], dtype=np.float32),
                metadatas=[metadata[c.id] for c in batch],
                documents=[c.text for c in batch],
            )
        reused = {c.id for c in reuse}
        return [c for c in chunks if c.id not in reused]

    def _embed_units(self, coll, units: list[tuple[str, str]]) -> None:
        for batch, vectors in self._embedded(units):
            coll.upsert(
                ids=[u for u, _ in batch],
                embeddings=vectors,
                metadatas=[{"vector": "unit"} for _ in batch],
                documents=[t for _, t in batch],
            )

    def _update_metadata(self, coll, ids: list[str], metadata: dict[str, dict]) -> None:
        for batch in _batches(ids, _CHROMA_BATCH):
            coll.update(ids=list(batch), metadatas=[metadata[i] for i in batch])

    def _drop_unreferenced(self, coll, candidates: set[str], *, source: str) -> None:
        """Delete from Chroma the candidates (and ``source``'s pending ids) no chunk row references."""
        db = self._conn()
        pending = {r[0] for r in db.execute("SELECT id FROM pending_vectors WHERE source = ?", (source,))}
        candidates = set(candidates) | pending
        orphans = sorted(candidates - self._ids_in_catalog(sorted(candidates)))
        for batch in _batches(orphans, _CHROMA_BATCH):
            coll.delete(ids=list(batch))
        if pending:
            with self._transaction() as tx:
                tx.execute("DELETE FROM pending_vectors WHERE source = ?", (source,))


_NUMBERING = re.compile(r"(?m)^\s*(?:#{1,6}\s*)?(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[、.．]|[一二三四五六七八九十]是)")


def text_key(text: str) -> str:
    """A chunk's text with its numbering and white space removed: copies share one key."""
    return re.sub(r"\s+", "", _NUMBERING.sub("", text))


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


def _units_of_source(db: sqlite3.Connection, source: str) -> set[str]:
    """The sentence vectors' ids of every chunk ``source`` holds."""
    rows = db.execute("SELECT unit_id FROM chunk_units WHERE chunk_id IN (SELECT id FROM chunks WHERE source = ?)", (source,))
    return {r[0] for r in rows}


def _read_generation(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _bump_generation(tx: sqlite3.Connection) -> None:
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('generation', 1) "
        "ON CONFLICT (key) DO UPDATE SET value = value + 1"
    )


def _doc_params(d: Document, old_family: str | None, overrides: str) -> tuple:
    return (
        d.id, d.source, int(d.index), d.title, d.level, d.year, d.kind, d.org_name,
        int(bool(d.on_topic)), d.topic_reason, d.text, int(d.span[0]), int(d.span[1]),
        d.family_id or old_family or d.id, overrides,
    )


def _chunk_params(c: Chunk, family_id: str, minhash: bytes) -> tuple:
    return (
        c.id, c.doc_id, c.source, c.text,
        json.dumps(list(c.heading_path), ensure_ascii=False), c.section_role,
        int(c.span[0]), int(c.span[1]),
        json.dumps(list(c.placeholders), ensure_ascii=False),
        json.dumps(list(c.foreign_names), ensure_ascii=False),
        family_id, minhash, text_key(c.text),
    )


def _count_multi(family_of: dict) -> int:
    sizes: dict = {}
    for f in family_of.values():
        sizes[f] = sizes.get(f, 0) + 1
    return sum(1 for n in sizes.values() if n > 1)


def _multi_member_families(db: sqlite3.Connection, table: str) -> int:
    return int(
        db.execute(
            f"SELECT COUNT(*) FROM (SELECT family_id FROM {table} WHERE family_id IS NOT NULL "
            "GROUP BY family_id HAVING COUNT(*) > 1)"
        ).fetchone()[0]
    )


def _hnsw_space(coll) -> str | None:
    # Chroma 1.x calls a collection made with embedding_function=None a
    # "legacy embedding function config" and warns on every read of it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            config = coll.configuration
        except Exception:  # noqa: BLE001 - older servers may not report it
            config = None
    if isinstance(config, dict):
        hnsw = config.get("hnsw") or {}
        if hnsw.get("space"):
            return hnsw["space"]
    return (coll.metadata or {}).get("hnsw:space")
