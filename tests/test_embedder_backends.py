"""Embedding backends (torch, ONNX Runtime, OpenVINO) and precisions; what the store records
of the embedder that built it; chunks cut to the model's token limit (issue #15)."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from ingest.chunking import TokenLimit, chunk_document
from plandraft.resources import token_limit_of
from tests.store_support import STUDY, make_source, replace
from vectorstore import runtimes
from vectorstore.embedder import Embedder, EmbedderError, HashingEmbedder, resolve_precision
from vectorstore.store import CorpusStore, StoreError

# A paragraph of about 640 characters with sentence ends: m3e-small's tokenizer makes one
# token of each Chinese character, so it is over the 512-token limit.
LONG = "".join(
    f"第{n}项，围绕县委县政府中心工作组织委员开展专题调研视察，形成高质量的调研报告，推动成果转化落实。"
    for n in range(1, 15)
)


# --- precision and backend settings ---------------------------------------------------

def test_each_backend_takes_only_the_precisions_it_has():
    assert resolve_precision("torch", "bfloat16") == "bf16"  # the older spelling still works
    assert resolve_precision("onnx", "int8") == "int8"
    assert resolve_precision("onnx", "auto") == "fp32"  # ONNX Runtime has no fast bf16 here
    with pytest.raises(EmbedderError, match="PLANDRAFT_EMBEDDING_PRECISION=int8 .*BACKEND=torch"):
        resolve_precision("torch", "int8")
    with pytest.raises(EmbedderError, match="PLANDRAFT_EMBEDDING_PRECISION=bf16 .*BACKEND=onnx"):
        resolve_precision("onnx", "bf16")
    with pytest.raises(EmbedderError, match="PLANDRAFT_EMBEDDING_BACKEND"):
        resolve_precision("tensorflow", "fp32")


def test_names_are_vector_spaces_float32_shared_across_runtimes():
    names = {(b, p): Embedder(backend=b, precision=p).name
             for b, p in [("torch", "fp32"), ("onnx", "fp32"), ("openvino", "fp32"),
                          ("torch", "bf16"), ("openvino", "bf16"), ("onnx", "int8")]}
    # torch's names are the ones stores were built with before there were backends.
    assert names[("torch", "fp32")] == names[("onnx", "fp32")] == names[("openvino", "fp32")] == "m3e-small@float32"
    assert names[("torch", "bf16")] == "m3e-small@bfloat16"
    assert names[("openvino", "bf16")] == "m3e-small@openvino-bfloat16"
    assert names[("onnx", "int8")] == "m3e-small@onnx-int8"


def test_identity_records_backend_and_the_model_files_hash():
    e = Embedder(backend="onnx", precision="fp32")
    identity = e.identity
    assert identity["embedder"] == "m3e-small@float32"
    assert identity["embedder_backend"] == "onnx/fp32"
    assert len(identity["embedder_model_sha256"]) == 64
    assert e._st is None and e._session is None  # hashing the files loads no model


# --- the store refuses an embedder that would not match -------------------------------

class NamedEmbedder(HashingEmbedder):
    """The hashing stand-in, claiming to be a given model, backend and model hash."""

    def __init__(self, name: str, backend: str, sha: str):
        super().__init__(256)
        self._name, self.identity = name, {"embedder_backend": backend, "embedder_model_sha256": sha}

    @property
    def name(self) -> str:
        return self._name


def _search(store):
    return store.dense_search(np.zeros(256, dtype=np.float32), k=1)


def test_store_records_the_embedder_and_refuses_another_space_or_other_model_files(tmp_path):
    docs, chunks = make_source("a.txt", [STUDY])
    with CorpusStore(tmp_path, embedder=NamedEmbedder("m3e-small@float32", "torch/fp32", "a" * 64)) as s:
        replace(s, "a.txt", "fp1", docs, chunks)
        assert s.vectors.collection().metadata["embedder_backend"] == "torch/fp32"
    # float32 in another runtime is the same space: accepted.
    with CorpusStore(tmp_path, embedder=NamedEmbedder("m3e-small@float32", "onnx/fp32", "a" * 64)) as s:
        assert len(_search(s)) == 1
        assert s.vectors.collection().metadata["embedder_backend"] == "torch/fp32"  # who built it stays
    with CorpusStore(tmp_path, embedder=NamedEmbedder("m3e-small@onnx-int8", "onnx/int8", "a" * 64)) as s:
        with pytest.raises(StoreError, match=r"'m3e-small@float32' \(torch/fp32\).*'m3e-small@onnx-int8' \(onnx/int8\).*PRECISION"):
            _search(s)
    with CorpusStore(tmp_path, embedder=NamedEmbedder("m3e-small@float32", "torch/fp32", "b" * 64)) as s:
        with pytest.raises(StoreError, match="SHA-256 aaaaaaaaaaaa.*bbbbbbbbbbbb"):
            _search(s)


# --- token limit ----------------------------------------------------------------------

def _chars_plus_specials(text: str) -> int:
    return len(text) + 2  # one token a character, [CLS] and [SEP]


def test_a_long_paragraph_is_cut_to_the_token_limit_at_sentence_ends():
    text = "一、调查研究\n" + LONG
    limit = TokenLimit(512, _chars_plus_specials)
    assert not limit.fits(LONG)
    plain = chunk_document("d", "s", text, max_chars=600)
    assert any(not limit.fits(c.text) for c in plain)  # what went to the model before: cut silently
    fitted = chunk_document("d", "s", text, max_chars=600, token_limit=limit)
    assert all(limit.fits(c.text) for c in fitted)
    assert len(fitted) > len(plain)
    assert "".join(c.text for c in fitted).replace("\n", "") == text.replace("\n", "")  # nothing lost
    assert all(c.text.endswith("。") for c in fitted[:-1])  # cut where sentences end


def test_a_limit_that_text_fits_changes_nothing():
    text = "一、调查研究\n" + LONG
    roomy = TokenLimit(5000, _chars_plus_specials)
    assert [c.span for c in chunk_document("d", "s", text, 600, roomy)] == [c.span for c in chunk_document("d", "s", text, 600)]


def test_the_hashing_stand_in_has_no_token_limit():
    assert token_limit_of(HashingEmbedder()) is None


# --- batches by tokens ----------------------------------------------------------------


def test_batches_go_longest_first_within_both_limits_and_take_every_text_once():
    lengths = [5, 400, 120, 120, 30, 512, 7, 250, 60, 60, 60, 1]
    batches = runtimes.plan_batches(lengths, most_texts=3, most_tokens=512)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(lengths, reverse=True)
    for batch in batches:
        width = max(lengths[i] for i in batch)
        assert len(batch) <= 3
        assert len(batch) == 1 or len(batch) * width <= 512  # padded to its longest
    assert [5] in batches and [1] in batches  # the 512-token text alone; the 400 one too
    assert runtimes.plan_batches([1] * 10, most_texts=4, most_tokens=10**6) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert runtimes.plan_batches([], 32, 1024) == []


def test_a_text_longer_than_the_budget_still_gets_its_own_batch():
    assert runtimes.plan_batches([900, 10, 10], most_texts=32, most_tokens=100) == [[0], [1, 2]]


def test_padding_marks_the_pads_on_the_tokenizers_side():
    ids, types = [[101, 7, 8, 102], [101, 9, 102]], [[0, 0, 0, 0], [0, 1, 1]]
    right = runtimes.pad(ids, types, pad_id=0)
    assert right["input_ids"].tolist() == [[101, 7, 8, 102], [101, 9, 102, 0]]
    assert right["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert right["token_type_ids"].tolist() == [[0, 0, 0, 0], [0, 1, 1, 0]]
    assert all(a.dtype == np.int64 for a in right.values())
    left = runtimes.pad(ids, types, pad_id=3, left=True)
    assert left["input_ids"].tolist() == [[101, 7, 8, 102], [3, 101, 9, 102]]
    assert left["attention_mask"].tolist() == [[1, 1, 1, 1], [0, 1, 1, 1]]


# --- the real model in every backend (slow) -------------------------------------------

SENTENCES = [
    "加强委员学习培训，提高履职能力",
    "组织委员开展学习，提升参政议政水平",
    "做好新冠疫苗接种工作安排",
    "旅游景区门票价格调整通知",
    LONG,
]
VARIANTS = [("torch", "fp32"), ("torch", "bf16"), ("onnx", "fp32"), ("onnx", "int8"), ("openvino", "fp32"), ("openvino", "bf16")]
NEEDS = {"onnx": ("onnxruntime",), "openvino": ("openvino",)}
# Lowest cosine to torch fp32 each may give (measured: scripts/bench_embed.py, docs/benchmarks.md).
AGREEMENT = {"fp32": 0.9999, "bf16": 0.999, "int8": 0.97}


@pytest.fixture(scope="module")
def export_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("exported")


@pytest.fixture(scope="module")
def torch_fp32():
    e = Embedder(backend="torch", precision="fp32")
    return e.embed(SENTENCES)


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "precision"), VARIANTS, ids=[f"{b}-{p}" for b, p in VARIANTS])
def test_each_backend_loads_and_embeds_like_torch_fp32(backend, precision, export_cache, torch_fp32):
    missing = [m for m in NEEDS.get(backend, ()) + (("onnx",) if precision == "int8" else ()) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{backend} {precision} needs {', '.join(missing)} (make install installs the default's packages)")
    e = Embedder(backend=backend, precision=precision, cache_dir=export_cache)
    vectors = e.embed(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(vectors * torch_fp32, axis=1)) > AGREEMENT[precision]
    scores = vectors[1:4] @ e.embed_query(SENTENCES[0])
    assert scores[0] == scores.max()  # the paraphrase is nearest
    if backend != "torch":
        shape = "openvino-float32-v*/model.xml" if backend == "openvino" else "model-*.onnx"
        exported = list(export_cache.glob(f"m3e-small-{e.model_sha256[:16]}/{shape}"))
        assert exported, "the model is exported under the model's hash"


@pytest.mark.slow
def test_the_token_budget_changes_how_texts_are_batched_not_their_vectors(export_cache, torch_fp32):
    pytest.importorskip("openvino")
    texts = SENTENCES + [LONG[:300], "政协"]
    tight = Embedder(backend="openvino", precision="fp32", cache_dir=export_cache, batch_tokens=16).embed(texts)
    loose = Embedder(backend="openvino", precision="fp32", cache_dir=export_cache, batch_tokens=65536).embed(texts)
    assert np.min(np.sum(tight * loose, axis=1)) > 0.99999
    assert np.min(np.sum(tight[: len(SENTENCES)] * torch_fp32, axis=1)) > AGREEMENT["fp32"]


@pytest.mark.slow
def test_the_openvino_model_is_converted_once_and_a_crashed_conversion_is_ignored(tmp_path):
    pytest.importorskip("openvino")
    first = Embedder(backend="openvino", precision="fp32", cache_dir=tmp_path)
    folder = tmp_path / f"m3e-small-{first.model_sha256[:16]}"
    folder.mkdir(parents=True)
    leftover = folder / "openvino-float32-v1.123.tmp"  # what a conversion killed midway leaves
    leftover.mkdir()
    (leftover / "model.xml").write_text("<half")
    vector = first.embed_query("政协")
    model = folder / "openvino-float32-v1" / "model.xml"
    assert model.is_file() and (model.parent / "model.bin").stat().st_size > 80_000_000  # float32 weights (92 MB), not fp16 (46 MB)
    stamp = model.stat().st_mtime_ns
    again = Embedder(backend="openvino", precision="fp32", cache_dir=tmp_path)
    assert np.allclose(again.embed_query("政协"), vector, atol=1e-6)
    assert model.stat().st_mtime_ns == stamp and again._st is None  # reused, no torch model loaded


@pytest.mark.slow
def test_the_export_is_made_once_and_reused(export_cache):
    pytest.importorskip("onnxruntime")
    first = Embedder(backend="onnx", precision="fp32", cache_dir=export_cache)
    first.embed(["政协"])
    graph = next(export_cache.glob("m3e-small-*/model-float32-*.onnx"))
    stamp = graph.stat().st_mtime_ns
    again = Embedder(backend="onnx", precision="fp32", cache_dir=export_cache)
    again.embed(["政协"])
    assert graph.stat().st_mtime_ns == stamp
    assert again._st is None  # no torch model was loaded to run or export it


@pytest.mark.slow
def test_real_tokenizer_limit_cuts_a_long_paragraph_and_its_tail_is_embedded():
    e = Embedder(backend="torch", precision="fp32")
    limit = e.token_limit()
    assert limit.max_tokens == 512
    assert e.count_tokens(LONG) > 512  # the model would read only its first 512 tokens
    chunks = chunk_document("d", "s", "一、调查研究\n" + LONG, 600, limit)
    assert len(chunks) >= 2 and all(e.count_tokens(c.text) <= 512 for c in chunks)
    tail = chunks[-1].text
    assert "第14项" in tail
    # The tail has its own vector now; before, the model never saw it.
    vectors = e.embed([c.text for c in chunks])
    assert float(vectors[0] @ vectors[-1]) < 0.9999
