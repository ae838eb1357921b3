"""The store's vector side: the Chroma client and collection, batched writes, dense search.

A :class:`VectorIndex` opens its client on first use, checks that the collection holds this
embedder's vectors, reopens an embedded client that another process's writes made stale,
and embeds texts in length-sorted batches.  It knows nothing of the catalog: callers say
which ids the catalog holds (``catalogued``) and which catalog generation it has seen.
"""
from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np

from ingest.model import Chunk, Document
from vectorstore.catalog import batches
from vectorstore.errors import StoreError

log = logging.getLogger(__name__)

# Rows per Chroma get/update/delete call.
CHROMA_BATCH = 1000


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


def _identity(embedder) -> dict[str, str]:
    """What the collection records of its embedder: its name (the vector space) and, where the
    embedder tells them, its backend/precision and the model files' SHA-256."""
    found = dict(getattr(embedder, "identity", None) or {})
    found["embedder"] = embedder.name
    return {k: str(v) for k, v in found.items() if v}


class VectorIndex:
    """One Chroma collection of chunk and sentence vectors made by one embedder."""

    def __init__(
        self,
        data_dir: Path,
        *,
        embedder_of: Callable[[], Any],
        generation: Callable[[], int],
        client=None,
        chroma_url: str = "",
        collection: str = "plandraft_chunks",
    ):
        self.data_dir = Path(data_dir)
        self.chroma_url = chroma_url or ""
        self.collection_name = collection
        self._embedder_of = embedder_of
        self._generation = generation
        self._client = client
        self._owns_client = client is None
        self._collection_obj = None
        # The catalog generation the embedded Chroma client is known to be current with: when
        # another process writes the data directory, this process's client goes stale (and
        # Chroma fails with "Error finding id"), so it is reopened.
        self._known_generation: int | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def note_commit(self, start: int, end: int) -> None:
        """A catalog write of this process went from generation ``start`` to ``end``."""
        if self._known_generation == start:
            # Our own write (the write lock was held): the client is still current.
            self._known_generation = end

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
                    self._client = chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=settings)
                except Exception as exc:
                    raise StoreError(
                        f"Cannot reach the Chroma server at {self.chroma_url} (PLANDRAFT_CHROMA_URL): {exc}"
                    ) from exc
            else:
                path = self.data_dir / "chroma"
                path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        return self._client

    def collection(self):
        """The chunk collection, checked to hold this embedder's vectors."""
        if self._collection_obj is not None:
            if not self._is_stale():
                return self._collection_obj
            log.info("%s was changed by another process; reopening Chroma", self.data_dir)
            self.close()
        # Read before opening: a write landing in between makes the next use reopen again.
        generation = self._generation()
        embedder = self._embedder_of()
        identity = _identity(embedder)
        client = self._chroma()
        try:
            # embedding_function=None: Chroma's default function would
            # download a model; every call here passes vectors explicitly.
            coll = client.get_or_create_collection(
                self.collection_name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata=identity,
            )
        except Exception as exc:
            where = f"the Chroma server at {self.chroma_url} (PLANDRAFT_CHROMA_URL)" if self.chroma_url else "Chroma"
            raise StoreError(f"Cannot open the collection {self.collection_name!r} in {where}: {exc}") from exc
        self._check_embedder(coll, identity)
        self._collection_obj = coll
        self._known_generation = generation
        return coll

    def _check_embedder(self, coll, identity: dict[str, str]) -> None:
        """Refuse a collection whose vectors another embedder made: another model or
        vector space (``name``), or a model folder of the same name whose files differ."""
        name = identity["embedder"]
        stored_meta = coll.metadata or {}
        stored = stored_meta.get("embedder")
        if stored is None:
            if coll.count():
                raise StoreError(
                    f"The Chroma collection {self.collection_name!r} holds vectors from an unknown "
                    "embedder (it was not created by plandraft); use another collection or data directory."
                )
            coll.modify(metadata={**stored_meta, **identity})
            return self._check_space(coll)
        hint = (
            "(PLANDRAFT_EMBEDDING_MODEL / PLANDRAFT_EMBEDDING_BACKEND / PLANDRAFT_EMBEDDING_PRECISION). "
            "Use the embedder it was built with, or re-ingest into a fresh data directory "
            "(or another PLANDRAFT_COLLECTION)."
        )
        built_by = f"{stored!r}" + (f" ({stored_meta['embedder_backend']})" if stored_meta.get("embedder_backend") else "")
        if stored != name:
            raise StoreError(
                f"The Chroma collection {self.collection_name!r} holds vectors made by {built_by}, "
                f"but the current embedder is {name!r} ({identity.get('embedder_backend', 'no backend')}) " + hint
            )
        stored_sha, sha = stored_meta.get("embedder_model_sha256"), identity.get("embedder_model_sha256")
        if stored_sha and sha and stored_sha != sha:
            raise StoreError(
                f"The Chroma collection {self.collection_name!r} holds vectors made by {stored!r} from model "
                f"files with SHA-256 {stored_sha[:12]}…, but the model folder now has {sha[:12]}… " + hint
            )
        # A store from before backends were recorded keeps saying nothing of them: what
        # built it is not known, and the current embedder did not.
        self._check_space(coll)

    def _check_space(self, coll) -> None:
        space = _hnsw_space(coll)
        if space not in (None, "cosine"):
            raise StoreError(
                f"The Chroma collection {self.collection_name!r} uses {space!r} distance; plandraft needs cosine."
            )

    @property
    def _shared(self) -> bool:
        """A Chroma server, or a client we were given, is shared and always current."""
        return bool(self.chroma_url) or not self._owns_client

    def _is_stale(self) -> bool:
        """Whether another process wrote the catalog (and so Chroma) since our client opened."""
        return not self._shared and self._generation() != self._known_generation

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            close = getattr(self._client, "close", None)
            if close is not None:
                close()  # the last client of a path stops its system, so the next one reads afresh
            self._client = None
        self._collection_obj = None
        self._known_generation = None

    # -- reads ------------------------------------------------------------------------------

    def count(self) -> int:
        return self.collection().count()

    def present(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` Chroma holds a vector for."""
        coll = self.collection()
        found: set[str] = set()
        for batch in batches(list(ids), CHROMA_BATCH):
            found.update(coll.get(ids=list(batch), include=[])["ids"])
        return found

    def all_ids(self) -> list[str]:
        """Every id in the collection, orphans included (for vacuum)."""
        coll = self.collection()
        ids: list[str] = []
        while True:
            got = coll.get(include=[], limit=CHROMA_BATCH, offset=len(ids))["ids"]
            ids.extend(got)
            if len(got) < CHROMA_BATCH:
                return ids

    def query(self, **kwargs) -> dict:
        """``collection.query``; an embedded client another process's writes broke is reopened once."""
        for attempt in (1, 2):
            coll = self.collection()
            try:
                return coll.query(**kwargs)
            except Exception as exc:
                if attempt == 2 or self._shared:
                    raise StoreError(f"Chroma query failed: {exc}") from exc
                log.warning("Chroma query failed (%s); reopening %s and retrying", exc, self.data_dir)
                self.close()
        raise AssertionError("unreachable")

    def nearest_chunks(self, query_vector, k: int, where: dict | None,
                       catalogued: Callable[[list[str]], set[str]]) -> list[tuple[str, float]]:
        """The ``k`` catalogued chunks nearest ``query_vector``: (id, cosine similarity), best first."""
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        only_chunks = {"vector": "chunk"}
        where = {"$and": [where, only_chunks]} if where else only_chunks
        total = self.count()
        if k <= 0 or total == 0:
            return []
        n = min(total, k + max(8, k // 2))
        while True:
            res = self.query(query_embeddings=[query], n_results=n, where=where, include=["distances"])
            ids, distances = res["ids"][0], res["distances"][0]
            known = catalogued(ids)
            hits = [(i, 1.0 - float(d)) for i, d in zip(ids, distances) if i in known]
            # Orphans (or a filter) can leave fewer than k: widen and retry.
            if len(hits) >= k or len(ids) < n or n >= total:
                return hits[:k]
            n = min(total, n * 2)

    def nearest(self, query_vector, k: int) -> dict[str, float]:
        """Id → similarity of the ``k`` nearest vectors of any kind, unfiltered."""
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        total = self.count()
        if k <= 0 or total == 0:
            return {}
        res = self.query(query_embeddings=[query], n_results=min(total, k), include=["distances"])
        return {i: 1.0 - float(d) for i, d in zip(res["ids"][0], res["distances"][0])}

    # -- writes -----------------------------------------------------------------------------

    def embed_chunks(self, chunks: list[Chunk], keys: dict[str, str], metadata: dict[str, dict]) -> int:
        """Embed and store ``chunks``; copies within the batch (one text key) are embedded once.
        Returns how many texts were embedded."""
        first: dict[str, Chunk] = {}
        copies: dict[str, list[Chunk]] = {}
        for c in chunks:
            first.setdefault(keys[c.id], c)
            copies.setdefault(keys[c.id], []).append(c)
        coll = self.collection()
        for batch, vectors in self._embedded([(key, c.text) for key, c in first.items()]):
            members = [(m, vectors[i]) for i, (key, _) in enumerate(batch) for m in copies[key]]
            coll.upsert(
                ids=[m.id for m, _ in members],
                embeddings=np.asarray([v for _, v in members], dtype=np.float32),
                metadatas=[metadata[m.id] for m, _ in members],
                documents=[m.text for m, _ in members],
            )
        return len(first)

    def copy_vectors(self, chunks: list[Chunk], twin: dict[str, str], metadata: dict[str, dict]) -> list[Chunk]:
        """Give each chunk its twin's stored vector (chunk id → twin id); return those with none."""
        if not twin:
            return chunks
        coll = self.collection()
        got = coll.get(ids=sorted(set(twin.values())), include=["embeddings"])
        vectors = {i: v for i, v in zip(got["ids"], got["embeddings"])}
        reuse = [c for c in chunks if twin.get(c.id) in vectors]
        for batch in batches(reuse, CHROMA_BATCH):
            coll.upsert(
                ids=[c.id for c in batch],
                embeddings=np.asarray([vectors[twin[c.id]] for c in batch], dtype=np.float32),
                metadatas=[metadata[c.id] for c in batch],
                documents=[c.text for c in batch],
            )
        reused = {c.id for c in reuse}
        return [c for c in chunks if c.id not in reused]

    def embed_sentences(self, sentences: list[tuple[str, str]]) -> None:
        """Embed and store (sentence id, text) pairs."""
        coll = self.collection()
        for batch, vectors in self._embedded(sentences):
            coll.upsert(
                ids=[u for u, _ in batch],
                embeddings=vectors,
                metadatas=[{"vector": "unit"} for _ in batch],
                documents=[t for _, t in batch],
            )

    def update_metadata(self, metadata: dict[str, dict]) -> None:
        """Set (or, for the keys given, change) the metadata of stored vectors: id → fields."""
        coll = self.collection()
        ids = list(metadata)
        for batch in batches(ids, CHROMA_BATCH):
            coll.update(ids=list(batch), metadatas=[metadata[i] for i in batch])

    def delete(self, ids: Sequence[str]) -> None:
        coll = self.collection()
        for batch in batches(list(ids), CHROMA_BATCH):
            coll.delete(ids=list(batch))

    def _embedded(self, items: list[tuple[str, str]]) -> Iterator[tuple[list[tuple[str, str]], np.ndarray]]:
        """(key, text) items embedded batch by batch: (the batch, its vectors)."""
        embedder = self._embedder_of()
        size = max(1, int(getattr(embedder, "batch_size", 32)))
        # Similar lengths in one batch: a batch is padded to its longest text, and a mix of
        # headings and 600-character sections made ingest embed ~3× slower than the bare model.
        for batch in batches(sorted(items, key=lambda item: len(item[1])), size):
            vectors = np.asarray(embedder.embed([text for _, text in batch]), dtype=np.float32)
            if vectors.ndim != 2 or vectors.shape[0] != len(batch):
                raise StoreError(f"{embedder.name} returned vectors of shape {vectors.shape} for {len(batch)} texts")
            yield batch, vectors


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
