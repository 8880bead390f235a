"""Record the SQL repdrill sends, exactly as the driver receives it, for a raw replay.

A floor for database work is the same statements with the same parameters
sent straight through the DB-API driver (``sqlite3`` or ``psycopg``) by a
process that imports nothing else: see ``replay.py``. :func:`capture` listens
on an engine and records every cursor execution, every commit and rollback,
and marks the benchmark sets (for example where one grade starts and ends).
:func:`capture_sqlite3` records what the standard-library reader sends
(``repdrill due`` and ``status`` on SQLite never reach SQLAlchemy).
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

#: ("sql", statement, parameters, many), ("commit",), ("rollback",) or ("mark", name)
Step = tuple[Any, ...]


class Capture:
    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.active = True

    def mark(self, name: str) -> None:
        if self.active:
            self.steps.append(("mark", name))

    def save(self, path: Path, **extra: object) -> Path:
        with path.open("wb") as handle:
            pickle.dump({"steps": self.steps, **extra}, handle)
        return path

    def statements(self) -> list[str]:
        return [step[1] for step in self.steps if step[0] == "sql"]


def _plain(value: Any) -> Any:
    """Parameters in builtin types only, so that the replay never imports SQLAlchemy.

    (Keys can be ``quoted_name``, a ``str`` subclass that would unpickle through
    SQLAlchemy.)
    """
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return (
            type(value)(_plain(v) for v in value) if type(value) in (list, tuple) else list(value)
        )
    if isinstance(value, str) and type(value) is not str:
        return str(value)
    return value


@contextlib.contextmanager
def capture_sqlite3() -> Iterator[Capture]:
    """Record every statement sent through a ``sqlite3`` connection opened in the block."""
    import sqlite3

    recorded = Capture()

    class Recording(sqlite3.Connection):
        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            if recorded.active:
                recorded.steps.append(("sql", sql, _plain(parameters), False))
            return super().execute(sql, parameters)

    connect = sqlite3.connect

    def recording_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return connect(*args, factory=Recording, **kwargs)

    sqlite3.connect = recording_connect  # type: ignore[assignment]
    try:
        yield recorded
    finally:
        recorded.active = False
        sqlite3.connect = connect


@contextlib.contextmanager
def capture(engine: Engine | type[Engine] = Engine) -> Iterator[Capture]:
    """Record what ``engine`` (by default every engine) sends while the block runs."""
    recorded = Capture()

    def on_execute(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if recorded.active:
            # SQLAlchemy reports its multi-row INSERT batches as part of an
            # executemany, but sends each batch with execute(): the parameters
            # tell which call the driver got (a list only for executemany).
            many = isinstance(parameters, list)
            recorded.steps.append(("sql", str(statement), _plain(parameters), many))

    def on_commit(conn: Any) -> None:
        if recorded.active:
            recorded.steps.append(("commit",))

    def on_rollback(conn: Any) -> None:
        if recorded.active:
            recorded.steps.append(("rollback",))

    listeners = (
        ("before_cursor_execute", on_execute),
        ("commit", on_commit),
        ("rollback", on_rollback),
    )
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield recorded
    finally:
        recorded.active = False
        for name, listener in listeners:
            event.remove(engine, name, listener)
