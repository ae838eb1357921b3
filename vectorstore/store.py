"""The corpus store: a SQLite catalog (the truth) plus Chroma (the vectors).

:mod:`vectorstore.catalog` holds the rows, :mod:`vectorstore.vectors` the vectors; this module
is the protocol that keeps them in step.  Every read goes through the catalog, so Chroma may
briefly hold vectors no catalog row references — after a crash, or between a catalog commit
and the cleanup that follows it — and nobody sees them.  That is what lets
:meth:`CorpusStore.replace_source` be atomic without a distributed transaction: vectors are
written first, the catalog commit is the one atomic point, and unreferenced vectors are
deleted afterwards (or by :meth:`CorpusStore.vacuum`).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ingest import families as fam
from ingest.activities import Activity
from ingest.indexing import ChunkIndex
from ingest.model import Chunk, Document
from ingest.units import Unit
from vectorstore import activities_table, bodies_table, catalog, family_table, schema, units_table
from vectorstore.catalog import OVERRIDABLE
from vectorstore.errors import StoreError
from vectorstore.vectors import VectorIndex, chunk_metadata

log = logging.getLogger(__name__)

__all__ = ["CorpusStore", "StoreError", "chunk_metadata", "OVERRIDABLE"]


class CorpusStore:
    """Documents and chunks of the ingested corpus, with their vectors.

    Collaborators (embedder, Chroma client, SQLite connection) are created on
    first use, so constructing a store is free. One instance may be shared by
    threads; a lock serialises its operations.
    """

    def __init__(self, data_dir: Path, *, embedder=None, client=None, chroma_url: str = "",
                 collection: str = "plandraft_chunks", dup_threshold: float = fam.DEFAULT_THRESHOLD):
        self.data_dir = Path(data_dir)
        self.chroma_url = chroma_url or ""
        self.collection_name = collection
        self.dup_threshold = float(dup_threshold)
        self._embedder = embedder
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self.vectors = VectorIndex(
            self.data_dir, embedder_of=lambda: self.embedder, generation=self.generation,
            client=client, chroma_url=self.chroma_url, collection=collection,
        )

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
            self._db = schema.connect(self.catalog_path)
        return self._db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with catalog.transaction(self._conn(), on_commit=self.vectors.note_commit) as tx:
            yield tx

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            self.vectors.close()

    def __enter__(self) -> "CorpusStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- catalog reads ------------------------------------------------------

    def fingerprint(self, source: str) -> str | None:
        """The fingerprint recorded when ``source`` was last ingested, or None."""
        with self._lock:
            return catalog.fingerprint(self._conn(), str(source))

    def documents(self, include_off_topic: bool = True) -> list[Document]:
        with self._lock:
            return catalog.documents(self._conn(), include_off_topic)

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            return catalog.document(self._conn(), doc_id)

    def chunks(self, doc_id: str | None = None, ids: Iterable[str] | None = None) -> list[Chunk]:
        """Chunks of one document (in text order), chosen ids (in the order given), or all."""
        with self._lock:
            return catalog.chunks(self._conn(), doc_id, ids)

    def sources(self) -> list[dict]:
        with self._lock:
            return catalog.sources(self._conn())

    def stats(self) -> dict:
        """Counts for the admin page; ``vectors`` is what Chroma holds, orphans included."""
        with self._lock:
            return {**catalog.counts(self._conn()), "vectors": self.vectors.count(), "embedder": self.embedder.name}

    def generation(self) -> int:
        """A number that changes whenever the catalog does (in this process or another)."""
        with self._lock:
            return catalog.generation(self._conn())

    def chunk_tokens(self) -> dict[str, list[str]]:
        """Every catalogued chunk's lexical tokens (for BM25)."""
        with self._lock:
            return catalog.chunk_tokens(self._conn())

    # -- replace / remove / vacuum: the protocol -----------------------------------------------

    def replace_source(
        self,
        source: str,
        fingerprint: str,
        documents: Sequence[Document],
        chunks: Sequence[Chunk],
        plan_units: Sequence[Unit] = (),
        *,
        indexing: Mapping[str, ChunkIndex],
        activities: Sequence[Activity] = (),
    ) -> dict:
        """Make the catalog hold exactly ``documents`` and ``chunks`` for ``source``.

        ``indexing`` is what ingest derived from each chunk (``ingest.indexing.index_chunks``).
        Returns ``added`` / ``removed`` (chunk ids new to / gone from the source), ``embedded``
        (vectors computed), ``documents``, ``chunks`` and ``unchanged`` (True when the
        fingerprint matched and nothing was done).  If anything fails before the catalog
        commit, the catalog is as it was.  Families of the new rows are carried over or left
        as singletons; call :meth:`refresh_families` once a batch of sources is in.
        """
        source = str(source)
        with self._lock:
            if self.fingerprint(source) == fingerprint:
                return {"added": 0, "removed": 0, "embedded": 0, "documents": 0, "chunks": 0, "unchanged": True}
            documents, chunks = list(documents), list(chunks)
            db = self._conn()
            by_doc = catalog.check_source(db, source, documents, chunks, indexing)
            old_chunks, old_sentences, old_docs, by_place = catalog.source_rows(db, source)
            # A chunk that survives a re-ingest keeps its family until the next refresh.
            family = {c.id: c.family_id or old_chunks.get(c.id) or c.id for c in chunks}
            metadata = {c.id: chunk_metadata(c, by_doc[c.doc_id], family[c.id]) for c in chunks}

            # 1. vectors Chroma does not have yet (ids are content hashes), noted as pending
            present = self.vectors.present([c.id for c in chunks])
            embedded = self._write_missing_vectors(source, chunks, present, indexing, metadata)

            # 2. the atomic point.  Corrections made by hand follow a document whose id changed
            # with its text, as long as it keeps its place and title in the file.
            docs = [(d, *old_docs.get(d.id, (None, by_place.get((d.index, d.title), "{}")))) for d in documents]
            with self._transaction() as tx:
                catalog.delete_source(tx, source)
                units_table.write(tx, source, plan_units)
                bodies_table.write(tx, source, documents)
                activities_table.write(tx, source, activities)
                catalog.insert_source(tx, source, fingerprint, docs, [(c, family[c.id]) for c in chunks], indexing)
                catalog.bump_generation(tx)
                catalog.clear_pending(tx, referenced_only=True)

            # 3. best effort: the catalog is already right, readers ignore the rest
            new_ids = {c.id for c in chunks}
            try:
                self.vectors.update_metadata({c.id: metadata[c.id] for c in chunks if c.id in present})
                self._drop_unreferenced((set(old_chunks) - new_ids) | old_sentences, source=source)
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

    def _write_missing_vectors(self, source: str, chunks: list[Chunk], present: set[str],
                               indexing: Mapping[str, ChunkIndex], metadata: dict[str, dict]) -> int:
        """Vectors for the chunks and sentences Chroma lacks; returns how many chunk texts were embedded.

        A chunk whose text (numbering aside) is already stored takes that vector instead.
        """
        missing = [c for c in chunks if c.id not in present]
        sentences = {uid: text for c in chunks for uid, text in indexing[c.id].sentences.items()}
        missing_sentences = sorted(set(sentences) - self.vectors.present(sorted(sentences)))
        if missing or missing_sentences:
            with self._transaction() as tx:
                catalog.add_pending(tx, source, [c.id for c in missing] + missing_sentences)
        keys = {c.id: indexing[c.id].text_key for c in chunks}
        twins = catalog.stored_twins(self._conn(), {c.id: keys[c.id] for c in missing})
        missing = self.vectors.copy_vectors(missing, twins, metadata)
        embedded = self.vectors.embed_chunks(missing, keys, metadata)
        self.vectors.embed_sentences([(u, sentences[u]) for u in missing_sentences])
        return embedded

    def remove_source(self, source: str) -> int:
        """Forget ``source``; returns how many documents it had (0 if unknown)."""
        source = str(source)
        with self._lock:
            old_chunks, old_sentences, _, _ = catalog.source_rows(self._conn(), source)
            return self._remove(source, set(old_chunks) | old_sentences, lambda tx: catalog.delete_source(tx, source))

    def remove_document(self, doc_id: str) -> int:
        """Forget one document and keep the others of its file (and the file's fingerprint: an
        unchanged re-ingest skips the file); a file's last document goes as ``remove_source``
        does.  Returns 1, or 0 if unknown."""
        with self._lock:
            doc = catalog.document(self._conn(), doc_id)
            if doc is None or sum(d.source == doc.source for d in catalog.documents(self._conn())) == 1:
                return self.remove_source(doc.source) if doc else 0
            candidates = catalog.document_vector_ids(self._conn(), doc_id)
            return self._remove(doc.source, candidates, lambda tx: catalog.delete_document(tx, doc_id))

    def _remove(self, source: str, candidates: set[str], delete) -> int:
        """Run ``delete`` (rows out, in one transaction), then drop the vectors nothing references now."""
        db = self._conn()
        with self._transaction() as tx:
            removed = delete(tx)
            catalog.bump_generation(tx)
        if candidates or catalog.pending(db, source):
            try:
                self._drop_unreferenced(candidates, source=source)
            except Exception as exc:  # noqa: BLE001
                log.warning("Chroma cleanup after removing from %s failed (run vacuum later): %s", source, exc)
        return removed

    def _drop_unreferenced(self, candidates: set[str], *, source: str) -> None:
        """Delete from Chroma the candidates (and ``source``'s pending ids) no catalog row references."""
        db = self._conn()
        pending = catalog.pending(db, source)
        candidates = set(candidates) | pending
        self.vectors.delete(sorted(candidates - catalog.referenced(db, sorted(candidates))))
        if pending:
            with self._transaction() as tx:
                catalog.clear_pending(tx, source)

    def vacuum(self) -> int:
        """Delete Chroma vectors no catalog row references; returns how many.

        Do not run it while another process is ingesting: that process's
        vectors are unreferenced until its catalog commit.
        """
        with self._lock:
            in_chroma = self.vectors.all_ids()
            referenced = catalog.all_referenced(self._conn())
            orphans = [i for i in in_chroma if i not in referenced]
            self.vectors.delete(orphans)
            with self._transaction() as tx:
                catalog.clear_pending(tx)
            return len(orphans)

    # -- families ---------------------------------------------------------------------------------

    def refresh_families(self, threshold: float | None = None) -> dict:
        """Recompute near-duplicate families of chunks and of documents across the corpus.

        Returns how many families have more than one member, for each.
        """
        threshold = self.dup_threshold if threshold is None else float(threshold)
        with self._lock:
            found = family_table.changes(self._conn(), threshold)
            # Chroma first: if it fails, the catalog still shows the old
            # families and a rerun finds the same changes to make.
            if found.chunks:
                present = self.vectors.present([cid for _, cid in found.chunks])
                self.vectors.update_metadata({cid: {"family_id": f} for f, cid in found.chunks if cid in present})
            with self._transaction() as tx:
                tx.executemany("UPDATE chunks SET minhash = ? WHERE id = ?", found.stale_signatures)
                tx.executemany("UPDATE chunks SET family_id = ? WHERE id = ?", found.chunks)
                tx.executemany("UPDATE documents SET family_id = ? WHERE id = ?", found.documents)
                if found.chunks or found.documents:
                    catalog.bump_generation(tx)
            return {"chunk_families": found.chunk_families, "document_families": found.document_families}

    # -- units ----------------------------------------------------------------------------------

    def bodies(self) -> dict[str, "bodies_table.BodyRow"]:
        """Document id → the body ingest found it is by (``ingest.bodies``; overrides not applied)."""
        with self._lock:
            return bodies_table.read(self._conn())

    def activities(self, doc_id: str | None = None, month: int | None = None, form: str | None = None) -> list[Activity]:
        """Stored activities (``ingest.activities``) matching every filter given, by month."""
        with self._lock:
            return activities_table.read(self._conn(), doc_id, month, form)

    def units(self, chunk_ids: Iterable[str] | None = None) -> list[Unit]:
        """The plan items ingest found in these chunks (every unit when None)."""
        with self._lock:
            return units_table.read(self._conn(), chunk_ids)

    def unit_sentences(self) -> list[tuple[str, str, list[str]]]:
        """(unit id, document id, sentences) of every unit: the corpus-wide checks read these."""
        with self._lock:
            return [(uid, doc, json.loads(s)) for uid, doc, s in units_table.sentences(self._conn())]

    def set_corpus_signals(self, found: dict) -> int:
        """Store the signals ingest found across the corpus (damaged copies, typos)."""
        with self._lock, self._transaction() as tx:
            changed = units_table.set_corpus_signals(tx, found)
            if changed:
                catalog.bump_generation(tx)
            return changed

    def signal_counts(self) -> dict[str, int]:
        """Chunk id → number of signals on its units."""
        with self._lock:
            return units_table.signal_counts(self._conn())

    # -- corrections by hand ------------------------------------------------------------------

    def set_override(self, doc_id: str, field: str, value: Any) -> Document:
        """Correct one field of a document's metadata; the correction survives re-ingest."""
        expected = OVERRIDABLE.get(field)
        if expected is None:
            raise ValueError(f"{field}: cannot be corrected (one of {', '.join(OVERRIDABLE)})")
        if not isinstance(value, expected) or (field == "year" and isinstance(value, bool)):
            raise ValueError(f"{field}: wrong type {type(value).__name__}")
        with self._lock, self._transaction() as tx:
            if not catalog.set_override(tx, doc_id, field, value):
                raise ValueError(f"doc_id: no document {doc_id}")
            catalog.bump_generation(tx)
        return self.document(doc_id)

    def clear_override(self, doc_id: str, field: str | None = None) -> None:
        """Undo a correction (or all of a document's corrections)."""
        with self._lock, self._transaction() as tx:
            if catalog.clear_override(tx, doc_id, field):
                catalog.bump_generation(tx)

    # -- search -----------------------------------------------------------------

    def dense_search(self, query_vector, k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """The ``k`` catalog chunks nearest ``query_vector``: (chunk id, cosine similarity), best first.

        ``where`` is a Chroma metadata filter over doc_id, source, level,
        year, kind, on_topic, section_role and family_id.
        """
        with self._lock:
            return self.vectors.nearest_chunks(query_vector, k, where, lambda ids: catalog.referenced(self._conn(), ids))

    def dense_search_both(self, query_vector, k: int) -> tuple[dict[str, float], dict[str, float]]:
        """One unfiltered nearest-neighbour query for chunk and sentence vectors together.

        Returns (chunk id → its similarity, chunk id → its best sentence's similarity), both
        limited to catalogued chunks.  A ``where`` filter makes Chroma compute the allowed ids
        from its metadata on every query, which at 100× the sample corpus cost most of a
        search; sentence ids start with "u", so no filter is needed to tell them apart.
        """
        with self._lock:
            sims = self.vectors.nearest(query_vector, k)
            db = self._conn()
            sentence_sims = {i: v for i, v in sims.items() if i.startswith("u")}
            chunk_ids = [i for i in sims if not i.startswith("u")]
            known = catalog.referenced(db, chunk_ids)
            chunks = {i: sims[i] for i in chunk_ids if i in known}
            return chunks, catalog.best_sentence_per_chunk(db, sentence_sims)

