"""``repdrill db backup``: a copy of the database that is whole, taken while reps drill.

SQLite: the online backup API copies every page inside one read transaction,
which WAL mode lets writers work beside, into a temporary file next to the
destination; the copy is checked, made a single self-contained file, flushed
to disk and renamed into place. The destination never holds half a backup,
and it keeps the private permissions of a fresh file (typed answers are in it).

PostgreSQL: its own tool does it better; this prints the ``pg_dump`` command
for the database, with the password masked.
"""

from __future__ import annotations

import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from repdrill._output_file import write_output
from repdrill.errors import ConfigError, RepdrillError
from repdrill.store.engine import SQLITE_BUSY_TIMEOUT_MS, Database


@dataclass(frozen=True, slots=True)
class Backup:
    """A backup written (SQLite), or the command that writes one (PostgreSQL)."""

    dialect: str
    path: str
    backup_bytes: int | None = None
    command: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "dialect": self.dialect,
            "path": self.path,
            "backup_bytes": self.backup_bytes,
            "command": self.command,
        }


def backup(db: Database, path: Path, *, force: bool = False) -> Backup:
    if db.dialect == "sqlite":
        return _sqlite(db, path, force=force)
    if db.dialect == "postgresql":
        return Backup("postgresql", str(path), command=pg_dump_command(db, path))
    raise ConfigError(f"db backup knows SQLite and PostgreSQL, not {db.dialect}")


def pg_dump_command(db: Database, path: Path) -> str:
    """The ``pg_dump`` command line for this database, password shown as ``***``."""
    url = db.engine.url.set(drivername="postgresql")
    where = url.render_as_string(hide_password=True)
    return shlex.join(["pg_dump", "--format=custom", "--file", str(path), "--dbname", where])


def _sqlite(db: Database, path: Path, *, force: bool) -> Backup:
    source = db.engine.url.database
    if not source or source == ":memory:":
        raise ConfigError("an in-memory database has nothing on disk to back up")
    target = path.expanduser()
    if target.exists() and target.resolve() == Path(source).resolve():
        raise RepdrillError(f"{path} is the database itself; back it up somewhere else")
    write_output(target, lambda tmp: _copy(source, tmp), force=force, private=True)
    return Backup("sqlite", str(path), backup_bytes=target.stat().st_size)


def _copy(source: str, tmp: str) -> None:
    timeout = SQLITE_BUSY_TIMEOUT_MS / 1000
    src = sqlite3.connect(source, timeout=timeout)
    try:
        dst = sqlite3.connect(tmp, timeout=timeout)
        try:
            # All pages in one step: one read transaction, so the copy is one
            # moment of the database however many grades land meanwhile.
            src.backup(dst, pages=-1)
            # The copy carries the source's WAL mode; a backup is one file.
            dst.execute("PRAGMA journal_mode = DELETE")
            verdict = dst.execute("PRAGMA quick_check").fetchone()
        finally:
            dst.close()
    except sqlite3.Error as error:
        raise RepdrillError(f"backup failed: {error}") from None
    finally:
        src.close()
    if verdict is None or verdict[0] != "ok":
        raise RepdrillError(f"the copy failed its check ({verdict}); nothing was replaced")
