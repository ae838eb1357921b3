"""Hostile documents: each is refused with a one-line error naming it, or ingested safely;
a good file ingested before them stays intact and searchable.

The inputs and their expected outcomes are in hostile_inputs.py (run it for the table in
docs/reliability.md).  Most go through ``ingest_paths`` with the hashing embedder and a real
embedded Chroma; the ones marked ``cli=True`` also go through the real ``plandraft ingest``.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from hostile_inputs import CASES, Ingested, Refused, good_file
from ingest.pipeline import ingest_paths, source_key
from reliability_support import consistency, run_cli
from vectorstore.embedder import HashingEmbedder
from vectorstore.search import Searcher
from vectorstore.store import CorpusStore

MAX_BYTES = 20 * 1024 * 1024
SLOW_CASES = {"one-2mb-line.txt", "one-line-nostop.txt", "many-headings.txt", "many-markers.txt", "deep.html", "50mb.txt", "bomb.docx"}


def test_at_least_thirty_hostile_inputs():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """One store for the whole module: a good file first, then every hostile input in turn."""
    root = tmp_path_factory.mktemp("hostile")
    store = CorpusStore(root / "store", embedder=HashingEmbedder())
    good = good_file(root / "in")
    report = ingest_paths([good], store, max_bytes=MAX_BYTES)
    assert report.errors == [] and report.documents
    key = source_key(good)
    before = _good_state(store, key)
    yield {"root": root, "store": store, "good": good, "key": key, "before": before}
    store.close()


def _good_state(store, key: str) -> dict:
    docs = [d for d in store.documents() if d.source == key]
    chunks = [c for d in docs for c in store.chunks(doc_id=d.id)]
    tokens = store.chunk_tokens()
    return {
        "docs": [(d.id, d.text, d.level, d.kind, d.on_topic) for d in docs],
        "chunks": [(c.id, c.text, tuple(c.span)) for c in chunks],
        "tokens": {c.id: tokens.get(c.id) for c in chunks},
        "fingerprint": store.fingerprint(key),
    }


def _stored_text(store, key: str) -> tuple[list, list]:
    docs = [d for d in store.documents() if d.source == key]
    chunks = [c for d in docs for c in store.chunks(doc_id=d.id)]
    return docs, chunks


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.name.encode("unicode_escape").decode("ascii")[:60], marks=[pytest.mark.slow] if c.name in SLOW_CASES else []) for c in CASES],
)
def test_hostile_input(case, hostile_store, tmp_path):
    store = hostile_store["store"]
    folder = tmp_path / "in"
    folder.mkdir()
    path = case.build(folder)
    outside_before = set(os.listdir(tmp_path.parent))

    t0 = time.perf_counter()
    report = ingest_paths([path], store, max_bytes=MAX_BYTES)
    seconds = time.perf_counter() - t0
    key = source_key(path) if path.exists() else str(path)

    assert seconds < 60, f"{case.name} took {seconds:.0f}s"
    if isinstance(case.expect, Refused):
        assert len(report.errors) == 1, report.errors
        error = report.errors[0]
        assert error["source"] == key, "the error must name the file"
        assert case.expect.reason in error["error"]
        assert error["error"] and "\n" not in error["error"] and len(error["error"]) < 300
        assert report.documents == []
        assert store.fingerprint(key) is None
        assert not [d for d in store.documents() if d.source == key]
    else:
        assert report.errors == [], report.errors
        docs, chunks = _stored_text(store, key)
        assert docs and chunks
        text = "\n".join(d.text for d in docs) + "\n" + "\n".join(c.text for c in chunks)
        for words in case.expect.contains:
            assert words in text
        for words in case.expect.absent:
            assert words not in text, f"{words!r} reached the store"
        by_doc = {d.id: d for d in docs}
        tokens = store.chunk_tokens()
        for c in chunks:
            assert by_doc[c.doc_id].text[c.span[0] : c.span[1]] == c.text
            assert c.id in tokens
        for d in docs:
            assert any(ch.isalnum() for ch in d.text), "a document with no letter or digit was stored"
        # The file is known by its real absolute path: no "..", and inside the folder it was written to.
        assert Path(key).is_absolute() and ".." not in Path(key).parts
        assert Path(key).is_relative_to(tmp_path)
    # Nothing was written next to the test's folder (path tricks stay where they were put).
    assert set(os.listdir(tmp_path.parent)) == outside_before
    # The good file is untouched, with its tokens.
    assert _good_state(store, hostile_store["key"]) == hostile_store["before"]


def test_good_file_still_intact_and_searchable(hostile_store):
    """Run last in this module: after every hostile input, the first file is whole and found."""
    store, key = hostile_store["store"], hostile_store["key"]
    assert _good_state(store, key) == hostile_store["before"]
    check = consistency(store.data_dir)
    assert check.ok, check.problems[:10]
    chunks = [c for _, c, _ in hostile_store["before"]["chunks"]]
    searcher = Searcher(store, use_glossary=False)
    found = 0
    probes = [c for c in chunks if len(c) > 40][:5]
    for text in probes:
        query = text[:40]
        results = searcher.search(query, k=5)
        found += any(r.source == key and query in r.text for r in results) or any(
            key in [m.source for m in r.also_in] for r in results
        )
    assert found == len(probes)


@pytest.mark.slow
def test_hostile_inputs_through_the_cli(tmp_path):
    """The real command: exit status 1, one stderr line per bad file naming it, the rest stored."""
    folder = tmp_path / "in"
    folder.mkdir()
    cli_cases = [c for c in CASES if c.cli]
    built = {}
    for n, c in enumerate(cli_cases):
        sub = folder / f"c{n:02d}"
        sub.mkdir()
        built[c.name] = (c, c.build(sub))
    data_dir = tmp_path / "store"

    result = run_cli(["ingest", str(folder)], data_dir)

    assert result.returncode == 1, result.stderr[-2000:]
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    refused = [(c, p) for c, p in built.values() if isinstance(c.expect, Refused)]
    assert len(error_lines) == len(refused), result.stderr[-3000:]
    for c, path in refused:
        line = next(line for line in error_lines if f"{source_key(path)}: " in line)
        assert c.expect.reason in line
    listed = json.loads(run_cli(["documents", "--json"], data_dir).stdout)["documents"]
    stored_sources = {d["source"] for d in listed}
    expected_sources = {source_key(p) for c, p in built.values() if isinstance(c.expect, Ingested)}
    assert stored_sources == expected_sources
    db = sqlite3.connect(data_dir / "catalog.sqlite")
    texts = "\n".join(r[0] for r in db.execute("SELECT text FROM chunks"))
    db.close()
    for c, _ in built.values():
        if isinstance(c.expect, Ingested):
            assert all(w in texts for w in c.expect.contains)
            assert not any(w in texts for w in c.expect.absent)
    check = consistency(data_dir)
    assert check.ok, check.problems[:10]
    shutil.rmtree(folder)  # the 50 MB input


def test_file_name_with_a_newline_cannot_forge_a_cli_error_line(tmp_path):
    """An uploaded name may hold a line break; the JSON report keeps it exact and one-line."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "plan\nerror: forged.txt").write_bytes(b"")
    store = CorpusStore(tmp_path / "store", embedder=HashingEmbedder())
    try:
        report = ingest_paths([folder], store, max_bytes=MAX_BYTES)
    finally:
        store.close()
    assert len(report.errors) == 1
    assert report.errors[0]["source"].endswith("plan\nerror: forged.txt")
    assert "\n" not in json.dumps(report.to_dict()["errors"])
