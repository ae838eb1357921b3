"""The ingest command end to end: real CLI, real embedder, real embedded Chroma."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, plandraft_cli
from ingest.pipeline import ingest_paths

pytestmark = pytest.mark.slow

GOLD = json.loads((ROOT / "tests" / "data" / "gold_samples.json").read_text(encoding="utf-8"))


def test_sample_ingest_reports_every_document(sample_ingest):
    _, report = sample_ingest
    expected = sum(len(f["documents"]) for f in GOLD["files"])
    assert len(report["documents"]) == expected
    assert report["errors"] == []
    for doc in report["documents"]:
        assert {"id", "source", "title", "level", "year", "kind", "on_topic", "chunks"} <= set(doc)
        assert doc["chunks"] >= 1
    off_topic = sum(not d["on_topic"] for f in GOLD["files"] for d in f["documents"])
    assert report["summary"]["off_topic"] == off_topic
    # The corpus repeats itself: near-duplicate families must have been found.
    assert report["summary"]["families"]["chunk_families"] > 10
    assert report["summary"]["families"]["document_families"] >= 3


def test_second_ingest_stores_nothing_new(sample_ingest, sample_store):
    data_dir, first = sample_ingest
    before = (sample_store.generation(), sorted(c.id for c in sample_store.chunks()), sample_store.stats()["vectors"])
    again = plandraft_cli(["ingest", str(SAMPLES), "--json"], data_dir)
    assert again.returncode == 0, again.stderr[-1000:]
    report = json.loads(again.stdout)
    assert len(report["unchanged"]) == len(list(SAMPLES.glob("*.txt")))
    assert report["summary"]["chunks"] == 0
    assert report["timings"]["embed"] == 0
    assert sorted(d["id"] for d in report["documents"]) == sorted(d["id"] for d in first["documents"])
    after = (sample_store.generation(), sorted(c.id for c in sample_store.chunks()), sample_store.stats()["vectors"])
    assert after == before


def test_documents_command_lists_the_store(sample_store_dir, sample_ingest):
    result = plandraft_cli(["documents", "--json"], sample_store_dir)
    assert result.returncode == 0
    listed = json.loads(result.stdout)["documents"]
    assert {d["id"] for d in listed} == {d["id"] for d in sample_ingest[1]["documents"]}
    assert any(not d["on_topic"] and d["topic_reason"] for d in listed)


def _zip_bomb_docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(block)


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path):
    files = tmp_path / "in"
    files.mkdir()
    (files / "empty.txt").write_bytes(b"")
    (files / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (files / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (files / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage garbage")
    (files / "notes.xyz").write_text("政协", encoding="utf-8")
    _zip_bomb_docx(files / "bomb.docx")
    big = files / "big.txt"
    with big.open("wb") as f:  # 50 MB of real text: refused by size, not read
        line = "镇党委高度重视政协工作，摆上重要议事日程。\n".encode("utf-8")
        f.write(line * (50 * 1024 * 1024 // len(line) + 1))
    shutil.copy(ROOT / "tests" / "data" / "sample_utf8.txt", files / "good.txt")
    data_dir = tmp_path / "store"

    result = plandraft_cli(["ingest", str(files), str(files / "notes.xyz"), "--json"], data_dir)

    assert result.returncode == 1
    report = json.loads(result.stdout)
    failed = {Path(e["source"]).name: e["error"] for e in report["errors"]}
    assert set(failed) == {"empty.txt", "binary.txt", "broken.docx", "broken.pdf", "notes.xyz", "bomb.docx", "big.txt"}
    for error in failed.values():
        assert "\n" not in error and error
    assert {Path(d["source"]).name for d in report["documents"]} == {"good.txt"}
    listed = json.loads(plandraft_cli(["documents", "--json"], data_dir).stdout)["documents"]
    assert {Path(d["source"]).name for d in listed} == {"good.txt"}


def test_remove_deletes_a_files_documents(tmp_path):
    data_dir = tmp_path / "store"
    good = tmp_path / "good.txt"
    shutil.copy(ROOT / "tests" / "data" / "sample_utf8.txt", good)
    assert plandraft_cli(["ingest", str(good)], data_dir).returncode == 0
    removed = plandraft_cli(["remove", str(good)], data_dir)
    assert removed.returncode == 0, removed.stderr
    assert json.loads(plandraft_cli(["documents", "--json"], data_dir).stdout)["documents"] == []
    again = plandraft_cli(["remove", str(good)], data_dir)
    assert again.returncode != 0 and "good.txt" in again.stderr


def test_changed_file_replaces_its_chunks(tmp_path, hashing_store):
    path = tmp_path / "plan.txt"
    path.write_text("一、加强学习\n组织委员集中学习，每季度一次。\n二、做好协商\n围绕镇党委中心工作开展协商。\n", encoding="utf-8")
    ingest_paths([path], hashing_store, max_bytes=1 << 20)
    old = {c.id for c in hashing_store.chunks()}
    path.write_text("一、加强学习\n组织委员集中学习，每月一次。\n二、做好监督\n开展民主评议。\n", encoding="utf-8")
    report = ingest_paths([path], hashing_store, max_bytes=1 << 20)
    new = {c.id for c in hashing_store.chunks()}
    assert report.errors == [] and new and not (old & new)
    texts = " ".join(c.text for c in hashing_store.chunks())
    assert "每月一次" in texts and "每季度一次" not in texts


def test_vacuum_removes_unused_vectors_and_names_cannot_forge_lines(tmp_path):
    data_dir = tmp_path / "store"
    good = tmp_path / "good.txt"
    shutil.copy(ROOT / "tests" / "data" / "sample_utf8.txt", good)
    forged = tmp_path / "x\nerror: forged.txt"
    forged.write_bytes(b"")
    result = plandraft_cli(["ingest", str(good), str(forged)], data_dir)
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        line for line in result.stderr.splitlines() if line.startswith("error:") and "\\n" in line
    ]
    from plandraft import settings
    from plandraft.resources import open_store

    store = open_store(settings.load({"DATA_DIR": str(data_dir)}))
    coll = store.vectors.collection()
    coll.upsert(ids=["orphan0000000000"], embeddings=[[0.0] * store.embedder.dimension], metadatas=[{"vector": "chunk"}])
    store.close()
    cleaned = plandraft_cli(["vacuum"], data_dir)
    assert cleaned.returncode == 0 and "removed 1 " in cleaned.stdout
