"""Building the expensive collaborators (embedder, store) from settings, on first use.

The CLI and the web app both go through here, so they always open the same store the
same way.  Nothing is created at import.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Mapping

from plandraft import settings as settings_mod


class TimedEmbedder:
    """Wraps an embedder to count the seconds spent embedding (for ingest reports and benchmarks)."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

    def embed(self, texts):
        t0 = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.seconds += time.perf_counter() - t0

    def embed_query(self, text):
        t0 = time.perf_counter()
        try:
            return self.inner.embed_query(text)
        finally:
            self.seconds += time.perf_counter() - t0

    def __getattr__(self, name):
        return getattr(self.inner, name)


def make_embedder(values: Mapping[str, Any]):
    from vectorstore.embedder import Embedder

    return TimedEmbedder(
        Embedder(
            model=values["EMBEDDING_MODEL"],
            backend=values["EMBEDDING_BACKEND"],
            precision=values["EMBEDDING_PRECISION"],
            batch_size=int(values["EMBEDDING_BATCH"]),
            batch_tokens=int(values["EMBEDDING_BATCH_TOKENS"]),
            threads=int(values["EMBEDDING_THREADS"]),
            # Exports are per data directory: a second deployment on the machine exports its own.
            cache_dir=Path(values["DATA_DIR"]).expanduser() / "models" / "exported",
        )
    )


def token_limit_of(embedder):
    """The embedder's input limit for ingest's chunking (None for one that has none, like the
    hashing stand-in): ingest and the store are configured here, so the limit is handed on
    from here rather than ingest reaching up into the vectorstore layer."""
    limit = getattr(embedder, "token_limit", None)
    return limit() if callable(limit) else None


def open_store(values: Mapping[str, Any] | None = None, embedder=None):
    """The corpus store the settings describe (embedded Chroma, or the server at PLANDRAFT_CHROMA_URL)."""
    from vectorstore.store import CorpusStore

    values = settings_mod.load() if values is None else values
    return CorpusStore(
        settings_mod.data_dir(values),
        embedder=embedder if embedder is not None else make_embedder(values),
        chroma_url=values["CHROMA_URL"],
        collection=values["COLLECTION"],
        dup_threshold=float(values["DUP_THRESHOLD"]),
    )


def make_polisher(values: Mapping[str, Any]):
    """The LLM polisher the settings describe (its client connects on first use)."""
    from drafting.llm import LLMPolisher, LLMSettings

    return LLMPolisher(
        LLMSettings(
            base_url=values["LLM_BASE_URL"],
            model=values["LLM_MODEL"],
            timeout=float(values["LLM_TIMEOUT"]),
            max_tokens=int(values["LLM_MAX_TOKENS"]),
            api_key=values["LLM_API_KEY"],
        )
    )


def make_drafter(values: Mapping[str, Any], store):
    """A Drafter over ``store``'s hybrid search, with LLM polishing available on request."""
    from drafting.engine import Drafter
    from vectorstore.search import Searcher

    return Drafter(Searcher(store), make_polisher(values))
