"""The floor for database work: recorded SQL replayed raw, in a fresh process.

    python bench/replay.py CAPTURE URL [--remap-reviews]

Imports only the DB-API driver (``sqlite3`` or ``psycopg``), connects the way
repdrill does (on SQLite: the same pragmas, ``isolation_level=None`` and the
recorded ``BEGIN``), sends every recorded statement with its recorded
parameters, fetches every result, and commits where repdrill committed.
Prints JSON: the seconds from start to end, and the time of every mark.

``--remap-reviews`` is for a capture replayed on a database that others write
to at the same time: review ids returned by the database then differ from the
recorded ones, and the later statements that use them are given the new ids.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 30000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
)


def connect(url: str) -> Any:
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split(":///", 1)[1], timeout=30, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        return conn
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1))


def replay(
    steps: list[tuple[Any, ...]],
    conn: Any,
    *,
    review_ids: dict[str, int] | None = None,
    deadline: float | None = None,
) -> tuple[float, list[tuple[str, float]], int]:
    """Run ``steps`` on ``conn``; returns (seconds, marks, commits)."""
    marks: list[tuple[str, float]] = []
    remapped: dict[int, int] = {}
    commits = 0
    cursor = conn.cursor()
    started = time.perf_counter()
    for step in steps:
        kind = step[0]
        if kind == "sql":
            _, statement, parameters, many = step
            if remapped:
                parameters = _remap(parameters, remapped)
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
            if cursor.description is not None:
                rows = cursor.fetchall()
                if review_ids is not None and "INSERT INTO reviews" in statement:
                    uuid = _uuid_of(parameters)
                    if uuid in review_ids and rows:
                        remapped[review_ids[uuid]] = rows[0][0]
        elif kind == "commit":
            conn.commit()
            commits += 1
        elif kind == "rollback":
            conn.rollback()
        elif kind == "mark":
            now = time.perf_counter()
            marks.append((step[1], now - started))
            if deadline is not None and now > deadline:
                break
    if conn.__class__.__module__.startswith("psycopg"):
        conn.rollback()
    return time.perf_counter() - started, marks, commits


def _uuid_of(parameters: Any) -> str | None:
    values = parameters.values() if isinstance(parameters, dict) else parameters
    return next((v for v in values if isinstance(v, str) and len(v) == 36 and v[8] == "-"), None)


def _remap(parameters: Any, remapped: dict[int, int]) -> Any:
    if isinstance(parameters, dict):
        return {k: remapped.get(v, v) if type(v) is int else v for k, v in parameters.items()}
    if isinstance(parameters, list):
        return [_remap(p, remapped) for p in parameters]
    return tuple(remapped.get(v, v) if type(v) is int else v for v in parameters)


def main() -> None:
    capture_path, url = sys.argv[1], sys.argv[2]
    with Path(capture_path).open("rb") as handle:
        recorded = pickle.load(handle)
    conn = connect(url)
    review_ids = recorded.get("review_ids") if "--remap-reviews" in sys.argv else None
    seconds, marks, commits = replay(recorded["steps"], conn, review_ids=review_ids)
    conn.close()
    # A floor that pulled in SQLAlchemy (say, through a pickled str subclass) would flatter.
    assert "sqlalchemy" not in sys.modules, "the replay imported SQLAlchemy"
    print(json.dumps({"seconds": seconds, "marks": marks, "commits": commits}))


if __name__ == "__main__":
    main()
