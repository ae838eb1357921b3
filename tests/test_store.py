"""CorpusStore: the catalog is the truth, Chroma follows it, failures leave it as it was."""
from __future__ import annotations

import numpy as np
import pytest

from ingest.chunking import sentence_units
from ingest.model import Chunk, Document
from store_support import (
    CONSULT, SERVE, STUDY, SUPERVISE, VACCINE, CountingEmbedder, catalog_snapshot, chroma_ids,
    docs_with_family, make_source, replace, unit_ids,
)
from vectorstore.embedder import HashingEmbedder
from vectorstore.store import CorpusStore, StoreError


@pytest.fixture
def store(tmp_path):
    s = CorpusStore(tmp_path / "data", embedder=CountingEmbedder())
    yield s
    s.close()


def test_round_trip(store):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT, SUPERVISE])
    result = replace(store, "a.txt", "fp1", docs, chunks)
    assert result == {"added": 3, "removed": 0, "embedded": 3, "documents": 1, "chunks": 3, "unchanged": False}
    assert store.fingerprint("a.txt") == "fp1"
    assert store.fingerprint("b.txt") is None
    assert store.documents() == docs_with_family(docs)
    assert [c.id for c in store.chunks(doc_id=docs[0].id)] == [c.id for c in chunks]
    got = store.chunks(ids=[chunks[2].id, "nope", chunks[0].id])
    assert [c.id for c in got] == [chunks[2].id, chunks[0].id]
    assert got[0].heading_path == chunks[2].heading_path and got[0].span == chunks[2].span
    assert chroma_ids(store) == {c.id for c in chunks}
    [src] = store.sources()
    assert (src["source"], src["documents"], src["chunks"]) == ("a.txt", 1, 3)

    hits = store.dense_search(store.embedder.embed_query(CONSULT), k=2)
    assert hits[0][0] == chunks[1].id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert len(hits) == 2
    stats = store.stats()
    units = {u for c in chunks for u in sentence_units(c.text)}
    # One vector per chunk, and one per distinct sentence.
    assert (stats["documents"], stats["chunks"], stats["vectors"]) == (1, 3, 3 + len(units))
    assert unit_ids(store) == units
    assert stats["embedder"] == "hashing-256"


def test_catalog_survives_reopening(tmp_path):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    with CorpusStore(tmp_path, embedder=HashingEmbedder()) as s:
        replace(s, "a.txt", "fp1", docs, chunks)
    with CorpusStore(tmp_path, embedder=HashingEmbedder()) as s:
        assert s.fingerprint("a.txt") == "fp1"
        assert [c.id for c in s.chunks()] == [c.id for c in chunks]
        assert s.dense_search(s.embedder.embed_query(STUDY), k=1)[0][0] == chunks[0].id


def test_same_fingerprint_touches_nothing(store):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    replace(store, "a.txt", "fp1", docs, chunks)
    calls = store.embedder.calls

    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"Chroma was used: {name}")

    real = store.vectors._collection_obj
    store.vectors._collection_obj = Untouchable()
    result = replace(store, "a.txt", "fp1", docs, chunks)
    store.vectors._collection_obj = real
    assert result["unchanged"] is True
    assert store.embedder.calls == calls
    assert len(real.get(where={"vector": "chunk"}, include=[])["ids"]) == 2


def test_changed_source_replaces_old_chunks_and_reuses_vectors(store):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    replace(store, "a.txt", "fp1", docs, chunks)
    # A new version: same first section in a changed document → new ids everywhere.
    docs2, chunks2 = make_source("a.txt", [STUDY, SUPERVISE])
    result = replace(store, "a.txt", "fp2", docs2, chunks2)
    assert (result["added"], result["removed"], result["unchanged"]) == (2, 2, False)
    assert store.fingerprint("a.txt") == "fp2"
    assert [d.id for d in store.documents()] == [docs2[0].id]
    assert {c.id for c in store.chunks()} == {c.id for c in chunks2}
    assert chroma_ids(store) == {c.id for c in chunks2}

    # Same ids again under a new fingerprint (e.g. the file was touched): nothing re-embedded.
    texts = store.embedder.texts
    result = replace(store, "a.txt", "fp3", docs2, chunks2)
    assert result["embedded"] == 0 and store.embedder.texts == texts
    assert chroma_ids(store) == {c.id for c in chunks2}


