"""Helpers shared by the reliability suites: the store consistency check, CLI runs, expectations.

``consistency`` reads a data directory the way nothing in plandraft does — the SQLite catalog
with plain ``sqlite3`` and the Chroma collection with a client of its own — so it can judge a
store left behind by a killed process without trusting the code that wrote it.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
COLLECTION = "plandraft_chunks"


def run_cli(args: list[str], data_dir: Path, timeout: float = 900, **env) -> subprocess.CompletedProcess:
    """Run the real ``plandraft`` command against ``data_dir`` (tests/conftest.py's plandraft_cli)."""
    environ = {**os.environ, "PLANDRAFT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(
        [sys.executable, "-m", "plandraft.cli", *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout,
    )


def cli_env(data_dir: Path, **env) -> dict[str, str]:
    return {**os.environ, "PLANDRAFT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **env}


def expected_contents(paths, max_bytes: int = 20 * 1024 * 1024, max_chunk_chars: int = 600) -> dict[str, tuple[set, set]]:
    """What a complete ingest of ``paths`` stores per source: (document ids, chunk ids)."""
    from ingest.loaders import load_file
    from ingest.pipeline import expand_paths, parse_text, source_key

    out = {}
    for path in expand_paths(paths):
        source = source_key(path)
        documents, chunks = parse_text(source, load_file(path, max_bytes).text, max_chunk_chars=max_chunk_chars)
        out[source] = ({d.id for d in documents}, {c.id for c in chunks})
    return out


@dataclass
class Consistency:
    problems: list[str] = field(default_factory=list)
    sources: int = 0
    documents: int = 0
    chunks: int = 0
    vectors: int = 0
    orphan_vectors: int = 0  # vectors no catalog row references (allowed: readers never see them)
    complete: list[str] = field(default_factory=list)  # expected sources fully present
    absent: list[str] = field(default_factory=list)  # expected sources not present at all
    state: dict = field(default_factory=dict)  # source → (document ids, chunk ids) as stored
    pending: int = 0  # vectors written ahead of a catalog commit that never came (yet)
    # Vectors stored but not returned when queried with their own embedding, even asking for
    # every vector: HNSW leaves the odd node unreachable among many near-identical vectors (seen
    # without any crash or second process too), so this is reported, not counted a problem.
    unreachable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chroma_ids(data_dir: Path, collection: str, unreachable: list[str]) -> set[str] | None:
    """Every id in the embedded Chroma collection (None when there is no collection yet).

    Also queries each vector with its own embedding, listing those the index does not return.
    """
    import chromadb
    from chromadb.config import Settings

    path = data_dir / "chroma"
    if not path.exists():
        return None
    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    try:
        names = [getattr(c, "name", c) for c in client.list_collections()]
        if collection not in names:
            return None
        coll = client.get_collection(collection)
        ids: set[str] = set()
        offset = 0
        while True:
            got = coll.get(include=["embeddings"], limit=500, offset=offset)
            ids.update(got["ids"])
            _check_searchable(coll, got["ids"], got["embeddings"], unreachable)
            if len(got["ids"]) < 500:
                return ids
            offset += len(got["ids"])
    finally:
        # The last client of a path stops its system, so the next check (after another process
        # wrote) reads afresh.  Never clear Chroma's global cache: other open clients use it.
        client.close()


def _check_searchable(coll, ids, embeddings, unreachable: list[str]) -> None:
    if not len(ids):
        return
    n = min(coll.count(), 10)
    res = coll.query(query_embeddings=[list(map(float, e)) for e in embeddings], n_results=n, include=["distances"])
    for own, embedding, found, distances in zip(ids, embeddings, res["ids"], res["distances"]):
        saturated = len(found) == n and all(d < 1e-3 for d in distances)
        if own in found or saturated:
            continue
        # HNSW is approximate: ask again, alone, for every vector, before listing it.
        again = coll.query(query_embeddings=[list(map(float, embedding))], n_results=coll.count(), include=[])
        if own not in again["ids"][0]:
            unreachable.append(own)


def consistency(data_dir: Path, expected: dict[str, tuple[set, set]] | None = None, collection: str = COLLECTION) -> Consistency:
    """Whether catalog, lexical index and vectors agree, and each expected source is all-or-nothing.

    Checked: every chunk's document exists; every document's source is recorded and every
    recorded source has documents; every catalog chunk has its token list (and no token list is
    left without its chunk); every chunk and every sentence unit it names has a vector in Chroma;
    each source in ``expected`` holds exactly its expected documents and chunks, or nothing.
    """
    result = Consistency()
    catalog = data_dir / "catalog.sqlite"
    if not catalog.exists():
        result.absent = sorted(expected or {})
        return result
    # The catalog's own view of truth: source → (document ids, chunk ids).
    db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
    try:
        q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
        sources = {r[0] for r in q("SELECT source FROM sources")}
        docs = {r[0]: r[1] for r in q("SELECT id, source FROM documents")}
        chunks = {r[0]: (r[1], r[2]) for r in q("SELECT id, doc_id, source FROM chunks")}
        tokens = {r[0] for r in q("SELECT chunk_id FROM chunk_tokens")}
        units = q("SELECT chunk_id, unit_id FROM chunk_units")
        result.pending = q("SELECT COUNT(*) FROM pending_vectors")[0][0]
        bad_fk = q("PRAGMA foreign_key_check")
        integrity = q("PRAGMA integrity_check")[0][0]
    finally:
        db.close()
    result.sources, result.documents, result.chunks = len(sources), len(docs), len(chunks)
    p = result.problems
    if integrity != "ok":
        p.append(f"catalog integrity_check: {integrity}")
    if bad_fk:
        p.append(f"{len(bad_fk)} foreign-key violations")
    for cid, (doc_id, source) in chunks.items():
        if doc_id not in docs:
            p.append(f"chunk {cid} without its document {doc_id}")
        elif docs[doc_id] != source:
            p.append(f"chunk {cid} of {source} names a document of {docs[doc_id]}")
    for doc_id, source in docs.items():
        if source not in sources:
            p.append(f"document {doc_id} of unrecorded source {source}")
    with_docs = set(docs.values())
    for source in sources - with_docs:
        p.append(f"source {source} recorded with no documents")
    for cid in set(chunks) - tokens:
        p.append(f"chunk {cid} without lexical tokens")
    for cid in tokens - set(chunks):
        p.append(f"lexical tokens for {cid}, which is not a catalog chunk")
    for cid, _ in units:
        if cid not in chunks:
            p.append(f"sentence unit row for {cid}, which is not a catalog chunk")

    in_chroma = _chroma_ids(data_dir, collection, result.unreachable)
    if in_chroma is None:
        if chunks:
            p.append("catalog holds chunks but Chroma has no collection")
        in_chroma = set()
    result.vectors = len(in_chroma)
    for cid in set(chunks) - in_chroma:
        p.append(f"chunk {cid} without its vector")
    unit_ids = {u for _, u in units}
    for uid in unit_ids - in_chroma:
        p.append(f"sentence unit {uid} without its vector")
    result.orphan_vectors = len(in_chroma - set(chunks) - unit_ids)

    for source in sources | with_docs:
        result.state[source] = (
            frozenset(d for d, s in docs.items() if s == source),
            frozenset(c for c, (_, s) in chunks.items() if s == source),
        )
    for source, wanted in (expected or {}).items():
        # One expected state (document ids, chunk ids), or a list of acceptable ones (None: absent).
        options = wanted if isinstance(wanted, list) else [wanted]
        have = result.state.get(source)
        if have is None:
            if None in options:
                result.absent.append(source)
            else:
                p.append(f"{source} is missing")
            continue
        if any(o is not None and have == (frozenset(o[0]), frozenset(o[1])) for o in options):
            result.complete.append(source)
        else:
            nearest = max((o for o in options if o is not None), key=lambda o: len(have[1] & set(o[1])), default=(set(), set()))
            p.append(
                f"{source} partly stored: {len(have[0] & set(nearest[0]))}/{len(nearest[0])} documents, "
                f"{len(have[1] & set(nearest[1]))}/{len(nearest[1])} chunks (+{len(have[1] - set(nearest[1]))} unexpected)"
            )
    return result
