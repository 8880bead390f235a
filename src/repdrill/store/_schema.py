"""A brand-new database's schema, created at once from the tables.

A database with no repdrill tables yet gets the current schema in one
transaction: the tables of :mod:`repdrill.store.tables` with the database
objects declared beside them (the triggers that keep the review log
append-only, created with their tables) and Alembic's version table,
stamped with the newest revision. That is what upgrading step by step
through every migration leaves, without importing Alembic and replaying
history; a database that already has a schema is upgraded by the
migrations. ``tests/test_migrations.py`` checks that both ways give the same
schema, triggers, functions and row-level security included, on SQLite and
on PostgreSQL: a migration that adds a database object must make
``create_all`` add it too.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, MetaData, PrimaryKeyConstraint, String, Table, select

from repdrill.store import tables as t

#: Alembic's own table, as Alembic creates it.
_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def has_tables(conn: Connection) -> bool:
    """Whether any repdrill table (or Alembic's) exists already."""
    names = [_VERSION.name, *t.metadata.tables]
    return any(conn.dialect.has_table(conn, name) for name in names)


def revision(conn: Connection) -> str | None:
    """The revision Alembic's table records, or ``None`` without the table."""
    if not conn.dialect.has_table(conn, _VERSION.name):
        return None
    return conn.execute(select(_VERSION.c.version_num)).scalar()


def create_schema(conn: Connection, revision: str) -> None:
    """Create every table and trigger, and record ``revision`` as Alembic would."""
    t.metadata.create_all(conn)
    _VERSION.create(conn)
    conn.execute(_VERSION.insert().values(version_num=revision))