def test_remove_source(store):
    a_docs, a_chunks = make_source("a.txt", [STUDY, CONSULT])
    b_docs, b_chunks = make_source("b.txt", [SUPERVISE])
    replace(store, "a.txt", "fa", a_docs, a_chunks)
    replace(store, "b.txt", "fb", b_docs, b_chunks)
    assert store.remove_source("a.txt") == 1
    assert store.fingerprint("a.txt") is None
    assert {c.source for c in store.chunks()} == {"b.txt"}
    assert chroma_ids(store) == {c.id for c in b_chunks}
    assert store.remove_source("a.txt") == 0
    assert store.remove_source("never-seen.txt") == 0


def test_remove_document_keeps_the_other_documents_of_its_file(store):
    from store_support import make_source as one

    first_docs, first_chunks = one("a.txt", [STUDY, CONSULT], index=0)
    # The second document repeats CONSULT: its sentence vectors are shared and must stay.
    second_docs, second_chunks = one("a.txt", [SUPERVISE, CONSULT + "另有一句不同的话。"], index=1)
    replace(store, "a.txt", "fa", first_docs + second_docs, first_chunks + second_chunks)
    units_of = lambda chunks: {u for c in chunks for u in sentence_units(c.text)}  # noqa: E731

    assert store.remove_document(second_docs[0].id) == 1
    assert [d.id for d in store.documents()] == [first_docs[0].id]
    assert [c.id for c in store.chunks()] == [c.id for c in first_chunks]
    assert {u.doc_id for u in store.units()} <= {first_docs[0].id}
    assert chroma_ids(store) == {c.id for c in first_chunks}
    assert unit_ids(store) == units_of(first_chunks)
    assert store.fingerprint("a.txt") == "fa"  # an unchanged re-ingest skips the file
    [src] = store.sources()
    assert (src["documents"], src["chunks"]) == (1, 2)
    assert store.remove_document(second_docs[0].id) == 0
    # The file's last document goes with the file.
    assert store.remove_document(first_docs[0].id) == 1
    assert store.documents() == [] and store.sources() == [] and store.fingerprint("a.txt") is None
    assert chroma_ids(store) == set() and unit_ids(store) == set()


def test_failing_embedder_leaves_catalog_as_before(tmp_path):
    store = CorpusStore(tmp_path, embedder=CountingEmbedder(batch_size=2))
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    replace(store, "a.txt", "fp1", docs, chunks)
    before = catalog_snapshot(store)

    docs2, chunks2 = make_source("a.txt", [SUPERVISE, SERVE, STUDY + "（修订）", CONSULT + "（修订）"])
    store.embedder.fail_on = store.embedder.calls + 2  # the second batch of this replace
    with pytest.raises(RuntimeError, match="embedder broke"):
        replace(store, "a.txt", "fp2", docs2, chunks2)
    assert catalog_snapshot(store) == before
    assert store.fingerprint("a.txt") == "fp1"
    # The first batch's vectors reached Chroma, but nobody sees them.
    assert len(chroma_ids(store)) == 4
    hits = store.dense_search(store.embedder.embed_query(SUPERVISE), k=5)
    assert {i for i, _ in hits} == {c.id for c in chunks}

    # A retry reuses the vectors already written and leaves no orphans.
    store.embedder.fail_on = None
    texts = store.embedder.texts
    result = replace(store, "a.txt", "fp2", docs2, chunks2)
    new_units = {u for c in chunks2 for u in sentence_units(c.text)} - {u for c in chunks for u in sentence_units(c.text)}
    assert result["embedded"] == 2 and store.embedder.texts == texts + 2 + len(new_units)
    assert chroma_ids(store) == {c.id for c in chunks2}
    assert unit_ids(store) == {u for c in chunks2 for u in sentence_units(c.text)}
    store.close()


