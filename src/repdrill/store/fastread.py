"""What is due, and a rep's status, read from a SQLite file with the standard library alone.

``repdrill due`` runs in a shell prompt or a status bar, before every prompt
the shell draws, so it must start and answer in a few milliseconds; ``repdrill
status`` is what a rep types first each day. Importing SQLAlchemy alone takes
several times longer than either's queries. This reader opens the file
read-only with :mod:`sqlite3` (never creating or migrating it) and runs the
same rules as everything else (:mod:`repdrill.schedule.rules`), written out as
SQL text by :class:`~repdrill.store._textsql.Sql`, into the same values as the
front door (:mod:`repdrill.standing`). When it cannot answer exactly as the
front door would (the file is missing or not at the current schema revision,
or a selection is one the front door refuses) it answers ``None`` and the
caller takes the front door instead.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

from repdrill.cards import Nudge, Scope
from repdrill.schedule.rules import (
    cleared_clause,
    covers_clause,
    days_met_since,
    days_on_hold,
    due_clause,
    leech_clause,
    mastered_clause,
    new_available,
    overdue_clause,
)
from repdrill.standing import DEFAULT_DAILY_MINUTES, DeckProgress, Hold, Status
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


# -- status -----------------------------------------------------------------------

_ACTIVE = Sql("c.retired_at IS NULL")
_RETIRED = Sql("c.retired_at IS NOT NULL")
_STARTED = Sql("s.card_id IS NOT NULL")
_UNSEEN = Sql("s.card_id IS NULL")
_DUE_ON, _TODAY = Sql("s.due"), Sql(":today")


def _count(condition: Sql) -> str:
    """How many rows of a group meet ``condition`` (0 for none), as the front door counts."""
    return f"coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def _started_and(condition: Sql) -> str:
    return _count(_ACTIVE & _STARTED & condition)


_PROGRESS = f"""
SELECT d.slug, d.title,
       {_count(_ACTIVE)},
       {_count(_RETIRED)},
       {_started_and(due_clause(_DUE_ON, _TODAY))},
       {_started_and(overdue_clause(_DUE_ON, _TODAY))},
       {_count(_ACTIVE & _UNSEEN)},
       {_started_and(mastered_clause(Sql("s.interval_days"), Sql("d.min_interval_days")))},
       {_started_and(leech_clause(Sql("s.lapses")))},
       min(CASE WHEN {_ACTIVE & (_DUE_ON > _TODAY)} THEN s.due END),
       d.new_per_day,
       coalesce(max(i.n), 0)
  FROM decks d
  JOIN cards c ON d.id = c.deck_id
  LEFT JOIN card_states s ON s.card_id = c.id AND s.rep_id = :rep_id
  LEFT JOIN (SELECT c.deck_id AS deck_id, count(*) AS n
               FROM cards c JOIN card_states s ON c.id = s.card_id
              WHERE s.rep_id = :rep_id AND s.introduced_on = :today
              GROUP BY c.deck_id) i ON i.deck_id = d.id
 WHERE {{scope}}
 GROUP BY d.id, d.slug, d.title, d.new_per_day
 ORDER BY d.slug
"""
_CLEARED = f"""
SELECT DISTINCT review_date FROM reviews
 WHERE rep_id = :rep_id AND {cleared_clause(Sql("due_remaining"))}
   AND review_date >= :since AND review_date <= :today
"""
_HOLDS_SINCE = (
    "SELECT starts_on, ends_on FROM holds "
    "WHERE rep_id = :rep_id AND ends_on >= :since AND starts_on <= :today"
)
_CURRENT_HOLD = (
    "SELECT starts_on, ends_on FROM holds WHERE rep_id = :rep_id AND ends_on >= :today "
    "ORDER BY starts_on LIMIT 1"
)
_MINUTES = "SELECT daily_minutes FROM rep_settings WHERE rep_id = :rep_id"


def read_status(path: Path, rep: str, today: dt.date, scope: Scope = Scope()) -> Status | None:
    """The rep's status from the SQLite file at ``path``, exactly as ``Repdrill.status()``
    builds it; ``None`` when the front door must answer (and perhaps refuse) instead."""
    if not path.is_file():
        return None  # the front door creates the database
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    conn.isolation_level = None
    try:
        conn.execute("BEGIN")  # one snapshot for every query, as the front door's transaction
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if row is None or row[0] != head_revision():
            return None
        return _status(conn, rep, today, scope)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _status(conn: sqlite3.Connection, rep: str, today: dt.date, scope: Scope) -> Status | None:
    found = conn.execute(_REP, {"rep": rep}).fetchone()
    rep_id = -1 if found is None else int(found[0])
    since = days_met_since(today)
    params: dict[str, object] = {
        "rep_id": rep_id,
        "today": today.isoformat(),
        "since": since.isoformat(),
    }
    where, scope_params = _scope_filter(scope)
    params.update(scope_params)
    decks = [_progress(row) for row in conn.execute(_PROGRESS.format(scope=where), params)]
    if not scope.everything and not _scope_holds(conn, scope, decks):
        return None  # the front door says what is wrong with the selection
    if found is None:
        return Status.of(rep, today, 0, decks, None, DEFAULT_DAILY_MINUTES)
    cleared = {_day(day) for (day,) in conn.execute(_CLEARED, params)}
    spans = [(_day(start), _day(end)) for start, end in conn.execute(_HOLDS_SINCE, params)]
    met = len(cleared | days_on_hold(spans, since, today))
    current = conn.execute(_CURRENT_HOLD, params).fetchone()
    hold = None if current is None else Hold(_day(current[0]), _day(current[1]))
    minutes = conn.execute(_MINUTES, params).fetchone()
    daily = DEFAULT_DAILY_MINUTES if minutes is None or minutes[0] is None else int(minutes[0])
    return Status.of(rep, today, met, decks, hold, daily)


def _scope_filter(scope: Scope) -> tuple[str, dict[str, object]]:
    """The WHERE clause of a selection (decks: any of; tags: all of), and its parameters."""
    clauses = ["1 = 1"]
    params: dict[str, object] = {}
    if scope.decks:
        names = [f":deck{n}" for n in range(len(scope.decks))]
        clauses.append(f"d.slug IN ({', '.join(names)})")
        params.update({name[1:]: deck for name, deck in zip(names, scope.decks, strict=True)})
    for n, tag in enumerate(scope.tags):
        tagged = f"t{n}"  # an alias of its own per tag, as the front door's
        clauses.append(
            f"EXISTS (SELECT 1 FROM card_tags {tagged} "
            f"WHERE {tagged}.card_id = c.id AND {tagged}.tag = :tag{n})"
        )
        params[f"tag{n}"] = tag
    return " AND ".join(clauses), params


def _scope_holds(conn: sqlite3.Connection, scope: Scope, decks: list[DeckProgress]) -> bool:
    """Every deck named is loaded and the selection matches an active card (else an error)."""
    if not any(d.active_cards for d in decks):
        return False
    wanted = set(scope.decks)
    if not wanted:
        return True
    marks = ", ".join("?" * len(wanted))
    query = f"SELECT count(*) FROM decks WHERE slug IN ({marks})"
    return int(conn.execute(query, [*wanted]).fetchone()[0]) == len(wanted)


def _progress(row: tuple[Any, ...]) -> DeckProgress:
    next_due = row[9]
    return DeckProgress.from_row(row, None if next_due is None else _day(next_due))


def _day(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value))
