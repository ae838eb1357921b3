"""CorpusStore against the real backends: a `chroma run` server on loopback, and the real embedding model."""
from __future__ import annotations

import pytest

import server_support
from store_support import CONSULT, SERVE, STUDY, SUPERVISE, VACCINE, chroma_ids, make_source, replace
from vectorstore.embedder import HashingEmbedder
from vectorstore.store import CorpusStore


# -- a real Chroma server ------------------------------------------------------------


@pytest.fixture
def chroma_server(tmp_path):
    """A `chroma run` server on a free loopback port (tests/server_support.py); its URL."""
    if server_support.chroma_cli() is None:
        pytest.skip("the chroma CLI (installed by the chromadb package) is not on this machine")
    with server_support.chroma(tmp_path / "server") as url:
        yield url


@pytest.mark.server
def test_round_trip_through_chroma_server(tmp_path, chroma_server):
    docs, chunks = make_source("a.txt", [STUDY, CONSULT, SUPERVISE])
    with CorpusStore(tmp_path / "data", embedder=HashingEmbedder(), chroma_url=chroma_server) as s:
        assert replace(s, "a.txt", "fp1", docs, chunks)["embedded"] == 3
        assert replace(s, "a.txt", "fp1", docs, chunks)["unchanged"] is True
        hits = s.dense_search(s.embedder.embed_query(SUPERVISE), k=2)
        assert hits[0][0] == chunks[2].id and hits[0][1] == pytest.approx(1.0, abs=1e-5)
        docs2, chunks2 = make_source("a.txt", [STUDY, SERVE])
        replace(s, "a.txt", "fp2", docs2, chunks2)
        assert chroma_ids(s) == {c.id for c in chunks2}
        assert s.refresh_families() == {"chunk_families": 0, "document_families": 0}
        assert s.remove_source("a.txt") == 1
        assert chroma_ids(s) == set()
    assert not (tmp_path / "data" / "chroma").exists()  # nothing embedded was created


# -- the real model ------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_retrieves_the_paraphrased_section(tmp_path):
    from vectorstore.embedder import Embedder

    docs, chunks = make_source("a.txt", [STUDY, CONSULT, SUPERVISE, SERVE, VACCINE])
    with CorpusStore(tmp_path, embedder=Embedder("m3e-small", dtype="float32")) as s:
        replace(s, "a.txt", "fp1", docs, chunks)
        query = s.embedder.embed_query("召开协商座谈会，就重点问题建言献策")
        hits = s.dense_search(query, k=3)
        assert hits[0][0] == chunks[1].id
        assert all(-1.0 <= score <= 1.0 for _, score in hits)
        assert s.stats()["embedder"] == "m3e-small@float32"