def test_failing_upsert_leaves_catalog_as_before(store):
    docs, chunks = make_source("a.txt", [STUDY])
    replace(store, "a.txt", "fp1", docs, chunks)
    before = catalog_snapshot(store)
    coll = store.vectors.collection()

    def broken_upsert(**kwargs):
        raise ConnectionError("chroma went away")

    original = coll.upsert
    coll.upsert = broken_upsert
    try:
        docs2, chunks2 = make_source("a.txt", [CONSULT, SUPERVISE])
        with pytest.raises(ConnectionError):
            replace(store, "a.txt", "fp2", docs2, chunks2)
    finally:
        coll.upsert = original
    assert catalog_snapshot(store) == before


def test_failing_catalog_write_rolls_back(store):
    docs, chunks = make_source("a.txt", [STUDY])
    replace(store, "a.txt", "fp1", docs, chunks)
    before = catalog_snapshot(store)
    docs2, chunks2 = make_source("a.txt", [CONSULT])
    docs2[0].span = ("broken", 3)  # fails inside the catalog transaction, after embedding
    with pytest.raises(ValueError):
        replace(store, "a.txt", "fp2", docs2, chunks2)
    assert catalog_snapshot(store) == before
    # The vectors written ahead of the failed commit (the chunk's and its sentences') are cleaned by vacuum.
    stray_units = set(sentence_units(chunks2[0].text)) - set(sentence_units(chunks[0].text))
    assert store.vacuum() == 1 + len(stray_units)
    assert chroma_ids(store) == {chunks[0].id}
    assert unit_ids(store) == set(sentence_units(chunks[0].text))


def test_vacuum_and_search_ignore_vectors_outside_the_catalog(store):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    replace(store, "a.txt", "fp1", docs, chunks)
    stray = store.embedder.embed([CONSULT + "。"])
    store.vectors.collection().upsert(ids=["stray"], embeddings=stray, metadatas=[{"source": "x"}])
    hits = store.dense_search(stray[0], k=2)
    assert [i for i, _ in hits] == [chunks[1].id, chunks[0].id]
    assert store.vacuum() == 1
    assert chroma_ids(store) == {c.id for c in chunks}


def test_where_filter(store):
    a_docs, a_chunks = make_source("a.txt", [STUDY], year=2015, level="乡镇")
    b_docs, b_chunks = make_source("b.txt", [STUDY + "（2024）"], year=None, on_topic=False)
    replace(store, "a.txt", "fa", a_docs, a_chunks)
    replace(store, "b.txt", "fb", b_docs, b_chunks)
    q = store.embedder.embed_query(STUDY)
    assert [i for i, _ in store.dense_search(q, k=5, where={"on_topic": True})] == [a_chunks[0].id]
    assert [i for i, _ in store.dense_search(q, k=5, where={"level": "县区"})] == [b_chunks[0].id]
    assert [i for i, _ in store.dense_search(q, k=5, where={"year": {"$gte": 2010}})] == [a_chunks[0].id]
    assert store.documents(include_off_topic=False) == docs_with_family(a_docs)


