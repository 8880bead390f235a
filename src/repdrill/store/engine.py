"""The engine, its transactions, and keeping the schema at the current revision.

SQLite gets WAL mode (readers never block the writer), a busy timeout (a
second writer waits instead of failing) and ``BEGIN IMMEDIATE`` for write
transactions (so two writers queue at the start rather than deadlock half-way).
PostgreSQL needs none of that. Its pooled connections are replaced once they
are :data:`POOL_RECYCLE_SECONDS` old (proxies and firewalls drop long-lived
idle ones) and pinged before use only after sitting idle for
:data:`PING_AFTER_IDLE_SECONDS` (a server restarted meanwhile): a ping on
every checkout would cost a round trip per grade.

Opening a database checks its Alembic revision with one query. A brand-new
database gets the whole schema at once (:mod:`repdrill.store._schema`);
Alembic itself (about a third of a second to import) is loaded only to
upgrade an existing schema.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)

from repdrill.errors import ConfigError, DatabaseUnusable, PermissionDenied
from repdrill.store.migrations import head_revision

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_RECYCLE_SECONDS = 300
PING_AFTER_IDLE_SECONDS = 30
_WRITE = "repdrill_write"
#: SQLSTATE of a refused privilege, and of a row that row-level security refuses.
_INSUFFICIENT_PRIVILEGE = "42501"
#: Where a module keeps what it knows between its transactions on one connection
#: (``conn.info[KEPT]``, a dict); emptied when a transaction rolls back, since
#: it may describe work that was just undone.
KEPT = "repdrill.kept"
_IDLE_SINCE = "repdrill.idle_since"
#: Serialises creating a brand-new schema on PostgreSQL (the same for every process).
_PG_SCHEMA_LOCK = 7_305_222


class Database:
    """A repdrill database: an engine, and transactions on it.

    >>> db = Database.open("sqlite://")
    >>> with db.transaction(write=True) as conn: ...
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{_WRITE: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Database:
        """Connect to ``url`` and bring its schema up to date."""
        db = cls(_create_engine(url))
        if migrate:
            db.migrate()
        return db

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ------------------------------------------------------------
    def revision(self) -> str | None:
        """The schema revision the database is at, or ``None`` for an empty one."""
        try:
            with self.engine.connect() as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError) as error:
            if _missing_table(error):
                return None
            raise self._unusable(error) or _connection_error(self.engine, error) from None
        except DBAPIError as error:
            raise self._unusable(error) or _connection_error(self.engine, error) from None

    def migrate(self) -> None:
        """Bring the schema to the newest revision: create it, or upgrade it if older."""
        head = head_revision()
        current = self.revision()
        if current == head:
            return
        if current is not None and not _known_revision(current):
            raise DatabaseUnusable(
                f"this database was written by a newer repdrill (schema revision {current}; "
                f"this one knows up to {head}): upgrade repdrill to use it"
            )
        if current is None and self._create_schema(head):
            return
        from repdrill.store.migrations import upgrade

        with self._mapped():
            upgrade(self.engine, head)

    def _create_schema(self, head: str) -> bool:
        """Create the schema of an empty database; False when an older one needs upgrading."""
        from repdrill.store import _schema

        with self.transaction(write=True) as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
            if _schema.has_tables(conn):
                # Made meanwhile by another process (done), or an older schema (upgrade).
                found = _schema.revision(conn)
                if found is None:
                    raise DatabaseUnusable(
                        "this database has repdrill's tables but no schema revision (its "
                        "alembic_version table is missing or empty): it was damaged or not "
                        "made by repdrill; restore a backup (repdrill db backup makes one), "
                        "or point --db at a new file"
                    )
                return found == head
            _schema.create_schema(conn, head)
        return True

    # -- transactions ------------------------------------------------------
    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """A connection in one transaction, committed when the block ends.

        ``write=True`` takes SQLite's write lock at the start, so that
        read-then-write work (grading a card) never has to be retried. What
        PostgreSQL refuses to this login (privileges, row-level security in
        team mode) is raised as :class:`PermissionDenied`.
        """
        engine = self._write_engine if write else self.engine
        with self._mapped(), engine.begin() as conn:
            yield conn

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Database errors a user can act on, as one-line errors; anything else is a bug."""
        try:
            yield
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
                who = self.engine.url.username or "this login"
                reason = str(error.orig).strip().splitlines()[0]
                raise PermissionDenied(f"the database refuses this to {who}: {reason}") from None
            unusable = self._unusable(error)
            if unusable is None:
                raise
            raise unusable from None

    def _unusable(self, error: DBAPIError) -> DatabaseUnusable | None:
        """The message for a database that is read-only, full, busy or damaged, if this is one."""
        where = self.engine.url.render_as_string(hide_password=True)
        if self.dialect == "sqlite":
            where = self.engine.url.database or where
        message = str(error.orig).lower()
        sqlstate = getattr(error.orig, "sqlstate", None) or ""
        if "readonly database" in message or sqlstate == "25006":
            return DatabaseUnusable(
                f"the database {where} is read-only for you: nothing was written; "
                "open it with write access (file permissions, the mount) or use another --db"
            )
        disk_full = "database or disk is full" in message or "disk full" in message
        if "disk i/o error" in message and self.dialect == "sqlite":
            disk_full = _disk_nearly_full(self.engine.url.database)
            if not disk_full:
                return DatabaseUnusable(
                    f"the disk holding {where} failed a read or write (disk I/O error): "
                    "nothing was written; check the disk and its mount, then try again"
                )
        if disk_full or sqlstate == "53100":
            return DatabaseUnusable(
                f"the disk holding {where} is full: nothing was written; free some space "
                "and try again"
            )
        if "database is locked" in message or "database is busy" in message:
            return DatabaseUnusable(
                f"the database {where} stayed busy for {SQLITE_BUSY_TIMEOUT_MS // 1000} s: "
                "another repdrill is writing (a long load or log import?); nothing was "
                "written; try again when it is done"
            )
        if "file is not a database" in message or "malformed" in message:
            return DatabaseUnusable(
                f"{where} is not a repdrill database, or it is damaged: restore a backup "
                "(repdrill db backup makes one), or point --db at a new file"
            )
        return None


def _disk_nearly_full(database: str | None) -> bool:
    """Whether the file system holding ``database`` has under a megabyte left.

    SQLite reports a disk that filled while it opened its journal as a plain
    "disk I/O error"; the free space tells the two apart.
    """
    folder = os.path.dirname(os.path.abspath(database or "."))
    try:
        return shutil.disk_usage(folder).free < 1 << 20
    except OSError:
        return False


def _create_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_recycle=POOL_RECYCLE_SECONDS)
            _ping_after_idle(engine)
    except NoSuchModuleError:
        raise ConfigError(f"no database driver for '{_scheme(url)}'") from None
    except ModuleNotFoundError as error:
        if "psycopg" in str(error) or url.startswith("postgresql"):
            raise ConfigError(
                "PostgreSQL needs its driver: pip install 'repdrill[postgres]'"
            ) from None
        raise ConfigError(f"database driver missing: {error.name}") from None
    except (ArgumentError, ValueError):
        # A bad port or host (ValueError) says which part is wrong but never prints the URL.
        raise ConfigError(
            "--db / REPDRILL_DB is not a database URL or file path "
            "(examples: ~/drill.db, postgresql+psycopg://user@host:5432/repdrill)"
        ) from None
    return engine


def _scheme(url: str) -> str:
    return url.split("://", 1)[0]


def _switch_to_wal(cursor: Any) -> None:
    """Put the database in WAL mode, waiting while another connection sets it up.

    SQLite answers "database is locked" at once, without calling the busy
    handler, when another process is creating the same new database's
    write-ahead log; a few milliseconds later the switch succeeds. Wait for
    it as the busy timeout would, rather than fail a second rep's first run.
    """
    import sqlite3

    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn: Any) -> None:
        conn.info.pop(KEPT, None)


def _ping_after_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it has been idle for a while."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and checks out a new one.
            raise DisconnectionError(str(error)) from error


def _known_revision(revision: str) -> bool:
    """Whether this repdrill has a migration for ``revision``: else a newer one wrote it."""
    return revision.isdigit() and revision <= head_revision()


def _missing_table(error: Exception) -> bool:
    message = str(getattr(error, "orig", error)).lower()
    return "no such table" in message or ("does not exist" in message and "relation" in message)


def _connection_error(engine: Engine, error: Exception) -> ConfigError:
    where = engine.url.render_as_string(hide_password=True)
    reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
    return ConfigError(f"cannot open the database {where}: {reason}")
