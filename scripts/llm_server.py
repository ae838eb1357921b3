#!/usr/bin/env python3
"""Run the local drafting LLM behind llama.cpp's OpenAI-compatible server.

The server is xllamacpp's ``Server``: llama.cpp's own C++ HTTP server, running
in background threads of the Python process that creates it. This script keeps
that process alive, detached, with a pid file, so the web app, the CLI and the
tests reach the model over HTTP at ``http://127.0.0.1:PORT/v1`` like any
OpenAI endpoint (``langchain_openai.ChatOpenAI(base_url=..., api_key="none")``).

Commands (default: ``start``):
    start    start the server in the background if it is not running, wait
             until ``/v1/models`` answers, print the base URL
    stop     stop the server named in the pid file (``--stop`` also works)
    status   print the base URL and exit 0 if running, exit 1 if not
    serve    run the server in the foreground until SIGTERM or Ctrl-C
    exec -- CMD ...
             start the server if needed, run CMD with PLANDRAFT_LLM_BASE_URL
             and PLANDRAFT_LLM_MODEL set, stop the server afterwards if this
             command started it; exit with CMD's status
    smoke    one chat completion through langchain_openai; print the answer
             and the speed

Where the server is and whether it answers is scripts/llm_endpoint.py.

Files live under the data dir (``$PLANDRAFT_DATA_DIR``, default ``./var``):
``models/<gguf>``, ``run/llm-server.pid``, ``logs/llm-server.log``.
Host and port come from ``$PLANDRAFT_LLM_BASE_URL`` (the app's own setting)
when it names a loopback address, else 127.0.0.1:8088; flags override both.
When that setting names another host, ``exec`` starts nothing: the app then
talks to that endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from assemble_llm import MODEL_FILENAME, setting  # noqa: E402  (sibling script)
from llm_endpoint import (  # noqa: E402  (sibling script)
    DEFAULT_CTX, DEFAULT_LOOKUP, DEFAULT_LOOKUP_DRAFT, DEFAULT_THREADS, DEFAULT_THREADS_BATCH, LOOPBACK,
    MODEL_NAME, ServerError, answers, base_url, configured_endpoint, data_dir, is_our_process, local_endpoint,
    log_path, pid_path, port_taken, read_pidfile, serves_our_model,
)

# --- serve (foreground) ------------------------------------------------------


def serve(args: argparse.Namespace) -> int:
    """Load the model, listen on host:port, block until SIGTERM/SIGINT."""
    # Must be set before the OpenMP runtime starts (i.e. before the import):
    # idle threads sleep instead of spinning against the web app for the CPU.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    import xllamacpp

    model = Path(args.model)
    if not model.is_file():
        raise ServerError(f"{model} not found; run `make llm` first")

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = {MODEL_NAME}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads_batch
    if args.lookup:
        # Prompt-lookup speculation: the model mostly rewrites the material in its prompt, so
        # n-grams of that material are good guesses for its next tokens, checked in one batch.
        spec = params.speculative
        spec.types = [xllamacpp.common_speculative_type.COMMON_SPECULATIVE_TYPE_NGRAM_SIMPLE]
        spec.ngram_simple.size_n = args.lookup
        spec.ngram_simple.size_m = args.lookup_draft

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    started = time.monotonic()
    server = xllamacpp.Server(params)  # returns once the model is loaded
    print(
        f"llm_server: {MODEL_NAME} listening on {server.listening_address} "
        f"(loaded in {time.monotonic() - started:.1f}s, pid {os.getpid()})",
        flush=True,
    )
    while not stop.wait(1.0):
        pass
    del server  # joins llama.cpp's threads
    print("llm_server: stopped", flush=True)
    return 0


# --- start / stop ------------------------------------------------------------


def start(args: argparse.Namespace) -> tuple[str, bool]:
    """Ensure a server is running; return (base URL, whether we started it)."""
    record = read_pidfile()
    if record is not None:
        host, port = record["host"], int(record["port"])
        if not answers(host, port):
            raise ServerError(
                f"pid {record['pid']} holds {pid_path()} but {base_url(host, port)} "
                "does not answer; see the log or run `llm_server.py stop`"
            )
        return base_url(host, port), False

    if serves_our_model(args.host, args.port):
        # Another checkout's server (or one started by hand): share it.
        return base_url(args.host, args.port), False
    if port_taken(args.host, args.port):
        raise ServerError(f"port {args.port} on {args.host} is taken; pass --port")
    if not Path(args.model).is_file():
        raise ServerError(f"{args.model} not found; run `make llm` first")

    pid_path().parent.mkdir(parents=True, exist_ok=True)
    log_path().parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, str(Path(__file__).resolve()), "serve",
        "--host", args.host, "--port", str(args.port), "--model", str(args.model),
        "--ctx", str(args.ctx), "--threads", str(args.threads),
        "--threads-batch", str(args.threads_batch),
        "--lookup", str(args.lookup), "--lookup-draft", str(args.lookup_draft),
    ]  # fmt: skip
    with log_path().open("ab") as log:
        child = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal does not reach it
        )
    record = {"pid": child.pid, "host": args.host, "port": args.port, "model": str(args.model)}
    pid_path().write_text(json.dumps(record) + "\n")

    started = time.monotonic()
    while not answers(args.host, args.port):
        if child.poll() is not None:
            pid_path().unlink(missing_ok=True)
            raise ServerError(
                f"server exited with status {child.returncode} while loading:\n{_log_tail()}"
            )
        if time.monotonic() - started > args.timeout:
            _terminate(child.pid)
            pid_path().unlink(missing_ok=True)
            raise ServerError(f"server not ready after {args.timeout:.0f}s:\n{_log_tail()}")
        time.sleep(0.25)
    print(
        f"llm_server: ready in {time.monotonic() - started:.1f}s (pid {child.pid}, "
        f"log {log_path()})",
        file=sys.stderr,
    )
    return base_url(args.host, args.port), True


def _log_tail(lines: int = 20) -> str:
    try:
        return "\n".join(log_path().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _terminate(pid: int, grace: float = 20.0) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_our_process(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop() -> bool:
    """Stop the server from the pid file; False if none was running."""
    record = read_pidfile()
    if record is None:
        return False
    _terminate(int(record["pid"]))
    pid_path().unlink(missing_ok=True)
    return True


# --- exec / smoke --------------------------------------------------------------


def exec_with_server(args: argparse.Namespace) -> int:
    """Run a command with the server up; stop it after if we started it."""
    command = args.command
    if not command:
        raise ServerError("exec needs a command: llm_server.py exec -- CMD ...")
    if configured_endpoint()[0] not in LOOPBACK:
        print(f"llm_server: using {setting('LLM_BASE_URL')}", file=sys.stderr)
        return subprocess.call(command)
    url, started_here = start(args)
    env = dict(os.environ, PLANDRAFT_LLM_BASE_URL=url)
    env.setdefault("PLANDRAFT_LLM_MODEL", MODEL_NAME)
    # The terminal's Ctrl-C reaches the child directly; this wrapper lives on
    # to stop the server.  Handlers, not SIG_IGN, and set before the child
    # starts: exec resets handled signals to their defaults in the child.
    # SIGTERM and SIGHUP (a CI time-out, a closed terminal) are passed on.
    children: list[subprocess.Popen] = []

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    previous = {
        signal.SIGINT: signal.signal(signal.SIGINT, lambda *_: None),
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    try:
        children.append(subprocess.Popen(command, env=env))
        return children[0].wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if started_here:
            stop()
            print("llm_server: stopped", file=sys.stderr)


def smoke(args: argparse.Namespace) -> int:
    """One Chinese chat completion through langchain_openai, with its speed."""
    from langchain_openai import ChatOpenAI

    record = read_pidfile()
    url = base_url(record["host"], record["port"]) if record else base_url(args.host, args.port)
    llm = ChatOpenAI(base_url=url, api_key="none", model=MODEL_NAME, max_tokens=64, temperature=0)
    started = time.monotonic()
    reply = llm.invoke("请用一句话说明什么是政协工作计划。")
    elapsed = time.monotonic() - started
    usage = reply.usage_metadata or {}
    out_tokens = usage.get("output_tokens", 0)
    print(f"answer: {reply.content}")
    print(
        f"tokens: {usage.get('input_tokens', '?')} in, {out_tokens} out; "
        f"{elapsed:.2f}s wall, {out_tokens / elapsed:.1f} output tokens/s end to end"
    )
    return 0 if reply.content.strip() else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:  # exec's command, kept away from argparse
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    if "--stop" in argv:  # the flag form of `stop`
        argv = ["stop"] + [a for a in argv if a != "--stop"]
    if not argv or argv[0].startswith("-"):
        argv = ["start"] + argv

    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 2)[2],
    )
    parser.add_argument("action", choices=["start", "stop", "status", "serve", "exec", "smoke"])
    host, port = local_endpoint()
    parser.add_argument("--host", default=host)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--model", type=Path, default=None, help="GGUF file")
    parser.add_argument("--ctx", type=int, default=DEFAULT_CTX, help="context window")
    parser.add_argument(
        "--threads", type=int, default=DEFAULT_THREADS, help="threads for generation"
    )
    parser.add_argument(
        "--threads-batch", type=int, default=DEFAULT_THREADS_BATCH, help="threads for prompts"
    )
    parser.add_argument(
        "--lookup", type=int, default=DEFAULT_LOOKUP,
        help="prompt-lookup speculation: n-gram size to match (0: off)",
    )
    parser.add_argument(
        "--lookup-draft", type=int, default=DEFAULT_LOOKUP_DRAFT, help="tokens drafted per lookup"
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="start: seconds to wait")
    args = parser.parse_args(argv)
    args.command = command
    if args.model is None:
        args.model = data_dir() / "models" / MODEL_FILENAME

    try:
        if args.action == "serve":
            return serve(args)
        if args.action == "start":
            url, _ = start(args)
            print(url)
            return 0
        if args.action == "stop":
            print("llm_server: stopped" if stop() else "llm_server: not running")
            return 0
        if args.action == "status":
            record = read_pidfile()
            if record and answers(record["host"], int(record["port"])):
                print(base_url(record["host"], int(record["port"])))
                return 0
            print("llm_server: not running")
            return 1
        if args.action == "exec":
            return exec_with_server(args)
        return smoke(args)
    except ServerError as exc:
        print(f"llm_server: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
