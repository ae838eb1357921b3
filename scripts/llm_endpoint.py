"""Where the local LLM server lives and whether it answers: its files, its address, probes.

Shared by scripts/llm_server.py (which starts and stops it) and anything that only needs to
know whether it runs.  Everything here reads; nothing starts a process.
"""
from __future__ import annotations

import json
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assemble_llm import setting  # noqa: E402  (sibling script)

MODEL_NAME = "qwen2.5-coder-1.5b-instruct"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8088
DEFAULT_CTX = 4096
LOOPBACK = {"127.0.0.1", "localhost"}
# One decode thread: on this 2-core machine, llama.cpp's 2-thread decode drops
# from ~11 to ~2 tokens/s as soon as any other process wants a core (its
# threads spin-wait on each other), while one thread holds ~11 tokens/s.
DEFAULT_THREADS = 1
DEFAULT_THREADS_BATCH = 2
DEFAULT_LOOKUP = 4
DEFAULT_LOOKUP_DRAFT = 16


class ServerError(Exception):
    """The LLM server could not be started, reached or stopped."""


def data_dir() -> Path:
    return Path(setting("DATA_DIR"))


def pid_path() -> Path:
    return data_dir() / "run" / "llm-server.pid"


def log_path() -> Path:
    return data_dir() / "logs" / "llm-server.log"


def base_url(host: str, port: int) -> str:
    return f"http://{host}:{port}/v1"


def configured_endpoint() -> tuple[str, int]:
    """(host, port) of the LLM_BASE_URL setting (``$PLANDRAFT_LLM_BASE_URL``; loopback by default)."""
    parts = urlsplit(setting("LLM_BASE_URL"))
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def local_endpoint() -> tuple[str, int]:
    """Where this script serves by default: the app's URL when it is local."""
    endpoint = configured_endpoint()
    if endpoint[0] in LOOPBACK:
        host = "127.0.0.1" if endpoint[0] == "localhost" else endpoint[0]
        return host, endpoint[1]
    return DEFAULT_HOST, DEFAULT_PORT


# --- probing -----------------------------------------------------------------


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """True when ``/v1/models`` on host:port returns 200 (model loaded)."""
    try:
        with urllib.request.urlopen(f"{base_url(host, port)}/models", timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def serves_our_model(host: str, port: int) -> bool:
    """True when host:port is an OpenAI endpoint listing MODEL_NAME."""
    try:
        with urllib.request.urlopen(f"{base_url(host, port)}/models", timeout=2.0) as r:
            listing = json.load(r)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return any(m.get("id") == MODEL_NAME for m in listing.get("data", []))


def port_taken(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def is_our_process(pid: int) -> bool:
    """The pid is alive and is this script's ``serve`` (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(arg.endswith(b"llm_server.py") for arg in cmdline) and b"serve" in cmdline


def read_pidfile() -> dict | None:
    """The running server's record, or None (a stale pid file is removed)."""
    path = pid_path()
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if is_our_process(int(record.get("pid", 0))):
        return record
    path.unlink(missing_ok=True)
    return None
