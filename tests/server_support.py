"""The production profile's servers, started for the tests (and scripts/load_prod.py) on loopback.

- ``Cluster``: a throwaway PostgreSQL cluster: Debian's PostgreSQL (installed by `make
  postgres-deps`), initdb'd in a temp dir, started with pg_ctl on a free port, reached through a
  unix socket in that dir, and removed afterwards.
- ``chroma(path)``: a `chroma run` server.
- ``Gunicorn``: the app as `make serve-prod` runs it (gthread workers, the warm-start hook), whose
  workers can be listed and killed.

initdb and the server refuse to run as root; as root (CI) the cluster's directory is given to
the ``postgres`` user and both run as that user.  A test database is a copy of a seeded template
(``CREATE DATABASE … TEMPLATE``), which costs a few tens of milliseconds.
"""
from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent


def postgres_bin() -> Path | None:
    """The directory of Debian's initdb / pg_ctl (they are not on PATH), newest version first."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]), reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running cluster: ``url(db)`` gives an SQLAlchemy URL, ``create(template)`` a new database."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="prod-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = "postgres" if self.as_postgres else pwd.getpwuid(os.geteuid()).pw_name
        if self.as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr[-2000:]}")
        return result

    def start(self) -> "Cluster":
        # fsync off: a throwaway cluster; durability across a *worker's* death does not depend on it
        # (the server process stays up), only across a power cut, which no test makes.
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@/{database}?host={self.root}&port={self.port}"

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user=self.user, dbname=database, autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def create(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its name."""
        name = "t_" + uuid.uuid4().hex[:12]
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name


# -- Chroma ------------------------------------------------------------------------------------


def chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def wait_for(url: str, seconds: float, proc: subprocess.Popen | None = None, what: str = "server") -> None:
    """Wait until ``url`` answers 200 (raises when ``proc`` exits first or ``seconds`` pass)."""
    deadline = time.monotonic() + seconds
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer {url} within {seconds:.0f} s")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen, seconds: float = 20) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chroma(path: Path) -> Iterator[str]:
    """A `chroma run` server over ``path`` on a free loopback port; its URL."""
    cli = chroma_cli()
    if cli is None:
        raise RuntimeError("the chroma CLI (installed by the chromadb package) is not on this machine")
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f"{path.name}.log", "wb") as log:
        proc = subprocess.Popen(
            [cli, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url + "/api/v2/heartbeat", 60, proc, "chroma run")
            yield url
        finally:
            _stop(proc, 10)


# -- gunicorn ----------------------------------------------------------------------------------


class Gunicorn:
    """``service:create_app()`` under gunicorn as `make serve-prod` starts it, with ``env`` added."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 4, threads: int = 4):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.cmd = [
            gunicorn, "-c", "python:service.gunicorn_conf", "--workers", str(workers), "--threads", str(threads),
            "--bind", f"127.0.0.1:{self.port}", "service:create_app()",
        ]
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", **env}
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def start(self, seconds: float = 300) -> "Gunicorn":
        self._log = open(self.log, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        # A worker accepts only once warm (service.gunicorn_conf), so the first answer means one is.
        wait_for(self.url + "/login", seconds, self.proc, "gunicorn")
        deadline = time.monotonic() + seconds
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        """Quick shutdown (SIGQUIT): a test has nothing in flight worth the graceful 30 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self._log.close()


def cli(args: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = 1800) -> str:
    """``plandraft ARGS`` with ``env`` added; its stdout (raises with its stderr on failure)."""
    result = subprocess.run(
        [sys.executable, "-m", "plandraft.cli", *args], cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        input=stdin, capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"plandraft {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result.stdout


def api(base: str, token: str, method: str, path: str, body: dict | None = None, timeout: float = 120) -> tuple[int, dict]:
    """One JSON API call; (status, body) for any HTTP status, exceptions only for a cut connection."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"raw": raw[:500].decode("utf-8", "replace")}
