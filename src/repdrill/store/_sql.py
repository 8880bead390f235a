"""Small SQL building blocks the store's modules share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Table, case, func, insert

T = TypeVar("T")

#: Rows per IN (...) list or executemany batch: well inside every database's limits.
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of a group meet ``condition`` (0 for none, never NULL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def insert_ignoring_duplicates(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, in the dialect of ``conn``'s database."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing()


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT many rows, given as tuples in ``columns`` order, through one executemany.

    The statement is Core's, compiled once; the rows go to the driver as they
    are, after the columns' own bind conversions (time zones, dates), instead
    of through SQLAlchemy's processing of one parameter dictionary per row,
    which costs more than the database takes to store them.
    """
    if not rows:
        return
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    convert = [
        (index, processor)
        for index, name in enumerate(columns)
        if (processor := table.c[name].type.bind_processor(dialect)) is not None
    ]
    if convert:
        rows = [_converted(row, convert) for row in rows]
    if compiled.positiontup is not None:
        order = [columns.index(name) for name in compiled.positiontup]
        if order != list(range(len(columns))):
            rows = [tuple(row[i] for i in order) for row in rows]
        parameters: Any = [tuple(row) for row in rows]
    else:
        parameters = [dict(zip(columns, row, strict=True)) for row in rows]
    conn.exec_driver_sql(str(compiled), parameters)


def _converted(row: Sequence[Any], convert: list[tuple[int, Any]]) -> tuple[Any, ...]:
    values = list(row)
    for index, processor in convert:
        values[index] = processor(values[index])
    return tuple(values)
