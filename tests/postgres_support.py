"""A throwaway PostgreSQL cluster for the tests: Debian's PostgreSQL (installed by `make
postgres-deps`), initdb'd in a temp dir, started with pg_ctl on a free port, reached through a
unix socket in that dir, and removed afterwards.

initdb and the server refuse to run as root; as root (CI) the cluster's directory is given to
the ``postgres`` user and both run as that user.  A test database is a copy of a seeded template
(``CREATE DATABASE … TEMPLATE``), which costs a few tens of milliseconds.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


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
