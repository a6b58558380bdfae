"""A real PostgreSQL server for the tests, on loopback, in a temporary folder.

Uses Debian's ``postgresql`` binaries (``/usr/lib/postgresql/*/bin``; ``make sysdeps`` installs them).
``initdb`` refuses to run as root, and CI runs as root, so the cluster is created and run as the
``postgres`` OS user via ``runuser`` in a folder owned by it. Listens on 127.0.0.1 only, on a free port,
with its unix socket inside the folder. Tests that need it skip, naming the reason, when the binaries
are absent.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder with initdb and pg_ctl, or None."""
    env = os.environ.get("RADASSIST_PG_BIN")
    candidates = [env] if env else sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                          key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                                          reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def unavailable_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if find_pg_bin() is None:
        return "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (install with: make sysdeps)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' OS user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to switch to the 'postgres' user"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'radassist[postgres]')"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway cluster. ``url(db)`` for psycopg; ``new_database()`` for a fresh, empty database."""

    def __init__(self, *, fsync: bool = False) -> None:
        self.bin = find_pg_bin()
        assert self.bin is not None
        self.fsync = fsync
        # As root the server runs as 'postgres', which must reach the folder: not under a private TMPDIR.
        base = "/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None
        self.root = Path(tempfile.mkdtemp(prefix="radassist-pg-", dir=base))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.sock.mkdir()
        self.port = 0
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            for p in (self.root, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> PostgresServer:
        r = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                      "--locale=C", *([] if self.fsync else ["--no-sync"]))
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr.strip() or r.stdout.strip()}")
        opts = (f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={self.sock} "
                f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=50 -c shared_buffers=64MB")
        for _attempt in range(3):  # a port found free can be taken before the server binds it
            self.port = _free_port()
            r = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                          "-o", f"-p {self.port} {opts}", "start")
            if r.returncode == 0:
                return self
        log = (self.root / "server.log").read_text(errors="replace")[-2000:] if (self.root / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log}")

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)


@contextmanager
def postgres_server(*, fsync: bool = False) -> Iterator[PostgresServer]:
    server = PostgresServer(fsync=fsync)
    try:
        t0 = time.perf_counter()
        server.start()
        server.startup_s = time.perf_counter() - t0
        yield server
    finally:
        server.stop()


def server_fixture():
    """Body of a session-scoped pytest fixture: skip with the reason, or yield a running server."""
    import pytest

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with postgres_server() as server:
        yield server
