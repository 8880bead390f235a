"""A throwaway PostgreSQL server for tests and benchmarks.

Runs Debian's ``initdb`` and ``pg_ctl`` in a temporary directory on a free
loopback port. As root, the server runs as the ``postgres`` user (PostgreSQL
refuses to run as root). No mocks: the tests talk to a real server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


def find_pg_bin() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(os.path.realpath(on_path)).parent
    for candidate in PG_BIN_DIRS:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """Start with :meth:`start`, stop with :meth:`stop`; ``url(db)`` gives SQLAlchemy URLs."""

    def __init__(self, bin_dir: Path, settings: dict[str, str] | None = None) -> None:
        self.bin_dir = bin_dir
        #: Server settings on top of the test defaults (a benchmark turns fsync back on).
        self.settings = settings or {}
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="repdrill-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        self.user = "postgres" if self.as_postgres else os.environ.get("USER", "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        ) + "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start; see {self.root / 'log'}")

    def url(
        self, database: str = "postgres", user: str | None = None, password: str | None = None
    ) -> str:
        """A SQLAlchemy URL; any login name works (``@`` and the like are escaped)."""
        from sqlalchemy import URL

        return URL.create(
            "postgresql+psycopg",
            username=user or self.user,
            password=password,
            host="127.0.0.1",
            port=self.port,
            database=database,
        ).render_as_string(hide_password=False)

    def dsn(self, database: str = "postgres", user: str | None = None) -> str:
        """A libpq connection string, for psycopg directly."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host="127.0.0.1", port=self.port, user=user or self.user, dbname=database
        )

    def create_database(self, name: str, template: str | None = None) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True
        ) as conn:
            # FILE_COPY: copying a small template's files beats WAL-logging every page.
            clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        with contextlib.suppress(
            subprocess.CalledProcessError, subprocess.TimeoutExpired, FileNotFoundError
        ):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