def test_families_group_near_duplicates_across_sources(store):
    near = STUDY.replace("每季度", "每半年").replace("。", "！", 1)
    a_docs, a_chunks = make_source("a.txt", [STUDY, CONSULT])
    b_docs, b_chunks = make_source("b.txt", [near, VACCINE])
    c_docs, c_chunks = make_source("c.txt", [STUDY, CONSULT], index=3)  # the whole of a.txt again
    for src, docs, chunks in (("a.txt", a_docs, a_chunks), ("b.txt", b_docs, b_chunks), ("c.txt", c_docs, c_chunks)):
        replace(store, src, "fp-" + src, docs, chunks)

    counts = store.refresh_families(threshold=0.7)
    assert counts == {"chunk_families": 2, "document_families": 1}
    by_id = {c.id: c for c in store.chunks()}
    study_copies = [by_id[a_chunks[0].id], by_id[b_chunks[0].id], by_id[c_chunks[0].id]]
    assert len({c.family_id for c in study_copies}) == 1
    assert study_copies[0].family_id == min(c.id for c in study_copies)
    assert [c.source for c in study_copies] == ["a.txt", "b.txt", "c.txt"]
    assert by_id[b_chunks[1].id].family_id == b_chunks[1].id  # a singleton is its own family
    assert by_id[a_chunks[1].id].family_id == by_id[c_chunks[1].id].family_id != by_id[a_chunks[0].id].family_id

    docs = {d.id: d for d in store.documents()}
    assert docs[a_docs[0].id].family_id == docs[c_docs[0].id].family_id == min(a_docs[0].id, c_docs[0].id)
    assert docs[b_docs[0].id].family_id == b_docs[0].id

    # Chroma's metadata follows, so retrieval can filter or diversify by family.
    family = study_copies[0].family_id
    hits = store.dense_search(store.embedder.embed_query(STUDY), k=10, where={"family_id": family})
    assert {i for i, _ in hits} == {c.id for c in study_copies}
    # Running it again changes nothing.
    assert store.refresh_families(threshold=0.7) == counts


def test_other_embedder_is_refused(tmp_path):
    docs, chunks = make_source("a.txt", [STUDY])
    with CorpusStore(tmp_path, embedder=HashingEmbedder(256)) as s:
        replace(s, "a.txt", "fp1", docs, chunks)
    with CorpusStore(tmp_path, embedder=HashingEmbedder(128)) as s:
        assert s.fingerprint("a.txt") == "fp1"  # the catalog alone still reads
        with pytest.raises(StoreError, match="hashing-256.*hashing-128.*fresh data directory"):
            s.dense_search(np.zeros(128, dtype=np.float32), k=3)


def test_ids_must_be_unique_across_sources(store):
    docs, chunks = make_source("a.txt", [STUDY])
    replace(store, "a.txt", "fp1", docs, chunks)
    thief = [Chunk(**{**chunks[0].__dict__, "source": "b.txt", "doc_id": "other"})]
    other_doc = [Document(**{**docs[0].__dict__, "id": "other", "source": "b.txt"})]
    with pytest.raises(StoreError, match="already held by a.txt"):
        replace(store, "b.txt", "fpb", other_doc, thief)
    assert store.fingerprint("b.txt") is None


def test_a_text_already_stored_reuses_its_vector(store):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    replace(store, "a.txt", "fp1", docs, chunks)
    texts = store.embedder.texts
    # b.txt repeats a.txt's passages word for word (as the scraped corpus does) plus one new one.
    docs2, chunks2 = make_source("b.txt", [STUDY, CONSULT, SUPERVISE])
    result = replace(store, "b.txt", "fp1", docs2, chunks2)
    new_units = set(sentence_units(SUPERVISE)) - {u for c in chunks for u in sentence_units(c.text)}
    assert result["embedded"] == 1
    assert store.embedder.texts == texts + 1 + len(new_units)
    # Each copy has its own vector id and provenance, and both are found.
    hits = dict(store.dense_search(store.embedder.embed_query(STUDY), k=4))
    assert hits[chunks[0].id] == pytest.approx(hits[chunks2[0].id], abs=1e-5)


def test_a_schema_1_catalog_is_upgraded_in_place(tmp_path):
    import sqlite3

    store = CorpusStore(tmp_path, embedder=CountingEmbedder())
    docs, chunks = make_source("a.txt", [STUDY, CONSULT])
    replace(store, "a.txt", "fp1", docs, chunks)
    store.close()
    # What plandraft 0.1 wrote: no text_key column, user_version 1.
    db = sqlite3.connect(tmp_path / "catalog.sqlite")
    db.execute("DROP INDEX chunks_by_text_key")
    db.execute("ALTER TABLE chunks DROP COLUMN text_key")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = CorpusStore(tmp_path, embedder=CountingEmbedder())
    assert [c.id for c in store.chunks()] == [c.id for c in chunks]
    docs2, chunks2 = make_source("b.txt", [STUDY])
    assert replace(store, "b.txt", "fp1", docs2, chunks2)["embedded"] == 0  # reused through the filled-in key
    store.close()
