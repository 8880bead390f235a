"""What is due, read from a SQLite file with the standard library alone.

``repdrill due`` runs in a shell prompt or a status bar, before every prompt
the shell draws, so it must start and answer in a few milliseconds: importing
SQLAlchemy alone takes longer than a prompt can wait. This reader opens the
file read-only with :mod:`sqlite3` (never creating or migrating it) and runs
the same rules as everything else (:mod:`repdrill.schedule.rules`), written
out as SQL text by :class:`~repdrill.store._textsql.Sql`. When the file is
not at the current schema revision it answers ``None`` and the caller takes
the front door instead.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from repdrill.cards import Nudge
from repdrill.schedule.rules import covers_clause, due_clause, new_available
from repdrill.store._textsql import Sql
from repdrill.store.migrations import head_revision

_REP = "SELECT id FROM reps WHERE name = :rep"
_HOLD = "SELECT max(ends_on) FROM holds WHERE rep_id = :rep_id AND " + covers_clause(
    Sql("starts_on"), Sql("ends_on"), Sql(":today")
)
_DUE = (
    "SELECT count(*) FROM card_states s JOIN cards c ON c.id = s.card_id "
    "WHERE s.rep_id = :rep_id AND c.retired_at IS NULL AND "
    + due_clause(Sql("s.due"), Sql(":today"))
)
_NEW = """
SELECT d.new_per_day,
       (SELECT count(*) FROM cards c
         WHERE c.deck_id = d.id AND c.retired_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM card_states s
                            WHERE s.card_id = c.id AND s.rep_id = :rep_id)),
       (SELECT count(*) FROM card_states s JOIN cards c ON c.id = s.card_id
         WHERE c.deck_id = d.id AND s.rep_id = :rep_id AND s.introduced_on = :today)
  FROM decks d
"""


def read_due(path: Path, rep: str, today: dt.date) -> Nudge | None:
    """The rep's nudge from the SQLite file at ``path``; ``None`` if this reader cannot tell."""
    if not path.is_file():
        return Nudge(rep, today, 0, 0)
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or row[0] != head_revision():
            return None
        found = conn.execute(_REP, {"rep": rep}).fetchone()
        if found is None:
            return Nudge(rep, today, 0, _new_cards(conn, -1, today))
        params = {"rep_id": found[0], "today": today.isoformat()}
        (hold_end,) = conn.execute(_HOLD, params).fetchone()
        if hold_end is not None:
            return Nudge(rep, today, 0, 0, dt.date.fromisoformat(hold_end))
        (due,) = conn.execute(_DUE, params).fetchone()
        return Nudge(rep, today, int(due), _new_cards(conn, found[0], today))
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _new_cards(conn: sqlite3.Connection, rep_id: int, today: dt.date) -> int:
    rows = conn.execute(_NEW, {"rep_id": rep_id, "today": today.isoformat()})
    return sum(new_available(unseen, per_day, begun) for per_day, unseen, begun in rows)
